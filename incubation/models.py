"""亲青家园: incubation bases, their residents, the services delivered, and incubation funds.

State changes (apply, admit, graduate, raise, grant, reverse ...) go through
`incubation.services`; the models hold what the schema can say: choices, constraints,
partial unique indexes and the stored fund balance that may never go below zero.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from hubportal.fields import MoneyField
from hubportal.history import track

from .querysets import (
    BaseQuerySet,
    FundMovementQuerySet,
    FundQuerySet,
    IncubationQuerySet,
    ResidencyQuerySet,
)


class Service(models.TextChoices):
    """What a base offers its residents and what a delivery log entry records."""

    FREE_OFFICE = "free_office", _("Free office space")
    FURNITURE = "furniture_logistics", _("Furniture and logistics")
    REGISTRATION = "registration", _("Registration counselling (注册辅导)")
    FINANCIAL_CUSTODY = "financial_custody", _("Financial custody (财务托管)")
    PURCHASED_SERVICES = "purchased_services", _("Brokering of government-purchased services (购买服务)")
    TRAINING = "training", _("Training")
    VENUE = "venue", _("Venue")
    NETWORK = "network", _("Online space")


@track()
class IncubationBase(models.Model):
    """A Qinqing Home incubation base owned by a league unit at any level.

    A physical base has work stations (its capacity: residents admitted or incubating may
    not exceed them); a network-type base (网络型) is an online space without capacity.
    Each base is paired one-to-one with a youth-federation group (小组基地一对一结对).
    """

    class Type(models.TextChoices):
        PHYSICAL = "physical", _("Physical")
        NETWORK = "network", _("Network-type (网络型)")

    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey(
        "orgs.LeagueUnit",
        verbose_name=_("owning unit"),
        on_delete=models.PROTECT,
        related_name="incubation_bases",
    )
    base_type = models.CharField(_("type"), max_length=16, choices=Type.choices, default=Type.PHYSICAL)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    floor_area = models.DecimalField(
        _("floor area (m²)"),
        max_digits=9,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    work_stations = models.PositiveIntegerField(
        _("work stations"),
        null=True,
        blank=True,
        help_text=_(
            "The capacity: how many organizations can be resident at once. Required for a physical base."
        ),
    )
    services = ArrayField(
        models.CharField(max_length=24, choices=Service.choices),
        verbose_name=_("services offered"),
        default=list,
        blank=True,
    )
    opened_on = models.DateField(_("opening date"))
    description = models.TextField(_("description"), blank=True)
    paired_group_name = models.CharField(
        _("paired youth-federation group"),
        max_length=100,
        blank=True,
        help_text=_("The youth-federation group the base is paired with one-to-one (小组基地一对一结对)."),
    )
    paired_group_contact = models.CharField(_("contact of the paired group"), max_length=100, blank=True)
    # Bumped by every edit; an edit made on an older copy is refused (optimistic locking).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BaseQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("Qinqing Home base")
        verbose_name_plural = _("Qinqing Home bases")
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["opened_on"], name="incbase_opened_on"),
            GinIndex(fields=["services"], name="incbase_services"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(base_type="network") | Q(work_stations__gt=0),
                name="incbase_physical_has_work_stations",
                violation_error_message=_("A physical base needs at least one work station."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="incbase_coordinates_pair_in_range",
                violation_error_message=_("Give both latitude and longitude, or neither."),
            ),
            models.CheckConstraint(
                condition=Q(floor_area__isnull=True) | Q(floor_area__gt=0), name="incbase_floor_area_positive"
            ),
            models.UniqueConstraint(
                fields=["paired_group_name"],
                condition=~Q(paired_group_name=""),
                name="incbase_paired_group_unique",
                violation_error_message=_("This youth-federation group is already paired with another base."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("incubation:base_detail", args=[self.pk])

    @property
    def is_physical(self) -> bool:
        return self.base_type == self.Type.PHYSICAL

    def service_labels(self) -> list[str]:
        labels = dict(Service.choices)
        return [str(labels.get(s, s)) for s in self.services]

    # Labels of the values that `with_stars()`, `with_residents()` and `with_checklist_score()`
    # annotate; list pages always annotate, so these never query.
    @property
    def stars_label(self) -> str:
        stars = getattr(self, "stars", None)
        if stars:
            return "★" * stars
        return str(_("Rating expired") if getattr(self, "rated_year", None) else _("Not yet rated"))

    @property
    def occupancy_label(self) -> str:
        residents = getattr(self, "residents", 0) or 0
        if not self.is_physical:
            return str(_("%(n)d (network-type)") % {"n": residents})
        return f"{residents} / {self.work_stations}"

    @property
    def occupancy_percent(self) -> int | None:
        if not self.is_physical or not self.work_stations:
            return None
        return round(100 * (getattr(self, "residents", 0) or 0) / self.work_stations)

    @property
    def checklist_label(self) -> str:
        score = getattr(self, "checklist_score", None)
        return "—" if score is None else f"{score:.0f}%"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.base_type == self.Type.PHYSICAL and not self.work_stations:
            errors["work_stations"] = _("A physical base needs its number of work stations (at least 1).")
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude" if self.longitude is None else "latitude"] = _(
                "Give both latitude and longitude, or neither."
            )
        if errors:
            raise ValidationError(errors)


# Photos -------------------------------------------------------------------------------
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",), "WEBP": (".webp",)}


@deconstructible
class PhotoValidator:
    """A photo: JPEG, PNG or WebP recognised by decoding its content, at most 5 MB."""

    def __call__(self, file: Any) -> None:
        from PIL import Image, UnidentifiedImageError

        size = getattr(file, "size", None) or 0
        if size == 0:
            raise ValidationError(_("The photo is empty."), code="photo_empty")
        if size > MAX_PHOTO_BYTES:
            raise ValidationError(
                _("The photo is %(size).1f MB; at most 5 MB are allowed."),
                code="photo_too_large",
                params={"size": size / 1024 / 1024},
            )
        position = file.tell() if hasattr(file, "tell") else 0
        file.seek(0)
        try:
            with Image.open(BytesIO(file.read())) as image:
                image.verify()
                kind = image.format
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError(
                _("This file is not a readable JPG, PNG or WebP picture."), code="photo_type"
            ) from None
        finally:
            file.seek(position)
        if kind not in PHOTO_FORMATS:
            raise ValidationError(
                _("Only JPG, PNG and WebP photos are accepted; this one is %(kind)s."),
                code="photo_type",
                params={"kind": kind or "?"},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PhotoValidator)


validate_photo = PhotoValidator()


def photo_upload_to(instance: BasePhoto, filename: str) -> str:
    return f"incubation/bases/{instance.base_id}/{timezone.now():%Y%m}/{filename}"


@track()
class BasePhoto(models.Model):
    """A photo of a base, shown on its page and on the public list."""

    base = models.ForeignKey(
        IncubationBase, verbose_name=_("base"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(
        _("photo"), upload_to=photo_upload_to, max_length=255, validators=[validate_photo]
    )
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = IncubationQuerySet.as_manager()
    jurisdiction_field = "base__unit"

    class Meta:
        verbose_name = _("base photo")
        verbose_name_plural = _("base photos")
        ordering = ["base", "-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name or ""

    def get_absolute_url(self) -> str:
        return self.base.get_absolute_url()


# The standard checklist (标准化建设手册) -------------------------------------------------
@track()
class ChecklistItem(models.Model):
    """One item of the 亲青家园 standard-construction manual; weights make the score."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    text = models.CharField(_("requirement"), max_length=300)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="checklistitem_weight_positive")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


