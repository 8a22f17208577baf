"""Disclosure control across outputs (PROTECTION P18), proven on random records.

For random datasets, every outsider output is published — the public JSON, the HXL CSV,
the 5W XLSX, a donor's results table and every breakdown a donor may open, and the
programme's figures of the donor report — and each published number is tied to the true
set of deliveries, people or households it counts (worked out here from the records,
independently of the code under test). Then an attacker tries every pair: no hidden number
equals a shown one, and no shown number minus another shown number is a hidden number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from himaya.assistance.models import Delivery
from himaya.monitoring import measures, queries
from himaya.monitoring.models import Indicator, ReportingPeriod
from himaya.monitoring.release import round_money
from himaya.organisations.models import Organisation
from himaya.reference.models import Region
from himaya.registry.models import HouseholdMember
from himaya.reporting.figures import public_figures
from himaya.reporting.open_data import five_w_xlsx, hxl_csv
from himaya.vouchers.models import Redemption, Voucher
from tests.factories import AgreementFactory, OrganisationFactory, ProgrammeFactory
from tests.monitoring import builders as b

TYPES = {"food-kit": "food", "hygiene-kit": "hygiene", "medical-assistance": "medical"}
DIRECT = {"food", "hygiene", "non_food"}
YEARS = (2020, 2021, 2022)
MONEY = {"value_delivered", "value_issued", "value_redeemed"}
CASABLANCA = ZoneInfo("Africa/Casablanca")

people_strategy = st.lists(
    st.tuples(st.sampled_from(["female", "male", "other"]),
              st.sampled_from([None, 1960, 1990, 2001, 2012]),
              st.sampled_from([None, "01", "04"]), st.integers(0, 2),
              st.sampled_from([None, "GN", "CI"])),
    min_size=2, max_size=14)
deliveries_strategy = st.lists(
    st.tuples(st.integers(0, 13), st.sampled_from(sorted(TYPES)), st.sampled_from(YEARS),
              st.integers(1, 12), st.integers(0, 2), st.booleans()),
    min_size=1, max_size=45)
# Vouchers: (person, partner, year, month issued, year redeemed in full or None). One face
# value, so a voucher sum is a count of vouchers (or of redemptions) in disguise.
FACE_VALUE = Decimal("300.00")
vouchers_strategy = st.lists(
    st.tuples(st.integers(0, 13), st.integers(0, 2), st.sampled_from(YEARS), st.integers(1, 12),
              st.sampled_from([None, *YEARS])),
    min_size=1, max_size=40)


def _build(people_spec: list, delivery_spec: list, voucher_spec: list = ()) -> Any:
    programme = ProgrammeFactory(start=dt.date(2020, 1, 1), end=dt.date(2022, 12, 31))
    partners = [OrganisationFactory(code=f"x{i}", name_fr=f"Partenaire {i}",
                                    region=Region.objects.get(code=code))
                for i, code in enumerate(["01", "01", "04"])]
    for partner in partners:
        AgreementFactory(partner=partner, programme=programme)
    for year in YEARS:
        ReportingPeriod.objects.create(programme=programme, label=str(year),
                                       start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    people = [b.person(partners[p], sex=sex, birth_year=born, region=region, nationality=nat)
              for sex, born, region, p, nat in people_spec]
    home = b.household(partners[0], people[:2])
    for who, type_code, year, month, partner, to_home in delivery_spec:
        target = {"household": home} if to_home else {"to": people[who % len(people)]}
        b.deliver(programme, partners[partner], type_code, dt.date(year, month, 1), **target)
    _vouchers(people, partners, voucher_spec)
    for i, (definition, dims, sensitive) in enumerate([
        ({"kind": "deliveries", "categories": sorted(DIRECT)},
         ["sex", "age_group", "region", "partner", "vulnerability"], False),
        ({"kind": "deliveries", "categories": ["medical"]}, ["sex", "region"], True),
        ({"kind": "deliveries"}, ["partner", "nationality"], False),
        ({"kind": "distinct_people"}, ["sex", "age_group", "region", "partner", "nationality"],
         False),
        ({"kind": "distinct_households"}, ["partner"], False),
        # Money delivered (MAD): kits have fixed unit values, so money is a count in disguise.
        ({"kind": "value_delivered", "categories": sorted(DIRECT)},
         ["sex", "age_group", "region", "partner", "nationality"], False),
        ({"kind": "value_delivered", "types": ["food-kit"]}, ["sex", "partner"], False),
        # Voucher values issued and redeemed (MAD): one face value, a count in disguise.
        ({"kind": "value_issued"}, ["region", "partner"], False),
        ({"kind": "value_redeemed"}, ["region", "partner"], False),
    ]):
        Indicator.objects.create(programme=programme, code=f"I{i}", title_fr=f"I{i}",
                                 definition=definition, disaggregations=dims, sensitive=sensitive,
                                 unit="MAD" if definition["kind"] in MONEY else "")
    return programme


def _vouchers(people: list, partners: list, voucher_spec: list) -> None:
    """Vouchers and full redemptions written straight to the tables (the voucher services
    are tested in their own app; here only what the results count matters)."""
    vendor = OrganisationFactory(code="v0", kind=Organisation.Kind.VENDOR)
    for n, (who, partner, year, month, redeemed) in enumerate(voucher_spec):
        at = dt.datetime(year, month, 1, 12, tzinfo=CASABLANCA)
        voucher = Voucher.objects.create(
            code_digest=f"test-{n}", code_hint="TEST", partner=partners[partner],
            person=people[who % len(people)], category="food", value=FACE_VALUE,
            balance=FACE_VALUE if redeemed is None else Decimal(0),
            valid_from=at.date(), valid_until=dt.date(2023, 12, 31), issued_at=at)
        if redeemed is not None:
            Redemption.objects.create(
                voucher=voucher, vendor=vendor, amount=FACE_VALUE, balance_after=Decimal(0),
                at=dt.datetime(max(year, redeemed), 12 if redeemed > year else month, 15, 12,
                               tzinfo=CASABLANCA),
                idempotency_key=f"test-{n}")


# --- The truth: what each published number counts --------------------------------------


class Truth:
    def __init__(self) -> None:
        self.deliveries = list(Delivery.objects.select_related(
            "organisation__region", "commune__region", "assistance_type", "person__region",
            "person__organisation__region", "person__nationality"))
        self.vouchers = list(Voucher.objects.select_related("partner__region"))
        self.redemptions = list(Redemption.objects.select_related("voucher__partner__region"))
        self.members = defaultdict(list)
        for m in HouseholdMember.objects.select_related(
                "person__region", "person__organisation__region", "person__nationality"):
            self.members[m.household_id].append(m.person)

    @staticmethod
    def region(d: Delivery) -> str:
        if d.commune_id:
            return d.commune.region.code
        return d.organisation.region.code if d.organisation.region_id else "unknown"

    @staticmethod
    def person_region(p: Any) -> str:
        region = p.region or p.organisation.region
        return region.code if region else "unknown"

    def reached(self, start: dt.date | None = None, end: dt.date | None = None) -> dict:
        """Each person reached in the window and their first date (themselves or household)."""
        first: dict[Any, dt.date] = {}
        for d in self.deliveries:
            if (start and d.delivered_on < start) or (end and d.delivered_on > end):
                continue
            for p in [d.person] if d.person_id else self.members[d.household_id]:
                first[p] = min(first.get(p, d.delivered_on), d.delivered_on)
        return first

    def households(self, start: dt.date, end: dt.date) -> set[int]:
        out = set()
        member_home = {p.pk: h for h, ps in self.members.items() for p in ps}
        for d in self.deliveries:
            if start <= d.delivered_on <= end:
                if d.household_id:
                    out.add(d.household_id)
                elif d.person_id in member_home:
                    out.add(member_home[d.person_id])
        return out


def _age(year: int, born: int | None) -> str:
    if born is None:
        return "unknown"
    age = year - born
    return next((label for label, low, high in measures.AGE_GROUPS if low <= age <= high),
                "unknown")


def _published(client: Any, programme: Any, truth: Truth) -> list[tuple[str, frozenset, Any, str]]:
    """(family, true set, shown value or None, where) for every number an outsider reads."""
    out: list[tuple[str, frozenset, Any, str]] = []
    ds = truth.deliveries

    def deliveries(where: str, value: Any, keep: Any) -> None:
        out.append(("deliveries", frozenset(d.pk for d in ds if keep(d)), value, where))

    first = truth.reached()

    def public(figures: dict, where: str) -> None:
        for name, cats in (("direct_assistances", DIRECT), ("medical_assistances", {"medical"})):
            deliveries(f"{where} {name}", figures[name],
                       lambda d, c=cats: d.assistance_type.category in c)
            for region, row in figures["by_region"].items():
                deliveries(f"{where} {name} {region}", row[name],
                           lambda d, c=cats, r=region: d.assistance_type.category in c
                           and truth.region(d) == r)
            for year, row in figures["by_year"].items():
                deliveries(f"{where} {name} {year}", row[name],
                           lambda d, c=cats, y=year: d.assistance_type.category in c
                           and d.delivered_on.year == int(y))
        out.append(("people", frozenset(p.pk for p in first), figures["people_reached"],
                    f"{where} people"))
        for region, row in figures["by_region"].items():
            out.append(("people", frozenset(p.pk for p in first
                                            if truth.person_region(p) == region),
                        row["people_reached"], f"{where} people {region}"))
        for year, row in figures["by_year"].items():
            out.append(("people", frozenset(p.pk for p, day in first.items()
                                            if day.year == int(year)),
                        row["people_reached"], f"{where} people {year}"))

    public(client.get("/api/v1/public/figures").json(), "api")
    public(public_figures(programme), "donor report")

    # HXL: region × year cells.
    lines = list(csv.reader(io.StringIO(hxl_csv())))[2:]
    for _country, region, _name, year, direct, medical, people in lines:
        region = region or "unknown"
        for name, cats, text in (("direct", DIRECT, direct), ("medical", {"medical"}, medical)):
            deliveries(f"hxl {name} {region} {year}", int(text) if text else None,
                       lambda d, c=cats, r=region, y=year: d.assistance_type.category in c
                       and truth.region(d) == r and d.delivered_on.year == int(y))
        out.append(("people", frozenset(p.pk for p, day in first.items()
                                        if truth.person_region(p) == region
                                        and day.year == int(year)),
                    int(people) if people else None, f"hxl people {region} {year}"))

    # 5W: partner × type × region × year, by sex, and the row total.
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(five_w_xlsx()))["5W"]
    sexes = ["female", "male", "other", "not_stated", "unknown", None]
    for row in list(sheet.iter_rows(values_only=True))[2:]:
        partner, type_code, _category, region, _name, year = row[:6]
        region = region or "unknown"
        for sex, value in zip(sexes, row[6:12], strict=True):
            if sex == "not_stated" or row[0] is None:
                continue
            deliveries(f"5w {row[:6]} {sex}", value,
                       lambda d, p=partner, t=type_code, r=region, y=year, s=sex:
                       d.organisation.name_fr == p and d.assistance_type.code == t
                       and truth.region(d) == r and d.delivered_on.year == int(y)
                       and (s is None or (d.person.sex if d.person_id else "unknown") == s))

    # A donor's results table and every breakdown.
    table = queries.results_table(programme, protected=True)
    windows = [(str(p.label), p.start, p.end) for p in table.periods]
    windows.append(("total", programme.start, programme.end))
    for row in table.rows:
        indicator = row.indicator
        for (label, start, end), cell in zip(windows, [*row.cells, row.total], strict=True):
            value = None if cell.actual is None else int(cell.actual)
            where = f"table {indicator.code} {label}"
            out.append(_truth_of(truth, indicator, start, end, None, None, value, where))
            window = measures.Window(programme, start, end)
            for dim in indicator.disaggregations:
                if dim == "vulnerability":
                    continue  # refused to outsiders: see the test below
                try:
                    shown = queries.breakdown(indicator, window, (dim,), protected=True)
                except measures.DefinitionError:
                    continue
                for key in shown.rows:
                    out.append(_truth_of(truth, indicator, start, end, dim, key,
                                         shown.row_totals[key], f"{where} by {dim}={key}"))
    return out


def _truth_of(truth: Truth, indicator: Indicator, start: dt.date, end: dt.date,
              dim: str | None, key: str | None, value: Any, where: str) -> tuple:
    if indicator.definition["kind"] == "value_delivered":
        return _money_truth(truth, indicator, start, end, dim, key, value, where)
    if indicator.definition["kind"] in ("value_issued", "value_redeemed"):
        return _voucher_money_truth(truth, indicator, start, end, dim, key, value, where)
    return _count_truth(truth, indicator, start, end, dim, key, value, where)


def _voucher_money_truth(truth: Truth, indicator: Indicator, start: dt.date, end: dt.date,
                         dim: str | None, key: str | None, value: Any, where: str) -> tuple:
    """A voucher sum, as the count it gives away: with one face value, the value issued is
    the number of vouchers issued and the value redeemed the number of redemptions (each in
    full). Partners and regions are the issuing association's."""
    def partner_of(item: Any) -> Any:
        return item.partner if isinstance(item, Voucher) else item.voucher.partner

    def attribute(item: Any) -> str:
        partner = partner_of(item)
        return {"partner": partner.code,
                "region": partner.region.code if partner.region_id else "unknown"}[dim]

    if indicator.definition["kind"] == "value_issued":
        family, items = "vouchers", [(v, v.issued_at, v.value) for v in truth.vouchers]
    else:
        family, items = "redemptions", [(r, r.at, r.amount) for r in truth.redemptions]
    chosen = [(item, amount) for item, at, amount in items
              if start <= at.astimezone(CASABLANCA).date() <= end
              and (dim is None or attribute(item) == key)]
    atoms = frozenset(item.pk for item, _amount in chosen)
    if value is not None:
        amount = sum((a for _item, a in chosen), Decimal(0))
        assert value == round_money(amount), f"{where}: shows {value} MAD, sums {amount}"
    return (family, atoms, None if value is None else len(atoms), f"{where} (money)")


