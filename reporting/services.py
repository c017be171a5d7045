"""State changes of the reporting app: filing, approval, unlocking, Excel round trip,
reminders and spot checks. Pages, the API and the Excel import call the same functions.

Every function runs in one transaction, re-reads its rows through `visible_to()` with a
row lock, and raises `ValidationError` with a translated message on bad input, so nothing
is half applied.
"""

from __future__ import annotations

import hmac
import io
import json
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Count, FilteredRelation, Max, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Membership
from hubportal.jurisdiction import Action, user_can
from hubportal.messaging import Message, send_message
from orgs.models import LeagueUnit

from .expressions import ExpressionError, evaluate, parse_expression
from .models import (
    MetricType,
    Reminder,
    Report,
    ReportForm,
    ReportMetric,
    ReportValue,
    ReportVersion,
    ReturnReason,
    SpotCheck,
    SpotCheckItem,
    UnlockRequest,
)

MAX_MONEY = Decimal("999999999999.99")
ATTACHMENT_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx"}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
NON_FIELD = "__all__"


class ConcurrentEditError(ValidationError):
    """Someone else saved the report since this editor loaded it."""


# Filing ---------------------------------------------------------------------------


def report_for(user: Any, form: ReportForm, unit: LeagueUnit, day: date) -> Report:
    """The report of `unit` on `form` for the period containing `day`, created on demand."""
    if not user_can(user, unit, Action.VIEW):
        raise ValidationError(_("This unit lies outside your jurisdiction."))
    if not form.applies_to(unit):
        raise ValidationError(_("Units of this level or kind do not file this form."))
    start, end = form.period_for(day)
    if start < form.period_for(form.active_from)[0] or (form.active_to and start > form.active_to):
        raise ValidationError(_("The form is not in use for this period."))
    report, _created = Report.objects.get_or_create(
        form=form,
        unit=unit,
        period_start=start,
        defaults={"period_end": end, "deadline": form.deadline_for(end), "updated_by": None},
    )
    return report


def _locked_report(user: Any, report_id: int, action: Action = Action.CHANGE) -> Report:
    try:
        return (
            Report.objects.visible_to(user, action)
            .select_for_update(of=("self",))
            .select_related("form", "unit", "unit__parent", "updated_by")
            .get(pk=report_id)
        )
    except Report.DoesNotExist as exc:
        raise ValidationError(
            _("This report does not exist or lies outside the units you may change.")
        ) from exc


def clean_value(metric: ReportMetric, raw: Any) -> Any:
    """Check one raw value against its metric's type; returns the typed value or None."""
    if isinstance(raw, str):
        raw = raw.strip().replace(",", "").replace("，", "")
    if raw is None or raw == "":
        return None
    if metric.type == MetricType.INTEGER:
        not_whole = ValidationError(_("“%(value)s” is not a whole number.") % {"value": raw})
        if isinstance(raw, bool):
            raise not_whole
        if isinstance(raw, int):
            value = raw
        else:
            try:
                number = Decimal(str(raw))
            except InvalidOperation:
                raise not_whole from None
            if not number.is_finite() or number != number.to_integral_value():
                raise not_whole
            value = int(number)
        if value < 0:
            raise ValidationError(_("A count cannot be negative."))
        if value > 10**15:
            raise ValidationError(_("The number is too large."))
        return value
    if metric.type in (MetricType.MONEY, MetricType.PERCENT):
        if isinstance(raw, str) and metric.type == MetricType.PERCENT:
            raw = raw.rstrip("%")
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw}) from None
        if not value.is_finite():
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw})
        if value.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ValidationError(_("Give at most two decimal places (fen)."))
        if value < 0:
            raise ValidationError(_("The amount cannot be negative."))
        if metric.type == MetricType.PERCENT and value > 100:
            raise ValidationError(_("A percentage lies between 0 and 100."))
        if value > MAX_MONEY:
            raise ValidationError(_("The amount is too large."))
        return value.quantize(Decimal("0.01"))
    if metric.type == MetricType.TEXT:
        value = str(raw)
        if len(value) > 5000:
            raise ValidationError(_("Keep the text under 5,000 characters."))
        return value
    # Attachment
    if not isinstance(raw, UploadedFile):
        raise ValidationError(_("Upload a file."))
    if Path(raw.name or "").suffix.lower() not in ATTACHMENT_EXTENSIONS:
        raise ValidationError(_("Attach a PDF, image, Word or Excel file."))
    if raw.size and raw.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB."))
    return raw


