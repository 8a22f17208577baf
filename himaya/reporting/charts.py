"""Bar charts over time laid out on the server, drawn by a template as inline SVG.

No charting library and no script: the same markup works in the browser, under the
strict Content-Security-Policy, and in WeasyPrint's PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# Two colours of the map's palette; distinguishable in grey and for colour-blind readers.
SERIES_COLOURS = ["#3182bd", "#e6550d", "#31a354"]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    value: int | float | None
    series: str
    label: str


@dataclass
class BarChart:
    width: int = 560
    height: int = 220
    margin: int = 36
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)
    gridlines: list[tuple[float, int]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    baseline: float = 0.0


def bar_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[int | float | None]]],
              *, width: int = 560, height: int = 220) -> BarChart:
    """Grouped bars: one group per category (a year), one bar per series; None is a gap
    (a suppressed figure), drawn as nothing rather than as a zero."""
    chart = BarChart(width=width, height=height)
    inner_w = width - 2 * chart.margin
    inner_h = height - 2 * chart.margin
    chart.baseline = height - chart.margin
    top = max((v for _, values in series for v in values if v), default=0)
    step = _nice_step(top)
    top = step * max(1, -(-top // step)) if top else 1
    for i in range(0, int(top) + 1, int(step) or 1):
        chart.gridlines.append((chart.baseline - inner_h * i / top, i))
    group = inner_w / max(1, len(categories))
    bar_w = group * 0.8 / max(1, len(series))
    for c, category in enumerate(categories):
        left = chart.margin + c * group + group * 0.1
        chart.labels.append((left + group * 0.4, category))
        for s, (name, values) in enumerate(series):
            value = values[c] if c < len(values) else None
            h = inner_h * (value or 0) / top
            chart.bars.append(Bar(round(left + s * bar_w, 1), round(chart.baseline - h, 1),
                                  round(bar_w - 2, 1), round(h, 1),
                                  SERIES_COLOURS[s % len(SERIES_COLOURS)], value, name, category))
    chart.legend = [(SERIES_COLOURS[s % len(SERIES_COLOURS)], name)
                    for s, (name, _values) in enumerate(series)]
    return chart


def _nice_step(top: float) -> int:
    """A round gridline step giving four or five lines."""
    if top <= 0:
        return 1
    raw = top / 4
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return int(factor * magnitude)
    return int(10 * magnitude)
