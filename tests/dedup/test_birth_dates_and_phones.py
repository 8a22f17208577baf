"""Birth dates at their precision, and phones in E.164."""

from __future__ import annotations

from datetime import date

import pytest

from himaya.dedup.dates import (
    BirthDateError,
    DateAgreement,
    Precision,
    compare_birth_dates,
    compatible,
    parse_birth_date,
)
from himaya.dedup.phones import to_e164


def test_year_only_and_full_date_of_that_year_are_compatible() -> None:
    year_only = parse_birth_date("1990")
    full = parse_birth_date("1990-05-17")
    assert year_only.precision is Precision.YEAR
    assert compare_birth_dates(year_only, full) is DateAgreement.SAME_YEAR
    assert compatible(year_only, full)
    assert not compatible(year_only, parse_birth_date("1992-05-17"))


@pytest.mark.parametrize("placeholder", ["1990-01-01", "1990-12-31"])
def test_first_of_january_is_read_as_a_year(placeholder: str) -> None:
    birth = parse_birth_date(placeholder)
    assert birth.precision is Precision.YEAR and birth.placeholder
    # Two different people written as 1 January 1990 do not share a birthday.
    assert compare_birth_dates(birth, parse_birth_date("1990-01-01")) is DateAgreement.SAME_YEAR
    assert compatible(birth, parse_birth_date("1990-08-02"))


def test_day_and_month_swapped() -> None:
    assert compare_birth_dates(parse_birth_date("1990-03-07"),
                               parse_birth_date("1990-07-03")) is DateAgreement.DAY_MONTH_SWAPPED


def test_one_year_apart_and_missing() -> None:
    assert compare_birth_dates(parse_birth_date("1990"),
                               parse_birth_date("1991-02-02")) is DateAgreement.ONE_YEAR_APART
    assert compare_birth_dates(parse_birth_date(""), parse_birth_date("1991")) is DateAgreement.UNKNOWN


@pytest.mark.parametrize("bad", ["1990-02-30", "17/05/1990", "90", "1850", "2999-01-02", "1990-13-01"])
def test_bad_dates_are_refused(bad: str) -> None:
    with pytest.raises(BirthDateError):
        parse_birth_date(bad, today=date(2026, 1, 1))


@pytest.mark.parametrize(
    "written", ["0612345678", "+212 6 12 34 56 78", "00212612345678", "06 12 34 56 78",
                "06-12-34-56-78", "212612345678"]
)
def test_moroccan_formats_give_one_e164(written: str) -> None:
    assert to_e164(written) == "+212612345678"


def test_foreign_and_unusable_numbers() -> None:
    assert to_e164("+221 77 123 45 67") == "+221771234567"
    assert to_e164("") == ""
    assert to_e164("n/a") == ""