def validate_values(
    report: Report,
    metrics: list[ReportMetric],
    raw: Mapping[str, Any],
    files: Mapping[str, Any],
    existing: dict[int, ReportValue],
    for_submission: bool,
) -> dict[str, Any]:
    """Type-check every value, then the form's rules; raises one ValidationError naming every
    bad field (keyed by metric code) and every failed rule."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for metric in metrics:
        source = files if metric.type == MetricType.ATTACHMENT else raw
        try:
            value = clean_value(metric, source.get(metric.code))
        except ValidationError as exc:
            errors[metric.code] = exc.messages
            continue
        if value is None and metric.type == MetricType.ATTACHMENT and metric.pk in existing:
            value = existing[metric.pk].file.name or None  # keep the file already attached
        if for_submission and metric.required and value in (None, ""):
            errors[metric.code] = [_("This figure is required to submit the report.")]
            continue
        cleaned[metric.code] = value
    if not errors:
        numeric = {m.code: cleaned.get(m.code) for m in metrics if m.is_numeric}
        codes = [m.code for m in metrics]
        for rule in report.form.rules.all():
            try:
                ok = evaluate(parse_expression(rule.expression, codes), numeric)
            except ExpressionError as exc:
                errors.setdefault(NON_FIELD, []).append(str(exc))
                continue
            if not ok:
                errors.setdefault(NON_FIELD, []).append(rule.message)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_version(report: Report, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != report.version:
        who = str(report.updated_by) if report.updated_by else _("someone else")
        when = date_format(timezone.localtime(report.updated_at), "DATETIME_FORMAT")
        raise ConcurrentEditError(
            _(
                "This report was changed by %(who)s at %(when)s after you opened it. "
                "Nothing was saved: reload the page and enter your changes again."
            )
            % {"who": who, "when": when}
        )


@transaction.atomic
def save_report_values(
    report_id: int,
    user: Any,
    raw: Mapping[str, Any],
    files: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    submit: bool = False,
) -> Report:
    """Save a draft's values (and optionally submit it); all or nothing.

    `expected_version` is the version the editor loaded: if the report changed since, the
    save is refused with who changed it and when.
    """
    report = _locked_report(user, report_id)
    _check_version(report, expected_version)
    reason = report.editable_reason()
    if reason:
        raise ValidationError(reason)
    metrics = list(report.form.metrics.all())
    existing = {v.metric_id: v for v in report.values.all()}
    cleaned = validate_values(report, metrics, raw, files or {}, existing, for_submission=submit)
    to_create, to_update = [], []
    for metric in metrics:
        value = cleaned.get(metric.code)
        row = existing.get(metric.pk) or ReportValue(report=report, metric=metric)
        row.int_value = value if metric.type == MetricType.INTEGER else None
        row.decimal_value = value if metric.type in (MetricType.MONEY, MetricType.PERCENT) else None
        row.text_value = value or "" if metric.type == MetricType.TEXT else ""
        if metric.type == MetricType.ATTACHMENT:
            if isinstance(value, UploadedFile):
                row.file.save(value.name or "attachment", value, save=False)
            elif value is None:
                row.file = None  # type: ignore[assignment]
        (to_update if row.pk else to_create).append(row)
    ReportValue.objects.bulk_create(to_create)
    ReportValue.objects.bulk_update(to_update, ["int_value", "decimal_value", "text_value", "file"])
    report.version += 1
    report.updated_by = user
    report.updated_at = timezone.now()
    report.save(update_fields=["version", "updated_by", "updated_at"])
    if submit:
        _submit(report, user)
    return report


def _snapshot_data(report: Report) -> dict[str, Any]:
    values = report.values.select_related("metric")
    return {v.metric.code: (str(v.value) if v.value is not None else None) for v in values}


def _submit(report: Report, user: Any) -> None:
    now = timezone.now()
    report.status = Report.Status.RESUBMITTED if report.first_submitted_at else Report.Status.SUBMITTED
    report.first_submitted_at = report.first_submitted_at or now
    report.submitted_at = now
    report.unlocked_until = None  # an unlock lasts until the corrected report is submitted
    report.updated_by, report.updated_at = user, now
    report.version += 1
    report.save(
        update_fields=[
            "status",
            "first_submitted_at",
            "submitted_at",
            "unlocked_until",
            "updated_by",
            "updated_at",
            "version",
        ]
    )
    number = (report.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    ReportVersion.objects.create(
        report=report, number=number, status=report.status, data=_snapshot_data(report), created_by=user
    )


@transaction.atomic
def submit_report(report_id: int, user: Any, expected_version: int | None = None) -> Report:
    """Submit the saved values as they are (required figures and rules re-checked)."""
    report = _locked_report(user, report_id)
    _check_version(report, expected_version)
    reason = report.editable_reason()
    if reason:
        raise ValidationError(reason)
    metrics = list(report.form.metrics.all())
    existing = {v.metric_id: v for v in report.values.all()}
    raw = {
        m.code: existing[m.pk].value if m.pk in existing else None for m in metrics if m.type != "attachment"
    }
    validate_values(report, metrics, raw, {}, existing, for_submission=True)
    _submit(report, user)
    return report


def can_approve(user: Any, report: Report) -> bool:
    """Only cadres of the PARENT unit (or above) approve; the filing unit never approves itself."""
    if user.is_superuser:
        return True
    parent = report.unit.parent
    return parent is not None and user_can(user, parent, Action.CHANGE)


def _approvable(user: Any, report_id: int) -> Report:
    try:
        report = (
            Report.objects.visible_to(user, Action.VIEW)
            .select_for_update(of=("self",))
            .select_related("form", "unit", "unit__parent")
            .get(pk=report_id)
        )
    except Report.DoesNotExist as exc:
        raise ValidationError(_("This report does not exist or lies outside your jurisdiction.")) from exc
    if not can_approve(user, report):
        raise ValidationError(_("Only a cadre of the parent unit may approve or return this report."))
    return report


@transaction.atomic
def approve_report(report_id: int, user: Any) -> Report:
    """Approve a submitted report; it is locked from then on."""
    report = _approvable(user, report_id)
    if report.status not in Report.AWAITING_APPROVAL:
        raise ValidationError(_("Only a submitted report can be approved."))
    report.status = Report.Status.APPROVED
    report.approved_at, report.approved_by = timezone.now(), user
    report.version += 1
    report.save(update_fields=["status", "approved_at", "approved_by", "version"])
    return report


@transaction.atomic
def return_report(report_id: int, user: Any, code: str, comment: str = "") -> Report:
    """Return a submitted report to its unit with a reason code and a comment."""
    report = _approvable(user, report_id)
    if report.status not in Report.AWAITING_APPROVAL:
        raise ValidationError(_("Only a submitted report can be returned."))
    if code not in ReturnReason.Code.values:
        raise ValidationError({"code": [_("Choose a reason for returning the report.")]})
    comment = (comment or "").strip()
    if code == ReturnReason.Code.OTHER and not comment:
        raise ValidationError({"comment": [_("Say what is wrong when the reason is “other”.")]})
    ReturnReason.objects.create(report=report, code=code, comment=comment, returned_by=user)
    report.status = Report.Status.RETURNED
    report.version += 1
    report.save(update_fields=["status", "version"])
    return report


@transaction.atomic
def request_unlock(report_id: int, user: Any, reason: str) -> UnlockRequest:
    """Ask the parent unit to reopen an approved or past-deadline report."""
    report = _locked_report(user, report_id)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the report must be reopened.")]})
    if report.status in Report.AWAITING_APPROVAL:
        raise ValidationError(_("The report awaits approval: the parent unit can return it instead."))
    if report.editable_reason() is None:
        raise ValidationError(_("The report can still be edited; no unlock is needed."))
    if report.unlocks.filter(status=UnlockRequest.Status.PENDING).exists():
        raise ValidationError(_("An unlock request for this report is already waiting for a decision."))
    return UnlockRequest.objects.create(report=report, reason=reason.strip(), requested_by=user)


@transaction.atomic
def decide_unlock(request_id: int, user: Any, approve: bool, hours: int = 72) -> UnlockRequest:
    """The parent unit grants a time-boxed unlock (or refuses it); both are recorded."""
    try:
        request = (
            UnlockRequest.objects.visible_to(user, Action.VIEW)
            .select_for_update(of=("self",))
            .select_related("report")
            .get(pk=request_id)
        )
    except UnlockRequest.DoesNotExist as exc:
        raise ValidationError(_("This request does not exist or lies outside your jurisdiction.")) from exc
    report = _approvable(user, request.report_id)
    if request.status != UnlockRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    if not 1 <= int(hours) <= 24 * 30:
        raise ValidationError({"hours": [_("Unlock for between 1 hour and 30 days.")]})
    now = timezone.now()
    request.decided_by, request.decided_at = user, now
    if approve:
        request.status = UnlockRequest.Status.APPROVED
        request.unlocked_until = now + timedelta(hours=int(hours))
        report.unlocked_until = request.unlocked_until
        if report.status == Report.Status.APPROVED:
            report.status = Report.Status.DRAFT  # corrected figures need a new submission and approval
        report.version += 1
        report.save(update_fields=["unlocked_until", "status", "version"])
    else:
        request.status = UnlockRequest.Status.REJECTED
    request.save(update_fields=["status", "decided_by", "decided_at", "unlocked_until"])
    return request


# Excel round trip -----------------------------------------------------------------

CODES_SHEET = "_codes"
FIRST_VALUE_ROW = 4


def _signature(payload: list[Any]) -> str:
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return salted_hmac("reporting.report-xlsx", text, algorithm="sha256").hexdigest()


def report_workbook(report: Report) -> bytes:
    """The report pre-filled as .xlsx, carrying signed hidden codes for the upload."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    metrics = [m for m in report.form.metrics.all() if m.type != MetricType.ATTACHMENT]
    values = {v.metric_id: v for v in report.values.all()}
    book = Workbook()
    sheet = book.active
    sheet.title = _("Report")[:31]
    sheet["A1"] = f"{report.unit.name} · {report.form.name} · {report.period_label}"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = _("Fill in column B only; do not change the other cells.")
    header = [_("Metric"), _("Value"), _("Type"), _("Help")]
    for column, title in enumerate(header, start=1):
        cell = sheet.cell(row=FIRST_VALUE_ROW - 1, column=column, value=title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F8D7DA")
    rows = []
    for offset, metric in enumerate(metrics):
        row = FIRST_VALUE_ROW + offset
        value = values[metric.pk].value if metric.pk in values else None
        sheet.cell(row=row, column=1, value=metric.label)
        sheet.cell(row=row, column=2, value=float(value) if isinstance(value, Decimal) else value)
        sheet.cell(row=row, column=3, value=metric.get_type_display())
        sheet.cell(row=row, column=4, value=metric.help_text)
        rows.append([metric.code, row])
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["D"].width = 50
    codes = book.create_sheet(CODES_SHEET)
    payload = [report.pk, report.form.code, report.form.version, report.version, rows]
    codes.append(["report", report.pk])
    codes.append(["form", report.form.code])
    codes.append(["form_version", report.form.version])
    codes.append(["report_version", report.version])
    codes.append(["signature", _signature(payload)])
    for code, row in rows:
        codes.append([code, row])
    codes.sheet_state = "veryHidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _read_workbook(fileobj: Any) -> tuple[list[Any], str, dict[str, Any]]:
    from openpyxl import load_workbook

    bad = ValidationError(_("This is not a report file downloaded from the portal."))
    try:
        book = load_workbook(fileobj, data_only=True)
    except Exception as exc:
        raise ValidationError(_("The file is not an Excel workbook (.xlsx).")) from exc
    if CODES_SHEET not in book.sheetnames or len(book.sheetnames) < 2:
        raise bad
    codes = [row for row in book[CODES_SHEET].iter_rows(values_only=True) if row and row[0] is not None]
    head = {str(row[0]): row[1] for row in codes[:5]}
    if set(head) != {"report", "form", "form_version", "report_version", "signature"}:
        raise bad
    try:
        rows = [[str(code), int(row)] for code, row, *_rest in codes[5:]]
        payload = [
            int(head["report"]),
            str(head["form"]),
            int(head["form_version"]),
            int(head["report_version"]),
            rows,
        ]
    except (TypeError, ValueError) as exc:
        raise bad from exc
    sheet = book[book.sheetnames[0]]
    raw = {code: sheet.cell(row=row, column=2).value for code, row in rows}
    return payload, str(head["signature"]), raw


def import_report_workbook(report_id: int, user: Any, fileobj: Any) -> Report:
    """Read an uploaded report workbook back; validated exactly like the page.

    A file whose hidden codes were altered, or that belongs to another report or another
    version of the form, is refused; a file downloaded before someone else saved the report
    is refused like a stale page.
    """
    payload, signature, raw = _read_workbook(fileobj)
    if not hmac.compare_digest(signature, _signature(payload)):
        raise ValidationError(_("The file’s hidden codes were changed or it was not issued by the portal."))
    report_pk, form_code, form_version, report_version, _rows = payload
    if report_pk != report_id:
        raise ValidationError(_("This file belongs to another report."))
    with transaction.atomic():
        report = _locked_report(user, report_id)
        if (report.form.code, report.form.version) != (form_code, form_version):
            raise ValidationError(_("This file was made for another version of the form."))
        return save_report_values(report_id, user, raw, expected_version=report_version)


# Completeness and timeliness -----------------------------------------------------


@dataclass
class CompletenessRow:
    unit_id: int
    unit_name: str
    path: str
    parent_id: int | None
    report_id: int | None
    report_status: str | None
    first_submitted_at: datetime | None
    status: str

    @property
    def report_status_label(self) -> str:
        return Report.Status(self.report_status).label if self.report_status else ""


@dataclass
class Completeness:
    form: ReportForm
    period_start: date
    period_end: date
    deadline: date
    rows: list[CompletenessRow]
    counts: dict[str, int]
    by_child: list[tuple[LeagueUnit, dict[str, int]]] = field(default_factory=list)


FILING_STATUSES = ("on_time", "late", "not_filed", "pending")


def completeness(
    unit: LeagueUnit, form: ReportForm, period_start: date, today: date | None = None
) -> Completeness:
    """Which units below `unit` were due, filed on time, filed late or not at all: one query
    (a LEFT JOIN of the due units to their report of the period), plus one for the children."""
    from django.db.models import Case, CharField, Value, When

    today = today or timezone.localdate()
    start, end = form.period_for(period_start)
    deadline = form.deadline_for(end)
    cutoff = timezone.make_aware(datetime.combine(deadline + timedelta(days=1), time.min))
    overdue = today > deadline
    rows_qs = (
        LeagueUnit.objects.in_subtree(unit)
        .exclude(pk=unit.pk)
        .filter(form.due_units_q(), is_active=True)
        .annotate(
            rep=FilteredRelation("reports", condition=Q(reports__form=form, reports__period_start=start))
        )
        .annotate(
            filing=Case(
                When(rep__first_submitted_at__lt=cutoff, then=Value("on_time")),
                When(rep__first_submitted_at__isnull=False, then=Value("late")),
                default=Value("not_filed" if overdue else "pending"),
                output_field=CharField(),
            )
        )
        .values_list(
            "pk", "name", "path", "parent_id", "rep__id", "rep__status", "rep__first_submitted_at", "filing"
        )
        .order_by("path")
    )
    rows = [CompletenessRow(*values) for values in rows_qs]
    counts = dict.fromkeys(FILING_STATUSES, 0)
    for row in rows:
        counts[row.status] += 1
    counts["due"] = len(rows)
    children = list(unit.children.filter(is_active=True).order_by("path"))
    by_child = []
    for child in children:
        child_counts = dict.fromkeys(FILING_STATUSES, 0)
        by_child.append((child, child_counts))
    index = {child.path: counts_ for child, counts_ in by_child}
    width = len(unit.path) + 9
    for row in rows:
        bucket = index.get(row.path[:width])
        if bucket is not None:
            bucket[row.status] += 1
    by_child = [(child, c) for child, c in by_child if any(c.values())]
    return Completeness(form, start, end, deadline, rows, counts, by_child)


# Reminders ------------------------------------------------------------------------


def _insert_reminders(form: ReportForm, period_start: date, step: str, unit_ids: list[int]) -> list[int]:
    """Record the step for these units; returns only those not reminded before (race-free:
    the unique constraint and ON CONFLICT DO NOTHING decide, inside the transaction)."""
    if not unit_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO reporting_reminder (form_id, unit_id, period_start, step, recipients, sent_at)
            SELECT %s, u, %s, %s, 0, now() FROM unnest(%s::bigint[]) AS u
            ON CONFLICT ON CONSTRAINT reminder_once_per_step DO NOTHING
            RETURNING unit_id
            """,
            [form.pk, period_start, step, unit_ids],
        )
        return [row[0] for row in cursor.fetchall()]


def _non_filers(form: ReportForm, period_start: date) -> list[tuple[int, int | None, str]]:
    filed = Report.objects.filter(form=form, period_start=period_start, first_submitted_at__isnull=False)
    return list(
        LeagueUnit.objects.filter(form.due_units_q(), is_active=True)
        .exclude(pk__in=filed.values("unit_id"))
        .values_list("pk", "parent_id", "name")
    )


@transaction.atomic
def send_due_reminders(today: date | None = None) -> dict[str, int]:
    """Remind non-filers before and after the deadline, escalating to the parent unit's cadres
    after `REPORTING_ESCALATE_AFTER_DAYS`; each step at most once per unit and period."""
    today = today or timezone.localdate()
    before_days = int(getattr(settings, "REPORTING_REMIND_DAYS_BEFORE", 3))
    escalate_days = int(getattr(settings, "REPORTING_ESCALATE_AFTER_DAYS", 5))
    sent = {step: 0 for step in Reminder.Step.values}
    for form in ReportForm.objects.active_on(today):
        current_start, _end = form.period_for(today)
        previous_start, previous_end = form.period_for(current_start - timedelta(days=1))
        for start, end in ((previous_start, previous_end), (current_start, _end)):
            deadline = form.deadline_for(end)
            if today < start:
                continue
            steps = []
            if deadline - timedelta(days=before_days) <= today <= deadline:
                steps.append(Reminder.Step.BEFORE)
            if today > deadline:
                steps.append(Reminder.Step.AFTER)
            if today >= deadline + timedelta(days=escalate_days):
                steps.append(Reminder.Step.ESCALATED)
            if not steps:
                continue
            non_filers = _non_filers(form, start)
            for step in steps:
                new_ids = set(_insert_reminders(form, start, step, [u for u, _p, _n in non_filers]))
                if not new_ids:
                    continue
                targets = [(u, p, n) for u, p, n in non_filers if u in new_ids]
                sent[step] += _deliver(form, start, deadline, step, targets)
    return sent


def _deliver(
    form: ReportForm, start: date, deadline: date, step: str, targets: list[tuple[int, int | None, str]]
) -> int:
    escalated = step == Reminder.Step.ESCALATED
    recipient_units = {(p if escalated else u) for u, p, _n in targets} - {None}
    cadres: dict[int, list[Any]] = {}
    for membership in Membership.objects.filter(
        unit_id__in=recipient_units, role__in=[Membership.Role.ADMIN, Membership.Role.EDITOR]
    ).select_related("user"):
        cadres.setdefault(membership.unit_id, []).append(membership.user)
    counts: dict[int, int] = {}
    for unit_id, parent_id, name in targets:
        people = cadres.get(parent_id if escalated else unit_id, []) if (parent_id or not escalated) else []
        subject = {
            Reminder.Step.BEFORE: _("Reminder: %(form)s is due on %(deadline)s"),
            Reminder.Step.AFTER: _("Overdue: %(form)s was due on %(deadline)s"),
            Reminder.Step.ESCALATED: _("Escalation: %(unit)s has not filed %(form)s due %(deadline)s"),
        }[Reminder.Step(step)] % {"form": form.name, "deadline": deadline, "unit": name}
        body = _(
            "%(unit)s has not yet submitted %(form)s for the period from %(start)s. Please file it in the portal."
        ) % {
            "unit": name,
            "form": form.name,
            "start": start,
        }
        for person in people:
            send_message(
                Message(
                    subject=subject, body=body, email=person.email, phone=person.phone, tags=("reminder",)
                )
            )
        counts[unit_id] = len(people)
    reached = {unit_id: number for unit_id, number in counts.items() if number}
    if reached:
        # One UPDATE for every unit of the step, never one per unit.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE reporting_reminder r SET recipients = c.n
                FROM unnest(%s::bigint[], %s::int[]) AS c(unit_id, n)
                WHERE r.unit_id = c.unit_id AND r.form_id = %s AND r.period_start = %s AND r.step = %s
                """,
                [list(reached), list(reached.values()), form.pk, start, step],
            )
    return len(targets)


