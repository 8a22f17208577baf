"""A person's data exported for them as a readable PDF, in the user's language, audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from himaya.audit.models import AuditEvent
from himaya.registry import services
from himaya.registry.exports import person_export_document
from himaya.registry.validation import ConsentData
from himaya.registry.views import ACTION_LABELS
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db


def _text(document) -> str:  # noqa: ANN001
    """The text laid out on the document's pages (what a reader of the PDF sees)."""
    def walk(box):  # noqa: ANN001, ANN202
        yield box
        for child in getattr(box, "children", None) or []:
            yield from walk(child)

    return " ".join(box.text for page in document.pages for box in walk(page._page_box)
                    if getattr(box, "text", None))


def test_subject_access_pdf_is_a_pdf_with_the_person_and_is_audited(world):
    person = make_person(world.partner_a, given_name="Mariama", family_name="Bah")
    services.consent_withdraw(actor=world.users["coord_a"], person=person, purpose="follow_up")
    client = world.client_for("coord_a")
    page = client.get(reverse("registry:person-detail", args=[person.pk])).content.decode()
    assert reverse("registry:person-export-pdf", args=[person.pk]) in page  # the button

    response = client.post(reverse("registry:person-export-pdf", args=[person.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert person.code in response["Content-Disposition"] and "Bah" not in response["Content-Disposition"]
    event = AuditEvent.objects.get(kind="export", action="person.export_pdf", object_id=str(person.pk))
    assert event.actor_id == world.users["coord_a"].pk
    # The audit rows hold field names, never the name or phone exported.
    assert "Bah" not in str(event.fields) and "Bah" not in event.reason

    text = _text(person_export_document(person, language="en", panels=[], action_labels=ACTION_LABELS))
    assert "Mariama" in text and "Bah" in text and person.code_display in text
    assert "withdrawn" in text  # the consent table, with the withdrawal
    assert "data exported (PDF)" in text  # the audit summary names the export itself


def test_subject_access_pdf_is_in_the_users_language_right_to_left_in_arabic(world):
    person = make_person(world.partner_a, given_name="مريم", family_name="Bah")
    services.consent_record(actor=None, person=person, consent=ConsentData("referral", "consent"))
    arabic = person_export_document(person, language="ar", panels=[("Panel", "<p>Panel text</p>")],
                                    action_labels=ACTION_LABELS)
    root = arabic.pages[0]._page_box
    html = root.children[0]
    assert html.style["direction"] == "rtl"
    text = _text(arabic)
    assert "مريم" in text and "Panel text" in text
    french = _text(person_export_document(person, language="fr", panels=[], action_labels=ACTION_LABELS))
    assert "Consentement" in french or "consentement" in french


def test_another_partner_cannot_export_the_person(world):
    person = make_person(world.partner_a)
    response = world.client_for("coord_b").post(reverse("registry:person-export-pdf", args=[person.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="person.export_pdf").exists()
