"""Accounts: users of the portal and their memberships in league units."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
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

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

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