# Spot checks ----------------------------------------------------------------------


def _candidate_values(
    unit: LeagueUnit, start: date, end: date, metric_code: str | None
) -> list[tuple[Any, int, str, float]]:
    """Filed numeric values in the subtree with a weight: 1 + |z| of the value against the
    same metric and period of the unit's siblings (window functions, one query)."""
    metric_filter = "AND m.code = %s" if metric_code else ""
    params: list[Any] = [unit.path + "%", start, end]
    if metric_code:
        params.append(metric_code)
    sql = f"""
        SELECT v.id, r.unit_id, u.name || ' · ' || m.label || ' · ' || to_char(r.period_start, 'YYYY-MM')
               || ' = ' || COALESCE(v.int_value::text, v.decimal_value::text),
               1 + COALESCE(ABS(
                 (COALESCE(v.int_value, v.decimal_value) - AVG(COALESCE(v.int_value, v.decimal_value))
                    OVER (PARTITION BY v.metric_id, r.period_start, u.parent_id))
                 / NULLIF(STDDEV_POP(COALESCE(v.int_value, v.decimal_value))
                    OVER (PARTITION BY v.metric_id, r.period_start, u.parent_id), 0)), 0)
        FROM reporting_reportvalue v
        JOIN reporting_reportmetric m ON m.id = v.metric_id
        JOIN reporting_report r ON r.id = v.report_id
        JOIN orgs_leagueunit u ON u.id = r.unit_id
        WHERE u.path LIKE %s AND r.first_submitted_at IS NOT NULL
          AND r.period_start >= %s AND r.period_end <= %s
          AND m.type IN ('integer', 'money', 'percent')
          AND COALESCE(v.int_value, v.decimal_value) > 0 {metric_filter}
    """  # noqa: S608 - the interpolated clause is fixed text
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], row[1], row[2], float(row[3])) for row in cursor.fetchall()]


