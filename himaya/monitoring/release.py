"""The release: every number outsiders may read, protected together, once per aggregates
version, and shared by every output (public pages, public API, donor and government views,
5W, HXL, IATI, donor reports).

The numbers are cut from the atoms of the aggregates (himaya/monitoring/aggregates.py):
deliveries per (programme, bucket, partner, region, type, sex, age group, nationality),
people and households per (reach signature, attributes). What is published:

- the public tables, for all programmes and for each programme: direct assistances,
  medical assistances (threshold 10) and people first reached, by region × year, with
  their margins and total;
- the 5W: deliveries by partner × type × region × year × sex, with row totals (10 for
  medical types);
- each programme's computed indicators that count people — deliveries, distinct people,
  distinct households — per reporting period and over the programme, with their one-way
  breakdowns (sex, age group, nationality, region, partner) in each of those windows.

- each programme's computed "value delivered" indicators (money, MAD), per period and over
  the programme, with the same one-way breakdowns: each money cell is published only when
  the count of deliveries it sums is (that count takes part in the linked protection as if
  it were published: with a fixed unit value, money gives it away), and rounded to the
  nearest MONEY_UNIT.

- each programme's computed voucher values issued and redeemed (MAD), per period and over
  the programme, with their breakdowns by region and partner (the issuing association's):
  as money delivered, with the count each sum adds up — vouchers issued, redemptions — in
  two more families of atoms (partner, region, day), read from the voucher tables when the
  release is built (the aggregates' fingerprint counts them, so a new voucher or
  redemption makes a new version). Each voucher cell carries its distinct holders too
  (people or households): shown only where they reach the threshold as well.

`himaya.disclosure.linked.protect_linked` then decides every suppression at once, so the
same number is shown everywhere or nowhere, and no published number minus another is a
hidden number or a small count. What is not in the release (a breakdown by vulnerability or
by two dimensions, a distinct-people indicator filtered by type, hand-entered values,
people trained) is protected on its own and, for breakdowns, not shown to
outsiders at all: see docs/decisions/0702-one-protected-release.md.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from django.core.cache import cache

from himaya.disclosure import MEDICAL_THRESHOLD, STANDARD_THRESHOLD
from himaya.disclosure.linked import Aggregate, LinkedRelease, mask_of, protect_linked
from himaya.monitoring import aggregates
from himaya.monitoring.measures import UNKNOWN, _age_band

DIRECT_CATEGORIES = ("food", "hygiene", "non_food")
MEDICAL_CATEGORIES = ("medical",)
PUBLIC_MEASURES = {
    "direct_assistances": STANDARD_THRESHOLD,
    "medical_assistances": MEDICAL_THRESHOLD,
    "people_reached": STANDARD_THRESHOLD,
}
BREAKDOWN_DIMENSIONS = ("sex", "age_group", "nationality", "region", "partner")
RELEASE_SECONDS = 24 * 3600
ALL = "all"
# Published money is rounded to this many MAD: a sum that moves by one delivery's value
# (tens or hundreds of MAD) usually does not move the published figure.
MONEY_UNIT = 1000
# Voucher values: the count a sum adds up is the vouchers issued, or the redemptions.
VOUCHER_KINDS = frozenset({"value_issued", "value_redeemed"})
MONEY_KINDS = frozenset({"value_delivered", *VOUCHER_KINDS})
VOUCHER_DIMENSIONS = ("region", "partner")


@dataclass
class Release:
    """The protected numbers of one aggregates version, and what they were built from."""

    version: int
    built_at: dt.datetime
    linked: LinkedRelease
    years: list[int]
    regions: list[str]
    five_w_rows: list[tuple[str, str, str, str, int]]  # partner, type, category, region, year
    windows: dict[tuple[int, str], tuple[dt.date | None, dt.date | None]]
    # Money cells as published (rounded, None when the count they sum is hidden), by the
    # same keys as counts (`indicator_key`).
    money: dict[Hashable, int | None] = field(default_factory=dict)

    def value(self, key: Hashable) -> int | None:
        if key in self.money:
            return self.money[key]
        return self.linked.value(key)

    def has(self, key: Hashable) -> bool:
        return key in self.money or key in self.linked


# --- Keys (every output builds its keys with these) ----------------------------------------


def public_key(scope: int | str, measure: str, region: str | None, year: int | None) -> tuple:
    return ("public", scope, measure, region, year)


def five_w_key(row: tuple[str, str, str, str, int], sex: str | None) -> tuple:
    return ("5w", row, sex)


def indicator_key(indicator_pk: int, window: str, dimension: str | None = None,
                  value: str | None = None) -> tuple:
    """window: a reporting period's pk as text, or "total" for the whole programme."""
    return ("indicator", indicator_pk, window, dimension, value)


