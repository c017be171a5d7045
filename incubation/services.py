"""State changes of the incubation app (bases, residencies, funds), shared by the pages, the
API, the demo data and any import.

Every public service follows the portal's convention:

    @service
    def verb_noun(actor, pk, ..., *, options) -> the changed or created record

- `actor` first (the acting user), then the primary key of the record acted on (of the
  parent for a create: `apply_for_residency(actor, base_pk, organization_pk)`), never an
  instance; creates of a top-level record are `create_x(actor, data)`, edits
  `update_x(actor, pk, data, version)`.
- `@service` runs it in one transaction whose history names the actor. The record is read
  with `hubportal.access.get_for(..., lock=True)`: 404 outside the actor's jurisdiction,
  403 when only viewable. A record named in the input (the organization of an application,
  the grantee of a grant, the unit of a base) is read with `related_for`: a refusal is a
  field error that never names the record nor says whether it exists.
- Lock order: an admission locks the base row first, then the residency, so that two
  admissions to one base are served one after the other and the second counts the first's
  resident; a grant or reversal locks the fund row first, then the movement.
- A refusal is a translated `ValidationError` (by field where a field is at fault) and
  leaves nothing changed. Edits carry the `version` the editor read (optimistic locking):
  missing, non-numeric or stale → a clear message (409 in the API), nothing saved.
- Effects belong here: the applicant hears of an admission or a refusal through the outbox,
  whichever page, API call or import decided it.

`rate_base` is called by the evaluation rounds with the acting cadre (the demo uses the
province administrator): there is no anonymous system path, a rating needs someone who may
change the base.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Field, Model, Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hubportal.access import get_for, related_for
from hubportal.history import history_of
from hubportal.jurisdiction import Action
from hubportal.outbox import queue_message
from hubportal.services import check_version, expected_version, save_checked, service
from orgs.models import LeagueUnit, Organization

from .models import (
    BaseChecklistResult,
    BasePhoto,
    BaseRating,
    ChecklistItem,
    FundMovement,
    IncubationBase,
    IncubationFund,
    Milestone,
    Residency,
    Service,
    ServiceDelivery,
)

Status = Residency.Status
MAX_MONEY = Decimal(10) ** 12  # a MoneyField holds 14 digits, two of them after the point

# Bases are public facilities (the public list shows every one): anyone may apply to any.
EVERY_BASE = Q(pk__isnull=False)

BASE_FIELDS = [
    "name",
    "unit",
    "base_type",
    "address",
    "latitude",
    "longitude",
    "floor_area",
    "work_stations",
    "services",
    "opened_on",
    "description",
    "paired_group_name",
    "paired_group_contact",
]
FUND_FIELDS = ["unit", "name", "established_on", "description"]


def _today() -> datetime.date:
    return timezone.localdate()


def _date(
    value: datetime.date | None,
    field: str,
    *,
    not_before: datetime.date | None = None,
    not_before_label: Any = None,
) -> datetime.date:
    """A date given to a service: today when omitted, never in the future."""
    value = value or _today()
    if value > _today():
        raise ValidationError({field: _("The date %(date)s lies in the future.") % {"date": value}})
    if not_before is not None and value < not_before:
        raise ValidationError(
            {
                field: _("The date cannot be before %(what)s (%(date)s).")
                % {"what": not_before_label, "date": not_before}
            }
        )
    return value


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


def _check_version(obj: IncubationBase | IncubationFund, version: Any) -> None:
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
        field = cast(Field, obj._meta.get_field(name))
        current = getattr(obj, field.attname)
        new = value.pk if isinstance(value, Model) else value
        if isinstance(current, list) and isinstance(new, list) and sorted(current) == sorted(new):
            continue  # a set of choices (services offered): the order is not a change
        if current != new:
            setattr(obj, field.attname, new)
            changed.append(name)
    return changed


def _unit(actor: Any, data: Mapping[str, Any], field: str = "unit") -> LeagueUnit | None:
    """The owning unit named in `data`, if one is: it must lie within the actor's reach."""
    if data.get(field) in (None, ""):
        return None
    return related_for(
        actor,
        LeagueUnit,
        data[field],
        field,
        Action.CHANGE,
        message=_("Choose a unit within your jurisdiction."),
    )


