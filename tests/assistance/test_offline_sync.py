"""Offline batches: a client id twice is one delivery, another body under it is a 409 and
never an overwrite, a partly bad batch reports every failure and loses nothing."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from himaya.assistance.models import Delivery, EntitlementRule
from tests.assistance.factories import kind, programme_of
from tests.registry.factories import make_person

URL = "api-assistance-delivery-sync"


def item(person, **overrides):  # noqa: ANN001, ANN003, ANN201
    body = {"uuid": str(uuid.uuid4()), "type": "food-voucher", "person": person.code,
            "delivered_on": "2021-03-15", "site": "Centre"}
    body.update(overrides)
    return body


def send(client, items, key=None):  # noqa: ANN001, ANN201
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(reverse(URL), {"deliveries": items}, content_type="application/json", **headers)


@pytest.fixture
def person(world):  # noqa: ANN001, ANN201
    return make_person(world.partner_a)


def test_the_same_client_id_twice_is_one_delivery(world, person):
    client = world.client_for("agent_a")
    body = item(person)
    first = send(client, [body])
    assert first.status_code == 200 and first.json()["results"][0]["status"] == "created"
    again = send(client, [body])
    assert again.status_code == 200
    result = again.json()["results"][0]
    assert result["status"] == "replayed" and result["id"] == first.json()["results"][0]["id"]
    assert Delivery.objects.filter(person=person).count() == 1


def test_the_same_client_id_with_another_body_is_a_409_and_changes_nothing(world, person):
    client = world.client_for("agent_a")
    body = item(person)
    send(client, [body])
    changed = {**body, "quantity": 3}
    answer = send(client, [changed])
    assert answer.status_code == 207
    result = answer.json()["results"][0]
    assert result["http"] == 409 and result["status"] == "conflict"
    delivery = Delivery.objects.get(person=person)
    assert delivery.quantity == Decimal(1)


def test_a_partly_bad_batch_records_the_good_items_and_says_why_for_the_others(world, person):
    other = make_person(world.partner_b)
    client = world.client_for("agent_a")
    good = [item(person), item(person, type="hygiene-kit-unknown"), item(other), item(person, uuid="nope"),
            item(person, delivered_on="15/03/2021"), "not an object", item(person, quantity="-2")]
    answer = send(client, good)
    assert answer.status_code == 207
    payload = answer.json()
    assert [r["index"] for r in payload["results"]] == list(range(len(good)))
    assert [r["status"] for r in payload["results"]] == ["created"] + ["invalid"] * 6
    assert payload["created"] == 1 and payload["failed"] == 6
    assert all(r["errors"] for r in payload["results"][1:])
    # Partner B's person is "unknown" to partner A: never a hint that the code exists.
    assert payload["results"][2]["errors"] == ["Code de personne inconnu."]
    assert Delivery.objects.count() == 1


def test_rule_refusals_are_reported_per_item(world, person):
    EntitlementRule.objects.create(programme=programme_of(world.partner_a), assistance_type=kind("food-voucher"),
                                   max_per_person=1)
    answer = send(world.client_for("agent_a"), [item(person), item(person)])
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["created", "refused"]
    assert results[1]["http"] == 422 and results[1]["rules"] == ["max_per_person"]
    assert Delivery.objects.filter(person=person).count() == 1


def test_the_partner_is_the_callers_and_cannot_be_sent(world, person):
    answer = send(world.client_for("agent_a"), [item(person, organisation=world.partner_b.pk)])
    assert answer.json()["results"][0]["status"] == "invalid"
    answer = send(world.client_for("agent_a"), [item(person)])
    assert Delivery.objects.get().organisation == world.partner_a


def test_an_idempotency_key_replays_the_whole_answer(world, person):
    client = world.client_for("agent_a")
    items = [item(person), item(person, type="food-kit")]  # the kit has no warehouse: refused
    first = send(client, items, key="batch-1")
    again = send(client, items, key="batch-1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Delivery.objects.count() == 1
    other = send(client, [item(person)], key="batch-1")
    assert other.status_code == 409


def test_a_malformed_envelope_is_a_400_and_writes_nothing(world, person):
    answer = world.client_for("agent_a").post(reverse(URL), {"deliveries": "x"}, content_type="application/json")
    assert answer.status_code == 400
    assert Delivery.objects.count() == 0


def test_outside_roles_cannot_sync(world, person):
    for role in ("donor", "vendor", "me"):
        assert send(world.client_for(role), [item(person)]).status_code == 403
    assert Delivery.objects.count() == 0
