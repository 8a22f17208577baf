"""The public dashboard's parts (headline figures, map, trend), shared by the portal's data
page and the news article of the closing event, so both show the same figures."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from himaya.reference.models import Region
from himaya.reporting.charts import bar_chart
from himaya.reporting.figures import computed_at, public_figures
from himaya.reporting.regions_map import choropleth


def dashboard_context() -> dict[str, Any]:
    figures = public_figures()
    names = {region.code: region.name for region in Region.objects.all()}
    by_region = figures["by_region"]
    values = {code: row.get("direct_assistances") for code, row in by_region.items()
              if code in names}
    regions = [
        {"code": code, "name": names.get(code, _("Region not recorded")), **row}
        for code, row in sorted(by_region.items(), key=lambda item: names.get(item[0], "~"))
    ]
    years = sorted(figures["by_year"])
    trend = bar_chart(years, [
        (_("Direct assistances"), [figures["by_year"][y]["direct_assistances"] for y in years]),
        (_("Medical assistances"), [figures["by_year"][y]["medical_assistances"] for y in years]),
    ])
    labels = {
        "direct_assistances": _("direct assistances"),
        "medical_assistances": _("medical assistances"),
        "people_reached": _("people reached"),
        "associations": _("associations accompanied"),
        "regions": _("regions covered"),
    }
    return {
        "headline": [(key, label, figures[key]) for key, label in labels.items()],
        "figures": figures,
        "computed_at": computed_at(figures),
        "regions_table": regions,
        "map": choropleth(values, names),
        "trend": trend,
    }
