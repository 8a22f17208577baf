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
from himaya.monitoring.models import Indicator, ManualValue, ReportingPeriod
from himaya.organisations.models import Organisation
from himaya.reference.models import Region
from himaya.vouchers.models import Redemption, Voucher
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


# --- Voucher values and hand-entered money (2026-11-29, second paragraph) -------------------

FACE = Decimal("300.00")


def _voucher(partner, person, on: dt.date, n: int, *, redeemed_on: dt.date | None = None):  # noqa: ANN001, ANN202
    """A voucher (and its full redemption) straight in the tables: only the totals matter here."""
    at = dt.datetime(on.year, on.month, on.day, 12, tzinfo=dt.UTC)
    voucher = Voucher.objects.create(
        code_digest=f"money-{n}", code_hint="TEST", partner=partner, person=person,
        category="food", value=FACE, balance=FACE if redeemed_on is None else Decimal(0),
        valid_from=on, valid_until=dt.date(2023, 12, 31), issued_at=at)
    if redeemed_on is not None:
        vendor, _ = Organisation.objects.get_or_create(
            code="vendor-m", defaults={"kind": Organisation.Kind.VENDOR, "name_fr": "Boutique"})
        Redemption.objects.create(
            voucher=voucher, vendor=vendor, amount=FACE, balance_after=Decimal(0),
            at=dt.datetime(redeemed_on.year, redeemed_on.month, redeemed_on.day, 12, tzinfo=dt.UTC),
            idempotency_key=f"money-{n}")
    return voucher


@pytest.fixture
def voucher_programme(programme):  # noqa: ANN001, ANN201
    """Seven vouchers of 300 MAD in 2021 to seven people (all redeemed that year), one in 2022
    to the first of them."""
    partner = Organisation.objects.get(code="m1")
    people = [b.person(partner) for _ in range(7)]
    for n in range(7):
        _voucher(partner, people[n], dt.date(2021, 4, 1), n, redeemed_on=dt.date(2021, 5, 1))
    _voucher(partner, people[0], dt.date(2022, 4, 1), 7)
    for code, kind in (("V1", "value_issued"), ("V2", "value_redeemed")):
        Indicator.objects.create(programme=programme, code=code, title_fr=code, unit="MAD",
                                 definition={"kind": kind}, disaggregations=["partner"])
    Indicator.objects.filter(code="M1").delete()
    cache.clear()
    return programme


def _rows(programme, protected: bool) -> dict:  # noqa: ANN001
    table = queries.results_table(programme, protected=protected)
    return {row.indicator.code: row for row in table.rows}


def test_the_mission_reads_voucher_values_as_counted(voucher_programme):
    rows = _rows(voucher_programme, protected=False)
    assert [c.actual for c in rows["V1"].cells] == [7 * FACE, FACE]
    assert rows["V1"].total.actual == 8 * FACE
    assert [c.actual for c in rows["V2"].cells] == [7 * FACE, 0]


def test_outsiders_read_voucher_values_only_where_the_vouchers_they_add_up_are_shown(
        voucher_programme):
    rows = _rows(voucher_programme, protected=True)
    issued, redeemed = rows["V1"], rows["V2"]
    # One voucher of 300 MAD issued in 2022 would say "one person": hidden, and 2021 with it
    # (else the total minus 2021 gives it back).
    assert [c.actual for c in issued.cells] == [None, None]
    assert issued.total.actual == 2000  # 2,400 MAD, to the nearest thousand
    # Seven redemptions in 2021, none in 2022: shown, rounded (2,100 MAD).
    assert [c.actual for c in redeemed.cells] == [2000, 0]
    assert redeemed.total.actual == 2000
    whole = measures.Window(voucher_programme, voucher_programme.start, voucher_programme.end)
    shown = queries.breakdown(issued.indicator, whole, ("partner",), protected=True)
    assert shown.row_totals == {"m1": 2000} and shown.total == 2000
    with pytest.raises(measures.DefinitionError):  # not in the release: refused to outsiders
        queries.breakdown(issued.indicator, whole, ("region",), protected=True)


def test_vouchers_to_one_holder_are_protected_as_one_holder(programme):
    """Seven vouchers (and seven redemptions) to one person pass a threshold of 5 as counts of
    vouchers; the protecting count is the distinct holders, so every voucher figure is hidden
    (decision 0702, Limits, 2026-11-29)."""
    partner = Organisation.objects.get(code="m1")
    person = b.person(partner)
    for n in range(7):
        _voucher(partner, person, dt.date(2021, 4, 1), n, redeemed_on=dt.date(2021, 5, 1))
    for code, kind in (("V1", "value_issued"), ("V2", "value_redeemed")):
        Indicator.objects.create(programme=programme, code=code, title_fr=code, unit="MAD",
                                 definition={"kind": kind}, disaggregations=["partner"])
    Indicator.objects.filter(code="M1").delete()
    cache.clear()
    mission = _rows(programme, protected=False)
    assert mission["V1"].total.actual == 7 * FACE  # the mission still reads them as counted
    rows = _rows(programme, protected=True)
    for code in ("V1", "V2"):
        assert rows[code].cells[0].actual is None and rows[code].total.actual is None, code
        assert rows[code].cells[1].actual == 0, code  # zeros are shown: nobody behind them
    whole = measures.Window(programme, programme.start, programme.end)
    shown = queries.breakdown(rows["V1"].indicator, whole, ("partner",), protected=True)
    assert shown.row_totals.get("m1") is None and shown.total is None


def test_without_a_release_voucher_values_are_not_published(voucher_programme, monkeypatch):
    monkeypatch.setattr(releases, "current", lambda: None)
    rows = _rows(voucher_programme, protected=True)
    assert all(c.actual is None for code in ("V1", "V2")
               for c in [*rows[code].cells, rows[code].total])


def test_hand_entered_money_is_published_rounded(programme):
    indicator = Indicator.objects.create(
        programme=programme, code="H1", title_fr="Fonds", unit="MAD",
        method=Indicator.Method.MANUAL, definition={})
    periods = list(ReportingPeriod.objects.filter(programme=programme).order_by("start"))
    for period, value in zip(periods, ("1450.00", "12600.00"), strict=True):
        ManualValue.objects.create(indicator=indicator, period=period, value=Decimal(value),
                                   evidence="rapport")
    mission = _rows(programme, protected=False)["H1"]
    assert [c.actual for c in mission.cells] == [Decimal("1450.00"), Decimal("12600.00")]
    outside = _rows(programme, protected=True)["H1"]
    assert [c.actual for c in outside.cells] == [1000, 13000]
    assert outside.total.actual == 14000  # 14,050 MAD
    assert not any(c.suppressed for c in [*outside.cells, outside.total])
