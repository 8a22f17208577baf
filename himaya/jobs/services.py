"""Starting jobs and recording their progress."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from himaya.audit.services import audit_record
from himaya.jobs.files import PART_SUFFIX, is_disk_full
from himaya.jobs.handlers import handler_for
from himaya.jobs.models import Job

log = logging.getLogger(__name__)

# Sent for each job marked failed because its worker died, so that the app that owns the
# work can mark its own records (an import, a deduplication run) as stopped too.
job_reaped = Signal()


def heartbeat_seconds() -> int:
    return int(getattr(settings, "HIMAYA_JOB_HEARTBEAT_SECONDS", 30))


def stale_after() -> dt.timedelta:
    """A running job whose heartbeat is older than this has lost its worker."""
    return dt.timedelta(seconds=int(getattr(settings, "HIMAYA_JOB_STALE_SECONDS", 600)))


def jobs_directory() -> Path:
    path = Path(settings.MEDIA_ROOT) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


@transaction.atomic
def job_start(
    *, kind: str, owner: Any, organisation_id: int | None = None, parameters: dict | None = None
) -> Job:
    """Record the job and queue it once the row is committed."""
    handler_for(kind)  # refuse unknown kinds now, not in the worker
    job = Job.objects.create(
        kind=kind, owner=owner, organisation_id=organisation_id, parameters=parameters or {}
    )
    audit_record(actor=owner, kind="create", action="job.start", target=job,
                 organisation_id=organisation_id)
    from himaya.jobs.tasks import run_job

    transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job


def job_progress(job: Job, done: int, total: int, stage: str = "") -> None:
    """Written with an UPDATE outside the handler's transaction so that pages see it move."""
    job.progress_done, job.progress_total, job.stage = done, total, stage[:120]
    Job.objects.filter(pk=job.pk).update(progress_done=done, progress_total=total, stage=stage[:120],
                                         heartbeat_at=timezone.now())


class _Heartbeat(threading.Thread):
    """Touches the row while the handler runs, even through long steps without progress.

    A killed worker stops beating; `job_reap_stale` then fails its job. The thread uses its
    own connection and closes it when the job ends.
    """

    def __init__(self, job_id: int) -> None:
        super().__init__(daemon=True, name=f"job-{job_id}-heartbeat")
        self.job_id = job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(heartbeat_seconds()):
                Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                    heartbeat_at=timezone.now())
        except Exception:  # a missed beat is not worth a crash; the next one may pass
            log.warning("job %s: heartbeat failed", self.job_id, exc_info=True)
        finally:
            connection.close()


def _reconnect_if_dropped() -> None:
    """A dropped database connection cannot record the failure: let the next query open a new one.

    Only outside a transaction: inside one, closing would lose the caller's work.
    """
    if not connection.in_atomic_block and connection.errors_occurred and not connection.is_usable():
        connection.close()


def _failure_message(job: Job, error: BaseException) -> str:
    """What the owner reads, in their language: a full disk said plainly, other errors as raised."""
    if not is_disk_full(error):
        return str(error)[:2000]
    with translation.override(getattr(job.owner, "preferred_language", None) or settings.LANGUAGE_CODE):
        return _("The server's disk is full: the file could not be written and nothing of it was kept. "
                 "Try again later, or tell your administrator.")


def job_run(job_id: int) -> Job:
    """Run one job to the end; a failure is recorded on the row, never half-applied."""
    job_reap_stale()  # a worker that starts after a crash clears what the dead one left
    job = Job.objects.select_related("owner").get(pk=job_id)
    if job.is_finished:
        return job  # a redelivered task does nothing twice
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, attempts=job.attempts + 1
    )
    job.refresh_from_db()
    heartbeat = _Heartbeat(job.pk)
    heartbeat.start()
    try:
        result = handler_for(job.kind)(job, lambda d, t, s="": job_progress(job, d, t, s))
    except Exception as error:  # the job records any failure for the user to see
        log.exception("job %s (%s) failed", job.pk, job.kind)
        _reconnect_if_dropped()
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED, error=_failure_message(job, error), finished_at=timezone.now()
        )
    else:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.SUCCEEDED, result=result or {}, finished_at=timezone.now(),
            result_file=job.result_file, result_filename=job.result_filename,
        )
    finally:
        heartbeat.stopped.set()
    job.refresh_from_db()
    return job


def _fail_task_rows(job_id: int, now: dt.datetime) -> None:
    """django-tasks' database backend never reclaims a task whose worker died: close its row too."""
    if not apps.is_installed("django_tasks_db"):
        return
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, task_path="himaya.jobs.tasks.run_job", args_kwargs__args=[job_id],
    ).update(status=TaskResultStatus.FAILED, finished_at=now, return_value=None,
             exception_class_path="himaya.jobs.services.WorkerStopped",
             traceback="The worker stopped while running this task (himaya jobs-reap).")


def job_reap_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Fail the jobs whose worker died (no heartbeat for `stale_after()`); remove what they left.

    The handlers write the database in one transaction, which died with the worker's
    connection; files are written as `.part` and renamed when complete, so only `.part`
    files can remain, and those older than the limit belong to no live writer.
    """
    now = now or timezone.now()
    limit = now - stale_after()
    stale = list(Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=limit)
                 .select_related("owner"))
    stale += Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__isnull=True,
                                started_at__lt=limit).select_related("owner")
    reaped: list[int] = []
    for job in stale:
        with translation.override(getattr(job.owner, "preferred_language", None) or settings.LANGUAGE_CODE):
            message = _("The worker stopped while this job was running; nothing of it was kept. "
                        "Start it again.")
        # Conditional on the status, so that a job finishing at this moment is left alone.
        if Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
                status=Job.Status.FAILED, error=message, finished_at=now, result_file=""):
            reaped.append(job.pk)
            _fail_task_rows(job.pk, now)
            log.warning("job %s (%s) failed: its worker stopped", job.pk, job.kind)
            job_reaped.send(sender=Job, job=job)
    directory = jobs_directory()
    for part in directory.glob(f".*{PART_SUFFIX}"):
        modified = dt.datetime.fromtimestamp(part.stat().st_mtime, tz=dt.UTC)
        if modified < limit:
            part.unlink(missing_ok=True)
    return reaped

