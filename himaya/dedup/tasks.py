"""The deduplication job, and the hook that links a saved person to its registration alerts."""

from __future__ import annotations

import logging
from typing import Any

from himaya.dedup.models import DedupRun
from himaya.jobs.handlers import Progress
from himaya.jobs.models import Job

RUN_JOB = "dedup.run"
MERGE_STRONG_JOB = "dedup.merge_strong"
# `services` is imported inside the functions: it loads the engine (DuckDB, Arrow),
# which every process need not pay for at start-up (this module is imported by ready()).


def run_job(job: Job, progress: Progress) -> dict[str, Any]:
    from himaya.dedup import services

    run = DedupRun.objects.get(pk=job.parameters["run"])
    try:
        run = services.dedup_run(run=run, progress=progress)
    except Exception as error:
        services.dedup_run_fail(run=run, error=str(error))
        raise
    return {"run": run.pk, "records": run.records, "pairs_review": run.pairs_review,
            "pairs_auto": run.pairs_auto, "pairs_known": run.pairs_known}


def merge_strong_job(job: Job, progress: Progress) -> dict[str, Any]:
    from himaya.dedup import services

    run = DedupRun.objects.get(pk=job.parameters["run"])
    return services.strong_pairs_merge(run=run, actor=job.owner, progress=progress)


def job_reaped(sender: Any, job: Job, **kwargs: Any) -> None:
    """A worker killed mid-run: the run is failed too (its pairs were never committed)."""
    if job.kind != RUN_JOB:
        return
    from himaya.dedup import services

    for run in DedupRun.objects.filter(job=job, status__in=[DedupRun.Status.QUEUED,
                                                           DedupRun.Status.RUNNING]):
        services.dedup_run_fail(run=run, error=job.error or "worker stopped")


def person_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    # Only new registrations matter; one indexed query when no alert is open.
    if created and not raw and instance.name_index:
        from himaya.dedup import services

        try:
            services.registration_alert_link(person=instance)
        except Exception:  # a failed link must never stop a registration
            logging.getLogger(__name__).exception("registration alert link for %s", instance.pk)
