"""A vendor's statement as PDF (WeasyPrint) and XLSX (XlsxWriter): each redemption and totals.

Lines name the voucher by its code's first group and the issuing partner, never a person.
"""

from __future__ import annotations

import io

import xlsxwriter
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from himaya.vouchers import queries
from himaya.vouchers.models import Statement


def statement_filename(statement: Statement, extension: str) -> str:
    return (
        f"releve-{statement.vendor.code}-{statement.period_start:%Y%m%d}-"
        f"{statement.period_end:%Y%m%d}.{extension}"
    )


def render_statement_pdf(statement: Statement, language: str) -> bytes:
    from weasyprint import HTML  # loads Pango: only when a PDF is made

    with translation.override(language):
        html = render_to_string("vouchers/pdf/statement.html", {
            "statement": statement,
            "lines": queries.statement_lines(statement),
            "language": language,
            "rtl": language == "ar",
            "printed_on": timezone.localdate(),
        })
    return HTML(string=html).write_pdf()


def render_statement_xlsx(statement: Statement) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet(_("Statement")[:31])
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, [_("Statement"), str(statement.vendor.name)], bold)
    sheet.write_row(1, 0, [_("Period"), f"{statement.period_start:%Y-%m-%d} – {statement.period_end:%Y-%m-%d}"])
    sheet.write_row(2, 0, [_("Status"), str(statement.get_status_display())])
    header = [_("Receipt"), _("Date and time"), _("Voucher"), _("Category"), _("Issuing partner"),
              _("Amount (MAD)"), _("Balance after (MAD)")]
    sheet.write_row(4, 0, header, bold)
    row = 5
    for line in queries.statement_lines(statement):
        sheet.write(row, 0, line.receipt_number)
        sheet.write_datetime(row, 1, timezone.localtime(line.at).replace(tzinfo=None), when)
        sheet.write(row, 2, f"{line.voucher.code_hint}…")
        sheet.write(row, 3, str(line.voucher.get_category_display()))
        sheet.write(row, 4, line.voucher.partner.name)
        sheet.write_number(row, 5, float(line.amount), money)
        sheet.write_number(row, 6, float(line.balance_after), money)
        row += 1
    sheet.write(row + 1, 4, _("Total"), bold)
    sheet.write_number(row + 1, 5, float(statement.total), money)
    sheet.write(row + 2, 4, _("Redemptions"), bold)
    sheet.write_number(row + 2, 5, statement.count)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 18)
    sheet.set_column(2, 3, 14)
    sheet.set_column(4, 4, 40)
    sheet.set_column(5, 6, 16)
    book.close()
    return buffer.getvalue()
