"""Contradictions keep namesakes apart even when a year-only record links them."""

from __future__ import annotations

import pytest

from himaya.dedup.clustering import cluster
from himaya.dedup.conflicts import contradict, contradictions
from himaya.dedup.features import features_table


def _record(record_id: str, birth: str, document: str = "") -> dict[str, str]:
    return {"record_id": record_id, "given_name": "Mamadou", "family_name": "Diallo",
            "sex": "M", "birth_date": birth, "nationality": "GIN", "phone": "",
            "document_number": document, "region": "01", "partner": "P01"}


@pytest.mark.parametrize(("a", "b", "expected"), [
    (((1990, 3, 4), 1990, None), ((1990, 5, 6), 1990, None), True),  # two full dates
    (((1990, 3, 4), 1990, None), ((1990, 3, 14), 1990, None), False),  # one field: a slip
    (((1990, 3, 4), 1990, None), ((1990, 4, 3), 1990, None), False),  # day and month swapped
    (((1990, 3, 4), 1990, None), (None, 1990, None), False),  # a year only
    ((None, 1990, None), (None, 1991, None), False),  # one year off
    ((None, 1990, None), (None, 1996, None), True),  # six years apart
    ((None, None, "AB1234567"), (None, None, "AB1234576"), False),  # neighbours swapped
    ((None, None, "AB1234567"), (None, None, "AB7654321"), True),
])
def test_what_contradicts(a, b, expected) -> None:
    assert contradict(a, b) is expected


def test_a_year_only_record_does_not_chain_two_full_dates() -> None:
    table = features_table([_record("a", "1990-03-04"), _record("b", "1990"),
                            _record("c", "1990-07-08")])
    pairs = [("a", "b", 8.0), ("b", "c", 7.0)]
    clusters = cluster(["a", "b", "c"], pairs, threshold=4.0, conflicts=contradictions(table))
    assert clusters["a"] == clusters["b"]  # the stronger link wins
    assert clusters["c"] != clusters["a"]
    assert cluster(["a", "b", "c"], pairs, threshold=4.0) == {"a": "a", "b": "a", "c": "a"}


def test_a_pair_strong_on_its_own_is_never_a_conflict() -> None:
    table = features_table([_record("a", "1990-03-04"), _record("b", "1990-07-08")])
    pairs = [("a", "b", 20.0)]
    assert cluster(["a", "b"], pairs, threshold=4.0,
                   conflicts=contradictions(table))["b"] == "b"
    assert cluster(["a", "b"], pairs, threshold=4.0,
                   conflicts=contradictions(table, [("b", "a")]))["b"] == "a"