@track()
class BaseChecklistResult(models.Model):
    """Whether a base meets one checklist item, as checked on a date."""

    base = models.ForeignKey(
        IncubationBase, verbose_name=_("base"), on_delete=models.CASCADE, related_name="checklist_results"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("checklist item"), on_delete=models.PROTECT, related_name="results"
    )
    met = models.BooleanField(_("met"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    checked_on = models.DateField(_("checked on"), default=timezone.localdate)

    objects = IncubationQuerySet.as_manager()
    jurisdiction_field = "base__unit"

    class Meta:
        verbose_name = _("checklist result")
        verbose_name_plural = _("checklist results")
        ordering = ["base", "item__order", "item__code"]
        constraints = [models.UniqueConstraint(fields=["base", "item"], name="checklistresult_unique_item")]

    def __str__(self) -> str:
        return f"{self.base} · {self.item.code}"


@track()
class BaseRating(models.Model):
    """A base's star rating for one year; filled by the evaluation rounds."""

    base = models.ForeignKey(
        IncubationBase, verbose_name=_("base"), on_delete=models.CASCADE, related_name="ratings"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    stars = models.PositiveSmallIntegerField(_("stars"))
    source = models.CharField(
        _("source"), max_length=100, blank=True, help_text=_("e.g. the assessment round")
    )
    rated_on = models.DateField(_("rated on"), default=timezone.localdate)
    # The last day the rating counts (a final star rating's validity); empty: no end was given.
    # The lists' stars and their filter read the latest rating still valid.
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    objects = IncubationQuerySet.as_manager()
    jurisdiction_field = "base__unit"

    class Meta:
        verbose_name = _("star rating")
        verbose_name_plural = _("star ratings")
        ordering = ["base", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["base", "year"], name="baserating_one_per_year"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="baserating_stars_1_5"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="baserating_year_range"),
        ]

    def __str__(self) -> str:
        return f"{self.base} {self.year}: {self.stars}★"

    @property
    def stars_label(self) -> str:
        return "★" * self.stars


# Residencies ------------------------------------------------------------------------------
@track()
class Residency(models.Model):
    """An organization's stay at a base: applied → admitted → incubating → graduated or
    exited (or declined at the start).

    `is_physical` copies the base's type so that PostgreSQL itself can refuse a second
    active residency of one organization in physical bases (a partial unique index).
    """

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        ADMITTED = "admitted", _("Admitted")
        INCUBATING = "incubating", _("Incubating")
        GRADUATED = "graduated", _("Graduated")
        EXITED = "exited", _("Exited")
        DECLINED = "declined", _("Declined")

    class Outcome(models.TextChoices):
        REGISTERED = "registered", _("Registered as an entity (实体化)")
        PURCHASED_SERVICE = "purchased_service", _("Won a government-purchased service contract")
        BACKBONE = "backbone", _("Became a backbone organization (≥ 1,000 youth)")

    OPEN = (Status.APPLIED, Status.ADMITTED, Status.INCUBATING)
    RESIDENT = (Status.ADMITTED, Status.INCUBATING)  # occupying a work station
    INCUBATED = (Status.ADMITTED, Status.INCUBATING, Status.GRADUATED, Status.EXITED)

    base = models.ForeignKey(
        IncubationBase, verbose_name=_("base"), on_delete=models.PROTECT, related_name="residencies"
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="residencies",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.APPLIED)
    is_physical = models.BooleanField(_("in a physical base"), default=True, editable=False)
    applied_on = models.DateField(_("applied on"), default=timezone.localdate)
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    started_on = models.DateField(_("incubation started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    outcomes = ArrayField(
        models.CharField(max_length=24, choices=Outcome.choices),
        verbose_name=_("outcome of graduation"),
        default=list,
        blank=True,
    )
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("Why the application was declined or the organization exited.")
    )
    note = models.TextField(_("application note"), blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ResidencyQuerySet.as_manager()
    jurisdiction_field = "base__unit"

    class Meta:
        verbose_name = _("residency")
        verbose_name_plural = _("residencies")
        ordering = ["-applied_on", "-pk"]
        indexes = [
            models.Index(fields=["base", "status"], name="residency_base_status"),
            models.Index(fields=["status", "admitted_on"], name="residency_status_admitted"),
            # The lists' default order (newest application first): a page is an index walk.
            models.Index(fields=["-applied_on", "id"], name="residency_applied_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_physical=True, status__in=["admitted", "incubating"]),
                name="residency_one_physical_base_at_a_time",
                violation_error_message=_("The organization is already resident in a physical base."),
            ),
            models.UniqueConstraint(
                fields=["base", "organization"],
                condition=Q(status__in=["applied", "admitted", "incubating"]),
                name="residency_one_open_per_base",
                violation_error_message=_("The organization already has an open application at this base."),
            ),
            models.CheckConstraint(
                condition=~Q(status="graduated") | ~Q(outcomes=[]), name="residency_graduated_has_outcome"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["applied", "declined"]) | Q(admitted_on__isnull=False),
                name="residency_admitted_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["graduated", "exited", "declined"]) | Q(ended_on__isnull=False),
                name="residency_closed_has_end_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} @ {self.base}"

    def get_absolute_url(self) -> str:
        return reverse("incubation:residency_detail", args=[self.pk])

    def outcome_labels(self) -> list[str]:
        labels = dict(self.Outcome.choices)
        return [str(labels.get(o, o)) for o in self.outcomes]


@track()
class ServiceDelivery(models.Model):
    """One dated service a base delivered to a resident (the service log)."""

    residency = models.ForeignKey(
        Residency, verbose_name=_("residency"), on_delete=models.CASCADE, related_name="deliveries"
    )
    service_type = models.CharField(_("service"), max_length=24, choices=Service.choices)
    date = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, default=Decimal("1"))
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delivered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = IncubationQuerySet.as_manager()
    jurisdiction_field = "residency__base__unit"

    class Meta:
        verbose_name = _("service delivered")
        verbose_name_plural = _("services delivered")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["residency", "date"], name="delivery_residency_date")]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0, hours__lte=1000), name="delivery_hours_range"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_service_type_display()}"

    def get_absolute_url(self) -> str:
        return self.residency.get_absolute_url()


