"""Monthly reports (月度通报) and targets: forms, filed reports, spot checks, programmes.

Every model names the path to the league unit that owns its rows (`jurisdiction_field`),
so pages, the API and exports scope it with `visible_to()`.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hubportal.history import track
from hubportal.jurisdiction import Action, JurisdictionQuerySet
from orgs.models import LeagueUnit

from .expressions import ExpressionError, parse_expression


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


class PeriodType(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


PERIOD_MONTHS = {PeriodType.MONTHLY: 1, PeriodType.QUARTERLY: 3, PeriodType.YEARLY: 12}


def period_start_of(period_type: str, day: date) -> date:
    """The first day of the period of `period_type` that contains `day`."""
    if period_type == PeriodType.MONTHLY:
        return day.replace(day=1)
    if period_type == PeriodType.QUARTERLY:
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def period_end_of(period_type: str, start: date) -> date:
    return add_months(start, PERIOD_MONTHS[PeriodType(period_type)]) - timedelta(days=1)


def units_matching(levels: list[str], kinds: list[str]) -> Q:
    """Units of the given levels and kinds (an empty list means any)."""
    q = Q()
    if levels:
        q &= Q(level__in=levels)
    if kinds:
        q &= Q(kind__in=kinds)
    return q


class ReportFormQuerySet(JurisdictionQuerySet):
    def visible_to(self, user: Any, action: Action | str = Action.VIEW) -> ReportFormQuerySet:
        # A cadre reads the forms issued above their unit (they file them) and inside their
        # jurisdiction, not a neighbouring city's; only the issuing unit's subtree changes one.
        if Action(action) == Action.VIEW and user is not None and user.is_authenticated and user.is_active:
            return self.filter(issued_for_q(user))
        return super().visible_to(user, action)

    def active_on(self, day: date) -> ReportFormQuerySet:
        return self.filter(Q(active_from__lte=day), Q(active_to__isnull=True) | Q(active_to__gte=day))


@track()
class ReportForm(models.Model):
    """A versioned set of metrics a unit files every period (e.g. the 月度通报)."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        LeagueUnit, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="report_forms"
    )
    period_type = models.CharField(_("period"), max_length=16, choices=PeriodType.choices)
    deadline_day = models.PositiveSmallIntegerField(
        _("deadline day"),
        default=5,
        help_text=_("Reports are due on this day of the month after the period ends (e.g. 5)."),
    )
    levels = ArrayField(
        models.CharField(max_length=16, choices=LeagueUnit.Level.choices),
        verbose_name=_("levels"),
        default=list,
        blank=True,
        help_text=_("Units of these levels file the form; empty means every level."),
    )
    kinds = ArrayField(
        models.CharField(max_length=16, choices=LeagueUnit.Kind.choices),
        verbose_name=_("kinds"),
        default=list,
        blank=True,
        help_text=_("Units of these kinds file the form; empty means every kind."),
    )
    active_from = models.DateField(_("active from"))
    active_to = models.DateField(_("active to"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ReportFormQuerySet.as_manager()
    jurisdiction_field = "owner"

    class Meta:
        verbose_name = _("report form")
        verbose_name_plural = _("report forms")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="reportform_code_version_unique"),
            models.CheckConstraint(
                condition=Q(deadline_day__gte=1, deadline_day__lte=28), name="reportform_deadline_day_range"
            ),
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_to__gte=F("active_from")),
                name="reportform_active_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def get_absolute_url(self) -> str:
        return reverse("reporting:form_detail", args=[self.pk])

    def period_for(self, day: date) -> tuple[date, date]:
        start = period_start_of(self.period_type, day)
        return start, period_end_of(self.period_type, start)

    def deadline_for(self, period_end: date) -> date:
        return (period_end + timedelta(days=1)).replace(day=self.deadline_day)

    def applies_to(self, unit: LeagueUnit) -> bool:
        return (not self.levels or unit.level in self.levels) and (not self.kinds or unit.kind in self.kinds)

    def due_units_q(self) -> Q:
        return units_matching(self.levels, self.kinds)


