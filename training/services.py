"""State changes of the training app (camps, sessions, trainers, quotas, enrolments,
attendance, certificates, feedback), shared by the pages, the API, the phone check-in, the
demo data and the background sweeps.

Every public service follows the portal's convention:

    @service
    def verb_noun(actor, pk, ..., *, options) -> the changed or created record

- `actor` first (the acting user; `None` for the beat sweeps and for a trainee acting with
  the secret link of their personal page, passed as `token=`), then the primary key of the
  record acted on (of the parent for a create: `enrol_member(actor, camp_pk, member_pk)`),
  never an instance; creates of a top-level record are `create_x(actor, data)`, edits
  `update_x(actor, pk, data, version)`.
- `@service` runs it in one transaction whose history names the actor. Records are read
  with `hubportal.access.get_for(..., lock=True)`: 404 outside the actor's jurisdiction,
  403 when only viewable; a record named in the input (a trainer, a unit, a backbone member)
  with `related_for`: a field error that never names a record out of reach.
- Lock order: everything that moves seats (enrol, cancel, accept or decline an offer,
  quotas, capacity, the sweeps) locks the CAMP row first, then the enrolment. Two people
  racing for the last seat are served one after the other: the second sees the first's
  seat and waits in line.
- The waiting list moves inside the transaction that frees a seat (a cancellation, a
  declined or expired offer, more seats, a quota returned to the pool): no cron job. A seat
  goes to the first in line who may use it (their quota, then the quotas above it, then the
  camp's pool); with `offer_hold_hours` it is offered and passes on when not accepted in
  time (`expire_seat_offers`, also run by beat every ten minutes).
- A refusal is a translated `ValidationError` (by field where a field is at fault) and
  leaves nothing changed. Messages to people go through the outbox, written in the same
  transaction, so a refused or rolled-back change tells no one anything.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Field, Model, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hubportal.access import get_for, may, parse_pk, related_for
from hubportal.history import history_of
from hubportal.jobs import start_job
from hubportal.jurisdiction import Action
from hubportal.models import Job
from hubportal.outbox import queue_message
from hubportal.services import check_version, expected_version, save_checked, service
from orgs.models import BackboneMember, LeagueUnit, Organization
from orgs.validators import validate_id_number

from .models import (
    CODE_ALPHABET,
    QR_PREFIX,
    Attendance,
    Camp,
    CampSession,
    Certificate,
    Enrolment,
    Expertise,
    Feedback,
    FeedbackReceipt,
    SeatQuota,
    Trainee,
    Trainer,
)

Status = Enrolment.Status
CampStatus = Camp.Status
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")

CAMP_FIELDS = [
    "title",
    "organizer",
    "level",
    "starts_on",
    "ends_on",
    "address",
    "is_online",
    "online_url",
    "capacity",
    "audience",
    "description",
    "completion_percent",
    "quota_return_on",
    "offer_hold_hours",
]
SESSION_FIELDS = ["title", "trainer", "starts_at", "ends_at", "place"]
TRAINER_FIELDS = [
    "name",
    "unit",
    "affiliation",
    "title",
    "fields",
    "phone",
    "email",
    "bio",
    "shared",
    "active",
]
PERSON_FIELDS = ["name", "gender", "id_number", "phone", "email", "unit", "organization"]
TEXT_FIELDS = {
    "address",
    "online_url",
    "description",
    "place",
    "title",
    "bio",
    "email",
    "phone",
    "affiliation",
}


# Shared helpers ----------------------------------------------------------------------------
def _now() -> datetime.datetime:
    return timezone.now()


def _today() -> datetime.date:
    return timezone.localdate()


def site_url() -> str:
    """The portal's address for links in messages and certificates (`HUB_SITE_URL`)."""
    return str(getattr(settings, "HUB_SITE_URL", "") or "").rstrip("/")


def personal_url(enrolment: Enrolment, base: str = "") -> str:
    return f"{base or site_url()}{reverse('training:personal', args=[enrolment.access_token])}"


def _check_version(obj: Camp | Trainer | CampSession, version: Any) -> None:
    """Refuse an edit made on an older copy, saying who changed the record and when."""
    sent = expected_version(version)
    if sent == obj.version:
        return
    latest = history_of(obj, limit=1)
    who = latest[0].who if latest and latest[0].who else None
    when = f"{timezone.localtime(latest[0].when):%Y-%m-%d %H:%M}" if latest and who else None
    check_version(obj, sent, who=who, when=when)


def _assign(obj: Model, data: Mapping[str, Any], fields: Iterable[str]) -> list[str]:
    """Copy the given `fields` of `data` onto `obj`; the names of those whose value changed."""
    changed = []
    for name in fields:
        if name not in data:
            continue
        value = data[name]
        model_field = cast(Field, obj._meta.get_field(name))
        if model_field.many_to_many:
            continue
        if value is None and name in TEXT_FIELDS:
            value = ""
        current = getattr(obj, model_field.attname)
        new = value.pk if isinstance(value, Model) else value
        if isinstance(current, list) and isinstance(new, list) and sorted(current) == sorted(new):
            continue
        if current != new:
            setattr(obj, model_field.attname, new)
            changed.append(name)
    return changed


def _unit(actor: Any, value: Any, field_name: str, action: Action = Action.CHANGE) -> LeagueUnit:
    return related_for(
        actor,
        LeagueUnit,
        value,
        field_name,
        action,
        message=_("Choose a unit within your jurisdiction."),
    )


def _clean(obj: Model, exclude: Iterable[str] = ()) -> None:
    """Model validation with the field errors the forms show (constraints included)."""
    obj.full_clean(exclude=list(exclude), validate_unique=False)


def _in_language(func: Any) -> tuple[str, str]:
    """Subject and body of a message, in the portal's language whatever the request's."""
    with translation.override(settings.LANGUAGE_CODE):
        return cast(tuple[str, str], func())


def _tell(
    enrolment: Enrolment, subject: str, body: str, *, actor: Any = None, tags: Iterable[str] = ()
) -> None:
    """A message to the trainee (e-mail, else SMS) and to whoever enrolled them, unless
    that is the actor themself."""
    trainee = enrolment.trainee
    queue_message(
        subject=subject,
        body=body,
        email=trainee.email,
        phone="" if trainee.email else trainee.phone,
        tags=["training", *tags],
    )
    by = enrolment.enrolled_by
    if by is not None and (actor is None or getattr(actor, "pk", None) != by.pk) and (by.email or by.phone):
        queue_message(
            subject=subject, body=body, email=by.email, phone=by.phone, user=by, tags=["training", *tags]
        )


# Trainers --------------------------------------------------------------------------------
def _trainer_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in data.items() if k in TRAINER_FIELDS}
    if "fields" in values:
        values["fields"] = sorted(set(values["fields"] or []))
        unknown = [f for f in values["fields"] if f not in Expertise.values]
        if unknown:
            raise ValidationError({"fields": _("Unknown field: %(value)s.") % {"value": ", ".join(unknown)}})
    if values.get("phone"):
        values["phone"] = re.sub(r"[\s-]", "", str(values["phone"]))
        if not PHONE_RE.match(values["phone"]):
            raise ValidationError({"phone": _("Enter an 11-digit mobile number, e.g. 13800138000.")})
    return values


@service
def create_trainer(actor: Any, data: Mapping[str, Any]) -> Trainer:
    """Add a trainer to the pool kept by a unit the actor may change."""
    if data.get("unit") in (None, ""):
        raise ValidationError({"unit": _("Choose the unit that keeps the trainer in its pool.")})
    _unit(actor, data["unit"], "unit")
    trainer = Trainer()
    _assign(trainer, _trainer_values(data), TRAINER_FIELDS)
    _clean(trainer)
    save_checked(trainer)
    return trainer


