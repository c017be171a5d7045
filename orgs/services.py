"""State changes of the registry: the one write path of the cadre pages, the API, the review
queue, the group's own pages, the import and the admin.

Every public service follows the portal's convention:

    @service
    def verb_noun(actor, pk, ..., *, options) -> the changed or created record

- `actor` first: the acting user (`None` only for the anonymous self-registration);
- then the primary key of the record acted on, or of the parent for a create under it
  (`add_backbone_member(actor, organization_pk, data)`), never an instance; top-level creates
  are `create_x(actor, data)`, updates `update_x(actor, pk, data[, version])`, deletes
  `delete_x(actor, pk)`;
- the record is read with `hubportal.access.get_for(..., lock=True)` inside the service's
  transaction (not visible → 404, visible but not changeable → 403); every unit or
  organization named in the input is read with `related_for()`, whose refusal is a field
  error that never says whether a record of another jurisdiction exists;
- a refusal is a translated `ValidationError` (a dict by field where a field is at fault) and
  changes nothing;
- effects belong to the service: the group is told of a review decision through the outbox
  (`hubportal.outbox.queue_message`), an import starts through `hubportal.jobs.start_job`,
  whichever page, API call, import or task made the decision.

An organization's own representative edits it, resubmits a returned registration and adds
documents by a right besides jurisdiction (`also=representative_of(actor)`); the key fields
of a listed organization then wait for a cadre's review in `pending_changes`.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import psycopg
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField, Model, Q, QuerySet
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hubportal.access import NotVisible, all_for, get_for, may, parse_pk, related_for, scoped
from hubportal.bulk import copy_rows, history_triggers_off, record_events, record_inserts, reserve_ids
from hubportal.jurisdiction import Action, user_can
from hubportal.models import Job
from hubportal.outbox import queue_message
from hubportal.services import actor_id, check_version, delete_checked, save_checked, service

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
    name_initials,
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
# A decision on a registration the group waits for: it is told of these moves.
DECIDED_FROM = {Status.PENDING, Status.RETURNED}
DECISIONS = {Status.LISTED, Status.RETURNED, Status.REJECTED}

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
UNIT_FIELDS = (
    "name",
    "code",
    "parent",
    "level",
    "kind",
    "region",
    "is_undergraduate",
    "address",
    "phone",
    "is_active",
)
TREE_FIELDS = ("path", "depth")  # set by LeagueUnit.save() from the parent
BACKBONE_FIELDS = ("name", "gender", "birth_year", "birth_date", "phone", "id_number", "role")
LEAGUE_BUILDING_FIELDS = ("mode", "form", "branch_name", "founded_on", "member_count")
CONTACT_LOG_FIELDS = ("date", "kind", "days", "note")
DIRECT_CONTACT_FIELDS = ("since", "note")
DUPLICATE_NAME_SIMILARITY = 0.6
IMPORT_JOB_KIND = "orgs.import"


# Helpers ---------------------------------------------------------------------------------
def representative_of(actor: Any) -> Q:
    """The organizations `actor` represents: their right besides jurisdiction."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Q(pk__in=[])
    return Q(representatives=actor)


def registrable_units() -> QuerySet[LeagueUnit]:
    """Units a group may register under: active regional committees below the province."""
    return LeagueUnit.objects.filter(kind=LeagueUnit.Kind.REGIONAL, is_active=True, depth__gte=1)


def _pk(value: Any) -> Any:
    return value.pk if isinstance(value, Model) else value


def _key(value: Any) -> int | None:
    """The id a form or body names, or None when it names nothing readable."""
    try:
        return parse_pk(value)
    except NotVisible:
        return None


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _assign(obj: Model, data: dict[str, Any], allowed: Iterable[str]) -> list[str]:
    """Set the given fields that differ; the names of those that changed."""
    changed = []
    for field in allowed:
        if field in data and getattr(obj, field) != data[field]:
            setattr(obj, field, data[field])
            changed.append(field)
    return changed


def _full_clean(obj: Model, exclude: Iterable[str] = ()) -> None:
    obj.full_clean(exclude=list(exclude))


def _not_in_future(value: datetime.date | None, field: str, message: str) -> None:
    if value and value > timezone.localdate():
        raise ValidationError({field: message})


def _record_status(org: Organization, old: str, new: str, actor: Any, reason: str = "") -> StatusChange:
    return StatusChange.objects.create(
        organization=org, from_status=old, to_status=new, reason=reason, by=_user(actor)
    )


def _set_registration(org: Organization, old_status: str, registered_on: datetime.date | None = None) -> None:
    """实体化: when an unregistered organization becomes registered, remember the date."""
    if org.registration_status == Organization.RegistrationStatus.UNREGISTERED:
        org.registered_on = None
    elif old_status == Organization.RegistrationStatus.UNREGISTERED and org.registered_on is None:
        org.registered_on = registered_on or timezone.localdate()


