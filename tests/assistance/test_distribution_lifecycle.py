"""Distributions: draft → approved → in progress → closed (or cancelled), one table of moves;
check-in records every type for a person and draws the kits from stock; closing gives
planned against delivered, no-shows and refusals."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from himaya.assistance import lifecycle, queries, services
from himaya.assistance.models import Delivery, Distribution, DistributionTarget, StockBalance
from himaya.audit.models import AuditEvent
from tests.assistance.factories import distribution_of, item, stocked_warehouse
from tests.registry.factories import make_person

S = Distribution.Status


def test_only_the_declared_moves_are_allowed():
    allowed = {(a, b) for a, nexts in lifecycle.DISTRIBUTION_NEXT.items() for b in nexts}
    assert (S.DRAFT, S.APPROVED) in allowed and (S.IN_PROGRESS, S.CLOSED) in allowed
    assert (S.DRAFT, S.CLOSED) not in allowed and (S.CLOSED, S.IN_PROGRESS) not in allowed
    assert not lifecycle.DISTRIBUTION_NEXT[S.CLOSED] and not lifecycle.DISTRIBUTION_NEXT[S.CANCELLED]


def test_a_draft_cannot_be_closed_nor_approved_without_a_list(world):
    distribution = distribution_of(world.partner_a, [])
    with pytest.raises(ValidationError):
        services.distribution_move(actor=None, distribution=distribution, to=S.CLOSED)
    with pytest.raises(ValidationError):
        services.distribution_move(actor=None, distribution=distribution, to=S.APPROVED)
    distribution.refresh_from_db()
    assert distribution.status == S.DRAFT


def test_cancelling_needs_a_reason(world):
    distribution = distribution_of(world.partner_a, [make_person(world.partner_a)])
    with pytest.raises(ValidationError):
        services.distribution_move(actor=None, distribution=distribution, to=S.CANCELLED)
    services.distribution_move(actor=None, distribution=distribution, to=S.CANCELLED, reason="Site fermé")
    distribution.refresh_from_db()
    assert distribution.status == S.CANCELLED and distribution.cancel_reason == "Site fermé"


def test_the_list_is_frozen_once_approved(world):
    person = make_person(world.partner_a)
    distribution = distribution_of(world.partner_a, [person], status="approved")
    with pytest.raises(ValidationError):
        services.distribution_targets_set(actor=None, distribution=distribution, people=[], filters={})
    assert distribution.targets.count() == 1


def test_check_in_delivers_every_type_draws_stock_and_closing_counts_no_shows(world):
    warehouse = stocked_warehouse(world.partner_a, kits=5)
    came, refused, absent = (make_person(world.partner_a, given_name=n) for n in ("Awa", "Moussa", "Grâce"))
    distribution = distribution_of(world.partner_a, [came, refused, absent], warehouse=warehouse,
                                   types=("food-kit", "hygiene-kit"), status="in_progress")
    deliveries = services.distribution_check_in(actor=world.users["agent_a"], distribution=distribution, person=came)
    assert distribution.targets.get(person=came).status == DistributionTarget.Status.DELIVERED
    assert sorted(d.assistance_type.code for d in deliveries) == ["food-kit", "hygiene-kit"]
    assert StockBalance.objects.get(warehouse=warehouse, item=item("rice")).quantity == 5 * 5 - 5
    services.distribution_target_mark(actor=None, distribution=distribution, person=refused,
                                      status=DistributionTarget.Status.REFUSED, reason="Ne veut pas")
    # The same person again: the target is delivered already, nothing new is recorded.
    with pytest.raises(ValidationError):
        services.distribution_target_mark(actor=None, distribution=distribution, person=came,
                                          status=DistributionTarget.Status.REFUSED)
    services.distribution_move(actor=None, distribution=distribution, to=S.CLOSED)
    summary = queries.distribution_summary(distribution)
    assert (summary["planned"], summary["delivered"], summary["no_show"], summary["refused"]) == (3, 1, 1, 1)
    assert distribution.targets.get(person=absent).status == DistributionTarget.Status.NO_SHOW
    assert AuditEvent.objects.filter(action="distribution.closed").count() == 1
    with pytest.raises(ValidationError):
        services.distribution_check_in(actor=None, distribution=distribution, person=absent)
    assert Delivery.objects.count() == 2


def test_check_in_is_all_or_nothing_when_stock_runs_out(world):
    warehouse = stocked_warehouse(world.partner_a, kits=1)
    first, second = make_person(world.partner_a), make_person(world.partner_a, given_name="Ousmane")
    distribution = distribution_of(world.partner_a, [first, second], warehouse=warehouse,
                                   types=("food-voucher", "food-kit"), status="in_progress")
    services.distribution_check_in(actor=None, distribution=distribution, person=first)
    with pytest.raises(ValidationError):
        services.distribution_check_in(actor=None, distribution=distribution, person=second)
    # The voucher was not given alone: the person leaves with everything or is told why not.
    assert not Delivery.objects.filter(person=second).exists()
    assert distribution.targets.get(person=second).status == DistributionTarget.Status.PLANNED


def test_targets_from_registry_filters_stay_in_the_partners_caseload(world):
    mine = make_person(world.partner_a, sex="male")
    make_person(world.partner_a, sex="female")
    make_person(world.partner_b, sex="male")
    distribution = distribution_of(world.partner_a, [])
    response = world.client_for("coord_a").post(
        reverse("assistance:distribution-targets", args=[distribution.pk]), {"sex": "male", "limit": 50})
    assert response.status_code == 302
    assert list(distribution.targets.values_list("person_id", flat=True)) == [mine.pk]
    distribution.refresh_from_db()
    assert distribution.filters["sex"] == "male"


def test_check_in_page_finds_by_code_and_records(world):
    person = make_person(world.partner_a)
    distribution = distribution_of(world.partner_a, [person], types=("food-voucher",), status="in_progress")
    client = world.client_for("agent_a")
    page = client.get(reverse("assistance:distribution-check-in", args=[distribution.pk]),
                      {"q": person.code_display})
    assert page.status_code == 200 and person.code_display.encode() in page.content
    assert "no-store" in page["Cache-Control"]
    recorded = client.post(reverse("assistance:distribution-check-in-record", args=[distribution.pk]),
                           {"person": person.pk, "action": "deliver"})
    # A food voucher is a real voucher: its code is shown once, on the page that recorded it.
    assert recorded.status_code == 200 and b'data-testid="issued-code"' in recorded.content
    delivery = Delivery.objects.get(person=person)
    assert delivery.distribution == distribution
    assert delivery.vouchers.get().value == delivery.value
    # Partner B cannot even see the distribution.
    assert world.client_for("coord_b").get(
        reverse("assistance:distribution-check-in", args=[distribution.pk])).status_code == 404
