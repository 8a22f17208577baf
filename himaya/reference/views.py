"""Options for cascading region → province → commune selects (htmx partials)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from himaya.accounts.access import allow
from himaya.accounts.roles import EVERY_ROLE
from himaya.reference.models import Commune, Province


@allow(EVERY_ROLE)
def province_options(request: HttpRequest) -> HttpResponse:
    provinces = Province.objects.filter(region__code=request.GET.get("region", ""))
    return render(request, "reference/options.html", {"options": provinces})


@allow(EVERY_ROLE)
def commune_options(request: HttpRequest) -> HttpResponse:
    communes = Commune.objects.filter(province__code=request.GET.get("province", ""))
    return render(request, "reference/options.html", {"options": communes})
