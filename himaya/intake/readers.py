"""Reading an uploaded file as a header and a stream of rows, whatever it turns out to be.

The file's name is not trusted: what it is comes from its first bytes. XLSX is
read with openpyxl in read-only mode, formulas as their text (never evaluated,
never their cached result); CSV in whatever encoding it was saved in; Kobo's JSON
export as a list of submissions. Rows are yielded one at a time so that memory
does not grow with the file. Anything unreadable raises `UnreadableFile` with a
message in the user's language.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from himaya.intake import xlsx_stream
from himaya.intake.schema import COLUMN_BY_KEY, column_for_header, fold_header

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# An XLSX is a zip: refuse one that would unpack to far more than any real sheet (a zip bomb).
UNPACKED_RATIO = 25
_CHUNK = 1024 * 1024
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


class UnreadableFile(Exception):
    """The file cannot be imported at all; `str()` is the user's message."""


def max_bytes() -> int:
    return int(getattr(settings, "HIMAYA_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def check_size(size: int) -> None:
    if size == 0:
        raise UnreadableFile(_("The file is empty."))
    limit = max_bytes()
    if size > limit:
        raise UnreadableFile(
            _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files.")
            % {"size": file_size_text(size), "limit": file_size_text(limit)}
        )


def file_size_text(size: int) -> str:
    return f"{size / 1048576:.1f} MB" if size >= 1048576 else f"{max(1, size // 1024)} KB"


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    # Data rows expected (for the progress bar); None when the file does not say.
    total: int | None
    kind: str
    encoding: str = ""
    notes: list[str] = field(default_factory=list)


def sniff_kind(path: Path, filename: str) -> str:
    """'xlsx', 'csv' or 'json' from the content; refuses what is none of them."""
    size = path.stat().st_size
    check_size(size)
    with path.open("rb") as handle:
        head = handle.read(4096)
    suffix = Path(filename).suffix.lower()
    if head.startswith(_XLSX_MAGIC):
        return "xlsx"
    if head.startswith(_OLE_MAGIC):
        raise UnreadableFile(_(
            "This is an old Excel file (.xls). Open it in Excel or LibreOffice and save it as "
            ".xlsx, then import it again."))
    if suffix in _SPREADSHEET_SUFFIXES:
        raise UnreadableFile(_(
            "The file is named “%(name)s” but it is not an Excel workbook. Export the sheet as "
            ".xlsx or CSV and import that.") % {"name": Path(filename).name})
    text_head = head.lstrip(codecs.BOM_UTF8).lstrip()
    if text_head[:1] in (b"[", b"{") and suffix in {".json", ""}:
        return "json"
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile(_("This file is neither a spreadsheet nor a CSV text file."))
    return "csv"


@contextmanager
def open_table(path: Path, filename: str) -> Iterator[Table]:
    kind = sniff_kind(path, filename)
    if kind == "xlsx":
        with _open_xlsx(path) as table:
            yield table
    elif kind == "json":
        yield _open_kobo_json(path)
    else:
        with _open_csv(path) as table:
            yield table


# --- XLSX -------------------------------------------------------------------------------

def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise UnreadableFile(_("The file is damaged or is not an Excel workbook.")) from None
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            raise UnreadableFile(_("This is an OpenDocument sheet (.ods): save it as .xlsx first."))
        raise UnreadableFile(_("The file is damaged or is not an Excel workbook."))
    if unpacked > UNPACKED_RATIO * max_bytes():
        raise UnreadableFile(_("The workbook unpacks to an unreasonable size; it is refused."))


def _is_key_row(values: list[Any]) -> bool:
    """The template's second header row holds the machine keys: recognise it to skip it."""
    cells = [fold_header(v).replace(" ", "_") for v in values if v not in (None, "")]
    return bool(cells) and sum(cell in COLUMN_BY_KEY for cell in cells) >= max(1, len(cells) // 2)


def _header_score(values: list[Any]) -> int:
    return sum(column_for_header(v) is not None for v in values if v not in (None, ""))


@contextmanager
def _open_xlsx(path: Path) -> Iterator[Table]:
    _check_zip(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise UnreadableFile(_("The file is damaged or is not an Excel workbook.")) from None
    try:
        try:
            worksheets = xlsx_stream.sheets(archive)
            strings = xlsx_stream.shared_strings(archive)
        except xlsx_stream.WorkbookError:
            raise UnreadableFile(_("The file is damaged or is not an Excel workbook.")) from None
        if not worksheets:
            raise UnreadableFile(_("The workbook has no sheet."))
        # The sheet to read is the first whose first rows hold a header we know (the
        # template puts its instructions and lists on other sheets).
        chosen, header_row = worksheets[0], None
        for sheet in worksheets:
            for number, values in _first_rows(archive, sheet, strings):
                if _header_score(values) >= 1:
                    chosen, header_row = sheet, number
                    break
            if header_row is not None:
                break
        yield _xlsx_table(archive, chosen, strings, header_row)
    finally:
        archive.close()


def _first_rows(archive: zipfile.ZipFile, sheet: xlsx_stream.SheetInfo, strings: list[str]) -> list[tuple[int, list[Any]]]:
    rows = []
    try:
        for number, values in xlsx_stream.read_rows(archive, sheet, strings):
            rows.append((number, values))
            if len(rows) >= 5:
                break
    except xlsx_stream.WorkbookError:
        raise UnreadableFile(_("The file is damaged or is not an Excel workbook.")) from None
    return rows


def _xlsx_table(archive: zipfile.ZipFile, sheet: xlsx_stream.SheetInfo, strings: list[str],
                header_row: int | None) -> Table:
    rows = xlsx_stream.read_rows(archive, sheet, strings)
    headers: list[str] = []
    first_data = 1
    for number, values in rows:
        if header_row is None or number >= header_row:
            headers, first_data = [_header_text(v) for v in values], number + 1
            break
    peeked: list[tuple[int, list[Any]]] = []
    second = next(rows, None)
    if second is not None:
        if second[0] == first_data and _is_key_row(second[1]):
            keys = second[1]
            headers = [_header_text(v) or h for v, h in zip(keys, headers, strict=False)] + headers[len(keys):]
            first_data += 1
        else:
            peeked.append(second)
    last = xlsx_stream.dimension_rows(archive, sheet)
    total = max(0, last - first_data + 1) if last else None

    def stream() -> Iterator[tuple[int, list[Any]]]:
        try:
            yield from peeked
            yield from rows
        except xlsx_stream.WorkbookError as error:
            raise UnreadableFile(_("The file is damaged or is not an Excel workbook.")) from error

    return Table(headers=headers, rows=stream(), total=total, kind="xlsx")


def _header_text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


# --- CSV --------------------------------------------------------------------------------

def _arabic_share(high_bytes: bytes) -> float:
    decoded = high_bytes.decode("cp1256", errors="ignore")
    arabic = sum("\u0600" <= ch <= "\u06ff" for ch in decoded)
    return arabic / max(1, len(decoded))


def detect_encoding(path: Path) -> tuple[str, int]:
    """The file's encoding and its number of lines.

    UTF-8 (with or without BOM) and UTF-16 are recognised exactly. A file that is
    not valid UTF-8 was saved by Excel in the Windows code page of its machine:
    Arabic Windows (1256) or Western (1252/Latin-1). Both are one byte a character
    and any byte string decodes in both, so we look at what the bytes would be:
    in Arabic text most bytes above 127 are Arabic letters in Windows-1256, while
    French accented letters sit at the same places in both code pages.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            encoding = ""
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8 = True
        lines = 0
        high = bytearray()
        undefined_in_1252 = False
        while chunk := handle.read(_CHUNK):
            lines += chunk.count(b"\n")
            if utf8 and not encoding:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if not utf8 and len(high) < 200_000:
                high.extend(b for b in chunk if b >= 0x80)
            if not utf8:
                undefined_in_1252 |= any(b in chunk for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"))
    if encoding:
        return encoding, lines
    if utf8:
        return "utf-8", lines
    if _arabic_share(bytes(high)) > 0.5:
        return "cp1256", lines
    return ("latin-1" if undefined_in_1252 else "cp1252"), lines


ENCODING_NAMES = {
    "utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)", "utf-16": "UTF-16", "cp1256": "Windows-1256 (Arabic)",
    "cp1252": "Windows-1252 (Latin)", "latin-1": "ISO-8859-1 (Latin-1)",
}


@contextmanager
def _open_csv(path: Path) -> Iterator[Table]:
    encoding, lines = detect_encoding(path)
    handle = path.open("r", encoding=encoding, newline="", errors="strict")
    try:
        sample = handle.read(16384)
        handle.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(handle, dialect)
        try:
            headers = [_header_text(v) for v in next(reader, [])]
        except (csv.Error, UnicodeDecodeError):
            raise UnreadableFile(_("The CSV file cannot be read: check that it is text separated by commas or semicolons.")) from None
        if not any(headers):
            raise UnreadableFile(_("The file has no header row."))

        def stream() -> Iterator[tuple[int, list[Any]]]:
            try:
                for number, values in enumerate(reader, start=2):
                    yield number, [v if v != "" else None for v in values]
            except (csv.Error, UnicodeDecodeError) as error:
                raise UnreadableFile(
                    _("The CSV file cannot be read after line %(line)d.") % {"line": reader.line_num}
                ) from error

        yield Table(headers=headers, rows=stream(), total=max(0, lines - 1), kind="csv", encoding=encoding)
    finally:
        handle.close()


# --- Kobo JSON --------------------------------------------------------------------------

def _open_kobo_json(path: Path) -> Table:
    """Kobo's JSON export (a list of submissions, or the API's {"results": [...]})."""
    try:
        with path.open("rb") as handle:
            data = json.load(io.TextIOWrapper(handle, encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        raise UnreadableFile(_("The JSON file cannot be read.")) from None
    if isinstance(data, dict):
        data = data.get("results", data.get("data"))
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise UnreadableFile(_("This JSON file is not a KoboToolbox export (a list of submissions)."))
    headers: dict[str, None] = {}
    for item in data:
        headers.update(dict.fromkeys(item))
    names = list(headers)

    def stream() -> Iterator[tuple[int, list[Any]]]:
        for number, item in enumerate(data, start=1):
            yield number, [_json_value(item.get(name)) for name in names]

    return Table(headers=names, rows=stream(), total=len(data), kind="json")


def _json_value(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value
