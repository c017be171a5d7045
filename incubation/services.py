"""State changes of the incubation app, shared by the pages, the API and the demo data.

Every function runs in one transaction, re-reads its records through `visible_to()` with
the action it needs (inside the transaction, under a row lock where two cadres may race),
and raises a translated `ValidationError` on bad input, leaving nothing changed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hubportal.jurisdiction import Action, user_can
from orgs.models import Organization

from .models import (
    MONEY,
    BaseChecklistResult,
    BasePhoto,
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
MAX_MONEY = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"])


def _outside() -> PermissionDenied:
    return PermissionDenied(_("This record lies outside the units you may change."))


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


# Bases ---------------------------------------------------------------------------------
@transaction.atomic
def save_base(user: Any, base: IncubationBase) -> IncubationBase:
    """Create or update a base the user may change; capacity may not drop below its residents.

    Residencies copy whether their base is physical (for the one-physical-base index), so a
    change of type is carried to the open residencies in the same transaction.
    """
    if not user_can(user, base.unit, Action.CHANGE):
        raise ValidationError({"unit": _("Choose a unit within your jurisdiction.")})
    if base.pk is not None:
        current = (
            IncubationBase.objects.visible_to(user, Action.CHANGE)
            .select_for_update(of=("self",))
            .filter(pk=base.pk)
            .first()
        )
        if current is None:
            raise _outside()
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
        if base.is_physical and not current.is_physical:
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
    base.services = sorted(set(base.services))
    base.full_clean()
    base.save()
    Residency.objects.filter(base=base).exclude(is_physical=base.is_physical).update(
        is_physical=base.is_physical
    )
    return base


@transaction.atomic
def add_photo(user: Any, base_id: int, image: Any, caption: str = "") -> BasePhoto:
    """Attach a photo (validated by content) to a base the user may change."""
    base = IncubationBase.objects.visible_to(user, Action.CHANGE).filter(pk=base_id).first()
    if base is None:
        raise _outside()
    photo = BasePhoto(base=base, image=image, caption=caption, uploaded_by=user)
    photo.full_clean()
    photo.save()
    return photo


@transaction.atomic
def record_checklist(
    user: Any, base_id: int, results: dict[int, tuple[bool, str]], checked_on: datetime.date | None = None
) -> int:
    """Record how the base meets each listed checklist item (`{item_id: (met, note)}`)."""
    base = (
        IncubationBase.objects.visible_to(user, Action.CHANGE)
        .select_for_update(of=("self",))
        .filter(pk=base_id)
        .first()
    )
    if base is None:
        raise _outside()
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
    BaseChecklistResult.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["base", "item"],
        update_fields=["met", "note", "checked_on"],
    )
    return len(rows)


@transaction.atomic
def rate_base(base_id: int, year: int, stars: int, source: str = "") -> Any:
    """Set a base's star rating for a year (called by the evaluation rounds)."""
    if not 1 <= int(stars) <= 5:
        raise ValidationError({"stars": _("A star rating is 1 to 5 stars.")})
    from .models import BaseRating

    rating, _created = BaseRating.objects.update_or_create(
        base_id=base_id, year=year, defaults={"stars": int(stars), "source": source}
    )
    return rating


# Residencies ----------------------------------------------------------------------------
def _may_apply_for(user: Any, organization: Organization, base: IncubationBase) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if organization.representatives.filter(pk=user.pk).exists():
        return True
    return user_can(user, organization.governing_unit, Action.CHANGE) or user_can(
        user, base.unit, Action.CHANGE
    )