def _tell_group(org: Organization, outcome: str, reason: str = "") -> int:
    """Queue a message to the group (its e-mail and its representatives) saying what the
    reviewers decided; returns how many were queued. Written in the portal's language.

    `outcome` is the registration's new status (listed, returned, rejected), or
    "changes_applied" / "changes_declined" for a listed organization's key-field edits.
    """
    with translation.override(settings.LANGUAGE_CODE):
        subjects = {
            Status.LISTED: _("Your organization is now listed"),
            Status.RETURNED: _("Your registration was returned for correction"),
            Status.REJECTED: _("Your registration was rejected"),
            "changes_applied": _("Your profile changes were approved"),
            "changes_declined": _("Your profile changes were not approved"),
        }
        subject = str(subjects.get(outcome, _("News about your registration")))
        body = _("%(name)s: %(subject)s.") % {"name": org.name, "subject": subject}
        if reason:
            body += "\n" + _("Reason: %(reason)s") % {"reason": reason}
        if outcome == Status.RETURNED:
            body += "\n" + _("Log in to the portal, correct the registration and submit it again.")
    recipients: dict[tuple[str, str], Any] = {}
    if org.email:
        recipients[(org.email, "")] = None
    for rep in org.representatives.order_by("pk"):
        if rep.email or rep.phone:
            recipients.setdefault((rep.email, "" if rep.email else rep.phone), rep)
    queued = 0
    for (email, phone), person in recipients.items():
        if queue_message(
            subject=subject, body=body, email=email, phone=phone, user=person, tags=("registration",)
        ):
            queued += 1
    return queued


# Organizations ---------------------------------------------------------------------------
def _governing_unit(actor: Any, value: Any, *, cadre: bool) -> LeagueUnit:
    """The governing unit named in the input: one the cadre may change, or for a group one of
    the towns and subdistricts open to registration."""
    if value is None or value == "":
        raise ValidationError(
            {"governing_unit": _("Choose a league unit.") if cadre else _("Choose your town or subdistrict.")}
        )
    if cadre:
        return related_for(actor, LeagueUnit, value, "governing_unit", Action.CHANGE)
    unit = registrable_units().filter(pk=_key(value) or 0).first()
    if unit is None:
        raise ValidationError({"governing_unit": _("Choose the town or subdistrict your group belongs to.")})
    return unit


@service
def create_organization(actor: Any, data: dict[str, Any], *, registration: bool = False) -> Organization:
    """Add an organization to the registry.

    A cadre (who may change the chosen governing unit) adds a listed organization. With
    `registration=True` it is a self-registration: the organization waits for review
    (pending), and `actor` (if given) becomes its representative.
    """
    if not registration and _user(actor) is None:
        raise PermissionDenied(_("Only a cadre can add an organization directly."))
    unit = _governing_unit(actor, data.get("governing_unit"), cadre=not registration)
    org = organization_to_create(data, unit, registration=registration)
    org.created_by = _user(actor)
    _full_clean(org)
    save_checked(org)
    if registration and _user(actor) is not None:
        org.representatives.add(actor)
    _record_status(org, "", org.status, actor)
    return org


def organization_to_create(
    data: dict[str, Any], unit: LeagueUnit | None = None, *, registration: bool = False
) -> Organization:
    """The organization `create_organization` saves for `data` (unsaved; no query)."""
    fields = {k: v for k, v in data.items() if k in ORGANIZATION_FIELDS and k != "governing_unit"}
    org = Organization(**fields, governing_unit=unit if unit is not None else data["governing_unit"])
    if registration:
        org.status = Status.PENDING
        org.submitted_at = timezone.now()
        org.registered_on = None
    else:
        # A cadre may record a known registration date; an unknown one is left empty.
        org.status = Status.LISTED
    return org


def _copy_organization(org: Organization) -> Organization:
    """A shallow copy of `org`, as `copy.copy` makes it (its own state and cached relations)
    without going through pickling's protocol: the import copies 100,000 of them."""
    trial = Organization.__new__(Organization)
    trial.__dict__.update(org.__dict__)
    trial._state = ModelState()
    trial._state.db, trial._state.adding = org._state.db, org._state.adding
    trial._state.fields_cache = dict(org._state.fields_cache)
    return trial


def organization_after_update(org: Organization, changes: dict[str, Any]) -> Organization:
    """A copy of `org` with a cadre's `changes` applied as `update_organization` applies them
    (unsaved; `org` itself is left as it was)."""
    trial = _copy_organization(org)
    old_registration = trial.registration_status
    _assign(trial, changes, ORGANIZATION_FIELDS)
    _set_registration(trial, old_registration, changes.get("registered_on"))
    return trial


ERRORS_EXCLUDE = ("governing_unit", "created_by", "pending_changes")  # checked by queries, or never typed
UNREMEMBERED = ("name", "credit_code")  # values of one row each: not worth remembering


@functools.cache
def _error_fields() -> tuple[tuple[Any, str, bool, Any, bool, bool], ...]:
    """The fields `organization_errors` checks, as `clean_fields` goes through them: (field,
    its attribute, whether it may be blank, its empty values, whether its verdicts are
    remembered, whether its value is a list)."""
    return tuple(
        (
            field,
            field.attname,
            field.blank,
            field.empty_values,
            field.name not in UNREMEMBERED,
            isinstance(field, ArrayField),
        )
        for field in Organization._meta.fields
        if field.name not in ERRORS_EXCLUDE and not field.generated
    )


