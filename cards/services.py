"""State changes of the cards app, shared by the pages, the API, the Excel import, the
nightly task and the demo data.

Every public service follows the portal's convention (`@service def verb_noun(actor, pk,
...)`: one transaction, history attributed to the actor; records read with `get_for`,
records named in the input with `related_for`; a refusal is a translated `ValidationError`
and changes nothing):

- `issue_card(actor, data)`: one card, to a person registered (or registered now) with a
  unit the actor may change; a member card only to someone aged 14–28 on the day of issue;
  one active card of each kind per person; a card number used once.
- `issue_cards(actor, rows, progress=)`: the same rules for a whole list (the Excel
  import), written with COPY in the caller's transaction — 100,000 cards in seconds, their
  history events written set-based in the same transaction, so nothing is left without one.
- `report_card_lost`, `revoke_card`: the status changes a cadre makes; `expire_cards`
  (the nightly task): cards past their date, by the system.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import psycopg
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hubportal.access import all_for, get_for, related_for
from hubportal.bulk import copy_rows, record_inserts, reserve_ids
from hubportal.jurisdiction import Action, user_can
from hubportal.personal import may_see_personal as personal_rule
from hubportal.services import check_version, service
from orgs.models import LeagueUnit
from orgs.validators import birth_date_from_id_number, validate_id_number

from .models import Card, Holder, member_age_limits, new_token, validate_card_number

CHUNK = 10_000  # rows per COPY, between two progress reports
PHONE_CHARS = set("0123456789-")


def may_see_personal(user: Any, unit_id: int) -> bool:
    """Personal data of a holder (ID number, phone, birth date) is for the issuing unit's own
    cadres (the cards issue) who may change its records (the portal's rule,
    `hubportal.personal`): the administrators and editors of the holder's unit. Its viewers and
    the units above see it masked. No query once the memberships are loaded."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    own = next((unit for unit in user.member_units() if unit.pk == unit_id), None)
    return own is not None and personal_rule(user, unit=own)


# One card ----------------------------------------------------------------------------------------
def _check_dates(kind: str, born: datetime.date, issued: datetime.date, expires: datetime.date | None) -> Any:
    """The day a card of `kind` expires, or a refusal: issued in the future, expiring
    before it is issued, a member card to someone outside 14–28."""
    if issued > timezone.localdate():
        raise ValidationError({"issued_on": _("A card cannot be issued in the future.")})
    if expires is not None and expires < issued:
        raise ValidationError({"expires_on": _("A card cannot expire before it is issued.")})
    if kind == Card.Kind.MEMBER:
        first, last = member_age_limits(born)
        if not first <= issued <= last:
            raise ValidationError(
                {
                    "id_number": _(
                        "A member card goes to league members aged 14 to 28; on %(day)s this person (born %(born)s) "
                        "is not."
                    )
                    % {"day": issued, "born": born}
                }
            )
        return expires or last
    return expires


def _holder_for(actor: Any, unit: LeagueUnit, data: Mapping[str, Any], kind: str) -> Holder:
    """The person the card goes to: registered already (within the actor's reach), or now,
    with `unit`. The ID number decides who the person is."""
    id_number = str(data.get("id_number") or "").strip().upper()
    try:
        validate_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from None
    holder = Holder.objects.select_for_update().select_related("unit").filter(id_number=id_number).first()
    if holder is not None:
        if not user_can(actor, holder.unit, Action.CHANGE):
            raise ValidationError(
                {
                    "id_number": _(
                        "This ID number is registered with a unit outside your jurisdiction; that unit issues this "
                        "person's cards."
                    )
                }
            )
        flag = "is_member" if kind == Card.Kind.MEMBER else "is_volunteer"
        if not getattr(holder, flag):
            setattr(holder, flag, True)
            holder.save(update_fields=[flag])
        return holder
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        raise ValidationError({"name": _("Give the holder's name.")})
    phone = str(data.get("phone") or "").replace(" ", "")
    if phone and not (set(phone) <= PHONE_CHARS and 7 <= len(phone) <= 20):
        raise ValidationError(
            {"phone": _("Enter an 11-digit mobile number or a landline with its area code.")}
        )
    born = birth_date_from_id_number(id_number)
    if born is None:  # validate_id_number checked the date inside: this cannot happen
        raise ValidationError(
            {"id_number": _("The birth date inside this identity card number is not a real date.")}
        )
    holder = Holder(
        unit=unit,
        name=name[:64],
        id_number=id_number,
        birth_date=born,
        phone=phone,
        is_member=kind == Card.Kind.MEMBER,
        is_volunteer=kind == Card.Kind.VOLUNTEER,
    )
    holder.full_clean()
    holder.save()
    return holder