@transaction.atomic
def apply(
    user: Any, base_id: int, organization_id: int, note: str = "", on: datetime.date | None = None
) -> Residency:
    """An organization applies to a base: by its own representative, or by a cadre for it."""
    base = IncubationBase.objects.filter(pk=base_id).select_related("unit").first()
    organization = Organization.objects.filter(pk=organization_id).select_related("governing_unit").first()
    if base is None:
        raise ValidationError({"base": _("Choose an existing Qinqing Home base.")})
    if organization is None:
        raise ValidationError({"organization": _("Choose an existing organization.")})
    if not _may_apply_for(user, organization, base):
        raise PermissionDenied(
            _("Only the organization's representative or a cadre responsible for it may apply.")
        )
    if organization.status != Organization.Status.LISTED:
        raise ValidationError(
            {
                "organization": _(
                    "Only an organization listed in the registry can apply; %(org)s is %(status)s."
                )
                % {"org": organization, "status": organization.get_status_display()}
            }
        )
    if Residency.objects.filter(base=base, organization=organization, status__in=Residency.OPEN).exists():
        raise ValidationError(
            {
                "organization": _("%(org)s already has an open application or residency at %(base)s.")
                % {"org": organization, "base": base}
            }
        )
    residency = Residency(
        base=base,
        organization=organization,
        is_physical=base.is_physical,
        applied_on=_date(on, "applied_on"),
        note=note,
        applied_by=user,
    )
    try:
        with transaction.atomic():
            residency.save()
    except IntegrityError:
        raise ValidationError(
            {
                "organization": _("%(org)s already has an open application or residency at %(base)s.")
                % {"org": organization, "base": base}
            }
        ) from None
    return residency


def _lock_residency(user: Any, residency_id: int, *, lock_base: bool = False) -> Residency:
    """The residency, locked, if the user may change its base; the base row first when asked
    (admissions lock the base, then the residency: always in that order)."""
    scoped = Residency.objects.visible_to(user, Action.CHANGE)
    if lock_base:
        base_id = scoped.filter(pk=residency_id).values_list("base_id", flat=True).first()
        if base_id is None:
            raise _outside()
        IncubationBase.objects.select_for_update().filter(pk=base_id).get()
    residency = (
        scoped.select_for_update(of=("self",))
        .select_related("base", "organization")
        .filter(pk=residency_id)
        .first()
    )
    if residency is None:
        raise _outside()
    return residency


def _require(residency: Residency, allowed: Iterable[str], verb: Any) -> None:
    if residency.status not in allowed:
        raise ValidationError(
            _("This residency is “%(status)s”; it cannot be %(verb)s.")
            % {"status": residency.get_status_display(), "verb": verb}
        )


@transaction.atomic
def admit(user: Any, residency_id: int, on: datetime.date | None = None) -> Residency:
    """The base's cadres admit an application, if a work station is free (physical bases)
    and the organization is not resident in another physical base."""
    residency = _lock_residency(user, residency_id, lock_base=True)
    _require(residency, [Status.APPLIED], _("admitted"))
    base = residency.base
    admitted_on = _date(
        on, "admitted_on", not_before=residency.applied_on, not_before_label=_("the application")
    )
    if base.is_physical:
        # The base row is locked: no other admission to this base can count at the same time.
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
    return residency