def organization_errors(
    org: Organization, checked: dict[Any, Any] | None = None, today: datetime.date | None = None
) -> dict[str, list[str]]:
    """What saving `org` through a service would refuse, by field, without a query: its
    fields' own checks (what `clean_fields` runs) and the model's rules
    (`Organization.rule_errors`, which `clean()` runs). The import's dry run calls it on every
    row as it would be saved; the credit code's uniqueness is checked by the import against
    the registry in one query.

    `checked` (a dict the caller keeps for a whole file) remembers each field's verdict on a
    value it has seen: a file's rows repeat their tiers, categories, dates and addresses, and
    a field's checks depend on the value alone (the foreign keys, whose check is a query, are
    not among them). `today` is the day the rules compare dates with."""
    errors: dict[str, list[str]] = {}
    for field, attname, blank, empty_values, rememberable, array in _error_fields():
        raw = getattr(org, attname)
        if blank and raw in empty_values:
            continue  # as clean_fields: an empty optional field is not checked
        remember = checked is not None and rememberable and not isinstance(raw, datetime.datetime)
        key = (attname, tuple(raw) if array else raw)
        verdict = checked.get(key) if remember and checked is not None else None
        if verdict is None:
            try:
                verdict = (field.clean(raw, org), None)
            except ValidationError as exc:
                verdict = (raw, [str(m) for m in exc.messages])
            if remember and checked is not None:
                checked[key] = verdict
        value, messages = verdict
        if messages:
            errors[field.name] = list(messages)
        elif value is not raw:
            setattr(org, attname, list(value) if array else value)
    for name, message in org.rule_errors(today).items():
        errors.setdefault(name, []).append(str(message))
    return errors


@service
def update_organization(actor: Any, pk: Any, data: dict[str, Any], version: Any = None) -> Organization:
    """Edit an organization with an optimistic lock on `version` (the version the editor read).

    A cadre's edits apply directly. A representative edits their own organization: while it
    is pending or returned everything applies; once listed, key fields (name, credit code,
    registration status, governing unit) go into `pending_changes` and back to review.
    Saving without a change changes nothing, not even the version.
    """
    org = get_for(actor, Organization, pk, Action.CHANGE, lock=True, also=representative_of(actor))
    cadre = may(actor, org, Action.CHANGE)
    if not cadre and org.status in (Status.REJECTED, Status.DISSOLVED):
        raise ValidationError(_("A rejected or dissolved organization can no longer be edited."))
    check_version(org, version)
    data = {k: v for k, v in data.items() if k in ORGANIZATION_FIELDS}
    if "credit_code" in data:
        data["credit_code"] = (data["credit_code"] or "").strip().upper()
    if "governing_unit" in data:
        value = data["governing_unit"]
        if value is not None and _key(_pk(value)) == org.governing_unit_id:
            data["governing_unit"] = org.governing_unit
        else:
            data["governing_unit"] = _governing_unit(actor, _pk(value), cadre=cadre)
    if "service_fields" in data and sorted(data["service_fields"] or []) == sorted(org.service_fields):
        data["service_fields"] = org.service_fields  # the same fields, ticked in another order
    old_registration = org.registration_status
    to_review: dict[str, Any] = {}
    if not cadre and org.status in (Status.LISTED, Status.SUSPENDED):
        for field in Organization.KEY_FIELDS:
            if field in data:
                new = data.pop(field)
                if _pk(new) != _pk(getattr(org, field)):
                    to_review[field] = _pk(new)
    changed = _assign(org, data, ORGANIZATION_FIELDS)
    if not changed and not to_review:
        return org
    _set_registration(org, old_registration, data.get("registered_on"))
    if to_review:
        _check_pending_changes(org, to_review)
        org.pending_changes = {**org.pending_changes, **to_review}
        org.submitted_at = timezone.now()
    org.version += 1
    _full_clean(org)
    save_checked(org)
    return org


def _check_pending_changes(org: Organization, changes: dict[str, Any]) -> None:
    """Validate key-field changes now, so that approving them later cannot fail."""
    trial = Organization.objects.get(pk=org.pk)
    for field, value in changes.items():
        setattr(trial, "governing_unit_id" if field == "governing_unit" else field, value)
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
    org.version += 1
    _full_clean(org)
    save_checked(org)


@service
def change_status(actor: Any, pk: Any, to: str, reason: str = "") -> Organization:
    """Move an organization to another status along the allowed transitions, writing a
    StatusChange row. Returning, rejecting, suspending and dissolving need a reason. A
    decision on a registration (listed, returned, rejected) is sent to the group."""
    org = get_for(actor, Organization, pk, Action.CHANGE, lock=True)
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
    save_checked(org, update_fields=["status", "submitted_at", "version", "updated_at"])
    _record_status(org, old, to, actor, reason)
    if old in DECIDED_FROM and to in DECISIONS:
        _tell_group(org, to, "" if to == Status.LISTED else reason)
    return org


@service
def approve_registration(actor: Any, pk: Any, comment: str = "") -> Organization:
    """Approve a pending registration (it becomes listed), or the key-field changes a listed
    organization's representative submitted (they are applied); the group is told."""
    org = get_for(actor, Organization, pk, Action.CHANGE, lock=True)
    if org.status == Status.PENDING:
        if org.pending_changes:
            _apply_pending_changes(org)
        return change_status(actor, org.pk, Status.LISTED, comment)
    if org.pending_changes:
        _apply_pending_changes(org)
        _record_status(org, org.status, org.status, actor, comment or _("Changes to key fields approved."))
        _tell_group(org, "changes_applied")
        return org
    raise ValidationError(_("There is nothing waiting for review in this organization."))


