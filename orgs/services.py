"""State changes of the registry, shared by the cadre pages, the API, the review pages and
imports.

Every function is `@transaction.atomic`, re-checks the caller's jurisdiction on the locked
rows (`visible_to(user, Action.CHANGE).select_for_update()`), and raises `ValidationError`
with a translated, specific message (a dict by field where a field is at fault) on bad input.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from hubportal.jurisdiction import Action, user_can

from .models import (
    BackboneMember,
    ContactLog,
    DirectContact,
    LeagueBuilding,
    LeagueUnit,
    Organization,
    OrganizationDocument,
    SavedFilter,
    StatusChange,
)

Status = Organization.Status

# The review and life cycle of an organization: which status may follow which.
TRANSITIONS: dict[str, set[str]] = {
    Status.PENDING: {Status.LISTED, Status.RETURNED, Status.REJECTED},
    Status.RETURNED: {Status.PENDING, Status.REJECTED},
    Status.REJECTED: set(),
    Status.LISTED: {Status.SUSPENDED, Status.DISSOLVED},
    Status.SUSPENDED: {Status.LISTED, Status.DISSOLVED},
    Status.DISSOLVED: set(),
}
REASON_REQUIRED = {Status.RETURNED, Status.REJECTED, Status.SUSPENDED, Status.DISSOLVED}

# What a cadre or a representative may set on an organization through these functions.
ORGANIZATION_FIELDS = (
    "name",
    "tier",
    "body",
    "kind",
    "category",
    "service_fields",
    "registration_status",
    "credit_code",
    "founded_on",
    "registered_on",
    "youth_covered",
    "description",
    "contact_person",
    "phone",
    "email",
    "address",
    "governing_unit",
)
DUPLICATE_NAME_SIMILARITY = 0.6


# Helpers ---------------------------------------------------------------------------------
def _locked(model: type[Model], user: User, pk: Any, action: Action = Action.CHANGE) -> Any:
    """The row, locked, if `user` may act on it; otherwise a clear refusal."""
    try:
        return model.objects.visible_to(user, action).select_for_update(of=("self",)).get(pk=pk)  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        if model.objects.visible_to(user, Action.VIEW).filter(pk=pk).exists():  # type: ignore[attr-defined]
            raise PermissionDenied(_("You may view this record but not change it.")) from None
        raise ValidationError(
            _("%(kind)s %(pk)s does not exist or lies outside your jurisdiction.")
            % {"kind": model._meta.verbose_name, "pk": pk}
        ) from None


def _pk(value: Any) -> Any:
    return value.pk if isinstance(value, Model) else value


def _require_unit(user: User, unit: LeagueUnit | None, field: str = "governing_unit") -> LeagueUnit:
    if unit is None:
        raise ValidationError({field: _("Choose a league unit.")})
    if not user_can(user, unit, Action.CHANGE):
        raise ValidationError(
            {field: _("%(unit)s lies outside the units you may change.") % {"unit": unit.name}}
        )
    return unit


def _full_clean(obj: Model, exclude: Iterable[str] = ()) -> None:
    obj.full_clean(exclude=list(exclude))


def _save(obj: Model, **kwargs: Any) -> None:
    """Save, turning a constraint the checks above missed (a race) into a clear message."""
    try:
        with transaction.atomic():
            obj.save(**kwargs)
    except IntegrityError as exc:
        raise ValidationError(
            _("The record conflicts with another one that was just saved; please reload and try again.")
        ) from exc


def _record_status(org: Organization, old: str, new: str, by: User | None, reason: str = "") -> StatusChange:
    return StatusChange.objects.create(organization=org, from_status=old, to_status=new, reason=reason, by=by)


def _set_registration(org: Organization, old_status: str, registered_on: datetime.date | None = None) -> None:
    """实体化: when an unregistered organization becomes registered, remember the date."""
    if org.registration_status == Organization.RegistrationStatus.UNREGISTERED:
        org.registered_on = None
    elif old_status == Organization.RegistrationStatus.UNREGISTERED and org.registered_on is None:
        org.registered_on = registered_on or timezone.localdate()


def _assign(obj: Model, data: dict[str, Any], allowed: Iterable[str]) -> list[str]:
    changed = []
    for field in allowed:
        if field in data and getattr(obj, field) != data[field]:
            setattr(obj, field, data[field])
            changed.append(field)
    return changed


def is_representative(user: User, org: Organization) -> bool:
    return bool(user and user.is_authenticated and org.representatives.filter(pk=user.pk).exists())


# Organizations ---------------------------------------------------------------------------
@transaction.atomic
def create_organization(by: User | None, data: dict[str, Any], *, registration: bool = False) -> Organization:
    """Add an organization to the registry.

    A cadre (who may change the chosen governing unit) adds a listed organization. With
    `registration=True` it is a self-registration: the organization waits for review
    (pending), and `by` (if given) becomes its representative.
    """
    org = Organization(**{k: v for k, v in data.items() if k in ORGANIZATION_FIELDS})
    if registration:
        if org.governing_unit_id is None:
            raise ValidationError({"governing_unit": _("Choose your town or subdistrict.")})
        org.status = Status.PENDING
        org.submitted_at = timezone.now()
        org.registered_on = None
    else:
        if by is None:
            raise PermissionDenied(_("Only a cadre can add an organization directly."))
        _require_unit(by, org.governing_unit if org.governing_unit_id else None)
        org.status = Status.LISTED
    if org.registration_status != Organization.RegistrationStatus.UNREGISTERED and not registration:
        # A cadre may record a known registration date; an unknown one is left empty.
        org.registered_on = data.get("registered_on")
    org.created_by = by if by is not None and by.is_authenticated else None
    _full_clean(org)
    _save(org)
    if registration and by is not None and by.is_authenticated:
        org.representatives.add(by)
    _record_status(org, "", org.status, by if by is not None and by.is_authenticated else None)
    return org


@transaction.atomic
def update_organization(by: User, org_id: int, data: dict[str, Any], version: int | None) -> Organization:
    """Edit an organization with an optimistic lock on `version`.

    A cadre's edits apply directly. A representative edits their own organization: while it
    is pending or returned everything applies; once listed, key fields (name, credit code,
    registration status, governing unit) go into `pending_changes` and back to review.
    """
    cadre = Organization.objects.visible_to(by, Action.CHANGE).filter(pk=org_id).exists()
    if cadre:
        org = _locked(Organization, by, org_id)
    else:
        org = (
            Organization.objects.filter(pk=org_id, representatives=by).select_for_update(of=("self",)).first()
        )
        if org is None:
            raise PermissionDenied(_("You may not change this organization."))
        if org.status in (Status.REJECTED, Status.DISSOLVED):
            raise ValidationError(_("A rejected or dissolved organization can no longer be edited."))
    if version is None or int(version) != org.version:
        raise ValidationError(
            {
                "version": _(
                    "Someone else changed this organization in the meantime (you edited version "
                    "%(yours)s, it is now at version %(now)s). Reload it and make your changes again."
                )
                % {"yours": version, "now": org.version}
            }
        )
    data = {k: v for k, v in data.items() if k in ORGANIZATION_FIELDS}
    if "credit_code" in data:
        data["credit_code"] = (data["credit_code"] or "").strip().upper()
    if cadre and "governing_unit" in data and _pk(data["governing_unit"]) != org.governing_unit_id:
        _require_unit(by, data["governing_unit"])
    if not cadre and "governing_unit" in data and data["governing_unit"] is None:
        raise ValidationError({"governing_unit": _("Choose your town or subdistrict.")})
    old_registration = org.registration_status
    to_review: dict[str, Any] = {}
    if not cadre and org.status in (Status.LISTED, Status.SUSPENDED):
        for field in Organization.KEY_FIELDS:
            if field in data:
                new = data.pop(field)
                if _pk(new) != _pk(getattr(org, field)):
                    to_review[field] = _pk(new)
    _assign(org, data, ORGANIZATION_FIELDS)
    _set_registration(org, old_registration, data.get("registered_on"))
    if to_review:
        _check_pending_changes(org, to_review)
        org.pending_changes = {**org.pending_changes, **to_review}
        org.submitted_at = timezone.now()
    org.version += 1
    _full_clean(org)
    _save(org)
    return org


def _check_pending_changes(org: Organization, changes: dict[str, Any]) -> None:
    """Validate key-field changes now, so that approving them later cannot fail."""
    trial = Organization.objects.get(pk=org.pk)
    for field, value in changes.items():
        setattr(trial, "governing_unit_id" if field == "governing_unit" else field, value)
    if "governing_unit" in changes and not LeagueUnit.objects.filter(pk=changes["governing_unit"]).exists():
        raise ValidationError({"governing_unit": _("Choose your town or subdistrict.")})
    if "registration_status" in changes or "credit_code" in changes:
        trial.registered_on = None
    _full_clean(trial, exclude=("registered_on",))


def _apply_pending_changes(org: Organization) -> None:
    changes = dict(org.pending_changes)
    old_registration = org.registration_status
    for field, value in changes.items():
        setattr(org, "governing_unit_id" if field == "governing_unit" else field, value)
    _set_registration(org, old_registration)
    org.pending_changes = {}


@transaction.atomic
def change_status(by: User, org_id: int, to: str, reason: str = "") -> Organization:
    """Move an organization to another status along the allowed transitions, writing a
    StatusChange row. Returning, rejecting, suspending and dissolving need a reason."""
    org = _locked(Organization, by, org_id)
    reason = (reason or "").strip()
    if to not in Status.values:
        raise ValidationError({"status": _("Unknown status “%(s)s”.") % {"s": to}})
    if to not in TRANSITIONS[org.status]:
        raise ValidationError(
            {
                "status": _("An organization that is “%(old)s” cannot become “%(new)s”.")
                % {"old": org.get_status_display(), "new": Status(to).label}
            }
        )
    if to in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": _("Please give the reason; the organization will see it.")})
    old = org.status
    org.status = to
    if to == Status.PENDING:
        org.submitted_at = timezone.now()
    org.version += 1
    _save(org, update_fields=["status", "submitted_at", "version", "updated_at"])
    _record_status(org, old, to, by, reason)
    return org


@transaction.atomic
def approve_registration(by: User, org_id: int, comment: str = "") -> Organization:
    """Approve a pending registration (it becomes listed), or the key-field changes a listed
    organization's representative submitted (they are applied)."""
    org = _locked(Organization, by, org_id)
    if org.status == Status.PENDING:
        if org.pending_changes:
            _apply_pending_changes(org)
            org.version += 1
            _full_clean(org)
            _save(org)
        return change_status(by, org.pk, Status.LISTED, comment)
    if org.pending_changes:
        _apply_pending_changes(org)
        org.version += 1
        _full_clean(org)
        _save(org)
        _record_status(org, org.status, org.status, by, comment or _("Changes to key fields approved."))
        return org
    raise ValidationError(_("There is nothing waiting for review in this organization."))


