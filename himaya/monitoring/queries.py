"""Reads of the results framework, scoped to the user, and the results table itself.

Mission staff see the figures as computed; donor and government viewers see the same
tables after disclosure control (`protected=True`), never an individual row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from himaya.accounts.scopes import fetch_or_404, scope_for
from himaya.disclosure import MEDICAL_THRESHOLD, STANDARD_THRESHOLD, protect
from himaya.environment import env_int
from himaya.monitoring import measures
from himaya.monitoring.models import (
    MONEY_UNITS,
    Indicator,
    ManualValue,
    NarrativeSection,
    Outcome,
    ReportingPeriod,
)
from himaya.organisations.models import Organisation, Programme

# How long computed actuals are reused before the records are read again (seconds).
RESULTS_CACHE_SECONDS = env_int("HIMAYA_RESULTS_CACHE_SECONDS", 600)


def programmes_visible_to(user: Any) -> QuerySet[Programme]:
    """Mission staff: every programme; a donor or counterpart: the programmes it is party to."""
    scope = scope_for(user)
    if scope.is_mission:
        return Programme.objects.all()
    if scope.is_outside_viewer and scope.organisation_id is not None:
        if scope.organisation_kind == Organisation.Kind.DONOR:
            return Programme.objects.filter(donors=scope.organisation_id)
        return Programme.objects.filter(counterparts=scope.organisation_id)
    return Programme.objects.none()


def programme_for_user(user: Any, pk: Any) -> Programme:
    return fetch_or_404(programmes_visible_to(user), pk=pk)


def indicators_visible_to(user: Any) -> QuerySet[Indicator]:
    return Indicator.objects.filter(programme__in=programmes_visible_to(user)).select_related(
        "programme", "outcome", "output"
    )


def indicator_for_user(user: Any, pk: Any) -> Indicator:
    return fetch_or_404(indicators_visible_to(user), pk=pk)


def period_for_programme(programme: Programme, pk: Any) -> ReportingPeriod:
    return fetch_or_404(ReportingPeriod.objects.filter(programme=programme), pk=pk)


def periods_of(programme: Programme) -> list[ReportingPeriod]:
    return list(ReportingPeriod.objects.filter(programme=programme).order_by("start"))


def sees_protected_figures(user: Any) -> bool:
    """Outsiders read figures after disclosure control; the mission reads them as counted."""
    return not scope_for(user).is_mission


def threshold_for(indicator: Indicator, by: list[str] | tuple[str, ...] = ()) -> int:
    return MEDICAL_THRESHOLD if indicator.sensitive or "vulnerability" in by else STANDARD_THRESHOLD


# --- The results table ---------------------------------------------------------------------


@dataclass
class Cell:
    target: Decimal | None
    actual: Decimal | None  # None: suppressed for this reader, or not entered yet
    suppressed: bool = False
    evidence: str = ""

    @property
    def percent(self) -> int | None:
        if self.actual is None or not self.target:
            return None
        return round(100 * self.actual / self.target)


@dataclass
class IndicatorRow:
    indicator: Indicator
    cells: list[Cell]
    total: Cell
    error: str = ""

    @property
    def trend(self) -> list[Decimal | None]:
        return [cell.actual for cell in self.cells]

    @property
    def sparkline(self) -> str:
        """SVG polyline points (100 × 24) of the actuals over the periods; gaps are skipped."""
        values = [float(v) for v in self.trend if v is not None]
        if len(values) < 2:
            return ""
        top = max(values) or 1.0
        step = 100 / (len(values) - 1)
        return " ".join(f"{i * step:.1f},{24 - 22 * v / top:.1f}" for i, v in enumerate(values))


@dataclass
class ResultsTable:
    programme: Programme
    periods: list[ReportingPeriod]
    outcomes: list[tuple[Outcome, list[tuple[Any, list[IndicatorRow]]]]]
    rows: list[IndicatorRow]
    computed_at: dt.datetime
    protected: bool
    narrative: list[NarrativeSection] = field(default_factory=list)


def _cache_key(programme: Programme) -> str:
    return f"monitoring:actuals:{programme.pk}"


def _actuals(programme: Programme, periods: list[ReportingPeriod],
             indicators: list[Indicator]) -> dict[str, Any]:
    """Every computed indicator's value per period and over the programme, in one dict."""
    values: dict[str, Any] = {}
    for indicator in indicators:
        if not indicator.is_computed:
            continue
        entry: dict[str, Any] = {}
        try:
            for period in periods:
                window = measures.Window(programme, period.start, period.end)
                entry[str(period.pk)] = str(measures.total(indicator.definition, window))
            whole = measures.Window(programme, programme.start, programme.end)
            entry["total"] = str(measures.total(indicator.definition, whole))
        except measures.DefinitionError as error:
            entry = {"error": str(error)}
        values[str(indicator.pk)] = entry
    return {"computed_at": timezone.now().isoformat(), "values": values}


