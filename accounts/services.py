"""Managing who belongs to a league unit. Only a unit's administrators (or those of a unit
above it) may do it; every change is checked again inside the transaction."""

from __future__ import annotations

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from hubportal.jurisdiction import Action
from orgs.models import LeagueUnit

from .models import Membership, User


def _managed_unit(actor: User, unit_id: int) -> LeagueUnit:
    unit = LeagueUnit.objects.visible_to(actor, Action.MANAGE).select_for_update().filter(pk=unit_id).first()
    if unit is None:
        raise PermissionDenied(
            _("Only administrators of this unit or a unit above it may manage its members.")
        )
    return unit


@transaction.atomic
def add_member(
    actor: User,
    unit_id: int,
    *,
    username: str,
    role: str,
    full_name: str = "",
    email: str = "",
    phone: str = "",
    position: str = "",
    request=None,
) -> Membership:
    """Give a person a role in the unit, creating their account if it does not exist yet.

    A new account gets no password: the person receives a link to set their own.
    """
    unit = _managed_unit(actor, unit_id)
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
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
        transaction.on_commit(lambda: _send_welcome(user, request))
    return membership


def _send_welcome(user: User, request=None) -> None:
    """Mail a new account its set-password link (the password-reset flow, worded as a welcome).

    Django's reset form skips accounts without a usable password, so the mail is built here.
    """
    context = {
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "domain": request.get_host() if request is not None else "localhost",
        "protocol": "https" if request is not None and request.is_secure() else "http",
    }
    PasswordResetForm().send_mail(
        "accounts/welcome_subject.txt", "accounts/welcome_email.txt", context, None, user.email
    )


@transaction.atomic
def change_role(actor: User, membership_id: int, role: str) -> Membership:
    membership = Membership.objects.select_related("unit", "user").get(pk=membership_id)
    _managed_unit(actor, membership.unit_id)
    if membership.user_id == actor.pk and role != Membership.Role.ADMIN:
        raise ValidationError(_("You cannot lower your own role; ask another administrator."))
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(actor: User, membership_id: int) -> None:
    membership = Membership.objects.select_related("unit").get(pk=membership_id)
    _managed_unit(actor, membership.unit_id)
    if membership.user_id == actor.pk:
        raise ValidationError(_("You cannot remove yourself from a unit; ask another administrator."))
    membership.delete()