@service
def issue_card(actor: Any, data: Mapping[str, Any]) -> Card:
    """Issue one card (number, kind, the person by name and ID number, the issuing unit,
    the date) to someone registered with a unit the actor may change."""
    unit = related_for(
        actor,
        LeagueUnit,
        data.get("issuing_unit"),
        "issuing_unit",
        Action.CHANGE,
        message=_("Choose a unit within your jurisdiction."),
    )
    kind = data.get("kind") or ""
    if kind not in Card.Kind.values:
        raise ValidationError({"kind": _("Say which card: a member card or a volunteer card.")})
    number = str(data.get("number") or "").replace(" ", "").upper()
    try:
        validate_card_number(number)
    except ValidationError as exc:
        raise ValidationError({"number": exc.messages}) from None
    if Card.objects.filter(number=number).exists():
        raise ValidationError({"number": _("This card number is already taken by another card.")})
    holder = _holder_for(actor, unit, data, kind)
    held = Card.objects.filter(holder=holder, kind=kind, status=Card.Status.ACTIVE).first()
    if held is not None:
        raise ValidationError(
            {
                "id_number": _(
                    "This person already holds an active card of this kind (%(number)s); report it lost or revoke it "
                    "first."
                )
                % {"number": held.number}
            }
        )
    issued = data.get("issued_on") or timezone.localdate()
    expires = _check_dates(kind, holder.birth_date, issued, data.get("expires_on"))
    card = Card(
        number=number, kind=kind, holder=holder, issuing_unit=unit, issued_on=issued, expires_on=expires
    )
    try:
        with transaction.atomic():
            card.save()
    except IntegrityError as exc:
        raise ValidationError(
            _(
                "Another card with this number, or another active card of this person, was just issued; reload and check."
            )
        ) from exc
    return card


@service
def register_holder(actor: Any, data: Mapping[str, Any]) -> Holder:
    """Register a league member or a volunteer with a unit the actor may change, before any
    card (the portal then knows them: the card targets count the share holding one)."""
    unit = related_for(
        actor,
        LeagueUnit,
        data.get("unit"),
        "unit",
        Action.CHANGE,
        message=_("Choose a unit within your jurisdiction."),
    )
    is_member, is_volunteer = bool(data.get("is_member")), bool(data.get("is_volunteer"))
    if not (is_member or is_volunteer):
        raise ValidationError({"is_member": _("A card holder is a league member, a volunteer, or both.")})
    id_number = str(data.get("id_number") or "").strip().upper()
    if Holder.objects.filter(id_number=id_number).exists():
        raise ValidationError({"id_number": _("This ID number is already registered.")})
    holder = _holder_for(
        actor, unit, {**data, "id_number": id_number}, Card.Kind.MEMBER if is_member else Card.Kind.VOLUNTEER
    )
    holder.is_member, holder.is_volunteer = is_member, is_volunteer
    if is_member:
        first, last = member_age_limits(holder.birth_date)
        if not first <= timezone.localdate() <= last:
            raise ValidationError(
                {
                    "id_number": _("A league member is aged 14 to 28; this person (born %(born)s) is not.")
                    % {"born": holder.birth_date}
                }
            )
    holder.save(update_fields=["is_member", "is_volunteer"])
    return holder