@service
def return_registration(actor: Any, pk: Any, reason: str) -> Organization:
    """Send a pending registration back for correction with the reasons (the group keeps
    what it typed), or turn down a listed organization's submitted key-field changes; the
    group is told."""
    org = get_for(actor, Organization, pk, Action.CHANGE, lock=True)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please give the reason; the organization will see it.")})
    if org.status == Status.PENDING:
        return change_status(actor, org.pk, Status.RETURNED, reason)
    if org.pending_changes:
        org.pending_changes = {}
        org.version += 1
        save_checked(org, update_fields=["pending_changes", "version", "updated_at"])
        _record_status(
            org, org.status, org.status, actor, _("Changes to key fields not accepted: %(r)s") % {"r": reason}
        )
        _tell_group(org, "changes_declined", reason)
        return org
    raise ValidationError(_("There is nothing waiting for review in this organization."))


@service
def reject_registration(actor: Any, pk: Any, reason: str) -> Organization:
    """Refuse a pending or returned registration for good, with the reason (the group is told)."""
    return change_status(actor, pk, Status.REJECTED, reason)


@service
def decide_registration(actor: Any, pk: Any, decision: str, reason: str = "") -> Organization:
    """A reviewer's decision on a registration or on waiting key-field edits: "approve",
    "return" (with the reason) or "reject" (with the reason)."""
    if decision == "approve":
        return approve_registration(actor, pk, (reason or "").strip())
    if decision == "return":
        return return_registration(actor, pk, reason)
    if decision == "reject":
        return reject_registration(actor, pk, reason)
    raise ValidationError({"decision": _("Choose a decision.")})


@service
def resubmit_registration(actor: Any, pk: Any) -> Organization:
    """The representative sends a returned registration back to review."""
    org = get_for(actor, Organization, pk, Action.CHANGE, lock=True, also=representative_of(actor))
    if org.status != Status.RETURNED:
        raise ValidationError(_("Only a returned registration can be submitted again."))
    old = org.status
    org.status, org.submitted_at = Status.PENDING, timezone.now()
    org.version += 1
    save_checked(org, update_fields=["status", "submitted_at", "version", "updated_at"])
    _record_status(org, old, Status.PENDING, actor)
    return org


@service
def delete_organization(actor: Any, pk: Any) -> None:
    """Remove an organization entered by mistake; a listed one is dissolved instead."""
    org = get_for(actor, Organization, pk, Action.CHANGE, lock=True)
    if org.status == Status.LISTED:
        raise ValidationError(
            _("A listed organization is not deleted: suspend or dissolve it, so its history stays.")
        )
    delete_checked(org)


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


# League units ----------------------------------------------------------------------------
def _parent_unit(actor: Any, unit: LeagueUnit | None, value: Any) -> LeagueUnit | None:
    """The parent named in the input: a unit the actor may change, never the unit itself or
    a unit below it. Only an administrator of the whole portal adds a unit without a parent."""
    if value is None or value == "":
        if not getattr(actor, "is_superuser", False):
            raise ValidationError({"parent": _("Choose the parent unit.")})
        return None
    parent = related_for(actor, LeagueUnit, value, "parent", Action.CHANGE)
    if unit is not None and parent.path.startswith(unit.path):
        raise ValidationError(
            {"parent": _("A unit cannot be moved below itself or one of its own sub-units.")}
        )
    return parent


@service
def create_unit(actor: Any, data: dict[str, Any]) -> LeagueUnit:
    """Add a league unit below one the actor may change."""
    unit = LeagueUnit(**{k: v for k, v in data.items() if k in UNIT_FIELDS and k != "parent"})
    unit.parent = _parent_unit(actor, None, _pk(data.get("parent")))
    _full_clean(unit, exclude=TREE_FIELDS)
    save_checked(unit)
    return unit


@service
def update_unit(actor: Any, pk: Any, data: dict[str, Any], version: Any = None) -> LeagueUnit:
    """Edit a unit the actor may change; moving it re-parents its whole subtree. `version` is
    the one the editor read (optimistic locking); saved without a change, nothing changes."""
    unit = get_for(actor, LeagueUnit, pk, Action.CHANGE, lock=True)
    check_version(unit, version)
    data = {k: v for k, v in data.items() if k in UNIT_FIELDS}
    if "parent" in data:
        if _key(_pk(data["parent"])) == unit.parent_id:  # unchanged (the province keeps none)
            data["parent"] = unit.parent
        else:
            data["parent"] = _parent_unit(actor, unit, _pk(data["parent"]))
    if not _assign(unit, data, UNIT_FIELDS):
        return unit
    unit.version += 1
    _full_clean(unit, exclude=TREE_FIELDS)
    save_checked(unit)
    return unit


@service
def delete_unit(actor: Any, pk: Any) -> None:
    """Remove a unit created by mistake; one still holding sub-units or records stays, with a
    message naming what holds it."""
    delete_checked(get_for(actor, LeagueUnit, pk, Action.CHANGE, lock=True))


# Records hanging from an organization ------------------------------------------------------
@service
def add_direct_contact(actor: Any, organization_pk: Any, data: dict[str, Any]) -> DirectContact:
    """Put an organization on the direct-contact list (直接联系) of a unit the actor may
    change, from a date."""
    org = get_for(actor, Organization, organization_pk, Action.VIEW)
    if data.get("unit") in (None, ""):
        raise ValidationError({"unit": _("Choose a league unit.")})
    unit = related_for(actor, LeagueUnit, _pk(data["unit"]), "unit", Action.CHANGE)
    if org.status in (Status.REJECTED, Status.DISSOLVED):
        raise ValidationError(
            {"organization": _("A rejected or dissolved organization cannot be contacted directly.")}
        )
    _not_in_future(data.get("since"), "since", _("The date cannot lie in the future."))
    if DirectContact.objects.filter(unit=unit, organization=org).exists():
        raise ValidationError(
            {"organization": _("This unit already lists this organization as directly contacted.")}
        )
    contact = DirectContact(unit=unit, organization=org)
    _assign(contact, data, DIRECT_CONTACT_FIELDS)
    _full_clean(contact)
    save_checked(contact)
    return contact


