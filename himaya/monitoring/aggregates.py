"""Aggregates the results are read from: a delivery cube and a reach cube, rebuilt as a whole.

Counting ten million deliveries for every indicator and every period took minutes; the
indicators and public figures read two small tables instead:

- `DeliveryCube`: deliveries counted and their value summed per programme, time bucket,
  partner, region, assistance type (with its category and modality), sex, age group and
  nationality — every dimension a delivery indicator can be split by except vulnerability
  (several per person: read from the records).
- `ReachCube`: distinct people and households. Distinct counts cannot be summed across
  periods, so each person carries a *signature*: one bit per (programme, time bucket) in
  which they were reached (themselves or through their household). People with the same
  attributes and the same signature are one row. "People reached in a window" is then the
  sum of the rows whose signature meets the window's bits: exact, with no person counted
  twice, whatever union of buckets the window is.

Time buckets are cut at every 1 January and at every programme's and reporting period's
start and end, so every year, period and programme is a union of whole buckets; any other
window falls back to the records.

Freshness: the cubes are rebuilt in one transaction (readers see the old cubes until it
commits) by `himaya refresh-results` — meant to run every few minutes from the scheduler,
rebuilding only when the records changed — and by a reader that finds them older than
`HIMAYA_RESULTS_MAX_STALENESS` seconds (default 300; 0 in tests) *and* the records changed
since. So a figure is at most that many seconds plus one rebuild old. Changes are noticed by
a fingerprint (row counts and highest ids of deliveries, household members and households,
the latest person update, the buckets) and by a counter bumped on every ORM save or delete
of those records.
"""

from __future__ import annotations

import datetime as dt
import time
from bisect import bisect_right
from collections.abc import Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from himaya.environment import env_int

MAX_STALENESS = env_int(
    "HIMAYA_RESULTS_MAX_STALENESS", 0 if getattr(settings, "HIMAYA_ENV", "") == "test" else 300
)
CHANGES_KEY = "monitoring:aggregates:changes"
MAX_BITS = 62  # a signature is a signed 64-bit integer
UNKNOWN = "unknown"
_USE_AGGREGATES: ContextVar[bool] = ContextVar("use_aggregates", default=True)


@contextmanager
def records_only() -> Any:
    """Count straight from the records (the reference the aggregates are tested against)."""
    token = _USE_AGGREGATES.set(False)
    try:
        yield
    finally:
        _USE_AGGREGATES.reset(token)


def note_change(**_kwargs: Any) -> None:
    """Signal receiver: a delivery, person or household changed; the fingerprint moves."""
    try:
        cache.incr(CHANGES_KEY)
    except ValueError:
        cache.set(CHANGES_KEY, 1, None)


@dataclass(frozen=True)
class State:
    version: int
    refreshed_at: dt.datetime
    cuts: tuple[dt.date, ...]
    programmes: tuple[int, ...]

    @property
    def buckets(self) -> int:
        return max(len(self.cuts) - 1, 0)

    def bucket_year(self, bucket: int) -> int:
        return self.cuts[bucket].year

    def buckets_for(self, start: dt.date | None, end: dt.date | None) -> list[int] | None:
        """The buckets a window covers exactly, or None when it cuts through one."""
        if not self.cuts:
            return []
        first = 0
        if start is not None:
            if start <= self.cuts[0]:
                first = 0
            elif start in self.cuts:
                first = self.cuts.index(start)
            elif start >= self.cuts[-1]:
                return []
            else:
                return None
        last = self.buckets
        if end is not None:
            after = end + dt.timedelta(days=1)
            if after >= self.cuts[-1]:
                last = self.buckets
            elif after in self.cuts:
                last = self.cuts.index(after)
            elif after <= self.cuts[0]:
                return []
            else:
                return None
        return list(range(first, last))

    def bucket_of(self, day: dt.date) -> int:
        return bisect_right(self.cuts, day) - 1

    def mask(self, programme_id: int | None, buckets: Sequence[int]) -> int:
        """The signature bits of these buckets in one programme (None: in every programme)."""
        indexes = range(len(self.programmes)) if programme_id is None else (
            [self.programmes.index(programme_id)] if programme_id in self.programmes else [])
        bits = 0
        for index in indexes:
            for bucket in buckets:
                bits |= 1 << (index * self.buckets + bucket)
        return bits

    def first_bucket(self, signature: int, programme_id: int | None) -> int | None:
        """The earliest bucket a signature was reached in (in one programme, or any)."""
        best = None
        indexes = range(len(self.programmes)) if programme_id is None else (
            [self.programmes.index(programme_id)] if programme_id in self.programmes else [])
        for index in indexes:
            part = (signature >> (index * self.buckets)) & ((1 << self.buckets) - 1)
            if part:
                bucket = (part & -part).bit_length() - 1
                best = bucket if best is None else min(best, bucket)
        return best


