"""A streaming reader of XLSX sheets: rows of plain values, formulas as their text, never evaluated.

Why our own: openpyxl's read-only mode gives formulas as text but builds a
cell object per cell (about 0.5 ms a row of a dozen cells, most of the time
of a 100,000-row import); python-calamine is fast but gives a formula's cached
result, so `=HYPERLINK(...)` would silently arrive as its label. This reader
feeds the sheet's XML to expat in chunks straight from the zip and keeps only
the current row (plus the workbook's shared-strings table, which the format
requires to hold).

Values: shared and inline strings as `str`, numbers as `int`/`float` (dates
stay Excel serial numbers; the row cleaner reads them in date columns),
booleans as `bool`, error cells as their text (`#N/A`), and a formula cell as
"=" followed by its formula, whatever its cached value.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

CHUNK = 256 * 1024
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


class WorkbookError(Exception):
    """The zip is not a readable workbook."""


@dataclass(frozen=True)
class SheetInfo:
    name: str
    path: str


_LOCAL_NAMES: dict[str, str] = {}


def _local(name: str) -> str:
    """The element's name without its prefix (some writers use x:c, x:row); cached, it is per cell."""
    local = _LOCAL_NAMES.get(name)
    if local is None:
        local = name.rsplit(":", 1)[-1].rsplit("}", 1)[-1]
        if len(_LOCAL_NAMES) < 256:  # a hostile file cannot grow it: a sheet has a dozen names
            _LOCAL_NAMES[name] = local
    return local


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _parse_small(archive: zipfile.ZipFile, name: str, start: Any, end: Any = None, text: Any = None) -> None:
    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.buffer_text = True
        parser.CharacterDataHandler = text
    try:
        with archive.open(name) as handle:
            while chunk := handle.read(CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (KeyError, expat.ExpatError) as error:
        raise WorkbookError(f"{name}: {error}") from None


def sheets(archive: zipfile.ZipFile) -> list[SheetInfo]:
    """The worksheets in workbook order, with the path of each one's XML."""
    targets: dict[str, str] = {}
    found: list[tuple[str, str]] = []

    def on_rel(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship":
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    def on_sheet(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "sheet":
            rel = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            found.append((attrs.get("name", ""), rel))

    _parse_small(archive, "xl/_rels/workbook.xml.rels", on_rel)
    _parse_small(archive, "xl/workbook.xml", on_sheet)
    result = []
    for sheet_name, rel in found:
        target = targets.get(rel, "")
        if not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        if path in archive.namelist():
            result.append(SheetInfo(sheet_name, path))
    return result


def shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    parts: list[str] = []
    state = {"in_t": False, "phonetic": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "si":
            parts.clear()
        elif local == "rPh":
            state["phonetic"] += 1  # furigana runs are not part of the text
        elif local == "t" and not state["phonetic"]:
            state["in_t"] = True

    def end(name: str) -> None:
        local = _local(name)
        if local == "si":
            strings.append("".join(parts))
        elif local == "rPh":
            state["phonetic"] -= 1
        elif local == "t":
            state["in_t"] = False

    def text(data: str) -> None:
        if state["in_t"]:
            parts.append(data)

    _parse_small(archive, "xl/sharedStrings.xml", start, end, text)
    return strings


class _SheetReader:
    """Expat callbacks building one row at a time; finished rows wait in `ready`."""

    def __init__(self, strings: list[str]) -> None:
        self.strings = strings
        self.ready: list[tuple[int, list[Any]]] = []
        self.row: list[Any] | None = None
        self.row_number = 0
        self.column = 0
        self.kind = ""
        self.value: list[str] = []
        self.formula: list[str] | None = None
        self.in_value = False
        self.in_inline = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "c":
            ref = _CELL_REF.match(attrs.get("r", ""))
            self.column = _column_index(ref.group(1)) if ref else len(self.row or [])
            self.kind = attrs.get("t", "n")
            self.value, self.formula = [], None
        elif local == "v":
            self.in_value = True
        elif local == "f":
            self.formula = []
        elif local == "is":
            self.in_inline = True
        elif local == "t" and self.in_inline:
            self.in_value = True
        elif local == "row":
            number = attrs.get("r")
            self.row_number = int(number) if number and number.isdigit() else self.row_number + 1
            self.row = []

    def text(self, data: str) -> None:
        if self.formula is not None and not self.in_value:
            self.formula.append(data)
        elif self.in_value:
            self.value.append(data)

    def end(self, name: str) -> None:
        local = _local(name)
        if local == "v" or (local == "t" and self.in_inline):
            self.in_value = False
        elif local == "is":
            self.in_inline = False
        elif local == "c" and self.row is not None:
            value = self._cell_value()
            if value is not None:
                if self.column >= len(self.row):
                    self.row.extend([None] * (self.column - len(self.row) + 1))
                self.row[self.column] = value
        elif local == "row" and self.row is not None:
            self.ready.append((self.row_number, self.row))
            self.row = None

    def _cell_value(self) -> Any:
        if self.formula is not None:
            # Whatever the cached result: the formula itself, so that it is seen and refused.
            return "=" + ("".join(self.formula) or "…")
        text = "".join(self.value)
        if self.kind == "s":
            try:
                return self.strings[int(text)]
            except (ValueError, IndexError):
                return None
        if self.kind in ("inlineStr", "str", "e", "d"):
            return text or None
        if self.kind == "b":
            return text == "1"
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() and "." not in text and "E" not in text.upper() else number


def read_rows(archive: zipfile.ZipFile, sheet: SheetInfo, strings: list[str]) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) for every row element of the sheet, streamed."""
    reader = _SheetReader(strings)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    try:
        with archive.open(sheet.path) as handle:
            while chunk := handle.read(CHUNK):
                parser.Parse(chunk, False)
                if reader.ready:
                    yield from reader.ready
                    reader.ready.clear()
            parser.Parse(b"", True)
    except expat.ExpatError as error:
        raise WorkbookError(f"{sheet.path}: {error}") from None
    yield from reader.ready


def dimension_rows(archive: zipfile.ZipFile, sheet: SheetInfo) -> int | None:
    """The last row the sheet declares (its <dimension>), read from the first bytes only."""
    with archive.open(sheet.path) as handle:
        head = handle.read(4096).decode("utf-8", errors="ignore")
    match = re.search(r'<(?:\w+:)?dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"', head)
    return int(match.group(1)) if match and match.group(1) else None
