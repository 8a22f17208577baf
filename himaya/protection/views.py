"""Erasure request pages: thin, reading through queries and writing through services."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from himaya.accounts.access import allow
from himaya.protection import queries, services
from himaya.protection.forms import ErasureDecideForm, ErasureRecordForm
from himaya.protection.models import ErasureRequest
from himaya.protection.queries import ERASURE_OFFICERS
from himaya.registry.queries import people_visible_to


@allow(ERASURE_OFFICERS)
def erasure_list(request: HttpRequest) -> HttpResponse:
    # A form body, never a query string: a person's code stays out of the access logs.
    form = ErasureRecordForm(request.POST or None, people=people_visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        erasure = services.erasure_request_record(
            actor=request.user, person=form.person, received_on=form.cleaned_data["received_on"],
            channel=form.cleaned_data["channel"], explanation=form.cleaned_data["explanation"],
        )
        messages.success(request, _("Request recorded; decide on it below."))
        return redirect("protection:erasure-detail", pk=erasure.pk)
    requests = queries.erasure_requests_visible_to(request.user)[:200]
    return render(request, "protection/erasure_list.html", {"form": form, "requests": requests})


@allow(ERASURE_OFFICERS)
def erasure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    erasure = queries.erasure_request_for_user(request.user, pk)
    form = ErasureDecideForm(request.POST or None)
    if request.method == "POST" and erasure.status == ErasureRequest.Status.RECEIVED and form.is_valid():
        services.erasure_request_decide(actor=request.user, request=erasure, **form.cleaned_data)
        messages.success(request, _("Decision recorded and carried out."))
        return redirect("protection:erasure-detail", pk=erasure.pk)
    context = {"erasure": erasure, "form": form,
               "last_activity": services.last_activity(erasure.person)}
    return render(request, "protection/erasure_detail.html", context)