class MetricType(models.TextChoices):
    INTEGER = "integer", _("Whole number")
    MONEY = "money", _("Money (yuan)")
    PERCENT = "percent", _("Percentage")
    TEXT = "text", _("Text")
    ATTACHMENT = "attachment", _("Attachment")


NUMERIC_TYPES = {MetricType.INTEGER, MetricType.MONEY, MetricType.PERCENT}


@track()
class ReportMetric(models.Model):
    """One figure or narrative on a report form, identified by a stable code."""

    form = models.ForeignKey(
        ReportForm, verbose_name=_("form"), on_delete=models.CASCADE, related_name="metrics"
    )
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=120)
    help_text = models.CharField(_("help text"), max_length=255, blank=True)
    type = models.CharField(_("type"), max_length=16, choices=MetricType.choices)
    required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "form__owner"

    class Meta:
        verbose_name = _("report metric")
        verbose_name_plural = _("report metrics")
        ordering = ["form", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["form", "code"], name="reportmetric_form_code_unique"),
            models.CheckConstraint(condition=~Q(code=""), name="reportmetric_code_set"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES


@track()
class ValidationRule(models.Model):
    """A check between a form's metrics, e.g. `branches_founded <= orgs_contacted`."""

    form = models.ForeignKey(
        ReportForm, verbose_name=_("form"), on_delete=models.CASCADE, related_name="rules"
    )
    expression = models.CharField(
        _("expression"),
        max_length=255,
        help_text=_("Metric codes, numbers, + - * /, comparisons and and/or/not, e.g. a <= b + c."),
    )
    message = models.CharField(_("message when it fails"), max_length=255)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "form__owner"

    class Meta:
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")
        ordering = ["form", "pk"]

    def __str__(self) -> str:
        return self.expression

    def clean(self) -> None:
        codes = set(self.form.metrics.values_list("code", flat=True)) if self.form_id else set()
        try:
            parse_expression(self.expression, codes)
        except ExpressionError as exc:
            raise ValidationError({"expression": str(exc)}) from exc


class ReportQuerySet(JurisdictionQuerySet):
    def with_timeliness(self) -> ReportQuerySet:
        return self.select_related("form", "unit")

    def awaiting_approval_by(self, user: Any) -> ReportQuerySet:
        """Submitted reports whose parent unit the user may change (never their own unit's)."""
        if user.is_superuser:
            return self.filter(status__in=Report.AWAITING_APPROVAL)
        from hubportal.jurisdiction import subtree_q

        paths = user.jurisdiction_paths(Action.CHANGE)
        if not paths:
            return self.none()
        return self.filter(status__in=Report.AWAITING_APPROVAL).filter(subtree_q(paths, "unit__parent"))


@track()
class Report(models.Model):
    """One unit's filing of one form for one period; drafts until submitted, locked once approved.

    `version` increases with every save, so two cadres editing one draft cannot overwrite
    each other (the second save names who changed it). `first_submitted_at` against the
    deadline decides timeliness; nobody clicks "complete".
    """

    class Status(models.TextChoices):
        # A context of their own: other apps translate "Submitted" as a column heading.
        DRAFT = "draft", pgettext_lazy("report status", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("report status", "Submitted")
        RETURNED = "returned", pgettext_lazy("report status", "Returned")
        RESUBMITTED = "resubmitted", pgettext_lazy("report status", "Resubmitted")
        APPROVED = "approved", pgettext_lazy("report status", "Approved")

    AWAITING_APPROVAL = (Status.SUBMITTED, Status.RESUBMITTED)
    EDITABLE = (Status.DRAFT, Status.RETURNED)

    form = models.ForeignKey(
        ReportForm, verbose_name=_("form"), on_delete=models.PROTECT, related_name="reports"
    )
    unit = models.ForeignKey(
        LeagueUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="reports"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unlocked_until = models.DateTimeField(_("unlocked until"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("last changed at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ReportQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-period_start", "unit__path"]
        indexes = [
            models.Index(fields=["form", "period_start", "status"], name="report_form_period_status"),
            # The list's default order (newest period first, then by id): pages come from the index.
            models.Index(F("period_start").desc(), F("id"), name="report_period_desc_id"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "unit", "period_start"], name="report_one_per_unit_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="report_period_range"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="report_approved_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(first_submitted_at__isnull=False),
                name="report_filed_has_submission_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.form.name} · {self.period_label}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:report_detail", args=[self.pk])

    @property
    def period_label(self) -> str:
        if self.form.period_type == PeriodType.MONTHLY:
            return f"{self.period_start:%Y-%m}"
        if self.form.period_type == PeriodType.QUARTERLY:
            return f"{self.period_start.year}Q{(self.period_start.month - 1) // 3 + 1}"
        return str(self.period_start.year)

    @property
    def is_late(self) -> bool:
        """Filed after the deadline (or, unfiled, the deadline has passed)."""
        if self.first_submitted_at is None:
            return timezone.localdate() > self.deadline
        return timezone.localtime(self.first_submitted_at).date() > self.deadline

    @property
    def is_unlocked(self) -> bool:
        return self.unlocked_until is not None and self.unlocked_until > timezone.now()

    def editable_reason(self, now: datetime | None = None) -> str | None:
        """Why the values cannot be changed now, or None when they can."""
        now = now or timezone.now()
        if self.unlocked_until is not None and self.unlocked_until > now:
            return None
        if self.status == self.Status.RETURNED:
            return None
        if self.status == self.Status.DRAFT:
            if timezone.localtime(now).date() > self.deadline:
                return str(_("The deadline has passed: ask the parent unit to unlock the report."))
            return None
        if self.status == self.Status.APPROVED:
            return str(_("The report is approved and locked: ask the parent unit to unlock it."))
        return str(_("The report has been submitted and awaits approval."))


@track()
class ReportValue(models.Model):
    """One metric's value in one report; the column used depends on the metric's type."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="values"
    )
    metric = models.ForeignKey(
        ReportMetric, verbose_name=_("metric"), on_delete=models.PROTECT, related_name="values"
    )
    int_value = models.BigIntegerField(_("whole number"), null=True, blank=True)
    decimal_value = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    text_value = models.TextField(_("text"), blank=True)
    file = models.FileField(_("attachment"), upload_to="reports/%Y/%m/", blank=True)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "report__unit"

    class Meta:
        verbose_name = _("report value")
        verbose_name_plural = _("report values")
        constraints = [
            models.UniqueConstraint(fields=["report", "metric"], name="reportvalue_one_per_metric"),
            models.CheckConstraint(
                condition=Q(int_value__isnull=True) | Q(decimal_value__isnull=True),
                name="reportvalue_one_numeric_column",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric.code}={self.display}"

    @property
    def attachment_name(self) -> str:
        """The attachment's file name, without the folders it is stored in."""
        return (self.file.name or "").rsplit("/", 1)[-1]

    @property
    def value(self) -> Any:
        if self.metric.type == MetricType.INTEGER:
            return self.int_value
        if self.metric.type in (MetricType.MONEY, MetricType.PERCENT):
            return self.decimal_value
        if self.metric.type == MetricType.ATTACHMENT:
            return self.file.name if self.file else ""
        return self.text_value

    @property
    def display(self) -> str:
        value = self.value
        return "" if value is None else str(value)


@track()
class ReportVersion(models.Model):
    """A frozen copy of a report as it was submitted (every submission keeps one)."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("number"))
    status = models.CharField(_("status"), max_length=16, choices=Report.Status.choices)
    data = models.JSONField(_("values"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "report__unit"

    class Meta:
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")
        ordering = ["report", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="reportversion_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.number}"


@track()
class ReturnReason(models.Model):
    """Why the parent unit returned a report: a reason code and a comment."""

    class Code(models.TextChoices):
        MISSING = "missing", _("Figures missing")
        WRONG = "wrong", _("Figures look wrong")
        EVIDENCE = "evidence", _("Evidence missing")
        NARRATIVE = "narrative", _("Narrative incomplete")
        OTHER = "other", _("Other")

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="returns"
    )
    code = models.CharField(_("reason"), max_length=16, choices=Code.choices)
    comment = models.TextField(_("comment"), blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("returned by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("returned at"), auto_now_add=True)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "report__unit"

    class Meta:
        verbose_name = _("return reason")
        verbose_name_plural = _("return reasons")
        ordering = ["-returned_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(code="other") | ~Q(comment=""), name="returnreason_other_has_comment"
            )
        ]

    def __str__(self) -> str:
        return self.get_code_display()


@track()
class UnlockRequest(models.Model):
    """Late entry into a locked or past-deadline report: request, decision, time-boxed unlock."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="unlocks"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    unlocked_until = models.DateTimeField(_("unlocked until"), null=True, blank=True)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "report__unit"

    class Meta:
        verbose_name = _("unlock request")
        verbose_name_plural = _("unlock requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["report"], condition=Q(status="pending"), name="unlockrequest_one_pending_per_report"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(unlocked_until__isnull=False),
                name="unlockrequest_approved_has_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} · {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:report_detail", args=[self.report_id])


@track()
class Reminder(models.Model):
    """A reminder sent to a unit that has not filed; one per step, never twice."""

    class Step(models.TextChoices):
        BEFORE = "before", _("Before the deadline")
        AFTER = "after", _("After the deadline")
        ESCALATED = "escalated", _("Escalated to the parent unit")

    form = models.ForeignKey(ReportForm, verbose_name=_("form"), on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(LeagueUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField(_("period start"))
    step = models.CharField(_("step"), max_length=16, choices=Step.choices)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "unit", "period_start", "step"], name="reminder_once_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_step_display()}"


@track()
class SpotCheck(models.Model):
    """A phone spot check (电话抽查): a seeded random sample of facts within a unit's subtree."""

    unit = models.ForeignKey(LeagueUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    seed = models.BigIntegerField(_("random seed"))
    sample_size = models.PositiveIntegerField(_("sample size"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drawn by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("drawn at"), auto_now_add=True)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="spotcheck_period_range"
            ),
            models.CheckConstraint(condition=Q(sample_size__gt=0), name="spotcheck_sample_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reporting:spotcheck_detail", args=[self.pk])


@track()
class SpotCheckItem(models.Model):
    """One sampled fact (a report value or a registry record) and the outcome of its call."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not called yet")
        CONFIRMED = "confirmed", _("Confirmed")
        NOT_REACHABLE = "not_reachable", _("Not reachable")
        FALSE = "false", _("False")
        # A fact found false that the unit has since put right: it counts again.
        CORRECTED = "corrected", _("Found false, since corrected")

    spot_check = models.ForeignKey(
        SpotCheck, verbose_name=_("spot check"), on_delete=models.CASCADE, related_name="items"
    )
    unit = models.ForeignKey(LeagueUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    content_type = models.ForeignKey(ContentType, verbose_name=_("kind of record"), on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    description = models.CharField(_("fact"), max_length=255)
    weight = models.FloatField(_("sampling weight"), default=1.0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    note = models.TextField(_("note"), blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("spot-check item")
        verbose_name_plural = _("spot-check items")
        ordering = ["spot_check", "unit__path", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="spotcheckitem_record")]
        constraints = [
            models.UniqueConstraint(
                fields=["spot_check", "content_type", "object_id"], name="spotcheckitem_once_per_check"
            ),
            models.CheckConstraint(
                condition=Q(outcome="pending") | Q(checked_at__isnull=False),
                name="spotcheckitem_outcome_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def get_absolute_url(self) -> str:
        return reverse("reporting:spotcheck_detail", args=[self.spot_check_id])


def issued_for_q(user: Any, field: str = "") -> Q:
    """Plans and forms a cadre may read: those issued by a unit above or at their own (they
    apply to it) and those issued inside their jurisdiction — not a neighbouring city's.

    `field` is the path to the plan or form from the queried model (e.g. "programme")."""
    from orgs.models.units import PATH_SEGMENT_WIDTH

    owner = f"{field}__owner" if field else "owner"
    if user.is_superuser:
        return Q()
    if not user.is_cadre:
        return Q(pk__in=[])
    paths = user.jurisdiction_paths(Action.VIEW)
    step = PATH_SEGMENT_WIDTH + 1
    above = sorted({path[:end] for path in paths for end in range(step, len(path) + 1, step)})
    q = Q(**{f"{owner}__path__in": above})
    for path in paths:
        q |= Q(**{f"{owner}__path__startswith": path})
    return q


programmes_readable_q = issued_for_q


@track()
class Programme(models.Model):
    """A plan with numeric targets (e.g. the 2012 亲青汇 plan), with launch, implementation and
    inspection phases."""

    owner = models.ForeignKey(
        LeagueUnit, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    launch_on = models.DateField(_("launch phase starts"))
    implementation_on = models.DateField(_("implementation phase starts"))
    inspection_on = models.DateField(_("inspection phase starts"))
    ends_on = models.DateField(_("ends on"))

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "owner"

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-start_year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="programme_unique_name"),
            models.CheckConstraint(condition=Q(end_year__gte=F("start_year")), name="programme_years"),
            models.CheckConstraint(
                condition=Q(implementation_on__gte=F("launch_on"))
                & Q(inspection_on__gte=F("implementation_on"))
                & Q(ends_on__gte=F("inspection_on")),
                name="programme_phases_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reporting:programme_detail", args=[self.pk])

    def phase_on(self, day: date) -> str:
        if day < self.launch_on:
            return str(_("Not started"))
        if day < self.implementation_on:
            return str(_("Launch"))
        if day < self.inspection_on:
            return str(_("Implementation"))
        if day <= self.ends_on:
            return str(_("Inspection"))
        return str(_("Finished"))


class Comparator(models.TextChoices):
    GTE = "gte", "≥"
    LTE = "lte", "≤"
    EQ = "eq", "="


class Window(models.TextChoices):
    TO_DATE = "to_date", _("Everything up to the deadline")
    PROGRAMME = "programme", _("Since the programme started")
    YEAR = "year", _("Each year")
    QUARTER = "quarter", _("Each quarter")


@track()
class TargetRule(models.Model):
    """A numeric target of a programme: a metric, a comparator and threshold, a deadline, and
    the units it applies to (level, PRD tag, kind)."""

    class RegionScope(models.TextChoices):
        ANY = "any", _("Any region")
        PRD = "prd", _("Pearl River Delta")
        NON_PRD = "non_prd", _("Outside the Pearl River Delta")

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="rules"
    )
    label = models.CharField(_("target"), max_length=160)
    metric = models.CharField(_("metric"), max_length=60, help_text=_("A code of the metric registry."))
    comparator = models.CharField(
        _("comparator"), max_length=3, choices=Comparator.choices, default=Comparator.GTE
    )
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=2)
    window = models.CharField(_("counted"), max_length=16, choices=Window.choices, default=Window.PROGRAMME)
    deadline = models.DateField(_("deadline"))
    levels = ArrayField(
        models.CharField(max_length=16, choices=LeagueUnit.Level.choices),
        verbose_name=_("levels"),
        default=list,
        blank=True,
    )
    region = models.CharField(_("region"), max_length=8, choices=RegionScope.choices, default=RegionScope.ANY)
    kinds = ArrayField(
        models.CharField(max_length=16, choices=LeagueUnit.Kind.choices),
        verbose_name=_("kinds"),
        default=list,
        blank=True,
    )
    undergraduate_only = models.BooleanField(_("undergraduate universities only"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "programme__owner"

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["programme", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "label"], name="targetrule_unique_label"),
            models.CheckConstraint(condition=Q(threshold__gte=0), name="targetrule_threshold_not_negative"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def levels_display(self) -> str:
        """The levels by their translated names (the array holds codes such as "city")."""
        names = dict(LeagueUnit.Level.choices)
        return "、".join(str(names.get(code, code)) for code in self.levels)

    @property
    def kinds_display(self) -> str:
        names = dict(LeagueUnit.Kind.choices)
        return "、".join(str(names.get(code, code)) for code in self.kinds)

    def applies_to(self, unit: LeagueUnit) -> bool:
        """Pure Python on an already loaded unit: tracking groups units without a query.

        A programme binds the units below the unit that issued it (中山's plan binds 中山's
        units only)."""
        if not unit.path.startswith(self.programme.owner.path):
            return False
        if self.levels and unit.level not in self.levels:
            return False
        if self.kinds and unit.kind not in self.kinds:
            return False
        if self.region != self.RegionScope.ANY and unit.region != self.region:
            return False
        return not self.undergraduate_only or unit.is_undergraduate

    def clean(self) -> None:
        from .metrics import registry

        if self.metric and registry.get(self.metric) is None:
            raise ValidationError(
                {"metric": _("There is no metric with the code “%(code)s”.") % {"code": self.metric}}
            )


@track()
class TargetSnapshot(models.Model):
    """A unit's progress on one target in one quarter, as computed by the tracking run."""

    class Status(models.TextChoices):
        MET = "met", _("Met")
        ON_TRACK = "on_track", _("On track")
        BEHIND = "behind", _("Behind")
        OVERDUE = "overdue", _("Overdue")
        NO_DATA = "no_data", _("No data source yet")

    rule = models.ForeignKey(
        TargetRule, verbose_name=_("target"), on_delete=models.CASCADE, related_name="snapshots"
    )
    unit = models.ForeignKey(LeagueUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("quarter"), max_length=6, help_text=_("e.g. 2026Q3"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, null=True, blank=True)
    confirmed_value = models.DecimalField(
        _("value after spot checks"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The value without reported figures that a spot check found false."),
    )
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=2)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        help_text=_("Decided by the value after spot checks where there is one."),
    )
    computed_at = models.DateTimeField(_("computed at"))
    # The records behind the value, stored by the run that computed it (see EvidenceSet).
    evidence_set = models.ForeignKey(
        "EvidenceSet",
        verbose_name=_("evidence"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    numerator = models.PositiveIntegerField(_("numerator"), null=True, blank=True)
    denominator = models.PositiveIntegerField(_("denominator"), null=True, blank=True)
    # The same fact from the other source (registry ↔ reports) over the same window.
    compared_metric = models.CharField(_("compared with"), max_length=60, blank=True)
    compared_value = models.DecimalField(
        _("value in the other source"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    compared_flag = models.BooleanField(
        _("difference beyond tolerance"), default=False, help_text=_("Registry and reports disagree.")
    )

    objects = JurisdictionQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("target snapshot")
        verbose_name_plural = _("target snapshots")
        ordering = ["period", "unit__path", "rule__order"]
        indexes = [models.Index(fields=["period", "status"], name="targetsnapshot_period_status")]
        constraints = [
            models.UniqueConstraint(fields=["rule", "unit", "period"], name="targetsnapshot_unique"),
            models.CheckConstraint(
                condition=Q(period__regex=r"^[0-9]{4}Q[1-4]$"), name="targetsnapshot_period_format"
            ),
            models.CheckConstraint(
                condition=Q(status="no_data") | Q(value__isnull=False),
                name="targetsnapshot_value_unless_no_data",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.rule} · {self.period}"

    @property
    def decisive_value(self) -> Decimal | None:
        """The value the status is judged on: after spot checks where there is one."""
        return self.confirmed_value if self.confirmed_value is not None else self.value

    @property
    def difference(self) -> Decimal | None:
        if self.value is None or self.compared_value is None:
            return None
        return self.value - self.compared_value


class EvidenceSet(models.Model):
    """The records a tracking run counted for one metric over one window in one quarter.

    Every snapshot of that (metric, window, quarter) points to it: its value is an aggregate
    of these rows and its drill-down lists them, so a number always equals its evidence —
    also months later, when the records themselves have changed. A run rewrites the sets
    of its quarter together with the snapshots; a closed quarter keeps them.
    """

    period = models.CharField(_("quarter"), max_length=6)
    metric = models.CharField(_("metric"), max_length=60)
    start = models.DateField(_("counted from"), null=True, blank=True)
    end = models.DateField(_("counted to"))
    content_type = models.ForeignKey(ContentType, verbose_name=_("kind of record"), on_delete=models.PROTECT)
    aggregate = models.CharField(_("aggregate"), max_length=8)
    scope = models.CharField(_("scope"), max_length=8)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("evidence set")
        verbose_name_plural = _("evidence sets")
        indexes = [models.Index(fields=["period", "metric"], name="evidenceset_period_metric")]

    def __str__(self) -> str:
        return f"{self.metric} · {self.period}"


class EvidenceRow(models.Model):
    """One record behind a number: the record (by content type of its set and id), the path
    of the unit that owns it, its distinct key, its contribution, whether it is in a share's
    numerator and whether a spot check found it false."""

    # No database constraint: a tracking run writes ~460,000 rows at province scale, and the
    # deferred check of each row's set cost 3–4 s at its COMMIT (11.5 s → 7.7 s without). The
    # rows are written in the same statement as their set and deleted with it
    # (`reporting.tracking._delete_quarter`, the only delete), so no row can lose its set.
    evidence_set = models.ForeignKey(
        EvidenceSet, on_delete=models.DO_NOTHING, related_name="rows", db_constraint=False
    )
    owner_path = models.CharField(max_length=255)
    unit_id = models.BigIntegerField()
    object_id = models.BigIntegerField()
    key = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=20, decimal_places=2)
    hit = models.BooleanField()
    found_false = models.BooleanField()

    class Meta:
        verbose_name = _("evidence row")
        verbose_name_plural = _("evidence rows")
        indexes = [
            # "this unit and below" within one set is a prefix scan of this index.
            models.Index(
                fields=["evidence_set", "owner_path"],
                name="evidencerow_set_path",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.evidence_set_id} · {self.object_id}"


@track()
class QuarterClosure(models.Model):
    """A quarter closed by the province (or automatically after its last report deadline):
    its snapshots and their evidence are frozen, later tracking runs refuse to rewrite it.
    Reopening needs an administrator's reason, which the change history keeps."""

    period = models.CharField(_("quarter"), max_length=6, unique=True)
    closed = models.BooleanField(_("closed"), default=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the quarter closed automatically after its last report deadline."),
    )
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reopened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason for reopening"), blank=True)

    class Meta:
        verbose_name = _("closed quarter")
        verbose_name_plural = _("closed quarters")
        ordering = ["-period"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period__regex=r"^[0-9]{4}Q[1-4]$"), name="quarterclosure_period_format"
            ),
            models.CheckConstraint(
                condition=Q(closed=False) | Q(closed_at__isnull=False), name="quarterclosure_closed_has_time"
            ),
            models.CheckConstraint(
                condition=Q(reopened_at__isnull=True) | ~Q(reason=""), name="quarterclosure_reopen_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.period