@transaction.atomic
def decline(user: Any, residency_id: int, reason: str, on: datetime.date | None = None) -> Residency:
    """The base's cadres decline an application, saying why."""
    residency = _lock_residency(user, residency_id)
    _require(residency, [Status.APPLIED], _("declined"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the application is declined.")})
    residency.ended_on = _date(
        on, "ended_on", not_before=residency.applied_on, not_before_label=_("the application")
    )
    residency.status, residency.reason = Status.DECLINED, reason.strip()
    residency.save(update_fields=["status", "reason", "ended_on"])
    return residency


@transaction.atomic
def start(user: Any, residency_id: int, on: datetime.date | None = None) -> Residency:
    """An admitted organization moves in: incubation starts."""
    residency = _lock_residency(user, residency_id)
    _require(residency, [Status.ADMITTED], _("started"))
    residency.started_on = _date(
        on, "started_on", not_before=residency.admitted_on, not_before_label=_("the admission")
    )
    residency.status = Status.INCUBATING
    residency.save(update_fields=["status", "started_on"])
    return residency


@transaction.atomic
def graduate(
    user: Any, residency_id: int, outcomes: Iterable[str], on: datetime.date | None = None
) -> Residency:
    """An incubating organization graduates; at least one outcome is required."""
    residency = _lock_residency(user, residency_id)
    _require(residency, [Status.INCUBATING], _("graduated"))
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


@transaction.atomic
def exit_residency(user: Any, residency_id: int, reason: str, on: datetime.date | None = None) -> Residency:
    """An admitted or incubating organization leaves without graduating; a reason is required."""
    residency = _lock_residency(user, residency_id)
    _require(residency, Residency.RESIDENT, _("ended"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the organization exits the base.")})
    residency.ended_on = _date(
        on, "ended_on", not_before=residency.admitted_on, not_before_label=_("the admission")
    )
    residency.status, residency.reason = Status.EXITED, reason.strip()
    residency.save(update_fields=["status", "reason", "ended_on"])
    return residency


@transaction.atomic
def log_service(
    user: Any,
    residency_id: int,
    service_type: str,
    date: datetime.date | None,
    hours: Any = 1,
    description: str = "",
) -> ServiceDelivery:
    """Record a service the base delivered to one of its residents."""
    residency = _lock_residency(user, residency_id)
    _require(residency, Residency.RESIDENT, _("given services"))
    if service_type not in Service.values:
        raise ValidationError({"service_type": _("Choose one of the listed services.")})
    when = _date(date, "date", not_before=residency.admitted_on, not_before_label=_("the admission"))
    try:
        amount = Decimal(str(hours))
    except (InvalidOperation, ValueError):
        raise ValidationError({"hours": _("Enter the hours as a number, e.g. 1.5.")}) from None
    if not amount.is_finite() or amount <= 0 or amount > 1000:
        raise ValidationError({"hours": _("The hours must be more than 0 and at most 1,000.")})
    if amount != amount.quantize(Decimal("0.1")):
        raise ValidationError({"hours": _("Give the hours to one decimal place.")})
    delivery = ServiceDelivery(
        residency=residency,
        service_type=service_type,
        date=when,
        hours=amount,
        description=description,
        delivered_by=user,
    )
    delivery.save()
    return delivery


@transaction.atomic
def record_milestone(
    user: Any, residency_id: int, kind: str, date: datetime.date | None, note: str = ""
) -> Milestone:
    """Record a milestone (registered, first contract, 1,000 youth) of a resident organization."""
    residency = _lock_residency(user, residency_id)
    # Only an organization the base took in: not a mere (or declined) application.
    _require(residency, Residency.INCUBATED, _("given milestones"))
    if kind not in Milestone.Kind.values:
        raise ValidationError({"kind": _("Choose one of the listed milestones.")})
    when = _date(date, "date")
    if Milestone.objects.filter(organization_id=residency.organization_id, kind=kind).exists():
        raise ValidationError({"kind": _("This milestone is already recorded for the organization.")})
    milestone = Milestone(
        organization_id=residency.organization_id, residency=residency, kind=kind, date=when, note=note
    )
    milestone.save()
    return milestone


# Funds ---------------------------------------------------------------------------------
@transaction.atomic
def save_fund(user: Any, fund: IncubationFund) -> IncubationFund:
    """Create or edit a fund (name, date, description); the balance only moves with money."""
    if not user_can(user, fund.unit, Action.CHANGE):
        raise ValidationError({"unit": _("Choose a unit within your jurisdiction.")})
    if fund.pk is not None:
        current = (
            IncubationFund.objects.visible_to(user, Action.CHANGE)
            .select_for_update(of=("self",))
            .filter(pk=fund.pk)
            .first()
        )
        if current is None:
            raise _outside()
        first = FundMovement.objects.filter(fund=fund).order_by("date").values_list("date", flat=True).first()
        if first is not None and fund.established_on > first:
            raise ValidationError(
                {
                    "established_on": _(
                        "The fund has movements from %(date)s; it cannot be established later."
                    )
                    % {"date": first}
                }
            )
        fund.balance = current.balance  # never from a form
    fund.full_clean(exclude=["balance"])
    fund.save()
    return fund


def _lock_fund(user: Any, fund_id: int) -> IncubationFund:
    fund = (
        IncubationFund.objects.visible_to(user, Action.CHANGE)
        .select_for_update(of=("self",))
        .select_related("unit")
        .filter(pk=fund_id)
        .first()
    )
    if fund is None:
        raise _outside()
    return fund


def _move(fund: IncubationFund, delta: Decimal) -> None:
    """Apply a change to the locked fund's stored balance in the same transaction."""
    IncubationFund.objects.filter(pk=fund.pk).update(balance=F("balance") + delta)
    fund.refresh_from_db(fields=["balance"])


@transaction.atomic
def raise_money(
    user: Any, fund_id: int, amount: Any, date: datetime.date | None, source: str
) -> FundMovement:
    """Money raised into a fund: from where, when, how much."""
    fund = _lock_fund(user, fund_id)
    value = _money(amount)
    when = _date(date, "date", not_before=fund.established_on, not_before_label=_("the fund was established"))
    if not (source or "").strip():
        raise ValidationError({"purpose": _("Say where the money comes from.")})
    movement = FundMovement.objects.create(
        fund=fund,
        kind=FundMovement.Kind.RAISED,
        amount=value,
        date=when,
        purpose=source.strip(),
        created_by=user,
    )
    _move(fund, value)
    return movement


@transaction.atomic
def grant(
    user: Any,
    fund_id: int,
    amount: Any,
    date: datetime.date | None,
    purpose: str,
    *,
    grantee_base_id: int | None = None,
    grantee_organization_id: int | None = None,
    approved_by: str = "",
    disbursed_on: datetime.date | None = None,
) -> FundMovement:
    """A grant from a fund to one base or one organization in the fund's unit subtree.

    The fund row is locked first, so two cadres granting at the same moment are served one
    after the other and the second sees the first's grant in the balance; the schema's
    `balance >= 0` is the last guard.
    """
    fund = _lock_fund(user, fund_id)
    value = _money(amount)
    when = _date(date, "date", not_before=fund.established_on, not_before_label=_("the fund was established"))
    if not (purpose or "").strip():
        raise ValidationError({"purpose": _("Say what the grant is for.")})
    if not (approved_by or "").strip():
        raise ValidationError({"approved_by": _("Say who approved the grant.")})
    if bool(grantee_base_id) == bool(grantee_organization_id):
        raise ValidationError({"grantee_base": _("A grant goes to exactly one base or one organization.")})
    base = organization = None
    if grantee_base_id:
        base = IncubationBase.objects.filter(
            pk=grantee_base_id, unit__path__startswith=fund.unit.path
        ).first()
        if base is None:
            raise ValidationError(
                {"grantee_base": _("The base must be one within %(unit)s.") % {"unit": fund.unit}}
            )
    else:
        organization = Organization.objects.filter(
            pk=grantee_organization_id, governing_unit__path__startswith=fund.unit.path
        ).first()
        if organization is None:
            raise ValidationError(
                {
                    "grantee_organization": _("The organization must be one within %(unit)s.")
                    % {"unit": fund.unit}
                }
            )
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
        purpose=purpose.strip(),
        grantee_base=base,
        grantee_organization=organization,
        approved_by=approved_by.strip(),
        disbursed_on=disbursed_on,
        created_by=user,
    )
    _move(fund, -value)
    return movement


@transaction.atomic
def reverse_grant(user: Any, movement_id: int, date: datetime.date | None, reason: str) -> FundMovement:
    """Undo a grant in full with a new movement that returns its money to the fund."""
    fund_id = (
        FundMovement.objects.visible_to(user, Action.CHANGE)
        .filter(pk=movement_id)
        .values_list("fund_id", flat=True)
        .first()
    )
    if fund_id is None:
        raise _outside()
    fund = _lock_fund(user, fund_id)
    original = FundMovement.objects.select_for_update().get(pk=movement_id)
    if original.kind != FundMovement.Kind.GRANTED:
        raise ValidationError(_("Only a grant can be reversed."))
    if FundMovement.objects.filter(reverses=original).exists():
        raise ValidationError(_("This grant has already been reversed."))
    if not (reason or "").strip():
        raise ValidationError({"purpose": _("Say why the grant is reversed.")})
    when = _date(date, "date", not_before=original.date, not_before_label=_("the grant"))
    movement = FundMovement.objects.create(
        fund=fund,
        kind=FundMovement.Kind.REVERSAL,
        amount=original.amount,
        date=when,
        purpose=reason.strip(),
        reverses=original,
        created_by=user,
    )
    _move(fund, original.amount)
    return movement
