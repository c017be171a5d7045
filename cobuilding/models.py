"""区域化大团建: the regional co-building committee (区域团组织共建委员会) of a city subdistrict
and everything the standard counts — member units, rotating chairs, the annual work plan,
joint meetings, youth venues (阵地), people, activities, working funds — and the
Pudong-style subsidy ledger of league branches founded in youth organizations.

A *subdistrict* is a town-level regional league unit (街道 or 镇团(工)委): the tree's
"Town / subdistrict" level. Every record hangs from the committee of one subdistrict
(`jurisdiction_field = "committee__subdistrict"`): the subdistrict's cadres see their
committee, the county and the city see all of theirs.

State changes go through `cobuilding.services`; the models say what the schema can say:
one committee per subdistrict, chair terms of at most three months that never overlap (an
exclusion constraint over a date range, btree_gist), one plan per committee and year, one
subsidy per branch and payer, positive amounts.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hubportal.fields import MoneyField
from hubportal.history import track
from hubportal.jurisdiction import JurisdictionQuerySet
from incubation.models import validate_photo
from orgs.models.registry import mask_phone

from .querysets import ChairTermQuerySet, CommitteeQuerySet, PersonQuerySet

MAX_TERM_MONTHS = 3
BRANCH_SUBSIDY = Decimal("300.00")  # 团市委 300 yuan + 团区委 300 yuan per branch (Pudong)
STANDARD_FUNDS = Decimal("20000.00")  # working funds a subdistrict league committee needs a year


class DateRange(Func):
    """`daterange(start, end, '[]')`: a term from its first to its last day, both included."""

    function = "daterange"
    output_field = DateRangeField()


class TermEnd(Func):
    """The day a term that starts on `starts_on` may last until (three months later, exclusive)."""

    template = f"(%(expressions)s + interval '{MAX_TERM_MONTHS} months')::date"
    output_field = models.DateField()


class ChildQuerySet(JurisdictionQuerySet):
    """A record of a committee."""


# The committee ---------------------------------------------------------------------------------
@track()
class Committee(models.Model):
    """The co-building committee of one subdistrict: its member units of any affiliation,
    its secretariat at the subdistrict's league committee, its rotating chairs."""

    subdistrict = models.OneToOneField(
        "orgs.LeagueUnit",
        verbose_name=_("subdistrict"),
        on_delete=models.PROTECT,
        related_name="cobuilding_committee",
        help_text=_("The town or subdistrict league committee whose area the committee covers."),
    )
    name = models.CharField(_("name"), max_length=100)
    founded_on = models.DateField(_("founded on"))
    secretariat_address = models.CharField(_("secretariat address"), max_length=200, blank=True)
    secretariat_contact = models.CharField(
        _("secretariat contact"), max_length=64, blank=True, help_text=_("Family name first, e.g. 王小明.")
    )
    secretariat_phone = models.CharField(_("secretariat phone"), max_length=30, blank=True)
    description = models.TextField(_("description"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    objects = CommitteeQuerySet.as_manager()
    jurisdiction_field = "subdistrict"

    class Meta:
        verbose_name = _("co-building committee")
        verbose_name_plural = _("co-building committees")
        ordering = ["subdistrict__path"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cobuilding:committee_detail", args=[self.pk])


@track()
class Community(models.Model):
    """A community (社区) of the subdistrict: each should have a fairly fixed volunteer."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="communities"
    )
    name = models.CharField(_("name"), max_length=64)
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    objects = ChildQuerySet.as_manager()
    jurisdiction_field = "committee__subdistrict"

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["committee", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "name"],
                name="cobuilding_community_unique_name",
                violation_error_message=_("The subdistrict already has a community of this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.committee.get_absolute_url()


@track()
class MemberUnit(models.Model):
    """A member unit of the committee, whatever its affiliation (不分隶属关系), with its league
    organization, the leader of that organization (who may chair the committee) and a contact."""

    class Affiliation(models.TextChoices):
        AGENCY = "agency", _("Government agency (机关)")
        INSTITUTION = "institution", _("Public institution (事业单位)")
        ENTERPRISE = "enterprise", _("State-owned enterprise (国有企业)")
        NEW_ECONOMIC = "new_economic", _("Private enterprise (两新: 非公有制经济组织)")
        NEW_SOCIAL = "new_social", _("Social organization (两新: 新社会组织)")
        SCHOOL = "school", _("School (学校)")
        OTHER = "other", _("Other")

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="member_units"
    )
    name = models.CharField(_("name"), max_length=100)
    affiliation = models.CharField(_("type of unit"), max_length=16, choices=Affiliation.choices)
    league_organization = models.CharField(
        _("league organization"), max_length=100, help_text=_("e.g. 某某公司团委, 某某中学团委.")
    )
    leader_name = models.CharField(
        _("leader of the league organization"),
        max_length=64,
        blank=True,
        help_text=_("Family name first. Only a recorded leader may chair the committee."),
    )
    leader_title = models.CharField(
        _("leader's title"), max_length=64, blank=True, help_text=_("e.g. 团委书记")
    )
    contact_person = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    objects = ChildQuerySet.as_manager()
    jurisdiction_field = "committee__subdistrict"

    class Meta:
        verbose_name = _("member unit")
        verbose_name_plural = _("member units")
        ordering = ["committee", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "name"],
                name="cobuilding_memberunit_unique_name",
                violation_error_message=_("The committee already has a member unit of this name."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="cobuilding_memberunit_left_after_joined",
                violation_error_message=_("A member unit cannot leave before it joined."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cobuilding:member_unit_detail", args=[self.pk])

    @property
    def masked_contact_phone(self) -> str:
        return mask_phone(self.contact_phone)


@track()
class ChairTerm(models.Model):
    """One rotating chair (轮值主席): the leader of a member unit's league organization, for at
    most three months; terms of one committee never overlap. Every chair holds at least one
    activity in the term: a term that ended without one is flagged."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="chair_terms"
    )
    member_unit = models.ForeignKey(
        MemberUnit, verbose_name=_("member unit"), on_delete=models.PROTECT, related_name="chair_terms"
    )
    chair_name = models.CharField(_("chair"), max_length=64)
    chair_title = models.CharField(_("chair's title"), max_length=64, blank=True)
    starts_on = models.DateField(_("term starts on"))
    ends_on = models.DateField(_("term ends on"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)
    # Optimistic locking: the version an editor read, moved on by every change
    # (`hubportal.services.check_version`); the database default serves rows written by COPY.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    objects = ChairTermQuerySet.as_manager()
    jurisdiction_field = "committee__subdistrict"

    class Meta:
        verbose_name = _("chair term")
        verbose_name_plural = _("chair terms")
        ordering = ["committee", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="cobuilding_chairterm_ends_after_start",
                violation_error_message=_("A term cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__lt=TermEnd(F("starts_on"))),
                name="cobuilding_chairterm_at_most_three_months",
                violation_error_message=_("A chair's term lasts at most three months."),
            ),
            ExclusionConstraint(
                name="cobuilding_chairterm_no_overlap",
                expressions=[
                    ("committee", RangeOperators.EQUAL),
                    (DateRange("starts_on", "ends_on", models.Value("[]")), RangeOperators.OVERLAPS),
                ],
                violation_error_message=_("The term overlaps another chair's term of this committee."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chair_name} ({self.starts_on} – {self.ends_on})"

    def get_absolute_url(self) -> str:
        return reverse("cobuilding:chair_term_detail", args=[self.pk])

    @property
    def ended_without_activity(self) -> bool:
        """Flagged: the term is over and no activity was held in it (needs `with_activity()`)."""
        return self.ends_on < timezone.localdate() and not getattr(self, "held_activity", True)

    @property
    def activity_label(self) -> str:
        if getattr(self, "held_activity", False):
            return str(_("Yes"))
        if self.ends_on < timezone.localdate():
            return str(_("No — the term ended without an activity"))
        return str(_("Not yet"))


@track()
class WorkPlan(models.Model):
    """The committee's annual work plan, drawn up at the start of the year and published on
    the public site (一定范围公示) for the member units and the public to supervise."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="work_plans"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    objects = ChildQuerySet.as_manager()
    jurisdiction_field = "committee__subdistrict"

    class Meta:
        verbose_name = _("annual work plan")
        verbose_name_plural = _("annual work plans")
        ordering = ["committee", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year"],
                name="cobuilding_workplan_one_per_year",
                violation_error_message=_("The committee already has a work plan for this year."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="cobuilding_workplan_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cobuilding:work_plan_detail", args=[self.pk])


@track()
class JointMeeting(models.Model):
    """A joint meeting (区域青年工作联席会议) of the member units: who attended, what was decided."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="meetings"
    )
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    member_units = models.ManyToManyField(
        MemberUnit, verbose_name=_("member units present"), blank=True, related_name="meetings"
    )
    attendees = models.TextField(_("attendees"), help_text=_("Names and positions, one per line."))
    decisions = models.TextField(_("decisions"))
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)
    # Optimistic locking: the version an editor read, moved on by every change
    # (`hubportal.services.check_version`); the database default serves rows written by COPY.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    objects = ChildQuerySet.as_manager()
    jurisdiction_field = "committee__subdistrict"

    class Meta:
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")
        ordering = ["committee", "-held_on", "-pk"]

    def __str__(self) -> str:
        return _("Joint meeting of %(date)s") % {"date": self.held_on}

    def get_absolute_url(self) -> str:
        return reverse("cobuilding:meeting_detail", args=[self.pk])


# Venues ----------------------------------------------------------------------------------------
@track()
class Venue(models.Model):
    """A youth venue (青年阵地) of the subdistrict, open to every young person; member units
    share theirs (不求所有，但求所用)."""

    class Kind(models.TextChoices):
        YOUTH_CENTRE = "youth_centre", _("Youth centre (青年中心)")
        YOUTH_HUB = "youth_hub", _("Youth hub (青年汇)")
        YOUTH_HOME = "youth_home", _("Youth home (青年家园)")
        SERVICE_CENTRE = "service_centre", _("Youth service centre (青少年服务中心)")
        NEW_CITIZEN_SCHOOL = "new_citizen_school", _("New-citizen school (新市民学校)")
        MIGRANT_STATION = "migrant_station", _("Liaison station for migrant members (流动团员联络站)")
        SMALL = "small", _("Small youth venue (小型青年阵地)")

    class Setup(models.TextChoices):
        OWN = "own", _("Built by the league")
        COBUILT = "cobuilt", _("Co-built with a member unit (共建)")
        PLAQUE = "plaque", _("Plaque on a partner's site (挂牌)")

    class Offer(models.TextChoices):
        INTEGRATION = "integration", _("Integration training for migrant youth")
        EMPLOYMENT = "employment", _("Employment and entrepreneurship services")
        VOLUNTEERING = "volunteering", _("Volunteer service")
        SOCIAL = "social", _("Friendship and social activities")
        STUDY = "study", _("Study and reading")
        CULTURE = "culture", _("Culture and sports")
        LEGAL = "legal", _("Rights protection and legal aid")
        COUNSELLING = "counselling", _("Counselling")
        ORG_SPACE = "org_space", _("Space for youth organizations")

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="venues"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    setup = models.CharField(_("how it was set up"), max_length=16, choices=Setup.choices, default=Setup.OWN)
    address = models.CharField(_("address"), max_length=200)
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
    opening_hours = models.CharField(
        _("opening hours"), max_length=100, help_text=_("e.g. 周二至周日 9:00–21:00")
    )
    offers = ArrayField(
        models.CharField(max_length=16, choices=Offer.choices),
        verbose_name=_("what it offers"),
        default=list,
        blank=True,
    )
    description = models.TextField(_("description"), blank=True)
    shared_by = models.ManyToManyField(
        MemberUnit, verbose_name=_("member units sharing it"), blank=True, related_name="shared_venues"
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # When the portal learnt that the venue closed (the typed date stays a fact to show).
    closed_at = models.DateTimeField(_("closure recorded at"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    objects = ChildQuerySet.as_manager()
    jurisdiction_field = "committee__subdistrict"

    class Meta:
        verbose_name = _("youth venue")
        verbose_name_plural = _("youth venues")
        ordering = ["committee", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="cobuilding_venue_closed_after_opened",
                violation_error_message=_("A venue cannot close before it opened."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="cobuilding_venue_both_coordinates",
                violation_error_message=_("Give both the latitude and the longitude, or neither."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cobuilding:venue_detail", args=[self.pk])

    @property
    def offers_label(self) -> str:
        labels = dict(self.Offer.choices)
        return "、".join(str(labels.get(o, o)) for o in self.offers)


# People ----------------------------------------------------------------------------------------
@track()
class Person(models.Model):
    """Someone who counts for the standard: a full- or part-time league cadre, an external
    committee member (编制外委员), a youth social worker or full-time volunteer, or a fairly
    fixed community volunteer — with role and dates. A phone number is personal data: shown
    masked outside the edit form."""

    class Role(models.TextChoices):
        FULL_TIME_CADRE = "full_time_cadre", _("Full-time league cadre (专职团干部)")
        PART_TIME_CADRE = "part_time_cadre", _("Part-time league cadre (兼职团干部)")
        EXTERNAL_MEMBER = "external_member", _("External committee member (编制外委员)")
        SOCIAL_WORKER = "social_worker", _("Youth social worker (青年社工)")
        FULL_TIME_VOLUNTEER = "full_time_volunteer", _("Full-time volunteer (专职志愿者)")
        COMMUNITY_VOLUNTEER = "community_volunteer", _("Community volunteer (相对固定的志愿者)")

    CADRES = (Role.FULL_TIME_CADRE, Role.PART_TIME_CADRE)
    SOCIAL_WORKERS = (Role.SOCIAL_WORKER, Role.FULL_TIME_VOLUNTEER)

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="people"
    )
    name = models.CharField(_("name"), max_length=64, help_text=_("Family name first, e.g. 王小明."))
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    position = models.CharField(_("position"), max_length=64, blank=True, help_text=_("e.g. 副书记, 委员"))
    member_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("member unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
        help_text=_("The member unit the person comes from, if any."),
    )
    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteers",
        help_text=_("For a community volunteer: the community served (empty: the whole subdistrict)."),
    )
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    started_on = models.DateField(_("in the role since"))
    ended_on = models.DateField(_("in the role until"), null=True, blank=True)
    # When the portal learnt that the role ended (the typed end date stays a fact to show).
    ended_at = models.DateTimeField(_("end recorded at"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    objects = PersonQuerySet.as_manager()
    jurisdiction_field = "committee__subdistrict"

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["committee", "role", "name", "pk"]
        indexes = [models.Index(fields=["committee", "role"], name="cobuilding_person_role")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="cobuilding_person_ends_after_start",
                violation_error_message=_("A role cannot end before it started."),
            ),
            models.CheckConstraint(
                condition=Q(community__isnull=True) | Q(role="community_volunteer"),
                name="cobuilding_person_community_for_volunteers",
                violation_error_message=_("Only a community volunteer serves a community."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cobuilding:person_detail", args=[self.pk])

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


# Activities ------------------------------------------------------------------------------------
@track()
class Activity(models.Model):
    """An activity of the committee: organiser, the member units and youth organizations
    taking part, date, place, participants and photos. Each youth organization taking part
    gets a contact-log entry (`orgs.ContactLog`) written by the registry's service."""

    class Kind(models.TextChoices):
        PROJECT_FAIR = "project_fair", _("Charity project fair (公益项目洽谈会)")
        SALON = "salon", _("Dialogue salon (亲青议事)")
        CONFERENCE = "conference", _("Youth conference (青年大会)")
        VOLUNTEERING = "volunteering", _("Volunteer service")
        TRAINING = "training", _("Training")
        INTEGRATION = "integration", _("Integration course for migrant youth (新市民培训)")
        SOCIAL = "social", _("Friendship and social activity")
        OTHER = "other", _("Other")

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="activities"
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    organiser = models.ForeignKey(
        MemberUnit,
        verbose_name=_("organiser"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organised_activities",
        help_text=_("The member unit that organised it (empty: the secretariat)."),
    )
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=200)
    venue = models.ForeignKey(
        Venue,
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    participants = models.PositiveIntegerField(_("participants"), default=0)
    member_units = models.ManyToManyField(
        MemberUnit, verbose_name=_("member units taking part"), blank=True, related_name="activities"
    )
    organizations = models.ManyToManyField(
        "orgs.Organization",
        verbose_name=_("youth organizations taking part"),
        blank=True,
        through="ActivityOrganization",
        related_name="cobuilding_activities",
    )
    description = models.TextField(_("description"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    objects = ChildQuerySet.as_manager()
    jurisdiction_field = "committee__subdistrict"

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["committee", "-held_on", "-pk"]
        indexes = [models.Index(fields=["committee", "held_on"], name="cobuilding_activity_held")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cobuilding:activity_detail", args=[self.pk])


@track()
class ActivityOrganization(models.Model):
    """A youth organization taking part in an activity, and the contact-log entry that
    records it for the registry."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="participations"
    )
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    contact_log = models.ForeignKey(
        "orgs.ContactLog",
        verbose_name=_("contact-log entry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    objects = ChildQuerySet.as_manager()
    jurisdiction_field = "activity__committee__subdistrict"

    class Meta:
        verbose_name = _("organization taking part")
        verbose_name_plural = _("organizations taking part")
        ordering = ["activity", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "organization"], name="cobuilding_activity_org_once")
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.organization}"

    def get_absolute_url(self) -> str:
        return self.activity.get_absolute_url()


def activity_photo_upload_to(instance: ActivityPhoto, filename: str) -> str:
    return f"cobuilding/activities/{instance.activity_id}/{timezone.now():%Y%m}/{filename}"


@track()
class ActivityPhoto(models.Model):
    """A photo of an activity (JPG, PNG or WebP decoded by Pillow, at most 5 MB)."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(
        _("photo"), upload_to=activity_photo_upload_to, max_length=255, validators=[validate_photo]
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

    objects = ChildQuerySet.as_manager()
    jurisdiction_field = "activity__committee__subdistrict"

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering = ["activity", "-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name or ""

    def get_absolute_url(self) -> str:
        return self.activity.get_absolute_url()


# Money -----------------------------------------------------------------------------------------
@track()
class Funding(models.Model):
    """Working funds of the subdistrict's league committee for a year, by source; the
    standard asks for at least 20,000 yuan a year."""

    class Source(models.TextChoices):
        UPPER_LEAGUE = "upper_league", _("Upper league committees (上级团组织)")
        SUBDISTRICT = "subdistrict", _("Subdistrict budget (街道财政)")
        PARTY = "party", _("Party organization (党组织)")
        MEMBER_UNITS = "member_units", _("Member units (共建单位)")
        SOCIAL = "social", _("Social donations (社会募集)")
        OTHER = "other", _("Other")

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="funding"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    amount = MoneyField(_("amount (yuan)"))
    received_on = models.DateField(_("received on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)
    # Optimistic locking: the version an editor read, moved on by every change
    # (`hubportal.services.check_version`); the database default serves rows written by COPY.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    objects = ChildQuerySet.as_manager()
    jurisdiction_field = "committee__subdistrict"

    class Meta:
        verbose_name = _("working funds")
        verbose_name_plural = _("working funds")
        ordering = ["committee", "-year", "-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="cobuilding_funding_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_source_display()} ¥{self.amount:,.2f}"

    def get_absolute_url(self) -> str:
        return reverse("cobuilding:funding_detail", args=[self.pk])


@track()
class BranchSubsidy(models.Model):
    """The Pudong-style subsidy of a league branch founded in a youth organization: 300 yuan
    from the city league committee (团市委) and 300 from the district's (团区委). A ledger: each
    payment names the league-building record it pays for, and a branch is never paid twice
    by the same payer (a unique constraint)."""

    class Payer(models.TextChoices):
        CITY = "city", _("City league committee (团市委)")
        COUNTY = "county", _("District / county league committee (团区委)")

    league_building = models.ForeignKey(
        "orgs.LeagueBuilding",
        verbose_name=_("league branch"),
        on_delete=models.PROTECT,
        related_name="subsidies",
    )
    payer = models.CharField(_("payer"), max_length=8, choices=Payer.choices)
    payer_unit = models.ForeignKey(
        "orgs.LeagueUnit", verbose_name=_("paying unit"), on_delete=models.PROTECT, related_name="+"
    )
    amount = MoneyField(_("amount (yuan)"), default=BRANCH_SUBSIDY)
    paid_on = models.DateField(_("paid on"))
    voucher = models.CharField(_("voucher number"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    objects = ChildQuerySet.as_manager()
    jurisdiction_field = "league_building__unit"

    class Meta:
        verbose_name = _("branch subsidy")
        verbose_name_plural = _("branch subsidies")
        ordering = ["-paid_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["league_building", "payer"],
                name="cobuilding_subsidy_once_per_payer",
                violation_error_message=_("This branch has already been paid its subsidy by this payer."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="cobuilding_subsidy_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.league_building} · {self.get_payer_display()}"

    def get_absolute_url(self) -> str:
        return reverse("cobuilding:subsidy_detail", args=[self.pk])


def term_end_limit(starts_on: datetime.date) -> datetime.date:
    """The first day a term starting on `starts_on` may no longer last until: three months
    later, the day clamped to the month's end as PostgreSQL adds an interval (31 Jan → 30 Apr)."""
    month = starts_on.month - 1 + MAX_TERM_MONTHS
    year, month = starts_on.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(starts_on.day, calendar.monthrange(year, month)[1]))