@service
def update_direct_contact(actor: Any, pk: Any, data: dict[str, Any], version: Any = None) -> DirectContact:
    """Change the date or note of a direct contact (the unit and organization stay), with an
    optimistic lock on `version`."""
    contact = get_for(actor, DirectContact, pk, Action.CHANGE, lock=True)
    check_version(contact, version)
    _not_in_future(data.get("since"), "since", _("The date cannot lie in the future."))
    if not _assign(contact, data, DIRECT_CONTACT_FIELDS):
        return contact
    contact.version += 1
    _full_clean(contact)
    save_checked(contact)
    return contact


@service
def delete_direct_contact(actor: Any, pk: Any) -> None:
    delete_checked(get_for(actor, DirectContact, pk, Action.CHANGE, lock=True))


@service
def add_backbone_member(actor: Any, organization_pk: Any, data: dict[str, Any]) -> BackboneMember:
    """Add a key person (骨干) to an organization the actor may change."""
    org = get_for(actor, Organization, organization_pk, Action.CHANGE, lock=True)
    member = BackboneMember(organization=org)
    _assign(member, data, BACKBONE_FIELDS)
    _full_clean(member)
    save_checked(member)
    return member


@service
def update_backbone_member(actor: Any, pk: Any, data: dict[str, Any], version: Any = None) -> BackboneMember:
    """Edit a key person, with an optimistic lock on `version` (the one the editor read)."""
    member = get_for(actor, BackboneMember, pk, Action.CHANGE, lock=True)
    check_version(member, version)
    if not _assign(member, data, BACKBONE_FIELDS):
        return member
    member.version += 1
    _full_clean(member)
    save_checked(member)
    return member


@service
def delete_backbone_member(actor: Any, pk: Any) -> None:
    delete_checked(get_for(actor, BackboneMember, pk, Action.CHANGE, lock=True))


def _league_building_organizations(
    actor: Any, lead: Organization, organizations: Iterable[Any], form: str
) -> list[Organization]:
    """The lead organization and the others named in the input (each one the actor may see)."""
    wanted = {_key(_pk(o)) for o in organizations} - {lead.pk}
    found = list(scoped(actor, Organization, Action.VIEW).filter(pk__in=[k for k in wanted if k]))
    if len(found) != len(wanted):
        raise ValidationError({"organizations": _("Choose organizations within your jurisdiction.")})
    members = [lead, *found]
    if form == LeagueBuilding.Form.INDEPENDENT and len(members) != 1:
        raise ValidationError({"organizations": _("An independent branch belongs to one organization only.")})
    if form == LeagueBuilding.Form.JOINT and len(members) < 2:
        raise ValidationError({"organizations": _("A joint branch is shared by at least two organizations.")})
    return members


@service
def record_league_building(actor: Any, organization_pk: Any, data: dict[str, Any]) -> LeagueBuilding:
    """Record a league branch (团建) in an organization, or one it shares with the others in
    `data["organizations"]` (联合建团). It belongs to the lead organization's governing unit."""
    lead = get_for(actor, Organization, organization_pk, Action.CHANGE, lock=True)
    building = LeagueBuilding(unit_id=lead.governing_unit_id, lead_organization=lead)
    _assign(building, data, LEAGUE_BUILDING_FIELDS)
    members = _league_building_organizations(actor, lead, data.get("organizations") or (), building.form)
    _not_in_future(building.founded_on, "founded_on", _("The founding date cannot lie in the future."))
    _full_clean(building)
    save_checked(building)
    building.organizations.set(members)
    return building


@service
def update_league_building(actor: Any, pk: Any, data: dict[str, Any], version: Any = None) -> LeagueBuilding:
    """Edit a league-building record; `data["organizations"]` (when given) replaces the
    organizations sharing it besides the lead one. `version` is the one the editor read: its
    organizations are part of the record, so a change to them moves it on too."""
    building = get_for(
        actor, LeagueBuilding.objects.select_related("lead_organization"), pk, Action.CHANGE, lock=True
    )
    check_version(building, version)
    changed = _assign(building, data, LEAGUE_BUILDING_FIELDS)
    current = {o.pk for o in building.organizations.all()}
    named = data.get("organizations")
    members = _league_building_organizations(
        actor, building.lead_organization, current if named is None else named, building.form
    )
    if not changed and {o.pk for o in members} == current:
        return building
    building.version += 1
    _not_in_future(building.founded_on, "founded_on", _("The founding date cannot lie in the future."))
    _full_clean(building)
    save_checked(building)
    building.organizations.set(members)
    return building


@service
def delete_league_building(actor: Any, pk: Any) -> None:
    delete_checked(get_for(actor, LeagueBuilding, pk, Action.CHANGE, lock=True))


def _check_contact_log(entry: ContactLog) -> None:
    _not_in_future(entry.date, "date", _("A contact cannot be logged before it happened."))
    if entry.days is not None and not (0 < entry.days <= 31):
        raise ValidationError({"days": _("Days spent must be more than 0 and at most 31.")})


