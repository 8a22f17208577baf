"""Indicator definitions are data: each kind is computed from the records it names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from himaya.monitoring import measures
from himaya.monitoring.measures import DefinitionError, Window
from tests.factories import AgreementFactory, OrganisationFactory, ProgrammeFactory
from tests.monitoring import builders as b

D = dt.date


@pytest.fixture
def setup(db):  # noqa: ANN001, ANN201
    programme = ProgrammeFactory()
    partner = OrganisationFactory()
    other = OrganisationFactory(code="partner-two", region=__import__(
        "himaya.reference.models", fromlist=["Region"]).Region.objects.get(code="06"))
    AgreementFactory(partner=partner, programme=programme)
    return programme, partner, other


def test_deliveries_count_by_type_category_and_period(setup):
    programme, partner, _other = setup
    amina = b.person(partner)
    moussa = b.person(partner, sex="male", birth_year=2010)
    b.deliver(programme, partner, "food-kit", D(2020, 3, 1), to=amina)
    b.deliver(programme, partner, "food-kit", D(2021, 3, 1), to=moussa)
    b.deliver(programme, partner, "hygiene-kit", D(2021, 4, 1), to=moussa)
    b.deliver(programme, partner, "medical-assistance", D(2021, 5, 1), to=amina)
    whole = Window(programme)
    assert measures.total({"kind": "deliveries", "types": ["food-kit"]}, whole) == 2
    assert measures.total({"kind": "deliveries", "categories": ["food", "hygiene"]}, whole) == 3
    assert measures.total({"kind": "deliveries", "categories": ["medical"]}, whole) == 1
    year_2021 = Window(programme, D(2021, 1, 1), D(2021, 12, 31))
    assert measures.total({"kind": "deliveries", "types": ["food-kit"]}, year_2021) == 1
    by_sex = measures.compute({"kind": "deliveries"}, whole, ["sex"])
    assert by_sex == {("female",): 2, ("male",): 2}
    by_age = measures.compute({"kind": "deliveries", "types": ["food-kit"]}, whole, ["age_group"])
    assert by_age == {("25-59",): 1, ("0-17",): 1}


def test_distinct_people_counts_household_members_once(setup):
    programme, partner, _other = setup
    head, child = b.person(partner), b.person(partner, sex="male", birth_year=2015)
    home = b.household(partner, [head, child])
    b.deliver(programme, partner, "food-kit", D(2020, 1, 5), household=home)
    b.deliver(programme, partner, "hygiene-kit", D(2020, 2, 5), to=head)
    b.deliver(programme, partner, "hygiene-kit", D(2020, 3, 5), to=head)
    whole = Window(programme)
    assert measures.total({"kind": "distinct_people"}, whole) == 2
    assert measures.total({"kind": "distinct_households"}, whole) == 1
    assert measures.compute({"kind": "distinct_people"}, whole, ["sex"]) == {
        ("female",): 1, ("male",): 1}
    assert not measures.KINDS["distinct_people"].additive


def test_value_delivered_regions_covered_and_partner_split(setup):
    programme, partner, other = setup
    somebody = b.person(partner)
    b.deliver(programme, partner, "food-kit", D(2020, 1, 5), to=somebody, value="450")
    b.deliver(programme, other, "food-voucher", D(2020, 1, 6), to=somebody, value="500")
    whole = Window(programme)
    assert measures.total({"kind": "value_delivered"}, whole) == Decimal("950")
    assert measures.total({"kind": "regions_covered"}, whole) == 2
    assert measures.compute({"kind": "deliveries"}, whole, ["partner"]) == {
        (partner.code,): 1, (other.code,): 1}
    assert measures.compute({"kind": "deliveries"}, whole, ["region"]) == {
        ("01",): 1, ("06",): 1}


def test_other_programmes_records_do_not_count(setup):
    programme, partner, _other = setup
    elsewhere = ProgrammeFactory()
    b.deliver(elsewhere, partner, "food-kit", D(2020, 1, 5), to=b.person(partner))
    assert measures.total({"kind": "deliveries"}, Window(programme)) == 0


@pytest.mark.parametrize("definition, message", [
    ({"kind": "nonsense"}, "Unknown kind"),
    ({"kind": "deliveries", "colour": ["red"]}, "takes no parameter"),
    ({"kind": "deliveries", "types": "food-kit"}, "must be a list"),
    ({"kind": "deliveries", "types": ["no-such-type"]}, "no-such-type"),
    ([], "object"),
])
def test_bad_definitions_are_refused_with_a_reason(db, definition, message):
    from django.utils import translation

    with translation.override("en"), pytest.raises(DefinitionError, match=message):
        measures.validate_definition(definition)


def test_bad_definition_message_is_translated(db):
    from django.utils import translation

    with translation.override("fr"), pytest.raises(DefinitionError) as error:
        measures.validate_definition({"kind": "nonsense"})
    assert str(error.value).startswith("Type inconnu nonsense.")


def test_unsupported_breakdown_is_refused(db):
    with pytest.raises(DefinitionError):
        measures.compute({"kind": "regions_covered"}, Window(), ["sex"])


def test_voucher_values_are_read_through_the_vouchers_queries(world):  # noqa: ANN001
    """value_issued / value_redeemed come from himaya.vouchers.queries, by partner and region."""
    from himaya.vouchers.services import voucher_redeem
    from tests.vouchers.factories import contract, issue

    programme = ProgrammeFactory()
    AgreementFactory(partner=world.partner_a, programme=programme)
    contract(world.vendor, "food")
    first = issue(world.partner_a, value="300")
    issue(world.partner_a, value="200")
    issue(world.partner_b, value="999")  # a partner outside the programme
    voucher_redeem(code=first.code, vendor=world.vendor, amount="120", actor=None,
                   idempotency_key="m1")
    whole = Window(programme)
    assert measures.total({"kind": "value_issued"}, whole) == Decimal("500")
    assert measures.total({"kind": "value_redeemed"}, whole) == Decimal("120")
    code = world.partner_a.code
    assert measures.compute({"kind": "value_issued"}, whole, ["partner"]) == {
        (code,): Decimal("500")}
    region = world.partner_a.region.code if world.partner_a.region_id else "unknown"
    assert measures.compute({"kind": "value_redeemed"}, whole, ["region"]) == {
        (region,): Decimal("120")}
    past = Window(programme, D(2000, 1, 1), D(2000, 12, 31))
    assert measures.total({"kind": "value_issued"}, past) == 0
