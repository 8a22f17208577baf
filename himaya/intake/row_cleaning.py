"""From one row of cells to the registry's raw data, and its problems column by column.

This module knows spreadsheets (Excel serial dates, numbers that were phone
numbers, formulas, yes/no in three languages, "CODE — name" from the template's
dropdowns); the registry's validator knows people. Reference codes are resolved
from in-memory tables loaded once per import, so that validating a row asks the
database nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from himaya.intake import registry_adapter
from himaya.intake.schema import (
    COLUMN_BY_KEY,
    COLUMNS,
    NO,
    PURPOSE_COLUMNS,
    REQUIRED_KEYS,
    YES,
    YES_NO_WORDS,
    choice_words,
    column_for_header,
    fold_header,
)
from himaya.reference.models import Commune, Country, Language, Province, Region
from himaya.registry.models import Consent, LegalBasis, VulnerabilityCriterion

EXCEL_EPOCH = dt.date(1899, 12, 30)
# Excel serial numbers of 1900-01-01 … 2100-12-31: anything else in a date cell is not a date.
SERIAL_RANGE = (1, 73415)
FORMULA_START = "="
# Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
# Kobo's own columns: about the submission, not the person; not "unknown" columns.
_KOBO_META = re.compile(
    r"^(_.*|start|end|today|deviceid|subscriberid|simserial|phonenumber|username|audit|"
    r"__version__|formhub/.*|meta/(?!instanceid$).*)$", re.IGNORECASE)
_REFERENCE_SPLIT = re.compile(r"\s+[—–-]\s+")


@dataclass
class ColumnMap:
    positions: dict[str, int]
    headers: dict[str, str]
    unknown: list[str]
    missing: list[str]
    duplicated: list[str]

    @property
    def missing_required(self) -> list[str]:
        return [key for key in self.missing if key in REQUIRED_KEYS]

    def header(self, key: str) -> str:
        return self.headers.get(key) or str(COLUMN_BY_KEY[key].label)


def map_columns(headers: Sequence[str]) -> ColumnMap:
    """Which position holds which column; unknown and missing columns reported, never guessed."""
    positions: dict[str, int] = {}
    names: dict[str, str] = {}
    unknown: list[str] = []
    duplicated: list[str] = []
    has_instance_id = any(fold_header(h) in {"meta instanceid", "instanceid"} for h in headers)
    for position, header in enumerate(headers):
        if not header:
            continue
        if _KOBO_META.match(header) and header.lower() != "_uuid":
            continue  # Kobo's _id, _index, start, end…: about the submission, not the person
        key = column_for_header(header)
        if key is None:
            unknown.append(header)
            continue
        if key == "external_id" and has_instance_id and header.lower() in {"_uuid", "uuid"}:
            continue  # Kobo repeats meta/instanceID (less its "uuid:") in _uuid
        if key in positions:
            duplicated.append(header)
            continue
        positions[key], names[key] = position, header
    missing = [c.key for c in COLUMNS if c.key not in positions]
    return ColumnMap(positions, names, unknown, missing, duplicated)


class References:
    """Reference tables in memory, for one import: codes, names and dropdown texts → objects."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, Any]] = {
            "countries": self._index(Country.objects.all(), ("alpha3", "alpha2"), names=True),
            "languages": self._index(Language.objects.all(), ("code", "alpha2"), names=True),
            "regions": self._index(Region.objects.all(), ("code",), names=True),
            "provinces": self._index(Province.objects.select_related("region"), ("code",), names=True),
            "communes": self._index(Commune.objects.select_related("province__region"), ("code",)),
            "vulnerabilities": self._index(VulnerabilityCriterion.objects.filter(active=True), ("code",),
                                           names=True),
        }
        self.choices = {
            c.key: choice_words(c.choices, c.extra) for c in COLUMNS
            if c.kind == "choice" and c.choices is not None
        }

    @staticmethod
    def _index(objects: Iterable[Any], code_fields: Sequence[str], names: bool = False) -> dict[str, Any]:
        index: dict[str, Any] = {}
        for obj in objects:
            for name in code_fields:
                code = getattr(obj, name, "")
                if code:
                    index[fold_header(code)] = obj
            if names:
                for language in ("fr", "ar", "en"):
                    label = getattr(obj, f"name_{language}", "")
                    if label:
                        index.setdefault(fold_header(label), obj)
        return index

    def resolve(self, table: str, text: str) -> Any:
        """The object named by a code, a name, or the template's "CODE — name"; else the text."""
        index = self.tables[table]
        found = index.get(fold_header(text))
        if found is None:
            code = _REFERENCE_SPLIT.split(text, maxsplit=1)[0]
            found = index.get(fold_header(code))
        if found is None and text.endswith(")") and "(" in text:
            found = index.get(fold_header(text.rsplit("(", 1)[1].rstrip(")")))
        # An unknown value goes on to the validator, which says so in the user's language.
        return found if found is not None else text