def _money_truth(truth: Truth, indicator: Indicator, start: dt.date, end: dt.date,
                 dim: str | None, key: str | None, value: Any, where: str) -> tuple:
    """A money figure, as the count it gives away: whoever knows a kit's unit value reads the
    number of deliveries off the sum (rounding blurs it; this test assumes it does not). So a
    shown sum counts as showing its deliveries, and must obey every rule a count obeys."""
    family, atoms, _shown, where = _count_truth(truth, indicator, start, end, dim, key, None, where)
    if value is not None:
        amount = sum((d.value for d in truth.deliveries if d.pk in atoms), Decimal(0))
        assert value == round_money(amount), f"{where}: shows {value} MAD, sums {amount}"
    return (family, atoms, None if value is None else len(atoms), f"{where} (money)")


def _count_truth(truth: Truth, indicator: Indicator, start: dt.date, end: dt.date,
                 dim: str | None, key: str | None, value: Any, where: str) -> tuple:
    kind = indicator.definition["kind"]
    if kind in ("deliveries", "value_delivered"):
        cats = set(indicator.definition.get("categories", TYPES.values()))
        types = set(indicator.definition.get("types", TYPES))

        def attribute(d: Delivery) -> str:
            p = d.person
            return {
                "sex": p.sex if p else "unknown",
                "age_group": _age(d.delivered_on.year, p.birth_year) if p else "unknown",
                "region": truth.region(d), "partner": d.organisation.code,
                "nationality": p.nationality.alpha3 if p and p.nationality else "unknown",
            }[dim]
        atoms = frozenset(d.pk for d in truth.deliveries
                          if d.assistance_type.category in cats and d.assistance_type.code in types
                          and start <= d.delivered_on <= end
                          and (dim is None or attribute(d) == key))
        return ("deliveries", atoms, value, where)
    if kind == "distinct_people":
        def person_attribute(p: Any) -> str:
            return {
                "sex": p.sex, "age_group": _age(end.year, p.birth_year),
                "region": truth.person_region(p), "partner": p.organisation.code,
                "nationality": p.nationality.alpha3 if p.nationality else "unknown",
            }[dim]
        atoms = frozenset(p.pk for p in truth.reached(start, end)
                          if dim is None or person_attribute(p) == key)
        return ("people", atoms, value, where)
    homes = truth.households(start, end)
    from himaya.registry.models import Household

    if dim is not None:
        homes = {h for h in homes if Household.objects.get(pk=h).organisation.code == key}
    return ("households", frozenset(homes), value, where)


