"""State changes of the reporting app: filing, approval, unlocking, the Excel round trip,
reminders, spot checks and tracking runs. Pages, the API, the Excel import, the demo data
and management commands call the same functions.

Every public service follows the portal's convention (`hubportal.services`):

    @service
    def verb_noun(actor, pk, ..., *, options) -> the changed or created record

- `actor` first (the acting user), then the primary key of the record acted on (of the
  parent for a create: `draw_spot_check(actor, unit_pk, ...)`), never an instance;
- the record is read with `hubportal.access.get_for` (404 outside the jurisdiction, 403
  when only viewable), locked in the service's transaction; records named in the input
  are read with `related_for` (a field error that does not say whether they exist);
- a refusal is a translated `ValidationError` (by field where a field is at fault), a stale
  copy `StaleVersion`; nothing is half applied;
- effects belong to the service: the filing unit hears of an approval or a return through
  the outbox, reminders go through the outbox, a tracking run starts with `start_job`.

Approval is the one right decided here rather than by jurisdiction: a report is read with
VIEW, then only cadres of the filing unit's PARENT (or above) may approve or return it
(`can_approve`), so a unit never approves itself.
"""

from __future__ import annotations

import hmac
import io
import json
import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Count, FilteredRelation, Max, Q
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from hubportal.access import NotChangeable, NotVisible, get_for, parse_pk, related_for
from hubportal.jurisdiction import Action, user_can
from hubportal.outbox import queue_message, queue_to_users
from hubportal.services import StaleVersion, check_version, service
from orgs.models import LeagueUnit

from .expressions import ExpressionError, evaluate, parse_expression
from .models import (
    MetricType,
    QuarterClosure,
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
from .tracking import Quarter, refuse_closed, refuse_untrackable

if TYPE_CHECKING:
    from hubportal.models import Job

MAX_MONEY = Decimal("999999999999.99")
MAX_COUNT = 10**15
MAX_TEXT = 5000
ATTACHMENT_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx"}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
NON_FIELD = "__all__"
# Report periods lie within these years; a day far outside would overflow the deadline
# arithmetic (9999-12-31 has no following month).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
# What people type inside a figure: thousands separators (ASCII and full-width commas,
# spaces of every width). Only numbers lose them; a text keeps every character.
NUMBER_NOISE = str.maketrans("", "", ",，  \u00a0\u2009\u202f\u3000")
MONEY_NOISE = str.maketrans("", "", "¥￥元")
FILING_ROLES = (Membership.Role.ADMIN, Membership.Role.EDITOR)
REPORT_RELATED = ("form", "unit", "unit__parent", "updated_by")


def _reports() -> Any:
    return Report.objects.select_related(*REPORT_RELATED)


# Filing ---------------------------------------------------------------------------


@service
def open_report(actor: User, form_pk: Any, unit_pk: Any, day: date) -> Report:
    """The report of a unit on a form for the period containing `day`, created on demand.

    Only a cadre who may change the unit's records opens (and so creates) its report."""
    form = related_for(actor, ReportForm, form_pk, "form", Action.VIEW)
    unit = related_for(actor, LeagueUnit, unit_pk, "unit", Action.CHANGE)
    if not form.applies_to(unit):
        raise ValidationError({"unit": [_("Units of this level or kind do not file this form.")]})
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError({"day": [_("Choose a day between 2000 and 2099.")]})
    start, end = form.period_for(day)
    if start < form.period_for(form.active_from)[0] or (form.active_to and start > form.active_to):
        raise ValidationError({"day": [_("The form is not in use for this period.")]})
    report, _created = Report.objects.get_or_create(
        form=form,
        unit=unit,
        period_start=start,
        defaults={"period_end": end, "deadline": form.deadline_for(end), "updated_by": None},
    )
    return report


def _clean_integer(raw: Any) -> int:
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
    if value > MAX_COUNT:
        raise ValidationError(_("The number is too large."))
    return value


def _clean_amount(raw: Any, *, percent: bool) -> Decimal:
    if isinstance(raw, bool):
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw})
    if isinstance(raw, str):
        raw = raw.rstrip("%％") if percent else raw.translate(MONEY_NOISE)
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw}) from None
    if not value.is_finite():
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw})
    if value < 0:
        raise ValidationError(_("The amount cannot be negative."))
    if percent and value > 100:
        raise ValidationError(_("A percentage lies between 0 and 100."))
    if value > MAX_MONEY:
        raise ValidationError(_("The amount is too large."))
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(_("Give at most two decimal places (fen)."))
    return value.quantize(Decimal("0.01"))


