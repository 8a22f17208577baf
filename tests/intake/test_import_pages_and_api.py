"""The import as users live it: pages, background jobs, the API, the command line, and scope."""

from __future__ import annotations

import io
import subprocess
import sys

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from himaya.intake.models import ImportBatch
from himaya.intake.storage import uploads_directory
from himaya.jobs.models import Job
from himaya.registry.models import Person

pytestmark = pytest.mark.django_db


def upload(client, path, **extra):
    with path.open("rb") as handle:
        return client.post("/intake/", {"file": SimpleUploadedFile(path.name, handle.read()), **extra})


def test_a_coordinator_uploads_sees_every_problem_applies_valid_rows_and_downloads_the_rejected(
        world, bad_file, django_capture_on_commit_callbacks):
    client = world.client_for("coord_a")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, bad_file("formulas.xlsx"))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/intake/{batch.pk}/"
    assert batch.organisation == world.partner_a and batch.status == ImportBatch.Status.READY
    assert batch.validation_job.status == Job.Status.SUCCEEDED
    # The job's result holds counts, never the quoted values.
    assert "HYPERLINK" not in str(batch.validation_job.result) and batch.validation_job.result["problems"] == 3
    # The stored upload is encrypted: the names in it do not appear on disk.
    stored = (uploads_directory() / batch.stored_file).read_bytes()
    assert b"Diallo" not in stored and b"HYPERLINK" not in stored
    page = client.get(f"/intake/{batch.pk}/")
    body = page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert body.count("<tr>") >= 1 + 3 and "HYPERLINK" in body
    assert 'name="mode"' in body and "style=" not in body and "<script>" not in body
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/intake/{batch.pk}/apply/", {"mode": "valid_rows"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch.counts["created"] == 1
    assert batch.stored_file == "" and not any(uploads_directory().iterdir())
    assert Person.objects.filter(organisation=world.partner_a).count() == 1
    download = client.get(f"/jobs/{batch.apply_job.pk}/download/")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(v.startswith("'=HYPERLINK") for v in values)
    assert not any(v.startswith("=") for v in values)
    assert "rejected-rows" in download["Content-Disposition"] or "lignes-rejetees" in download["Content-Disposition"]


def test_all_or_nothing_with_problems_is_refused_and_writes_nothing(world, bad_file,
                                                                     django_capture_on_commit_callbacks):
    client = world.client_for("agent_a")
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, bad_file("duplicates.csv"))
    batch = ImportBatch.objects.get()
    response = client.post(f"/intake/{batch.pk}/apply/", {"mode": "all"}, follow=True)
    assert response.status_code == 200
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.READY and batch.apply_job is None
    assert Person.objects.count() == 0


def test_an_unreadable_file_is_reported_on_the_page(world, bad_file, django_capture_on_commit_callbacks):
    client = world.client_for("coord_a")
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, bad_file("not-a-spreadsheet.xlsx"))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.UNREADABLE
    body = client.get(f"/intake/{batch.pk}/").content.decode()
    assert "alert-danger" in body and 'name="mode"' not in body


def test_an_oversized_upload_is_refused_before_anything_is_stored(world, settings):
    settings.HIMAYA_IMPORT_MAX_BYTES = 100
    client = world.client_for("coord_a")
    response = client.post("/intake/", {"file": SimpleUploadedFile("big.csv", b"given_name;sex\n" + b"Awa;F\n" * 50)})
    assert response.status_code == 200 and "100" not in response["Content-Type"]
    assert "invalid-feedback" in response.content.decode()
    assert not ImportBatch.objects.exists() and not Job.objects.exists()


def test_partner_staff_have_no_partner_field_and_import_into_their_own_association(world, bad_file):
    client = world.client_for("coord_b")
    page = client.get("/intake/").content.decode()
    assert 'name="partner"' not in page
    # A partner field smuggled into the post changes nothing (P2).
    upload(client, bad_file("people-utf8-bom.csv"), partner=world.partner_a.code)
    assert ImportBatch.objects.get().organisation == world.partner_b


def test_mission_staff_choose_the_partner(world, bad_file):
    client = world.client_for("manager")
    assert 'name="partner"' in client.get("/intake/").content.decode()
    upload(client, bad_file("people-utf8-bom.csv"), partner=world.partner_b.code)
    assert ImportBatch.objects.get().organisation == world.partner_b


