"""The public figures: counted from the records, published through disclosure control."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from himaya.disclosure import MEDICAL_THRESHOLD, STANDARD_THRESHOLD
from himaya.reference.models import Region
from himaya.reporting.figures import THRESHOLDS, RawCounts, protect_figures
from tests.factories import AgreementFactory, OrganisationFactory, ProgrammeFactory
from tests.monitoring import builders as b

KEYS = {"direct_assistances", "medical_assistances", "people_reached", "associations", "regions",
        "by_region"}


@pytest.fixture(autouse=True)
def _fresh_cache():  # noqa: ANN202
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def records(db):  # noqa: ANN001, ANN201
    """Region 01: many deliveries; region 06: three (a small cell); region 04: twelve."""
    programme = ProgrammeFactory()
    big = OrganisationFactory(code="big")
    small = OrganisationFactory(code="small", region=Region.objects.get(code="06"))
    middle = OrganisationFactory(code="middle", region=Region.objects.get(code="04"))
    for partner in (big, small, middle):
        AgreementFactory(partner=partner, programme=programme)
    day = dt.date(2021, 5, 1)
    for _ in range(30):
        b.deliver(programme, big, "food-kit", day, to=b.person(big))
    for _ in range(3):
        b.deliver(programme, small, "food-kit", day, to=b.person(small, region="06"))
    for _ in range(12):
        b.deliver(programme, middle, "hygiene-kit", day, to=b.person(middle, region="04"))
    for _ in range(25):
        b.deliver(programme, big, "medical-assistance", day, to=b.person(big))
    b.deliver(programme, middle, "medical-assistance", day, to=b.person(middle, region="04"))
    return programme


def test_endpoint_is_open_and_protects_small_cells(client, records):
    response = client.get(reverse("api-public-figures"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= KEYS
    regions = body["by_region"]
    # Three in region 06 is under five: hidden, and another region hidden with it so the
    # total cannot give it away.
    assert regions["06"]["direct_assistances"] is None
    hidden = [code for code, row in regions.items() if row["direct_assistances"] is None]
    assert len(hidden) >= 2
    assert body["direct_assistances"] == 45
    # Medical: one in region 04 is under ten; hidden with a partner cell.
    assert regions["04"]["medical_assistances"] is None
    assert sum(1 for row in regions.values() if row["medical_assistances"] is None) >= 2
    for row in regions.values():
        for key, value in row.items():
            k = MEDICAL_THRESHOLD if key == "medical_assistances" else STANDARD_THRESHOLD
            assert value is None or value == 0 or value >= k


def test_endpoint_is_in_the_openapi_schema(client, db):
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/public/figures" in schema


def test_data_page_and_closing_article_show_the_same_protected_figures(client, records):
    from himaya.portal.models import Article

    page = client.get(reverse("portal:data")).content.decode()
    assert 'data-figure="direct_assistances">45<' in page
    Article.objects.create(slug="cloture-nationale-rdpp-maroc", title_fr="Clôture", body_fr="x",
                           published_on=dt.date(2022, 12, 16), is_published=True)
    article = client.get(reverse("portal:article-detail",
                                 kwargs={"slug": "cloture-nationale-rdpp-maroc"})).content.decode()
    assert 'data-figure="direct_assistances">45<' in article
    # The small region's 3 never appears as a published figure.
    assert 'data-region="06"' in page
    row = page.split('data-region="06"')[1].split("</tr>")[0]
    assert ">3<" not in row


def test_figures_are_cached_and_say_when_they_were_counted(client, records):
    first = client.get(reverse("api-public-figures")).json()
    b.deliver(records, records.agreements.first().partner, "food-kit", dt.date(2021, 6, 1),
              to=b.person(records.agreements.first().partner))
    again = client.get(reverse("api-public-figures")).json()
    assert again["computed_at"] == first["computed_at"]
    assert again["direct_assistances"] == first["direct_assistances"]
    cache.clear()
    assert client.get(reverse("api-public-figures")).json()["direct_assistances"] == 46


# --- Property: over random tables, nothing small is published and nothing hidden can be
# recovered from the totals or from two overlapping filters (a region and a year).

grids = st.dictionaries(
    st.tuples(st.sampled_from(["01", "02", "03", "04"]), st.sampled_from([2019, 2020, 2021])),
    st.integers(min_value=0, max_value=40), max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(direct=grids, medical=grids, people=grids)
def test_no_small_cell_is_published_or_recoverable(direct, medical, people):
    figures = protect_figures(RawCounts(
        {"direct_assistances": direct, "medical_assistances": medical, "people_reached": people},
        associations=3, regions=4,
    ))
    regions = sorted(figures["by_region"])
    years = sorted(figures["by_year"])
    for name, raw in (("direct_assistances", direct), ("medical_assistances", medical),
                      ("people_reached", people)):
        k = THRESHOLDS[name]
        cells = figures["cells"][name]
        published = [figures[name]]
        published += [figures["by_region"][r][name] for r in regions]
        published += [figures["by_year"][y][name] for y in years]
        published += list(cells.values())
        assert all(v is None or v == 0 or v >= k for v in published)
        # Each line (a region's cells with its total, a year's cells with its total, the
        # margins with the grand total) hides no entry or at least two non-zero ones.
        lines = [[cells[f"{r}|{y}"] for y in years] + [figures["by_region"][r][name]]
                 for r in regions]
        lines += [[cells[f"{r}|{y}"] for r in regions] + [figures["by_year"][y][name]]
                  for y in years]
        lines.append([figures["by_region"][r][name] for r in regions] + [figures[name]])
        lines.append([figures["by_year"][y][name] for y in years] + [figures[name]])
        for line in lines:
            assert sum(1 for v in line if v is None) != 1, (name, line)
        # Published values are the true ones.
        for (region, year), value in raw.items():
            shown = cells.get(f"{region}|{int(year)}")
            assert shown is None or shown == value
    assert figures["associations"] is None  # 3 < 5: every published count obeys one rule


@pytest.mark.parametrize("language, label", [("fr", "assistances directes"),
                                             ("ar", "مساعدات مباشرة"),
                                             ("en", "direct assistances")])
def test_data_page_in_three_languages_without_login(client, records, language, label):
    client.cookies["himaya_language"] = language
    page = client.get(reverse("portal:data")).content.decode()
    assert label in page
    assert "<svg" in page and "<script>" not in page
    if language == "ar":
        assert 'dir="rtl"' in page