@service
def update_holder(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> Holder:
    """Correct a holder's name, phone or roles: only the cadres of the holder's own unit,
    who alone see the personal data. The ID number (who the person is) does not change.
    `version` is the one the editor read: a save over a newer change is refused, and a save
    without a change changes nothing, not even the version."""
    holder = get_for(actor, Holder, pk, Action.CHANGE, lock=True)
    if not may_see_personal(actor, holder.unit_id):
        raise PermissionDenied(
            _("Only the cadres of the unit the person is registered with edit their data.")
        )
    check_version(holder, version)
    changed = []
    for field in ("name", "phone", "is_member", "is_volunteer"):
        if field in data:
            value = data[field] if field.startswith("is_") else " ".join(str(data[field] or "").split())
            if getattr(holder, field) != value:
                setattr(holder, field, value)
                changed.append(field)
    if not changed:
        return holder
    holding = set(
        Card.objects.filter(holder=holder, status=Card.Status.ACTIVE).values_list("kind", flat=True)
    )
    if (Card.Kind.MEMBER in holding and not holder.is_member) or (
        Card.Kind.VOLUNTEER in holding and not holder.is_volunteer
    ):
        raise ValidationError(_("The person holds an active card of that kind; revoke it first."))
    if holder.phone and not (set(holder.phone) <= PHONE_CHARS and 7 <= len(holder.phone) <= 20):
        raise ValidationError(
            {"phone": _("Enter an 11-digit mobile number or a landline with its area code.")}
        )
    holder.full_clean()
    holder.version += 1
    holder.save(update_fields=[*changed, "version"])
    return holder


# Status changes ----------------------------------------------------------------------------------
def _change_status(actor: Any, pk: Any, status: str, reason: str) -> Card:
    card = get_for(actor, Card, pk, Action.CHANGE, lock=True)
    if card.status != Card.Status.ACTIVE:
        raise ValidationError(
            _("This card is %(status)s already; only an active card can change.")
            % {"status": card.get_status_display()}
        )
    card.status, card.status_reason, card.status_changed_at = (
        status,
        (reason or "").strip()[:200],
        timezone.now(),
    )
    card.save(update_fields=["status", "status_reason", "status_changed_at"])
    return card


@service
def report_card_lost(actor: Any, pk: Any, reason: str = "") -> Card:
    """The holder lost the card: it stops being valid at once (a new one can then be issued)."""
    return _change_status(actor, pk, Card.Status.LOST, reason)


@service
def revoke_card(actor: Any, pk: Any, reason: str = "") -> Card:
    """Withdraw a card (issued in error, the holder left the league): it stops being valid."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the card is revoked.")})
    return _change_status(actor, pk, Card.Status.REVOKED, reason)


IMPORT_JOB_KIND = "cards.import"


def check_issuer(actor: Any) -> None:
    """Only cadres who may change records somewhere issue cards from a list."""
    if not (getattr(actor, "is_superuser", False) or actor.jurisdiction_paths(Action.CHANGE)):
        raise PermissionDenied(_("Only cadres who may change their unit's records issue cards."))


@service
def start_card_import(actor: Any, stored_file: str, name: str) -> Any:
    """Issue the cards of a checked list in the background: a job row for the progress bar,
    the task queued when this transaction commits (`cards.tasks.apply_card_import`)."""
    from hubportal.jobs import start_job

    from .tasks import apply_card_import  # the task module imports the importer, which imports us

    check_issuer(actor)
    return start_job(
        actor,
        apply_card_import,
        kind=IMPORT_JOB_KIND,
        title=_("Cards from %(name)s") % {"name": name},
        result={"file": stored_file, "name": name},
    )


def expire_cards(today: datetime.date | None = None) -> int:
    """Mark the active cards past their date expired (the nightly task; idempotent)."""
    today = today or timezone.localdate()
    return Card.objects.filter(status=Card.Status.ACTIVE, expires_on__lt=today).update(
        # No reason text: the status says it in the reader's language (a stored “到期” read
        # "Expired · 到期" in English).
        status=Card.Status.EXPIRED,
        status_changed_at=timezone.now(),
    )


# Many cards at once ------------------------------------------------------------------------------
def _check_reach(actor: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Every row's unit, and every known person's unit, within the actor's change rights
    (two queries for the whole list)."""
    all_for(
        actor,
        LeagueUnit,
        {row["unit"].pk for row in rows},
        Action.CHANGE,
        _("Some rows name a unit outside the units you may change; nothing was issued."),
    )
    all_for(
        actor,
        Holder,
        {row["holder_id"] for row in rows if row.get("holder_id") is not None},
        Action.CHANGE,
        _("Some people are registered with a unit outside your jurisdiction; nothing was issued."),
    )


@service
def issue_cards(
    actor: Any, rows: Sequence[Mapping[str, Any]], *, progress: Callable[[int, int], None] | None = None
) -> int:
    """Issue a list of cards checked by the import (`cards.importing`): register the new
    people, mark known ones as members or volunteers, write the cards (a row without a card
    number only registers its person) — all with COPY, in the caller's transaction. The schema's unique constraints are the last guard against a
    card number or an active card issued meanwhile: then nothing is issued."""
    if not rows:
        return 0
    _check_reach(actor, rows)
    people_only, rows = rows, [row for row in rows if row["number"]]
    now = timezone.now()
    new_people = {}
    kinds_of: dict[str, set[str]] = {}
    for row in people_only:
        if row.get("holder_id") is None and row["id_number"] not in new_people:
            new_people[row["id_number"]] = row
        kinds_of.setdefault(row["id_number"], set()).add(row["kind"])
    holder_ids = dict(zip(new_people, reserve_ids("cards_holder", len(new_people)), strict=True))
    try:
        with transaction.atomic():
            if new_people:
                copy_rows(
                    "cards_holder",
                    [
                        "id",
                        "unit_id",
                        "name",
                        "id_number",
                        "birth_date",
                        "phone",
                        "is_member",
                        "is_volunteer",
                        "created_at",
                    ],
                    (
                        (
                            holder_ids[id_number],
                            row["unit"].pk,
                            row["name"],
                            id_number,
                            row["birth_date"],
                            row.get("phone") or "",
                            Card.Kind.MEMBER in kinds_of[id_number],
                            Card.Kind.VOLUNTEER in kinds_of[id_number],
                            now,
                        )
                        for id_number, row in new_people.items()
                    ),
                )
                record_inserts(Holder, list(holder_ids.values()))
            _mark_known(people_only)
            card_ids = reserve_ids("cards_card", len(rows))
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                copy_rows(
                    "cards_card",
                    [
                        "id",
                        "number",
                        "kind",
                        "holder_id",
                        "issuing_unit_id",
                        "issued_on",
                        "expires_on",
                        "status",
                        "status_reason",
                        "token",
                        "created_at",
                    ],
                    (
                        (
                            card_ids[start + i],
                            row["number"],
                            row["kind"],
                            row["holder"].pk
                            if row.get("holder") is not None
                            else holder_ids[row["id_number"]],
                            row["unit"].pk,
                            row["issued_on"],
                            row.get("expires_on"),
                            Card.Status.ACTIVE,
                            "",
                            new_token(),
                            now,
                        )
                        for i, row in enumerate(chunk)
                    ),
                )
                if progress is not None:
                    progress(start + len(chunk), len(rows))
            if card_ids:
                record_inserts(Card, card_ids)
    except (IntegrityError, psycopg.IntegrityError) as exc:  # COPY runs on psycopg's own cursor
        raise ValidationError(
            _(
                "A card number, or an active card of one of these people, was issued by someone else while the list "
                "was being imported; nothing was issued. Check the list again."
            )
        ) from exc
    return len(rows)


def _mark_known(rows: Sequence[Mapping[str, Any]]) -> None:
    """Known people who get a card of a new kind become members or volunteers (two UPDATEs)."""
    for kind, flag in ((Card.Kind.MEMBER, "is_member"), (Card.Kind.VOLUNTEER, "is_volunteer")):
        ids = {row["holder_id"] for row in rows if row.get("holder_id") is not None and row["kind"] == kind}
        if ids:
            Holder.objects.filter(pk__in=ids, **{flag: False}).update(**{flag: True})
