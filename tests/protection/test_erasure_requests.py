"""P17: a person's erasure request, recorded and decided by the protection officer, with its outcome."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from himaya.audit.models import AuditEvent
from himaya.protection.models import Anonymisation, ErasureRequest
from himaya.registry.models import Person, PersonDocument
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(world):  # noqa: ANN001, ANN201
    return make_person(world.partner_a, given_name="Ndeye", family_name="Sarr", region="01",
                       phone="0655443322", documents=[{"kind": "passport", "number": "SN9988776"}])


def _record(client, person):  # noqa: ANN001, ANN202
    response = client.post(reverse("protection:erasure-list"), {
        "person_code": person.code_display, "received_on": dt.date.today().isoformat(),
        "channel": "in_person", "explanation": "Asked at the office.",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    return ErasureRequest.objects.get(person=person)


def test_an_erasure_is_recorded_decided_and_carried_out(world, person):
    client = world.client_for("protection")
    request = _record(client, person)
    assert request.status == ErasureRequest.Status.RECEIVED
    assert request.organisation == world.partner_a
    page = client.get(reverse("protection:erasure-detail", args=[request.pk])).content.decode()
    assert person.code_display in page and "Ndeye" not in page

    response = client.post(reverse("protection:erasure-detail", args=[request.pk]),
                           {"decision": "erase", "explanation": ""})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decision, request.decided_by) == (
        "done", "erase", world.users["protection"])
    assert {"given_name", "phone", "documents"} <= set(request.wiped)
    erased = Person.objects.get(pk=person.pk)
    assert (erased.given_name, erased.family_name, erased.phone, erased.code) == ("", "", "", person.code)
    assert not PersonDocument.objects.filter(person=person).exists()
    assert Anonymisation.objects.get(person=person).cause == "erasure"
    actions = set(AuditEvent.objects.filter(object_type="protection.erasurerequest", object_id=str(request.pk)).values_list("action", flat=True))
    assert actions == {"erasure.record", "erasure.decide.erase"}
    assert AuditEvent.objects.filter(action="person.anonymise.erasure", object_id=str(person.pk)).exists()
    # Decided once: a second decision is not offered and changes nothing.
    client.post(reverse("protection:erasure-detail", args=[request.pk]),
                {"decision": "refuse", "refusal_ground": "other", "explanation": "x"})
    request.refresh_from_db()
    assert request.decision == "erase"
    # The person's page still opens (code, no identity) for those who may see it.
    assert world.client_for("manager").get(
        reverse("registry:person-detail", args=[person.pk])).status_code == 200


def test_a_partial_refusal_needs_a_ground_and_keeps_identity(world, person):
    client = world.client_for("protection")
    request = _record(client, person)
    url = reverse("protection:erasure-detail", args=[request.pk])
    response = client.post(url, {"decision": "partial", "refusal_ground": ""})
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.RECEIVED
    assert Person.objects.get(pk=person.pk).phone == "+212655443322"

    response = client.post(url, {"decision": "partial", "refusal_ground": "legal_hold",
                                 "explanation": "Proceedings under way."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.decision, request.refusal_ground) == ("partial", "legal_hold")
    kept = Person.objects.get(pk=person.pk)
    assert (kept.given_name, kept.phone) == ("Ndeye", "")
    assert PersonDocument.objects.filter(person=person).exists()
    # Not final: the retention purge may still anonymise the rest later.
    assert not Anonymisation.objects.filter(person=person).exists()
    page = client.get(url).content.decode()
    with translation.override("fr"):  # the pages' default language
        assert escape(request.get_refusal_ground_display()) in page


def test_another_regions_person_cannot_be_named(world):
    elsewhere = make_person(world.partner_b, given_name="Ami", region="02")
    response = world.client_for("protection").post(reverse("protection:erasure-list"), {
        "person_code": elsewhere.code_display, "received_on": dt.date.today().isoformat(),
        "channel": "in_person",
    })
    assert response.status_code == 200
    assert not ErasureRequest.objects.exists()


def test_partners_do_not_decide_erasures(world, person):
    assert world.client_for("coord_a").get(reverse("protection:erasure-list")).status_code == 403
