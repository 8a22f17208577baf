"""The public headline figures: counted from the records, protected, cached.

Each published measure is ONE two-way table (region × year) protected with
`himaya.disclosure.protect`: the headline figure is that table's grand total, the
per-region figures its row margins, the trend its column margins. Reading every figure
from the margins of the same protected table is what stops two overlapping filters (a
region, a year, or the total) from being subtracted to recover a hidden cell.

Freshness: the figures are recomputed on demand and kept in the cache for
PUBLIC_FIGURES_SECONDS (5 minutes by default); `computed_at` says when they were counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import CharField, Count, F, Min, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from himaya.disclosure import MEDICAL_THRESHOLD, STANDARD_THRESHOLD, protect
from himaya.environment import env_int
from himaya.monitoring import measures
from himaya.organisations.models import Programme

PUBLIC_FIGURES_SECONDS = env_int("HIMAYA_PUBLIC_FIGURES_SECONDS", 300)
UNKNOWN = measures.UNKNOWN
HEADLINE_KEYS = ("direct_assistances", "medical_assistances", "people_reached",
                 "associations", "regions")
# Which measures are medical breakdowns, published with the higher threshold (P18).
THRESHOLDS = {
    "direct_assistances": STANDARD_THRESHOLD,
    "medical_assistances": MEDICAL_THRESHOLD,
    "people_reached": STANDARD_THRESHOLD,
}
# Categories of the assistance catalogue counted as direct assistance (kits and vouchers).
DIRECT_CATEGORIES = ["food", "hygiene", "non_food"]
MEDICAL_CATEGORIES = ["medical"]

Grid = dict[tuple[Hashable, Hashable], int]


@dataclass(frozen=True)
class RawCounts:
    """What the records say, unprotected: never shown to anyone as is."""

    tables: dict[str, Grid]  # measure → {(region code, year): n}
    associations: int
    regions: int


def _region_expression() -> Any:
    return Coalesce(F("commune__region__code"), F("organisation__region__code"), Value(UNKNOWN),
                    output_field=CharField())


def _cube_grids(programme: Programme | None) -> tuple[Grid, Grid, Grid] | None:
    """The three tables read from the aggregates (himaya/monitoring/aggregates.py): the
    delivery cube by region, bucket and category; the reach cube by region and signature,
    each person placed in the year of the first bucket they were reached in."""
    from himaya.monitoring import aggregates
    from himaya.monitoring.models import DeliveryCube, ReachCube

    state = aggregates.current_state()
    if state is None:
        return None
    deliveries = DeliveryCube.objects.filter(category__in=DIRECT_CATEGORIES + MEDICAL_CATEGORIES)
    if programme is not None:
        deliveries = deliveries.filter(programme_id=programme.pk)
    direct: Grid = {}
    medical: Grid = {}
    for row in deliveries.values("region", "bucket", "category").annotate(n=Sum("n")).order_by():
        grid = medical if row["category"] in MEDICAL_CATEGORIES else direct
        key = (row["region"], state.bucket_year(row["bucket"]))
        grid[key] = grid.get(key, 0) + row["n"]
    people: Grid = {}
    pk = programme.pk if programme is not None else None
    for row in (ReachCube.objects.filter(unit="p").values("region", "signature")
                .annotate(n=Sum("n")).order_by()):
        first = state.first_bucket(row["signature"], pk)
        if first is not None:
            key = (row["region"], state.bucket_year(first))
            people[key] = people.get(key, 0) + row["n"]
    return direct, medical, people


def _delivery_grids(programme: Programme | None) -> tuple[Grid, Grid]:
    """Direct and medical assistances by region and year, in one pass over the deliveries."""
    qs = measures.deliveries_queryset(measures.Window(programme),
                                      {"categories": DIRECT_CATEGORIES + MEDICAL_CATEGORIES})
    rows = (qs.annotate(region_code=_region_expression(), year=ExtractYear("delivered_on"),
                        category=F("assistance_type__category"))
            .values("region_code", "year", "category").annotate(n=Count("pk")).order_by())
    direct: Grid = {}
    medical: Grid = {}
    for row in rows:
        grid = medical if row["category"] in MEDICAL_CATEGORIES else direct
        key = (row["region_code"], int(row["year"]))
        grid[key] = grid.get(key, 0) + row["n"]
    return direct, medical


def _people_grid(programme: Programme | None) -> Grid:
    """People by their region and the year they were first reached: each person counts in
    exactly one cell, so the grid's margins are the distinct totals.

    One GROUP BY per route (own deliveries, household deliveries) gives each person's first
    date; the last step is done here because the ORM cannot aggregate over an aggregate,
    and a correlated subquery per person was ten times slower on a million people."""
    from himaya.assistance.models import Delivery
    from himaya.registry.models import HouseholdMember

    region_fields = ("person__region__code", "person__organisation__region__code")
    own = Delivery.objects.filter(person__isnull=False)
    members = HouseholdMember.objects.filter(household__deliveries__isnull=False)
    if programme is not None:
        own = own.filter(programme=programme)
        members = HouseholdMember.objects.filter(household__deliveries__programme=programme)
    first: dict[int, tuple[dt.date, str]] = {}
    routes = (
        own.values("person_id", *region_fields).annotate(first=Min("delivered_on")),
        members.values("person_id", *region_fields)
        .annotate(first=Min("household__deliveries__delivered_on")),
    )
    for route in routes:
        for person_id, region, home_region, day in route.order_by().values_list(
            "person_id", *region_fields, "first"
        ).iterator(chunk_size=20000):
            known = first.get(person_id)
            if known is None or day < known[0]:
                first[person_id] = (day, region or home_region or UNKNOWN)
    grid: Grid = {}
    for day, region in first.values():
        key = (region, day.year)
        grid[key] = grid.get(key, 0) + 1
    return grid


def raw_counts(programme: Programme | None = None) -> RawCounts:
    grids = _cube_grids(programme)
    if grids is None:  # no aggregates to read (see aggregates.current_state): the records
        direct, medical = _delivery_grids(programme)
        grids = (direct, medical, _people_grid(programme))
    tables = dict(zip(("direct_assistances", "medical_assistances", "people_reached"), grids,
                      strict=True))
    window = measures.Window(programme)
    associations = int(measures.associations_accompanied(window, {}, []).get((), 0))
    covered = {region for grid in tables.values() for (region, _year), n in grid.items()
               if n and region != UNKNOWN}
    return RawCounts(tables, associations, len(covered))


def protect_figures(raw: RawCounts) -> dict[str, Any]:
    """The publishable figures: every number read from a protected table (pure function)."""
    regions = sorted({r for grid in raw.tables.values() for r, _ in grid}, key=str)
    years = sorted({y for grid in raw.tables.values() for _, y in grid})
    figures: dict[str, Any] = {"by_region": {r: {} for r in regions},
                               "by_year": {str(y): {} for y in years}, "cells": {}}
    for name, grid in raw.tables.items():
        table = protect(grid, threshold=THRESHOLDS[name], rows=list(regions), columns=list(years))
        figures[name] = table.total
        for region in regions:
            figures["by_region"][region][name] = table.row_totals[region]
        for year in years:
            figures["by_year"][str(year)][name] = table.column_totals[year]
        figures["cells"][name] = {
            f"{region}|{year}": table.cells[(region, year)] for region in regions for year in years
        }
    # Counts of associations and regions reveal no person, but go through the same rule so
    # that every published number obeys one policy.
    for name, value in (("associations", raw.associations), ("regions", raw.regions)):
        table = protect({("all", "n"): value}, threshold=STANDARD_THRESHOLD, rows=["all"],
                        columns=["n"])
        figures[name] = table.total
    figures["thresholds"] = {"standard": STANDARD_THRESHOLD, "medical": MEDICAL_THRESHOLD}
    return figures


def _cache_key(programme: Programme | None) -> str:
    return f"reporting:public-figures:{programme.pk if programme else 'all'}"


def released_figures(programme: Programme | None = None) -> dict[str, Any] | None:
    """The publishable figures read from the release (himaya/monitoring/release.py), where
    they were protected together with every other output; None without aggregates."""
    from himaya.monitoring import release as releases

    current = releases.current()
    if current is None:
        return None
    scope = programme.pk if programme is not None else releases.ALL
    if programme is not None and not current.has(
            releases.public_key(scope, "direct_assistances", None, None)):
        scope = -1  # a programme with no delivery: every figure is zero
    raw = current.linked.aggregates

    def shown(region: str | None, year: int | None, name: str) -> int | None:
        key = releases.public_key(scope, name, region, year)
        return current.value(key) if key in raw else 0

    regions = [r for r in current.regions if any(
        raw[k].value for name in THRESHOLDS
        if (k := releases.public_key(scope, name, r, None)) in raw)]
    years = current.years
    figures: dict[str, Any] = {"by_region": {r: {} for r in regions},
                               "by_year": {str(y): {} for y in years}, "cells": {}}
    for name in THRESHOLDS:
        figures[name] = shown(None, None, name)
        for region in regions:
            figures["by_region"][region][name] = shown(region, None, name)
        for year in years:
            figures["by_year"][str(year)][name] = shown(None, year, name)
        figures["cells"][name] = {f"{region}|{year}": shown(region, year, name)
                                  for region in regions for year in years}
    window = measures.Window(programme)
    associations = int(measures.associations_accompanied(window, {}, []).get((), 0))
    covered = len([r for r in regions if r != UNKNOWN])
    for name, value in (("associations", associations), ("regions", covered)):
        table = protect({("all", "n"): value}, threshold=STANDARD_THRESHOLD, rows=["all"],
                        columns=["n"])
        figures[name] = table.total
    figures["thresholds"] = {"standard": STANDARD_THRESHOLD, "medical": MEDICAL_THRESHOLD}
    return figures


def public_figures(programme: Programme | None = None, *, fresh: bool = False) -> dict[str, Any]:
    """The protected figures and when they were counted, from the cache when recent."""
    key = _cache_key(programme)
    figures = None if fresh else cache.get(key)
    if figures is None:
        figures = released_figures(programme)
        if figures is None:
            figures = protect_figures(raw_counts(programme))
        figures["computed_at"] = timezone.now().isoformat()
        figures["fresh_for_seconds"] = PUBLIC_FIGURES_SECONDS
        cache.set(key, figures, PUBLIC_FIGURES_SECONDS)
    return figures


def forget_public_figures(programme: Programme | None = None) -> None:
    cache.delete(_cache_key(programme))


def computed_at(figures: Mapping[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(figures["computed_at"])
