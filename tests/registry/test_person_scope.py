"""Another partner's person is not found; outside roles reach nothing; M&E sees no names."""

from __future__ import annotations

import pytest
from django.urls import reverse

from himaya.audit.models import AuditEvent
from himaya.registry.queries import people_visible_to
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db


def test_partner_b_cannot_see_or_reveal_partner_a_person(world):
    person = make_person(world.partner_a, given_name="Mariama")
    client = world.client_for("coord_b")
    assert client.get(reverse("registry:person-detail", args=[person.pk])).status_code == 404
    response = client.post(reverse("registry:person-reveal", args=[person.pk]), {"what": "phone"})
    assert response.status_code == 404
    assert client.get(reverse("api-person-detail", args=[person.pk])).status_code == 404
    listing = client.get(reverse("registry:person-list"), {"q": "Mariama"})
    # The query is echoed in the search box; the person is not listed.
    assert person.code_display.encode() not in listing.content
    assert reverse("registry:person-detail", args=[person.pk]).encode() not in listing.content
    api = client.get(reverse("api-person-list"), {"q": person.code}).json()
    assert api["results"] == []
    assert not AuditEvent.objects.filter(action="person.reveal_phone").exists()


def test_outside_roles_get_403(world):
    person = make_person(world.partner_a)
    for key in ("donor", "government", "vendor"):
        client = world.client_for(key)
        assert client.get(reverse("registry:person-detail", args=[person.pk])).status_code == 403
        assert client.get(reverse("api-person-list")).status_code == 403
    assert not people_visible_to(world.users["donor"]).exists()


def test_me_officer_sees_codes_not_names(world):
    person = make_person(world.partner_a, given_name="Mariama", family_name="Bah",
                         vulnerabilities=["presumed-trafficking-victim", "single-parent"])
    client = world.client_for("me")
    page = client.get(reverse("registry:person-detail", args=[person.pk])).content.decode()
    assert person.code_display in page
    assert "Mariama" not in page and "Bah" not in page and "•" not in page
    assert "traite" not in page.lower() and "trafficking" not in page.lower()
    data = client.get(reverse("api-person-detail", args=[person.pk])).json()
    assert set(data) == {"id", "code", "sex", "birth_year", "nationality", "region", "vulnerabilities"}
    assert data["vulnerabilities"] == ["single-parent"]
    assert client.post(reverse("registry:person-reveal", args=[person.pk]), {"what": "phone"}).status_code == 403


def test_protection_officer_sees_people_of_their_regions(world):
    here = make_person(world.partner_a, region="01")
    elsewhere = make_person(world.partner_b, region="02")
    visible = set(people_visible_to(world.users["protection"]))
    assert here in visible and elsewhere not in visible


def test_registration_belongs_to_the_callers_association(world):
    client = world.client_for("coord_b")
    response = client.post(reverse("api-person-list"), {
        "given_name": "Ibrahima", "sex": "male", "organisation": world.partner_a.pk,
        "consents": [{"purpose": "registration", "legal_basis": "consent"}],
    }, content_type="application/json")
    assert response.status_code == 201, response.content
    person = people_visible_to(world.users["coord_b"]).get(pk=response.json()["id"])
    assert person.organisation == world.partner_b


def test_a_household_cannot_take_another_partners_person(world):
    foreign = make_person(world.partner_a)
    own = make_person(world.partner_b)
    client = world.client_for("coord_b")
    response = client.post(reverse("api-household-list"), {"members": [
        {"person": own.pk, "relationship": "head"},
        {"person": foreign.pk, "relationship": "child"},
    ]}, content_type="application/json")
    assert response.status_code == 400
    from himaya.registry.models import Household

    assert not Household.objects.exists()
    ok = client.post(reverse("api-household-list"), {"members": [
        {"person": own.pk, "relationship": "head"}]}, content_type="application/json")
    assert ok.status_code == 201 and Household.objects.get().organisation == world.partner_b


def test_a_member_is_added_by_code_within_the_caseload(world):
    from himaya.registry.services import MemberData, household_register

    head, child, foreign = (make_person(world.partner_a), make_person(world.partner_a),
                            make_person(world.partner_b))
    household, _created = household_register(actor=None, organisation=world.partner_a,
                                              members=[MemberData(head, "head")])
    client = world.client_for("agent_a")
    url = reverse("registry:household-member-add", args=[household.pk])
    assert client.post(url, {"code": foreign.code_display, "relationship": "child"}).status_code == 400
    assert client.post(url, {"code": child.code_display.lower(), "relationship": "child"}).status_code == 302
    assert sorted(household.members.values_list("relationship", flat=True)) == ["child", "head"]
    # Partner B cannot add to partner A's household at all.
    other = world.client_for("coord_b").post(url, {"code": foreign.code_display, "relationship": "child"})
    assert other.status_code == 404