def _attack(numbers: list[tuple[str, frozenset, Any, str]]) -> None:
    shown: dict[tuple[str, frozenset], str] = {}
    hidden: dict[tuple[str, frozenset], str] = {}
    for family, atoms, value, where in numbers:
        if value is None:
            assert atoms, f"{where}: an empty (zero) figure is hidden"
            hidden[(family, atoms)] = where
        else:
            assert value == len(atoms), f"{where}: shows {value}, counts {len(atoms)}"
            assert value == 0 or value >= 5, f"{where}: a small figure {value} is shown"
            shown[(family, atoms)] = where
    for key, where in hidden.items():
        assert key not in shown, f"{where} is hidden but {shown[key]} shows the same number"
    by_family: dict[str, list[frozenset]] = defaultdict(list)
    for family, atoms in shown:
        by_family[family].append(atoms)
    for family, sets in by_family.items():
        for big in sets:
            for small in sets:
                if small < big and (family, big - small) in hidden:
                    raise AssertionError(
                        f"{shown[(family, big)]} minus {shown[(family, small)]} gives away "
                        f"{hidden[(family, big - small)]}")


@pytest.mark.django_db
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(people_strategy, deliveries_strategy, vouchers_strategy)
def test_no_hidden_figure_is_shown_elsewhere_or_recovered_by_a_difference(
        client, people_spec, delivery_spec, voucher_spec):  # noqa: ANN001
    with transaction.atomic():
        cache.clear()
        programme = _build(people_spec, delivery_spec, voucher_spec)
        truth = Truth()
        numbers = _published(client, programme, truth)
        assert len(numbers) > 50
        _attack(numbers)
        # Breakdowns outside the release are refused to outsiders (the mission sees them).
        direct = Indicator.objects.get(programme=programme, code="I0")
        window = measures.Window(programme, programme.start, programme.end)
        for by in (("vulnerability",), ("sex", "region")):
            with pytest.raises(measures.DefinitionError):
                queries.breakdown(direct, window, by, protected=True)
            assert queries.breakdown(direct, window, by, protected=False).total == len(
                [d for d in truth.deliveries if d.assistance_type.category in DIRECT]) or by[0] == (
                "vulnerability")
        transaction.set_rollback(True)
    cache.clear()
