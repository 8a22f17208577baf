"""Reports for the mission and the donor, and the open datasets anyone may download."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from himaya.accounts.access import allow, public
from himaya.accounts.roles import MISSION_STAFF, OUTSIDE_VIEWERS
from himaya.accounts.scopes import fetch_or_404
from himaya.jobs.services import job_start
from himaya.monitoring.queries import programme_for_user, programmes_visible_to
from himaya.organisations.models import Programme
from himaya.reporting import donor_report, iati, open_data
from himaya.reporting.forms import DonorReportForm

READERS = MISSION_STAFF | OUTSIDE_VIEWERS


@allow(READERS)
def home(request: HttpRequest) -> HttpResponse:
    programmes = programmes_visible_to(request.user)
    return render(request, "reporting/home.html", {
        "programmes": [(p, DonorReportForm(programme=p, prefix=str(p.pk))) for p in programmes],
    })


@allow(READERS)
@require_POST
def donor_report_start(request: HttpRequest, pk: int) -> HttpResponse:
    programme = programme_for_user(request.user, pk)
    form = DonorReportForm(request.POST, programme=programme, prefix=str(programme.pk))
    if not form.is_valid():
        return render(request, "reporting/home.html", {"programmes": [(programme, form)]},
                      status=400)
    period = form.cleaned_data["period"]
    job = job_start(kind=donor_report.JOB_KIND, owner=request.user, parameters={
        "programme_id": programme.pk, "period_id": period.pk if period else None,
        "language": form.cleaned_data["language"], "format": form.cleaned_data["format"],
    })
    return redirect("jobs:job-detail", pk=job.pk)


def _download(content: bytes | str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@public
def open_hxl(request: HttpRequest) -> HttpResponse:
    return _download(open_data.hxl_csv(), "himaya-figures-hxl.csv", "text/csv; charset=utf-8")


@public
def open_5w(request: HttpRequest) -> HttpResponse:
    return _download(
        open_data.five_w_xlsx(), "himaya-5w.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@public
def open_iati(request: HttpRequest, code: str) -> HttpResponse:
    programme = fetch_or_404(Programme.objects.all(), code=code)
    return _download(iati.activity_xml([programme]), f"iati-{programme.code}.xml",
                     "application/xml; charset=utf-8")