@transaction.atomic
def return_registration(by: User, org_id: int, reason: str) -> Organization:
    """Send a pending registration back for correction with the reasons (the group keeps
    what it typed), or turn down a listed organization's submitted key-field changes."""
    org = _locked(Organization, by, org_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please give the reason; the organization will see it.")})
    if org.status == Status.PENDING:
        return change_status(by, org.pk, Status.RETURNED, reason)
    if org.pending_changes:
        org.pending_changes = {}
        org.version += 1
        _save(org, update_fields=["pending_changes", "version", "updated_at"])
        _record_status(
            org, org.status, org.status, by, _("Changes to key fields not accepted: %(r)s") % {"r": reason}
        )
        return org
    raise ValidationError(_("There is nothing waiting for review in this organization."))


@transaction.atomic
def reject_registration(by: User, org_id: int, reason: str) -> Organization:
    """Refuse a pending or returned registration for good, with the reason."""
    return change_status(by, org_id, Status.REJECTED, reason)


@transaction.atomic
def resubmit_registration(by: User, org_id: int) -> Organization:
    """The representative sends a returned registration back to review."""
    org = Organization.objects.filter(pk=org_id, representatives=by).select_for_update(of=("self",)).first()
    if org is None:
        raise PermissionDenied(_("You may not change this organization."))
    if org.status != Status.RETURNED:
        raise ValidationError(_("Only a returned registration can be submitted again."))
    old = org.status
    org.status, org.submitted_at = Status.PENDING, timezone.now()
    org.version += 1
    _save(org, update_fields=["status", "submitted_at", "version", "updated_at"])
    _record_status(org, old, Status.PENDING, by)
    return org


@transaction.atomic
def delete_organization(by: User, org_id: int) -> None:
    """Remove an organization entered by mistake; a listed one is dissolved instead."""
    org = _locked(Organization, by, org_id)
    if org.status == Status.LISTED:
        raise ValidationError(
            _("A listed organization is not deleted: suspend or dissolve it, so its history stays.")
        )
    org.delete()


def find_possible_duplicates(
    name: str, credit_code: str, unit: LeagueUnit | None, *, exclude_pk: int | None = None, limit: int = 10
) -> list[Organization]:
    """Organizations a new registration may duplicate: the same credit code anywhere, or a
    near-identical name (trigram similarity ≥ 0.6) in the same unit. One query."""
    code = (credit_code or "").strip().upper()
    condition = Q(pk__in=[])
    if code:
        condition |= Q(credit_code=code)
    if name and unit is not None:
        condition |= Q(governing_unit=unit, similarity__gte=DUPLICATE_NAME_SIMILARITY)
    rows = (
        Organization.objects.annotate(similarity=TrigramSimilarity("name", name or ""))
        .filter(condition)
        .select_related("governing_unit")
        .order_by("-similarity", "pk")
    )
    if exclude_pk:
        rows = rows.exclude(pk=exclude_pk)
    return list(rows[:limit])


# Records hanging from an organization ------------------------------------------------------
def _organization_for_change(by: User, organization: Any) -> Organization:
    return _locked(Organization, by, _pk(organization))


@transaction.atomic
def add_direct_contact(
    by: User, unit: LeagueUnit, organization: Any, since: datetime.date, note: str = ""
) -> DirectContact:
    """Put an organization on a unit's direct-contact list (直接联系) from a date."""
    _require_unit(by, unit, "unit")
    org = Organization.objects.visible_to(by).filter(pk=_pk(organization)).first()
    if org is None:
        raise ValidationError({"organization": _("Choose an organization within your jurisdiction.")})
    if org.status in (Status.REJECTED, Status.DISSOLVED):
        raise ValidationError(
            {"organization": _("A rejected or dissolved organization cannot be contacted directly.")}
        )
    if since and since > timezone.localdate():
        raise ValidationError({"since": _("The date cannot lie in the future.")})
    if DirectContact.objects.filter(unit=unit, organization=org).exists():
        raise ValidationError(
            {"organization": _("This unit already lists this organization as directly contacted.")}
        )
    contact = DirectContact(unit=unit, organization=org, since=since, note=note)
    _full_clean(contact)
    _save(contact)
    return contact


@transaction.atomic
def update_direct_contact(by: User, pk: int, data: dict[str, Any]) -> DirectContact:
    contact = _locked(DirectContact, by, pk)
    if data.get("since") and data["since"] > timezone.localdate():
        raise ValidationError({"since": _("The date cannot lie in the future.")})
    _assign(contact, data, ("since", "note"))
    _full_clean(contact)
    _save(contact)
    return contact


@transaction.atomic
def remove_direct_contact(by: User, pk: int) -> None:
    _locked(DirectContact, by, pk).delete()


BACKBONE_FIELDS = ("name", "gender", "birth_year", "birth_date", "phone", "id_number", "role")


@transaction.atomic
def add_backbone_member(by: User, organization: Any, data: dict[str, Any]) -> BackboneMember:
    """Add a key person (骨干) to an organization the cadre may change."""
    org = _organization_for_change(by, organization)
    member = BackboneMember(organization=org)
    _assign(member, data, BACKBONE_FIELDS)
    _full_clean(member)
    _save(member)
    return member


@transaction.atomic
def update_backbone_member(by: User, pk: int, data: dict[str, Any]) -> BackboneMember:
    member = _locked(BackboneMember, by, pk)
    _assign(member, data, BACKBONE_FIELDS)
    _full_clean(member)
    _save(member)
    return member


@transaction.atomic
def delete_backbone_member(by: User, pk: int) -> None:
    _locked(BackboneMember, by, pk).delete()


LEAGUE_BUILDING_FIELDS = ("mode", "form", "branch_name", "founded_on", "member_count")


def _league_building_organizations(
    by: User, lead: Organization, organizations: Iterable[Any], form: str
) -> list[Organization]:
    wanted = {_pk(o) for o in organizations} | {lead.pk}
    found = list(Organization.objects.visible_to(by).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationError({"organizations": _("Choose organizations within your jurisdiction.")})
    if form == LeagueBuilding.Form.INDEPENDENT and len(found) != 1:
        raise ValidationError({"organizations": _("An independent branch belongs to one organization only.")})
    if form == LeagueBuilding.Form.JOINT and len(found) < 2:
        raise ValidationError({"organizations": _("A joint branch is shared by at least two organizations.")})
    return found


def _check_league_building(building: LeagueBuilding) -> None:
    if building.founded_on and building.founded_on > timezone.localdate():
        raise ValidationError({"founded_on": _("The founding date cannot lie in the future.")})


@transaction.atomic
def record_league_building(
    by: User, lead_organization: Any, data: dict[str, Any], organizations: Iterable[Any] = ()
) -> LeagueBuilding:
    """Record a league branch (团建) in an organization, or one shared by several (联合建团).
    The record belongs to the lead organization's governing unit."""
    lead = _organization_for_change(by, lead_organization)
    building = LeagueBuilding(unit_id=lead.governing_unit_id, lead_organization=lead)
    _assign(building, data, LEAGUE_BUILDING_FIELDS)
    members = _league_building_organizations(by, lead, organizations, building.form)
    _check_league_building(building)
    _full_clean(building)
    _save(building)
    building.organizations.set(members)
    return building


@transaction.atomic
def update_league_building(
    by: User, pk: int, data: dict[str, Any], organizations: Iterable[Any] | None = None
) -> LeagueBuilding:
    building = _locked(LeagueBuilding, by, pk)
    _assign(building, data, LEAGUE_BUILDING_FIELDS)
    current = organizations if organizations is not None else list(building.organizations.all())
    members = _league_building_organizations(by, building.lead_organization, current, building.form)
    _check_league_building(building)
    _full_clean(building)
    _save(building)
    building.organizations.set(members)
    return building


@transaction.atomic
def delete_league_building(by: User, pk: int) -> None:
    _locked(LeagueBuilding, by, pk).delete()


CONTACT_LOG_FIELDS = ("date", "kind", "days", "note")


def _check_contact_log(entry: ContactLog) -> None:
    if entry.date and entry.date > timezone.localdate():
        raise ValidationError({"date": _("A contact cannot be logged before it happened.")})
    if entry.days is not None and not (0 < entry.days <= 31):
        raise ValidationError({"days": _("Days spent must be more than 0 and at most 31.")})


@transaction.atomic
def log_contact(
    by: User, organization: Any, data: dict[str, Any], unit: LeagueUnit | None = None
) -> ContactLog:
    """Log a cadre's visit, call, activity or meeting with an organization. The days count
    for the cadre's unit (the given one, or the cadre's highest unit)."""
    org = Organization.objects.visible_to(by).filter(pk=_pk(organization)).first()
    if org is None:
        raise ValidationError({"organization": _("Choose an organization within your jurisdiction.")})
    unit = unit or by.primary_unit
    if unit is None or not (by.is_superuser or any(m.pk == unit.pk for m in by.member_units())):
        raise ValidationError({"unit": _("Log contacts for a unit you belong to.")})
    entry = ContactLog(organization=org, cadre=by, unit=unit)
    _assign(entry, data, CONTACT_LOG_FIELDS)
    _check_contact_log(entry)
    _full_clean(entry)
    _save(entry)
    return entry


@transaction.atomic
def update_contact_log(by: User, pk: int, data: dict[str, Any]) -> ContactLog:
    entry = _locked(ContactLog, by, pk)
    if entry.cadre_id != by.pk and not user_can(by, entry.unit, Action.CHANGE):
        raise PermissionDenied(_("Only the cadre who logged this contact can change it."))
    _assign(entry, data, CONTACT_LOG_FIELDS)
    _check_contact_log(entry)
    _full_clean(entry)
    _save(entry)
    return entry


@transaction.atomic
def delete_contact_log(by: User, pk: int) -> None:
    entry = _locked(ContactLog, by, pk)
    if entry.cadre_id != by.pk and not user_can(by, entry.unit, Action.CHANGE):
        raise PermissionDenied(_("Only the cadre who logged this contact can delete it."))
    entry.delete()


@transaction.atomic
def add_document(
    by: User | None, organization: Any, doc_type: str, file: Any, *, checked: bool = False
) -> OrganizationDocument:
    """Attach a charter, certificate or other document (validated by content and size).

    `checked=True` lets the self-registration flow attach documents to the organization it
    has just created for an anonymous group; otherwise `by` must be allowed to change it or
    be one of its representatives."""
    if checked:
        org = Organization.objects.select_for_update(of=("self",)).get(pk=_pk(organization))
    elif (
        by is not None
        and Organization.objects.visible_to(by, Action.CHANGE).filter(pk=_pk(organization)).exists()
    ):
        org = _organization_for_change(by, organization)
    else:
        org = Organization.objects.filter(pk=_pk(organization), representatives=by).first()  # type: ignore[misc]
        if org is None:
            raise PermissionDenied(_("You may not change this organization."))
    document = OrganizationDocument(
        organization=org,
        doc_type=doc_type,
        file=file,
        original_name=getattr(file, "name", "")[:200],
        size=getattr(file, "size", 0) or 0,
        uploaded_by=by if by is not None and by.is_authenticated else None,
    )
    _full_clean(document)
    _save(document)
    return document


@transaction.atomic
def delete_document(by: User, pk: int) -> None:
    document = _locked(OrganizationDocument, by, pk)
    document.file.delete(save=False)
    document.delete()


# Saved filters ----------------------------------------------------------------------------
@transaction.atomic
def save_filter(by: User, name: str, query: str) -> SavedFilter:
    """Keep the organization list's current query under a name (replacing one of the same name)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the filter a name.")})
    query = "&".join(p for p in (query or "").lstrip("?").split("&") if p and not p.startswith("page="))
    if not query:
        raise ValidationError({"query": _("Set at least one filter before saving it.")})
    saved, _created = SavedFilter.objects.update_or_create(
        user=by, name=name[:80], defaults={"query": query[:2000]}
    )
    return saved


@transaction.atomic
def delete_filter(by: User, pk: int) -> None:
    deleted, _rows = SavedFilter.objects.filter(user=by, pk=pk).delete()
    if not deleted:
        raise ValidationError(_("This saved filter does not exist."))
