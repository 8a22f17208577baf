"""The XLSX template for importing people and households, generated from the column schema.

Row 1 holds the headers in the user's language, row 2 the stable machine keys
(the importer recognises either); dropdowns come from the reference data and
the registry's choices, kept on a hidden "lists" sheet; an instructions sheet
explains every column in the user's language.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import override
from xlsxwriter.utility import xl_col_to_name

from himaya.intake.readers import max_bytes
from himaya.intake.schema import COLUMNS, Column
from himaya.reference.models import Commune, Country, Language, Province, Region
from himaya.registry.models import VulnerabilityCriterion

TEMPLATE_ROWS = 5000
# Text columns: a spreadsheet must not turn 0612345678 into 612345678 or a reference into a number.
TEXT_COLUMNS = {"external_id", "phone", "document_number", "household"}


def reference_entries(name: str) -> list[str]:
    """The dropdown entries of a reference list: "CODE — name", which the importer reads back."""
    if name == "countries":
        return [f"{c.alpha3} — {c.name}" for c in Country.objects.order_by("alpha3")]
    if name == "regions":
        return [f"{r.code} — {r.name}" for r in Region.objects.all()]
    if name == "provinces":
        return [f"{p.code} — {p.name}" for p in Province.objects.all()]
    if name == "communes":
        return [f"{c.code} — {c.name}" for c in Commune.objects.all()]
    if name == "languages":
        return [f"{lang.code} — {lang.name}" for lang in Language.objects.order_by("code")]
    if name == "vulnerabilities":
        return [f"{v.code} — {v.name}" for v in VulnerabilityCriterion.objects.filter(active=True)]
    raise LookupError(name)


def column_entries(column: Column) -> list[str]:
    if column.kind == "choice" and column.choices is not None:
        return [str(label) for label in column.choices.labels]
    if column.kind == "yes_no":
        return [_("yes"), _("no")]
    if column.kind in ("reference", "multi_reference"):
        return reference_entries(column.reference)
    return []


def _instructions(columns: Iterable[Column]) -> list[str]:
    limit = max_bytes() // (1024 * 1024)
    return [
        _("How to fill this sheet"),
        _("One row per person. Keep the first two rows: the second holds the column keys the import reads."),
        _("Columns marked * are required. Columns you do not need can stay empty or be deleted."),
        _("Dates: dd/mm/yyyy or yyyy-mm-dd; when only the year is known, write the year; "
          "when only the age is known, fill “Approximate age”."),
        _("Phones: any form, with or without the country code (0612345678, +212 612 345 678, 00221 77 123 45 67)."),
        _("Consent: answer yes or no for each purpose; registration needs a yes, or another legal basis."),
        _("Households: give the same household reference to every member and mark one of them as the head."),
        _("Formulas are never calculated: a cell holding a formula is rejected. Type values."),
        _("Give each person a reference of your own: importing the file again never creates anyone twice."),
        _("Save as .xlsx (or CSV) and import it from the Imports page; files up to %(limit)d MB.") % {"limit": limit},
        "",
        _("Columns"),
    ]


def people_template(language: str) -> bytes:
    """The template workbook in `language`, as bytes."""
    with override(language):
        return _build()


def _build() -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False})
    workbook.set_properties({"title": _("People to import")})
    sheet = workbook.add_worksheet(_("People")[:31])
    instructions = workbook.add_worksheet(_("Instructions")[:31])
    lists = workbook.add_worksheet("lists")
    if _direction_rtl():
        sheet.right_to_left()
        instructions.right_to_left()
    header = workbook.add_format({"bold": True, "bg_color": "#dbe5f1", "text_wrap": True, "valign": "top"})
    required = workbook.add_format({"bold": True, "bg_color": "#f8cbad", "text_wrap": True, "valign": "top"})
    key_format = workbook.add_format({"font_color": "#7f7f7f", "italic": True, "font_size": 9})
    text = workbook.add_format({"num_format": "@"})
    date = workbook.add_format({"num_format": "dd/mm/yyyy"})
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})

    list_column = 0
    for position, column in enumerate(COLUMNS):
        label = str(column.label) + (" *" if column.required else "")
        sheet.write_string(0, position, label, required if column.required else header)
        sheet.write_string(1, position, column.key, key_format)
        cell_format = text if column.key in TEXT_COLUMNS else date if column.kind == "date" else None
        sheet.set_column(position, position, column.width, cell_format)
        if column.help:
            sheet.write_comment(0, position, str(column.help), {"x_scale": 2})
        entries = column_entries(column)
        if entries:
            letter = xl_col_to_name(list_column)
            lists.write_string(0, list_column, column.key)
            for row, entry in enumerate(entries, start=1):
                lists.write_string(row, list_column, entry)
            source = f"=lists!${letter}$2:${letter}${len(entries) + 1}"
            multiple = column.kind == "multi_reference"
            sheet.data_validation(2, position, TEMPLATE_ROWS + 1, position, {
                "validate": "list", "source": source,
                # A warning, not a stop: typed codes ("SEN") and comma-separated lists are accepted.
                "error_type": "information" if multiple else "warning",
                "error_title": str(column.label)[:32],
                "error_message": (_("Choose from the list, or type codes separated by commas.") if multiple
                                  else _("Choose a value from the list.")),
            })
            list_column += 1
    sheet.set_row(0, 45)
    sheet.freeze_panes(2, 2)
    lists.hide()

    instructions.set_column(0, 0, 34)
    instructions.set_column(1, 1, 22)
    instructions.set_column(2, 2, 90, wrap)
    lines = _instructions(COLUMNS)
    for row, line in enumerate(lines):
        instructions.write_string(row, 0, line, bold if row in (0, len(lines) - 1) else None)
    start = len(lines)
    instructions.write_row(start, 0, [_("Column"), _("Key"), _("What to write")], bold)
    for offset, column in enumerate(COLUMNS, start=1):
        instructions.write_string(start + offset, 0, str(column.label) + (" *" if column.required else ""))
        instructions.write_string(start + offset, 1, column.key)
        instructions.write_string(start + offset, 2, str(column.help))
    workbook.close()
    return buffer.getvalue()


def _direction_rtl() -> bool:
    from django.utils.translation import get_language_bidi

    return get_language_bidi()
