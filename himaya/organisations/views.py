from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from himaya.accounts.access import allow
from himaya.accounts.roles import MISSION_STAFF, OUTSIDE_VIEWERS, PARTNER_STAFF
from himaya.organisations import queries

READERS = MISSION_STAFF | OUTSIDE_VIEWERS | PARTNER_STAFF


@allow(READERS)
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = queries.organisations_visible_to(request.user)
    kind = request.GET.get("kind", "")
    if kind:
        organisations = organisations.filter(kind=kind)
    return render(
        request,
        "organisations/organisation_list.html",
        {"organisations": organisations, "kind": kind},
    )


@allow(READERS)
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = queries.organisation_for_user(request.user, pk)
    agreements = queries.agreements_visible_to(request.user).filter(partner=organisation)
    return render(
        request,
        "organisations/organisation_detail.html",
        {"organisation": organisation, "agreements": agreements},
    )


@allow(READERS)
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = queries.programmes_visible_to(request.user)
    return render(request, "organisations/programme_list.html", {"programmes": programmes})


@allow(READERS)
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = queries.programme_for_user(request.user, pk)
    agreements = (
        queries.agreements_visible_to(request.user)
        .filter(programme=programme)
        .prefetch_related("regions")
    )
    return render(
        request,
        "organisations/programme_detail.html",
        {"programme": programme, "agreements": agreements},
    )
