"""Proof of service as a file: PDF or image, size-limited, private, read only by medical
readers, every download audited."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from himaya.assistance import services
from himaya.assistance.models import Referral, ReferralProof
from himaya.audit.models import AuditEvent
from tests.assistance.factories import referral_of
from tests.registry.factories import make_person

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _referral(world):  # noqa: ANN001, ANN202
    person = make_person(world.partner_a)
    return referral_of(world.partner_a, person)


def test_a_coordinator_uploads_a_pdf_kept_private_and_closing_accepts_it(world):
    referral = _referral(world)
    client = world.client_for("coord_a")
    answer = client.post(reverse("assistance:referral-proof-upload", args=[referral.pk]),
                         {"file": SimpleUploadedFile("facture.pdf", PDF)})
    assert answer.status_code == 302
    proof = ReferralProof.objects.get(referral=referral)
    stored = Path(proof.file.path)
    # Under the private media root, by a random name that is not the user's file name.
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT)) and "facture" not in stored.name
    assert stored.read_bytes() == PDF and proof.content_type == "application/pdf"
    services.referral_move(actor=None, referral=referral, to=Referral.Status.ATTENDED)
    closed = services.referral_move(actor=None, referral=referral, to=Referral.Status.CLOSED)
    assert closed.status == Referral.Status.CLOSED


def test_only_medical_readers_download_and_each_download_is_audited(world):
    referral = _referral(world)
    world.client_for("coord_a").post(reverse("assistance:referral-proof-upload", args=[referral.pk]),
                                     {"file": SimpleUploadedFile("recu.png", PNG)})
    proof = ReferralProof.objects.get()
    url = reverse("assistance:referral-proof-download", args=[proof.pk])
    for reader in ("coord_a", "protection"):
        response = world.client_for(reader).get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
        assert response["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(action="referral.proof_download").count() == 2
    for outsider in ("agent_a", "manager", "me", "coord_b", "donor"):
        assert world.client_for(outsider).get(url).status_code in (403, 404), outsider
    assert AuditEvent.objects.filter(action="referral.proof_download").count() == 2


def test_a_wrong_type_or_too_large_file_is_refused_with_the_reason(world, settings):
    settings.HIMAYA_PROOF_MAX_BYTES = 1024 * 1024
    referral = _referral(world)
    client = world.client_for("coord_a")
    url = reverse("assistance:referral-proof-upload", args=[referral.pk])
    fake = client.post(url, {"file": SimpleUploadedFile("facture.pdf", b"MZ\x90\x00 not a pdf")}, follow=True)
    assert "PDF" in fake.content.decode()
    big = client.post(url, {"file": SimpleUploadedFile("big.pdf", PDF + b"0" * (1536 * 1024))}, follow=True)
    assert "1.5" in big.content.decode()  # the size and the limit, in the message
    assert not ReferralProof.objects.exists()


def test_the_uploaded_file_name_is_encrypted_and_never_printed(world):
    """A receipt is often saved under the patient's name: the name is ciphertext in the
    column, the download still offers it, and the proof prints as its number only."""
    from django.db import connection

    referral = _referral(world)
    world.client_for("coord_a").post(reverse("assistance:referral-proof-upload", args=[referral.pk]),
                                     {"file": SimpleUploadedFile("Mariama Diallo.pdf", PDF)})
    proof = ReferralProof.objects.get()
    assert proof.original_name == "Mariama Diallo.pdf"
    with connection.cursor() as cursor:
        cursor.execute("SELECT original_name FROM assistance_referralproof WHERE id = %s", [proof.pk])
        stored = cursor.fetchone()[0]
    assert stored and "Mariama" not in stored and "Diallo" not in stored
    assert "Mariama" not in str(proof)
    download = world.client_for("coord_a").get(reverse("assistance:referral-proof-download", args=[proof.pk]))
    assert "Mariama" in download["Content-Disposition"]
