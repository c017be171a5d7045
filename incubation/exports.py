"""The fund statement (资金明细) as an Excel workbook: every movement with its running balance."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .models import FundMovement, IncubationFund

MONEY_FORMAT = "#,##0.00"


def fund_statement_workbook(fund: IncubationFund) -> bytes:
    """The statement of a fund the caller has already read through `visible_to()`.

    Two queries: the movements (with the running balance as a window sum, the grantees
    joined) — whatever the number of movements.
    """
    movements = (
        FundMovement.objects.filter(fund=fund)
        .with_running_balance()
        .select_related("grantee_base", "grantee_organization", "reverses")
        .order_by("date", "pk")
    )
    book = Workbook()
    sheet = book.active
    sheet.title = _("Statement")[:31]
    sheet.append([_("Fund statement"), fund.name])
    sheet.append([_("Owning unit"), fund.unit.name])
    sheet.append([_("Established on"), fund.established_on])
    sheet.append([_("Exported on"), timezone.localdate()])
    sheet.append([])
    headers = [
        _("Date"),
        _("Kind"),
        _("Source or purpose"),
        _("Grantee"),
        _("Approved by"),
        _("Disbursed on"),
        _("In (yuan)"),
        _("Out (yuan)"),
        _("Balance (yuan)"),
    ]
    sheet.append(headers)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for cell in (sheet["A1"], sheet["B1"]):
        cell.font = Font(bold=True, size=13)
    total_in = total_out = Decimal("0.00")
    for m in movements:
        grantee = m.grantee_base or m.grantee_organization
        purpose = m.purpose
        if m.reverses is not None:
            # gettext outside the f-string: xgettext does not look inside f-strings.
            note = _("reverses the grant of %(date)s") % {"date": m.reverses.date}
            purpose = f"{purpose} ({note})"
        is_out = m.kind == FundMovement.Kind.GRANTED
        if is_out:
            total_out += m.amount
        else:
            total_in += m.amount
        sheet.append(
            [
                m.date,
                m.get_kind_display(),
                purpose,
                str(grantee) if grantee else "",
                m.approved_by,
                m.disbursed_on,
                None if is_out else m.amount,
                m.amount if is_out else None,
                getattr(m, "running_balance", None),  # annotated by with_running_balance()
            ]
        )
    sheet.append([_("Total"), "", "", "", "", "", total_in, total_out, fund.balance])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row[6:9]:
            cell.number_format = MONEY_FORMAT
        for cell in (row[0], row[5]):
            cell.number_format = "yyyy-mm-dd"
    for index, width in enumerate([12, 16, 36, 28, 18, 12, 16, 16, 16], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    # The auto-filter every exported sheet has (hubportal.exports), over the movements only.
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{sheet.max_row - 1}"
    output = BytesIO()
    book.save(output)
    return output.getvalue()
