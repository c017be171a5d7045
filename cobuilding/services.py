"""State changes of the co-building app, shared by the pages, the API and the demo data.

Every public service follows the portal's convention:

    @service
    def verb_noun(actor, pk, ..., *, options) -> the changed or created record

- `actor` first, then the primary key of the record acted on, or of its committee for a
  record created under one (`add_member_unit(actor, committee_pk, data)`); a committee is
  `create_committee(actor, data)`; edits are `update_x(actor, pk, data, version)`.
- `@service` runs it in one transaction whose history names the actor. The committee or
  record is read with `hubportal.access.get_for(..., lock=True)`: 404 outside the actor's
  jurisdiction, 403 when only viewable. Records named in the input (a member unit, a venue,
  a youth organization, a subdistrict, a league branch) are read with `related_for`: a
  refusal is a field error that never names a record of another jurisdiction.
- Lock order: the committee row first, then the record; so two cadres appointing chairs of
  one committee are served one after the other and the second sees the first's term (the
  exclusion constraint is the last guard). A subsidy locks the league-building row first.
- A refusal is a translated `ValidationError` (by field where a field is at fault) and
  leaves nothing changed. Edits carry the `version` the editor read (optimistic locking).
- Effects belong here: an activity writes a contact-log entry for each youth organization
  taking part through the registry's own service (`orgs.services.log_contact`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hubportal.access import get_for, related_for
from hubportal.history import history_of
from hubportal.jurisdiction import Action
from hubportal.services import check_version, expected_version, save_checked, service
from orgs import services as registry
from orgs.models import LeagueBuilding, LeagueUnit, Organization

from .models import (
    Activity,
    ActivityOrganization,
    ActivityPhoto,
    BranchSubsidy,
    ChairTerm,
    Committee,
    Community,
    Funding,
    JointMeeting,
    MemberUnit,
    Person,
    Venue,
    WorkPlan,
    term_end_limit,
)

MAX_MONEY = Decimal(10) ** 12
COMMITTEE_FIELDS = [
    "name",
    "founded_on",
    "secretariat_address",
    "secretariat_contact",
    "secretariat_phone",
    "description",
]
MEMBER_UNIT_FIELDS = [
    "name",
    "affiliation",
    "league_organization",
    "leader_name",
    "leader_title",
    "contact_person",
    "contact_phone",
    "joined_on",
    "left_on",
]
CHAIR_TERM_FIELDS = ["member_unit", "chair_name", "chair_title", "starts_on", "ends_on", "note"]
WORK_PLAN_FIELDS = ["year", "title", "content"]
MEETING_FIELDS = ["held_on", "place", "attendees", "decisions"]
VENUE_FIELDS = [
    "name",
    "kind",
    "setup",
    "address",
    "latitude",
    "longitude",
    "opening_hours",
    "offers",
    "description",
    "opened_on",
    "closed_on",
]
PERSON_FIELDS = ["name", "role", "position", "member_unit", "community", "phone", "started_on", "ended_on"]
ACTIVITY_FIELDS = ["title", "kind", "organiser", "held_on", "place", "venue", "participants", "description"]
FUNDING_FIELDS = ["year", "source", "amount", "received_on", "note"]
TEXT_FIELDS = {
    "secretariat_address",
    "secretariat_contact",
    "secretariat_phone",
    "description",
    "leader_name",
    "leader_title",
    "contact_person",
    "contact_phone",
    "chair_name",
    "chair_title",
    "note",
    "place",
    "position",
    "phone",
    "voucher",
}


def _today() -> datetime.date:
    return timezone.localdate()


def _values(data: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The given fields of `data`; text left empty is "" (not None), lists are sorted sets."""
    values: dict[str, Any] = {}
    for name in fields:
        if name not in data:
            continue
        value = data[name]
        if name in TEXT_FIELDS and value is None:
            value = ""
        elif isinstance(value, str):
            value = (
                value.strip() if name not in ("content", "decisions", "attendees", "description") else value
            )
        if isinstance(value, list | tuple):
            value = sorted(set(value))
        values[name] = value
    return values


