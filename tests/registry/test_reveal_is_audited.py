"""Lists and pages show masked identifiers; revealing one is a logged POST."""

from __future__ import annotations

import pytest
from django.urls import reverse

from himaya.audit.models import AuditEvent
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db


def test_phone_is_masked_until_revealed_and_the_reveal_is_logged(world):
    person = make_person(world.partner_a, phone="0661234578",
                         documents=[{"kind": "passport", "number": "AB1234567"}])
    client = world.client_for("agent_a")
    page = client.get(reverse("registry:person-detail", args=[person.pk])).content.decode()
    assert "+212 •••• ••78" in page
    assert "661234578" not in page and "AB1234567" not in page
    assert AuditEvent.objects.filter(action="person.view", object_id=str(person.pk)).exists()

    response = client.post(reverse("registry:person-reveal", args=[person.pk]), {"what": "phone"})
    assert response.status_code == 200 and "+212661234578" in response.content.decode()
    event = AuditEvent.objects.get(action="person.reveal_phone")
    assert (event.kind, event.object_id, event.actor_username) == ("reveal", str(person.pk), "agent_a")
    assert event.fields == ["phone"] and "661234578" not in str(event.__dict__)

    document = person.documents.get()
    response = client.post(reverse("registry:person-reveal", args=[person.pk]),
                           {"what": f"document:{document.pk}"})
    assert "AB1234567" in response.content.decode()
    assert AuditEvent.objects.filter(action="person.reveal_documents").count() == 1


def test_revealing_by_get_is_not_possible(world):
    person = make_person(world.partner_a)
    response = world.client_for("agent_a").get(reverse("registry:person-reveal", args=[person.pk]))
    assert response.status_code == 405
    assert not AuditEvent.objects.filter(kind="reveal").exists()


def test_the_person_page_pulls_the_assistance_and_voucher_panels(world):
    from django.urls import reverse

    from tests.registry.factories import make_person

    person = make_person(organisation=world.partner_a)
    body = world.client_for("coord_a").get(reverse("registry:person-detail", args=[person.pk])).content.decode()
    assert f'hx-get="{reverse("assistance:person-panel", args=[person.pk])}"' in body
    assert f'hx-get="{reverse("vouchers:person-panel", args=[person.pk])}"' in body
    panel = world.client_for("coord_a").get(reverse("assistance:person-panel", args=[person.pk]))
    assert panel.status_code == 200
