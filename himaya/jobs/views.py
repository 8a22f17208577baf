from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from himaya.accounts.access import allow
from himaya.accounts.roles import EVERY_ROLE
from himaya.audit.services import audit_record
from himaya.jobs.queries import job_for_user, jobs_visible_to
from himaya.jobs.services import jobs_directory


@allow(EVERY_ROLE)
def job_list(request: HttpRequest) -> HttpResponse:
    return render(request, "jobs/job_list.html", {"jobs": jobs_visible_to(request.user)[:100]})


@allow(EVERY_ROLE)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_for_user(request.user, pk)
    return render(request, "jobs/job_detail.html", {"job": job})


@allow(EVERY_ROLE)
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment that the page polls while the job runs (htmx)."""
    job = job_for_user(request.user, pk)
    response = render(request, "jobs/job_progress.html", {"job": job})
    if job.is_finished and request.htmx:
        response["HX-Refresh"] = "true"  # show the full result once
    return response


@allow(EVERY_ROLE)
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = job_for_user(request.user, pk)
    if not job.result_file:
        raise Http404
    path = (jobs_directory() / job.result_file).resolve()
    if jobs_directory().resolve() not in path.parents or not path.exists():
        raise Http404
    audit_record(actor=request.user, kind="export", action="job.download", target=job,
                 organisation_id=job.organisation_id)
    return FileResponse(
        Path(path).open("rb"), as_attachment=True, filename=job.result_filename or path.name
    )