def _clean_text(raw: Any) -> str | None:
    """A narrative exactly as typed (commas, spaces and all); only the browser's CRLF line
    ends become LF, so a page saved unchanged stores the same text."""
    if raw is None:
        return None
    value = str(raw).replace("\r\n", "\n").replace("\r", "\n")
    if not value.strip():
        return None
    if len(value) > MAX_TEXT:
        raise ValidationError(_("Keep the text under 5,000 characters."))
    return value


def _clean_attachment(raw: Any) -> UploadedFile | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, UploadedFile):
        raise ValidationError(_("Upload a file."))
    if Path(raw.name or "").suffix.lower() not in ATTACHMENT_EXTENSIONS:
        raise ValidationError(_("Attach a PDF, image, Word or Excel file."))
    if raw.size and raw.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB."))
    return raw


def clean_value(metric: ReportMetric, raw: Any) -> Any:
    """Check one raw value (from a page, the API or a workbook) against its metric's type;
    returns the typed value, or None when nothing was given."""
    if metric.type == MetricType.TEXT:
        return _clean_text(raw)
    if metric.type == MetricType.ATTACHMENT:
        return _clean_attachment(raw)
    if isinstance(raw, str):
        raw = raw.translate(NUMBER_NOISE).strip()
    if raw is None or raw == "":
        return None
    if metric.type == MetricType.INTEGER:
        return _clean_integer(raw)
    return _clean_amount(raw, percent=metric.type == MetricType.PERCENT)


def _rule_errors(report: Report, metrics: list[ReportMetric], cleaned: dict[str, Any]) -> list[str]:
    numeric = {m.code: cleaned.get(m.code) for m in metrics if m.is_numeric}
    codes = [m.code for m in metrics]
    errors = []
    for rule in report.form.rules.all():
        try:
            ok = evaluate(parse_expression(rule.expression, codes), numeric)
        except ExpressionError as exc:
            errors.append(str(exc))
            continue
        if not ok:
            errors.append(rule.message)
    return errors


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
    if not errors and (failed := _rule_errors(report, metrics, cleaned)):
        errors[NON_FIELD] = failed
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_report_version(report: Report, sent: Any) -> None:
    """A save from a page, a body or a workbook loaded before someone else's save is refused,
    naming who saved and when; a missing or garbled version is refused as well."""
    who = str(report.updated_by) if report.updated_by else None
    when = date_format(timezone.localtime(report.updated_at), "DATETIME_FORMAT")
    check_version(report, sent, who=who, when=when)


def _refuse_if_locked(report: Report) -> None:
    reason = report.editable_reason()
    if reason:
        raise ValidationError(reason)


def _store_values(report: Report, metrics: list[ReportMetric], cleaned: dict[str, Any]) -> bool:
    """Write the values that differ from those stored; whether any did."""
    existing = {v.metric_id: v for v in report.values.all()}
    to_create: list[ReportValue] = []
    to_update: list[ReportValue] = []
    for metric in metrics:
        value = cleaned.get(metric.code)
        row = existing.get(metric.pk) or ReportValue(report=report, metric=metric)
        before = (row.int_value, row.decimal_value, row.text_value, row.file.name or "")
        row.int_value = value if metric.type == MetricType.INTEGER else None
        row.decimal_value = value if metric.type in (MetricType.MONEY, MetricType.PERCENT) else None
        row.text_value = (value or "") if metric.type == MetricType.TEXT else ""
        if metric.type == MetricType.ATTACHMENT:
            if isinstance(value, UploadedFile):
                row.file.save(value.name or "attachment", value, save=False)
            elif value is None:
                row.file = None
        if row.pk is None:
            to_create.append(row)
        elif (row.int_value, row.decimal_value, row.text_value, row.file.name or "") != before:
            to_update.append(row)
    ReportValue.objects.bulk_create(to_create)
    ReportValue.objects.bulk_update(to_update, ["int_value", "decimal_value", "text_value", "file"])
    return bool(to_create or to_update)