def _candidate_registry_records(
    unit: LeagueUnit, start: date, end: date
) -> list[tuple[Any, int, str, float]]:
    """League branches founded in youth organizations in the subtree and period (the SPEC's
    example of a fact to check by phone), one query; equal weights."""
    try:
        from orgs.models import LeagueBuilding
    except ImportError:
        return []
    rows = (
        LeagueBuilding.objects.in_subtree(unit)
        .filter(founded_on__range=(start, end))
        .values_list("pk", "unit_id", "unit__name", "lead_organization__name", "branch_name", "founded_on")
    )
    return [
        (("registry", pk), unit_id, f"{unit_name} · {org} · {branch} · {founded}", 1.0)
        for pk, unit_id, unit_name, org, branch, founded in rows
    ]


SPOT_CHECK_SOURCES = ("reports", "registry", "both")


@transaction.atomic
def draw_spot_check(
    user: Any,
    unit: LeagueUnit,
    start: date,
    end: date,
    size: int,
    seed: int | None = None,
    metric_code: str | None = None,
    title: str = "",
    source: str = "reports",
) -> SpotCheck:
    """Draw a weighted random sample of reported facts (and/or registry records: league
    branches founded) in the unit's subtree.

    Unusual figures (far from their siblings') are more likely to be drawn; the seed is
    stored so the same draw can be reproduced.
    """
    if source not in SPOT_CHECK_SOURCES:
        raise ValidationError(
            {"source": [_("Choose what to sample: reported figures, registry records or both.")]}
        )
    if not user_can(user, unit, Action.CHANGE):
        raise ValidationError(_("This unit lies outside the units you may change."))
    if end < start:
        raise ValidationError({"period_end": [_("The period ends before it starts.")]})
    if not 1 <= size <= 500:
        raise ValidationError({"sample_size": [_("Draw between 1 and 500 facts.")]})
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    candidates: list[tuple[Any, int, str, float]] = []
    if source in ("reports", "both"):
        candidates += _candidate_values(unit, start, end, metric_code)
    if source in ("registry", "both"):
        candidates += _candidate_registry_records(unit, start, end)
    if not candidates:
        raise ValidationError(_("No filed figures in this unit and period to sample from."))
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    # Weighted sampling without replacement (Efraimidis–Spirakis): largest u^(1/w) keys.
    keyed = sorted(candidates, key=lambda c: math.log(rng.random() or 1e-12) / c[3], reverse=True)
    sample = keyed[:size]
    check = SpotCheck.objects.create(
        unit=unit,
        title=title
        or _("Spot check of %(unit)s, %(start)s – %(end)s") % {"unit": unit.name, "start": start, "end": end},
        period_start=start,
        period_end=end,
        seed=seed,
        sample_size=len(sample),
        drawn_by=user,
    )
    value_type = ContentType.objects.get_for_model(ReportValue)
    registry_type = None
    if any(isinstance(key, tuple) for key, *_rest in sample):
        from orgs.models import LeagueBuilding

        registry_type = ContentType.objects.get_for_model(LeagueBuilding)
    SpotCheckItem.objects.bulk_create(
        SpotCheckItem(
            spot_check=check,
            unit_id=unit_id,
            content_type=registry_type if isinstance(key, tuple) else value_type,
            object_id=key[1] if isinstance(key, tuple) else key,
            description=description[:255],
            weight=weight,
        )
        for key, unit_id, description, weight in sample
    )
    return check


