"""Services of the public self-registration flow (组织登记).

- e-mail / phone verification codes: six digits, only their keyed hash is kept (in the
  session), valid 10 minutes, 5 tries, a new one at most once a minute; the code goes
  through the outbox as a sensitive message (its body is erased once delivered);
- rate limits for the public endpoints, per client address (IP) and, for codes, per address
  the code goes to, counted in the shared cache (`hubportal.ratelimit`, Redis);
- `register_organization`: the group's account, the pending organization, its backbone
  person and documents, in one transaction;
- `correct_registration`: the group's own edit; a returned registration goes back to review.

The review decisions themselves (approve, return, reject) are the core services in
`orgs.services`, which also tell the group what was decided.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hubportal.access import get_for
from hubportal.jurisdiction import Action
from hubportal.outbox import queue_message
from hubportal.ratelimit import RateLimited, client_address, hit_rate_limit, identity
from hubportal.services import service

from . import services
from .models import BackboneMember, LeagueUnit, Organization
from .services import registrable_units

__all__ = ["RateLimited", "client_address", "hit_rate_limit", "registrable_units"]

CODE_TTL_SECONDS = 10 * 60
CODE_MAX_TRIES = 5
CODE_RESEND_SECONDS = 60
VERIFICATION_SESSION_KEY = "orgs.registration.verification"

# Public endpoints: per client address and hour.
SUBMISSIONS_PER_HOUR = 10
CODES_PER_HOUR = 10
# Codes sent to one e-mail address or mobile number, whatever network asks for them.
CODES_PER_RECIPIENT_PER_HOUR = 5

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")

# What a group may type itself on a registration (the cadres' fields stay with the cadres).
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
    "youth_covered",
    "description",
    "contact_person",
    "phone",
    "email",
    "address",
    "governing_unit",
)


def check_submission_allowed(request: Any) -> None:
    """Raise `RateLimited` when this address has submitted too many registrations this hour."""
    if hit_rate_limit("registration", client_address(request), SUBMISSIONS_PER_HOUR):
        raise RateLimited(
            _(
                "Too many registrations were sent from your network in the last hour (at most %(n)d). "
                "Please try again later."
            )
            % {"n": SUBMISSIONS_PER_HOUR}
        )


# Verification codes -------------------------------------------------------------------------


def address_channel(address: str) -> str:
    """“email” or “phone”: where a code for `address` goes; ValidationError when it is neither."""
    address = (address or "").strip()
    if "@" in address:
        return "email"
    if MOBILE_RE.match(address):
        return "phone"
    raise ValidationError(
        gettext_lazy("Enter an e-mail address or an 11-digit mobile number to receive the code."),
        code="verification_address",
    )


def _code_hash(address: str, code: str) -> str:
    return salted_hmac("orgs.registration.code", f"{address.strip().lower()}:{code}").hexdigest()


def send_verification_code(session: Any, address: str, request: Any | None = None) -> str:
    """Send a new six-digit code to `address`; keep only its hash in `session`.

    Refused (ValidationError) when a code went to the same address less than a minute ago,
    or (RateLimited) when this client asked for too many codes this hour, or too many codes
    went to `address` this hour. Returns the channel used (“email” or “phone”).
    """
    address = (address or "").strip()
    channel = address_channel(address)
    now = time.time()
    state = session.get(VERIFICATION_SESSION_KEY)
    if state and state["address"] == address.lower():
        wait = int(state["sent_at"] + CODE_RESEND_SECONDS - now)
        if wait > 0:
            raise ValidationError(
                _("A code was sent less than a minute ago; please wait %(s)d seconds before asking again.")
                % {"s": wait},
                code="verification_resend",
            )
    if request is not None and hit_rate_limit("verification", client_address(request), CODES_PER_HOUR):
        raise RateLimited(_("Too many verification codes were requested from your network; try again later."))
    if hit_rate_limit("verification-to", identity(address), CODES_PER_RECIPIENT_PER_HOUR):
        raise RateLimited(
            _("Too many verification codes were sent to this address in the last hour; try again later.")
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    session[VERIFICATION_SESSION_KEY] = {
        "address": address.lower(),
        "hash": _code_hash(address, code),
        "expires": now + CODE_TTL_SECONDS,
        "sent_at": now,
        "tries": 0,
        "verified": False,
    }
    session.modified = True
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your Qinqinghui verification code")
        body = _(
            "Your verification code for registering on the Qinqinghui Hub Portal is %(code)s. "
            "It is valid for 10 minutes. If you did not ask for it, ignore this message."
        ) % {"code": code}
    # Sensitive: the code is erased from the outbox row once it is delivered.
    with transaction.atomic():
        queue_message(
            subject=subject,
            body=body,
            email=address if channel == "email" else "",
            phone=address if channel == "phone" else "",
            tags=("verification",),
            sensitive=True,
        )
    return channel


def is_verified(session: Any, address: str) -> bool:
    state = session.get(VERIFICATION_SESSION_KEY)
    return bool(state and state["verified"] and state["address"] == (address or "").strip().lower())


def verify_code(session: Any, address: str, code: str) -> None:
    """Accept the code typed for `address`, or raise ValidationError saying exactly why not."""
    address = (address or "").strip()
    if is_verified(session, address):
        return
    state = session.get(VERIFICATION_SESSION_KEY)
    if not state or state["address"] != address.lower():
        raise ValidationError(
            _("Ask for a verification code for this address first."), code="verification_missing"
        )
    if time.time() > state["expires"]:
        raise ValidationError(
            _("The verification code has expired (it is valid for 10 minutes); please ask for a new one."),
            code="verification_expired",
        )
    if state["tries"] >= CODE_MAX_TRIES:
        raise ValidationError(
            _("The code was typed wrong %(n)d times; please ask for a new one.") % {"n": CODE_MAX_TRIES},
            code="verification_tries",
        )
    state["tries"] += 1
    session.modified = True
    code = re.sub(r"\s+", "", code or "")
    if not constant_time_compare(_code_hash(address, code), state["hash"]):
        left = CODE_MAX_TRIES - state["tries"]
        if left <= 0:
            raise ValidationError(
                _("The code was typed wrong %(n)d times; please ask for a new one.") % {"n": CODE_MAX_TRIES},
                code="verification_tries",
            )
        raise ValidationError(
            _("The verification code is wrong; %(n)d tries left.") % {"n": left}, code="verification_wrong"
        )
    state["verified"] = True


# Registration -------------------------------------------------------------------------------


@dataclass
class Registration:
    """Everything a group typed in the wizard, already validated by the forms."""

    organization: dict[str, Any]
    backbone: dict[str, Any]
    username: str
    password_hash: str
    documents: list[tuple[str, UploadedFile]]


@service
def register_organization(actor: Any, registration: Registration) -> tuple[Organization, Any]:
    """Create the group's account and its pending organization, backbone person and documents
    (`actor` is None: the group has no account yet).

    All or nothing: a bad unit or document, or a clash found at the last moment (the credit
    code or the login taken by someone else meanwhile) leaves no account and no organization.
    """
    user_model = get_user_model()
    data = dict(registration.organization)
    if user_model.objects.filter(username__iexact=registration.username).exists():
        raise ValidationError(
            {
                "username": _(
                    "An account for %(login)s already exists; log in with it, or use another address."
                )
                % {"login": registration.username}
            }
        )
    user = user_model(
        username=registration.username,
        email=data.get("email", ""),
        phone=data.get("phone", "") if MOBILE_RE.match(data.get("phone", "")) else "",
        full_name=data.get("contact_person", ""),
        is_representative=True,
    )
    user.password = registration.password_hash
    user.save()
    org = services.create_organization(
        user, {k: v for k, v in data.items() if k in ORGANIZATION_FIELDS}, registration=True
    )
    if registration.backbone.get("name"):
        # The group names its own backbone person; the cadre-side service needs jurisdiction.
        member = BackboneMember(organization=org, **registration.backbone)
        member.full_clean()
        member.save()
    for doc_type, upload in registration.documents:
        services.add_document(user, org.pk, doc_type, upload)
    return org, user


def represented_by(user: Any) -> Any:
    """The organizations `user` represents (the group's own pages read only these)."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(representatives=user)


def own_organization(user: Any, pk: Any) -> Organization:
    """One organization `user` represents, for the group's own pages (404 for any other)."""
    return get_for(
        user,
        represented_by(user).select_related("governing_unit"),
        pk,
        Action.VIEW,
        also=services.representative_of(user),
    )


@service
def correct_registration(
    actor: Any,
    pk: Any,
    data: dict[str, Any],
    version: Any,
    documents: Iterable[tuple[str, UploadedFile]] = (),
) -> Organization:
    """The representative's edit of its own organization, with new documents.

    A returned registration is corrected and goes back to review in the same step; a listed
    organization's key-field edits wait for review in `pending_changes` (the core
    `update_organization` decides which fields apply at once).
    """
    org = services.update_organization(
        actor, pk, {k: v for k, v in data.items() if k in ORGANIZATION_FIELDS}, version
    )
    for doc_type, upload in documents:
        services.add_document(actor, org.pk, doc_type, upload)
    if org.status == Organization.Status.RETURNED:
        org = services.resubmit_registration(actor, org.pk)
    return org


def pending_change_rows(org: Organization) -> list[tuple[str, str, str]]:
    """(field label, current value, value waiting for review) of a listed organization's
    key-field edits: the before/after the reviewer and the group see."""
    rows = []
    unit_ids = [org.pending_changes["governing_unit"]] if org.pending_changes.get("governing_unit") else []
    units = {u.pk: u.name for u in LeagueUnit.objects.filter(pk__in=unit_ids)} if unit_ids else {}
    for field, value in org.pending_changes.items():
        model_field = cast(models.Field, Organization._meta.get_field(field))  # a concrete field
        if field == "governing_unit":
            before, after = org.governing_unit.name, units.get(value, str(value))
        else:
            choices = dict(model_field.choices or [])
            current = getattr(org, field)
            before, after = str(choices.get(current, current)), str(choices.get(value, value))
        rows.append((str(model_field.verbose_name), before, after))
    return rows
