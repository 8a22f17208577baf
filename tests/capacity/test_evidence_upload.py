"""Evidence files are checked by content and extension, limited in size, stored under a
random name in the private media root, and served only through a scoped view."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from himaya.capacity import services
from himaya.capacity.models import Evidence
from himaya.capacity.uploads import check_upload, safe_file_name
from tests.capacity import builders as b


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def _add(world, content: bytes, name: str) -> Evidence:
    return services.evidence_add(actor=world.users["coord_a"], action=b.action_of(world.partner_a),
                                 file=io.BytesIO(content), name=name, size=len(content))


def test_a_pdf_is_stored_under_a_random_name(world, settings):
    evidence = _add(world, b.PDF_BYTES, "Rapport final.pdf")
    assert evidence.original_name == "Rapport final.pdf"
    assert evidence.content_type == "application/pdf"
    stored = Path(evidence.file.path)
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT))
    assert "Rapport" not in stored.name
    assert stored.read_bytes() == b.PDF_BYTES


def test_a_renamed_executable_is_refused(world, settings):
    with pytest.raises(ValidationError) as error:
        _add(world, b"MZ\x90\x00" + b"\x00" * 60, "report.pdf")
    assert error.value.code == "content"
    assert not Evidence.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.bin"))


def test_an_unknown_extension_is_refused(world):
    with pytest.raises(ValidationError):
        _add(world, b"#!/bin/sh\nrm -rf /\n", "install.sh")
    assert not Evidence.objects.exists()


def test_an_oversized_file_is_refused(world, settings):
    settings.HIMAYA_EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as error:
        _add(world, b.PDF_BYTES + b"0" * 2048, "big.pdf")
    assert error.value.code == "too_large"
    assert not Evidence.objects.exists()


def test_a_zip_is_not_a_docx(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", b"MZ")
    with pytest.raises(ValidationError):
        _add(world, buffer.getvalue(), "notes.docx")


def test_a_real_docx_is_accepted(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert _add(world, buffer.getvalue(), "compte-rendu.docx").content_type.endswith("document")


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\system32\\x.pdf", "x.pdf"),
    ("/var/www/.htaccess.pdf", "htaccess.pdf"),
    ("rapport<script>.PDF", "rapport_script_.pdf"),
])
def test_file_names_lose_their_path(name, expected):
    assert safe_file_name(name) == expected


def test_a_path_in_the_name_is_neutralised_when_stored(world, settings):
    evidence = _add(world, b.PDF_BYTES, "../../etc/passwd.pdf")
    assert evidence.original_name == "passwd.pdf"
    assert "/" not in evidence.original_name and ".." not in evidence.original_name
    assert Path(evidence.file.path).resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())


def test_check_upload_names_the_problem_in_french(settings):
    from django.utils import translation

    with translation.override("fr"), pytest.raises(ValidationError) as error:
        check_upload(io.BytesIO(b"MZ\x90\x00"), "report.pdf", 4)
    assert "extension" in error.value.messages[0]


def test_upload_page_refuses_and_says_why(world):
    action = b.action_of(world.partner_a)
    client = world.client_for("coord_a")
    upload = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" * 10, content_type="application/pdf")
    response = client.post(f"/capacity/actions/{action.pk}/evidence/", {"file": upload},
                           follow=True)
    assert response.status_code == 200
    assert not Evidence.objects.exists()
    assert any("extension" in str(m) for m in response.context["messages"])


def test_download_is_scoped_and_not_for_outsiders(world):
    evidence = _add(world, b.PDF_BYTES, "rapport.pdf")
    url = f"/capacity/evidence/{evidence.pk}/"
    response = world.client_for("agent_a").get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b.PDF_BYTES
    assert "rapport.pdf" in response["Content-Disposition"]
    assert world.client_for("coord_b").get(url).status_code == 404
    assert world.client_for("donor").get(url).status_code == 403