def actuals(programme: Programme, *, fresh: bool = False) -> dict[str, Any]:
    """Computed actuals, reused for RESULTS_CACHE_SECONDS: reading ten million deliveries for
    every page view would be wasteful, and a results table a few minutes old is fine."""
    key = _cache_key(programme)
    cached = None if fresh else cache.get(key)
    if fresh:
        from himaya.monitoring import aggregates

        aggregates.refresh(force=False)  # "count again now": the aggregates first, if stale
    if cached is None:
        indicators = list(Indicator.objects.filter(programme=programme))
        cached = _actuals(programme, periods_of(programme), indicators)
        cache.set(key, cached, RESULTS_CACHE_SECONDS)
    return cached


def forget_actuals(programme: Programme) -> None:
    cache.delete(_cache_key(programme))


def _released_cells(indicator: Indicator, cells: list[Cell], total: Cell,
                    periods: list[ReportingPeriod], current: Any) -> bool:
    """Read an indicator's figures from the release (protected together with every other
    output, see himaya/monitoring/release.py); False when it is not in the release."""
    from himaya.monitoring import release as releases

    names = [str(p.pk) for p in periods] + ["total"]
    keys = [releases.indicator_key(indicator.pk, name) for name in names]
    if current is None or not all(current.has(k) for k in keys):
        return False
    for cell, key in zip([*cells, total], keys, strict=True):
        cell.actual = None if current.value(key) is None else Decimal(current.value(key))
        cell.suppressed = cell.actual is None
    return True


def _is_released_money(indicator: Indicator) -> bool:
    """Money delivered, voucher values issued and redeemed: published to outsiders only from
    the release, where each sum goes with the count (deliveries, vouchers, redemptions) it
    adds up (a fixed unit or face value turns one into the other)."""
    from himaya.monitoring.release import MONEY_KINDS

    return indicator.is_computed and indicator.definition.get("kind") in MONEY_KINDS


def _protected_cells(indicator: Indicator, cells: list[Cell], total: Cell,
                     periods: list[ReportingPeriod], programme: Programme) -> None:
    """Suppress small counts. When the periods tile the programme and the measure adds up,
    the total is the periods' margin, so the periods are protected as one table with it."""
    if _is_released_money(indicator):
        # Not in the release (no aggregates yet, a window without an end): not published.
        for cell in [*cells, total]:
            if cell.actual is not None:
                cell.actual, cell.suppressed = None, True
        return
    if not indicator.is_computed and indicator.unit in MONEY_UNITS:
        # Hand-entered money: an aggregate staff entered, no records behind it and so no
        # count to protect; rounded like released money (decision 0702, 2026-11-29).
        from himaya.monitoring.release import round_money

        for cell in [*cells, total]:
            if cell.actual is not None:
                cell.actual = Decimal(round_money(cell.actual))
        return
    if not indicator.is_about_people:
        return
    threshold = threshold_for(indicator)
    additive = indicator.is_computed and measures.kind_of(indicator.definition).additive
    tiles = bool(periods) and periods[0].start <= programme.start and periods[-1].end >= programme.end
    counts = {(str(i), "n"): int(c.actual or 0) for i, c in enumerate(cells)}
    if additive and tiles and all(c.actual is not None for c in cells):
        table = protect(counts, threshold=threshold, rows=[str(i) for i in range(len(cells))],
                        columns=["n"])
        for i, cell in enumerate(cells):
            if table.cells[(str(i), "n")] is None:
                cell.actual, cell.suppressed = None, True
        if table.total is None:
            total.actual, total.suppressed = None, True
        return
    for cell in [*cells, total]:
        if cell.actual is not None and 0 < cell.actual < threshold:
            cell.actual, cell.suppressed = None, True