@transaction.atomic
def assign_spot_check_items(user: Any, item_ids: list[int], assignee_id: int) -> int:
    """Give sampled calls to a cadre who may see the unit of each item."""
    from accounts.models import User

    items = list(
        SpotCheckItem.objects.visible_to(user, Action.CHANGE).select_for_update().filter(pk__in=item_ids)
    )
    if len(items) != len(set(item_ids)):
        raise ValidationError(_("Some of these calls lie outside the units you may change."))
    try:
        assignee = User.objects.get(pk=assignee_id, is_active=True)
    except ObjectDoesNotExist as exc:
        raise ValidationError({"assignee": [_("Choose an active cadre.")]}) from exc
    units = LeagueUnit.objects.in_bulk({i.unit_id for i in items})
    if not all(user_can(assignee, units[i.unit_id], Action.VIEW) for i in items):
        raise ValidationError({"assignee": [_("The cadre cannot see every unit of these calls.")]})
    return SpotCheckItem.objects.filter(pk__in=[i.pk for i in items]).update(assigned_to=assignee)


@transaction.atomic
def record_spot_check_outcome(user: Any, item_id: int, outcome: str, note: str = "") -> SpotCheckItem:
    """Record the result of one call: confirmed, not reachable or false."""
    try:
        item = SpotCheckItem.objects.visible_to(user, Action.VIEW).select_for_update().get(pk=item_id)
    except SpotCheckItem.DoesNotExist as exc:
        raise ValidationError(_("This call does not exist or lies outside your jurisdiction.")) from exc
    may_change = SpotCheckItem.objects.visible_to(user, Action.CHANGE).filter(pk=item.pk).exists()
    if not (may_change or item.assigned_to_id == user.pk):
        raise ValidationError(_("Only the assigned cadre or a cadre of the unit may record this call."))
    if outcome not in SpotCheckItem.Outcome.values or outcome == SpotCheckItem.Outcome.PENDING:
        raise ValidationError({"outcome": [_("Choose the outcome of the call.")]})
    if outcome == SpotCheckItem.Outcome.FALSE and not (note or "").strip():
        raise ValidationError({"note": [_("Say what was found false.")]})
    item.outcome, item.note, item.checked_at = outcome, (note or "").strip(), timezone.now()
    item.save(update_fields=["outcome", "note", "checked_at"])
    return item


def confirmation_rates(items_qs: Any) -> list[dict[str, Any]]:
    """Per unit: calls made, confirmed, false, and the share confirmed (one GROUP BY)."""
    rows = (
        items_qs.exclude(outcome=SpotCheckItem.Outcome.PENDING)
        .values("unit_id", "unit__name")
        .annotate(
            checked=Count("pk"),
            confirmed=Count("pk", filter=Q(outcome=SpotCheckItem.Outcome.CONFIRMED)),
            false=Count("pk", filter=Q(outcome=SpotCheckItem.Outcome.FALSE)),
            unreachable=Count("pk", filter=Q(outcome=SpotCheckItem.Outcome.NOT_REACHABLE)),
        )
        .order_by("unit__name")
    )
    result = []
    for row in rows:
        row["rate"] = round(100 * row["confirmed"] / row["checked"], 1) if row["checked"] else None
        result.append(row)
    return result


def hours_left(report: Report) -> float | None:
    if not report.is_unlocked or report.unlocked_until is None:
        return None
    return max(0.0, (report.unlocked_until - timezone.now()).total_seconds() / 3600)