# --- Building ----------------------------------------------------------------------------


def _cuts() -> tuple[list[dt.date], list[int]]:
    from himaya.assistance.models import Delivery
    from himaya.monitoring.models import ReportingPeriod
    from himaya.organisations.models import Programme

    span = Delivery.objects.order_by().aggregate(first=Min("delivered_on"),
                                                 last=Max("delivered_on"))
    programmes = sorted(set(Delivery.objects.order_by().values_list("programme_id", flat=True)
                            .distinct()))
    cuts: set[dt.date] = set()
    if span["first"] is not None:
        for year in range(span["first"].year, span["last"].year + 2):
            cuts.add(dt.date(year, 1, 1))
    day = dt.timedelta(days=1)
    for start, end in Programme.objects.filter(pk__in=programmes).values_list("start", "end"):
        cuts.update(d for d in (start, end + day if end else None) if d is not None)
    for start, end in ReportingPeriod.objects.filter(programme__in=programmes).values_list(
            "start", "end"):
        cuts.update((start, end + day))
    ordered = sorted(cuts)
    if span["first"] is not None:
        # Buckets cover the years with deliveries; a cut outside them only adds empty buckets.
        low, high = dt.date(span["first"].year, 1, 1), dt.date(span["last"].year + 1, 1, 1)
        ordered = [c for c in ordered if low <= c <= high]
    return ordered, programmes


def fingerprint() -> dict[str, Any]:
    """What the counted records look like, cheaply: changes move at least one of these."""
    from himaya.assistance.models import Delivery
    from himaya.registry.models import Household, HouseholdMember, Person
    from himaya.vouchers.models import Redemption, Voucher

    def shape(model: Any) -> list[Any]:
        row = model.objects.order_by().aggregate(n=Count("pk"), top=Max("pk"))
        return [row["n"], row["top"]]

    cuts, programmes = _cuts()
    latest = Person.objects.order_by().aggregate(at=Max("updated_at"))["at"]
    return {
        "deliveries": shape(Delivery), "members": shape(HouseholdMember),
        "households": shape(Household), "people": latest.isoformat() if latest else None,
        # Voucher values are cut into the release (monitoring/release.py) built per version.
        "vouchers": shape(Voucher), "redemptions": shape(Redemption),
        "cuts": [c.isoformat() for c in cuts], "programmes": programmes,
        "changes": cache.get(CHANGES_KEY, 0),
    }


def _bucket_sql(column: str, cuts: Sequence[dt.date]) -> tuple[str, list[Any]]:
    whens = " ".join(f"WHEN {column} < %s THEN {i - 1}" for i in range(1, len(cuts)))
    return f"(CASE {whens} ELSE {max(len(cuts) - 2, 0)} END)", list(cuts[1:])


def _bit_sql(cuts: Sequence[dt.date], programmes: Sequence[int]) -> tuple[str, list[Any]]:
    """SQL giving 2 ** (programme index × buckets + bucket) of a delivery `d`."""
    buckets = len(cuts) - 1
    bucket, params = _bucket_sql("d.delivered_on", cuts)
    index = " ".join(f"WHEN {pk} THEN {i * buckets}" for i, pk in enumerate(programmes))
    position = f"((CASE d.programme_id {index} END) + {bucket})"
    powers = " ".join(f"WHEN {b} THEN {1 << b}" for b in range(len(programmes) * buckets))
    return f"(CASE {position} {powers} END)", params


def _year_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"CAST(strftime('%%Y', {column}) AS INTEGER)"