def _save_values(
    actor: User, report: Report, raw: Mapping[str, Any], files: Mapping[str, Any], *, submit: bool
) -> Report:
    """Validate and store the values of a locked report whose version was checked."""
    _refuse_if_locked(report)
    metrics = list(report.form.metrics.all())
    existing = {v.metric_id: v for v in report.values.all()}
    cleaned = validate_values(report, metrics, raw, files, existing, for_submission=submit)
    if _store_values(report, metrics, cleaned):
        # A draft saved without a change keeps its version: a colleague's open page stays current.
        report.version += 1
        report.updated_by = actor
        report.updated_at = timezone.now()
        report.save(update_fields=["version", "updated_by", "updated_at"])
    if submit:
        _submit(report, actor)
    return report


@service
def save_report(
    actor: User,
    report_pk: Any,
    raw: Mapping[str, Any],
    files: Mapping[str, Any] | None = None,
    *,
    version: Any,
    submit: bool = False,
) -> Report:
    """Save a report's values (and submit it when `submit`); all or nothing.

    `version` is the version the editor loaded: if the report changed since, the save is
    refused with who changed it and when (`StaleVersion`)."""
    report = get_for(actor, _reports(), report_pk, Action.CHANGE, lock=True)
    _check_report_version(report, version)
    return _save_values(actor, report, raw, files or {}, submit=submit)


def _snapshot_data(report: Report) -> dict[str, Any]:
    values = report.values.select_related("metric")
    return {v.metric.code: (str(v.value) if v.value is not None else None) for v in values}


def _submit(report: Report, actor: User) -> None:
    now = timezone.now()
    report.status = Report.Status.RESUBMITTED if report.first_submitted_at else Report.Status.SUBMITTED
    report.first_submitted_at = report.first_submitted_at or now
    report.submitted_at = now
    report.unlocked_until = None  # an unlock lasts until the corrected report is submitted
    report.updated_by, report.updated_at = actor, now
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
        report=report, number=number, status=report.status, data=_snapshot_data(report), created_by=actor
    )


@service
def submit_report(actor: User, report_pk: Any, version: Any) -> Report:
    """Submit the saved values as they are (required figures and rules re-checked)."""
    report = get_for(actor, _reports(), report_pk, Action.CHANGE, lock=True)
    _check_report_version(report, version)
    _refuse_if_locked(report)
    metrics = list(report.form.metrics.all())
    existing = {v.metric_id: v for v in report.values.all()}
    raw = {
        m.code: existing[m.pk].value if m.pk in existing else None
        for m in metrics
        if m.type != MetricType.ATTACHMENT
    }
    validate_values(report, metrics, raw, {}, existing, for_submission=True)
    _submit(report, actor)
    return report


# Approval -------------------------------------------------------------------------


def can_approve(user: Any, report: Report) -> bool:
    """Only cadres of the PARENT unit (or above) approve; the filing unit never approves itself."""
    if user.is_superuser:
        return True
    parent = report.unit.parent
    return parent is not None and user_can(user, parent, Action.CHANGE)


def _require_approver(actor: User, report: Report) -> None:
    """Refuse (403) a cadre who sees the report but does not belong above its unit."""
    if not can_approve(actor, report):
        raise NotChangeable(_("Only a cadre of the parent unit may approve or return this report."))


def _filing_cadres(report: Report) -> Iterable[User]:
    """The administrators and editors of the filing unit: they hear of a decision."""
    return User.objects.filter(
        is_active=True, memberships__unit_id=report.unit_id, memberships__role__in=FILING_ROLES
    ).distinct()