def _assign(obj: Model, values: Mapping[str, Any]) -> list[str]:
    """Copy `values` onto `obj` (a related record by its id); the names of those that changed."""
    changed = []
    for name, value in values.items():
        field = cast(Field, obj._meta.get_field(name))
        current = getattr(obj, field.attname)
        new = value.pk if isinstance(value, Model) else value
        if isinstance(current, list) and isinstance(new, list) and sorted(current) == sorted(new):
            continue
        if current != new:
            setattr(obj, field.attname, new)
            changed.append(name)
    return changed


def _check_version(obj: Any, version: Any) -> None:
    """Refuse an edit made on an older copy, saying who changed the record and when."""
    sent = expected_version(version)
    if sent == obj.version:
        return
    latest = history_of(obj, limit=1)
    who = latest[0].who if latest and latest[0].who else None
    when = f"{timezone.localtime(latest[0].when):%Y-%m-%d %H:%M}" if latest and who else None
    check_version(obj, sent, who=who, when=when)


def _save(obj: Model, exclude: Iterable[str] = ()) -> None:
    """Validate (fields and the schema's constraints) and save; a race that breaks a
    constraint after the check is a clear message too."""
    obj.full_clean(exclude=list(exclude))
    save_checked(obj)


def _not_after_today(value: datetime.date | None, field: str, message: Any) -> None:
    if value is not None and value > _today():
        raise ValidationError({field: message})


def _committee(actor: Any, pk: Any, *, lock: bool = True) -> Committee:
    """The committee an actor acts on: changeable by them, locked first (see lock order)."""
    return get_for(actor, Committee.objects.select_related("subdistrict"), pk, Action.CHANGE, lock=lock)


def _of_committee(
    actor: Any, model: type[Model], committee: Committee, value: Any, field: str, message: Any
) -> Any:
    """A record named in the input that must belong to `committee` (None when not given)."""
    if value in (None, ""):
        return None
    record = related_for(actor, model, value, field, Action.VIEW, message=message)
    if getattr(record, "committee_id", None) != committee.pk:
        raise ValidationError({field: message})
    return record


def _many_of_committee(
    actor: Any, model: type[Model], committee: Committee, values: Any, field: str, message: Any
) -> list[Any]:
    ids = [v.pk if isinstance(v, Model) else v for v in (values or [])]
    return [_of_committee(actor, model, committee, v, field, message) for v in dict.fromkeys(ids)]


# Committees ------------------------------------------------------------------------------------
def _subdistrict(actor: Any, data: Mapping[str, Any]) -> LeagueUnit:
    if data.get("subdistrict") in (None, ""):
        raise ValidationError({"subdistrict": _("Choose the subdistrict the committee covers.")})
    unit = related_for(
        actor,
        LeagueUnit,
        data["subdistrict"],
        "subdistrict",
        Action.CHANGE,
        message=_("Choose a subdistrict within your jurisdiction."),
    )
    if unit.level != LeagueUnit.Level.TOWN or unit.kind != LeagueUnit.Kind.REGIONAL:
        raise ValidationError(
            {
                "subdistrict": _(
                    "A co-building committee covers a town or subdistrict (街道); %(unit)s is not one."
                )
                % {"unit": unit.name}
            }
        )
    return unit


def _communities(committee: Committee, names: Any) -> None:
    """Make the committee's communities the given names (one per line on the form)."""
    if names is None:
        return
    if isinstance(names, str):
        names = names.splitlines()
    wanted = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    too_long = [n for n in wanted if len(n) > 64]
    if too_long:
        raise ValidationError({"communities": _("A community's name has at most 64 characters.")})
    existing = {c.name: c for c in Community.objects.filter(committee=committee)}
    gone = [c for name, c in existing.items() if name not in wanted]
    served = Person.objects.filter(community__in=gone).select_related("community").first()
    if served is not None:
        raise ValidationError(
            {
                "communities": _(
                    "%(community)s still has a volunteer (%(name)s); assign them elsewhere first."
                )
                % {"community": served.community, "name": served.name}
            }
        )
    Community.objects.filter(pk__in=[c.pk for c in gone]).delete()
    Community.objects.bulk_create(
        [Community(committee=committee, name=name) for name in wanted if name not in existing]
    )