def results_table(programme: Programme, *, protected: bool, fresh: bool = False) -> ResultsTable:
    periods = periods_of(programme)
    indicators = list(
        Indicator.objects.filter(programme=programme)
        .select_related("outcome", "output")
        .prefetch_related("targets")
        .order_by("outcome__order", "output__order", "order", "code")
    )
    computed = actuals(programme, fresh=fresh)
    manual = {
        (m.indicator_id, m.period_id): m
        for m in ManualValue.objects.filter(indicator__programme=programme)
    }
    rows: list[IndicatorRow] = []
    if protected:
        from himaya.monitoring import release as releases

        current = releases.current()
    for indicator in indicators:
        targets = {t.period_id: t.value for t in indicator.targets.all()}
        values = computed["values"].get(str(indicator.pk), {})
        cells: list[Cell] = []
        for period in periods:
            if indicator.is_computed:
                raw = values.get(str(period.pk))
                actual = Decimal(raw) if raw is not None else None
                evidence = ""
            else:
                entry = manual.get((indicator.pk, period.pk))
                actual = entry.value if entry else None
                evidence = entry.evidence if entry else ""
            cells.append(Cell(targets.get(period.pk), actual, evidence=evidence))
        if indicator.is_computed:
            raw_total = values.get("total")
            total_actual = Decimal(raw_total) if raw_total is not None else None
        else:
            entered = [c.actual for c in cells if c.actual is not None]
            total_actual = sum(entered, Decimal(0)) if entered else None
        total = Cell(indicator.end_target, total_actual)
        if protected and not (indicator.is_computed and _released_cells(
                indicator, cells, total, periods, current)):
            _protected_cells(indicator, cells, total, periods, programme)
        rows.append(IndicatorRow(indicator, cells, total, error=values.get("error", "")))
    outcomes = []
    by_outcome: dict[int | None, list[IndicatorRow]] = {}
    for row in rows:
        by_outcome.setdefault(row.indicator.outcome_id, []).append(row)
    for outcome in Outcome.objects.filter(programme=programme).prefetch_related("outputs"):
        own = [r for r in by_outcome.get(outcome.pk, []) if r.indicator.output_id is None]
        groups: list[tuple[Any, list[IndicatorRow]]] = [(None, own)] if own else []
        for output in outcome.outputs.all():
            under = [r for r in rows if r.indicator.output_id == output.pk]
            if under:
                groups.append((output, under))
        outcomes.append((outcome, groups))
    loose = [r for r in rows if r.indicator.outcome_id is None and r.indicator.output_id is None]
    if loose:
        outcomes.append((None, [(None, loose)]))
    return ResultsTable(
        programme=programme, periods=periods, outcomes=outcomes, rows=rows,
        computed_at=dt.datetime.fromisoformat(computed["computed_at"]), protected=protected,
        narrative=list(NarrativeSection.objects.filter(programme=programme)),
    )


# --- Disaggregation ------------------------------------------------------------------------


@dataclass
class Breakdown:
    """One indicator split by one or two dimensions, ready for a page, a report or an export."""

    indicator: Indicator
    by: tuple[str, ...]
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], Any]
    row_totals: dict[str, Any]
    column_totals: dict[str, Any]
    total: Any
    threshold: int | None
    additive: bool