def money_count_key(key: tuple) -> tuple:
    """The count (deliveries, vouchers issued, redemptions) a money cell sums: protected with
    the counts, never shown."""
    return ("money-count", *key)


def round_money(amount: Decimal | int) -> int:
    """To the nearest MONEY_UNIT (half up): 0 means less than half a unit."""
    units = (Decimal(amount) / MONEY_UNIT).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(units) * MONEY_UNIT


# --- Building ------------------------------------------------------------------------------


class _Family:
    """The atoms of one family: their keys, values and indexes."""

    def __init__(self, name: str, rows: list[tuple[tuple, int]]) -> None:
        self.name = name
        self.keys = [key for key, _n in rows]
        self.values = [n for _key, n in rows]
        self.amounts: list[Decimal] = []  # money per atom (deliveries only)
        # Who holds each atom's vouchers (voucher families only): a cell's protecting count
        # is its distinct holders too, so five vouchers to one household stay one holder.
        self.holders: list[frozenset[Hashable]] | None = None

    def group(self, select: Callable[[tuple], bool],
              cell: Callable[[tuple], Hashable | None]) -> dict[Hashable, tuple[int, int]]:
        """Atoms grouped by cell (None: left out): {cell: (mask, total)}."""
        indexes: dict[Hashable, list[int]] = defaultdict(list)
        totals: dict[Hashable, int] = defaultdict(int)
        for i, key in enumerate(self.keys):
            if select(key):
                c = cell(key)
                if c is not None:
                    indexes[c].append(i)
                    totals[c] += self.values[i]
        size = len(self.keys)
        return {c: (mask_of(ix, size), totals[c]) for c, ix in indexes.items()}

    def sums(self, select: Callable[[tuple], bool],
             cell: Callable[[tuple], Hashable | None]) -> dict[Hashable, Decimal]:
        """Money of the atoms grouped by cell, as `group` groups their counts."""
        totals: dict[Hashable, Decimal] = defaultdict(Decimal)
        for key, amount in zip(self.keys, self.amounts, strict=True):
            if select(key):
                c = cell(key)
                if c is not None:
                    totals[c] += amount
        return totals


def _add_table(out: list[Aggregate], family: _Family, table: Hashable,
               select: Callable[[tuple], bool], cell: Callable[[tuple], Hashable],
               key: Callable[[Hashable], Hashable], threshold: int,
               every: list[Hashable] | None = None) -> None:
    """One table: an aggregate per cell (cells listed in `every` but empty are zeros)."""
    groups = family.group(select, cell)
    for c in every if every is not None else list(groups):
        atoms, value = groups.get(c, (0, 0))
        out.append(Aggregate(key(c), family.name, table, atoms, value, threshold))


def _delivery_atoms() -> _Family:
    from himaya.monitoring.models import DeliveryCube

    columns = ("programme_id", "bucket", "partner", "region", "type_code", "category", "sex",
               "age_group", "nationality")
    rows = list(DeliveryCube.objects.order_by().values_list(*columns, "n", "value"))
    family = _Family("deliveries", [(tuple(r[:-2]), r[-2]) for r in rows])
    family.amounts = [r[-1] or Decimal(0) for r in rows]
    return family


