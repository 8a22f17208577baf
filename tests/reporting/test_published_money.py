"""Money delivered (MAD) goes to outsiders through the one protected release: a sum is shown
only when the count of deliveries it adds up is, and rounded to the nearest 1,000 MAD; the
mission still reads it as counted (decision 0702, 2026-11-29)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache

from himaya.monitoring import measures, queries
from himaya.monitoring import release as releases
from himaya.monitoring.models import Indicator, ReportingPeriod
from himaya.reference.models import Region
from tests.factories import AgreementFactory, OrganisationFactory, ProgrammeFactory
from tests.monitoring import builders as b

pytestmark = pytest.mark.django_db
KIT = Decimal("450.00")  # the food kit's unit value (assistance catalogue)


@pytest.fixture
def programme(db):  # noqa: ANN001, ANN201
    cache.clear()
    programme = ProgrammeFactory(start=dt.date(2021, 1, 1), end=dt.date(2022, 12, 31))
    partner = OrganisationFactory(code="m1", region=Region.objects.get(code="01"))
    AgreementFactory(partner=partner, programme=programme)
    for year in (2021, 2022):
        ReportingPeriod.objects.create(programme=programme, label=str(year),
                                       start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    # 2021: seven kits to women; 2022: one kit to a man.
    for _ in range(7):
        b.deliver(programme, partner, "food-kit", dt.date(2021, 3, 1), to=b.person(partner, sex="female"))
    b.deliver(programme, partner, "food-kit", dt.date(2022, 3, 1), to=b.person(partner, sex="male"))
    Indicator.objects.create(programme=programme, code="M1", title_fr="Valeur", unit="MAD",
                             definition={"kind": "value_delivered", "types": ["food-kit"]},
                             disaggregations=["sex"])
    yield programme
    cache.clear()


def _row(programme, protected: bool):  # noqa: ANN001, ANN202
    table = queries.results_table(programme, protected=protected)
    (row,) = table.rows
    return row


def test_the_mission_reads_money_as_counted(programme):
    row = _row(programme, protected=False)
    assert [c.actual for c in row.cells] == [7 * KIT, KIT]
    assert row.total.actual == 8 * KIT


def test_outsiders_read_money_only_where_its_count_is_shown_and_rounded(programme):
    row = _row(programme, protected=True)
    # 2022: one delivery of a kit worth 450 MAD would say "one person": hidden. Then 2021,
    # with the total, would give it back by difference: the count protection hides it too.
    assert row.cells[1].actual is None and row.cells[1].suppressed
    assert row.cells[0].actual is None and row.cells[0].suppressed
    assert row.total.actual == 4000  # 3,600 MAD, to the nearest thousand
    indicator = row.indicator
    whole = measures.Window(programme, programme.start, programme.end)
    shown = queries.breakdown(indicator, whole, ("sex",), protected=True)
    assert shown.row_totals["male"] is None
    assert shown.row_totals["female"] is None  # else total − women = the one man
    assert shown.total == 4000
    # Outside the release, no breakdown of money for outsiders.
    with pytest.raises(measures.DefinitionError):
        queries.breakdown(indicator, whole, ("sex", "region"), protected=True)


def test_money_is_rounded_to_the_nearest_thousand():
    assert releases.round_money(Decimal("3150.00")) == 3000
    assert releases.round_money(Decimal("3500.00")) == 4000
    assert releases.round_money(Decimal("499.99")) == 0
    assert releases.round_money(0) == 0


def test_without_a_release_money_is_not_published(programme, monkeypatch):
    monkeypatch.setattr(releases, "current", lambda: None)
    row = _row(programme, protected=True)
    assert all(c.actual is None for c in [*row.cells, row.total])