@service
def log_contact(actor: Any, organization_pk: Any, data: dict[str, Any]) -> ContactLog:
    """Log a cadre's visit, call, activity or meeting with an organization. A log entry is a
    change to the organization's records and its days count toward targets, so it takes the
    right to change (administrator or editor): a viewer is refused (403). The days count for
    the cadre's unit: `data["unit"]` (one they belong to and may change) or the highest such."""
    org = get_for(actor, Organization, organization_pk, Action.CHANGE)
    if data.get("unit") not in (None, ""):
        unit = related_for(actor, LeagueUnit, _pk(data["unit"]), "unit", Action.VIEW)
    else:
        changeable = [u for u in actor.member_units() if user_can(actor, u, Action.CHANGE)]
        unit = min(changeable, key=lambda u: (u.depth, u.path)) if changeable else actor.primary_unit
    belongs = unit is not None and any(m.pk == unit.pk for m in actor.member_units())
    if unit is None or not (actor.is_superuser or (belongs and user_can(actor, unit, Action.CHANGE))):
        raise ValidationError(
            {"unit": _("Log contacts for a unit you belong to as an administrator or editor.")}
        )
    entry = ContactLog(organization=org, cadre=actor, unit=unit)
    _assign(entry, data, CONTACT_LOG_FIELDS)
    _check_contact_log(entry)
    _full_clean(entry)
    save_checked(entry)
    return entry


def _logged_by_or_above(actor: Any, entry: ContactLog, message: str) -> None:
    if entry.cadre_id != actor.pk and not user_can(actor, entry.unit, Action.CHANGE):
        raise PermissionDenied(message)


@service
def update_contact_log(actor: Any, pk: Any, data: dict[str, Any], version: Any = None) -> ContactLog:
    """Correct a contact: its author, or a cadre who may change the author's unit; `version`
    is the one the editor read (optimistic locking)."""
    entry = get_for(actor, ContactLog.objects.select_related("unit"), pk, Action.CHANGE, lock=True)
    _logged_by_or_above(actor, entry, _("Only the cadre who logged this contact can change it."))
    check_version(entry, version)
    if not _assign(entry, data, CONTACT_LOG_FIELDS):
        return entry
    entry.version += 1
    _check_contact_log(entry)
    _full_clean(entry)
    save_checked(entry)
    return entry


@service
def delete_contact_log(actor: Any, pk: Any) -> None:
    entry = get_for(actor, ContactLog.objects.select_related("unit"), pk, Action.CHANGE, lock=True)
    _logged_by_or_above(actor, entry, _("Only the cadre who logged this contact can delete it."))
    delete_checked(entry)


@service
def add_document(actor: Any, organization_pk: Any, doc_type: str, file: Any) -> OrganizationDocument:
    """Attach a charter, certificate or other document (validated by content and size) to an
    organization the actor may change or represents."""
    org = get_for(
        actor, Organization, organization_pk, Action.CHANGE, lock=True, also=representative_of(actor)
    )
    document = OrganizationDocument(
        organization=org,
        doc_type=doc_type,
        file=file,
        original_name=(getattr(file, "name", "") or "")[:200],
        size=getattr(file, "size", 0) or 0,
        uploaded_by=_user(actor),
    )
    _full_clean(document)
    save_checked(document)
    return document


@service
def delete_document(actor: Any, pk: Any) -> None:
    """Remove a document; its file goes once the removal is committed."""
    document = get_for(actor, OrganizationDocument, pk, Action.CHANGE, lock=True)
    storage, name = document.file.storage, document.file.name
    document.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# Saved filters ----------------------------------------------------------------------------
