"""A delivery of a voucher-modality type issues a real voucher, in the same transaction,
once per client UUID (issue 6)."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import translation

from himaya.assistance import services
from himaya.assistance.models import Delivery
from himaya.vouchers import codes
from himaya.vouchers.models import Voucher, VoucherEvent
from tests.assistance.factories import DAY, kind, programme_of
from tests.registry.factories import make_person

SYNC = "api-assistance-delivery-sync"


def _item(person, key=None):  # noqa: ANN001, ANN201
    return {"uuid": str(key or uuid.uuid4()), "type": "food-voucher", "person": person.code,
            "delivered_on": DAY.isoformat(), "site": "Centre"}


def test_a_voucher_delivery_issues_one_voucher_tied_to_it_and_a_replay_issues_none(world):
    person = make_person(world.partner_a)
    client = world.client_for("agent_a")
    body = _item(person)
    first = client.post(reverse(SYNC), {"deliveries": [body]}, content_type="application/json").json()
    result = first["results"][0]
    delivery = Delivery.objects.get(pk=result["id"])
    voucher = Voucher.objects.get(delivery=delivery)
    assert (voucher.person, voucher.partner, voucher.value, voucher.category) == (
        person, world.partner_a, delivery.value, "food")
    assert voucher.valid_from == DAY and voucher.issued_by == world.users["agent_a"]
    # The code is given once in the answer; the database keeps only its keyed digest.
    assert result["voucher"]["id"] == voucher.pk
    assert codes.lookup_digest(codes.normalise(result["voucher"]["code"])) == voucher.code_digest
    assert list(voucher.events.values_list("kind", flat=True)) == [VoucherEvent.Kind.ISSUED]
    again = client.post(reverse(SYNC), {"deliveries": [body]}, content_type="application/json").json()
    assert again["results"][0]["status"] == "replayed" and "voucher" not in again["results"][0]
    assert Voucher.objects.filter(person=person).count() == 1


def test_a_refused_voucher_delivery_issues_nothing(world):
    person = make_person(world.partner_a)
    other = make_person(world.partner_b, region="02")
    with translation.override("en"):
        outcomes = services.deliveries_record(actor=None, organisation=world.partner_a, items=[
            services.DeliveryData(programme=programme_of(world.partner_a), assistance_type=kind("food-voucher"),
                                  delivered_on=DAY, person=other),
            services.DeliveryData(programme=programme_of(world.partner_a), assistance_type=kind("food-voucher"),
                                  delivered_on=DAY, person=person),
        ])
    assert [o.status for o in outcomes] == ["refused", "created"]
    assert any("caseload" in e for e in outcomes[0].errors)
    assert Voucher.objects.filter(person=other).count() == 0
    assert Voucher.objects.get(person=person).delivery == outcomes[1].delivery


def test_a_failing_voucher_issue_rolls_the_delivery_back(world, monkeypatch):
    person = make_person(world.partner_a)

    def broken(**kwargs):  # noqa: ANN003, ANN202
        raise RuntimeError("issuing failed")

    monkeypatch.setattr("himaya.vouchers.services.voucher_issue", broken)
    with pytest.raises(RuntimeError):
        services.deliveries_record(actor=None, organisation=world.partner_a, items=[services.DeliveryData(
            programme=programme_of(world.partner_a), assistance_type=kind("food-voucher"), delivered_on=DAY,
            person=person)])
    assert not Delivery.objects.filter(person=person).exists()


def test_the_delivery_form_shows_the_voucher_code_once(world):
    person = make_person(world.partner_a)
    client = world.client_for("agent_a")
    page = client.post(reverse("assistance:delivery-new"), {
        "recipient": person.code, "programme": programme_of(world.partner_a).pk,
        "assistance_type": kind("food-voucher").pk, "quantity": "1", "delivered_on": DAY.isoformat()})
    assert page.status_code == 200 and b'data-testid="issued-code"' in page.content
    assert "no-store" in page["Cache-Control"]
    assert Voucher.objects.get(person=person).delivery.person == person
    # A kit is not a voucher: the form goes back to the list.
    kit = client.post(reverse("assistance:delivery-new"), {
        "recipient": person.code, "programme": programme_of(world.partner_a).pk,
        "assistance_type": kind("hygiene-kit").pk, "quantity": "1", "delivered_on": DAY.isoformat()})
    assert kit.status_code in (302, 400)
    assert Voucher.objects.filter(person=person).count() == 1


def test_a_check_in_shows_the_voucher_code_on_the_check_in_page_and_a_resent_form_records_nothing(world):
    from tests.assistance.factories import distribution_of

    person = make_person(world.partner_a)
    distribution = distribution_of(world.partner_a, [person], types=("food-voucher",), status="in_progress")
    client = world.client_for("agent_a")
    url = reverse("assistance:distribution-check-in-record", args=[distribution.pk])
    page = client.post(url, {"person": person.pk, "action": "deliver"})
    assert page.status_code == 200 and b'data-testid="issued-code"' in page.content
    assert b'data-testid="check-in-q"' in page.content  # ready for the next person
    again = client.post(url, {"person": person.pk, "action": "deliver"})
    assert again.status_code == 302
    assert Delivery.objects.filter(person=person).count() == 1 and Voucher.objects.filter(person=person).count() == 1
