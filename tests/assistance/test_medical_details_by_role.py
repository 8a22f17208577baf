"""Medical assistance: details for protection officers and the partner's coordinator only;
M&E, managers and field agents count; notes encrypted at rest; sharing needs consent or
an audited override."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from himaya.assistance import services
from himaya.assistance.models import Delivery, Referral, ReferralShare
from himaya.audit.models import AuditEvent
from tests.assistance.factories import DAY, facility, referral_of
from tests.factories import OrganisationFactory
from tests.registry.factories import make_person

NOTE = "Grossesse de 7 mois, suivi prénatal"
ROW_KEYS = {"id", "person", "partner", "facility", "category", "referred_on", "cost_covered", "status",
            "proof_reference", "has_clinical_notes"}


@pytest.fixture
def referral(world):  # noqa: ANN001, ANN201
    return referral_of(world.partner_a, make_person(world.partner_a), notes=NOTE)


@pytest.mark.parametrize(("role", "shape"), [
    ("protection", "rows"), ("coord_a", "rows"), ("coord_b", "empty_rows"),
    ("me", "counts"), ("manager", "counts"), ("admin", "counts"), ("agent_a", "counts"),
])
def test_exact_json_keys_per_role(world, referral, role, shape):
    payload = world.client_for(role).get(reverse("api-assistance-referral-list")).json()
    if shape == "rows":
        assert set(payload) == {"results"}
        assert [set(row) for row in payload["results"]] == [ROW_KEYS]
        assert payload["results"][0]["category"] == "maternal"
    elif shape == "empty_rows":
        assert payload == {"results": []}
    else:
        assert set(payload) == {"counts"}
        assert set(payload["counts"]) == {"total", "referred", "attended", "closed", "not_attended"}
        assert payload["counts"]["total"] == 1
    assert NOTE not in str(payload)


@pytest.mark.parametrize("role", ["donor", "government", "vendor"])
def test_outside_roles_get_nothing(world, referral, role):
    assert world.client_for(role).get(reverse("api-assistance-referral-list")).status_code == 403


def test_the_delivery_list_hides_medical_rows_from_those_who_only_count(world, referral):
    for role, expected in (("me", 0), ("agent_a", 0), ("coord_a", 1), ("protection", 1)):
        rows = world.client_for(role).get(reverse("api-assistance-delivery-list")).json()["results"]
        assert sum(1 for r in rows if r["type"] == "medical-assistance") == expected, role


def test_the_person_panel_shows_counts_or_details_by_role(world, referral):
    url = reverse("assistance:person-panel", args=[referral.person_id])
    facility_name = referral.facility.name_fr.encode()
    detail = world.client_for("coord_a").get(url).content
    assert facility_name in detail
    for role in ("me", "agent_a", "manager"):
        body = world.client_for(role).get(url).content
        assert facility_name not in body and b"Maternal" not in body
        assert "Assistance médicale : 1".encode() in body
    assert world.client_for("coord_b").get(url).status_code == 404


def test_clinical_notes_are_encrypted_at_rest_and_reading_them_is_audited(world, referral):
    with connection.cursor() as cursor:
        cursor.execute("SELECT clinical_notes FROM assistance_referral WHERE id = %s", [referral.pk])
        stored = cursor.fetchone()[0]
    assert NOTE not in stored and stored.startswith("v1:")
    page = world.client_for("protection").get(reverse("assistance:referral-detail", args=[referral.pk]))
    assert NOTE.encode() in page.content
    assert AuditEvent.objects.filter(action="referral.view_notes", object_id=str(referral.pk)).count() == 1


def test_a_referral_counts_as_one_medical_assistance(world, referral):
    delivery = Delivery.objects.get(referral=referral)
    assert delivery.assistance_type.code == "medical-assistance" and delivery.value == referral.cost_covered


def test_sharing_needs_consent_or_an_audited_override(world):
    person = make_person(world.partner_a, consents=[{"purpose": "registration", "legal_basis": "consent"},
                                                    {"purpose": "assistance", "legal_basis": "consent"}])
    with pytest.raises(ValidationError):
        referral_of(world.partner_a, person)
    assert not Referral.objects.exists()
    referral = services.referral_create(
        actor=world.users["coord_a"], organisation=world.partner_a, programme=world.partner_a.agreements.first()
        .programme, person=person, facility=facility(), category="emergency",
        referred_on=DAY, override_reason="Urgence vitale, personne inconsciente")
    assert referral.sharing_basis == "override"
    other = OrganisationFactory(code="other-ngo")
    with pytest.raises(ValidationError):
        services.referral_share(actor=None, referral=referral, organisation=other)
    share = services.referral_share(actor=world.users["coord_a"], referral=referral, organisation=other,
                                    override_reason="Prise en charge spécialisée")
    assert share.basis == "override"
    assert AuditEvent.objects.filter(action="referral.share", reason="Prise en charge spécialisée").exists()
    assert ReferralShare.objects.count() == 1


def test_referral_status_moves_and_closing_needs_proof(world, referral):
    with pytest.raises(ValidationError):
        services.referral_move(actor=None, referral=referral, to=Referral.Status.CLOSED)
    services.referral_move(actor=None, referral=referral, to=Referral.Status.ATTENDED)
    with pytest.raises(ValidationError):
        services.referral_move(actor=None, referral=referral, to=Referral.Status.CLOSED)
    services.referral_move(actor=None, referral=referral, to=Referral.Status.CLOSED, proof_reference="FAC-001")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED and referral.proof_reference == "FAC-001"