@dataclass
class CleanRow:
    number: int
    values: list[Any]
    key: str = ""
    content: str = ""
    data: registry_adapter.PersonData | None = None
    household: str = ""
    relationship: str = ""
    # Imported before with the same data: nothing to write.
    unchanged: bool = False
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems and self.data is not None


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious ".0", dates as ISO, whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return " ".join(str(value).split())


def unquote(text: str) -> str:
    """Undo our own export neutralisation: a leading ' before = + - @ is not part of the value."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


def neutralise(value: Any) -> Any:
    """A value safe to put in a spreadsheet: text that a program would run gets a leading '."""
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


# --- dates and numbers ------------------------------------------------------------------

_YEAR = re.compile(r"^(\d{4})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_SERIAL = re.compile(r"^\d{4,5}(\.0+)?$")


def birth_fields(value: Any, today: dt.date) -> dict[str, Any]:
    """One birth-date cell → the validator's birth_date / birth_year / birth_month keys."""
    if value in (None, ""):
        return {}
    if isinstance(value, dt.datetime):
        return {"birth_date": value.date()}
    if isinstance(value, dt.date):
        return {"birth_date": value}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _birth_number(float(value), today)
    text = cell_text(value)
    if text[:10].count("-") == 2 and "T" in text:
        text = text[:10]  # Kobo's ISO date-times
    if match := _YEAR.match(text):
        year = int(match.group(1))
        if 1900 <= year <= today.year:
            return {"birth_year": year}
        return _birth_number(float(year), today)
    if match := _MONTH_YEAR.match(text):
        return {"birth_month": int(match.group(1)), "birth_year": int(match.group(2))}
    if match := _YEAR_MONTH.match(text):
        return {"birth_month": int(match.group(2)), "birth_year": int(match.group(1))}
    if _SERIAL.match(text):
        return _birth_number(float(text), today)
    return {"birth_date": text}


def _birth_number(number: float, today: dt.date) -> dict[str, Any]:
    if number.is_integer() and 1900 <= number <= today.year:
        return {"birth_year": int(number)}
    if SERIAL_RANGE[0] <= number <= SERIAL_RANGE[1]:
        return {"birth_date": excel_serial_date(number)}
    return {"birth_date": cell_text(number)}


def excel_serial_date(number: float) -> dt.date:
    """Excel's day number (1900 system, with its phantom 29 February 1900) → date."""
    return EXCEL_EPOCH + dt.timedelta(days=int(number))


def date_value(value: Any) -> Any:
    """A date cell for the validator (date, or text it will judge)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if SERIAL_RANGE[0] <= value <= SERIAL_RANGE[1]:
            return excel_serial_date(float(value))
        return cell_text(value)
    text = cell_text(value)
    if _SERIAL.match(text) and not _YEAR.match(text):
        return excel_serial_date(float(text))
    if text[:10].count("-") == 2 and "T" in text:
        return text[:10]
    return text


_PHONE_KEEP = re.compile(r"[^\d+]")


def phone_text(value: Any) -> str:
    """A phone cell as the registry's normaliser expects it, whatever form it was typed in.

    Spreadsheets turn 0612345678 into the number 612345678 and +212… into 212…;
    people write 00212…, (+212) 6…, 06.12.34.56.78 or 06-12-34-56-78.
    """
    text = cell_text(value)
    if not text:
        return ""
    digits = _PHONE_KEEP.sub("", text.replace("(0)", ""))
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+"):
        return digits
    if len(digits) == 9 and digits[0] in "5678":
        return "0" + digits  # Moroccan number whose leading 0 a spreadsheet dropped
    if len(digits) > 10 and not digits.startswith("0"):
        return "+" + digits  # an international number whose + was dropped
    return digits or text


# --- one row ----------------------------------------------------------------------------

# Which column a validator field's message belongs to.
FIELD_COLUMNS = {
    "given_name": "given_name", "family_name": "family_name", "other_names": "other_names",
    "sex": "sex", "birth_precision": "birth_precision", "birth_date": "birth_date",
    "birth_year": "birth_date", "birth_month": "birth_date", "approximate_age": "approximate_age",
    "nationality": "nationality", "languages": "languages", "region": "region",
    "province": "province", "commune": "commune", "phone": "phone", "documents": "document_number",
    "vulnerabilities": "vulnerabilities", "consents": PURPOSE_COLUMNS["registration"],
}


def _many_references(text: str, table: str, refs: References) -> list[Any]:
    parts = [p.strip() for p in re.split(r"[,;\n]", text) if p.strip()]
    resolved = [refs.resolve(table, part) for part in parts]
    if len(parts) == 1 and isinstance(resolved[0], str) and " " in parts[0]:
        # ODK and Kobo separate the answers of a select_multiple by spaces.
        resolved = [refs.resolve(table, part) for part in parts[0].split()]
    return resolved


def clean_row(number: int, values: list[Any], columns: ColumnMap, refs: References, *,
              today: dt.date, kind: str = "") -> CleanRow:
    """Turn one row into clean person data, or list its problems (column key, message)."""
    row = CleanRow(number=number, values=values)

    def cell(key: str) -> Any:
        position = columns.positions.get(key)
        if position is None or position >= len(values):
            return None
        value = values[position]
        if isinstance(value, str):
            value = unquote(value.strip())
            return value or None
        return value

    for key, position in columns.positions.items():
        value = values[position] if position < len(values) else None
        if isinstance(value, str) and unquote(value.strip()).startswith(FORMULA_START):
            row.problems.append((key, _(
                "This cell holds a formula; formulas are never calculated here. Type the value itself.")))
    if row.problems:
        return row

    raw: dict[str, Any] = {}
    for key in ("given_name", "family_name", "other_names"):
        raw[key] = cell_text(cell(key))
    for key in ("sex", "birth_precision"):
        text = cell_text(cell(key))
        raw[key] = refs.choices[key].get(fold_header(text), text) if text else ""
    raw.update(birth_fields(cell("birth_date"), today))
    if cell("birth_year") is not None:
        raw["birth_year"] = cell_text(cell("birth_year"))
    age = cell("approximate_age")
    if age is not None:
        raw["approximate_age"] = cell_text(age)
    for key in ("nationality", "region", "province", "commune"):
        text = cell_text(cell(key))
        if text:
            raw[key] = refs.resolve(COLUMN_BY_KEY[key].reference, text)
    for key in ("languages", "vulnerabilities"):
        text = cell_text(cell(key))
        raw[key] = _many_references(text, COLUMN_BY_KEY[key].reference, refs)
    raw["phone"] = phone_text(cell("phone"))
    raw["documents"] = _documents(cell, refs)
    raw["consents"] = _consents(cell, refs, row)

    household = cell_text(cell("household"))
    relationship_text = cell_text(cell("relationship"))
    relationship = refs.choices["relationship"].get(fold_header(relationship_text), "") if relationship_text else ""
    if relationship_text and not relationship:
        row.problems.append(("relationship", _("“%(value)s” is not one of the allowed choices.")
                             % {"value": relationship_text}))
    elif household and not relationship:
        row.problems.append(("relationship", _("Give the relationship to the head of the household.")))
    elif relationship and not household:
        row.problems.append(("household", _("Give the household reference, or leave the relationship empty.")))
    row.household, row.relationship = household, relationship

    try:
        row.data = registry_adapter.validate_person(raw, today=today)
    except registry_adapter.PersonDataInvalid as invalid:
        for name, messages in invalid.message_dict.items():
            for message in messages:
                column = name if name in columns.positions else FIELD_COLUMNS.get(name, name)
                row.problems.append((column, message))
    external_id = cell_text(cell("external_id"))
    if external_id.lower().startswith("uuid:"):
        # Kobo's JSON has "uuid:…" in meta/instanceID, its XLSX the bare _uuid: one submission, one id.
        external_id = external_id[5:]
    if len(external_id) > 90:
        row.problems.append(("external_id", _("A reference has at most 90 characters.")))
    if row.data is not None:
        row.content = registry_adapter.person_digest(row.data)
        # Without a reference, the person's own data is the key: the same row imported
        # again (from this file or another) finds the person it made the first time.
        row.key = f"ref:{external_id}" if external_id else f"data:{row.content}"
    return row


def _documents(cell: Any, refs: References) -> list[dict[str, Any]]:
    kind_text = cell_text(cell("document_type"))
    number = cell_text(cell("document_number"))
    if not kind_text and not number:
        return []
    kind = refs.choices["document_type"].get(fold_header(kind_text), kind_text) if kind_text else ""
    country_text = cell_text(cell("document_country"))
    country = refs.resolve("countries", country_text) if country_text else None
    return [{"kind": kind, "number": number, "issuing_country": country}]


def _consents(cell: Any, refs: References, row: CleanRow) -> list[dict[str, Any]]:
    basis_text = cell_text(cell("legal_basis"))
    basis = refs.choices["legal_basis"].get(fold_header(basis_text), basis_text) if basis_text else LegalBasis.CONSENT
    language_text = cell_text(cell("consent_language"))
    language = refs.resolve("languages", language_text) if language_text else None
    collected_on = cell("consent_date")
    consents = []
    for purpose, key in PURPOSE_COLUMNS.items():
        text = cell_text(cell(key))
        answer = next((word for word, accepted in YES_NO_WORDS.items() if fold_header(text) in accepted), "")
        if text and not answer:
            row.problems.append((key, _("Answer yes or no.")))
            continue
        if not answer:
            if purpose == "registration" and basis_text and basis != LegalBasis.CONSENT:
                # Another legal basis than consent covers registration without a yes.
                answer = YES
            else:
                continue
        consents.append({
            "purpose": purpose, "legal_basis": basis, "language": language,
            "status": Consent.Status.GIVEN if answer == YES else Consent.Status.REFUSED,
            "collected_on": date_value(collected_on) if collected_on not in (None, "") else None,
        })
    return consents