def _tell_filing_unit(report: Report, subject: str, body: str, tag: str) -> int:
    return queue_to_users(_filing_cadres(report), subject=subject, body=body, tags=("reporting", tag))


def _names(report: Report, actor: User) -> dict[str, str]:
    return {
        "form": report.form.name,
        "unit": report.unit.name,
        "period": report.period_label,
        "who": str(actor),
    }


@service
def approve_report(actor: User, report_pk: Any) -> Report:
    """Approve a submitted report; it is locked from then on. The filing unit's cadres are told."""
    report = get_for(actor, _reports(), report_pk, Action.VIEW, lock=True)
    _require_approver(actor, report)
    if report.status not in Report.AWAITING_APPROVAL:
        raise ValidationError(_("Only a submitted report can be approved."))
    report.status = Report.Status.APPROVED
    report.approved_at, report.approved_by = timezone.now(), actor
    report.version += 1
    report.save(update_fields=["status", "approved_at", "approved_by", "version"])
    with translation.override(settings.LANGUAGE_CODE):
        names = _names(report, actor)
        _tell_filing_unit(
            report,
            _("Approved: %(form)s of %(unit)s, %(period)s") % names,
            _(
                "%(who)s approved the report %(form)s of %(unit)s for %(period)s. It is now locked; "
                "if a figure must change, ask the parent unit to unlock it in the portal."
            )
            % names,
            "approved",
        )
    return report


@service
def return_report(actor: User, report_pk: Any, code: str, comment: str = "") -> Report:
    """Return a submitted report to its unit with a reason code and a comment; the filing
    unit's cadres are told why."""
    report = get_for(actor, _reports(), report_pk, Action.VIEW, lock=True)
    _require_approver(actor, report)
    if report.status not in Report.AWAITING_APPROVAL:
        raise ValidationError(_("Only a submitted report can be returned."))
    if code not in ReturnReason.Code.values:
        raise ValidationError({"code": [_("Choose a reason for returning the report.")]})
    comment = (comment or "").strip()
    if code == ReturnReason.Code.OTHER and not comment:
        raise ValidationError({"comment": [_("Say what is wrong when the reason is “other”.")]})
    ReturnReason.objects.create(report=report, code=code, comment=comment, returned_by=actor)
    report.status = Report.Status.RETURNED
    report.version += 1
    report.save(update_fields=["status", "version"])
    with translation.override(settings.LANGUAGE_CODE):
        names = {**_names(report, actor), "reason": str(ReturnReason.Code(code).label)}
        body = (
            _("%(who)s returned the report %(form)s of %(unit)s for %(period)s. Reason: %(reason)s.") % names
        )
        if comment:
            body += "\n" + _("Comment: %(comment)s") % {"comment": comment}
        body += "\n" + _("Please correct the report and submit it again in the portal.")
        _tell_filing_unit(report, _("Returned: %(form)s of %(unit)s, %(period)s") % names, body, "returned")
    return report


@service
def request_unlock(actor: User, report_pk: Any, reason: str) -> UnlockRequest:
    """Ask the parent unit to reopen an approved or past-deadline report."""
    report = get_for(actor, _reports(), report_pk, Action.CHANGE, lock=True)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the report must be reopened.")]})
    if report.status in Report.AWAITING_APPROVAL:
        raise ValidationError(_("The report awaits approval: the parent unit can return it instead."))
    if report.editable_reason() is None:
        raise ValidationError(_("The report can still be edited; no unlock is needed."))
    if report.unlocks.filter(status=UnlockRequest.Status.PENDING).exists():
        raise ValidationError(_("An unlock request for this report is already waiting for a decision."))
    return UnlockRequest.objects.create(report=report, reason=reason.strip(), requested_by=actor)


MAX_UNLOCK_HOURS = 24 * 30


