"""Star ratings (星级评估 / 外部评估星级认证): indicator systems, rounds, self-assessments with
evidence, blind expert panels, aggregated results, public notice with objections, final
ratings with certificates, appeals and re-rating.

The models hold what the schema can say (choices, constraints, unique and partial unique
indexes, frozen maxima copied onto scores); every change goes through
`evaluation.services`. A rating is never edited: a re-rating makes a new attempt of the
subject and, once final, a new `Rating` that supersedes the previous one, so the whole
history stays.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hubportal.fields import MoneyField
from hubportal.history import track
from orgs.models import Organization
from orgs.validators import validate_document_file, validate_id_number

from .querysets import (
    AssignmentQuerySet,
    ClaimQuerySet,
    EvaluationQuerySet,
    ExpertQuerySet,
    RatingQuerySet,
    RoundQuerySet,
    ScoreQuerySet,
    SubjectQuerySet,
)

USER_MODEL = settings.AUTH_USER_MODEL


class SubjectType(models.TextChoices):
    """What a round rates: each indicator system is written for one of these."""

    BASE = "base", _("Qinqing Home base (亲青家园)")
    ORGANIZATION = "organization", _("Youth organization")
    PROJECT = "project", _("Youth service project")


def stars_label(stars: int | None, style: str = "stars") -> str:
    """★★★★ for a base's stars, “4A” for the grade of the civil-affairs style."""
    if not stars:
        return ""
    return f"{stars}A" if style == IndicatorSystem.GradeStyle.A_GRADE else "★" * stars


def private_upload_to(instance: Any, filename: str) -> str:
    # Outside any public media URL: files are served only through views that check rights.
    return f"private/evaluation/{type(instance).__name__.lower()}/{timezone.now():%Y/%m}/{filename}"


