"""A worker killed during a job: the job is marked failed and nothing of it is left half-written.

The handlers write the database in one transaction (it dies with the worker's connection)
and files as `.part` renamed when complete (himaya/jobs/files.py); the reaper fails the
job once its heartbeat is stale and removes the leftover `.part` files.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from himaya.jobs import handlers
from himaya.jobs.files import part_path
from himaya.jobs.models import Job
from himaya.jobs.services import job_reap_stale, job_run, jobs_directory, stale_after
from himaya.organisations.models import Organisation
from himaya.reference.models import Region

HALF_WRITER = "faults.half_writer"


def half_writer(job: Job, progress: handlers.Progress) -> dict:
    """Writes a row and a file, then stops dead like a killed process (no except clause runs)."""
    with transaction.atomic():
        Organisation.objects.create(name_fr="Half-written", code="half-written", kind="partner",
                                    region_id=Region.objects.get(code="01").pk)
        part_path(jobs_directory() / f"{job.pk}-export.xlsx").write_bytes(b"PK\x03\x04 half a workbook")
        raise SystemExit("killed")


@pytest.fixture
def registered():  # noqa: ANN201
    handlers.register(HALF_WRITER, half_writer)
    yield
    handlers._HANDLERS.pop(HALF_WRITER, None)


def test_a_job_whose_worker_died_is_failed_and_its_partial_file_removed(world, registered):
    world.users["coord_a"].preferred_language = "fr"
    world.users["coord_a"].save()
    job = Job.objects.create(kind=HALF_WRITER, owner=world.users["coord_a"],
                             organisation_id=world.partner_a.pk)
    with pytest.raises(SystemExit):
        job_run(job.pk)
    job.refresh_from_db()
    # What a SIGKILL leaves: the row still "running", the transaction gone, a .part on disk.
    assert job.status == Job.Status.RUNNING
    leftover = part_path(jobs_directory() / f"{job.pk}-export.xlsx")
    assert leftover.exists()

    assert job_reap_stale() == []  # a job with a fresh heartbeat is never taken for dead
    later = timezone.now() + stale_after() + dt.timedelta(seconds=1)
    old = (later - stale_after() - dt.timedelta(seconds=5)).timestamp()
    os.utime(leftover, (old, old))
    assert job_reap_stale(now=later) == [job.pk]

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.finished_at is not None
    assert "Relancez" in job.error  # in its owner's language
    assert not leftover.exists() and list(jobs_directory().iterdir()) == []
    assert not Organisation.objects.filter(code="half-written").exists()
    page = world.client_for("coord_a").get(reverse("jobs:job-download", args=[job.pk]))
    assert page.status_code == 404
    assert job_reap_stale(now=later) == []  # once


def test_jobs_reap_command_reports_what_it_failed(world, registered):
    # The database backend's own row for the task, left "running" by the dead worker.
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    job = Job.objects.create(kind=HALF_WRITER, owner=world.users["coord_a"], status=Job.Status.RUNNING,
                             started_at=timezone.now() - 2 * stale_after(),
                             heartbeat_at=timezone.now() - 2 * stale_after())
    other = Job.objects.create(kind=HALF_WRITER, owner=world.users["coord_a"], status=Job.Status.RUNNING,
                               started_at=timezone.now(), heartbeat_at=timezone.now())
    rows = {pk: DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING, args_kwargs={"args": [pk], "kwargs": {}},
        task_path="himaya.jobs.tasks.run_job", backend_name="default", queue_name="default",
        run_after=timezone.now(), started_at=timezone.now(), worker_ids=["dead"])
        for pk in (job.pk, other.pk)}
    out = StringIO()
    call_command("jobs_reap", stdout=out)
    assert out.getvalue().startswith("1 stale job(s) marked failed") and str(job.pk) in out.getvalue()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    rows[job.pk].refresh_from_db()
    assert rows[job.pk].status == TaskResultStatus.FAILED and rows[job.pk].finished_at is not None
    # A job with a live heartbeat, and its task, are left alone.
    other.refresh_from_db()
    rows[other.pk].refresh_from_db()
    assert other.status == Job.Status.RUNNING and rows[other.pk].status == TaskResultStatus.RUNNING


WORKER = """
import os, sys, time
import django
django.setup()
from django.db import transaction
from himaya.jobs import handlers
from himaya.jobs.files import atomic_path
from himaya.jobs.services import job_run, jobs_directory
from himaya.organisations.models import Organisation
from himaya.reference.models import Region

def slow(job, progress):
    progress(1, 2, "half way")  # outside the transaction, as the handlers do, so it is seen
    with transaction.atomic(), atomic_path(jobs_directory() / f"{job.pk}-report.pdf") as part:
        Organisation.objects.create(name_fr="Half-written", code="half-written", kind="partner",
                                    region_id=Region.objects.get(code="01").pk)
        part.write_bytes(b"%PDF-1.7 half a report")
        print("READY", flush=True)
        time.sleep(120)
    return {}

handlers.register("faults.slow", slow)
job_run(int(sys.argv[1]))
"""


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (a second process)")
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_by_sigkill_leaves_nothing_half_written(world, tmp_path):
    job = Job.objects.create(kind="faults.slow", owner=world.users["manager"])
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    media = Path(settings.MEDIA_ROOT)
    env = {**os.environ, "DATABASE_URL": url, "HIMAYA_ENV": "test", "HIMAYA_DB_SCOPE": "system",
           "HIMAYA_VAR_DIR": str(media.parent), "DJANGO_SETTINGS_MODULE": "himaya.settings"}
    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(job.pk)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "READY", worker.stderr.read()
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.progress_done == 1  # what the dead worker left
    partial = part_path(jobs_directory() / f"{job.pk}-report.pdf")
    assert partial.exists() and not (jobs_directory() / f"{job.pk}-report.pdf").exists()
    assert not Organisation.objects.filter(code="half-written").exists()  # rolled back with it

    later = timezone.now() + stale_after() + dt.timedelta(minutes=1)
    assert job_reap_stale(now=later) == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert not partial.exists() and list(jobs_directory().iterdir()) == []
    assert not Organisation.objects.filter(code="half-written").exists()