@service
def save_filter(actor: Any, name: str, query: str) -> SavedFilter:
    """Keep the organization list's current query under a name (replacing one of the same name)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the filter a name.")})
    query = "&".join(p for p in (query or "").lstrip("?").split("&") if p and not p.startswith("page="))
    if not query:
        raise ValidationError({"query": _("Set at least one filter before saving it.")})
    saved, _created = SavedFilter.objects.update_or_create(
        user=actor, name=name[:80], defaults={"query": query[:2000]}
    )
    return saved


@service
def delete_filter(actor: Any, pk: Any) -> None:
    """Delete one of the actor's own saved filters (another user's is not there for them)."""
    deleted, _rows = SavedFilter.objects.filter(user=actor, pk=_key(pk) or 0).delete()
    if not deleted:
        raise ValidationError(_("This saved filter does not exist."))


# Import ---------------------------------------------------------------------------------
def check_importer(actor: Any) -> None:
    """Only cadres who may change organizations somewhere import them."""
    if not (getattr(actor, "is_superuser", False) or actor.jurisdiction_paths(Action.CHANGE)):
        raise PermissionDenied(_("Only cadres who may change organizations can import them."))


@service
def start_import(actor: Any, stored_file: str, name: str) -> Job:
    """Apply a checked import file in the background: a job row for the progress bar, the
    task queued when this transaction commits (`orgs.tasks.apply_import`)."""
    from hubportal.jobs import start_job

    from .tasks import apply_import  # the task module imports the importer, which imports us

    check_importer(actor)
    return start_job(
        actor,
        apply_import,
        kind=IMPORT_JOB_KIND,
        title=_("Import of %(name)s") % {"name": name},
        result={"file": stored_file, "name": name},
    )


# Many organizations at once (the import) ---------------------------------------------------
IMPORT_PROGRESS_EVERY = 5_000  # rows streamed between two progress reports
# Updates are written by one UPDATE per set of changed fields; past this many sets, the rarest
# are written together (their unchanged fields rewritten with the values they hold).
IMPORT_UPDATE_GROUPS = 8
# The columns an import's update writes: those of ORGANIZATION_FIELDS, and the initials the
# model derives from the name.
UPDATE_COLUMNS: tuple[str, ...] = (
    *(name for name in ORGANIZATION_FIELDS if name != "governing_unit"),  # named as their columns
    "name_initials",
    "governing_unit_id",
)
Progress = Callable[[int, int], None]


@service
def import_organizations(
    actor: Any,
    creates: Sequence[dict[str, Any]],
    updates: Sequence[tuple[Organization, dict[str, Any]]],
    *,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Write the organizations of an import file checked by `orgs.importing.validate_rows`:
    `creates` as the data `create_organization` takes (listed, created by the actor, its first
    status change recorded), `updates` as (the organization as the check read it, the changed
    fields) as `update_organization` applies them (the version bumped, 实体化 dated). The same
    stored result as those services row by row, in a constant number of statements: new rows
    by COPY with their history events and status changes written set-based, updates by one
    `UPDATE … FROM` per set of changed fields (their history by the update trigger).

    Refused as a whole: a unit or an organization outside the actor's right to change
    (PermissionDenied, naming none of them), an organization changed by someone else since
    the check (its version), a credit code taken meanwhile. `progress(done, total)` follows the
    rows written. Returns (created, updated)."""
    if not creates and not updates:
        return 0, 0
    if _user(actor) is None:
        raise PermissionDenied(_("Only a cadre can import organizations."))
    _check_import_reach(actor, creates, updates)
    _lock_import_versions(updates)
    today = timezone.localdate()
    changed = [_changed_organization(org, changes, today) for org, changes in updates]
    total = len(creates) + len(changed)
    report = progress or (lambda _done, _total: None)
    now = timezone.now()
    try:
        with transaction.atomic():
            # The new organizations are built as they stream into the COPY: the database
            # stores each while the next ones are built (their pinyin initials), on another core.
            new = (_new_organization(actor, data, today) for data in creates)
            _copy_new_organizations(actor, new, len(creates), now, lambda done: report(done, total))
            _write_updates(changed, now, lambda done: report(len(creates) + done, total))
    except (IntegrityError, psycopg.IntegrityError) as exc:  # COPY runs on psycopg's own cursor
        cause = exc.__cause__ if isinstance(exc, IntegrityError) else exc
        if isinstance(cause, psycopg.errors.UniqueViolation):
            raise ValidationError(
                _(
                    "Another organization was given one of this file's credit codes while it was being "
                    "imported; nothing was imported. Check the file again."
                )
            ) from exc
        raise ValidationError(
            _("The registry refused a row of this file (%(rule)s); nothing was imported.")
            % {"rule": getattr(getattr(cause, "diag", None), "constraint_name", None) or exc}
        ) from exc
    report(total, total)
    return len(creates), len(changed)


def _check_import_reach(
    actor: Any, creates: Sequence[dict[str, Any]], updates: Sequence[tuple[Organization, dict[str, Any]]]
) -> None:
    """Every unit named and every organization changed within the actor's right to change,
    in two queries for the whole file; the refusal names nothing outside it."""
    all_for(
        actor,
        LeagueUnit,
        {data["governing_unit"].pk for data in creates}
        | {changes["governing_unit"].pk for _org, changes in updates if "governing_unit" in changes},
        Action.CHANGE,
        _("Some rows name a unit outside the units you may change; nothing was imported."),
    )
    all_for(
        actor,
        Organization,
        {org.pk for org, _changes in updates},
        Action.CHANGE,
        _("Some rows change an organization outside your jurisdiction; nothing was imported."),
    )


def _lock_import_versions(updates: Sequence[tuple[Organization, dict[str, Any]]]) -> None:
    """Lock the organizations to update (one query, in id order) and refuse them all if one
    was changed or removed since the file was checked (its version)."""
    if not updates:
        return
    current = dict(
        # The ids as one array (a list of 50,000 parameters takes a second to send and plan).
        Organization.objects.filter(
            pk__in=RawSQL("SELECT unnest(%s::bigint[])", [[org.pk for org, _changes in updates]])
        )
        .order_by("pk")
        .select_for_update()
        .values_list("pk", "version")
    )
    stale = [org for org, _changes in updates if current.get(org.pk) != org.version]
    if stale:
        raise ValidationError(
            ngettext(
                "“%(name)s” was changed by someone else since the file was checked; nothing was imported. "
                "Check the file again.",
                "%(n)d organizations, such as “%(name)s”, were changed by someone else since the file was "
                "checked; nothing was imported. Check the file again.",
                len(stale),
            )
            % {"n": len(stale), "name": stale[0].name}
        )


def _refuse_rule_errors(org: Organization, today: datetime.date) -> None:
    """The model's own rules (no query), normalising as `full_clean` does; the import's check
    found nothing, so this refuses only rows that did not come from it."""
    errors = org.rule_errors(today)
    if errors:
        raise ValidationError(
            _("“%(name)s”: %(problems)s")
            % {"name": org.name, "problems": " ".join(map(str, errors.values()))}
        )


