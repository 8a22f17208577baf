"""A registration record → the columns the model compares and blocks on.

Everything that needs Python (transliteration, the equivalents table, phonetic
skeletons, phone parsing) happens here, once per record, so that the matching
engine only compares prepared columns. This keeps DuckDB free of extensions
(Splink's phonetic functions would download one at run time) and lets the same
features be stored on the person at save time for the registration-time check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyarrow as pa

from himaya.dedup.dates import parse_birth_date
from himaya.dedup.names import normalise
from himaya.dedup.phones import to_e164

FEATURES_VERSION = 1
INPUT_FIELDS = (
    "record_id",
    "given_name",
    "family_name",
    "sex",
    "birth_date",
    "nationality",
    "phone",
    "document_number",
    "region",
    "partner",
)
_DOC = re.compile(r"[^A-Z0-9]")


@dataclass(frozen=True)
class RecordError(ValueError):
    """A record that cannot be read; `field` names the culprit."""

    record_id: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"record {self.record_id!r}, {self.field}: {self.reason}"


SCHEMA = pa.schema(
    [
        ("unique_id", pa.string()),
        ("given", pa.string()),
        ("family", pa.string()),
        ("given_first", pa.string()),
        ("family_first", pa.string()),
        ("name_key", pa.string()),
        ("name_pair", pa.string()),
        ("name_parts", pa.list_(pa.string())),
        ("given_parts", pa.list_(pa.string())),
        ("given_related", pa.list_(pa.string())),
        ("given_known", pa.bool_()),
        ("skel_given", pa.string()),
        ("skel_family", pa.string()),
        ("skel_pair", pa.string()),
        ("birth_year", pa.int32()),
        ("birth_month", pa.int32()),
        ("birth_day", pa.int32()),
        ("birth_precision", pa.string()),
        ("birth_iso", pa.string()),
        ("phone", pa.string()),
        ("document", pa.string()),
        ("sex", pa.string()),
        ("nationality", pa.string()),
        ("region", pa.string()),
        ("partner", pa.string()),
    ]
)


def _or_none(value: str) -> str | None:
    return value or None


def record_features(record: Mapping[str, str | None]) -> dict[str, object]:
    """One row of `SCHEMA` for one input record (empty values become NULL)."""
    record_id = (record.get("record_id") or "").strip()
    if not record_id:
        raise RecordError("", "record_id", "is empty")
    given = normalise((record.get("given_name") or "").strip())
    family = normalise((record.get("family_name") or "").strip())
    try:
        birth = parse_birth_date(record.get("birth_date"))
    except ValueError as exc:
        raise RecordError(record_id, "birth_date", str(exc)) from exc
    sex = (record.get("sex") or "").strip().upper()[:1]
    if sex not in {"", "F", "M"}:
        raise RecordError(record_id, "sex", f"{record.get('sex')!r} is not F, M or empty")
    firsts = sorted(p for p in (given.first, family.first) if p)
    skel_given = " ".join(given.skeletons)
    skel_family = " ".join(family.skeletons)
    skel_firsts = sorted(s for s in (given.skeletons[:1] + family.skeletons[:1]) if s)
    parts = sorted(given.parts + family.parts)
    return {
        "unique_id": record_id,
        "given": _or_none(given.text),
        "family": _or_none(family.text),
        "given_first": _or_none(given.first),
        "family_first": _or_none(family.first),
        "name_key": _or_none(" ".join(parts)),
        # Sorted so that a swapped given/family name lands in the same block.
        "name_pair": "|".join(firsts) if len(firsts) == 2 else None,
        "name_parts": parts or None,
        "given_parts": list(given.parts) or None,
        "given_related": list(given.related) or None,
        "given_known": given.known,
        "skel_given": _or_none(skel_given),
        "skel_family": _or_none(skel_family),
        "skel_pair": "|".join(skel_firsts) if len(skel_firsts) == 2 else None,
        "birth_year": birth.year,
        "birth_month": birth.month,
        "birth_day": birth.day,
        "birth_precision": birth.precision.value,
        "birth_iso": birth.iso,
        "phone": _or_none(to_e164(record.get("phone"))),
        "document": _or_none(_DOC.sub("", (record.get("document_number") or "").upper())),
        "sex": _or_none(sex),
        "nationality": _or_none((record.get("nationality") or "").strip().upper()),
        "region": _or_none((record.get("region") or "").strip()),
        "partner": _or_none((record.get("partner") or "").strip()),
    }


def features_table(records: Iterable[Mapping[str, str | None]]) -> pa.Table:
    """Features of many records as an Arrow table, ready to register with DuckDB."""
    rows = [record_features(r) for r in records]
    seen: set[str] = set()
    for row in rows:
        record_id = str(row["unique_id"])
        if record_id in seen:
            raise RecordError(record_id, "record_id", "appears more than once")
        seen.add(record_id)
    return pa.Table.from_pylist(rows, schema=SCHEMA)