def _reach_atoms(unit: str, years: list[int]) -> _Family:
    """People (or households) atoms. The birth year matters only through the age group at
    the end of each published window, so people whose age groups agree in every such year
    are one atom (a tuple of age groups, in the order of `years`): far fewer atoms."""
    from himaya.monitoring.models import ReachCube

    columns = ("signature", "partner", "region", "sex", "nationality", "birth_year")
    merged: dict[tuple, int] = defaultdict(int)
    for *key, born, n in ReachCube.objects.filter(unit=unit).order_by().values_list(
            *columns, "n").iterator(chunk_size=20000):
        merged[(*key, tuple(_age_band(y, born) for y in years))] += n
    return _Family("people" if unit == "p" else "households", list(merged.items()))


def _voucher_atoms(kind: str) -> _Family:
    """Vouchers issued (or redemptions) per (issuing partner, its region, day), with their
    money: the atoms of the voucher values. A day, not a bucket: reporting periods need not
    fall on the aggregates' cuts, and the totals read by day (`issued_at__date`, `at__date`)."""
    from django.db.models import CharField, Count, F, Sum, Value
    from django.db.models.functions import Coalesce, TruncDate

    from himaya.vouchers.models import Redemption, Voucher

    if kind == "value_issued":
        qs, prefix, moment, amount, name = Voucher.objects.all(), "", "issued_at", "value", "vouchers"
    else:
        qs, prefix, moment, amount, name = (Redemption.objects.all(), "voucher__", "at", "amount",
                                            "redemptions")
    atoms = qs.annotate(
        a_partner=F(f"{prefix}partner__code"),
        a_region=Coalesce(F(f"{prefix}partner__region__code"), Value(UNKNOWN),
                          output_field=CharField()),
        a_day=TruncDate(moment),
    ).order_by()
    rows = list(atoms.values_list("a_partner", "a_region", "a_day").annotate(
        n=Count("pk"), money=Sum(amount)))
    family = _Family(name, [((partner, region, day), n) for partner, region, day, n, _m in rows])
    family.amounts = [m or Decimal(0) for *_key, m in rows]
    # The holders (a person or a household, never both) of each atom's vouchers.
    holders: dict[tuple, set[Hashable]] = defaultdict(set)
    for partner, region, day, person, household in atoms.values_list(
            "a_partner", "a_region", "a_day", f"{prefix}person_id",
            f"{prefix}household_id").distinct().iterator(chunk_size=20000):
        holders[(partner, region, day)].add(("p", person) if person is not None
                                            else ("h", household))
    family.holders = [frozenset(holders[key]) for key in family.keys]
    return family


def _add_money(out: list[Aggregate], money: dict[Hashable, Decimal], family: _Family,
               table: Hashable, select: Callable[[tuple], bool],
               cell: Callable[[tuple], Hashable], key: Callable[[Hashable], Hashable],
               threshold: int, every: list[Hashable] | None = None) -> None:
    """A money table: the counts of deliveries each cell sums go into the linked protection
    (under `money_count_key`), the sums aside; `_build` publishes a sum when its count is."""
    _add_table(out, family, ("money-count", table), select, cell,
               lambda c: money_count_key(key(c)), threshold, every)
    sums = family.sums(select, cell)
    for c in every if every is not None else list(sums):
        money[key(c)] = sums.get(c, Decimal(0))