@service
def decide_unlock(actor: User, unlock_pk: Any, approve: bool, hours: int | None = 72) -> UnlockRequest:
    """The parent unit grants a time-boxed unlock (or refuses it); both are recorded."""
    request = get_for(actor, UnlockRequest, unlock_pk, Action.VIEW, lock=True)
    report = get_for(actor, _reports(), request.report_id, Action.VIEW, lock=True)
    _require_approver(actor, report)
    if request.status != UnlockRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    now = timezone.now()
    request.decided_by, request.decided_at = actor, now
    if approve:
        if hours is None or not 1 <= hours <= MAX_UNLOCK_HOURS:
            raise ValidationError({"hours": [_("Unlock for between 1 hour and 30 days.")]})
        request.status = UnlockRequest.Status.APPROVED
        request.unlocked_until = now + timedelta(hours=hours)
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


def _cell_value(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


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
    rows: list[list[Any]] = []
    for offset, metric in enumerate(metrics):
        row = FIRST_VALUE_ROW + offset
        value = values[metric.pk].value if metric.pk in values else None
        sheet.cell(row=row, column=1, value=metric.label)
        cell = sheet.cell(row=row, column=2, value=_cell_value(value))
        if isinstance(value, str):
            cell.data_type = "s"  # a narrative starting with "=" is text, not a formula
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
    for code, line in rows:
        codes.append([code, line])
    codes.sheet_state = "veryHidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class UploadedWorkbook:
    payload: list[Any]
    signature: str
    raw: dict[str, Any]
    rows: dict[str, int]


def _read_workbook(fileobj: Any) -> UploadedWorkbook:
    from openpyxl import load_workbook

    from hubportal.workbooks import WorkbookError, check_workbook

    bad = ValidationError(_("This is not a report file downloaded from the portal."))
    try:
        content = check_workbook(fileobj)
    except WorkbookError as exc:
        raise ValidationError(exc.message) from None
    try:
        book = load_workbook(io.BytesIO(content), data_only=True)
    except Exception as exc:
        raise ValidationError(_("The file is not an Excel workbook (.xlsx).")) from exc
    if CODES_SHEET not in book.sheetnames or len(book.sheetnames) < 2:
        raise bad
    codes = [row for row in book[CODES_SHEET].iter_rows(values_only=True) if row and row[0] is not None]
    head = {str(row[0]): row[1] if len(row) > 1 else None for row in codes[:5]}
    if set(head) != {"report", "form", "form_version", "report_version", "signature"}:
        raise bad
    try:
        rows = {str(row[0]): int(str(row[1])) for row in codes[5:]}
        payload = [
            int(str(head["report"])),
            str(head["form"]),
            int(str(head["form_version"])),
            int(str(head["report_version"])),
            [[code, row] for code, row in rows.items()],
        ]
    except (TypeError, ValueError, IndexError) as exc:
        raise bad from exc
    sheet = book[book.sheetnames[0]]
    raw = {code: sheet.cell(row=row, column=2).value for code, row in rows.items()}
    return UploadedWorkbook(payload, str(head["signature"]), raw, rows)


def _located(error: ValidationError, report: Report, rows: dict[str, int]) -> ValidationError:
    """A refusal of uploaded values that says where: the row and the metric of each error."""
    if not hasattr(error, "error_dict"):
        return error
    labels = {m.code: m.label for m in report.form.metrics.all()}
    located: dict[str, list[str]] = {}
    for code, messages in error.message_dict.items():
        if code not in rows:
            located[code] = messages
            continue
        located[code] = [
            _("Row %(row)s (%(metric)s): %(message)s")
            % {"row": rows[code], "metric": labels.get(code, code), "message": message}
            for message in messages
        ]
    return ValidationError(located)


@service
def import_report_workbook(actor: User, report_pk: Any, fileobj: Any) -> Report:
    """Read an uploaded report workbook back; validated exactly like the page.

    A file whose hidden codes were altered, or that belongs to another report or another
    version of the form, is refused; a file downloaded before someone else saved the report
    is refused like a stale page. Errors name the row and the metric.
    """
    report = get_for(actor, _reports(), report_pk, Action.CHANGE, lock=True)
    upload = _read_workbook(fileobj)
    if not hmac.compare_digest(upload.signature, _signature(upload.payload)):
        raise ValidationError(_("The file’s hidden codes were changed or it was not issued by the portal."))
    file_report, form_code, form_version, report_version, _rows = upload.payload
    if file_report != report.pk:
        raise ValidationError(_("This file belongs to another report."))
    if (report.form.code, report.form.version) != (form_code, form_version):
        raise ValidationError(_("This file was made for another version of the form."))
    _check_report_version(report, report_version)
    try:
        return _save_values(actor, report, upload.raw, {}, submit=False)
    except StaleVersion:
        raise
    except ValidationError as error:
        raise _located(error, report, upload.rows) from error


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
        return str(Report.Status(self.report_status).label) if self.report_status else ""


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


def _due_steps(form: ReportForm, start: date, end: date, today: date) -> list[str]:
    """The reminder steps due today for the period `start`–`end` of `form`."""
    before_days = int(getattr(settings, "REPORTING_REMIND_DAYS_BEFORE", 3))
    escalate_days = int(getattr(settings, "REPORTING_ESCALATE_AFTER_DAYS", 5))
    deadline = form.deadline_for(end)
    if today < start:
        return []
    steps: list[str] = []
    if deadline - timedelta(days=before_days) <= today <= deadline:
        steps.append(Reminder.Step.BEFORE)
    if today > deadline:
        steps.append(Reminder.Step.AFTER)
    if today >= deadline + timedelta(days=escalate_days):
        steps.append(Reminder.Step.ESCALATED)
    return steps


@transaction.atomic
def send_due_reminders(today: date | None = None) -> dict[str, int]:
    """Remind non-filers before and after the deadline, escalating to the parent unit's cadres
    after `REPORTING_ESCALATE_AFTER_DAYS`; each step at most once per unit and period.

    The beat's daily sweep (no acting user). Each step is recorded with `INSERT … ON
    CONFLICT DO NOTHING` before its messages are written to the outbox in the same
    transaction, so a rerun or a second worker never reminds a unit twice."""
    today = today or timezone.localdate()
    sent = {step: 0 for step in Reminder.Step.values}
    with translation.override(settings.LANGUAGE_CODE):
        for form in ReportForm.objects.active_on(today):
            current_start, current_end = form.period_for(today)
            previous_start, previous_end = form.period_for(current_start - timedelta(days=1))
            for start, end in ((previous_start, previous_end), (current_start, current_end)):
                steps = _due_steps(form, start, end, today)
                if not steps:
                    continue
                non_filers = _non_filers(form, start)
                for step in steps:
                    new_ids = set(_insert_reminders(form, start, step, [u for u, _p, _n in non_filers]))
                    if not new_ids:
                        continue
                    targets = [(u, p, n) for u, p, n in non_filers if u in new_ids]
                    sent[step] += _queue_reminders(form, start, form.deadline_for(end), step, targets)
    return sent


def _reminder_text(
    form: ReportForm, start: date, deadline: date, step: str, unit_name: str
) -> tuple[str, str]:
    names = {"form": form.name, "deadline": deadline, "unit": unit_name, "start": start}
    subject = {
        Reminder.Step.BEFORE: _("Reminder: %(form)s is due on %(deadline)s"),
        Reminder.Step.AFTER: _("Overdue: %(form)s was due on %(deadline)s"),
        Reminder.Step.ESCALATED: _("Escalation: %(unit)s has not filed %(form)s due %(deadline)s"),
    }[Reminder.Step(step)] % names
    body = (
        _(
            "%(unit)s has not yet submitted %(form)s for the period from %(start)s. Please file it in the portal."
        )
        % names
    )
    return subject, body


def _queue_reminders(
    form: ReportForm, start: date, deadline: date, step: str, targets: list[tuple[int, int | None, str]]
) -> int:
    """One outbox message to each cadre of every unit reminded (of its parent when escalated);
    the number reached per unit is recorded in one UPDATE."""
    escalated = step == Reminder.Step.ESCALATED
    recipient_units = {(p if escalated else u) for u, p, _n in targets} - {None}
    cadres: dict[int, list[Any]] = {}
    for membership in Membership.objects.filter(
        unit_id__in=recipient_units, role__in=FILING_ROLES, user__is_active=True
    ).select_related("user"):
        cadres.setdefault(membership.unit_id, []).append(membership.user)
    reached: dict[int, int] = {}
    for unit_id, parent_id, name in targets:
        recipient_unit = parent_id if escalated else unit_id
        people = cadres.get(recipient_unit, []) if recipient_unit is not None else []
        subject, body = _reminder_text(form, start, deadline, step, name)
        queued = sum(
            queue_message(
                subject=subject,
                body=body,
                email=person.email,
                phone=person.phone,
                user=person,
                tags=("reminder",),
            )
            is not None
            for person in people
        )
        if queued:
            reached[unit_id] = queued
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
MAX_SAMPLE = 500


def _check_draw(start: date, end: date, size: int, source: str) -> None:
    errors: dict[str, list[str]] = {}
    if source not in SPOT_CHECK_SOURCES:
        errors["source"] = [_("Choose what to sample: reported figures, registry records or both.")]
    if end < start:
        errors["period_end"] = [_("The period ends before it starts.")]
    if not 1 <= size <= MAX_SAMPLE:
        errors["sample_size"] = [_("Draw between 1 and 500 facts.")]
    if errors:
        raise ValidationError(errors)


@service
def draw_spot_check(
    actor: User,
    unit_pk: Any,
    start: date,
    end: date,
    size: int,
    *,
    seed: int | None = None,
    metric_code: str | None = None,
    title: str = "",
    source: str = "reports",
) -> SpotCheck:
    """Draw a weighted random sample of reported facts (and/or registry records: league
    branches founded) in the subtree of a unit the actor may change.

    Unusual figures (far from their siblings') are more likely to be drawn; the seed is
    stored so the same draw can be reproduced.
    """
    unit = get_for(actor, LeagueUnit, unit_pk, Action.CHANGE)
    _check_draw(start, end, size, source)
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
        drawn_by=actor,
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


def _keys(values: Iterable[Any]) -> set[int]:
    """The ids sent in a form or body; one that is not an id matches nothing."""
    keys = set()
    for value in values:
        try:
            keys.add(parse_pk(value))
        except NotVisible:
            keys.add(0)
    return keys


@service
def assign_spot_check_items(
    actor: User, spot_check_pk: Any, item_pks: Iterable[Any], assignee_pk: Any
) -> SpotCheck:
    """Give calls of a spot check to an active cadre who may see the unit of each of them."""
    check = get_for(actor, SpotCheck, spot_check_pk, Action.CHANGE, lock=True)
    wanted = _keys(item_pks)
    items = list(
        SpotCheckItem.objects.visible_to(actor, Action.CHANGE)
        .select_for_update(of=("self",))
        .select_related("unit")
        .filter(spot_check=check, pk__in=wanted)
    )
    if not wanted or len(items) != len(wanted):
        raise ValidationError(
            {"items": [_("Choose calls of this spot check that lie within the units you may change.")]}
        )
    assignee = User.objects.filter(pk__in=_keys([assignee_pk]), is_active=True).first()
    if assignee is None or not all(user_can(assignee, item.unit, Action.VIEW) for item in items):
        raise ValidationError({"assignee": [_("Choose an active cadre who can see the unit of every call.")]})
    SpotCheckItem.objects.filter(pk__in=[i.pk for i in items]).update(assigned_to=assignee)
    return check


@service
def record_spot_check_outcome(actor: User, item_pk: Any, outcome: str, note: str = "") -> SpotCheckItem:
    """Record the result of one call: confirmed, not reachable or false. The cadres of the
    unit and the cadre the call was assigned to may record it."""
    item = get_for(actor, SpotCheckItem, item_pk, Action.CHANGE, lock=True, also=Q(assigned_to=actor))
    Outcome = SpotCheckItem.Outcome
    if outcome not in Outcome.values or outcome == Outcome.PENDING:
        raise ValidationError({"outcome": [_("Choose the outcome of the call.")]})
    if outcome == Outcome.FALSE and not (note or "").strip():
        raise ValidationError({"note": [_("Say what was found false.")]})
    if outcome == Outcome.CORRECTED and item.outcome != Outcome.FALSE:
        raise ValidationError({"outcome": [_("Only a fact found false can be marked corrected.")]})
    if outcome == Outcome.CORRECTED and not (note or "").strip():
        raise ValidationError({"note": [_("Say how the record was corrected.")]})
    item.outcome, item.note, item.checked_at = outcome, (note or "").strip(), timezone.now()
    item.save(update_fields=["outcome", "note", "checked_at"])
    return item


# Tracking runs --------------------------------------------------------------------


@service
def start_tracking(actor: User, period: str | None = None) -> Job:
    """Start a background run that snapshots every target of `period` (a quarter such as
    2026Q3; default the current one); returns the job whose progress the dashboard shows.

    A run rewrites the quarter's snapshots of every unit in the province (ranking compares
    peers), so only the province's administrators start one (README, "Roles"); everyone else
    sees the nightly run's figures."""
    from hubportal.jobs import start_job

    from .tasks import track_targets_job

    if not may_start_tracking(actor):
        raise NotChangeable(
            _(
                "A tracking run rewrites the figures of every unit in the province: only the "
                "province's administrators start one. The figures are tracked every night."
            )
        )
    quarter = Quarter.parse(period or str(Quarter.containing(timezone.localdate())))
    # Refused here with a clear message rather than in the background job.
    refuse_untrackable(quarter, timezone.localdate())
    refuse_closed(quarter)
    return start_job(
        actor,
        track_targets_job,
        str(quarter),
        kind="reporting.track_targets",
        title=_("Target tracking %(period)s") % {"period": quarter},
        result={"period": str(quarter)},
    )


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


# Closing quarters ---------------------------------------------------------------------


def may_start_tracking(actor: Any) -> bool:
    """Whether `actor` may start a tracking run: a superuser or an administrator of the root
    unit (a run rewrites the snapshots of every unit)."""
    root = LeagueUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    return root is not None and user_can(actor, root, Action.MANAGE)


def _province_administrator(actor: User) -> LeagueUnit:
    """The root unit, if the actor administers it; quarters are closed and reopened by the province."""
    root = LeagueUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None or not user_can(actor, root, Action.MANAGE):
        raise NotChangeable(_("Only the province's administrators close and reopen quarters."))
    return root


@service
def close_quarter(actor: User, period: str) -> QuarterClosure:
    """Close a quarter that has ended: it is tracked one last time, then its snapshots and
    their evidence are frozen (later runs refuse it)."""
    from .tracking import track_targets

    _province_administrator(actor)
    quarter = Quarter.parse(period)
    if quarter.end >= timezone.localdate():
        raise ValidationError(
            {
                "period": [
                    _("%(period)s has not ended yet: it ends on %(end)s.")
                    % {"period": quarter, "end": quarter.end}
                ]
            }
        )
    closure = QuarterClosure.objects.select_for_update().filter(period=str(quarter)).first()
    if closure is not None and closure.closed:
        raise ValidationError({"period": [_("%(period)s is already closed.") % {"period": quarter}]})
    track_targets(str(quarter), analyze=False)
    closure = closure or QuarterClosure(period=str(quarter))
    closure.closed, closure.closed_at, closure.closed_by = True, timezone.now(), actor
    closure.save()
    return closure


@service
def reopen_quarter(actor: User, period: str, reason: str) -> QuarterClosure:
    """Reopen a closed quarter so that it can be tracked again; the administrator's reason is
    kept on the quarter and in its change history."""
    _province_administrator(actor)
    quarter = Quarter.parse(period)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": [_("Say why the quarter is reopened: the reason is kept in its history.")]}
        )
    closure = QuarterClosure.objects.select_for_update().filter(period=str(quarter), closed=True).first()
    if closure is None:
        raise ValidationError({"period": [_("%(period)s is not closed.") % {"period": quarter}]})
    closure.closed, closure.reopened_at, closure.reopened_by, closure.reason = (
        False,
        timezone.now(),
        actor,
        reason,
    )
    closure.save()
    return closure
