"""The public dashboard, signed out, in French and in Arabic (right to left): the map is
drawn, and the headline figures on the page are those of the JSON endpoint."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from himaya.organisations.models import Programme
from himaya.reference.models import Region
from tests.assistance.factories import ensure_catalogue
from tests.e2e.conftest import switch_language
from tests.monitoring import builders as b

HEADLINE = ("direct_assistances", "medical_assistances", "people_reached", "associations",
            "regions")


@pytest.fixture
def records(world):  # noqa: ANN001, ANN201
    """Region 01: 30 food kits and 12 medical; region 02: 3 food kits (a small cell)."""
    ensure_catalogue()  # the live server's database is flushed between tests
    programme = Programme.objects.get(code="rdpp")
    for _ in range(30):
        b.deliver(programme, world.partner_a, "food-kit", dt.date(2021, 3, 1),
                  to=b.person(world.partner_a))
    for _ in range(12):
        b.deliver(programme, world.partner_a, "medical-assistance", dt.date(2022, 3, 1),
                  to=b.person(world.partner_a))
    for _ in range(3):
        b.deliver(programme, world.partner_b, "food-kit", dt.date(2021, 4, 1),
                  to=b.person(world.partner_b, region="02"))
    return programme


def _shown(page, key: str) -> int | None:  # noqa: ANN001
    text = page.locator(f"[data-figure={key}]").inner_text()
    digits = re.sub(r"\D", "", text)
    return int(digits) if digits else None


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_dashboard_shows_the_endpoint_figures_and_the_map(page, records, language):  # noqa: ANN001
    page.goto("/data/")
    if language == "ar":
        switch_language(page, "ar")
        page.goto("/data/")
    html = page.locator("html")
    assert html.get_attribute("lang") == language
    assert html.get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    # The choropleth: one path per region, served with the page (no tile server).
    assert page.locator("svg path[data-region]").count() >= 12
    assert page.locator("svg path[data-region='01']").count() == 1
    figures = page.request.get("/api/v1/public/figures").json()
    for key in HEADLINE:
        assert _shown(page, key) == figures[key], key
    # The small cell of region 02 (3 food kits) is not published, on the page either.
    assert figures["by_region"]["02"]["direct_assistances"] is None
    region = Region.objects.get(code="02")
    name = region.name_ar if language == "ar" else region.name_fr
    row = page.locator("table tbody tr", has_text=name)
    assert row.count() == 1
    assert row.locator("td").nth(1).inner_text().strip() == "—"
    assert figures["by_region"]["01"]["medical_assistances"] == 12