def _build(state: aggregates.State) -> Release:
    from himaya.monitoring.models import Indicator, ReportingPeriod
    from himaya.organisations.models import Programme
    from himaya.reference.models import Region

    programmes = Programme.objects.filter(pk__in=state.programmes)
    periods = defaultdict(list)
    for period in ReportingPeriod.objects.filter(programme__in=programmes):
        periods[period.programme_id].append(period)
    # The years whose age groups breakdowns of people use: each window's last year.
    age_years = sorted({p.end.year for ps in periods.values() for p in ps}
                       | {p.end.year for p in programmes if p.end})
    age_index = {year: i for i, year in enumerate(age_years)}
    deliveries = _delivery_atoms()
    people = _reach_atoms("p", age_years)
    households = _reach_atoms("h", age_years)
    year_of = state.bucket_year
    out: list[Aggregate] = []
    money: dict[Hashable, Decimal] = {}
    vouchers: dict[str, _Family] = {}  # read only when an indicator asks for them

    # Public tables, for all programmes and for each programme with deliveries.
    years = sorted({year_of(b) for b in range(state.buckets)})
    regions = sorted({k[3] for k in deliveries.keys} | {k[2] for k in people.keys}
                     | set(Region.objects.values_list("code", flat=True)), key=str)
    for scope in [ALL, *state.programmes]:
        pk = None if scope == ALL else scope
        for measure, threshold in PUBLIC_MEASURES.items():
            if measure == "people_reached":
                family = people

                def select(k: tuple, pk: int | None = pk) -> bool:
                    return state.first_bucket(k[0], pk) is not None

                def region_year(k: tuple, pk: int | None = pk) -> tuple[str, int]:
                    return (k[2], year_of(state.first_bucket(k[0], pk)))
            else:
                family = deliveries
                wanted = DIRECT_CATEGORIES if measure == "direct_assistances" else MEDICAL_CATEGORIES

                def select(k: tuple, pk: int | None = pk, wanted: tuple = wanted) -> bool:
                    return k[5] in wanted and (pk is None or k[0] == pk)

                def region_year(k: tuple) -> tuple[str, int]:
                    return (k[3], year_of(k[1]))
            table = ("public", scope, measure)
            margins: list[tuple[str, Callable[[tuple], Hashable], Callable, list]] = [
                ("cells", region_year, lambda c, s=scope, m=measure: public_key(s, m, *c),
                 [(r, y) for r in regions for y in years]),
                ("regions", lambda k, f=region_year: f(k)[0],
                 lambda c, s=scope, m=measure: public_key(s, m, c, None), regions),
                ("years", lambda k, f=region_year: f(k)[1],
                 lambda c, s=scope, m=measure: public_key(s, m, None, c), years),
                ("total", lambda k: ALL, lambda c, s=scope, m=measure: public_key(s, m, None, None),
                 [ALL]),
            ]
            for name, cell, key, every in margins:
                _add_table(out, family, (*table, name), select, cell, key, threshold, every)

    # The 5W: partner × type × region × year, by sex, with row totals.
    def five_w(k: tuple) -> tuple[str, str, str, str, int]:
        return (k[2], k[4], k[5], k[3], year_of(k[1]))

    five_w_groups = deliveries.group(lambda k: True, five_w)
    rows = sorted(five_w_groups, key=str)
    for medical in (False, True):
        threshold = MEDICAL_THRESHOLD if medical else STANDARD_THRESHOLD

        def select(k: tuple, medical: bool = medical) -> bool:
            return (k[5] in MEDICAL_CATEGORIES) == medical

        _add_table(out, deliveries, ("5w", medical, "rows"), select, five_w,
                   lambda c: five_w_key(c, None), threshold)
        _add_table(out, deliveries, ("5w", medical, "cells"), select,
                   lambda k: (five_w(k), k[6]), lambda c: five_w_key(*c), threshold)

    # Indicators: per period and over the programme, with one-way breakdowns.
    windows: dict[tuple[int, str], tuple[dt.date | None, dt.date | None]] = {}
    for indicator in Indicator.objects.filter(programme__in=programmes,
                                              method=Indicator.Method.COMPUTED):
        kind = indicator.definition.get("kind")
        params = {k: v for k, v in indicator.definition.items() if k != "kind"}
        is_money = kind in MONEY_KINDS
        if not is_money and (not indicator.is_about_people or kind not in {
                "deliveries", "distinct_people", "distinct_households"}):
            continue
        if kind not in {"deliveries", *MONEY_KINDS} and params:
            continue  # a filtered distinct count: not in the cube, protected on its own
        programme = indicator.programme
        threshold = MEDICAL_THRESHOLD if indicator.sensitive else STANDARD_THRESHOLD
        spans = [(str(p.pk), p.start, p.end) for p in periods[programme.pk]]
        spans.append(("total", programme.start, programme.end))
        if kind in VOUCHER_KINDS:
            if kind not in vouchers:
                vouchers[kind] = _voucher_atoms(kind)
            partners = set(programme.agreements.values_list("partner__code", flat=True))
        for name, start, end in spans:
            buckets = [] if kind in VOUCHER_KINDS else state.buckets_for(start, end)
            if buckets is None or end is None:
                continue
            windows[(indicator.pk, name)] = (start, end)
            chosen = set(buckets)
            dims = [d for d in indicator.disaggregations if d in BREAKDOWN_DIMENSIONS]
            table = ("indicator", indicator.pk, name)
            if kind in VOUCHER_KINDS:
                # Vouchers carry no programme: those of the programme's partners, by day.
                family = vouchers[kind]

                def select(k: tuple, partners: set = partners, start: dt.date | None = start,
                           end: dt.date = end) -> bool:
                    return k[0] in partners and (start is None or start <= k[2]) and k[2] <= end

                def dimension(k: tuple, d: str) -> str:
                    return str(k[0] if d == "partner" else k[1])
                dims = [d for d in dims if d in VOUCHER_DIMENSIONS]
            elif kind == "deliveries" or is_money:
                family = deliveries
                select = _delivery_filter(programme.pk, chosen, params)
                positions = {"sex": 6, "age_group": 7, "nationality": 8, "region": 3,
                             "partner": 2}

                def dimension(k: tuple, d: str, positions: dict = positions) -> str:
                    return str(k[positions[d]])
            else:
                family = people if kind == "distinct_people" else households
                mask = state.mask(programme.pk, buckets)

                def select(k: tuple, mask: int = mask) -> bool:
                    return bool(k[0] & mask)
                positions = {"partner": 1, "region": 2, "sex": 3, "nationality": 4}

                def dimension(k: tuple, d: str, positions: dict = positions,
                              at: int = age_index[end.year]) -> str:
                    return k[5][at] if d == "age_group" else str(k[positions[d]])
                if kind == "distinct_households":
                    dims = [d for d in dims if d == "partner"]
            add = partial(_add_money, out, money) if is_money else partial(_add_table, out)
            add(family, (*table, "total"), select, lambda k: ALL,
                lambda c, i=indicator.pk, n=name: indicator_key(i, n), threshold, [ALL])
            for d in dims:
                add(family, (*table, d), select, lambda k, d=d, f=dimension: f(k, d),
                    lambda c, i=indicator.pk, n=name, d=d: indicator_key(i, n, d, c), threshold)
    # Voucher cells are protected by their distinct holders too (decision 0702, Limits).
    linked = protect_linked(out, {f.name: f.holders for f in vouchers.values()
                                  if f.holders is not None})
    published = {key: None if linked.value(money_count_key(key)) is None else round_money(amount)
                 for key, amount in money.items()}
    return Release(state.version, dt.datetime.now(dt.UTC), linked, years, regions, rows, windows,
                   published)


def _delivery_filter(programme_pk: int, buckets: set[int],
                     params: dict[str, Any]) -> Callable[[tuple], bool]:
    from himaya.assistance.models import AssistanceType

    types = AssistanceType.objects.all()
    if params.get("types"):
        types = types.filter(code__in=params["types"])
    if params.get("categories"):
        types = types.filter(category__in=params["categories"])
    if params.get("modalities"):
        types = types.filter(modality__in=params["modalities"])
    codes = set(types.values_list("code", flat=True))
    return lambda k: k[0] == programme_pk and k[1] in buckets and k[4] in codes


def current() -> Release | None:
    """The release of the current aggregates (built once per version, shared through the
    cache); None when there are no aggregates to build it from."""
    state = aggregates.current_state()
    if state is None:
        return None
    key = f"monitoring:release:4:{state.version}"  # 4: voucher cells protected by holders
    release = cache.get(key)
    if release is None:
        release = _build(state)
        cache.set(key, release, RELEASE_SECONDS)
    return release


__all__ = ["ALL", "MONEY_KINDS", "MONEY_UNIT", "UNKNOWN", "VOUCHER_KINDS", "Release", "current",
           "five_w_key", "indicator_key", "money_count_key", "public_key", "round_money"]
