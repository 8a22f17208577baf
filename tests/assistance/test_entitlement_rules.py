"""Entitlement rules: declared as data, evaluated in one place, refused in the user's language,
overridden only by an authorised role with a reason that is audited and reported."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from himaya.assistance import entitlements, queries
from himaya.assistance.entitlements import Past, Recipient, Rule, evaluate, period_bounds
from himaya.assistance.models import Delivery, EntitlementRule
from himaya.audit.models import AuditEvent
from himaya.reference.models import Region
from himaya.registry.models import VulnerabilityCriterion
from tests.assistance.factories import DAY, deliver, kind, programme_of
from tests.registry.factories import make_person

PERSON = Recipient(person_id=1, household_id=10, sex="female", age=30, region_id=5,
                   vulnerability_ids=frozenset({7}), member_ids=frozenset({1, 2}))


def test_a_rule_without_limits_allows_everything():
    assert evaluate([Rule(type_id=1, type_name="Kit")], type_id=1, quantity=Decimal(1), on=DAY,
                    recipient=PERSON, history=[]) == []


def test_a_second_kit_in_the_month_breaks_the_household_limit_even_through_another_member():
    rule = Rule(type_id=1, type_name="Kit", period="month", max_per_household=1)
    history = [Past(1, DAY - dt.timedelta(days=3), Decimal(1), person_id=2, household_id=None)]
    refusals = evaluate([rule], type_id=1, quantity=Decimal(1), on=DAY, recipient=PERSON, history=history)
    assert [r.code for r in refusals] == ["max_per_household"]
    # Next month it is allowed again.
    next_month = dt.date(DAY.year, DAY.month + 1, 2)
    assert evaluate([rule], type_id=1, quantity=Decimal(1), on=next_month, recipient=PERSON,
                    history=history) == []


def test_eligibility_by_sex_age_region_and_vulnerability():
    rule = Rule(type_id=1, type_name="Kit", sexes=frozenset({"male"}), min_age=40, region_ids=frozenset({6}),
                vulnerability_ids=frozenset({8}))
    codes = {r.code for r in evaluate([rule], type_id=1, quantity=Decimal(1), on=DAY, recipient=PERSON,
                                      history=[])}
    assert codes == {"sex", "age", "region", "vulnerability"}


def test_mutually_exclusive_types_in_the_same_period():
    rule = Rule(type_id=1, type_name="Kit", excludes=frozenset({2}), excluded_names=("Voucher",))
    history = [Past(2, DAY, Decimal(1), person_id=1, household_id=None)]
    assert [r.code for r in evaluate([rule], type_id=1, quantity=Decimal(1), on=DAY, recipient=PERSON,
                                     history=history)] == ["excluded"]


def test_quarter_bounds():
    assert period_bounds("quarter", dt.date(2021, 11, 30)) == (dt.date(2021, 10, 1), dt.date(2021, 12, 31))
    assert period_bounds("quarter", dt.date(2021, 2, 28)) == (dt.date(2021, 1, 1), dt.date(2021, 3, 31))


@settings(max_examples=150, deadline=None)
@given(
    limit=st.integers(min_value=1, max_value=4),
    period=st.sampled_from(["month", "quarter", "year"]),
    days=st.lists(st.integers(min_value=0, max_value=700), min_size=1, max_size=40),
    quantities=st.lists(st.integers(min_value=1, max_value=3), min_size=40, max_size=40),
)
def test_accepted_deliveries_never_exceed_the_limit_in_any_period(limit, period, days, quantities):
    """Whatever order requests come in, what is accepted respects the limit in every period."""
    rule = Rule(type_id=1, type_name="Kit", period=period, max_per_person=limit)
    history = entitlements.History()
    start = dt.date(2020, 1, 1)
    for offset, quantity in zip(days, quantities, strict=False):
        day = start + dt.timedelta(days=offset)
        if not evaluate([rule], type_id=1, quantity=Decimal(quantity), on=day, recipient=PERSON,
                        history=history.past):
            history.add(Past(1, day, Decimal(quantity), person_id=1, household_id=None))
    per_period: dict[tuple[dt.date, dt.date], Decimal] = {}
    for past in history.past:
        bounds = period_bounds(period, past.on)
        per_period[bounds] = per_period.get(bounds, Decimal(0)) + past.quantity
    assert all(total <= limit for total in per_period.values())


@settings(max_examples=100, deadline=None)
@given(limit=st.integers(min_value=1, max_value=3), used=st.integers(min_value=0, max_value=6))
def test_refused_exactly_when_the_limit_would_be_passed(limit, used):
    rule = Rule(type_id=1, type_name="Kit", max_per_person=limit)
    history = [Past(1, DAY, Decimal(1), person_id=1, household_id=None) for _ in range(used)]
    refused = bool(evaluate([rule], type_id=1, quantity=Decimal(1), on=DAY, recipient=PERSON, history=history))
    assert refused == (used + 1 > limit)


@pytest.fixture
def monthly_kit_rule(world):
    rule = EntitlementRule.objects.create(programme=programme_of(world.partner_a),
                                          assistance_type=kind("food-voucher"), period="month", max_per_person=1)
    return rule


@pytest.mark.parametrize(("language", "fragment"), [("fr", "par personne"), ("ar", "لكل شخص")])
def test_a_refused_delivery_says_why_in_the_users_language(world, monthly_kit_rule, language, fragment):
    person = make_person(world.partner_a)
    deliver(world.partner_a, person)
    with translation.override(language), pytest.raises(ValidationError) as refused:
        deliver(world.partner_a, person, on=DAY + dt.timedelta(days=1))
    assert fragment in " ".join(refused.value.messages)
    assert Delivery.objects.filter(person=person).count() == 1


def test_a_coordinator_overrides_with_a_reason_audited_and_reported(world, monthly_kit_rule):
    person = make_person(world.partner_a)
    deliver(world.partner_a, person)
    coordinator = world.users["coord_a"]
    delivery = deliver(world.partner_a, person, on=DAY + dt.timedelta(days=1), actor=coordinator,
                       override_reason="Famille hébergeant des nouveaux arrivants")
    assert delivery.broken_rules == ["max_per_person"] and delivery.overridden_by == coordinator
    event = AuditEvent.objects.get(action="delivery.override", object_id=str(delivery.pk))
    assert event.reason == "Famille hébergeant des nouveaux arrivants"
    assert list(queries.overrides_visible_to(coordinator)) == [delivery]
    assert list(queries.overrides_visible_to(world.users["coord_b"])) == []


def test_a_field_agent_cannot_override(world, monthly_kit_rule):
    person = make_person(world.partner_a)
    deliver(world.partner_a, person)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        deliver(world.partner_a, person, on=DAY + dt.timedelta(days=1), actor=world.users["agent_a"],
                override_reason="Je pense que c'est justifié")
    assert "Only a programme manager or a partner coordinator" in " ".join(refused.value.messages)
    assert Delivery.objects.filter(person=person).count() == 1


def test_eligibility_rules_from_the_database(world):
    rule = EntitlementRule.objects.create(programme=programme_of(world.partner_a),
                                          assistance_type=kind("food-voucher"), min_age=60)
    rule.regions.set(Region.objects.filter(code="01"))
    rule.vulnerabilities.set(VulnerabilityCriterion.objects.filter(code="older-person"))
    young = make_person(world.partner_a, birth_year="1994")
    with pytest.raises(ValidationError) as refused:
        deliver(world.partner_a, young)
    assert "60" in " ".join(refused.value.messages)
    older = make_person(world.partner_a, birth_year="1950", vulnerabilities=["older-person"])
    assert deliver(world.partner_a, older).pk


def test_no_delivery_without_an_assistance_basis(world):
    person = make_person(world.partner_a, consents=[{"purpose": "registration", "legal_basis": "consent"}])
    with pytest.raises(ValidationError):
        deliver(world.partner_a, person)
    assert not Delivery.objects.filter(person=person).exists()
