"""Corrections keep the previous state (encrypted); a person's data is exported for them, audited."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.db import connection
from django.urls import reverse

from himaya.audit.models import AuditEvent
from himaya.registry.models import Person, PersonVersion
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db


def test_editing_keeps_history_without_plaintext(world):
    person = make_person(world.partner_a, given_name="Mariama", family_name="Bah")
    client = world.client_for("coord_a")
    assert client.get(reverse("registry:person-edit", args=[person.pk])).status_code == 200
    response = client.post(reverse("registry:person-edit", args=[person.pk]), {
        "given_name": "Mariama", "family_name": "Barry", "sex": "female", "birth_precision": "year",
        "birth_year": "1994", "phone": "06 12 34 56 78", "document_kind": "passport",
        "document_number": "GN1234567", "region": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.family_name == "Barry" and person.version == 2
    version = PersonVersion.objects.get(person=person)
    assert "family_name" in version.fields and json.loads(version.snapshot)["family_name"] == "Bah"
    with connection.cursor() as cursor:
        cursor.execute("SELECT snapshot FROM registry_personversion")
        assert "Bah" not in cursor.fetchone()[0]
    event = AuditEvent.objects.get(action="person.update")
    assert "family_name" in event.fields
    history = client.get(reverse("registry:person-history", args=[person.pk])).content.decode()
    assert "Bah" in history


def test_subject_access_export_is_a_readable_xlsx_and_is_audited(world):
    person = make_person(world.partner_a, given_name="Mariama", family_name="Bah")
    client = world.client_for("coord_a")
    response = client.post(reverse("registry:person-export", args=[person.pk]))
    assert response.status_code == 200
    assert person.code in response["Content-Disposition"] and "Bah" not in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        names = book.namelist()
        strings = book.read("xl/sharedStrings.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "xl/worksheets/sheet6.xml" in names
    assert "Bah" in strings and "<f>" not in sheet  # the name is a string, never a formula
    assert AuditEvent.objects.filter(kind="export", action="person.export",
                                     object_id=str(person.pk)).count() == 1
    assert Person.objects.count() == 1


def test_editing_in_the_form_keeps_documents_it_does_not_show(world):
    person = make_person(world.partner_a, documents=[
        {"kind": "passport", "number": "GN1234567", "issuing_country": "GN"},
        {"kind": "consular_card", "number": "CC778899"},
    ])
    client = world.client_for("coord_a")
    response = client.post(reverse("registry:person-edit", args=[person.pk]), {
        "given_name": "Aminata", "family_name": "Diallo", "sex": "female",
        "birth_precision": "year", "birth_year": "1994", "phone": "0612345678",
        "document_kind": "passport", "document_number": "GN1234567",
        "document_country": person.documents.first().issuing_country_id, "region": "",
    })
    assert response.status_code == 302
    numbers = sorted(person.documents.values_list("number", flat=True))
    assert numbers == ["CC778899", "GN1234567"]
