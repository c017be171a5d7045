"""Accounts: users of the portal and their memberships in league units."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from hubportal.history import track
from hubportal.jurisdiction import Action, JurisdictionQuerySet


class User(AbstractUser):
    """A person with a login: a cadre (through memberships), an assessor, an organization's
    representative, or several of these at once."""

    full_name = models.CharField(
        _("full name"),
        max_length=64,
        blank=True,
        help_text=_("Family name first, as written in Chinese, e.g. 王小明."),
    )
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    is_assessor = models.BooleanField(
        _("expert assessor"),
        default=False,
        help_text=_("Member of the expert panel that scores star ratings."),
    )
    is_representative = models.BooleanField(
        _("organization representative"),
        default=False,
        help_text=_("Represents a youth organization that registered itself."),
    )
    # Mixed into the hash every session carries: changing it ends all the user's sessions
    # ("log out everywhere"); empty for an account that never did, which keeps Django's hash.
    session_salt = models.CharField(_("session salt"), max_length=32, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_session_auth_hash(self) -> str:
        return self._session_hash()

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret)

    def _session_hash(self, secret: Any = None) -> str:
        """Django's session hash (an HMAC of the password hash), with the salt mixed in."""
        value = f"{self.password}:{self.session_salt}" if self.session_salt else self.password
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            value,
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saving a new password, or a deactivation, revokes the account's API tokens (the
        sessions end by themselves: their hash covers the password, and an inactive
        account cannot authenticate). Whichever path saves it: the password-change and
        reset pages, the admin, `manage.py changepassword`."""
        password_changed = self.__dict__.get("_password") is not None  # set_password() sets it until saved
        super().save(*args, **kwargs)
        if (password_changed or not self.is_active) and self.pk is not None:
            ApiToken.objects.filter(user_id=self.pk).delete()

    # Jurisdiction is computed once per request from the memberships, then kept on the object.
    def jurisdiction_paths(self, action: Action = Action.VIEW) -> list[str]:
        cache = self.__dict__.setdefault("_jurisdiction_cache", {})
        if "memberships" not in cache:
            cache["memberships"] = list(self.memberships.select_related("unit").order_by("unit__path"))
        roles = Membership.Role.for_action(action)
        return [m.unit.path for m in cache["memberships"] if m.role in roles]

    def member_units(self) -> list:
        self.jurisdiction_paths()
        return [m.unit for m in self.__dict__["_jurisdiction_cache"]["memberships"]]

    @property
    def is_cadre(self) -> bool:
        return bool(self.member_units())

    @property
    def primary_unit(self):
        """The highest unit the user belongs to: the default scope of their home page."""
        units = self.member_units()
        return min(units, key=lambda u: (u.depth, u.path)) if units else None


@track()
class Membership(models.Model):
    """A cadre's role in one league unit; it grants that role over the unit's subtree."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        EDITOR = "editor", _("Editor")
        VIEWER = "viewer", _("Viewer")

        @classmethod
        def for_action(cls, action: Action) -> set[str]:
            if action == Action.VIEW:
                return {cls.ADMIN, cls.EDITOR, cls.VIEWER}
            if action == Action.CHANGE:
                return {cls.ADMIN, cls.EDITOR}
            return {cls.ADMIN}

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        "orgs.LeagueUnit", verbose_name=_("league unit"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    position = models.CharField(
        _("position"), max_length=64, blank=True, help_text=_("e.g. 书记, 副书记, 干事")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="membership_unique_user_unit")]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A key for `Authorization: Token <key>`: several per user, each named, each expiring.

    Only a hash of the key is stored (the key is shown once, when it is issued); a token is
    deleted when it is revoked, when its user changes their password, logs out everywhere or
    is deactivated. `accounts.authentication.ApiTokenAuthentication` reads it."""

    KEY_BYTES = 20  # 40 hexadecimal characters
    PREFIX_LENGTH = 6

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=64)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        _("key begins with"), max_length=8, editable=False, help_text=_("To recognise the key; not secret.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "expires_at"], name="apitoken_user_expires")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="apitoken_expires_after_creation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        """The stored form of a key: SHA-256 (a random 160-bit key needs no slow hash)."""
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    @classmethod
    def new_key(cls) -> str:
        return secrets.token_hex(cls.KEY_BYTES)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
