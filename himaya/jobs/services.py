"""Starting jobs and recording their progress."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from himaya.audit.services import audit_record
from himaya.jobs.handlers import handler_for
from himaya.jobs.models import Job

log = logging.getLogger(__name__)


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
    Job.objects.filter(pk=job.pk).update(progress_done=done, progress_total=total, stage=stage[:120])


def job_run(job_id: int) -> Job:
    """Run one job to the end; a failure is recorded on the row, never half-applied."""
    job = Job.objects.get(pk=job_id)
    if job.is_finished:
        return job  # a redelivered task does nothing twice
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), attempts=job.attempts + 1
    )
    job.refresh_from_db()
    try:
        result = handler_for(job.kind)(job, lambda d, t, s="": job_progress(job, d, t, s))
    except Exception as error:  # the job records any failure for the user to see
        log.exception("job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
    else:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.SUCCEEDED, result=result or {}, finished_at=timezone.now(),
            result_file=job.result_file, result_filename=job.result_filename,
        )
    job.refresh_from_db()
    return job


def job_fail_stale(*, older_than_minutes: int = 60) -> int:
    """Mark as failed the jobs whose worker died (still running long after they started)."""
    limit = timezone.now() - timezone.timedelta(minutes=older_than_minutes)
    return Job.objects.filter(status=Job.Status.RUNNING, started_at__lt=limit).update(
        status=Job.Status.FAILED, error="worker stopped", finished_at=timezone.now()
    )