# Youth service projects ------------------------------------------------------------------
@track()
class ServiceProject(models.Model):
    """A youth social service project run by an organization (often bought by government:
    政府购买服务), rated in the external star certification of projects."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="service_projects",
    )
    name = models.CharField(_("name"), max_length=120)
    service_field = models.CharField(
        _("service field"), max_length=16, choices=Organization.ServiceField.choices, blank=True
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    budget = MoneyField(_("budget (yuan)"), null=True, blank=True)
    funder = models.CharField(
        _("funder or purchaser"),
        max_length=120,
        blank=True,
        help_text=_("e.g. the district civil-affairs bureau that bought the service (政府购买服务)."),
    )
    beneficiaries = models.PositiveIntegerField(_("people served"), default=0)
    description = models.TextField(_("description"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EvaluationQuerySet.as_manager()
    jurisdiction_field = "organization__governing_unit"

    class Meta:
        verbose_name = _("youth service project")
        verbose_name_plural = _("youth service projects")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="evalproject_ends_after_start",
                violation_error_message=_("A project cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0), name="evalproject_budget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("evaluation:project_detail", args=[self.pk])


# Indicator systems -----------------------------------------------------------------------
@track()
class IndicatorSystem(models.Model):
    """One version of an indicator system (指标体系) for one subject type.

    Versions of the same system share a `code`; `edition` numbers them. A draft is edited
    freely; publishing freezes it (the services refuse any change, and a database trigger
    refuses changes to its indicators); a change is made on a new draft edition copied
    from it.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    class GradeStyle(models.TextChoices):
        STARS = "stars", _("Stars (★ to ★★★★★)")
        A_GRADE = "a_grade", _("Grades 1A to 5A (civil-affairs style)")

    code = models.SlugField(
        _("code"),
        max_length=40,
        help_text=_("Shared by every version of the system, e.g. base-star or org-external."),
    )
    edition = models.PositiveSmallIntegerField(_("version number"), default=1, editable=False)
    name = models.CharField(_("name"), max_length=120)
    subject_type = models.CharField(_("rates"), max_length=16, choices=SubjectType.choices)
    unit = models.ForeignKey(
        "orgs.LeagueUnit",
        verbose_name=_("owning unit"),
        on_delete=models.PROTECT,
        related_name="indicator_systems",
    )
    grade_style = models.CharField(
        _("grades shown as"), max_length=16, choices=GradeStyle.choices, default=GradeStyle.STARS
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    total_points = models.DecimalField(
        _("total points"), default=Decimal("0"), editable=False, max_digits=7, decimal_places=1
    )
    derived_from = models.ForeignKey(
        "self",
        verbose_name=_("derived from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="derived",
        editable=False,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EvaluationQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("indicator system")
        verbose_name_plural = _("indicator systems")
        ordering = ["code", "-edition"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "edition"],
                name="evalsystem_code_edition_unique",
                violation_error_message=_("This version of the system exists already."),
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(status="draft"),
                name="evalsystem_one_draft_per_code",
                violation_error_message=_("This system already has a draft version being edited."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="evalsystem_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({_('version %(n)s') % {'n': self.edition}})"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:system_detail", args=[self.pk])

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.DRAFT


@track()
class Indicator(models.Model):
    """A node of an indicator system: a section (depth 0), an indicator (1) or a
    sub-indicator (2). Leaves are scored; a parent's maximum is the sum of its children's
    (checked when the system is published)."""

    system = models.ForeignKey(
        IndicatorSystem,
        verbose_name=_("indicator system"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    code = models.CharField(_("number"), max_length=16, help_text=_("e.g. 2, 2.1 or 2.1.3"))
    name = models.CharField(_("name"), max_length=200)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    max_points = models.DecimalField(_("maximum points"), max_digits=7, decimal_places=1)
    guide = models.TextField(_("scoring guide"), blank=True, help_text=_("How assessors award the points."))
    evidence_expected = models.TextField(
        _("evidence expected"), blank=True, help_text=_("What the subject should show for this indicator.")
    )
    checklist_item = models.ForeignKey(
        "incubation.ChecklistItem",
        verbose_name=_("standard checklist item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
        help_text=_("The item of the 亲青家园 standard manual this indicator checks."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Optimistic locking: the version an editor read, moved on by every change
    # (`hubportal.services.check_version`); the database default serves rows written by COPY.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    objects = EvaluationQuerySet.as_manager()
    jurisdiction_field = "system__unit"

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["system", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "code"],
                name="evalindicator_code_unique",
                violation_error_message=_("Another indicator of this system has this number."),
            ),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="evalindicator_max_positive"),
            models.CheckConstraint(condition=Q(depth__lte=2), name="evalindicator_depth_at_most_2"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, depth=0) | Q(parent__isnull=False, depth__gt=0),
                name="evalindicator_section_has_no_parent",
            ),
        ]
        triggers = [
            # A published system is frozen: its indicators cannot change, whoever writes.
            pgtrigger.Trigger(
                name="evalindicator_frozen",
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                when=pgtrigger.Before,
                declare=[("sid", "bigint")],
                func="""
                    IF TG_OP = 'DELETE' THEN sid := OLD.system_id; ELSE sid := NEW.system_id; END IF;
                    IF EXISTS (SELECT 1 FROM evaluation_indicatorsystem s
                               WHERE s.id = sid AND s.status <> 'draft') THEN
                        RAISE EXCEPTION 'indicator system % is published: its indicators are frozen', sid
                            USING ERRCODE = 'check_violation';
                    END IF;
                    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                    RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:system_detail", args=[self.system_id]) + f"#indicator-{self.pk}"

    @property
    def level_label(self) -> str:
        return str([_("Section"), _("Indicator"), _("Sub-indicator")][self.depth])


# Rounds ----------------------------------------------------------------------------------
@track()
class Round(models.Model):
    """An assessment round (评估批次) opened by a unit: a subject type, a year, a published
    system version, star thresholds, deadlines, the panel size and the aggregation rule.

    Phases: draft → self-assessment (subjects enter or apply, and assess themselves) →
    scoring (the panels score) → results (aggregation, moderation, public notice, final
    ratings, subject by subject) → closed (every subject final).
    """

    class Phase(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        SELF_ASSESSMENT = "self_assessment", _("Self-assessment")
        SCORING = "scoring", _("Panel scoring")
        RESULTS = "results", _("Results and public notice")
        CLOSED = "closed", _("Closed")

    class Rule(models.TextChoices):
        TRIMMED_MEAN = "trimmed_mean", _("Trimmed mean: drop the highest and the lowest score, then average")
        MEAN = "mean", _("Mean of all scores")
        MEDIAN = "median", _("Median of the scores")

    name = models.CharField(_("name"), max_length=120)
    unit = models.ForeignKey(
        "orgs.LeagueUnit", verbose_name=_("organizing unit"), on_delete=models.PROTECT, related_name="rounds"
    )
    subject_type = models.CharField(_("rates"), max_length=16, choices=SubjectType.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    system = models.ForeignKey(
        IndicatorSystem, verbose_name=_("indicator system"), on_delete=models.PROTECT, related_name="rounds"
    )
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, default=Phase.DRAFT)
    threshold_1 = models.DecimalField(_("points for 1 star"), max_digits=7, decimal_places=1)
    threshold_2 = models.DecimalField(_("points for 2 stars"), max_digits=7, decimal_places=1)
    threshold_3 = models.DecimalField(_("points for 3 stars"), max_digits=7, decimal_places=1)
    threshold_4 = models.DecimalField(_("points for 4 stars"), max_digits=7, decimal_places=1)
    threshold_5 = models.DecimalField(_("points for 5 stars"), max_digits=7, decimal_places=1)
    self_assessment_until = models.DateField(_("self-assessment until"))
    scoring_until = models.DateField(_("scoring until"))
    notice_days = models.PositiveSmallIntegerField(
        _("public notice (days)"), default=7, help_text=_("How long results stay on public notice (公示).")
    )
    panel_size = models.PositiveSmallIntegerField(
        _("assessors per subject"), default=5, help_text=_("How many experts score each subject.")
    )
    rule = models.CharField(
        _("aggregation rule"), max_length=16, choices=Rule.choices, default=Rule.TRIMMED_MEAN
    )
    trim_from = models.PositiveSmallIntegerField(
        _("trim from (assessors)"),
        default=5,
        help_text=_(
            "The trimmed mean drops the highest and lowest score only with at least this many scores."
        ),
    )
    disagreement_share = models.DecimalField(
        _("disagreement flag (share of the maximum)"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.40"),
        help_text=_(
            "An indicator whose highest and lowest score differ by more than this share of its maximum "
            "is flagged for moderation, e.g. 0.40."
        ),
    )
    validity_months = models.PositiveSmallIntegerField(_("validity of the rating (months)"), default=12)
    appeal_days = models.PositiveSmallIntegerField(_("appeal period after the rating (days)"), default=30)
    accepts_applications = models.BooleanField(
        _("subjects may apply"),
        default=True,
        help_text=_("Whether representatives and bases' owners may apply to the round themselves."),
    )
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RoundQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("assessment round")
        verbose_name_plural = _("assessment rounds")
        ordering = ["-year", "name", "pk"]
        indexes = [models.Index(fields=["phase", "subject_type"], name="evalround_phase_type")]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_1__gte=0)
                & Q(threshold_2__gt=F("threshold_1"))
                & Q(threshold_3__gt=F("threshold_2"))
                & Q(threshold_4__gt=F("threshold_3"))
                & Q(threshold_5__gt=F("threshold_4")),
                name="evalround_thresholds_increase",
                violation_error_message=_("Each star needs more points than the one below it."),
            ),
            models.CheckConstraint(
                condition=Q(scoring_until__gte=F("self_assessment_until")),
                name="evalround_scoring_after_self_assessment",
                violation_error_message=_("Scoring cannot end before the self-assessment does."),
            ),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="evalround_year_range"),
            models.CheckConstraint(
                condition=Q(panel_size__gte=1, panel_size__lte=15), name="evalround_panel_size_range"
            ),
            models.CheckConstraint(condition=Q(trim_from__gte=3), name="evalround_trim_from_3"),
            models.CheckConstraint(
                condition=Q(disagreement_share__gt=0, disagreement_share__lte=1),
                name="evalround_disagreement_share_range",
            ),
            models.CheckConstraint(
                condition=Q(notice_days__gte=1, notice_days__lte=60), name="evalround_notice_days_range"
            ),
            models.CheckConstraint(
                condition=Q(validity_months__gte=1, validity_months__lte=120),
                name="evalround_validity_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("evaluation:round_detail", args=[self.pk])

    @property
    def thresholds(self) -> list[Decimal]:
        return [self.threshold_1, self.threshold_2, self.threshold_3, self.threshold_4, self.threshold_5]

    def stars_for(self, total: Decimal | None) -> int | None:
        """The stars a total earns: the highest threshold it reaches (None below the first)."""
        if total is None:
            return None
        earned = [n for n, threshold in enumerate(self.thresholds, start=1) if total >= threshold]
        return earned[-1] if earned else None

    def grade(self, stars: int | None) -> str:
        return stars_label(stars, self.system.grade_style)

    @property
    def is_a_grade(self) -> bool:
        return self.system.grade_style == IndicatorSystem.GradeStyle.A_GRADE

    @property
    def grade_thresholds(self) -> list[tuple[str, Decimal]]:
        """(the grade as the round shows it, the total that earns it): 1★ to 5★, or 1A to 5A."""
        mark = "A" if self.is_a_grade else "★"
        return [(f"{n}{mark}", threshold) for n, threshold in enumerate(self.thresholds, start=1)]

    @property
    def is_open_for_self_assessment(self) -> bool:
        return self.phase == self.Phase.SELF_ASSESSMENT and timezone.localdate() <= self.self_assessment_until


# Subjects and their self-assessment -------------------------------------------------------
@track()
class Subject(models.Model):
    """One base, organization or project in a round, with its self-assessment, its panel's
    results and where it stands. `attempt` counts ratings: a re-rating (an upheld objection
    or appeal) starts the next attempt; the earlier scores and results stay on record."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        ENTERED = "entered", _("Entered")
        DECLINED = "declined", pgettext_lazy("star rating", "Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Result(models.TextChoices):
        PENDING = "pending", _("Being assessed")
        PROVISIONAL = "provisional", _("Provisional result")
        IN_NOTICE = "in_notice", _("In public notice")
        FINAL = "final", _("Final")

    round = models.ForeignKey(
        Round, verbose_name=_("round"), on_delete=models.PROTECT, related_name="subjects"
    )
    base = models.ForeignKey(
        "incubation.IncubationBase",
        verbose_name=_("base"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    project = models.ForeignKey(
        ServiceProject,
        verbose_name=_("service project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    # The subject's name and owning unit, copied when it enters: public notices and
    # certificates keep the name it was rated under.
    name = models.CharField(_("name"), max_length=120)
    owner_unit = models.ForeignKey(
        "orgs.LeagueUnit", verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ENTERED)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, default=Result.PENDING)
    attempt = models.PositiveSmallIntegerField(_("rating attempt"), default=1)
    note = models.TextField(_("note"), blank=True)
    applied_by = models.ForeignKey(
        USER_MODEL,
        verbose_name=_("applied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    self_assessed_at = models.DateTimeField(_("self-assessment submitted at"), null=True, blank=True)
    total = models.DecimalField(_("total points"), null=True, blank=True, max_digits=7, decimal_places=1)
    stars = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True)
    total_low = models.DecimalField(
        _("lowest assessor total"), null=True, blank=True, max_digits=7, decimal_places=1
    )
    total_high = models.DecimalField(
        _("highest assessor total"), null=True, blank=True, max_digits=7, decimal_places=1
    )
    open_flags = models.PositiveSmallIntegerField(_("indicators awaiting moderation"), default=0)
    aggregated_at = models.DateTimeField(_("aggregated at"), null=True, blank=True)
    notice_from = models.DateField(_("public notice from"), null=True, blank=True)
    notice_until = models.DateField(_("public notice until"), null=True, blank=True)
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)
    # Optimistic locking: the version of the subject and of its self-assessment (its claims), moved on by every change
    # (`hubportal.services.check_version`); the database default serves rows written by COPY.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    objects = SubjectQuerySet.as_manager()
    jurisdiction_field = "round__unit"

    class Meta:
        verbose_name = _("assessed subject")
        verbose_name_plural = _("assessed subjects")
        ordering = ["round", "name", "pk"]
        indexes = [
            models.Index(fields=["round", "result"], name="evalsubject_round_result"),
            models.Index(fields=["round", "name", "id"], name="evalsubject_round_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(base__isnull=False, organization__isnull=True, project__isnull=True)
                | Q(base__isnull=True, organization__isnull=False, project__isnull=True)
                | Q(base__isnull=True, organization__isnull=True, project__isnull=False),
                name="evalsubject_exactly_one_target",
                violation_error_message=_("A subject is exactly one base, organization or project."),
            ),
            models.UniqueConstraint(
                fields=["round", "base"],
                condition=Q(base__isnull=False),
                name="evalsubject_base_once",
                violation_error_message=_("This base is in the round already."),
            ),
            models.UniqueConstraint(
                fields=["round", "organization"],
                condition=Q(organization__isnull=False),
                name="evalsubject_org_once",
                violation_error_message=_("This organization is in the round already."),
            ),
            models.UniqueConstraint(
                fields=["round", "project"],
                condition=Q(project__isnull=False),
                name="evalsubject_project_once",
                violation_error_message=_("This project is in the round already."),
            ),
            models.CheckConstraint(
                condition=Q(stars__isnull=True) | Q(stars__gte=1, stars__lte=5), name="evalsubject_stars_1_5"
            ),
            models.CheckConstraint(
                condition=Q(result="pending") | Q(total__isnull=False, aggregated_at__isnull=False),
                name="evalsubject_result_has_total",
            ),
            models.CheckConstraint(
                condition=~Q(result__in=["in_notice", "final"])
                | Q(notice_from__isnull=False, notice_until__isnull=False, open_flags=0),
                name="evalsubject_notice_has_dates",
            ),
            models.CheckConstraint(condition=Q(attempt__gte=1), name="evalsubject_attempt_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("evaluation:subject_detail", args=[self.pk])

    @property
    def target(self) -> Any:
        return self.base or self.organization or self.project

    @property
    def grade(self) -> str:
        return self.round.grade(self.stars)

    @property
    def in_notice_now(self) -> bool:
        today = timezone.localdate()
        return (
            self.result == self.Result.IN_NOTICE
            and self.notice_from is not None
            and self.notice_until is not None
            and self.notice_from <= today <= self.notice_until
        )


@track()
class Claim(models.Model):
    """The subject's own score of one scored indicator, with its statement (自评)."""

    subject = models.ForeignKey(
        Subject,
        verbose_name=pgettext_lazy("star rating", "subject"),
        on_delete=models.CASCADE,
        related_name="claims",
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="claims"
    )
    points = models.DecimalField(_("points claimed"), null=True, blank=True, max_digits=7, decimal_places=1)
    statement = models.TextField(pgettext_lazy("star rating", "statement"), blank=True)
    updated_by = models.ForeignKey(
        USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ClaimQuerySet.as_manager()
    jurisdiction_field = "subject__round__unit"

    class Meta:
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        ordering = ["subject", "indicator__order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "indicator"], name="evalclaim_one_per_indicator"),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=0), name="evalclaim_points_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} · {self.indicator.code}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:subject_detail", args=[self.subject_id])


@track()
class Evidence(models.Model):
    """Evidence for one indicator: an uploaded file, or a link to one of the portal's own
    records (a residency, a service delivered, a report...) that the assessor can open."""

    class Kind(models.TextChoices):
        FILE = "file", _("File")
        RECORD = "record", _("Record in the portal")

    subject = models.ForeignKey(
        Subject,
        verbose_name=pgettext_lazy("star rating", "subject"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="evidence"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    file = models.FileField(
        _("file"),
        upload_to=private_upload_to,
        max_length=255,
        blank=True,
        validators=[validate_document_file],
    )
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of record"), null=True, blank=True, on_delete=models.PROTECT
    )
    object_id = models.PositiveBigIntegerField(_("record id"), null=True, blank=True)
    label = models.CharField(
        _("description"),
        max_length=200,
        help_text=_("What the evidence shows, as the assessor will read it."),
    )
    added_by = models.ForeignKey(
        USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    objects = ClaimQuerySet.as_manager()
    jurisdiction_field = "subject__round__unit"

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["subject", "indicator__order", "added_at", "pk"]
        indexes = [models.Index(fields=["subject", "indicator"], name="evalevidence_subject_ind")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="file") & ~Q(file="") & Q(content_type__isnull=True))
                | Q(kind="record", file="", content_type__isnull=False, object_id__isnull=False),
                name="evalevidence_file_or_record",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("evaluation:evidence_open", args=[self.pk])


# The expert pool and the panels ----------------------------------------------------------
@track()
class Expert(models.Model):
    """A member of a unit's expert pool (专业评审顾问团): a user marked as assessor.

    The ID card number, when recorded, lets the conflict check find the expert among an
    organization's backbone members; it is personal data, shown masked.
    """

    unit = models.ForeignKey(
        "orgs.LeagueUnit", verbose_name=_("pool of unit"), on_delete=models.PROTECT, related_name="experts"
    )
    user = models.ForeignKey(
        USER_MODEL, verbose_name=_("assessor"), on_delete=models.PROTECT, related_name="expert_pools"
    )
    expertise = models.CharField(_("field of expertise"), max_length=200, blank=True)
    employer = models.CharField(_("employer"), max_length=120, blank=True)
    id_number = models.CharField(
        _("ID card number"),
        max_length=18,
        blank=True,
        validators=[validate_id_number],
        help_text=_("Used only to find conflicts of interest with organizations' backbone members."),
    )
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    objects = ExpertQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("expert pool")
        ordering = ["unit__path", "user__full_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "user"],
                name="evalexpert_once_per_pool",
                violation_error_message=_("This assessor is in the unit's pool already."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def get_absolute_url(self) -> str:
        return reverse("evaluation:expert_list") + f"?q={self.user.username}"

    @property
    def masked_id_number(self) -> str:
        from orgs.models import mask_id_number

        return mask_id_number(self.id_number)


@track()
class Assignment(models.Model):
    """One assessor on one subject's panel for one attempt. The assessor scores alone; a
    declared conflict of interest recuses them (the assignment stays on record)."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Scoring")
        SUBMITTED = "submitted", pgettext_lazy("star rating", "Submitted")
        RECUSED = "recused", _("Recused (conflict of interest)")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    subject = models.ForeignKey(
        Subject,
        verbose_name=pgettext_lazy("star rating", "subject"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    assessor = models.ForeignKey(
        USER_MODEL,
        verbose_name=_("assessor"),
        on_delete=models.PROTECT,
        related_name="assessment_assignments",
    )
    attempt = models.PositiveSmallIntegerField(_("rating attempt"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ASSIGNED)
    deadline = models.DateField(_("scoring deadline"))
    assigned_by = models.ForeignKey(
        USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("Why the assessor was recused or the assignment withdrawn.")
    )

    objects = AssignmentQuerySet.as_manager()
    jurisdiction_field = "subject__round__unit"

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["deadline", "subject__name", "pk"]
        indexes = [
            models.Index(fields=["assessor", "status"], name="evalassign_assessor_status"),
            models.Index(fields=["subject", "attempt", "status"], name="evalassign_subject_attempt"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "assessor", "attempt"],
                name="evalassign_once_per_attempt",
                violation_error_message=_("This assessor is on the subject's panel already."),
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                name="evalassign_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["recused", "withdrawn"]) | ~Q(reason=""),
                name="evalassign_recusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} · {self.assessor}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:assignment_score", args=[self.pk])

    @property
    def is_counted(self) -> bool:
        """Whether this assignment is part of the panel (not recused or withdrawn)."""
        return self.status in (self.Status.ASSIGNED, self.Status.SUBMITTED)

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.ASSIGNED and self.deadline < timezone.localdate()


@track()
class Score(models.Model):
    """An assessor's points for one scored indicator. The indicator's maximum is copied
    here (the system is frozen), so the schema itself refuses a score above it."""

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="scores"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="scores"
    )
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=1)
    max_points = models.DecimalField(_("maximum points"), editable=False, max_digits=7, decimal_places=1)
    comment = models.TextField(_("comment"), blank=True)
    saved_at = models.DateTimeField(_("saved at"), default=timezone.now)

    objects = ScoreQuerySet.as_manager()
    jurisdiction_field = "assignment__subject__round__unit"

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["assignment", "indicator__order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "indicator"], name="evalscore_one_per_indicator"),
            models.CheckConstraint(
                condition=Q(points__gte=0) & Q(points__lte=F("max_points")),
                name="evalscore_within_maximum",
                violation_error_message=_("A score lies between zero and the indicator's maximum."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.indicator.code}: {self.points}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:assignment_score", args=[self.assignment_id])


@track()
class IndicatorResult(models.Model):
    """The panel's aggregate for one scored indicator of one subject's attempt, with its
    spread; a large disagreement is flagged until a cadre moderates it."""

    subject = models.ForeignKey(
        Subject,
        verbose_name=pgettext_lazy("star rating", "subject"),
        on_delete=models.CASCADE,
        related_name="indicator_results",
    )
    attempt = models.PositiveSmallIntegerField(_("rating attempt"), default=1)
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="results"
    )
    scores = models.PositiveSmallIntegerField(_("scores"))
    value = models.DecimalField(_("aggregate"), max_digits=8, decimal_places=2)
    low = models.DecimalField(_("lowest score"), max_digits=7, decimal_places=1)
    high = models.DecimalField(_("highest score"), max_digits=7, decimal_places=1)
    flagged = models.BooleanField(_("flagged for moderation"), default=False)
    moderated_value = models.DecimalField(
        _("moderated value"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    moderation_note = models.TextField(_("moderation note"), blank=True)
    moderated_by = models.ForeignKey(
        USER_MODEL,
        verbose_name=_("moderated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)

    objects = EvaluationQuerySet.as_manager()
    jurisdiction_field = "subject__round__unit"

    class Meta:
        verbose_name = _("indicator result")
        verbose_name_plural = _("indicator results")
        ordering = ["subject", "attempt", "indicator__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "attempt", "indicator"], name="evalresult_one_per_indicator"
            ),
            models.CheckConstraint(condition=Q(low__lte=F("high")), name="evalresult_low_below_high"),
            models.CheckConstraint(
                condition=Q(moderated_value__isnull=True) | Q(moderated_value__gte=0),
                name="evalresult_moderated_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(moderated_at__isnull=True) | ~Q(moderation_note=""),
                name="evalresult_moderation_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} · {self.indicator.code}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:subject_detail", args=[self.subject_id]) + "#results"

    @property
    def final_value(self) -> Decimal:
        return self.moderated_value if self.moderated_value is not None else self.value

    @property
    def spread(self) -> Decimal:
        return self.high - self.low

    @property
    def awaiting_moderation(self) -> bool:
        return self.flagged and self.moderated_at is None


# Public notice, objections, appeals ------------------------------------------------------
@track()
class Objection(models.Model):
    """An objection (异议) filed by anyone during a subject's public notice; the round's
    cadres answer it on the record. Upheld, it sends the subject back for re-rating."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting an answer")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    subject = models.ForeignKey(
        Subject,
        verbose_name=pgettext_lazy("star rating", "subject"),
        on_delete=models.CASCADE,
        related_name="objections",
    )
    attempt = models.PositiveSmallIntegerField(_("rating attempt"), default=1)
    name = models.CharField(_("your name"), max_length=64, blank=True)
    contact = models.CharField(
        _("contact"), max_length=100, help_text=_("A phone number or e-mail address for the answer.")
    )
    reason = models.TextField(_("reason"))
    file = models.FileField(
        _("supporting file"),
        upload_to=private_upload_to,
        max_length=255,
        blank=True,
        validators=[validate_document_file],
    )
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = EvaluationQuerySet.as_manager()
    jurisdiction_field = "subject__round__unit"

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-filed_at", "-pk"]
        indexes = [models.Index(fields=["subject", "status"], name="evalobjection_subject_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="evalobjection_answer_on_record",
            ),
        ]

    def __str__(self) -> str:
        return _("Objection to %(subject)s") % {"subject": self.subject}

    def get_absolute_url(self) -> str:
        return reverse("evaluation:objection_detail", args=[self.pk])


@track()
class Appeal(models.Model):
    """A request for review (复核) of a subject's result by the subject itself; upheld, it
    starts a re-rating whose final result supersedes the rating appealed against."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting a decision")
        UPHELD = "upheld", _("Upheld: re-rating")
        DISMISSED = "dismissed", _("Dismissed")

    subject = models.ForeignKey(
        Subject,
        verbose_name=pgettext_lazy("star rating", "subject"),
        on_delete=models.CASCADE,
        related_name="appeals",
    )
    attempt = models.PositiveSmallIntegerField(_("rating attempt"), default=1)
    reason = models.TextField(_("reason"))
    filed_by = models.ForeignKey(
        USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("decision"), blank=True)
    answered_by = models.ForeignKey(
        USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ClaimQuerySet.as_manager()
    jurisdiction_field = "subject__round__unit"

    class Meta:
        verbose_name = _("appeal (复核)")
        verbose_name_plural = _("appeals (复核)")
        ordering = ["-filed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"],
                condition=Q(status="open"),
                name="evalappeal_one_open_per_subject",
                violation_error_message=_("An appeal of this result is already waiting for a decision."),
            ),
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="evalappeal_decision_on_record",
            ),
        ]

    def __str__(self) -> str:
        return _("Appeal of %(subject)s") % {"subject": self.subject}

    def get_absolute_url(self) -> str:
        return reverse("evaluation:subject_detail", args=[self.subject_id]) + "#appeals"


# Final ratings and certificates ----------------------------------------------------------
@track()
class Rating(models.Model):
    """A final star rating with its validity. Never edited: a re-rating's final result is a
    new row, and the one it replaces becomes superseded. Expiry is derived from
    `valid_until` (an expired rating shows as expired)."""

    class Status(models.TextChoices):
        CURRENT = "current", _("In force")
        SUPERSEDED = "superseded", _("Superseded by a re-rating")

    subject = models.ForeignKey(
        Subject,
        verbose_name=pgettext_lazy("star rating", "subject"),
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    round = models.ForeignKey(
        Round, verbose_name=_("round"), on_delete=models.PROTECT, related_name="ratings"
    )
    subject_type = models.CharField(_("rates"), max_length=16, choices=SubjectType.choices)
    base = models.ForeignKey(
        "incubation.IncubationBase",
        verbose_name=_("base"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="star_ratings",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="star_ratings",
    )
    project = models.ForeignKey(
        ServiceProject,
        verbose_name=_("service project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="star_ratings",
    )
    attempt = models.PositiveSmallIntegerField(_("rating attempt"), default=1)
    year = models.PositiveSmallIntegerField(_("year"))
    stars = models.PositiveSmallIntegerField(_("stars"))
    total = models.DecimalField(_("total points"), max_digits=7, decimal_places=1)
    grade_style = models.CharField(
        _("grades shown as"), max_length=16, choices=IndicatorSystem.GradeStyle.choices, default="stars"
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CURRENT)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("superseded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supersedes",
    )
    finalised_by = models.ForeignKey(
        USER_MODEL,
        verbose_name=_("finalised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finalised_at = models.DateTimeField(_("finalised at"), default=timezone.now)

    objects = RatingQuerySet.as_manager()
    jurisdiction_field = "round__unit"

    class Meta:
        verbose_name = _("star rating")
        verbose_name_plural = _("star ratings")
        ordering = ["-valid_from", "-pk"]
        indexes = [
            models.Index(fields=["base", "status", "-valid_from"], name="evalrating_base_current"),
            models.Index(fields=["organization", "status", "-valid_from"], name="evalrating_org_current"),
            models.Index(fields=["project", "status", "-valid_from"], name="evalrating_project_current"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["subject", "attempt"], name="evalrating_one_per_attempt"),
            models.UniqueConstraint(
                fields=["subject"],
                condition=Q(status="current"),
                name="evalrating_one_current_per_subject",
            ),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="evalrating_stars_1_5"),
            models.CheckConstraint(condition=Q(valid_until__gt=F("valid_from")), name="evalrating_validity"),
            models.CheckConstraint(
                condition=~Q(status="current") | Q(superseded_by__isnull=True),
                name="evalrating_current_has_no_successor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject.name} {self.year}: {self.grade}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:subject_detail", args=[self.subject_id]) + "#ratings"

    @property
    def grade(self) -> str:
        return stars_label(self.stars, self.grade_style)

    @property
    def is_expired(self) -> bool:
        return self.valid_until < timezone.localdate()

    @property
    def standing(self) -> str:
        """In force / expired / superseded, as shown next to the stars."""
        if self.status == self.Status.SUPERSEDED:
            return str(self.Status.SUPERSEDED.label)
        return str(_("Expired")) if self.is_expired else str(self.Status.CURRENT.label)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the last day of the month when it has fewer days)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@track()
class Certificate(models.Model):
    """The certificate of a final rating: a PDF with a verification code that anyone can
    check on the public verification page. Revoked when the rating is superseded."""

    rating = models.OneToOneField(
        Rating, verbose_name=_("rating"), on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(_("verification code"), max_length=16, unique=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        USER_MODEL,
        verbose_name=pgettext_lazy("star rating", "issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason of revocation"), max_length=200, blank=True)

    objects = EvaluationQuerySet.as_manager()
    jurisdiction_field = "rating__round__unit"

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z0-9]{12,16}$"), name="evalcert_code_format"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""),
                name="evalcert_revocation_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("evaluation:certificate_pdf", args=[self.pk])

    @property
    def display_code(self) -> str:
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))