def _age_group_sql(age: str) -> str:
    from himaya.monitoring.measures import AGE_GROUPS

    whens = " ".join(f"WHEN {age} BETWEEN {low} AND {high} THEN '{label}'"
                     for label, low, high in AGE_GROUPS)
    return f"(CASE {whens} ELSE '{UNKNOWN}' END)"


DELIVERY_SQL = """
INSERT INTO monitoring_deliverycube (programme_id, bucket, partner, region, type_code, category,
  modality, sex, age_group, nationality, n, value)
SELECT g.programme_id, g.bucket, o.code, COALESCE(r.code, '{unknown}'), t.code, t.category,
  t.modality, COALESCE(g.sex, '{unknown}'), g.age_group, COALESCE(c.alpha3, '{unknown}'), g.n,
  g.value
FROM (SELECT d.programme_id AS programme_id, {bucket} AS bucket,
        d.organisation_id AS organisation_id, COALESCE(cm.region_id, od.region_id) AS region_id,
        d.assistance_type_id AS assistance_type_id, p.sex AS sex, {age_group} AS age_group,
        p.nationality_id AS nationality_id, COUNT(*) AS n, COALESCE(SUM(d.value), 0) AS value
      FROM assistance_delivery d
      JOIN organisations_organisation od ON od.id = d.organisation_id
      LEFT JOIN reference_commune cm ON cm.id = d.commune_id
      LEFT JOIN registry_person p ON p.id = d.person_id
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) g
JOIN organisations_organisation o ON o.id = g.organisation_id
JOIN assistance_assistancetype t ON t.id = g.assistance_type_id
LEFT JOIN reference_region r ON r.id = g.region_id
LEFT JOIN reference_country c ON c.id = g.nationality_id
"""

# Each person's signature: the OR of the bits of every delivery that reached them. PostgreSQL
# has bit_or; SQLite sums the distinct bits, which is the same number.
SIGNATURE = {
    "postgresql": "SELECT y.{unit_id}, bit_or(y.bit) AS signature FROM ({routes}) y GROUP BY 1",
    "sqlite": "SELECT z.{unit_id}, SUM(z.bit) AS signature FROM (SELECT DISTINCT y.{unit_id}, "
              "y.bit FROM ({routes}) y) z GROUP BY 1",
}
PEOPLE_ROUTES = """
SELECT d.person_id AS person_id, {bit} AS bit FROM assistance_delivery d
WHERE d.person_id IS NOT NULL
UNION ALL
SELECT m.person_id AS person_id, {bit} AS bit FROM assistance_delivery d
JOIN registry_householdmember m ON m.household_id = d.household_id
"""
HOUSEHOLD_ROUTES = """
SELECT d.household_id AS household_id, {bit} AS bit FROM assistance_delivery d
WHERE d.household_id IS NOT NULL
UNION ALL
SELECT m.household_id AS household_id, {bit} AS bit FROM assistance_delivery d
JOIN registry_householdmember m ON m.person_id = d.person_id
"""

PEOPLE_SQL = """
INSERT INTO monitoring_reachcube (unit, signature, partner, region, sex, nationality, birth_year, n)
SELECT 'p', s.signature, o.code, COALESCE(r.code, ro.code, '{unknown}'), p.sex,
  COALESCE(c.alpha3, '{unknown}'), p.birth_year, COUNT(*)
FROM ({signatures}) s
JOIN registry_person p ON p.id = s.person_id
JOIN organisations_organisation o ON o.id = p.organisation_id
LEFT JOIN reference_region r ON r.id = p.region_id
LEFT JOIN reference_region ro ON ro.id = o.region_id
LEFT JOIN reference_country c ON c.id = p.nationality_id
GROUP BY s.signature, o.code, COALESCE(r.code, ro.code, '{unknown}'), p.sex,
  COALESCE(c.alpha3, '{unknown}'), p.birth_year
"""

HOUSEHOLDS_SQL = """
INSERT INTO monitoring_reachcube (unit, signature, partner, region, sex, nationality, birth_year, n)
SELECT 'h', s.signature, o.code, '', '', '', NULL, COUNT(*)
FROM ({signatures}) s
JOIN registry_household h ON h.id = s.household_id
JOIN organisations_organisation o ON o.id = h.organisation_id
GROUP BY s.signature, o.code
"""