# Bases ---------------------------------------------------------------------------------
def _base_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in data.items() if k in BASE_FIELDS}
    if "services" in values:
        values["services"] = sorted(set(values["services"] or []))
    for key in ("address", "description", "paired_group_name", "paired_group_contact"):
        if key in values and values[key] is None:
            values[key] = ""
    return values


def _save_base(base: IncubationBase) -> None:
    base.full_clean()
    save_checked(base)
    # Residencies copy whether their base is physical (for the one-physical-base index).
    Residency.objects.filter(base=base).exclude(is_physical=base.is_physical).update(
        is_physical=base.is_physical
    )


@service
def create_base(actor: Any, data: Mapping[str, Any]) -> IncubationBase:
    """Create a base owned by a unit the actor may change."""
    if _unit(actor, data) is None:
        raise ValidationError({"unit": _("Choose the unit that owns the base.")})
    base = IncubationBase()
    _assign(base, _base_values(data), BASE_FIELDS)
    _save_base(base)
    return base


def _check_capacity(base: IncubationBase, was_physical: bool) -> None:
    """A base may not shrink below its residents, nor turn physical while one of them is
    resident in another physical base (the base row is locked)."""
    residents = Residency.objects.filter(base=base).resident()
    count = residents.count()
    if base.is_physical and base.work_stations is not None and count > base.work_stations:
        raise ValidationError(
            {
                "work_stations": _(
                    "%(n)d organizations are resident now; the base cannot have fewer work stations."
                )
                % {"n": count}
            }
        )
    if base.is_physical and not was_physical:
        clash = (
            Residency.objects.resident()
            .filter(is_physical=True, organization__in=residents.values("organization"))
            .exclude(base=base)
            .select_related("organization")
            .first()
        )
        if clash is not None:
            raise ValidationError(
                {
                    "base_type": _(
                        "%(org)s, resident here, is also resident in another physical base; the base "
                        "cannot become physical while it is."
                    )
                    % {"org": clash.organization}
                }
            )


