"""The disk full while writing an export: a clear error in the user's language, no file offered.

ENOSPC is simulated where a full disk reports it on a filesystem with delayed allocation:
when the written data is flushed (`os.fsync`). Files are written as `.part` and renamed only
once complete (himaya/jobs/files.py), so nothing corrupt can be downloaded.
"""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from himaya.intake.models import ImportBatch
from himaya.jobs.files import write_bytes_atomic
from himaya.jobs.models import Job
from himaya.jobs.services import jobs_directory
from himaya.registry.models import Person
from tests.reporting.test_donor_report import framework  # noqa: F401  (the report's programme)

pytestmark = pytest.mark.django_db
BAD = Path(__file__).parents[1] / "data" / "bad"
DISK_FULL_FR = "Le disque du serveur est plein"


@pytest.fixture
def disk_full(monkeypatch):  # noqa: ANN201
    real = os.fsync

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    return lambda: monkeypatch.setattr(os, "fsync", real)


def test_the_atomic_writer_leaves_no_file_when_the_disk_is_full(tmp_path, disk_full):
    target = tmp_path / "export.xlsx"
    with pytest.raises(OSError) as raised:
        write_bytes_atomic(target, b"PK" + b"x" * 10_000)
    assert raised.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []
    disk_full()  # space again
    write_bytes_atomic(target, b"PK complete")
    assert target.read_bytes() == b"PK complete" and [p.name for p in tmp_path.iterdir()] == ["export.xlsx"]


def test_a_report_on_a_full_disk_fails_clearly_and_offers_nothing(
        world, framework, disk_full, django_capture_on_commit_callbacks):  # noqa: F811
    programme, period, _people = framework
    client = world.client_for("manager")  # French is the manager's language

    def start() -> Job:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("reporting:donor-report-start", kwargs={"pk": programme.pk}),
                        {f"{programme.pk}-period": period.pk, f"{programme.pk}-language": "fr",
                         f"{programme.pk}-format": "xlsx"})
        return Job.objects.filter(kind="reporting.donor_report").latest("pk")

    job = start()
    assert job.status == Job.Status.FAILED and job.error.startswith(DISK_FULL_FR)
    assert job.result_file == "" and list(jobs_directory().iterdir()) == []
    assert client.get(reverse("jobs:job-download", args=[job.pk])).status_code == 404
    assert DISK_FULL_FR in client.get(reverse("jobs:job-detail", args=[job.pk])).content.decode()

    disk_full()  # space freed: the same report, started again, is complete
    again = start()
    assert again.status == Job.Status.SUCCEEDED
    assert (jobs_directory() / again.result_file).read_bytes().startswith(b"PK")


def test_an_import_whose_rejected_rows_cannot_be_written_is_rolled_back_then_applies_once(
        world, disk_full, django_capture_on_commit_callbacks):
    client = world.client_for("coord_a")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/intake/", {"file": SimpleUploadedFile(
            "formulas.xlsx", (BAD / "formulas.xlsx").read_bytes())})
    batch = ImportBatch.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/intake/{batch.pk}/apply/", {"mode": "valid_rows"})
    batch.refresh_from_db()
    job = batch.apply_job
    assert batch.status == ImportBatch.Status.FAILED
    assert job.status == Job.Status.FAILED and job.error.startswith(DISK_FULL_FR)
    # The valid row was not kept without its rejected rows: all of it waits for a retry.
    assert Person.objects.count() == 0 and list(jobs_directory().iterdir()) == []

    disk_full()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/intake/{batch.pk}/apply/", {"mode": "valid_rows"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and Person.objects.count() == 1
    download = client.get(f"/jobs/{batch.apply_job.pk}/download/")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    # The header and every rejected row: the workbook is complete.
    assert batch.counts["rejected"] >= 1 and sheet.max_row == 1 + batch.counts["rejected"]
