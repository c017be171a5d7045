"""The youth-organization registry (青年社会组织名录): organizations and what hangs from them.

State changes go through `orgs.services`; these models hold the rules that the schema can
say (choices, constraints, indexes) and small derived values.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin

from hubportal.collation import pinyin, pinyin_order
from hubportal.history import track
from hubportal.jurisdiction import JurisdictionQuerySet
from hubportal.personal import BIRTH_DATE, ID_NUMBER, PHONE, mask_id_number, mask_phone
from orgs.querysets import OrganizationQuerySet
from orgs.validators import (
    birth_date_from_id_number,
    validate_credit_code,
    validate_document_file,
    validate_id_number,
)

BACKBONE_YOUTH_THRESHOLD = 1000
# A mainland mobile number, or a landline with its area code (0760-88881234).
PHONE_RE = re.compile(r"1\d{10}|0\d{2,3}-?\d{7,8}")  # 骨干型组织: covers at least this many young people


def name_initials(name: str) -> str:
    """Pinyin initials of a name, lower case, letters and digits only: 中山青年义工联 → zsqnygl."""
    letters = "".join(lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="default"))
    return re.sub(r"[^0-9a-z]", "", letters.lower())


@track(exclude=["name_initials"])
class Organization(models.Model):
    """A youth social organization (青年社会组织) governed by one league unit.

    Public fields (the only ones the public directory may show): name, tier / body / kind,
    category, service fields, the governing unit's town and city, the founding year and the
    short description — see `PUBLIC_FIELDS`. Everything else (contact person, phone, e-mail,
    address, credit code, youth covered, review state, pending changes, representatives) is
    internal to the cadres whose jurisdiction covers the governing unit, and to the
    organization's own representatives.

    `youth_covered >= 1000` makes a backbone organization (骨干型组织): a queryset method,
    not a stored flag. `version` is bumped on every edit; an edit based on an older version is
    refused (optimistic locking).
    """

    PUBLIC_FIELDS = (
        "name",
        "tier",
        "body",
        "kind",
        "category",
        "service_fields",
        "founded_on",
        "description",
    )
    # Changes to these by a representative of a listed organization go back to review.
    KEY_FIELDS = ("name", "credit_code", "registration_status", "governing_unit")

    class Tier(models.TextChoices):
        FIVE = "5", _("5: in-system association")
        TWO = "2", _("2: migrant committee or federation")
        N = "N", _("N: other youth organization")

    class Body(models.TextChoices):
        YOUTH_FEDERATION = "youth_federation", _("Youth federation (青联)")
        YOUNG_ENTREPRENEURS = "young_entrepreneurs", _("Young entrepreneurs' association (青企协/青商)")
        VOLUNTEERS = "volunteers", _("Volunteers' association (青志协/义工联)")
        STUDENT_FEDERATION = "student_federation", _("Student federation (学联)")
        YOUTH_SCIENCE = "youth_science", _("Youth science and technology association (青科协)")
        MIGRANT_COMMITTEE = "migrant_committee", _("League working committee for migrant youth (驻外团工委)")
        FEDERATION = (
            "federation",
            _("Federation of youth social organizations (青年自组织联盟/青年社会组织联合会)"),
        )

    BODIES_BY_TIER: dict[str, tuple[str, ...]] = {
        Tier.FIVE: (
            Body.YOUTH_FEDERATION,
            Body.YOUNG_ENTREPRENEURS,
            Body.VOLUNTEERS,
            Body.STUDENT_FEDERATION,
            Body.YOUTH_SCIENCE,
        ),
        Tier.TWO: (Body.MIGRANT_COMMITTEE, Body.FEDERATION),
    }

    class Kind(models.TextChoices):
        SOCIAL_ORGANIZATION = "social_organization", _("Youth social organization")
        SOCIAL_ENTERPRISE = "social_enterprise", _("Social enterprise (社会企业)")
        COMMUNITY_COLLEGE = "community_college", _("Youth community college (青年社区学院)")

    class Category(models.TextChoices):
        INTEREST = "interest", _("Interest (兴趣类)")
        MUTUAL_AID = "mutual_aid", _("Mutual aid (互助类)")
        PUBLIC_WELFARE = "public_welfare", _("Public welfare (公益类)")
        EMPLOYMENT = "employment", _("Employment and entrepreneurship (就业创业类)")

    class ServiceField(models.TextChoices):
        EDUCATION = "education", _("Education")
        ELDERLY = "elderly", _("Elderly care")
        ECOLOGY = "ecology", _("Ecology and environment")
        COMMUNITY = "community", _("Community service")
        CULTURE_SPORTS = "culture_sports", _("Culture and sports")
        HEALTH = "health", _("Health")
        LEGAL_AID = "legal_aid", _("Legal aid")
        POVERTY_RELIEF = "poverty_relief", _("Poverty relief")
        DISABILITY = "disability", _("Disability support")
        CHILDREN = "children", _("Children and adolescents")
        EMPLOYMENT = "employment", _("Employment and entrepreneurship")
        EMERGENCY = "emergency", _("Emergency relief")
        MIGRANT_YOUTH = "migrant_youth", _("Migrant youth")
        SCIENCE = "science", _("Science and technology")

    class RegistrationStatus(models.TextChoices):
        UNREGISTERED = "unregistered", _("Unregistered self-organization (自组织)")
        NON_ENTERPRISE = (
            "non_enterprise",
            _("Private non-enterprise unit / social service agency (民办非企业单位/社会服务机构)"),
        )
        SOCIAL_GROUP = "social_group", _("Social group (社会团体)")
        FOUNDATION = "foundation", _("Foundation (基金会)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        LISTED = "listed", _("Listed")
        RETURNED = "returned", _("Returned for correction")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")
        DISSOLVED = "dissolved", _("Dissolved")

    name = models.CharField(_("name"), max_length=100)
    name_initials = models.CharField(_("pinyin initials"), max_length=100, blank=True, editable=False)
    tier = models.CharField(_("tier (5+2+N)"), max_length=1, choices=Tier.choices, default=Tier.N)
    body = models.CharField(
        _("association"),
        max_length=24,
        choices=Body.choices,
        blank=True,
        help_text=_("For tiers 5 and 2: which of the named associations."),
    )
    kind = models.CharField(
        _("kind"), max_length=24, choices=Kind.choices, blank=True, help_text=_("For tier N only.")
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    service_fields = ArrayField(
        models.CharField(max_length=16, choices=ServiceField.choices),
        verbose_name=_("service fields"),
        default=list,
        blank=True,
    )
    registration_status = models.CharField(
        _("registration status"),
        max_length=16,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.UNREGISTERED,
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18 characters; required once the organization is registered."),
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    registered_on = models.DateField(
        _("registered on (实体化)"),
        null=True,
        blank=True,
        help_text=_("Set when an unregistered organization becomes registered."),
    )
    youth_covered = models.PositiveIntegerField(_("youth covered"), default=0)
    description = models.TextField(_("short description"), max_length=500, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    governing_unit = models.ForeignKey(
        "orgs.LeagueUnit",
        verbose_name=_("governing unit"),
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    representatives = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("representatives"),
        blank=True,
        related_name="represented_organizations",
    )
    pending_changes = models.JSONField(
        _("changes waiting for review"),
        default=dict,
        blank=True,
        help_text=_(
            "Edits of key fields by the organization's representative, waiting for a cadre's review."
        ),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OrganizationQuerySet.as_manager()
    jurisdiction_field = "governing_unit"
    # The contact's phone is usually a person's mobile: full only to those who may change the
    # organization (`hubportal.personal`).
    personal_fields = {"phone": PHONE}

    class Meta:
        verbose_name = _("youth organization")
        verbose_name_plural = _("youth organizations")
        ordering = [pinyin_order("name"), "pk"]  # 阿 < 北 < 中
        indexes = [
            GinIndex(name="org_name_trgm", fields=["name"], opclasses=["gin_trgm_ops"]),
            # The list's default order (by pinyin): the first page comes from the index, not a sort.
            models.Index(pinyin("name"), F("id"), name="org_name_pinyin"),
            GinIndex(name="org_initials_trgm", fields=["name_initials"], opclasses=["gin_trgm_ops"]),
            GinIndex(name="org_service_fields", fields=["service_fields"]),
            # Names looked up as typed (the import's matching, duplicates).
            models.Index(fields=["name", "id"], name="org_name_order"),
            # youth_covered last: the backbone filter (≥ 1,000) within a unit's listed rows is
            # one range of this index instead of a bitmap AND with the whole province's.
            models.Index(fields=["status", "governing_unit", "youth_covered"], name="org_status_unit_youth"),
            models.Index(fields=["registered_on"], name="org_registered_on"),
            models.Index(fields=["youth_covered"], name="org_youth_covered"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="org_credit_code_unique",
                violation_error_message=_(
                    "Another organization in the registry already has this credit code."
                ),
            ),
            models.CheckConstraint(
                condition=Q(registration_status="unregistered") | ~Q(credit_code=""),
                name="org_registered_has_credit_code",
                violation_error_message=_("A registered organization needs its unified social credit code."),
            ),
            models.CheckConstraint(
                condition=Q(credit_code="") | Q(credit_code__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"),
                name="org_credit_code_format",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        tier="5",
                        kind="",
                        body__in=[
                            "youth_federation",
                            "young_entrepreneurs",
                            "volunteers",
                            "student_federation",
                            "youth_science",
                        ],
                    )
                    | Q(tier="2", kind="", body__in=["migrant_committee", "federation"])
                    | (Q(tier="N", body="") & ~Q(kind=""))
                ),
                name="org_tier_body_kind",
                violation_error_message=_(
                    "Tiers 5 and 2 name one of their associations; tier N names its kind instead."
                ),
            ),
            models.CheckConstraint(
                condition=Q(registered_on__isnull=True) | ~Q(registration_status="unregistered"),
                name="org_registered_on_only_when_registered",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="org_version_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_initials = name_initials(self.name)
        self.credit_code = (self.credit_code or "").strip().upper()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_initials"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("orgs:organization_detail", args=[self.pk])

    def clean(self) -> None:
        """Field-specific messages for the rules the constraints also enforce."""
        errors = self.rule_errors()
        if self.credit_code and "credit_code" not in errors:
            taken = Organization.objects.filter(credit_code=self.credit_code).exclude(pk=self.pk)
            if taken.exists():
                errors["credit_code"] = _(
                    "Another organization in the registry already has this credit code."
                )
        if errors:
            raise ValidationError(errors)

    def rule_errors(self, today: datetime.date | None = None) -> dict[str, Any]:
        """The organization's own rules (tier, registration, dates, phone) by field, without a
        query: what `clean()` checks before the credit code's uniqueness. The import's dry run
        runs the same function on each row as it would be saved, so a clean dry run applies
        (`today` given once for the whole file). Normalises as it checks (the tier's unused
        field and an unregistered date cleared)."""
        errors: dict[str, Any] = {}
        if self.tier == self.Tier.N:
            self.body = ""
            if not self.kind:
                errors["kind"] = _("Choose the kind of this tier-N organization.")
        else:
            self.kind = ""
            allowed = self.BODIES_BY_TIER.get(self.tier, ())
            if self.body not in allowed:
                errors["body"] = _("Choose which of the tier's named associations this is.")
        self.credit_code = (self.credit_code or "").strip().upper()
        if self.is_registered and not self.credit_code:
            errors["credit_code"] = _("A registered organization needs its unified social credit code.")
        if not self.is_registered:
            self.registered_on = None
        if self.phone and not PHONE_RE.fullmatch(self.phone.strip()):
            errors["phone"] = _("Enter an 11-digit mobile number or a landline with its area code.")
        today = today or timezone.localdate()
        if self.founded_on and self.founded_on > today:
            errors["founded_on"] = _("The founding date cannot lie in the future.")
        if self.registered_on and self.founded_on and self.registered_on < self.founded_on:
            errors["registered_on"] = _("An organization cannot be registered before it was founded.")
        return errors

    @property
    def is_backbone(self) -> bool:
        return self.youth_covered >= BACKBONE_YOUTH_THRESHOLD

    @property
    def is_registered(self) -> bool:
        return self.registration_status != self.RegistrationStatus.UNREGISTERED

    @property
    def tier_label(self) -> str:
        """“5 · 青联” / “N · 社会企业”: the tier with its association or kind."""
        detail = self.get_body_display() if self.body else self.get_kind_display()
        return f"{self.tier} · {detail}" if detail else self.tier

    @property
    def league_building_label(self) -> str:
        """“Yes”/“No” from the `has_league_building` annotation (`annotate_flags()`)."""
        flag = getattr(self, "has_league_building", None)
        if flag is None:
            return ""
        return str(_("Yes") if flag else _("No"))

    def service_field_labels(self) -> list[str]:
        labels = dict(self.ServiceField.choices)
        return [str(labels.get(f, f)) for f in self.service_fields]


@track()
class StatusChange(models.Model):
    """One step in an organization's review and life: from, to, why, who and when.

    Written only by the service functions (`orgs.services.change_status` and the review
    functions), never edited afterwards.
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=16, choices=Organization.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Organization.Status.choices)
    reason = models.TextField(_("reason or comment"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "organization__governing_unit"

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organization}: {self.get_from_status_display()} → {self.get_to_status_display()}"


@track()
class DirectContact(models.Model):
    """A unit's named list of organizations it contacts directly (直接联系), since a date."""

    unit = models.ForeignKey(
        "orgs.LeagueUnit",
        verbose_name=_("league unit"),
        on_delete=models.CASCADE,
        related_name="direct_contacts",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="direct_contacts"
    )
    since = models.DateField(_("since"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    # When the portal recorded the contact: targets count by it, not by the typed `since`
    # (a contact entered in December and dated March does not count in March).
    created_at = models.DateTimeField(_("entered at"), default=timezone.now, db_default=Now(), editable=False)
    # Optimistic locking: the version an editor read, moved on by every change
    # (`hubportal.services.check_version`); the database default serves rows written by COPY.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("direct contact")
        verbose_name_plural = _("direct contacts")
        ordering = ["-since", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "organization"],
                name="directcontact_unique_pair",
                violation_error_message=_("This unit already lists this organization as directly contacted."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.organization}"

    def get_absolute_url(self) -> str:
        return self.organization.get_absolute_url()


@track()
class BackboneMember(models.Model):
    """A key person (骨干) of an organization. Phone and ID number are personal data: shown
    in full only to cadres who may change the organization, masked for everyone else."""

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="backbone_members",
    )
    name = models.CharField(_("name"), max_length=64, help_text=_("Family name first, e.g. 王小明."))
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    id_number = models.CharField(
        _("ID card number"), max_length=18, blank=True, validators=[validate_id_number]
    )
    role = models.CharField(
        _("role in the organization"), max_length=64, blank=True, help_text=_("e.g. 会长, 秘书长, 项目主管")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Optimistic locking: the version an editor read, moved on by every change
    # (`hubportal.services.check_version`); the database default serves rows written by COPY.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "organization__governing_unit"
    # Full only to those who may change the organization (`hubportal.personal`).
    personal_fields = {"phone": PHONE, "id_number": ID_NUMBER, "birth_date": BIRTH_DATE}

    class Meta:
        verbose_name = _("backbone member")
        verbose_name_plural = _("backbone members")
        ordering = ["organization", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "id_number"],
                condition=~Q(id_number=""),
                name="backbone_unique_id_number",
                violation_error_message=_("This person is already a backbone member of the organization."),
            ),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="backbone_birth_year_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:backbone_edit", args=[self.pk])

    def clean(self) -> None:
        self.id_number = (self.id_number or "").strip().upper()
        if self.id_number and len(self.id_number) == 18:
            born = birth_date_from_id_number(self.id_number)
            if born is not None:
                if self.birth_date and self.birth_date != born:
                    raise ValidationError(
                        {"birth_date": _("The birth date differs from the one in the ID card number.")}
                    )
                self.birth_date = born
        if self.birth_date:
            if self.birth_year and self.birth_year != self.birth_date.year:
                raise ValidationError({"birth_year": _("The birth year differs from the birth date.")})
            self.birth_year = self.birth_date.year
        if self.birth_year and not 1900 <= self.birth_year <= timezone.localdate().year:
            raise ValidationError({"birth_year": _("Enter a birth year between 1900 and this year.")})
        if self.phone and not PHONE_RE.fullmatch(self.phone.strip()):
            raise ValidationError(
                {"phone": _("Enter an 11-digit mobile number or a landline with its area code.")}
            )

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


@track()
class LeagueBuilding(models.Model):
    """League building (团建) in one or more organizations: a branch and how it was set up.

    联合建团 (joint) shares one branch among several organizations, hence the M2M; the record
    is owned by the lead organization's governing unit.
    """

    class Mode(models.TextChoices):
        EMBEDDED = "embedded", _("Embedded (纳入式)")
        HUB = "hub", _("Hub (枢纽式)")
        IDENTITY = "identity", _("Identity (身份式)")
        PROJECT = "project", _("Project (项目式)")

    class Form(models.TextChoices):
        INDEPENDENT = "independent", _("Independent branch (独立建团)")
        JOINT = "joint", _("Joint branch (联合建团)")
        BUILDING = "building", _("Building-based branch (楼宇建团)")
        AREA = "area", _("Area-based branch (区域建团)")

    unit = models.ForeignKey(
        "orgs.LeagueUnit",
        verbose_name=_("owning unit"),
        on_delete=models.PROTECT,
        related_name="league_buildings",
    )
    lead_organization = models.ForeignKey(
        Organization,
        verbose_name=_("lead organization"),
        on_delete=models.CASCADE,
        related_name="led_league_buildings",
    )
    organizations = models.ManyToManyField(
        Organization, verbose_name=_("organizations"), related_name="league_buildings"
    )
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices)
    form = models.CharField(_("form of founding"), max_length=16, choices=Form.choices)
    branch_name = models.CharField(_("branch name"), max_length=100)
    founded_on = models.DateField(_("founded on"))
    member_count = models.PositiveIntegerField(_("members"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Optimistic locking: the version an editor read, moved on by every change
    # (`hubportal.services.check_version`); the database default serves rows written by COPY.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("league building")
        verbose_name_plural = _("league building")
        ordering = ["-founded_on", "pk"]

    def __str__(self) -> str:
        return self.branch_name

    def get_absolute_url(self) -> str:
        return reverse("orgs:league_building_edit", args=[self.pk])


@track()
class ContactLog(models.Model):
    """A cadre's contact with an organization: a visit, call, activity or meeting, with the
    days it took (visit days feed the “5 days a quarter in youth organizations” target)."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit (走访)")
        CALL = "call", _("Phone call")
        ACTIVITY = "activity", _("Activity")
        MEETING = "meeting", _("Meeting")

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="contact_logs"
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cadre"),
        on_delete=models.PROTECT,
        related_name="contact_logs",
    )
    unit = models.ForeignKey(
        "orgs.LeagueUnit",
        verbose_name=_("cadre's unit"),
        on_delete=models.PROTECT,
        related_name="contact_logs",
        help_text=_("The unit the cadre acted for; its targets count the days."),
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.VISIT)
    days = models.DecimalField(_("days spent"), max_digits=4, decimal_places=1, default=1)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Optimistic locking: the version an editor read, moved on by every change
    # (`hubportal.services.check_version`); the database default serves rows written by COPY.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "organization__governing_unit"

    class Meta:
        verbose_name = _("contact log entry")
        verbose_name_plural = _("contact log")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["unit", "date"], name="contactlog_unit_date")]
        constraints = [
            models.CheckConstraint(condition=Q(days__gt=0, days__lte=31), name="contactlog_days_range"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} · {self.organization}"

    def get_absolute_url(self) -> str:
        return reverse("orgs:contact_log_edit", args=[self.pk])


def document_upload_to(instance: OrganizationDocument, filename: str) -> str:
    # Outside any public media URL: documents are served only through the download view.
    stamp = timezone.now().strftime("%Y/%m")
    return f"private/org-documents/{stamp}/{instance.organization_id}/{filename}"


@track()
class OrganizationDocument(models.Model):
    """A charter, a registration certificate or another document of an organization.

    PDF, JPG or PNG up to 10 MB, recognised by content; downloaded only through a view that
    checks jurisdiction.
    """

    class Type(models.TextChoices):
        CHARTER = "charter", _("Charter (章程)")
        CERTIFICATE = "certificate", _("Registration certificate (登记证书)")
        OTHER = "other", _("Other")

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="documents"
    )
    doc_type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    file = models.FileField(
        _("file"), upload_to=document_upload_to, max_length=255, validators=[validate_document_file]
    )
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "organization__governing_unit"

    class Meta:
        verbose_name = _("organization document")
        verbose_name_plural = _("organization documents")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name or self.file.name or ""

    def get_absolute_url(self) -> str:
        return reverse("orgs:document_download", args=[self.pk])


@track()
class SavedFilter(models.Model):
    """A named query string of the organization list, private to the user who saved it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="saved_filters",
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("query string"), max_length=2000)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                name="savedfilter_unique_name",
                violation_error_message=_("You already have a saved filter with this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('orgs:organization_list')}?{self.query}"