@service
def update_base(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> IncubationBase:
    """Edit a base the actor may change, on the `version` they read; a save that changes
    nothing leaves the record (and its version) as it was."""
    base = get_for(actor, IncubationBase, pk, Action.CHANGE, lock=True)
    _check_version(base, version)
    _unit(actor, data)
    was_physical = base.is_physical
    if not _assign(base, _base_values(data), BASE_FIELDS):
        return base
    _check_capacity(base, was_physical)
    base.version += 1
    _save_base(base)
    return base


@service
def add_base_photo(actor: Any, base_pk: Any, image: Any, caption: str = "") -> BasePhoto:
    """Attach a photo (validated by its content) to a base the actor may change."""
    base = get_for(actor, IncubationBase, base_pk, Action.CHANGE)
    photo = BasePhoto(base=base, image=image, caption=caption or "", uploaded_by=actor)
    photo.full_clean()
    photo.save()
    return photo


@service
def record_checklist(
    actor: Any,
    base_pk: Any,
    results: Mapping[int, tuple[bool, str]],
    checked_on: datetime.date | None = None,
    version: Any = None,
) -> IncubationBase:
    """Record how the base meets each listed checklist item (`{item_id: (met, note)}`).

    The checklist is the base's set of rows, so it is locked by the base's version (the one
    the editor read): a changed checklist moves the base's version on, a checklist saved
    unchanged leaves it, and a save on a stale copy of the base is refused."""
    base = get_for(actor, IncubationBase, base_pk, Action.CHANGE, lock=True)
    _check_version(base, version)
    checked_on = _date(checked_on, "checked_on")
    items = ChecklistItem.objects.in_bulk(list(results))
    unknown = set(results) - set(items)
    if unknown:
        raise ValidationError(
            _("Unknown checklist items: %(ids)s.") % {"ids": ", ".join(map(str, sorted(unknown)))}
        )
    rows = [
        BaseChecklistResult(
            base=base, item_id=item_id, met=bool(met), note=(note or "")[:200], checked_on=checked_on
        )
        for item_id, (met, note) in results.items()
    ]
    stored = {
        r.item_id: (r.met, r.note, r.checked_on)
        for r in BaseChecklistResult.objects.filter(base=base, item_id__in=list(results))
    }
    changed = [r for r in rows if stored.get(r.item_id) != (r.met, r.note, r.checked_on)]
    if not changed:
        return base
    BaseChecklistResult.objects.bulk_create(
        changed,
        update_conflicts=True,
        unique_fields=["base", "item"],
        update_fields=["met", "note", "checked_on"],
    )
    base.version += 1
    base.save(update_fields=["version", "updated_at"])
    return base


def _whole_number(value: Any, field: str, low: int, high: int, message: Any) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({field: message}) from None
    if not low <= number <= high:
        raise ValidationError({field: message})
    return number


@service
def rate_base(
    actor: Any,
    base_pk: Any,
    year: Any,
    stars: Any,
    source: str = "",
    valid_until: datetime.date | None = None,
) -> BaseRating:
    """Set a base's star rating for a year (the evaluation rounds): by a cadre who may change
    the base; a second rating for the same year replaces the first. `valid_until` is the last
    day it counts (a final rating's validity): after it the lists show the rating expired."""
    base = get_for(actor, IncubationBase, base_pk, Action.CHANGE, lock=True)
    stars = _whole_number(stars, "stars", 1, 5, _("A star rating is 1 to 5 stars."))
    year = _whole_number(year, "year", 2000, 2100, _("Give the year of the rating, from 2000 to 2100."))
    rating, _created = BaseRating.objects.update_or_create(
        base=base,
        year=year,
        defaults={"stars": stars, "source": (source or "")[:100], "valid_until": valid_until},
    )
    return rating


# Residencies ----------------------------------------------------------------------------
@service
def apply_for_residency(
    actor: Any, base_pk: Any, organization_pk: Any, note: str = "", on: datetime.date | None = None
) -> Residency:
    """An organization applies to a base: by its own representative, or by a cadre who may
    change it. Only a listed organization applies; a refusal does not say why an organization
    out of reach is out of reach."""
    base = related_for(
        actor,
        IncubationBase,
        base_pk,
        "base",
        Action.VIEW,
        also=EVERY_BASE,
        message=_("Choose an existing Qinqing Home base."),
    )
    own = Q(representatives=actor) if actor is not None and actor.is_authenticated else None
    organization = related_for(
        actor,
        Organization.objects.listed(),
        organization_pk,
        "organization",
        Action.CHANGE,
        also=own,
        message=_(
            "Choose an organization listed in the registry that you represent or that lies within "
            "the units you may change."
        ),
    )
    already = _("%(org)s already has an open application or residency at %(base)s.") % {
        "org": organization,
        "base": base,
    }
    if Residency.objects.filter(base=base, organization=organization, status__in=Residency.OPEN).exists():
        raise ValidationError({"organization": already})
    residency = Residency(
        base=base,
        organization=organization,
        is_physical=base.is_physical,
        applied_on=_date(on, "applied_on"),
        note=note or "",
        applied_by=actor if actor is not None and actor.is_authenticated else None,
    )
    try:
        with transaction.atomic():
            residency.save()
    except IntegrityError:
        # Two applications at once: the partial unique index decides.
        raise ValidationError({"organization": already}) from None
    return residency


def _require_status(residency: Residency, allowed: Iterable[str], verb: Any) -> None:
    if residency.status not in allowed:
        raise ValidationError(
            _("This residency is “%(status)s”; it cannot be %(verb)s.")
            % {"status": residency.get_status_display(), "verb": verb}
        )


def _tell_applicant(actor: Any, residency: Residency) -> None:
    """The person who filed the application hears the decision (unless they took it)."""
    applicant = residency.applied_by
    if applicant is None or (actor is not None and applicant.pk == actor.pk):
        return
    with translation.override(settings.LANGUAGE_CODE):
        values = {"org": residency.organization.name, "base": residency.base.name}
        if residency.status == Status.ADMITTED:
            subject = gettext("%(org)s is admitted to %(base)s") % values
            body = gettext(
                "The application of %(org)s to the Qinqing Home base %(base)s is accepted: the "
                "organization is admitted from %(date)s. The base's cadres will arrange the move."
            ) % dict(values, date=residency.admitted_on)
        else:
            subject = gettext("%(org)s: application to %(base)s declined") % values
            body = gettext(
                "The application of %(org)s to the Qinqing Home base %(base)s is declined. Reason: %(reason)s"
            ) % dict(values, reason=residency.reason)
    queue_message(
        subject=subject,
        body=body,
        email=applicant.email,
        phone=applicant.phone,
        user=applicant,
        tags=["incubation", "residency"],
    )


@service
def admit_residency(actor: Any, residency_pk: Any, on: datetime.date | None = None) -> Residency:
    """The base's cadres admit an application, if a work station is free (physical bases)
    and the organization is not resident in another physical base."""
    # Lock order: the base row first, then the residency. Every admission to this base
    # queues on the base row, so the count of residents below cannot change under us.
    found = get_for(actor, Residency, residency_pk, Action.CHANGE)
    base = get_for(actor, IncubationBase, found.base_id, Action.CHANGE, lock=True)
    residency = get_for(
        actor, Residency.objects.select_related("organization"), residency_pk, Action.CHANGE, lock=True
    )
    residency.base = base
    _require_status(residency, [Status.APPLIED], _("admitted"))
    admitted_on = _date(
        on, "admitted_on", not_before=residency.applied_on, not_before_label=_("the application")
    )
    if base.is_physical:
        taken = Residency.objects.filter(base=base).resident().count()
        if taken >= (base.work_stations or 0):
            raise ValidationError(
                _(
                    "%(base)s is full: all %(n)d work stations are taken. Free one before admitting another organization."
                )
                % {"base": base, "n": base.work_stations or 0}
            )
        elsewhere = (
            Residency.objects.resident()
            .filter(organization_id=residency.organization_id, is_physical=True)
            .exclude(pk=residency.pk)
            .select_related("base")
            .first()
        )
        if elsewhere is not None:
            raise ValidationError(
                _(
                    "%(org)s is already resident in the physical base %(other)s; an organization can be "
                    "resident in one physical base at a time."
                )
                % {"org": residency.organization, "other": elsewhere.base}
            )
    residency.status, residency.admitted_on = Status.ADMITTED, admitted_on
    residency.is_physical = base.is_physical
    try:
        with transaction.atomic():
            residency.save(update_fields=["status", "admitted_on", "is_physical"])
    except IntegrityError:
        # Two admissions of one organization to two bases at once: the partial unique index decides.
        raise ValidationError(
            _(
                "%(org)s is already resident in a physical base; an organization can be resident in one physical base at a time."
            )
            % {"org": residency.organization}
        ) from None
    _tell_applicant(actor, residency)
    return residency


@service
def decline_residency(
    actor: Any, residency_pk: Any, reason: str = "", on: datetime.date | None = None
) -> Residency:
    """The base's cadres decline an application, saying why."""
    residency = get_for(
        actor,
        Residency.objects.select_related("base", "organization"),
        residency_pk,
        Action.CHANGE,
        lock=True,
    )
    _require_status(residency, [Status.APPLIED], _("declined"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the application is declined.")})
    residency.ended_on = _date(
        on, "ended_on", not_before=residency.applied_on, not_before_label=_("the application")
    )
    residency.status, residency.reason = Status.DECLINED, reason.strip()
    residency.save(update_fields=["status", "reason", "ended_on"])
    _tell_applicant(actor, residency)
    return residency


@service
def start_residency(actor: Any, residency_pk: Any, on: datetime.date | None = None) -> Residency:
    """An admitted organization moves in: incubation starts."""
    residency = get_for(actor, Residency, residency_pk, Action.CHANGE, lock=True)
    _require_status(residency, [Status.ADMITTED], _("started"))
    residency.started_on = _date(
        on, "started_on", not_before=residency.admitted_on, not_before_label=_("the admission")
    )
    residency.status = Status.INCUBATING
    residency.save(update_fields=["status", "started_on"])
    return residency


@service
def graduate_residency(
    actor: Any, residency_pk: Any, outcomes: Iterable[str] = (), on: datetime.date | None = None
) -> Residency:
    """An incubating organization graduates; at least one outcome is required."""
    residency = get_for(actor, Residency, residency_pk, Action.CHANGE, lock=True)
    _require_status(residency, [Status.INCUBATING], _("graduated"))
    chosen = sorted({o for o in (outcomes or []) if o})
    if not chosen:
        raise ValidationError(
            {
                "outcomes": _(
                    "Say what the organization achieved: registered, a purchased-service contract, or backbone."
                )
            }
        )
    unknown = [o for o in chosen if o not in Residency.Outcome.values]
    if unknown:
        raise ValidationError({"outcomes": _("Unknown outcome: %(value)s.") % {"value": ", ".join(unknown)}})
    residency.ended_on = _date(
        on, "ended_on", not_before=residency.started_on, not_before_label=_("the start of incubation")
    )
    residency.status, residency.outcomes = Status.GRADUATED, chosen
    residency.save(update_fields=["status", "outcomes", "ended_on"])
    return residency


@service
def exit_residency(
    actor: Any, residency_pk: Any, reason: str = "", on: datetime.date | None = None
) -> Residency:
    """An admitted or incubating organization leaves without graduating; a reason is required."""
    residency = get_for(actor, Residency, residency_pk, Action.CHANGE, lock=True)
    _require_status(residency, Residency.RESIDENT, _("ended"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the organization exits the base.")})
    residency.ended_on = _date(
        on, "ended_on", not_before=residency.admitted_on, not_before_label=_("the admission")
    )
    residency.status, residency.reason = Status.EXITED, reason.strip()
    residency.save(update_fields=["status", "reason", "ended_on"])
    return residency


def _hours(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"hours": _("Enter the hours as a number, e.g. 1.5.")}) from None
    if not amount.is_finite() or amount <= 0 or amount > 1000:
        raise ValidationError({"hours": _("The hours must be more than 0 and at most 1,000.")})
    if amount != amount.quantize(Decimal("0.1")):
        raise ValidationError({"hours": _("Give the hours to one decimal place.")})
    return amount


@service
def log_service(
    actor: Any,
    residency_pk: Any,
    service_type: str = "",
    date: datetime.date | None = None,
    hours: Any = 1,
    description: str = "",
) -> ServiceDelivery:
    """Record a service the base delivered to one of its residents."""
    residency = get_for(actor, Residency, residency_pk, Action.CHANGE, lock=True)
    _require_status(residency, Residency.RESIDENT, _("given services"))
    if service_type not in Service.values:
        raise ValidationError({"service_type": _("Choose one of the listed services.")})
    when = _date(date, "date", not_before=residency.admitted_on, not_before_label=_("the admission"))
    delivery = ServiceDelivery(
        residency=residency,
        service_type=service_type,
        date=when,
        hours=_hours(hours),
        description=(description or "")[:300],
        delivered_by=actor,
    )
    delivery.save()
    return delivery


@service
def record_milestone(
    actor: Any, residency_pk: Any, kind: str = "", date: datetime.date | None = None, note: str = ""
) -> Milestone:
    """Record a milestone (registered, first contract, 1,000 youth) of a resident organization."""
    residency = get_for(actor, Residency, residency_pk, Action.CHANGE, lock=True)
    # Only an organization the base took in: not a mere (or declined) application.
    _require_status(residency, Residency.INCUBATED, _("given milestones"))
    if kind not in Milestone.Kind.values:
        raise ValidationError({"kind": _("Choose one of the listed milestones.")})
    when = _date(date, "date")
    if Milestone.objects.filter(organization_id=residency.organization_id, kind=kind).exists():
        raise ValidationError({"kind": _("This milestone is already recorded for the organization.")})
    milestone = Milestone(
        organization_id=residency.organization_id,
        residency=residency,
        kind=kind,
        date=when,
        note=(note or "")[:200],
    )
    milestone.save()
    return milestone


# Funds ---------------------------------------------------------------------------------
def _fund_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in data.items() if k in FUND_FIELDS}
    if "description" in values and values["description"] is None:
        values["description"] = ""
    return values


@service
def create_fund(actor: Any, data: Mapping[str, Any]) -> IncubationFund:
    """Create the incubation fund of a unit the actor may change (one per unit); its balance
    starts at zero and only moves with money raised or granted."""
    if _unit(actor, data) is None:
        raise ValidationError({"unit": _("Choose the unit that owns the fund.")})
    fund = IncubationFund()
    _assign(fund, _fund_values(data), FUND_FIELDS)
    fund.full_clean(exclude=["balance"])
    save_checked(fund)
    return fund


@service
def update_fund(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> IncubationFund:
    """Edit a fund's unit, name, date or description on the `version` the editor read; the
    balance never comes from an edit."""
    fund = get_for(actor, IncubationFund, pk, Action.CHANGE, lock=True)
    _check_version(fund, version)
    _unit(actor, data)
    if not _assign(fund, _fund_values(data), FUND_FIELDS):
        return fund
    first = FundMovement.objects.filter(fund=fund).order_by("date").values_list("date", flat=True).first()
    if first is not None and fund.established_on > first:
        raise ValidationError(
            {
                "established_on": _("The fund has movements from %(date)s; it cannot be established later.")
                % {"date": first}
            }
        )
    fund.version += 1
    fund.full_clean(exclude=["balance"])
    save_checked(fund)
    return fund


def _move(fund: IncubationFund, delta: Decimal) -> None:
    """Apply a change to the locked fund's stored balance in the same transaction."""
    IncubationFund.objects.filter(pk=fund.pk).update(balance=F("balance") + delta)
    fund.refresh_from_db(fields=["balance"])


@service
def raise_money(
    actor: Any, fund_pk: Any, amount: Any, date: datetime.date | None = None, purpose: str = ""
) -> FundMovement:
    """Money raised into a fund: from where (`purpose`), when, how much."""
    fund = get_for(actor, IncubationFund, fund_pk, Action.CHANGE, lock=True)
    value = _money(amount)
    when = _date(date, "date", not_before=fund.established_on, not_before_label=_("the fund was established"))
    if not (purpose or "").strip():
        raise ValidationError({"purpose": _("Say where the money comes from.")})
    movement = FundMovement.objects.create(
        fund=fund,
        kind=FundMovement.Kind.RAISED,
        amount=value,
        date=when,
        purpose=purpose.strip()[:200],
        created_by=actor,
    )
    _move(fund, value)
    return movement


def _grantee(
    actor: Any, fund: IncubationFund, grantee_base: Any, grantee_organization: Any
) -> tuple[IncubationBase | None, Organization | None]:
    """The one base or organization a grant goes to: visible to the actor and within the
    fund's unit subtree (a refusal names the fund's unit, never the grantee)."""
    if (grantee_base in (None, "")) == (grantee_organization in (None, "")):
        raise ValidationError({"grantee_base": _("A grant goes to exactly one base or one organization.")})
    if grantee_base not in (None, ""):
        base = related_for(
            actor,
            IncubationBase.objects.in_subtree(fund.unit),
            grantee_base,
            "grantee_base",
            Action.VIEW,
            message=_("Choose a base within %(unit)s.") % {"unit": fund.unit},
        )
        return base, None
    organization = related_for(
        actor,
        Organization.objects.in_subtree(fund.unit),
        grantee_organization,
        "grantee_organization",
        Action.VIEW,
        message=_("Choose an organization within %(unit)s.") % {"unit": fund.unit},
    )
    return None, organization


@service
def grant_money(
    actor: Any,
    fund_pk: Any,
    amount: Any,
    date: datetime.date | None = None,
    purpose: str = "",
    *,
    grantee_base: Any = None,
    grantee_organization: Any = None,
    approved_by: str = "",
    disbursed_on: datetime.date | None = None,
) -> FundMovement:
    """A grant from a fund to one base or one organization (their primary keys) in the
    fund's unit subtree.

    The fund row is locked first, so two cadres granting at the same moment are served one
    after the other and the second sees the first's grant in the balance; the schema's
    `balance >= 0` is the last guard.
    """
    fund = get_for(actor, IncubationFund.objects.select_related("unit"), fund_pk, Action.CHANGE, lock=True)
    value = _money(amount)
    when = _date(date, "date", not_before=fund.established_on, not_before_label=_("the fund was established"))
    if not (purpose or "").strip():
        raise ValidationError({"purpose": _("Say what the grant is for.")})
    if not (approved_by or "").strip():
        raise ValidationError({"approved_by": _("Say who approved the grant.")})
    base, organization = _grantee(actor, fund, grantee_base, grantee_organization)
    if disbursed_on is not None:
        _date(disbursed_on, "disbursed_on", not_before=when, not_before_label=_("the grant"))
    if value > fund.balance:
        raise ValidationError(
            {
                "amount": _("The fund holds ¥%(balance)s; a grant of ¥%(amount)s would overdraw it.")
                % {"balance": f"{fund.balance:,.2f}", "amount": f"{value:,.2f}"}
            }
        )
    movement = FundMovement.objects.create(
        fund=fund,
        kind=FundMovement.Kind.GRANTED,
        amount=value,
        date=when,
        purpose=purpose.strip()[:200],
        grantee_base=base,
        grantee_organization=organization,
        approved_by=approved_by.strip()[:100],
        disbursed_on=disbursed_on,
        created_by=actor,
    )
    _move(fund, -value)
    return movement


@service
def reverse_grant(
    actor: Any, movement_pk: Any, date: datetime.date | None = None, reason: str = ""
) -> FundMovement:
    """Undo a grant in full with a new movement that returns its money to the fund."""
    # Lock order as for grants: the fund row first, then the movement.
    found = get_for(actor, FundMovement, movement_pk, Action.CHANGE)
    fund = get_for(actor, IncubationFund, found.fund_id, Action.CHANGE, lock=True)
    original = get_for(actor, FundMovement, movement_pk, Action.CHANGE, lock=True)
    if original.kind != FundMovement.Kind.GRANTED:
        raise ValidationError(_("Only a grant can be reversed."))
    if FundMovement.objects.filter(reverses=original).exists():
        raise ValidationError(_("This grant has already been reversed."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the grant is reversed.")})
    when = _date(date, "date", not_before=original.date, not_before_label=_("the grant"))
    movement = FundMovement.objects.create(
        fund=fund,
        kind=FundMovement.Kind.REVERSAL,
        amount=original.amount,
        date=when,
        purpose=reason.strip()[:200],
        reverses=original,
        created_by=actor,
    )
    _move(fund, original.amount)
    return movement