def test_partner_b_cannot_see_or_apply_partner_a_imports(world, bad_file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(world.client_for("coord_a"), bad_file("people-utf8-bom.csv"))
    batch = ImportBatch.objects.get()
    other = world.client_for("coord_b")
    assert other.get(f"/intake/{batch.pk}/").status_code == 404
    assert other.post(f"/intake/{batch.pk}/apply/", {"mode": "all"}).status_code == 404
    assert other.get(f"/api/v1/imports/{batch.pk}/").status_code == 404
    assert "Ousmane" not in other.get("/intake/").content.decode()
    assert other.get("/api/v1/imports/").json()["results"] == []
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.READY and Person.objects.count() == 0


def test_outside_roles_cannot_import(world):
    for key in ("donor", "government", "vendor", "me"):
        assert world.client_for(key).get("/intake/").status_code == 403, key


def test_templates_download(world):
    client = world.client_for("agent_a")
    xlsx = client.get("/intake/template/people.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    form = client.get("/intake/template/people-xlsform.xlsx")
    assert form.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(form.content)).sheetnames == ["survey", "choices", "settings"]


def test_the_api_uploads_polls_and_applies(world, bad_file, django_capture_on_commit_callbacks):
    client = world.client_for("coord_a")
    path = bad_file("people-latin-1.csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/imports/", {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    assert response.status_code == 202
    created = response.json()
    job = client.get(f"/api/v1/jobs/{created['check_job']}/").json()
    assert job["status"] == "succeeded" and job["percent"] == 100
    detail = client.get(f"/api/v1/imports/{created['id']}/").json()
    assert detail["status"] == "ready" and detail["counts"]["valid"] == 2 and detail["problems"] == []
    with django_capture_on_commit_callbacks(execute=True):
        applied = client.post(f"/api/v1/imports/{created['id']}/apply/", {"mode": "all"})
    assert applied.status_code == 202
    assert client.get(f"/api/v1/jobs/{applied.json()['apply_job']}/").json()["status"] == "succeeded"
    assert Person.objects.filter(organisation=world.partner_a).count() == 2


def test_the_api_refuses_a_partner_naming_another_partner(world, bad_file):
    path = bad_file("people-latin-1.csv")
    response = world.client_for("coord_b").post(
        "/api/v1/imports/", {"file": SimpleUploadedFile(path.name, path.read_bytes()), "partner": "partner-a"})
    assert response.status_code == 400
    assert not ImportBatch.objects.exists() and not any(uploads_directory().iterdir())


def test_the_api_is_in_the_openapi_schema(world):
    schema = world.client_for("admin").get("/api/v1/schema/")
    if schema.status_code == 404:
        pytest.skip("schema served elsewhere")
    body = schema.content.decode()
    assert "/api/v1/imports/" in body and "/api/v1/imports/{id}/apply/" in body


def test_the_command_applies_a_clean_file_and_exits_zero(world, bad_file, capsys):
    call_command("import", "people", str(bad_file("people-windows-1256.csv")), "--partner", "partner-a")
    assert Person.objects.filter(organisation=world.partner_a).count() == 2
    assert "2 people created" in capsys.readouterr().out
    assert ImportBatch.objects.get().status == ImportBatch.Status.APPLIED


def test_the_command_refuses_with_the_report_and_writes_nothing(world, bad_file, capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("import", "people", str(bad_file("dates.xlsx")), "--partner", "partner-a")
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "row 9" in err and "31/02/1990" in err and "nothing was written" in err
    assert Person.objects.count() == 0


def test_the_command_dry_run_writes_nothing(world, bad_file, capsys):
    call_command("import", "people", str(bad_file("people-latin-1.csv")), "--partner", "partner-a", "--dry-run")
    assert "valid=2" in capsys.readouterr().out
    assert Person.objects.count() == 0 and not ImportBatch.objects.exists()


def test_the_himaya_console_script_has_the_import_command():
    result = subprocess.run([sys.executable, "-m", "himaya.cli", "import", "people", "--help"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "--partner" in result.stdout and "--dry-run" in result.stdout
