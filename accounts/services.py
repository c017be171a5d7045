"""Managing who belongs to a league unit (only a unit's administrators, or those of a unit
above it, may do it), and a user's own credentials: API tokens, "log out everywhere".

The services follow the portal's convention (`verb_noun(actor, pk, ...)`, `@service`): the
unit or membership acted on is read with `hubportal.access.get_for(..., Action.MANAGE,
lock=True)` — 404 outside the actor's jurisdiction, 403 when they may only see it — and a new
account's welcome mail goes through the outbox with the change that created the account.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from hubportal.access import NotVisible, get_for, parse_pk
from hubportal.jurisdiction import Action
from hubportal.outbox import queue_message
from hubportal.services import service
from orgs.models import LeagueUnit

from .models import ApiToken, Membership, User


@service
def add_member(
    actor: Any,
    unit_pk: Any,
    *,
    username: str,
    role: str,
    full_name: str = "",
    email: str = "",
    phone: str = "",
    position: str = "",
    domain: str = "localhost",
    secure: bool = True,
) -> Membership:
    """Give a person a role in the unit, creating their account if it does not exist yet.

    A new account gets no password: the person is mailed a link to set their own (built for
    `domain`, over https when `secure`).
    """
    unit = get_for(actor, LeagueUnit, unit_pk, Action.MANAGE, lock=True)
    _check_role(role)
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        if not email:
            raise ValidationError(
                {"email": _("A new account needs an e-mail address to receive its set-password link.")}
            )
        user = User(username=username, full_name=full_name, email=email, phone=phone)
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
    if Membership.objects.filter(user=user, unit=unit).exists():
        raise ValidationError(
            {"username": _("%(user)s already belongs to %(unit)s.") % {"user": user, "unit": unit}}
        )
    membership = Membership.objects.create(user=user, unit=unit, role=role, position=position)
    if created:
        _queue_welcome(user, domain=domain, secure=secure)
    return membership


def _queue_welcome(user: User, *, domain: str, secure: bool) -> None:
    """The set-password link of a new account (the password-reset flow, worded as a welcome),
    written in the portal's language. Sensitive: the link leaves the outbox row once sent."""
    context = {
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "domain": domain,
        "protocol": "https" if secure else "http",
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = "".join(render_to_string("accounts/welcome_subject.txt", context).splitlines())
        body = render_to_string("accounts/welcome_email.txt", context)
    queue_message(subject=subject, body=body, email=user.email, user=user, tags=("welcome",), sensitive=True)


def _check_role(role: str) -> None:
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Choose one of the roles.")})


@service
def change_role(actor: Any, membership_pk: Any, role: str) -> Membership:
    """Give a member another role in their unit (an administrator cannot lower their own)."""
    membership = get_for(
        actor, Membership.objects.select_related("unit", "user"), membership_pk, Action.MANAGE, lock=True
    )
    _check_role(role)
    if membership.user_id == actor.pk and role != Membership.Role.ADMIN:
        raise ValidationError(_("You cannot lower your own role; ask another administrator."))
    if membership.role == role:
        return membership
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@service
def remove_member(actor: Any, membership_pk: Any) -> None:
    """Take a member out of their unit (an administrator cannot remove themselves)."""
    membership = get_for(actor, Membership, membership_pk, Action.MANAGE, lock=True)
    if membership.user_id == actor.pk:
        raise ValidationError(_("You cannot remove yourself from a unit; ask another administrator."))
    membership.delete()


# A user's own credentials ----------------------------------------------------------------


@service
def issue_api_token(actor: Any, *, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for the actor's own account, valid `HUB_API_TOKEN_DAYS` days.

    Returns the token and its key: the key is shown to the user this once, only its hash is
    kept. At most `HUB_API_TOKENS_PER_USER` tokens are valid at a time (the user's expired
    ones are deleted here)."""
    user = User.objects.select_for_update().get(pk=actor.pk)  # one issue at a time per user
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    name = (name or "").strip()
    if len(name) > 64:
        raise ValidationError({"name": _("A token's name has at most 64 characters.")})
    limit = settings.HUB_API_TOKENS_PER_USER
    if ApiToken.objects.filter(user=user).count() >= limit:
        raise ValidationError(
            _(
                "You already have %(n)d valid API tokens, the most an account may hold. Revoke one "
                "you no longer use on your account page, then ask again."
            )
            % {"n": limit}
        )
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user,
        name=name or _("Token of %(date)s") % {"date": timezone.localtime(now).strftime("%Y-%m-%d %H:%M")},
        key_hash=ApiToken.hash_key(key),
        prefix=key[: ApiToken.PREFIX_LENGTH],
        created_at=now,
        expires_at=now + timedelta(days=settings.HUB_API_TOKEN_DAYS),
    )
    return token, key


@service
def revoke_api_token(actor: Any, token_pk: Any) -> None:
    """Revoke one of the actor's own API tokens (another user's token does not exist for them)."""
    token = ApiToken.objects.filter(user_id=actor.pk, pk=parse_pk(token_pk)).select_for_update().first()
    if token is None:
        raise NotVisible()
    token.delete()


@service
def log_out_everywhere(actor: Any) -> User:
    """End every session of the actor's account and revoke all their API tokens.

    A new session salt changes the hash every session carries, so every session — this one
    too — stops verifying; the page that asks keeps its own by `update_session_auth_hash`
    with the returned user."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    user.session_salt = secrets.token_hex(16)
    user.save(update_fields=["session_salt"])
    ApiToken.objects.filter(user=user).delete()
    return user
