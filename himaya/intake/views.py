"""Import pages: upload, the report of every problem, the choice of how to apply, templates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from himaya.accounts.access import allow
from himaya.audit.services import audit_record
from himaya.intake import services, template_workbook, xlsform
from himaya.intake.forms import ImportApplyForm, ImportUploadForm
from himaya.intake.queries import import_for_user, imports_visible_to
from himaya.intake.services import IMPORTERS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROBLEMS_PER_PAGE = 200


def _no_store(response: HttpResponse) -> HttpResponse:
    # Import reports quote names and phones: never kept by a browser or a proxy (P11).
    response["Cache-Control"] = "no-store"
    return response


@allow(IMPORTERS)
def import_list(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            organisation = services.import_organisation_for(request.user, form.cleaned_data.get("partner"))
            batch = services.import_create(
                actor=request.user, organisation=organisation, upload=upload, filename=upload.name,
                size=upload.size, language=get_language(),
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("intake:import-detail", pk=batch.pk)
    return _no_store(render(request, "intake/import_list.html", {
        "form": form, "imports": imports_visible_to(request.user)[:50],
    }))


@allow(IMPORTERS)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = import_for_user(request.user, pk)
    report = batch.report_data
    problems = Paginator(report.get("problems", []), PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    if report.get("problems"):
        # The problems quote cell values (names, phones): showing them is a read of identifying data.
        audit_record(actor=request.user, kind="view", action="import.report_view", target=batch,
                     organisation_id=batch.organisation_id, fields=["report"])
    previous = services.same_file_imported_before(batch)
    return _no_store(render(request, "intake/import_detail.html", {
        "batch": batch, "report": report, "problems": problems, "previous": previous,
        "apply_form": ImportApplyForm(batch=batch) if batch.may_apply else None,
        "job": batch.apply_job or batch.validation_job,
    }))


@allow(IMPORTERS)
@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    batch = import_for_user(request.user, pk)
    form = ImportApplyForm(request.POST, batch=batch)
    if form.is_valid():
        try:
            services.import_apply_start(actor=request.user, batch=batch, mode=form.cleaned_data["mode"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The import is being applied; this page shows its progress."))
    else:
        messages.error(request, _("Choose how to apply the import."))
    return redirect("intake:import-detail", pk=batch.pk)


@allow(IMPORTERS)
def template_xlsx(request: HttpRequest) -> HttpResponse:
    language = (get_language() or "fr").split("-")[0]
    response = HttpResponse(template_workbook.people_template(language), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="himaya-people-{language}.xlsx"'
    return response


@allow(IMPORTERS)
def template_xlsform(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(xlsform.people_xlsform(), content_type=XLSX)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="himaya-people-xlsform-{stamp}.xlsx"'
    return response