# Kinds whose numbers are cut from the release's atoms: an outsider reads their breakdowns
# from the release or not at all (another cut could be subtracted from a released number).
RELEASED_KINDS = {"deliveries", "distinct_people", "distinct_households", "value_delivered",
                  "value_issued", "value_redeemed"}
# Kinds whose release reads the delivery cube, filters (types, categories, modalities) included.
_FILTERED_RELEASED_KINDS = {"deliveries", "value_delivered"}


def _released_breakdown(indicator: Indicator, window: measures.Window, by: tuple[str, ...],
                        rows: list[str], threshold: int | None,
                        additive: bool) -> Breakdown | None:
    from himaya.monitoring import release as releases

    kind = indicator.definition.get("kind")
    params = {k for k in indicator.definition if k != "kind"}
    if kind not in RELEASED_KINDS or (kind not in _FILTERED_RELEASED_KINDS and params):
        return None  # counted on its own (people trained...): its own protection
    current = releases.current()
    name = None
    if current is not None:
        name = next((n for (pk, n), span in current.windows.items()
                     if pk == indicator.pk and span == (window.start, window.end)), None)
    total_key = releases.indicator_key(indicator.pk, name or "", None, None)
    # Only the indicator's own breakdowns are released: any other would read as zeros.
    if (name is None or len(by) != 1 or by[0] not in releases.BREAKDOWN_DIMENSIONS
            or by[0] not in indicator.disaggregations or not current.has(total_key)):
        raise measures.DefinitionError(
            _("This breakdown is not published outside the mission: ask for it to be added "
              "to the published tables."))
    cells: dict[tuple[str, str], Any] = {}
    row_totals: dict[str, Any] = {}
    for row in rows:
        key = releases.indicator_key(indicator.pk, name, by[0], row)
        value = current.value(key) if current.has(key) else 0
        cells[(row, "n")] = row_totals[row] = value
    total = current.value(total_key)
    return Breakdown(indicator, by, rows, ["n"], cells, row_totals, {"n": total}, total,
                     threshold, additive)


def breakdown(indicator: Indicator, window: measures.Window, by: tuple[str, ...], *,
              protected: bool) -> Breakdown:
    """A one- or two-way table; protected tables give their margins from the same table."""
    if not by or len(by) > 2:
        raise measures.DefinitionError("choose one or two dimensions")
    raw = measures.compute(indicator.definition, window, by)
    kind = measures.kind_of(indicator.definition)
    # A person may have several vulnerabilities: those rows do not add up to the total.
    additive = kind.additive or len(by) == 1
    additive = additive and "vulnerability" not in by
    if len(by) == 1:
        counts = {(key[0], "n"): value for key, value in raw.items()}
    else:
        counts = {(key[0], key[1]): value for key, value in raw.items()}
    rows = sorted({r for r, _ in counts}, key=str)
    columns = sorted({c for _, c in counts}, key=str)
    threshold = threshold_for(indicator, by) if protected else None
    if protected and (indicator.is_about_people or _is_released_money(indicator)):
        released = _released_breakdown(indicator, window, by, rows, threshold, additive)
        if released is not None:
            return released
        table = protect({k: int(v) for k, v in counts.items()}, threshold=threshold,
                        rows=rows, columns=columns)
        return Breakdown(indicator, by, rows, columns, table.cells, table.row_totals,
                         table.column_totals, table.total, threshold, additive)
    row_totals = {r: sum(counts.get((r, c), 0) for c in columns) for r in rows}
    column_totals = {c: sum(counts.get((r, c), 0) for r in rows) for c in columns}
    return Breakdown(indicator, by, rows, columns,
                     {(r, c): counts.get((r, c), 0) for r in rows for c in columns},
                     row_totals, column_totals, sum(row_totals.values()), threshold, additive)
