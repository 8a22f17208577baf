"""The speed-ups in the features (per-name cache, column-wise table, phone fast
path) must not change a single value: compared here with the straightforward
computation they replaced."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from bench.dedup.generate import generate
from himaya.dedup.contract import read_records
from himaya.dedup.dates import parse_birth_date
from himaya.dedup.features import _DOC, SCHEMA, RecordError, features_table, record_features
from himaya.dedup.names import normalise
from himaya.dedup.phones import to_e164, with_phonenumbers


def _reference_row(record: dict[str, str | None]) -> dict[str, object]:
    """features.record_features as it was before the speed-ups (FEATURES_VERSION 1)."""
    def none(value: str) -> str | None:
        return value or None

    given = normalise((record.get("given_name") or "").strip())
    family = normalise((record.get("family_name") or "").strip())
    birth = parse_birth_date(record.get("birth_date"))
    firsts = sorted(p for p in (given.first, family.first) if p)
    skel_firsts = sorted(s for s in (given.skeletons[:1] + family.skeletons[:1]) if s)
    parts = sorted(given.parts + family.parts)
    return {
        "unique_id": (record.get("record_id") or "").strip(),
        "given": none(given.text), "family": none(family.text),
        "given_first": none(given.first), "family_first": none(family.first),
        "name_key": none(" ".join(parts)),
        "name_pair": "|".join(firsts) if len(firsts) == 2 else None,
        "name_parts": parts or None, "given_parts": list(given.parts) or None,
        "given_related": list(given.related) or None, "given_known": given.known,
        "skel_given": none(" ".join(given.skeletons)),
        "skel_family": none(" ".join(family.skeletons)),
        "skel_pair": "|".join(skel_firsts) if len(skel_firsts) == 2 else None,
        "birth_year": birth.year, "birth_month": birth.month, "birth_day": birth.day,
        "birth_precision": birth.precision.value, "birth_iso": birth.iso,
        "phone": none(with_phonenumbers(record.get("phone") or "")),
        "document": none(_DOC.sub("", (record.get("document_number") or "").upper())),
        "sex": none((record.get("sex") or "").strip().upper()[:1]),
        "nationality": none((record.get("nationality") or "").strip().upper()),
        "region": none((record.get("region") or "").strip()),
        "partner": none((record.get("partner") or "").strip()),
    }


@pytest.fixture(scope="module")
def benchmark_records(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str | None]]:
    out: Path = tmp_path_factory.mktemp("dedup-sample")
    generate(4_000, 7, out)
    return read_records(out / "records.csv")


def test_features_table_equals_the_row_by_row_reference(benchmark_records) -> None:  # noqa: ANN001
    expected = pa.Table.from_pylist([_reference_row(r) for r in benchmark_records], schema=SCHEMA)
    assert features_table(benchmark_records).equals(expected)
    assert [record_features(r) for r in benchmark_records[:300]] == expected.slice(0, 300).to_pylist()


def test_cached_name_lists_are_not_shared_with_callers() -> None:
    record = {"record_id": "a", "given_name": "Mamadou Saliou", "family_name": "Diallo"}
    first = record_features(record)["name_parts"]
    expected = list(first)  # type: ignore[call-overload]
    first.append("x")  # type: ignore[union-attr]
    assert record_features(record)["name_parts"] == expected


def test_errors_are_unchanged() -> None:
    with pytest.raises(RecordError, match="birth_date"):
        features_table([{"record_id": "a", "birth_date": "1990-02-30"}])
    with pytest.raises(RecordError, match="birth_date"):
        features_table([{"record_id": "a", "birth_date": f"{date.today().year + 1}"}])  # noqa: DTZ011
    with pytest.raises(RecordError, match="sex"):
        features_table([{"record_id": "a", "sex": "X"}])
    with pytest.raises(RecordError, match="more than once"):
        features_table([{"record_id": "a"}, {"record_id": "a"}])


def _phone_forms(rng: random.Random) -> list[str]:
    number = f"0{rng.choice('56789')}{rng.randrange(10**8):08d}"
    local = number[1:]
    spaced = " ".join([number[:2], number[2:4], number[4:6], number[6:8], number[8:]])
    return [
        number, f"+212{local}", f"00212{local}", spaced, spaced.replace(" ", "-"),
        spaced.replace(" ", "."), f"+212 {local[0]} {local[1:3]} {local[3:5]} {local[5:]}",
        f"212{local}", f"+2120{local}", f"002120{local}", f" {number} ", f"-{number}",
        f"{number}.", f"+ 212 {local}", f"(0){local}", f"+33{local}", number[:-1],
        number + "1", f"0{local[:4]}", f"+212-{local}", f"00 212 {local}",
    ]


def test_phone_fast_path_agrees_with_phonenumbers() -> None:
    rng = random.Random(5)
    forms = [form for _ in range(300) for form in _phone_forms(rng)]
    forms += ["", "   ", "12345", "not a phone", "+212612345678 ext. 12", "٠٦١٢٣٤٥٦٧٨"]
    for form in forms:
        assert to_e164(form) == with_phonenumbers(form), form