@track()
class Milestone(models.Model):
    """A dated milestone of an organization, reached during (or after) a residency."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered as an entity")
        FIRST_CONTRACT = "first_contract", _("First government-purchased service contract")
        YOUTH_1000 = "youth_1000", _("Covers 1,000 young people or more")

    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="milestones",
    )
    residency = models.ForeignKey(
        Residency,
        verbose_name=_("residency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="milestones",
    )
    kind = models.CharField(_("milestone"), max_length=24, choices=Kind.choices)
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = IncubationQuerySet.as_manager()
    jurisdiction_field = "organization__governing_unit"

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="milestone_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.get_kind_display()} ({self.date})"


# Funds ------------------------------------------------------------------------------------
@track()
class IncubationFund(models.Model):
    """A unit's incubation fund (孵化基金 / 培育基金); at most one per unit.

    `balance` is kept by the services in the same transaction as each movement, under a
    row lock, and the schema refuses a negative balance; `with_computed_balance()` recomputes
    it from the movements, so the two can be compared.
    """

    unit = models.ForeignKey(
        "orgs.LeagueUnit",
        verbose_name=_("owning unit"),
        on_delete=models.PROTECT,
        related_name="incubation_funds",
    )
    name = models.CharField(_("name"), max_length=100)
    established_on = models.DateField(_("established on"))
    description = models.TextField(_("description"), blank=True)
    balance = MoneyField(_("balance (yuan)"), default=Decimal("0.00"), editable=False)
    # Bumped by every edit of the fund's own fields (not by money movements, which never
    # conflict with an edit); an edit made on an older copy is refused.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = FundQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("incubation fund")
        verbose_name_plural = _("incubation funds")
        ordering = ["unit__path", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                name="fund_one_per_unit",
                violation_error_message=_("This unit already has an incubation fund."),
            ),
            models.CheckConstraint(condition=Q(balance__gte=0), name="fund_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("incubation:fund_detail", args=[self.pk])


@track()
class FundMovement(models.Model):
    """Money into or out of a fund: raised (in), granted (out) or the reversal of a grant (in).

    Movements are never edited or deleted; a wrong grant is reversed by a new movement.
    """

    class Kind(models.TextChoices):
        RAISED = "raised", _("Money raised")
        GRANTED = "granted", _("Grant")
        REVERSAL = "reversal", _("Reversal of a grant")

    fund = models.ForeignKey(
        IncubationFund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="movements"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = MoneyField(_("amount (yuan)"))
    date = models.DateField(_("date"))
    purpose = models.CharField(
        _("source or purpose"),
        max_length=200,
        help_text=_("Where the money came from, or what the grant is for."),
    )
    grantee_base = models.ForeignKey(
        IncubationBase,
        verbose_name=_("grantee base"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants",
    )
    grantee_organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("grantee organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incubation_grants",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses grant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
    )
    approved_by = models.CharField(
        _("approved by"),
        max_length=100,
        blank=True,
        help_text=_("The person or meeting that approved the grant."),
    )
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    objects = FundMovementQuerySet.as_manager()
    jurisdiction_field = "fund__unit"

    class Meta:
        verbose_name = _("fund movement")
        verbose_name_plural = _("fund movements")
        ordering = ["fund_id", "date", "pk"]
        indexes = [models.Index(fields=["fund", "date"], name="fundmovement_fund_date")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fundmovement_amount_positive"),
            models.CheckConstraint(
                condition=(
                    Q(kind="granted", reverses__isnull=True)
                    & (
                        Q(grantee_base__isnull=False, grantee_organization__isnull=True)
                        | Q(grantee_base__isnull=True, grantee_organization__isnull=False)
                    )
                )
                | Q(
                    kind="raised",
                    grantee_base__isnull=True,
                    grantee_organization__isnull=True,
                    reverses__isnull=True,
                )
                | Q(
                    kind="reversal",
                    grantee_base__isnull=True,
                    grantee_organization__isnull=True,
                    reverses__isnull=False,
                ),
                name="fundmovement_grantee_by_kind",
                violation_error_message=_("A grant goes to exactly one base or organization."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} ¥{self.amount}"

    def get_absolute_url(self) -> str:
        return reverse("incubation:fund_detail", args=[self.fund_id])

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.kind == self.Kind.GRANTED else self.amount

    @property
    def grantee(self) -> Any:
        return self.grantee_base or self.grantee_organization