def _new_organization(actor: Any, data: dict[str, Any], today: datetime.date) -> Organization:
    """The organization `create_organization` would save for `data` (unsaved)."""
    org = organization_to_create(data)
    org.created_by = _user(actor)
    _refuse_rule_errors(org, today)
    org.name_initials = name_initials(org.name)  # as Organization.save() derives them
    return org


def _changed_organization(
    org: Organization, changes: dict[str, Any], today: datetime.date
) -> tuple[Organization, tuple[str, ...]]:
    """The organization as `update_organization` would save it, and the columns that differ
    from what is stored (the registration date 实体化 sets and the initials included)."""
    saved = organization_after_update(org, changes)
    _refuse_rule_errors(saved, today)
    if saved.name != org.name:
        saved.name_initials = name_initials(saved.name)  # as Organization.save() derives them
    return saved, tuple(c for c in UPDATE_COLUMNS if getattr(saved, c) != getattr(org, c))


def _streamed(rows: Iterable[Any], report: Callable[[int], None]) -> Iterator[Any]:
    """The rows as they go into a COPY, reporting every IMPORT_PROGRESS_EVERY."""
    done = 0
    for done, row in enumerate(rows, start=1):
        if done % IMPORT_PROGRESS_EVERY == 0:
            report(done)
        yield row
    report(done)


def _copy_new_organizations(
    actor: Any, new: Iterable[Organization], count: int, now: datetime.datetime, report: Callable[[int], None]
) -> None:
    """The `count` new organizations by COPY (every stored column as the model would save it;
    the database computes its generated search column), their insert events, and their first
    status change as `_record_status` writes it, with its own events."""
    if not count:
        return
    ids = reserve_ids(Organization._meta.db_table, count)
    fields = [f for f in Organization._meta.concrete_fields if not f.primary_key]
    stamped = [i for i, f in enumerate(fields) if getattr(f, "auto_now", False)]
    as_json = [(i, f) for i, f in enumerate(fields) if isinstance(f, JSONField)]  # a dict as jsonb
    attnames = [f.attname for f in fields]
    statuses: list[str] = []

    def rows() -> Iterator[list[Any]]:
        for pk, org in zip(ids, new, strict=True):
            values = org.__dict__
            cells = [pk, *(values[name] for name in attnames)]
            for i in stamped:
                cells[i + 1] = now
            for i, field in as_json:
                cells[i + 1] = field.get_db_prep_save(cells[i + 1], connection)
            statuses.append(org.status)
            yield cells

    copy_rows(
        Organization._meta.db_table, ["id", *(str(f.column) for f in fields)], _streamed(rows(), report)
    )
    record_inserts(Organization, ids)
    status_ids = reserve_ids(StatusChange._meta.db_table, count)
    by = actor_id(actor)
    copy_rows(
        StatusChange._meta.db_table,
        ["id", "organization_id", "from_status", "to_status", "reason", "by_id", "at"],
        (
            (status_id, pk, "", status, "", by, now)
            for status_id, pk, status in zip(status_ids, ids, statuses, strict=True)
        ),
    )
    record_inserts(StatusChange, status_ids)


def _write_updates(
    changed: list[tuple[Organization, tuple[str, ...]]], now: datetime.datetime, report: Callable[[int], None]
) -> None:
    """The updates through a temporary table: COPY every updated row's new values, then one
    `UPDATE … FROM` per set of changed columns (the rarest sets together), each bumping the
    version; then every changed row's history event, as the update trigger records it."""
    if not changed:
        return
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, (_org, columns) in enumerate(changed):
        groups.setdefault(columns, []).append(index)
    ordered = sorted(groups.items(), key=lambda item: -len(item[1]))
    if len(ordered) > IMPORT_UPDATE_GROUPS:
        rest = ordered[IMPORT_UPDATE_GROUPS - 1 :]
        merged = {c for columns, _rows in rest for c in columns}
        ordered = [
            *ordered[: IMPORT_UPDATE_GROUPS - 1],
            (tuple(c for c in UPDATE_COLUMNS if c in merged), [i for _columns, rows in rest for i in rows]),
        ]
    group_of = {index: number for number, (_columns, rows) in enumerate(ordered) for index in rows}
    table = "orgs_import_update"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {table} ON COMMIT DROP AS "  # noqa: S608 - names from the code
            f"SELECT id, 0 AS grp, {', '.join(UPDATE_COLUMNS)} FROM {Organization._meta.db_table} LIMIT 0"
        )
        copy_rows(
            table,
            ["id", "grp", *UPDATE_COLUMNS],
            (
                [org.pk, group_of[index], *(getattr(org, c) for c in UPDATE_COLUMNS)]
                for index, (org, _columns) in enumerate(changed)
            ),
        )
        done = 0
        # The update trigger would attach the history context and write one event per row;
        # off, the events are written afterwards in one statement, as the trigger writes them
        # (every row changes: its version at least).
        with history_triggers_off(Organization._meta.db_table, "update"):
            for number, (group_columns, rows) in enumerate(ordered):
                assignments = "".join(f"{c} = t.{c}, " for c in group_columns)
                cursor.execute(
                    f"UPDATE {Organization._meta.db_table} o SET {assignments}"  # noqa: S608 - names from the code
                    f"version = o.version + 1, updated_at = %s FROM {table} t WHERE t.id = o.id AND t.grp = %s",
                    [now, number],
                )
                done += len(rows)
                report(done)
        record_events(Organization, [org.pk for org, _columns in changed], "update")
        cursor.execute(f"DROP TABLE {table}")
