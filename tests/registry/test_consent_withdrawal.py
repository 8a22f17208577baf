"""Withdrawing consent stops what needs it, and is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from himaya.audit.models import AuditEvent
from himaya.registry.models import Consent, Purpose
from himaya.registry.services import ConsentRequired, require_consent
from himaya.registry.validation import PersonDataInvalid, person_data_validate
from tests.registry.factories import make_person, person_raw

pytestmark = pytest.mark.django_db


def test_withdrawing_assistance_consent_stops_assistance(world):
    person = make_person(world.partner_a)
    assert require_consent(person, Purpose.ASSISTANCE).permits
    client = world.client_for("agent_a")
    url = reverse("registry:consent-withdraw", args=[person.pk, "assistance"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    with pytest.raises(ConsentRequired):
        require_consent(person, Purpose.ASSISTANCE)
    consent = Consent.objects.get(person=person, purpose="assistance")
    assert consent.status == "withdrawn" and consent.withdrawn_by == world.users["agent_a"]
    event = AuditEvent.objects.get(action="consent.withdraw")
    assert event.fields == ["consent.assistance"] and event.object_id == str(person.pk)
    # Other purposes are untouched.
    assert require_consent(person, Purpose.REGISTRATION).permits


def test_without_follow_up_consent_the_phone_stays_hidden(world):
    person = make_person(world.partner_a, consents=[{"purpose": "registration", "legal_basis": "consent"}])
    response = world.client_for("agent_a").post(
        reverse("registry:person-reveal", args=[person.pk]), {"what": "phone"})
    assert response.status_code == 400
    assert "+212612345678" not in response.content.decode()
    assert not AuditEvent.objects.filter(kind="reveal").exists()


def test_registration_without_a_basis_is_refused(world):
    with pytest.raises(PersonDataInvalid) as error:
        person_data_validate(person_raw(consents=[{"purpose": "assistance", "legal_basis": "consent"}]))
    assert "consents" in error.value.message_dict


def test_consent_can_be_recorded_again_after_a_withdrawal(world):
    person = make_person(world.partner_a)
    client = world.client_for("agent_a")
    client.post(reverse("registry:consent-withdraw", args=[person.pk, "referral"]), {"confirm": "on"})
    page = client.get(reverse("registry:person-detail", args=[person.pk])).content.decode()
    assert reverse("registry:consent-record", args=[person.pk, "referral"]) in page
    response = client.post(reverse("registry:consent-record", args=[person.pk, "referral"]),
                           {"legal_basis": "consent", "confirm": "on"})
    assert response.status_code == 302
    assert require_consent(person, Purpose.REFERRAL).withdrawn_at is None
    assert AuditEvent.objects.filter(action="consent.record", fields=["consent.referral"]).exists()
