"""修身团员卡 and 修身志愿者卡: the member cards issued to league members aged 14–28 and the
volunteer cards issued to volunteers (Zhongshan's plan: 10,000–30,000 in the first year,
every member by 2014, every volunteer by 2015).

A `Holder` is a member or volunteer known to the portal, registered with the unit that
issues their cards; a `Card` is one card with its number, issuing unit, date and status
(active, lost, revoked, expired). The share of known members and volunteers holding a valid
card is what the targets measure.

Personal data (ID number, phone, birth date) is the holder's: shown only to the cadres of
the holder's unit, masked everywhere else (lists, exports, the API). The QR code on a card
opens a public page that says only whether the card is valid and which unit issued it.
"""

from __future__ import annotations

import datetime
import secrets

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hubportal.collation import pinyin
from hubportal.history import track
from hubportal.jurisdiction import JurisdictionQuerySet
from orgs.models.registry import mask_id_number, mask_phone
from orgs.validators import validate_id_number

MEMBER_MIN_AGE, MEMBER_MAX_AGE = 14, 28
TOKEN_BYTES = 16

validate_card_number = RegexValidator(
    r"^[A-Za-z0-9-]{4,32}$",
    _("A card number has 4 to 32 letters, digits or hyphens."),
)


def new_token() -> str:
    """The secret in a card's QR code: unguessable, so the public page cannot be walked."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def member_age_limits(birth_date: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first day a person may hold a member card (14th birthday) and the last (the day
    before the 29th birthday: still 28)."""
    return add_years(birth_date, MEMBER_MIN_AGE), add_years(
        birth_date, MEMBER_MAX_AGE + 1
    ) - datetime.timedelta(days=1)


class HolderQuerySet(JurisdictionQuerySet):
    pass


class CardQuerySet(JurisdictionQuerySet):
    def valid_on(self, day: datetime.date) -> CardQuerySet:
        """Active cards not past their expiry date on `day`."""
        return self.filter(status=Card.Status.ACTIVE).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=day)
        )


@track()
class Holder(models.Model):
    """A league member or a volunteer known to the portal, registered with a unit."""

    unit = models.ForeignKey(
        "orgs.LeagueUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="card_holders",
        help_text=_("The league unit the person belongs to; it issues their cards."),
    )
    name = models.CharField(_("name"), max_length=64, help_text=_("Family name first, e.g. 王小明."))
    id_number = models.CharField(
        _("ID card number"), max_length=18, unique=True, validators=[validate_id_number]
    )
    birth_date = models.DateField(_("birth date"))
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    is_member = models.BooleanField(_("league member"), default=False)
    is_volunteer = models.BooleanField(_("volunteer"), default=False)
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)
    # Optimistic locking: the version an editor read, moved on by every change
    # (`hubportal.services.check_version`); the database default serves rows written by COPY.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    objects = HolderQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("card holder")
        verbose_name_plural = _("card holders")
        ordering = ["unit", "name", "pk"]
        indexes = [
            # The shares of members holding a card read the holders of a subtree from the index alone.
            models.Index(
                fields=["unit", "created_at"],
                name="cards_holder_unit_entered",
                include=["is_member", "is_volunteer", "id"],
            ),
            # The lists search a holder by the beginning of the name (LIKE 'prefix%').
            models.Index(fields=["name"], name="cards_holder_name_prefix", opclasses=["varchar_pattern_ops"]),
            # The holder list's default order (pinyin, hubportal.collation) read from an index, not a
            # sort of a million holders.
            models.Index(pinyin("name"), F("id"), name="cards_holder_name_pinyin"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_member=True) | Q(is_volunteer=True),
                name="cards_holder_member_or_volunteer",
                violation_error_message=_("A card holder is a league member, a volunteer, or both."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cards:holder_detail", args=[self.pk])

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


@track(exclude=["token"])
class Card(models.Model):
    """One 修身团员卡 or 修身志愿者卡."""

    class Kind(models.TextChoices):
        MEMBER = "member", _("Member card (修身团员卡)")
        VOLUNTEER = "volunteer", _("Volunteer card (修身志愿者卡)")

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("card status", "Active")
        LOST = "lost", _("Reported lost")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    number = models.CharField(_("card number"), max_length=32, unique=True, validators=[validate_card_number])
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    holder = models.ForeignKey(
        Holder, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="cards"
    )
    issuing_unit = models.ForeignKey(
        "orgs.LeagueUnit", verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="cards"
    )
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # When the portal recorded the last change of status (lost, revoked, expired).
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    token = models.CharField(
        _("verification token"), max_length=32, unique=True, default=new_token, editable=False
    )
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    objects = CardQuerySet.as_manager()
    jurisdiction_field = "issuing_unit"

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        ordering = ["-issued_on", "-pk"]
        indexes = [
            models.Index(fields=["issuing_unit", "kind", "created_at"], name="cards_card_unit_kind_entered"),
            models.Index(fields=["-issued_on", "-id"], name="cards_card_list_order"),
            # Whether a holder had a valid card at a date, from the index alone (the card shares).
            models.Index(
                fields=["holder", "kind"],
                name="cards_card_validity",
                include=["status", "status_changed_at", "created_at", "expires_on"],
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "kind"],
                condition=Q(status="active"),
                name="cards_one_active_card_per_kind",
                violation_error_message=_("This person already holds an active card of this kind."),
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("issued_on")),
                name="cards_card_expires_after_issue",
                violation_error_message=_("A card cannot expire before it is issued."),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("cards:card_detail", args=[self.pk])

    def verify_url(self) -> str:
        return reverse("cards:verify", args=[self.token])

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.status == self.Status.ACTIVE and (self.expires_on is None or self.expires_on >= day)
