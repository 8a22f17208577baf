"""The rejected rows of an import, as an XLSX to correct and import again.

The rows are written as they came, every cell as text or number, with one more
column saying what is wrong. Nothing in it can run: XlsxWriter is told never to
turn strings into formulas, and any text a spreadsheet would read as a formula
(= + - @) gets a leading apostrophe, which the importer removes again.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from himaya.intake.row_cleaning import neutralise
from himaya.jobs.files import part_path

SAFE_WORKBOOK = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                 "strings_to_urls": False}


def write_safe(sheet: Any, row: int, column: int, value: Any, date_format: Any = None) -> None:
    """One cell, never a formula or a link."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, column, value)
    elif isinstance(value, (dt.datetime, dt.date)) and date_format is not None:
        sheet.write_datetime(row, column, value, date_format)
    else:
        sheet.write_string(row, column, str(neutralise(str(value)))[:32767])


class RejectedRowsWriter:
    """Streams rejected rows into an XLSX (constant memory, whatever the number of rows)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # Written beside the final name and renamed when complete (himaya/jobs/files.py): a full
        # disk or a killed worker never leaves half a workbook to download.
        self.partial = part_path(path)
        self.workbook = xlsxwriter.Workbook(str(self.partial), SAFE_WORKBOOK)
        self.sheet = self.workbook.add_worksheet(_("Rejected rows")[:31])
        self.date_format = self.workbook.add_format({"num_format": "dd/mm/yyyy"})
        self.wrap = self.workbook.add_format({"text_wrap": True, "font_color": "#9c0006"})
        self.row = 0
        self.width = 0
        self.count = 0
        self.closed = False

    def start(self, headers: list[str]) -> None:
        bold = self.workbook.add_format({"bold": True})
        self.width = len(headers)
        for column, header in enumerate(headers):
            self.sheet.write_string(0, column, str(neutralise(header or "")), bold)
        self.sheet.write_string(0, self.width, _("Problems"), bold)
        self.sheet.set_column(self.width, self.width, 60)
        self.sheet.freeze_panes(1, 0)
        self.row = 1

    def add(self, values: list[Any], reasons: str) -> None:
        for column, value in enumerate(values[: self.width]):
            write_safe(self.sheet, self.row, column, value, self.date_format)
        self.sheet.write_string(self.row, self.width, str(neutralise(reasons)), self.wrap)
        self.row += 1
        self.count += 1

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.workbook.close()
            with self.partial.open("rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(self.partial, self.path)
        except BaseException:
            self.partial.unlink(missing_ok=True)
            raise
