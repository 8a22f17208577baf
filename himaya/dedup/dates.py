"""Birth dates with their precision.

Registrations often know only a year, and many tools store an unknown day as
1 January (or 31 December). Such a date is treated as a year: matching it
day-for-day against a real birthday would count a coincidence as evidence, and
two different people registered as "1 January 1990" would look identical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

_FULL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
EARLIEST_YEAR = 1900


class Precision(StrEnum):
    DAY = "day"
    YEAR = "year"
    UNKNOWN = "unknown"


class BirthDateError(ValueError):
    """A birth date that is neither YYYY-MM-DD nor YYYY, or is impossible."""


@dataclass(frozen=True)
class BirthDate:
    year: int | None
    month: int | None
    day: int | None
    precision: Precision
    placeholder: bool = False  # written as 1 January / 31 December, read as a year

    @property
    def iso(self) -> str | None:
        if self.precision is Precision.DAY:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        return None


UNKNOWN = BirthDate(None, None, None, Precision.UNKNOWN)


def parse_birth_date(text: str | None, *, today: date | None = None) -> BirthDate:
    """Parse `YYYY-MM-DD`, `YYYY` or empty; raise BirthDateError otherwise."""
    text = (text or "").strip()
    if not text:
        return UNKNOWN
    limit = (today or date.today()).year  # noqa: DTZ011 - a calendar year, not an instant
    if match := _YEAR.match(text):
        year = int(match[1])
        _check_year(text, year, limit)
        return BirthDate(year, None, None, Precision.YEAR)
    if match := _FULL.match(text):
        year, month, day = (int(g) for g in match.groups())
        _check_year(text, year, limit)
        try:
            date(year, month, day)
        except ValueError as exc:
            raise BirthDateError(f"{text!r} is not a valid date") from exc
        if (month, day) in {(1, 1), (12, 31)}:
            return BirthDate(year, None, None, Precision.YEAR, placeholder=True)
        return BirthDate(year, month, day, Precision.DAY)
    raise BirthDateError(f"{text!r} is not a date (expected YYYY-MM-DD or YYYY)")


def _check_year(text: str, year: int, limit: int) -> None:
    if not EARLIEST_YEAR <= year <= limit:
        raise BirthDateError(f"{text!r}: year {year} is outside {EARLIEST_YEAR}–{limit}")


class DateAgreement(StrEnum):
    """How two birth dates agree, from strongest to weakest; used by tests and the
    registration-time check (the model computes the same levels in SQL)."""

    UNKNOWN = "unknown"
    EXACT = "exact"
    DAY_MONTH_SWAPPED = "day_month_swapped"
    SAME_YEAR = "same_year"  # at least one side knows only the year
    SAME_YEAR_OTHER_DAY = "same_year_other_day"
    ONE_YEAR_APART = "one_year_apart"
    FEW_YEARS_APART = "few_years_apart"
    DIFFERENT = "different"


def compare_birth_dates(a: BirthDate, b: BirthDate) -> DateAgreement:
    if a.year is None or b.year is None:
        return DateAgreement.UNKNOWN
    if a.precision is Precision.DAY and b.precision is Precision.DAY:
        if (a.year, a.month, a.day) == (b.year, b.month, b.day):
            return DateAgreement.EXACT
        if a.year == b.year and (a.month, a.day) == (b.day, b.month):
            return DateAgreement.DAY_MONTH_SWAPPED
        if a.year == b.year:
            return DateAgreement.SAME_YEAR_OTHER_DAY
    elif a.year == b.year:
        return DateAgreement.SAME_YEAR
    gap = abs(a.year - b.year)
    if gap == 1:
        return DateAgreement.ONE_YEAR_APART
    if gap <= 5:
        return DateAgreement.FEW_YEARS_APART
    return DateAgreement.DIFFERENT


def compatible(a: BirthDate, b: BirthDate) -> bool:
    """Could both dates describe the same birth, allowing their precision?"""
    return compare_birth_dates(a, b) in {
        DateAgreement.UNKNOWN,
        DateAgreement.EXACT,
        DateAgreement.DAY_MONTH_SWAPPED,
        DateAgreement.SAME_YEAR,
    }
