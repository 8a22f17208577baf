"""The import jobs: thin, they find the import and call its service."""

from __future__ import annotations

from typing import Any

from himaya.intake import services
from himaya.intake.models import ImportBatch
from himaya.jobs.handlers import Progress
from himaya.jobs.models import Job


def check_job(job: Job, progress: Progress) -> dict[str, Any]:
    batch = ImportBatch.objects.select_related("organisation").get(pk=job.parameters["import"])
    return services.import_check(batch, progress)


def apply_job(job: Job, progress: Progress) -> dict[str, Any]:
    batch = ImportBatch.objects.select_related("organisation").get(pk=job.parameters["import"])
    return services.import_apply(batch, job, progress)