def _signatures(unit_id: str, routes: str, bit: str) -> str:
    template = SIGNATURE["postgresql" if connection.vendor == "postgresql" else "sqlite"]
    return template.format(unit_id=unit_id, routes=routes.format(bit=bit))


class TooManyBuckets(RuntimeError):
    """More (programme, bucket) pairs than a signature holds: count from the records."""


@contextmanager
def _every_row() -> Any:
    """The aggregates count every partner's records, whoever's request rebuilds them: with
    PostgreSQL row-level security on, widen this connection's scope for the rebuild only."""
    try:
        from himaya.protection import rls
    except ImportError:  # row-level security not installed
        yield
        return
    previous = rls.current_scope()
    if previous is None or previous == rls.EVERYTHING:
        yield
        return
    rls.set_scope(rls.EVERYTHING)
    try:
        yield
    finally:
        rls.set_scope(previous)


def refresh(*, force: bool = True) -> State | None:
    """Rebuild both cubes in one transaction; returns the new state (None: nothing to count
    in, or too many buckets for a signature, in which case readers use the records)."""
    with _every_row():
        return _refresh(force=force)


def _refresh(*, force: bool) -> State | None:
    from himaya.monitoring.models import AggregateState, DeliveryCube, ReachCube

    started = time.perf_counter()
    print_ = fingerprint()
    current = AggregateState.objects.first()
    now = timezone.now()
    if current is not None and not force and current.fingerprint == print_:
        AggregateState.objects.filter(pk=current.pk).update(checked_at=now)
        return _state(current)
    cuts = [dt.date.fromisoformat(c) for c in print_["cuts"]]
    programmes = print_["programmes"]
    buckets = max(len(cuts) - 1, 0)
    with transaction.atomic():
        DeliveryCube.objects.all().delete()
        ReachCube.objects.all().delete()
        usable = buckets > 0 and len(programmes) * buckets <= MAX_BITS
        if usable:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # One hash aggregate in memory rather than sorts spilled to disk.
                    cursor.execute("SET LOCAL work_mem = '256MB'")
                bucket, bucket_params = _bucket_sql("d.delivered_on", cuts)
                age = _age_group_sql(f"({_year_sql('d.delivered_on')} - p.birth_year)")
                cursor.execute(DELIVERY_SQL.format(bucket=bucket, age_group=age, unknown=UNKNOWN),
                               bucket_params)
                bit, bit_params = _bit_sql(cuts, programmes)
                cursor.execute(PEOPLE_SQL.format(
                    signatures=_signatures("person_id", PEOPLE_ROUTES, bit), unknown=UNKNOWN),
                    bit_params * 2)
                cursor.execute(HOUSEHOLDS_SQL.format(
                    signatures=_signatures("household_id", HOUSEHOLD_ROUTES, bit)),
                    bit_params * 2)
        version = (current.version + 1) if current else 1
        fields = {"refreshed_at": now, "checked_at": now, "fingerprint": print_,
                  "cuts": print_["cuts"] if usable else [],
                  "programmes": programmes if usable else [], "version": version,
                  "seconds": time.perf_counter() - started}
        AggregateState.objects.all().delete()
        row = AggregateState.objects.create(**fields)
    return _state(row) if usable else None


def _state(row: Any) -> State | None:
    if not row.cuts:
        return None
    return State(row.version, row.refreshed_at,
                 tuple(dt.date.fromisoformat(c) for c in row.cuts), tuple(row.programmes))


def current_state() -> State | None:
    """The aggregates to read, rebuilt first when older than MAX_STALENESS and the records
    changed since; None when the records must be read instead."""
    if not _USE_AGGREGATES.get():
        return None
    from himaya.monitoring.models import AggregateState

    row = AggregateState.objects.first()
    if row is None:
        return refresh()
    if (timezone.now() - row.checked_at).total_seconds() >= MAX_STALENESS:
        return refresh(force=False)
    return _state(row)


def status() -> dict[str, Any]:
    """When the aggregates were last rebuilt and how long it took (for pages and the docs)."""
    from himaya.monitoring.models import AggregateState

    row = AggregateState.objects.first()
    if row is None:
        return {"refreshed_at": None, "seconds": None, "max_staleness": MAX_STALENESS}
    return {"refreshed_at": row.refreshed_at, "seconds": row.seconds,
            "max_staleness": MAX_STALENESS, "version": row.version}