@service
def create_committee(actor: Any, data: Mapping[str, Any]) -> Committee:
    """Found the co-building committee of a subdistrict the actor may change (one per subdistrict)."""
    unit = _subdistrict(actor, data)
    if Committee.objects.filter(subdistrict=unit).exists():
        raise ValidationError(
            {"subdistrict": _("%(unit)s already has a co-building committee.") % {"unit": unit}}
        )
    committee = Committee(subdistrict=unit)
    _assign(committee, _values(data, COMMITTEE_FIELDS))
    _save(committee)
    _communities(committee, data.get("communities"))
    return committee


@service
def update_committee(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> Committee:
    """Edit a committee (its subdistrict stays) and its list of communities."""
    committee = _committee(actor, pk)
    _check_version(committee, version)
    changed = _assign(committee, _values(data, COMMITTEE_FIELDS))
    before = sorted(Community.objects.filter(committee=committee).values_list("name", flat=True))
    _communities(committee, data.get("communities"))
    after = sorted(Community.objects.filter(committee=committee).values_list("name", flat=True))
    if changed or before != after:
        committee.version += 1
        _save(committee)
    return committee


# Member units ----------------------------------------------------------------------------------
@service
def add_member_unit(actor: Any, committee_pk: Any, data: Mapping[str, Any]) -> MemberUnit:
    """A unit of any affiliation joins the committee with its league organization."""
    committee = _committee(actor, committee_pk)
    unit = MemberUnit(committee=committee)
    _assign(unit, _values(data, MEMBER_UNIT_FIELDS))
    _save(unit)
    return unit


@service
def update_member_unit(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> MemberUnit:
    """Edit a member unit; a unit that leaves keeps its history (`left_on`)."""
    unit = get_for(actor, MemberUnit, pk, Action.CHANGE, lock=True)
    _check_version(unit, version)
    if _assign(unit, _values(data, MEMBER_UNIT_FIELDS)):
        if unit.left_on is not None:
            clash = ChairTerm.objects.filter(member_unit=unit, ends_on__gt=unit.left_on).first()
            if clash is not None:
                raise ValidationError(
                    {
                        "left_on": _("The unit chairs the committee until %(date)s; it cannot leave before.")
                        % {"date": clash.ends_on}
                    }
                )
        unit.version += 1
        _save(unit)
    return unit


# Rotating chairs -------------------------------------------------------------------------------
def _check_term(term: ChairTerm, committee: Committee) -> None:
    """The rules of a chair's term, each refused on its field:
    dates in order, at most three months, no overlap with another term of the committee,
    the chair the recorded leader of a member unit's league organization, in the committee
    for the whole term."""
    if term.starts_on is None or term.ends_on is None:
        raise ValidationError({"ends_on": _("Give the first and the last day of the term.")})
    if term.ends_on < term.starts_on:
        raise ValidationError({"ends_on": _("A term cannot end before it starts.")})
    limit = term_end_limit(term.starts_on)
    if term.ends_on >= limit:
        raise ValidationError(
            {
                "ends_on": _(
                    "A chair's term lasts at most three months: a term starting on %(start)s ends on "
                    "%(last)s at the latest."
                )
                % {"start": term.starts_on, "last": limit - datetime.timedelta(days=1)}
            }
        )
    overlapping = (
        ChairTerm.objects.filter(
            committee=committee, starts_on__lte=term.ends_on, ends_on__gte=term.starts_on
        )
        .exclude(pk=term.pk)
        .first()
    )
    if overlapping is not None:
        raise ValidationError(
            {
                "starts_on": _(
                    "The term overlaps the term of %(chair)s (%(start)s – %(end)s); terms of a committee never "
                    "overlap."
                )
                % {
                    "chair": overlapping.chair_name,
                    "start": overlapping.starts_on,
                    "end": overlapping.ends_on,
                }
            }
        )
    unit = term.member_unit
    if not unit.leader_name:
        raise ValidationError(
            {
                "member_unit": _(
                    "No leader of %(unit)s's league organization is recorded; record the leader on the member "
                    "unit first."
                )
                % {"unit": unit}
            }
        )
    if term.chair_name and term.chair_name != unit.leader_name:
        raise ValidationError(
            {
                "chair_name": _(
                    "%(name)s is not the leader of a member unit's league organization: the chair of this term "
                    "must be %(leader)s, the recorded leader of %(unit)s."
                )
                % {"name": term.chair_name, "leader": unit.leader_name, "unit": unit}
            }
        )
    if unit.joined_on > term.starts_on or (unit.left_on is not None and unit.left_on < term.ends_on):
        raise ValidationError(
            {"member_unit": _("%(unit)s is not a member unit for the whole term.") % {"unit": unit}}
        )


def _term_values(actor: Any, committee: Committee, data: Mapping[str, Any]) -> dict[str, Any]:
    values = _values(data, CHAIR_TERM_FIELDS)
    if "member_unit" in values:
        values["member_unit"] = _of_committee(
            actor,
            MemberUnit,
            committee,
            values["member_unit"],
            "member_unit",
            _("Choose a member unit of this committee."),
        )
        if values["member_unit"] is None:
            raise ValidationError({"member_unit": _("Choose the member unit whose leader chairs the term.")})
    return values


def _fill_chair(term: ChairTerm) -> None:
    """Without a name given, the chair is the member unit's recorded leader."""
    unit = term.member_unit
    if not term.chair_name:
        term.chair_name = unit.leader_name
    if not term.chair_title:
        term.chair_title = unit.leader_title


@service
def appoint_chair(actor: Any, committee_pk: Any, data: Mapping[str, Any]) -> ChairTerm:
    """Appoint the rotating chair for a term: the leader of a member unit's league
    organization, for at most three months, not overlapping another term."""
    committee = _committee(actor, committee_pk)
    term = ChairTerm(committee=committee)
    values = _term_values(actor, committee, data)
    if values.get("member_unit") is None:
        raise ValidationError({"member_unit": _("Choose the member unit whose leader chairs the term.")})
    _assign(term, values)
    _check_term(term, committee)
    _fill_chair(term)
    _save(term)
    return term


@service
def update_chair_term(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> ChairTerm:
    """Correct a term (the same rules as an appointment)."""
    found = get_for(actor, ChairTerm, pk, Action.CHANGE)
    committee = _committee(actor, found.committee_id)
    term = ChairTerm.objects.select_for_update().get(pk=found.pk)
    _check_version(term, version)
    if not _assign(term, _term_values(actor, committee, data)):
        return term
    _check_term(term, committee)
    _fill_chair(term)
    term.version += 1
    _save(term)
    return term


@service
def delete_chair_term(actor: Any, pk: Any) -> None:
    """Remove a term entered by mistake (one that has not started yet, or any with no
    activity held in it)."""
    term = get_for(actor, ChairTerm.objects.with_activity(), pk, Action.CHANGE, lock=True)
    if term.starts_on <= _today() and term.held_activity:  # type: ignore[attr-defined]  # annotated by with_activity()
        raise ValidationError(_("Activities were held in this term; it is part of the rotation and stays."))
    term.delete()


# Work plans ------------------------------------------------------------------------------------
@service
def create_work_plan(actor: Any, committee_pk: Any, data: Mapping[str, Any]) -> WorkPlan:
    """Draw up the committee's work plan for a year (one per year), as a draft."""
    committee = _committee(actor, committee_pk)
    plan = WorkPlan(committee=committee)
    _assign(plan, _values(data, WORK_PLAN_FIELDS))
    if plan.year and WorkPlan.objects.filter(committee=committee, year=plan.year).exists():
        raise ValidationError(
            {"year": _("The committee already has a work plan for %(year)s.") % {"year": plan.year}}
        )
    _save(plan)
    return plan


@service
def update_work_plan(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> WorkPlan:
    """Edit a plan; a published plan stays published (the public page shows the change)."""
    plan = get_for(actor, WorkPlan, pk, Action.CHANGE, lock=True)
    _check_version(plan, version)
    if _assign(plan, _values(data, WORK_PLAN_FIELDS)):
        if (
            WorkPlan.objects.filter(committee_id=plan.committee_id, year=plan.year)
            .exclude(pk=plan.pk)
            .exists()
        ):
            raise ValidationError(
                {"year": _("The committee already has a work plan for %(year)s.") % {"year": plan.year}}
            )
        plan.version += 1
        _save(plan)
    return plan


@service
def publish_work_plan(actor: Any, pk: Any) -> WorkPlan:
    """Publish the plan on the public site, for the member units and the public to see."""
    plan = get_for(actor, WorkPlan, pk, Action.CHANGE, lock=True)
    if plan.status == WorkPlan.Status.PUBLISHED:
        raise ValidationError(_("This plan is already published."))
    plan.status, plan.published_at = WorkPlan.Status.PUBLISHED, timezone.now()
    plan.version += 1
    _save(plan)
    return plan


# Joint meetings --------------------------------------------------------------------------------
def _meeting_values(actor: Any, committee: Committee, data: Mapping[str, Any]) -> dict[str, Any]:
    values = _values(data, MEETING_FIELDS)
    _not_after_today(values.get("held_on"), "held_on", _("Record a meeting once it has been held."))
    return values


def _set_many(obj: Any, name: str, records: list[Any] | None) -> bool:
    if records is None:
        return False
    manager = getattr(obj, name)
    before = set(manager.values_list("pk", flat=True))
    after = {r.pk for r in records}
    if before != after:
        manager.set(records)
        return True
    return False


@service
def record_meeting(actor: Any, committee_pk: Any, data: Mapping[str, Any]) -> JointMeeting:
    """Record a joint meeting: date, place, the member units present, attendees, decisions."""
    committee = _committee(actor, committee_pk)
    meeting = JointMeeting(committee=committee)
    _assign(meeting, _meeting_values(actor, committee, data))
    units = _many_of_committee(
        actor,
        MemberUnit,
        committee,
        data.get("member_units"),
        "member_units",
        _("Choose member units of this committee."),
    )
    _save(meeting)
    _set_many(meeting, "member_units", units)
    return meeting


@service
def update_meeting(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> JointMeeting:
    meeting = get_for(actor, JointMeeting, pk, Action.CHANGE, lock=True)
    _check_version(meeting, version)
    committee = meeting.committee
    changed = _assign(meeting, _meeting_values(actor, committee, data))
    units = None
    if "member_units" in data:
        units = _many_of_committee(
            actor,
            MemberUnit,
            committee,
            data.get("member_units"),
            "member_units",
            _("Choose member units of this committee."),
        )
    if changed:
        meeting.version += 1
        _save(meeting)
    if _set_many(meeting, "member_units", units) and not changed:
        meeting.version += 1
        meeting.save(update_fields=["version"])
    return meeting


# Venues ----------------------------------------------------------------------------------------
def _venue_units(actor: Any, committee: Committee, data: Mapping[str, Any]) -> list[Any] | None:
    if "shared_by" not in data:
        return None
    return _many_of_committee(
        actor,
        MemberUnit,
        committee,
        data.get("shared_by"),
        "shared_by",
        _("Choose member units of this committee."),
    )


def _check_venue(venue: Venue) -> None:
    _not_after_today(venue.closed_on, "closed_on", _("Record the closure once the venue has closed."))
    if (venue.latitude is None) != (venue.longitude is None):
        raise ValidationError({"longitude": _("Give both the latitude and the longitude, or neither.")})


@service
def create_venue(actor: Any, committee_pk: Any, data: Mapping[str, Any]) -> Venue:
    """Add a youth venue of the subdistrict (a public facility: it shows on the public list
    and on the map)."""
    committee = _committee(actor, committee_pk)
    venue = Venue(committee=committee)
    _assign(venue, _values(data, VENUE_FIELDS))
    _check_venue(venue)
    if venue.closed_on is not None:
        venue.closed_at = timezone.now()
    units = _venue_units(actor, committee, data)
    _save(venue)
    _set_many(venue, "shared_by", units)
    return venue


@service
def update_venue(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> Venue:
    venue = get_for(actor, Venue, pk, Action.CHANGE, lock=True)
    _check_version(venue, version)
    changed = _assign(venue, _values(data, VENUE_FIELDS))
    _check_venue(venue)
    if "closed_on" in changed:
        venue.closed_at = timezone.now() if venue.closed_on is not None else None
    shared = _set_many(venue, "shared_by", _venue_units(actor, venue.committee, data))
    if changed or shared:
        venue.version += 1
        _save(venue)
    return venue


# People ----------------------------------------------------------------------------------------
def _person_values(actor: Any, committee: Committee, data: Mapping[str, Any]) -> dict[str, Any]:
    values = _values(data, PERSON_FIELDS)
    if "member_unit" in values:
        values["member_unit"] = _of_committee(
            actor,
            MemberUnit,
            committee,
            values["member_unit"],
            "member_unit",
            _("Choose a member unit of this committee."),
        )
    if "community" in values:
        values["community"] = _of_committee(
            actor,
            Community,
            committee,
            values["community"],
            "community",
            _("Choose a community of this subdistrict."),
        )
    return values


def _check_person(person: Person) -> None:
    if person.community_id is not None and person.role != Person.Role.COMMUNITY_VOLUNTEER:
        raise ValidationError({"community": _("Only a community volunteer serves a community.")})
    _not_after_today(person.ended_on, "ended_on", _("Record the end of a role once it has ended."))


@service
def add_person(actor: Any, committee_pk: Any, data: Mapping[str, Any]) -> Person:
    """Record a cadre, an external committee member, a youth social worker or a community
    volunteer of the subdistrict, with role and dates."""
    committee = _committee(actor, committee_pk)
    person = Person(committee=committee)
    _assign(person, _person_values(actor, committee, data))
    _check_person(person)
    if person.ended_on is not None:
        person.ended_at = timezone.now()
    _save(person)
    return person


@service
def update_person(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> Person:
    """Edit a person; setting the end of the role records when the portal learnt it."""
    person = get_for(actor, Person, pk, Action.CHANGE, lock=True)
    _check_version(person, version)
    changed = _assign(person, _person_values(actor, person.committee, data))
    if not changed:
        return person
    _check_person(person)
    if "ended_on" in changed:
        person.ended_at = timezone.now() if person.ended_on is not None else None
    person.version += 1
    _save(person)
    return person


# Activities ------------------------------------------------------------------------------------
def _activity_values(actor: Any, committee: Committee, data: Mapping[str, Any]) -> dict[str, Any]:
    values = _values(data, ACTIVITY_FIELDS)
    if "organiser" in values:
        values["organiser"] = _of_committee(
            actor,
            MemberUnit,
            committee,
            values["organiser"],
            "organiser",
            _("Choose a member unit of this committee."),
        )
    if "venue" in values:
        values["venue"] = _of_committee(
            actor, Venue, committee, values["venue"], "venue", _("Choose a venue of this subdistrict.")
        )
    _not_after_today(values.get("held_on"), "held_on", _("Record an activity once it has taken place."))
    return values


def _organizations(actor: Any, data: Mapping[str, Any]) -> list[Organization] | None:
    if "organizations" not in data:
        return None
    ids = [v.pk if isinstance(v, Model) else v for v in (data.get("organizations") or [])]
    return [
        related_for(
            actor,
            Organization,
            pk,
            "organizations",
            Action.VIEW,
            message=_("Choose youth organizations listed in the registry within your jurisdiction."),
        )
        for pk in dict.fromkeys(ids)
    ]


def _contact_days(count: int) -> Decimal:
    """The day the cadre spent on the activity, shared between the organizations (at
    least a tenth of a day each): the contact log counts days in youth organizations."""
    return max(Decimal("0.1"), (Decimal(1) / max(count, 1)).quantize(Decimal("0.1"), rounding=ROUND_DOWN))


def _log_unit(actor: Any, committee: Committee) -> dict[str, Any]:
    """The contact counts for the subdistrict when the actor belongs to it, else for the
    actor's own unit (the registry's rule)."""
    belongs = any(u.pk == committee.subdistrict_id for u in actor.member_units())
    return {"unit": committee.subdistrict_id} if belongs else {}


def _take_part(actor: Any, activity: Activity, organizations: list[Organization] | None) -> bool:
    """Make the organizations taking part exactly `organizations`: each new one gets its
    contact-log entry through `orgs.services.log_contact`, each removed one loses it."""
    if organizations is None:
        return False
    current = {p.organization_id: p for p in ActivityOrganization.objects.filter(activity=activity)}
    wanted = {o.pk: o for o in organizations}
    removed = [p for org_id, p in current.items() if org_id not in wanted]
    added = [o for org_id, o in wanted.items() if org_id not in current]
    for participation in removed:
        if participation.contact_log_id is not None:
            registry.delete_contact_log(actor, participation.contact_log_id)
        participation.delete()
    days = _contact_days(len(wanted))
    for org in added:
        try:
            entry = registry.log_contact(
                actor,
                org.pk,
                {
                    **_log_unit(actor, activity.committee),
                    "date": activity.held_on,
                    "kind": "activity",
                    "days": days,
                    "note": str(_("Co-building activity: %(title)s") % {"title": activity.title}),
                },
            )
        except (ValidationError, PermissionDenied) as exc:
            raise ValidationError(
                {"organizations": [f"{org}: {' '.join(getattr(exc, 'messages', [str(exc)]))}"]}
            ) from exc
        ActivityOrganization.objects.create(activity=activity, organization=org, contact_log=entry)
    return bool(removed or added)


@service
def record_activity(actor: Any, committee_pk: Any, data: Mapping[str, Any]) -> Activity:
    """Record an activity the committee held: organiser, member units and youth
    organizations taking part (each gets a contact-log entry), date, place, participants."""
    committee = _committee(actor, committee_pk)
    activity = Activity(committee=committee)
    _assign(activity, _activity_values(actor, committee, data))
    units = _many_of_committee(
        actor,
        MemberUnit,
        committee,
        data.get("member_units"),
        "member_units",
        _("Choose member units of this committee."),
    )
    organizations = _organizations(actor, data) or []
    _save(activity)
    _set_many(activity, "member_units", units)
    _take_part(actor, activity, organizations)
    return activity


@service
def update_activity(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> Activity:
    """Edit an activity; organizations added get their contact-log entry, removed ones lose
    it. A new date moves the entries' date too."""
    activity = get_for(actor, Activity.objects.select_related("committee"), pk, Action.CHANGE, lock=True)
    _check_version(activity, version)
    committee = activity.committee
    changed = _assign(activity, _activity_values(actor, committee, data))
    units = None
    if "member_units" in data:
        units = _many_of_committee(
            actor,
            MemberUnit,
            committee,
            data.get("member_units"),
            "member_units",
            _("Choose member units of this committee."),
        )
    organizations = _organizations(actor, data)
    if changed:
        _save(activity)
    related = _set_many(activity, "member_units", units)
    taking_part = _take_part(actor, activity, organizations)
    if "held_on" in changed:
        for participation in ActivityOrganization.objects.filter(
            activity=activity, contact_log__isnull=False
        ).select_related("contact_log"):
            entry = participation.contact_log
            assert entry is not None  # filtered above  # noqa: S101 - narrows the type
            # The activity's service moves the entry as it now stands (no editor's copy).
            registry.update_contact_log(actor, entry.pk, {"date": activity.held_on}, version=entry.version)
    if changed or related or taking_part:
        activity.version += 1
        activity.save(update_fields=["version"])
    return activity


@service
def add_activity_photo(actor: Any, activity_pk: Any, image: Any, caption: str = "") -> ActivityPhoto:
    """Attach a photo (checked by its content) to an activity."""
    activity = get_for(actor, Activity, activity_pk, Action.CHANGE, lock=True)
    photo = ActivityPhoto(activity=activity, image=image, caption=(caption or "").strip(), uploaded_by=actor)
    _save(photo)
    return photo


# Money -----------------------------------------------------------------------------------------
def _money(value: Any, field: str = "amount") -> Decimal:
    """A positive amount in yuan with at most two decimals (fen)."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter the amount in yuan, e.g. 12000.50.")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("Enter the amount in yuan, e.g. 12000.50.")})
    if amount <= 0:
        raise ValidationError({field: _("The amount must be more than zero.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("Amounts are kept to the fen: at most two decimal places.")})
    if amount >= MAX_MONEY:
        raise ValidationError({field: _("The amount is too large.")})
    return amount.quantize(Decimal("0.01"))


def _funding_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values = _values(data, FUNDING_FIELDS)
    if "amount" in values:
        values["amount"] = _money(values["amount"])
    _not_after_today(values.get("received_on"), "received_on", _("Record money once it has been received."))
    return values


@service
def record_funding(actor: Any, committee_pk: Any, data: Mapping[str, Any]) -> Funding:
    """Record working funds the subdistrict's league committee received for a year."""
    committee = _committee(actor, committee_pk)
    funding = Funding(committee=committee)
    _assign(funding, _funding_values(data))
    _save(funding)
    return funding


@service
def update_funding(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> Funding:
    funding = get_for(actor, Funding, pk, Action.CHANGE, lock=True)
    _check_version(funding, version)
    if _assign(funding, _funding_values(data)):
        funding.version += 1
        _save(funding)
    return funding


def _payer_unit(building: LeagueBuilding, payer: str) -> LeagueUnit | None:
    """The city (团市委) or the district / county (团区委) above the branch's unit, or the
    unit itself when it is one."""
    level = LeagueUnit.Level.CITY if payer == BranchSubsidy.Payer.CITY else LeagueUnit.Level.COUNTY
    paths = [*building.unit.ancestor_paths(), building.unit.path]
    return LeagueUnit.objects.filter(path__in=paths, level=level, kind=LeagueUnit.Kind.REGIONAL).first()


@service
def pay_branch_subsidy(actor: Any, league_building_pk: Any, data: Mapping[str, Any]) -> BranchSubsidy:
    """Pay the subsidy of a league branch founded in a youth organization: 300 yuan from the
    city league committee, 300 from the district's — each once per branch, by a cadre who
    may change the paying unit. The branch's row is locked first, so two payments race to
    one answer (and the unique constraint is the last guard)."""
    building = related_for(
        actor,
        LeagueBuilding.objects.select_related("unit"),
        league_building_pk,
        "league_building",
        Action.VIEW,
        lock=True,
        message=_("Choose a league branch within your jurisdiction."),
    )
    payer = data.get("payer") or ""
    if payer not in BranchSubsidy.Payer.values:
        raise ValidationError({"payer": _("Say who pays: the city or the district league committee.")})
    unit = _payer_unit(building, payer)
    if unit is None:
        raise ValidationError(
            {
                "payer": _("%(unit)s has no %(payer)s above it.")
                % {"unit": building.unit, "payer": BranchSubsidy.Payer(payer).label}
            }
        )
    related_for(
        actor,
        LeagueUnit,
        unit.pk,
        "payer",
        Action.CHANGE,
        message=_("Only cadres of the paying league committee record its payments."),
    )
    paid = BranchSubsidy.objects.filter(league_building=building, payer=payer).first()
    if paid is not None:
        raise ValidationError(
            {
                "payer": _(
                    "%(branch)s has already been paid its subsidy by %(payer)s on %(date)s; a branch is never "
                    "paid twice."
                )
                % {"branch": building, "payer": unit, "date": paid.paid_on}
            }
        )
    subsidy = BranchSubsidy(
        league_building=building,
        payer=payer,
        payer_unit=unit,
        amount=_money(data.get("amount") or BranchSubsidy._meta.get_field("amount").default),
        paid_on=data.get("paid_on") or _today(),
        voucher=(data.get("voucher") or "").strip(),
    )
    _not_after_today(subsidy.paid_on, "paid_on", _("Record a payment once it has been made."))
    if subsidy.paid_on < building.founded_on:
        raise ValidationError(
            {
                "paid_on": _("The branch was founded on %(date)s, after this date.")
                % {"date": building.founded_on}
            }
        )
    _save(subsidy)
    return subsidy