@service
def update_trainer(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> Trainer:
    """Edit a trainer on the `version` the editor read; a save that changes nothing leaves
    the record (and its version) as it was."""
    trainer = get_for(actor, Trainer, pk, Action.CHANGE, lock=True)
    _check_version(trainer, version)
    if data.get("unit") not in (None, ""):
        _unit(actor, data["unit"], "unit")
    if not _assign(trainer, _trainer_values(data), TRAINER_FIELDS):
        return trainer
    trainer.version += 1
    _clean(trainer)
    save_checked(trainer)
    return trainer


# Camps -----------------------------------------------------------------------------------
def _allowed_levels(organizer: LeagueUnit) -> list[str]:
    """A unit holds camps of its own level, and (below the city) of the series of the level
    above it: a county's camp may count in its city's series (纳入市级培训序列)."""
    levels = [organizer.level]
    order = LeagueUnit.LEVEL_ORDER
    above = [lvl for lvl, rank in order.items() if rank == order.get(organizer.level, 0) - 1]
    if above and above[0] != LeagueUnit.Level.PROVINCE:
        levels.append(above[0])
    return levels


def _audience(organizer: LeagueUnit, value: Any) -> list[LeagueUnit] | None:
    """The audience units given (ids or units), each within the organiser's subtree."""
    if value is None:
        return None
    ids = [v.pk if isinstance(v, Model) else v for v in value]
    try:
        keys = sorted({int(str(i)) for i in ids})
    except ValueError:
        raise ValidationError({"audience": _("Choose the audience from the listed units.")}) from None
    units = list(LeagueUnit.objects.filter(pk__in=keys))
    if len(units) != len(keys) or any(not u.path.startswith(organizer.path) for u in units):
        raise ValidationError(
            {"audience": _("The audience must be units within %(unit)s.") % {"unit": organizer}}
        )
    return units


def _series_unit(organizer: LeagueUnit, level: str) -> LeagueUnit:
    """The unit whose series a camp of `level` organised by `organizer` counts in."""
    if level == organizer.level:
        return organizer
    return organizer.ancestors().filter(level=level).order_by("-depth").first() or organizer


def _validate_camp(camp: Camp, organizer: LeagueUnit) -> None:
    errors: dict[str, Any] = {}
    if camp.level not in _allowed_levels(organizer):
        errors["level"] = _("%(unit)s can hold camps of these series only: %(levels)s.") % {
            "unit": organizer,
            "levels": "、".join(str(Camp.Level(lvl).label) for lvl in _allowed_levels(organizer)),
        }
    if camp.starts_on and camp.ends_on and camp.ends_on < camp.starts_on:
        errors["ends_on"] = _("The last day cannot be before the first day.")
    if camp.is_online and not camp.online_url and not camp.address:
        errors["online_url"] = _("Give the link of the online session (or an address).")
    if not camp.is_online and not (camp.address or "").strip():
        errors["address"] = _("Give the address, or mark the camp as an online session.")
    if camp.completion_percent is not None and not 1 <= camp.completion_percent <= 100:
        errors["completion_percent"] = _("The completion rule is a share of the sessions, from 1 to 100 %.")
    if errors:
        raise ValidationError(errors)


@service
def create_camp(actor: Any, data: Mapping[str, Any]) -> Camp:
    """Plan a camp organised by a unit the actor may change (status: planned)."""
    if data.get("organizer") in (None, ""):
        raise ValidationError({"organizer": _("Choose the organising unit.")})
    organizer = _unit(actor, data["organizer"], "organizer")
    camp = Camp()
    _assign(camp, data, CAMP_FIELDS)
    if not camp.level:
        camp.level = organizer.level
    _validate_camp(camp, organizer)
    camp.series_unit = _series_unit(organizer, camp.level)
    audience = _audience(organizer, data.get("audience"))
    _clean(camp)
    save_checked(camp)
    if audience:
        camp.audience.set(audience)
    return camp


def _seats_taken(camp: Camp) -> int:
    return Enrolment.objects.filter(camp=camp).holding().count()


@service
def update_camp(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> Camp:
    """Edit a camp on the `version` the editor read. More seats or an earlier return date
    move the waiting list at once; fewer seats than people holding one are refused."""
    camp = get_for(actor, Camp.objects.select_related("organizer"), pk, Action.CHANGE, lock=True)
    _check_version(camp, version)
    if camp.status == CampStatus.CANCELLED:
        raise ValidationError(_("A cancelled camp cannot be edited."))
    organizer = camp.organizer
    if (
        data.get("organizer") not in (None, "")
        and _unit(actor, data["organizer"], "organizer").pk != organizer.pk
    ):
        if Enrolment.objects.filter(camp=camp).exists():
            raise ValidationError(
                {"organizer": _("People are enrolled: the organiser cannot change any more.")}
            )
        organizer = _unit(actor, data["organizer"], "organizer")
    changed = _assign(camp, data, CAMP_FIELDS)
    audience = _audience(organizer, data.get("audience"))
    audience_changed = audience is not None and {u.pk for u in audience} != set(
        camp.audience.values_list("pk", flat=True)
    )
    if not changed and not audience_changed:
        return camp
    _validate_camp(camp, organizer)
    taken = _seats_taken(camp)
    if camp.capacity is not None and camp.capacity < taken:
        raise ValidationError(
            {"capacity": _("%(n)d people hold a seat; the camp cannot have fewer seats.") % {"n": taken}}
        )
    quota_total = sum(SeatQuota.objects.filter(camp=camp, parent=None).values_list("seats", flat=True))
    if camp.capacity is not None and camp.capacity < quota_total:
        raise ValidationError(
            {
                "capacity": _("The quotas hold %(n)d seats; the camp cannot have fewer seats.")
                % {"n": quota_total}
            }
        )
    camp.version += 1
    camp.series_unit = _series_unit(organizer, camp.level)
    _clean(camp)
    save_checked(camp)
    if audience is not None and audience_changed:
        camp.audience.set(audience)
    if camp.status in (CampStatus.OPEN, CampStatus.RUNNING):
        _fill_seats(camp, actor)
    return camp


def _move_camp(actor: Any, pk: Any, allowed: Iterable[str], to: str, verb: Any) -> Camp:
    camp = get_for(actor, Camp, pk, Action.CHANGE, lock=True)
    if camp.status not in allowed:
        raise ValidationError(
            _("The camp is “%(status)s”; it cannot be %(verb)s.")
            % {"status": camp.get_status_display(), "verb": verb}
        )
    camp.status = to
    fields = ["status", "updated_at"]
    if to == CampStatus.FINISHED:
        camp.finished_at = _now()
        fields.append("finished_at")
    camp.save(update_fields=fields)
    return camp


@service
def open_camp(actor: Any, pk: Any) -> Camp:
    """Open a planned camp for enrolment: it appears on the public list."""
    return _move_camp(actor, pk, [CampStatus.PLANNED], CampStatus.OPEN, _("opened for enrolment"))


@service
def start_camp(actor: Any, pk: Any) -> Camp:
    """The camp begins (check-in is open from enrolment on)."""
    return _move_camp(actor, pk, [CampStatus.OPEN], CampStatus.RUNNING, _("started"))


@service
def finish_camp(actor: Any, pk: Any) -> Camp:
    """The camp is over: every applied or confirmed person is judged by their attendance
    against the camp's completion rule (completed / did not complete / no-show) in one
    statement, and those still in line are taken off it."""
    camp = _move_camp(actor, pk, [CampStatus.OPEN, CampStatus.RUNNING], CampStatus.FINISHED, _("finished"))
    if not CampSession.objects.filter(camp=camp).exists():
        raise ValidationError(
            _("The camp has no sessions: add them (and their attendance) before finishing it.")
        )
    _judge(camp, [Status.APPLIED, Status.CONFIRMED])
    Enrolment.objects.filter(camp=camp, status__in=[Status.WAITING, Status.OFFERED]).update(
        status=Status.CANCELLED, closed_at=_now(), cancel_reason=gettext("The camp is over.")
    )
    return camp


def _judge(camp: Camp, statuses: Iterable[str], enrolment_ids: Iterable[int] | None = None) -> int:
    """Set completed / did not complete / no-show from attendance against the camp's rule,
    set-based (one UPDATE). Only rows whose status changes get a new judgement time (the
    time that decides in which period a completion counts)."""
    sessions = CampSession.objects.filter(camp=camp).count()
    needed = camp.completion_percent * sessions
    ids = list(enrolment_ids) if enrolment_ids is not None else None
    table, attendance = Enrolment._meta.db_table, Attendance._meta.db_table
    outcome = "CASE WHEN x.attended = 0 THEN %s WHEN x.attended * 100 >= %s THEN %s ELSE %s END"
    outcome_params = [Status.NO_SHOW, needed, Status.COMPLETED, Status.INCOMPLETE]
    only = "AND e2.id = ANY(%s)" if ids is not None else ""
    # Table names come from the models; every value is a parameter.
    sql = (
        f"UPDATE {table} e SET status = {outcome}, closed_at = %s "  # noqa: S608 - names from the code
        f"FROM (SELECT e2.id, (SELECT COUNT(*) FROM {attendance} a WHERE a.enrolment_id = e2.id) AS attended "
        f"FROM {table} e2 WHERE e2.camp_id = %s AND e2.status = ANY(%s) {only}) x "
        f"WHERE e.id = x.id AND e.status <> {outcome}"
    )
    params: list[Any] = [*outcome_params, _now(), camp.pk, list(statuses)]
    if ids is not None:
        params.append(ids)
    params += outcome_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@service
def cancel_camp(actor: Any, pk: Any, reason: str = "") -> Camp:
    """Call off a camp that has not finished: every enrolment is cancelled and each person
    told why; its sessions no longer book their trainers."""
    camp = _move_camp(
        actor,
        pk,
        [CampStatus.PLANNED, CampStatus.OPEN, CampStatus.RUNNING],
        CampStatus.CANCELLED,
        _("cancelled"),
    )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the camp is cancelled.")})
    camp.cancel_reason = reason.strip()
    camp.save(update_fields=["cancel_reason"])
    CampSession.objects.filter(camp=camp).update(is_active=False)
    people = list(
        Enrolment.objects.filter(camp=camp)
        .exclude(status=Status.CANCELLED)
        .select_related("trainee", "enrolled_by")
        .select_for_update(of=("self",))
    )
    Enrolment.objects.filter(pk__in=[e.pk for e in people]).update(
        status=Status.CANCELLED, closed_at=_now(), cancel_reason=gettext("The camp is cancelled.")[:200]
    )
    subject, body = _in_language(
        lambda: (
            gettext("Training camp cancelled: %(camp)s") % {"camp": camp.title},
            gettext("The training camp %(camp)s (%(dates)s) is cancelled. Reason: %(reason)s")
            % {"camp": camp.title, "dates": camp.dates_label, "reason": camp.cancel_reason},
        )
    )
    for enrolment in people:
        _tell(enrolment, subject, body, actor=actor, tags=["cancelled"])
    return camp


# Sessions --------------------------------------------------------------------------------
def _trainer(actor: Any, value: Any) -> Trainer | None:
    if value in (None, ""):
        return None
    return related_for(
        actor,
        Trainer,
        value,
        "trainer",
        Action.VIEW,
        also=Q(shared=True, active=True),
        message=_("Choose an active trainer of the shared pool or of your jurisdiction."),
    )


def _validate_session(session: CampSession, camp: Camp) -> None:
    errors: dict[str, Any] = {}
    if session.starts_at and session.ends_at:
        if session.ends_at <= session.starts_at:
            errors["ends_at"] = _("A session ends after it starts.")
        first, last = timezone.localtime(session.starts_at).date(), timezone.localtime(session.ends_at).date()
        if first < camp.starts_on or last > camp.ends_on:
            errors["starts_at"] = _("The session lies outside the camp's dates (%(dates)s).") % {
                "dates": camp.dates_label
            }
    if errors:
        raise ValidationError(errors)
    trainer = session.trainer
    if trainer is None or not session.is_active:
        return
    clash = (
        CampSession.objects.filter(
            trainer=trainer, is_active=True, starts_at__lt=session.ends_at, ends_at__gt=session.starts_at
        )
        .exclude(pk=session.pk)
        .order_by("starts_at")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "trainer": _(
                    "%(trainer)s is already booked from %(start)s to %(end)s in another session; a "
                    "trainer cannot be in two sessions at once."
                )
                % {
                    "trainer": trainer.name,
                    "start": f"{timezone.localtime(clash.starts_at):%Y-%m-%d %H:%M}",
                    "end": f"{timezone.localtime(clash.ends_at):%H:%M}",
                }
            }
        )


def _check_session(session: CampSession, camp: Camp) -> None:
    """The fields first, then the programme's own rules with their precise messages (the
    clashing session named, the error on its field), then the constraints of the schema."""
    session.full_clean(exclude=["camp"], validate_unique=False, validate_constraints=False)
    _validate_session(session, camp)
    session.validate_constraints(exclude={"camp"})


def _save_session(session: CampSession) -> None:
    """Save; the exclusion constraint is the last guard against a concurrent booking."""
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError:
        raise ValidationError(
            {"trainer": _("The trainer is already booked in another session at that time.")}
        ) from None


@service
def create_session(actor: Any, camp_pk: Any, data: Mapping[str, Any]) -> CampSession:
    """Add a session to a camp the actor may change, with a trainer of the pool."""
    camp = get_for(actor, Camp, camp_pk, Action.CHANGE, lock=True)
    if camp.status in (CampStatus.FINISHED, CampStatus.CANCELLED):
        raise ValidationError(_("The camp is over: its programme can no longer change."))
    session = CampSession(camp=camp)
    _assign(session, {k: v for k, v in data.items() if k != "trainer"}, SESSION_FIELDS)
    session.trainer = _trainer(actor, data.get("trainer"))
    _check_session(session, camp)
    _save_session(session)
    return session


@service
def update_session(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> CampSession:
    """Edit a session of a camp's programme, with an optimistic lock on its `version` (the one
    the editor read); saved without a change, nothing changes, not even the version."""
    session = get_for(actor, CampSession, pk, Action.CHANGE, lock=True)
    _check_version(session, version)
    camp = Camp.objects.get(pk=session.camp_id)
    changed = _assign(session, {k: v for k, v in data.items() if k != "trainer"}, SESSION_FIELDS)
    if "trainer" in data:
        trainer = _trainer(actor, data.get("trainer"))
        if (trainer.pk if trainer else None) != session.trainer_id:
            session.trainer = trainer
            changed.append("trainer")
    if not changed:
        return session
    if camp.status == CampStatus.CANCELLED:
        raise ValidationError(_("The camp is cancelled: its programme can no longer change."))
    _check_session(session, camp)
    session.version += 1
    _save_session(session)
    return session


@service
def delete_session(actor: Any, pk: Any) -> None:
    session = get_for(actor, CampSession, pk, Action.CHANGE, lock=True)
    if Attendance.objects.filter(session=session).exists():
        raise ValidationError(_("People checked in to this session: it can no longer be deleted."))
    session.delete()


# Seat quotas -------------------------------------------------------------------------------
@dataclass
class Seats:
    """Who may take which seat of a camp: its quotas, their seats and who holds them."""

    camp: Camp
    quotas: dict[int, SeatQuota]
    held: dict[int | None, int]
    apply_quotas: bool
    children_seats: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for quota in self.quotas.values():
            if quota.parent_id is not None:
                self.children_seats[quota.parent_id] = (
                    self.children_seats.get(quota.parent_id, 0) + quota.seats
                )

    def own_free(self, quota: SeatQuota) -> int:
        return quota.seats - self.children_seats.get(quota.pk, 0) - self.held.get(quota.pk, 0)

    def pool_free(self) -> int:
        reserved = sum(q.seats for q in self.quotas.values() if q.parent_id is None)
        return self.camp.capacity - reserved - self.held.get(None, 0)

    def total_free(self) -> int:
        return self.camp.capacity - sum(self.held.values())

    def chain(self, path: str) -> list[SeatQuota]:
        """The quotas whose unit contains `path`, deepest first."""
        found = [q for q in self.quotas.values() if path.startswith(q.unit.path)]
        return sorted(found, key=lambda q: -len(q.unit.path))

    def seat_for(self, path: str) -> tuple[bool, int | None]:
        """(a seat is free for a person of the unit at `path`, the quota it comes from)."""
        if self.total_free() <= 0:
            return False, None
        if not self.apply_quotas:
            return True, None
        for quota in self.chain(path):
            if self.own_free(quota) > 0:
                return True, quota.pk
        return (self.pool_free() > 0), None

    def take(self, quota_id: int | None) -> None:
        self.held[quota_id] = self.held.get(quota_id, 0) + 1


def seats_of(camp: Camp, today: datetime.date | None = None) -> Seats:
    """Two queries: the quotas (with their units) and the seats held per quota."""
    quotas = {q.pk: q for q in SeatQuota.objects.filter(camp=camp).select_related("unit")}
    held: dict[int | None, int] = {}
    rows = (
        Enrolment.objects.filter(camp=camp)
        .holding()
        .order_by()
        .values_list("quota_id")
        .annotate(n=Count("pk"))
    )
    for quota_id, n in rows:
        held[quota_id] = n
    return Seats(camp, quotas, held, camp.quotas_apply(today))


def _quota_units(
    actor: Any, allocations: Mapping[Any, Any], within: LeagueUnit, strictly_below: bool
) -> dict[int, tuple[LeagueUnit, int]]:
    """{unit_id: (unit, seats)} of the allocations, each unit within `within`."""
    result: dict[int, tuple[LeagueUnit, int]] = {}
    for key, value in allocations.items():
        unit = key if isinstance(key, LeagueUnit) else None
        if unit is None:
            unit = related_for(
                actor,
                LeagueUnit,
                key,
                "allocations",
                Action.VIEW,
                also=Q(path__startswith=within.path),
                message=_("Choose units within %(unit)s.") % {"unit": within},
            )
        if not unit.path.startswith(within.path) or (strictly_below and unit.pk == within.pk):
            raise ValidationError({"allocations": _("Choose units below %(unit)s.") % {"unit": within}})
        try:
            seats = int(str(value if value not in (None, "") else 0).strip())
        except ValueError:
            raise ValidationError(
                {"allocations": _("Seats of %(unit)s: enter a whole number.") % {"unit": unit}}
            ) from None
        if seats < 0:
            raise ValidationError(
                {"allocations": _("Seats of %(unit)s cannot be negative.") % {"unit": unit}}
            )
        result[unit.pk] = (unit, seats)
    units = [u for u, _s in result.values()]
    for unit in units:
        for other in units:
            if other.pk != unit.pk and unit.path.startswith(other.path):
                raise ValidationError(
                    {
                        "allocations": _(
                            "%(inner)s lies within %(outer)s: split %(outer)s's quota instead of giving both one."
                        )
                        % {"inner": unit, "outer": other}
                    }
                )
    return result


@service
def set_quotas(
    actor: Any, camp_pk: Any, allocations: Mapping[Any, Any], *, parent: Any = None
) -> list[SeatQuota]:
    """Reserve seats of a camp per unit: `{unit (or id): seats}`. Without `parent` the
    organiser splits the camp's seats (a province camp into its cities); with `parent` (a
    quota's id) that quota's unit splits its seats into the units below it (a city into
    its counties). Seats 0 remove a quota. The total may not exceed what is split, nor a
    quota fall below the seats its people hold."""
    if parent in (None, ""):
        camp = get_for(actor, Camp.objects.select_related("organizer"), camp_pk, Action.CHANGE, lock=True)
        parent_quota = None
        within, available = camp.organizer, camp.capacity
    else:
        # The cadres of the quota's unit split it; they need not see the camp itself.
        found = get_for(actor, SeatQuota, parent, Action.CHANGE)
        if found.camp_id != parse_pk(camp_pk):
            raise ValidationError({"parent": _("This quota belongs to another camp.")})
        camp = Camp.objects.select_related("organizer").select_for_update(of=("self",)).get(pk=found.camp_id)
        parent_quota = SeatQuota.objects.select_related("unit").get(pk=found.pk)
        within, available = parent_quota.unit, parent_quota.seats
    strictly_below = True
    if camp.status in (CampStatus.FINISHED, CampStatus.CANCELLED):
        raise ValidationError(_("The camp is over: its quotas can no longer change."))
    wanted = _quota_units(actor, allocations, within, strictly_below)
    seats = seats_of(camp)
    siblings = {
        q.unit_id: q
        for q in seats.quotas.values()
        if q.parent_id == (parent_quota.pk if parent_quota else None)
    }
    total = sum(s for _u, s in wanted.values()) + sum(
        q.seats for unit_id, q in siblings.items() if unit_id not in wanted
    )
    if total > available:
        raise ValidationError(
            {
                "allocations": _("The quotas add up to %(total)d seats but %(what)s has only %(available)d.")
                % {"total": total, "what": within if parent_quota else camp, "available": available}
            }
        )
    saved: list[SeatQuota] = []
    for unit_id, (unit, count) in sorted(wanted.items()):
        quota = siblings.get(unit_id) or seats.quotas.get(
            next((q.pk for q in seats.quotas.values() if q.unit_id == unit_id), -1)
        )
        if quota is not None and quota.parent_id != (parent_quota.pk if parent_quota else None):
            raise ValidationError(
                {"allocations": _("%(unit)s already has a quota in this camp.") % {"unit": unit}}
            )
        if quota is None:
            if count:
                quota = SeatQuota(camp=camp, unit=unit, parent=parent_quota, seats=count)
                save_checked(quota)
                saved.append(quota)
            continue
        needed = seats.children_seats.get(quota.pk, 0) + seats.held.get(quota.pk, 0)
        if count < needed:
            raise ValidationError(
                {
                    "allocations": _("%(unit)s holds %(n)d seats already (its people and its own split).")
                    % {"unit": unit, "n": needed}
                }
            )
        if count == 0:
            quota.delete()
            continue
        if quota.seats != count:
            quota.seats = count
            quota.save(update_fields=["seats"])
        saved.append(quota)
    if camp.status in (CampStatus.OPEN, CampStatus.RUNNING):
        _fill_seats(camp, actor)
    return saved


# People and enrolment ----------------------------------------------------------------------
def _normal_id(value: Any) -> str:
    return re.sub(r"\s", "", str(value or "")).upper()


def _normal_phone(value: Any) -> str:
    return re.sub(r"[\s-]", "", str(value or ""))


def match_person(
    *,
    name: str,
    id_number: str = "",
    phone: str = "",
    gender: str = "",
    email: str = "",
    unit: LeagueUnit,
    organization: Organization | None = None,
) -> Trainee:
    """The one person with this ID card number or mobile number, created on first sight.

    The same person under another spelling of the name is still the same person: the ID
    number decides. An ID number and a phone that belong to two different people are refused.
    """
    id_number, phone = _normal_id(id_number), _normal_phone(phone)
    if id_number:
        try:
            validate_id_number(id_number)
        except ValidationError as error:
            raise ValidationError({"id_number": error.messages}) from None
    if phone and not PHONE_RE.match(phone):
        raise ValidationError({"phone": _("Enter an 11-digit mobile number, e.g. 13800138000.")})
    if not id_number and not phone:
        raise ValidationError(
            {
                "id_number": _(
                    "Give the ID card number or the mobile number of %(name)s, so that the same person is "
                    "never counted twice."
                )
                % {"name": name or _("the person")}
            }
        )
    by_id = Trainee.objects.filter(id_number=id_number).first() if id_number else None
    by_phone = Trainee.objects.filter(phone=phone).first() if phone else None
    if by_id and by_phone and by_id.pk != by_phone.pk:
        raise ValidationError(
            {"phone": _("This mobile number belongs to another person than this ID card number; check both.")}
        )
    person = by_id or by_phone
    if person is not None and id_number and person.id_number and person.id_number != id_number:
        raise ValidationError(
            {"phone": _("This mobile number belongs to a person with another ID card number; check both.")}
        )
    if person is None:
        if not (name or "").strip():
            raise ValidationError({"name": _("Give the person's name.")})
        person = Trainee(
            name=name.strip()[:64],
            id_number=id_number,
            phone=phone,
            gender=gender or "",
            email=email or "",
            unit=unit,
            organization=organization,
        )
        save_checked(person)
        return person
    updates = []
    for attr, value in (("id_number", id_number), ("phone", phone), ("gender", gender), ("email", email)):
        if value and not getattr(person, attr):
            setattr(person, attr, value)
            updates.append(attr)
    if organization is not None and person.organization_id != organization.pk:
        person.organization = organization
        updates.append("organization")
    if updates:
        save_checked(person, update_fields=updates)
    return person


def _camp_for_enrolment(actor: Any, camp_pk: Any) -> Camp:
    """The camp, locked: open ones to anyone, running ones to their organisers too."""
    camp = related_for(
        actor,
        Camp.objects.select_related("organizer"),
        camp_pk,
        "camp",
        Action.VIEW,
        lock=True,
        also=Q(status=CampStatus.OPEN),
        message=_("Choose a camp that is open for enrolment."),
    )
    if camp.status == CampStatus.OPEN:
        return camp
    if camp.status == CampStatus.RUNNING and may(actor, camp, Action.CHANGE):
        return camp
    raise ValidationError(
        {
            "camp": _("%(camp)s is “%(status)s”: it takes no enrolments.")
            % {"camp": camp, "status": camp.get_status_display()}
        }
    )


def _check_audience(camp: Camp, unit: LeagueUnit, name: str) -> None:
    audience = list(camp.audience.all()) or [camp.organizer]
    if not any(unit.path.startswith(u.path) for u in audience):
        raise ValidationError(
            {
                "camp": _("%(name)s belongs to %(unit)s, outside this camp's audience (%(audience)s).")
                % {"name": name, "unit": unit, "audience": "、".join(u.name for u in audience)}
            }
        )


def _queue_position(enrolment: Enrolment) -> int:
    return (
        Enrolment.objects.filter(camp_id=enrolment.camp_id, status=Status.WAITING)
        .filter(Q(queued_at__lt=enrolment.queued_at) | Q(queued_at=enrolment.queued_at, pk__lte=enrolment.pk))
        .count()
    )


def _enrol(
    actor: Any,
    camp: Camp,
    trainee: Trainee,
    *,
    unit: LeagueUnit,
    organization: Organization | None,
    member: BackboneMember | None,
    role: str = "",
) -> Enrolment:
    """Enrol one person in the locked camp: a seat if one is free for their unit, else the
    waiting list."""
    existing = Enrolment.objects.filter(camp=camp, trainee=trainee).exclude(status=Status.CANCELLED).first()
    already = _("%(name)s is already enrolled in this camp (%(status)s).")
    if existing is not None:
        raise ValidationError(
            {"camp": already % {"name": trainee.name, "status": existing.get_status_display()}}
        )
    _check_audience(camp, unit, trainee.name)
    _fill_seats(camp, actor)  # people already in line come first
    free, quota_id = seats_of(camp).seat_for(unit.path)
    enrolment = Enrolment(
        camp=camp,
        trainee=trainee,
        unit=unit,
        organization=organization,
        backbone_member=member,
        role=(role or "")[:64],
        status=Status.APPLIED if free else Status.WAITING,
        quota_id=quota_id if free else None,
        queued_at=_now(),
        enrolled_by=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError:
        raise ValidationError(
            {"camp": already % {"name": trainee.name, "status": Status.APPLIED.label}}
        ) from None
    enrolment.trainee = trainee
    if enrolment.status == Status.WAITING:
        position = _queue_position(enrolment)
        subject, body = _in_language(
            lambda: (
                gettext("Waiting list of %(camp)s") % {"camp": camp.title},
                gettext(
                    "%(name)s is number %(n)d on the waiting list of the training camp %(camp)s. You will "
                    "be told at once when a seat frees up."
                )
                % {"name": trainee.name, "n": position, "camp": camp.title},
            )
        )
    else:
        subject, body = _in_language(
            lambda: (
                gettext("Enrolment received: %(camp)s") % {"camp": camp.title},
                gettext(
                    "%(name)s is enrolled in the training camp %(camp)s (%(dates)s, %(place)s); the "
                    "organiser will confirm the seat."
                )
                % {
                    "name": trainee.name,
                    "camp": camp.title,
                    "dates": camp.dates_label,
                    "place": camp.place_label,
                },
            )
        )
    _tell(enrolment, subject, body, actor=actor, tags=["enrolment"])
    return enrolment


def _member(actor: Any, member_pk: Any) -> BackboneMember:
    own = Q(organization__representatives=actor) if actor is not None and actor.is_authenticated else None
    return related_for(
        actor,
        BackboneMember.objects.select_related("organization__governing_unit"),
        member_pk,
        "member",
        Action.VIEW,
        also=own,
        message=_(
            "Choose a backbone member of an organization you represent or that lies within your jurisdiction."
        ),
    )


def _enrol_member(actor: Any, camp: Camp, member_pk: Any) -> Enrolment:
    member = _member(actor, member_pk)
    organization = member.organization
    if not (member.id_number or member.phone):
        raise ValidationError(
            {
                "member": _(
                    "%(name)s has neither an ID card number nor a mobile number in the registry: add one to "
                    "the backbone member first."
                )
                % {"name": member.name}
            }
        )
    trainee = match_person(
        name=member.name,
        id_number=member.id_number,
        phone=member.phone,
        gender=member.gender,
        unit=organization.governing_unit,
        organization=organization,
    )
    return _enrol(
        actor,
        camp,
        trainee,
        unit=organization.governing_unit,
        organization=organization,
        member=member,
        role=member.role,
    )


@service
def enrol_member(actor: Any, camp_pk: Any, member_pk: Any) -> Enrolment:
    """Enrol a backbone member of the registry: by a representative of their organization,
    or by a cadre who can see it. Matched to the one person with that ID or phone."""
    camp = _camp_for_enrolment(actor, camp_pk)
    return _enrol_member(actor, camp, member_pk)


@service
def enrol_members(actor: Any, camp_pk: Any, member_pks: Iterable[Any]) -> list[Enrolment]:
    """A group registration (by an organization's representative, a local leader): every
    member or none; each gets a seat or a place in line in the order given."""
    keys = list(dict.fromkeys(member_pks))
    if not keys:
        raise ValidationError({"members": _("Choose at least one backbone member.")})
    camp = _camp_for_enrolment(actor, camp_pk)
    return [_enrol_member(actor, camp, key) for key in keys]


@service
def enrol_person(actor: Any, camp_pk: Any, data: Mapping[str, Any]) -> Enrolment:
    """A cadre enrols anyone, typed in (name, ID card number or mobile number, the unit they
    are counted for, optionally their organization); the person is matched by ID or phone."""
    camp = _camp_for_enrolment(actor, camp_pk)
    if data.get("unit") in (None, ""):
        raise ValidationError({"unit": _("Choose the unit the person is counted for.")})
    unit = _unit(actor, data["unit"], "unit")
    organization = None
    if data.get("organization") not in (None, ""):
        organization = related_for(
            actor,
            Organization,
            data["organization"],
            "organization",
            Action.VIEW,
            message=_("Choose an organization within your jurisdiction."),
        )
        unit = organization.governing_unit
    trainee = match_person(
        name=str(data.get("name") or ""),
        id_number=str(data.get("id_number") or ""),
        phone=str(data.get("phone") or ""),
        gender=str(data.get("gender") or ""),
        email=str(data.get("email") or ""),
        unit=unit,
        organization=organization,
    )
    return _enrol(
        actor,
        camp,
        trainee,
        unit=unit,
        organization=organization,
        member=None,
        role=str(data.get("role") or ""),
    )


def _organiser_enrolment(actor: Any, pk: Any) -> tuple[Camp, Enrolment]:
    """An enrolment whose camp the actor organises (camp row locked first)."""
    found = get_for(actor, Enrolment, pk, Action.VIEW)
    camp = get_for(actor, Camp, found.camp_id, Action.CHANGE, lock=True)
    enrolment = (
        Enrolment.objects.select_related("trainee", "enrolled_by")
        .select_for_update(of=("self",))
        .get(pk=found.pk)
    )
    return camp, enrolment


def _require(enrolment: Enrolment, allowed: Iterable[str], verb: Any) -> None:
    if enrolment.status not in allowed:
        raise ValidationError(
            _("The enrolment of %(name)s is “%(status)s”; it cannot be %(verb)s.")
            % {"name": enrolment.trainee.name, "status": enrolment.get_status_display(), "verb": verb}
        )


def _tell_confirmed(actor: Any, camp: Camp, enrolment: Enrolment) -> None:
    subject, body = _in_language(
        lambda: (
            gettext("Seat confirmed: %(camp)s") % {"camp": camp.title},
            gettext(
                "%(name)s, your seat in the training camp %(camp)s (%(dates)s, %(place)s) is confirmed. "
                "Your check-in code is %(code)s; your QR code and the programme: %(url)s"
            )
            % {
                "name": enrolment.trainee.name,
                "camp": camp.title,
                "dates": camp.dates_label,
                "place": camp.place_label,
                "code": enrolment.code_label,
                "url": personal_url(enrolment),
            },
        )
    )
    _tell(enrolment, subject, body, actor=actor, tags=["confirmed"])


@service
def confirm_enrolment(actor: Any, pk: Any) -> Enrolment:
    """The organiser confirms an applied seat; the trainee gets the link to their QR code."""
    camp, enrolment = _organiser_enrolment(actor, pk)
    _require(enrolment, [Status.APPLIED], _("confirmed"))
    enrolment.status, enrolment.confirmed_at = Status.CONFIRMED, _now()
    enrolment.save(update_fields=["status", "confirmed_at"])
    _tell_confirmed(actor, camp, enrolment)
    return enrolment


@service
def confirm_enrolments(actor: Any, camp_pk: Any) -> int:
    """Confirm every applied seat of a camp at once; returns how many."""
    camp = get_for(actor, Camp, camp_pk, Action.CHANGE, lock=True)
    applied = list(
        Enrolment.objects.filter(camp=camp, status=Status.APPLIED)
        .select_related("trainee", "enrolled_by")
        .select_for_update(of=("self",))
    )
    now = _now()
    Enrolment.objects.filter(pk__in=[e.pk for e in applied]).update(status=Status.CONFIRMED, confirmed_at=now)
    for enrolment in applied:
        enrolment.status = Status.CONFIRMED
        _tell_confirmed(actor, camp, enrolment)
    return len(applied)


def _own_enrolment(actor: Any, pk: Any, token: str = "") -> tuple[Camp, Enrolment]:
    """An enrolment its person (by the secret link), their organization's representative or a
    cadre may act on; the camp row is locked first."""
    if token:
        found = Enrolment.objects.filter(pk=_pk(pk), access_token=str(token)).first()
        if found is None:
            raise ValidationError(_("This link is not valid (any more)."))
    else:
        own = Q(organization__representatives=actor) if actor is not None and actor.is_authenticated else None
        found = get_for(actor, Enrolment, pk, Action.CHANGE, also=own)
    camp = Camp.objects.select_for_update(of=("self",)).get(pk=found.camp_id)
    enrolment = (
        Enrolment.objects.select_related("trainee", "enrolled_by")
        .select_for_update(of=("self",))
        .get(pk=found.pk)
    )
    return camp, enrolment


def _pk(value: Any) -> int:
    return parse_pk(value)


@service
def cancel_enrolment(actor: Any, pk: Any, reason: str = "", *, token: str = "") -> Enrolment:
    """Give up a seat (or a place in line); a freed seat goes to the next in line at once,
    in this same transaction, and they are told through the outbox."""
    camp, enrolment = _own_enrolment(actor, pk, token)
    _require(enrolment, [Status.WAITING, Status.OFFERED, Status.APPLIED, Status.CONFIRMED], _("cancelled"))
    if camp.status in (CampStatus.FINISHED, CampStatus.CANCELLED):
        raise ValidationError(_("The camp is over: its enrolments can no longer change."))
    held = enrolment.holds_seat
    enrolment.status, enrolment.closed_at = Status.CANCELLED, _now()
    enrolment.cancel_reason = (reason or "").strip()[:200]
    enrolment.save(update_fields=["status", "closed_at", "cancel_reason"])
    if held:
        _fill_seats(camp, actor)
    return enrolment


@service
def accept_offer(actor: Any, pk: Any, *, token: str = "") -> Enrolment:
    """Take the seat offered from the waiting list, before the offer expires: confirmed."""
    camp, enrolment = _own_enrolment(actor, pk, token)
    _require(enrolment, [Status.OFFERED], _("accepted"))
    if enrolment.offer_expires_at is not None and enrolment.offer_expires_at <= _now():
        raise ValidationError(
            _("The offer expired at %(when)s; the seat has passed on.")
            % {"when": f"{timezone.localtime(enrolment.offer_expires_at):%Y-%m-%d %H:%M}"}
        )
    enrolment.status, enrolment.confirmed_at, enrolment.offer_expires_at = Status.CONFIRMED, _now(), None
    enrolment.save(update_fields=["status", "confirmed_at", "offer_expires_at"])
    _tell_confirmed(actor, camp, enrolment)
    return enrolment


@service
def decline_offer(actor: Any, pk: Any, *, token: str = "") -> Enrolment:
    """Turn the offered seat down: it goes to the next in line at once."""
    camp, enrolment = _own_enrolment(actor, pk, token)
    _require(enrolment, [Status.OFFERED], _("declined"))
    enrolment.status, enrolment.closed_at = Status.CANCELLED, _now()
    enrolment.cancel_reason = gettext("Offer declined.")
    enrolment.save(update_fields=["status", "closed_at", "cancel_reason"])
    _fill_seats(camp, actor)
    return enrolment


def _expire_offers(camp: Camp, actor: Any = None) -> int:
    """Offers of the locked camp whose time is up: cancelled, the person told."""
    expired = list(
        Enrolment.objects.filter(camp=camp, status=Status.OFFERED, offer_expires_at__lte=_now())
        .select_related("trainee", "enrolled_by")
        .select_for_update(of=("self",))
    )
    if not expired:
        return 0
    Enrolment.objects.filter(pk__in=[e.pk for e in expired]).update(
        status=Status.CANCELLED, closed_at=_now(), cancel_reason=gettext("The seat offer expired.")
    )
    subject, body = _in_language(
        lambda: (
            gettext("Seat offer expired: %(camp)s") % {"camp": camp.title},
            gettext("The seat offered in the training camp %(camp)s was not taken in time and has passed on.")
            % {"camp": camp.title},
        )
    )
    for enrolment in expired:
        _tell(enrolment, subject, body, actor=actor, tags=["offer"])
    return len(expired)


def _fill_seats(camp: Camp, actor: Any = None) -> list[Enrolment]:
    """Give the free seats of the locked camp to those in line, in order, each to the first
    person who may use it (their quota, the quotas above, then the pool); told at once."""
    if camp.status not in (CampStatus.OPEN, CampStatus.RUNNING):
        return []
    _expire_offers(camp, actor)
    seats = seats_of(camp)
    if seats.total_free() <= 0:
        return []
    line = (
        Enrolment.objects.filter(camp=camp, status=Status.WAITING)
        .select_related("unit", "trainee", "enrolled_by")
        .order_by("queued_at", "pk")
        .select_for_update(of=("self",))
    )
    moved: list[Enrolment] = []
    now = _now()
    for enrolment in line:
        free, quota_id = seats.seat_for(enrolment.unit.path)
        if not free:
            continue
        seats.take(quota_id)
        enrolment.quota_id = quota_id
        if camp.offer_hold_hours:
            enrolment.status = Status.OFFERED
            enrolment.offer_expires_at = now + datetime.timedelta(hours=camp.offer_hold_hours)
        else:
            enrolment.status = Status.APPLIED
        enrolment.save(update_fields=["status", "quota", "offer_expires_at"])
        moved.append(enrolment)
        _tell_moved(actor, camp, enrolment)
        if seats.total_free() <= 0:
            break
    return moved


def _tell_moved(actor: Any, camp: Camp, enrolment: Enrolment) -> None:
    values = {"name": enrolment.trainee.name, "camp": camp.title, "dates": camp.dates_label}
    if enrolment.status == Status.OFFERED:
        expires = timezone.localtime(cast(datetime.datetime, enrolment.offer_expires_at))
        subject, body = _in_language(
            lambda: (
                gettext("A seat is offered to you: %(camp)s") % values,
                gettext(
                    "A seat in the training camp %(camp)s (%(dates)s) has freed up and is offered to %(name)s "
                    "until %(until)s. Accept or decline it here: %(url)s"
                )
                % dict(values, until=f"{expires:%Y-%m-%d %H:%M}", url=personal_url(enrolment)),
            )
        )
    else:
        subject, body = _in_language(
            lambda: (
                gettext("You have a seat: %(camp)s") % values,
                gettext(
                    "A seat in the training camp %(camp)s (%(dates)s) has freed up: %(name)s moves from the "
                    "waiting list to the enrolled; the organiser will confirm the seat."
                )
                % values,
            )
        )
    _tell(enrolment, subject, body, actor=actor, tags=["waiting-list"])


@service
def expire_seat_offers(actor: Any = None) -> int:
    """The beat sweep: offers whose time is up pass on to the next in line. Returns how
    many offers expired."""
    camps = list(
        Camp.objects.filter(enrolments__status=Status.OFFERED, enrolments__offer_expires_at__lte=_now())
        .values_list("pk", flat=True)
        .distinct()
    )
    expired = 0
    for camp_pk in camps:
        camp = Camp.objects.select_for_update().get(pk=camp_pk)
        expired += _expire_offers(camp, actor)
        _fill_seats(camp, actor)
    return expired


@service
def release_quota_seats(actor: Any = None) -> int:
    """The daily sweep: camps whose quotas returned to the pool give the freed seats to
    those in line. Returns how many people got a seat."""
    today = _today()
    camps = list(
        Camp.objects.filter(
            status__in=[CampStatus.OPEN, CampStatus.RUNNING],
            quota_return_on__lte=today,
            enrolments__status=Status.WAITING,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    moved = 0
    for camp_pk in camps:
        camp = Camp.objects.select_for_update().get(pk=camp_pk)
        moved += len(_fill_seats(camp, actor))
    return moved


# Check-in and attendance -------------------------------------------------------------------
CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{8}}$")


def parse_code(text: Any) -> str:
    """The check-in code in a scanned QR payload or a typed code (any case, with or without
    the dash, spaces or the QR prefix); "" when it cannot be one."""
    value = str(text or "").strip().upper()
    if value.startswith(QR_PREFIX):
        value = value[len(QR_PREFIX) :]
    value = re.sub(r"[\s\-_.]", "", value)
    return value if CODE_RE.match(value) else ""


@dataclass
class CheckIn:
    """What a scan did: `ok` (checked in now) or `already` (checked in before, not counted
    twice), with the person's name and the time recorded."""

    status: str
    enrolment_id: int
    name: str
    organization: str
    code: str
    checked_in_at: datetime.datetime
    message: str
    session_id: int
    client_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "enrolment": self.enrolment_id,
            "name": self.name,
            "organization": self.organization,
            "code": self.code,
            "checked_in_at": timezone.localtime(self.checked_in_at).isoformat(),
            "message": self.message,
            "session": self.session_id,
            "client_id": self.client_id,
        }


def _scan_time(session: CampSession, scanned_at: datetime.datetime | None) -> datetime.datetime:
    """When a scan happened: the phone's time for a scan sent later (offline), if it is
    plausible (not in the future, within the camp's days); otherwise now."""
    now = _now()
    if scanned_at is None:
        return now
    if timezone.is_naive(scanned_at):
        scanned_at = timezone.make_aware(scanned_at)
    day = timezone.localtime(scanned_at).date()
    if scanned_at > now + datetime.timedelta(minutes=5) or not (
        session.camp.starts_on - datetime.timedelta(days=1)
        <= day
        <= session.camp.ends_on + datetime.timedelta(days=1)
    ):
        return now
    return scanned_at


@service
def check_in(
    actor: Any,
    session_pk: Any,
    code: Any,
    *,
    scanned_at: datetime.datetime | None = None,
    method: str = Attendance.Method.QR,
    client_id: str = "",
) -> CheckIn:
    """Check a trainee in to a session with their personal code (scanned or typed).

    A constant number of queries whatever the camp's size: the session with its camp, the
    enrolment by its code (unique index), one INSERT … ON CONFLICT DO NOTHING, and only for
    a second scan the time of the first. Refused with a clear message: an unknown code, a
    code of another camp (not named), a person not confirmed.
    """
    session = get_for(actor, CampSession.objects.select_related("camp"), session_pk, Action.CHANGE)
    camp = session.camp
    if camp.status not in Camp.OPEN_FOR_CHECKIN:
        raise ValidationError(
            {
                "code": _("Check-in is closed: the camp is “%(status)s”.")
                % {"status": camp.get_status_display()}
            }
        )
    normalized = parse_code(code)
    if not normalized:
        raise ValidationError({"code": _("This is not a training camp check-in code.")})
    enrolment = (
        Enrolment.objects.select_related("trainee", "organization").filter(checkin_code=normalized).first()
    )
    if enrolment is None:
        raise ValidationError({"code": _("Unknown code %(code)s: no trainee has it.") % {"code": normalized}})
    if enrolment.camp_id != camp.pk:
        raise ValidationError(
            {"code": _("This code belongs to another training camp, not to %(camp)s.") % {"camp": camp.title}}
        )
    name = enrolment.trainee.name
    if enrolment.status not in Enrolment.CHECKS_IN:
        raise ValidationError(
            {
                "code": _("%(name)s is not confirmed for this camp (%(status)s): no check-in.")
                % {"name": name, "status": enrolment.get_status_display()}
            }
        )
    when = _scan_time(session, scanned_at)
    method = method if method in Attendance.Method.values else Attendance.Method.QR
    recorder = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Attendance._meta.db_table} (enrolment_id, session_id, checked_in_at, method, recorded_by_id) "  # noqa: S608 - the table name is the model's; values are parameters
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (enrolment_id, session_id) DO NOTHING RETURNING checked_in_at",
            [enrolment.pk, session.pk, when, method, recorder],
        )
        row = cursor.fetchone()
    organization = enrolment.organization.name if enrolment.organization else ""
    if row is not None:
        if camp.status == CampStatus.FINISHED:
            _judge(camp, Enrolment.AFTER_CAMP, [enrolment.pk])
        message = gettext("%(name)s checked in.") % {"name": name}
        return CheckIn(
            "ok",
            enrolment.pk,
            name,
            organization,
            enrolment.code_label,
            row[0],
            message,
            session.pk,
            client_id,
        )
    first = (
        Attendance.objects.filter(enrolment=enrolment, session=session)
        .values_list("checked_in_at", flat=True)
        .first()
    )
    first = first or when
    message = gettext("%(name)s was already checked in at %(time)s; not counted twice.") % {
        "name": name,
        "time": f"{timezone.localtime(first):%H:%M}",
    }
    return CheckIn(
        "already",
        enrolment.pk,
        name,
        organization,
        enrolment.code_label,
        first,
        message,
        session.pk,
        client_id,
    )


def _attendance_session(actor: Any, session_pk: Any) -> CampSession:
    session = get_for(actor, CampSession.objects.select_related("camp"), session_pk, Action.CHANGE, lock=True)
    if session.camp.status not in Camp.OPEN_FOR_CHECKIN:
        raise ValidationError(
            _("Attendance is closed: the camp is “%(status)s”.")
            % {"status": session.camp.get_status_display()}
        )
    return session


@service
def record_attendance(actor: Any, session_pk: Any, present: Iterable[Any]) -> dict[str, int]:
    """The paper list, ticked: exactly the people given are present at the session (added
    or removed), among those who may check in. Returns {"added": n, "removed": n}."""
    session = _attendance_session(actor, session_pk)
    try:
        wanted = {int(str(p)) for p in present}
    except ValueError:
        raise ValidationError({"present": _("Tick people from the list.")}) from None
    eligible = set(
        Enrolment.objects.filter(camp=session.camp, status__in=Enrolment.CHECKS_IN).values_list(
            "pk", flat=True
        )
    )
    if wanted - eligible:
        raise ValidationError({"present": _("Only confirmed trainees of this camp can be ticked.")})
    current = set(Attendance.objects.filter(session=session).values_list("enrolment_id", flat=True))
    added, removed = wanted - current, (current & eligible) - wanted
    Attendance.objects.bulk_create(
        [
            Attendance(enrolment_id=pk, session=session, method=Attendance.Method.LIST, recorded_by=actor)
            for pk in sorted(added)
        ],
        ignore_conflicts=True,
    )
    Attendance.objects.filter(session=session, enrolment_id__in=removed).delete()
    if session.camp.status == CampStatus.FINISHED and (added or removed):
        _judge(session.camp, Enrolment.AFTER_CAMP, added | removed)
    return {"added": len(added), "removed": len(removed)}


PRESENT_MARKS = {"✓", "√", "✔", "☑", "1", "Y", "YES", "是", "到", "签到", "X", "V", "TRUE", "OK"}


@service
def import_attendance_sheet(actor: Any, session_pk: Any, upload: Any) -> dict[str, int]:
    """The signed sign-in sheet (the Excel file of `sign_in_sheet`, marked in its last
    column): every marked person is checked in, or nothing when any row is wrong — each wrong
    row is named with its problem. Returns {"added": n, "already": n}."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from hubportal.workbooks import WorkbookError, check_workbook

    session = _attendance_session(actor, session_pk)
    try:
        content = check_workbook(upload)
    except WorkbookError as exc:
        raise ValidationError({"file": exc.message}) from None
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError, TypeError):
        raise ValidationError({"file": _("This file is not an Excel workbook (.xlsx).")}) from None
    sheet = book.worksheets[0]
    marks: dict[str, int] = {}
    errors: list[str] = []
    for number, row in enumerate(sheet.iter_rows(min_row=3, values_only=True), start=3):
        cells = list(row) + [None] * 6
        raw_code, mark = cells[3], cells[5]
        if raw_code in (None, "") and mark in (None, ""):
            continue
        if mark is None or str(mark).strip().upper() not in PRESENT_MARKS:
            if mark not in (None, ""):
                errors.append(
                    gettext("Row %(row)d: “%(mark)s” is not a check mark (use ✓ or 1).")
                    % {"row": number, "mark": mark}
                )
            continue
        code = parse_code(raw_code)
        if not code:
            errors.append(
                gettext("Row %(row)d: the check-in code is missing or malformed.") % {"row": number}
            )
            continue
        marks[code] = number
    found = {
        e.checkin_code: e
        for e in Enrolment.objects.filter(checkin_code__in=list(marks)).select_related("trainee")
    }
    for code, number in marks.items():
        enrolment = found.get(code)
        if enrolment is None:
            errors.append(gettext("Row %(row)d: unknown code %(code)s.") % {"row": number, "code": code})
        elif enrolment.camp_id != session.camp_id:
            errors.append(
                gettext("Row %(row)d: the code belongs to another training camp.") % {"row": number}
            )
        elif enrolment.status not in Enrolment.CHECKS_IN:
            errors.append(
                gettext("Row %(row)d: %(name)s is not confirmed (%(status)s).")
                % {"row": number, "name": enrolment.trainee.name, "status": enrolment.get_status_display()}
            )
    if errors:
        raise ValidationError({"file": errors})
    current = set(Attendance.objects.filter(session=session).values_list("enrolment_id", flat=True))
    new = sorted({found[c].pk for c in marks} - current)
    Attendance.objects.bulk_create(
        [
            Attendance(enrolment_id=pk, session=session, method=Attendance.Method.SHEET, recorded_by=actor)
            for pk in new
        ],
        ignore_conflicts=True,
    )
    if session.camp.status == CampStatus.FINISHED and new:
        _judge(session.camp, Enrolment.AFTER_CAMP, new)
    return {"added": len(new), "already": len(marks) - len(new)}


# Certificates --------------------------------------------------------------------------------
@service
def issue_certificates(actor: Any, camp_pk: Any, *, base_url: str = "") -> Job:
    """Generate the certificates of everyone who completed a finished camp, in the
    background with a progress bar; re-running creates none twice (one per enrolment)."""
    from .tasks import generate_certificates_task

    camp = get_for(actor, Camp, camp_pk, Action.CHANGE, lock=True)
    if camp.status != CampStatus.FINISHED:
        raise ValidationError(_("Certificates are issued once the camp is finished."))
    completed = Enrolment.objects.filter(camp=camp, status=Status.COMPLETED).count()
    if not completed:
        raise ValidationError(_("Nobody completed this camp: there is no certificate to issue."))
    return start_job(
        actor,
        generate_certificates_task,
        camp.pk,
        base_url or site_url(),
        kind="training.certificates",
        title=gettext("Certificates of %(camp)s (%(n)d)") % {"camp": camp.title, "n": completed},
    )


@service
def issue_certificate(actor: Any, enrolment_pk: Any, *, base_url: str = "") -> Certificate:
    """The certificate of one trainee who completed (made at once); refused for anyone who
    did not complete."""
    from .certificates import write_certificate

    found = get_for(actor, Enrolment, enrolment_pk, Action.VIEW)
    get_for(actor, Camp, found.camp_id, Action.CHANGE)
    enrolment = (
        Enrolment.objects.select_related("trainee", "camp__organizer")
        .select_for_update(of=("self",))
        .get(pk=found.pk)
    )
    if enrolment.status != Status.COMPLETED:
        raise ValidationError(
            _("%(name)s did not complete the camp (%(status)s): no certificate.")
            % {"name": enrolment.trainee.name, "status": enrolment.get_status_display()}
        )
    certificate, _created = Certificate.objects.get_or_create(enrolment=enrolment)
    if not certificate.file:
        write_certificate(certificate, enrolment, base_url or site_url())
    return certificate


@service
def revoke_certificate(actor: Any, pk: Any, reason: str = "") -> Certificate:
    """Revoke a certificate (a mistake, fraud): its public page then says it is revoked."""
    certificate = get_for(
        actor, Certificate.objects.select_related("enrolment"), pk, Action.CHANGE, lock=True
    )
    get_for(actor, Camp, certificate.enrolment.camp_id, Action.CHANGE)
    if certificate.revoked_at is not None:
        raise ValidationError(_("This certificate is already revoked."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the certificate is revoked.")})
    certificate.revoked_at, certificate.revoke_reason = _now(), reason.strip()[:200]
    certificate.save(update_fields=["revoked_at", "revoke_reason"])
    return certificate


# Feedback and follow-up ------------------------------------------------------------------------
@service
def submit_feedback(
    actor: Any,
    enrolment_pk: Any,
    *,
    token: str,
    ratings: Mapping[Any, Any],
    overall: Any,
    comment: str = "",
) -> int:
    """A trainee's survey, by the secret link of their personal page: a rating (1–5) of each
    session and of the camp, a comment. Stored apart from the person (anonymous to the
    organiser); once per person. Returns how many ratings were kept."""
    enrolment = (
        Enrolment.objects.select_related("camp")
        .select_for_update(of=("self",))
        .filter(pk=_pk(enrolment_pk), access_token=str(token or ""))
        .first()
    )
    if enrolment is None:
        raise ValidationError(_("This link is not valid (any more)."))
    camp = enrolment.camp
    if (
        camp.status not in (CampStatus.RUNNING, CampStatus.FINISHED)
        or enrolment.status not in Enrolment.CHECKS_IN
    ):
        raise ValidationError(_("The survey opens to confirmed trainees once the camp has begun."))
    if FeedbackReceipt.objects.filter(enrolment=enrolment).exists():
        raise ValidationError(_("You have already answered the survey of this camp. Thank you!"))
    sessions = {s.pk: s for s in CampSession.objects.filter(camp=camp)}

    def score(value: Any, field_name: str) -> int | None:
        if value in (None, ""):
            return None
        try:
            number = int(str(value))
        except ValueError:
            number = 0
        if not 1 <= number <= 5:
            raise ValidationError({field_name: _("A rating is 1 to 5 stars.")})
        return number

    rows = []
    for key, value in ratings.items():
        session = sessions.get(int(str(key))) if str(key).isdigit() else None
        if session is None:
            raise ValidationError({"ratings": _("Rate the sessions of this camp only.")})
        number = score(value, f"session_{session.pk}")
        if number is not None:
            rows.append(Feedback(camp=camp, session=session, trainer_id=session.trainer_id, rating=number))
    whole = score(overall, "overall")
    if whole is None:
        raise ValidationError({"overall": _("Rate the camp as a whole (1 to 5 stars).")})
    rows.append(Feedback(camp=camp, rating=whole, comment=(comment or "").strip()[:2000]))
    Feedback.objects.bulk_create(rows)
    FeedbackReceipt.objects.create(enrolment=enrolment)
    return len(rows)


FOLLOW_UP_STATUSES = [Status.NO_SHOW, Status.INCOMPLETE, Status.COMPLETED, Status.CONFIRMED]


@service
def message_trainees(actor: Any, camp_pk: Any, statuses: Iterable[str], subject: str, body: str) -> int:
    """A message to everyone of a camp with the given attendance statuses (no-shows, those
    who did not complete ...), through the outbox. Returns how many were queued."""
    camp = get_for(actor, Camp, camp_pk, Action.CHANGE)
    chosen = [s for s in dict.fromkeys(statuses or []) if s]
    if not chosen or any(s not in FOLLOW_UP_STATUSES for s in chosen):
        raise ValidationError({"statuses": _("Choose who receives the message.")})
    if not (subject or "").strip():
        raise ValidationError({"subject": _("Give the message a subject.")})
    if not (body or "").strip():
        raise ValidationError({"body": _("Write the message.")})
    count = 0
    for enrolment in Enrolment.objects.filter(camp=camp, status__in=chosen).select_related("trainee"):
        trainee = enrolment.trainee
        text = body.replace("{name}", trainee.name).replace("{link}", personal_url(enrolment))
        if queue_message(
            subject=subject.strip()[:255],
            body=text,
            email=trainee.email,
            phone="" if trainee.email else trainee.phone,
            tags=["training", "follow-up"],
        ):
            count += 1
    return count


def camp_attendance_summary(camp: Camp) -> dict[str, int]:
    """People per status in a camp (one query)."""
    return dict(Enrolment.objects.filter(camp=camp).order_by().values_list("status").annotate(n=Count("pk")))
