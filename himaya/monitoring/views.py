"""Pages of the results framework: thin, over queries and services."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from himaya.accounts.access import allow
from himaya.accounts.roles import MISSION_STAFF, OUTSIDE_VIEWERS, Role
from himaya.accounts.scopes import fetch_or_404, scope_for
from himaya.monitoring import measures, quality, queries, services
from himaya.monitoring.forms import IndicatorForm, ManualValueForm, NarrativeForm, PeriodForm
from himaya.monitoring.models import Dimension, Indicator, NarrativeSection

READERS = MISSION_STAFF | OUTSIDE_VIEWERS
# Who edits the framework: the M&E officer, the programme manager and the administrator.
EDITORS = frozenset({Role.ME_OFFICER, Role.PROGRAMME_MANAGER, Role.MISSION_ADMIN})
# Who checks the data before a report: the same, within the mission only.
QUALITY_READERS = EDITORS


def _can_edit(user: Any) -> bool:
    return scope_for(user).role in EDITORS


def _form_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@allow(READERS)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "monitoring/home.html", {
        "programmes": queries.programmes_visible_to(request.user),
    })


@allow(READERS)
def programme(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.programme_for_user(request.user, pk)
    protected = queries.sees_protected_figures(request.user)
    table = queries.results_table(item, protected=protected)
    return render(request, "monitoring/programme.html", {
        "programme": item, "table": table, "can_edit": _can_edit(request.user),
        "protected": protected,
    })


@allow(EDITORS)
@require_POST
def refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """Count again now rather than wait for the cache to expire."""
    item = queries.programme_for_user(request.user, pk)
    queries.actuals(item, fresh=True)
    messages.success(request, _("The results were counted again from the records."))
    return redirect("monitoring:programme", pk=item.pk)


@allow(READERS)
def indicator(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.indicator_for_user(request.user, pk)
    protected = queries.sees_protected_figures(request.user)
    by = tuple(d for d in request.GET.getlist("by") if d in item.disaggregations)[:2]
    breakdown = None
    error = ""
    if by and item.is_computed:
        window = measures.Window(item.programme, item.programme.start, item.programme.end)
        try:
            breakdown = queries.breakdown(item, window, by, protected=protected)
        except measures.DefinitionError as problem:
            error = str(problem)
    labels = dict(Dimension.choices)
    return render(request, "monitoring/indicator.html", {
        "indicator": item, "breakdown": breakdown, "by": by, "error": error,
        "protected": protected, "can_edit": _can_edit(request.user),
        "dimensions": [(d, labels.get(d, d)) for d in item.disaggregations],
        "by_labels": [labels.get(d, d) for d in by],
        "definition": json.dumps(item.definition, ensure_ascii=False),
        "kind": measures.KINDS.get(item.definition.get("kind", "")),
    })


def _indicator_form(request: HttpRequest, programme: Any, item: Indicator | None) -> HttpResponse:
    periods = queries.periods_of(programme)
    if item is not None:
        targets = {t.period_id: t.value for t in item.targets.all()}
        initial = {
            "code": item.code, "title_fr": item.title_fr, "title_ar": item.title_ar,
            "title_en": item.title_en, "outcome": item.outcome, "output": item.output,
            "unit": item.unit, "baseline": item.baseline, "end_target": item.end_target,
            "method": item.method, "definition": json.dumps(item.definition, ensure_ascii=False),
            "disaggregations": item.disaggregations, "sensitive": item.sensitive,
            "counts_people": item.counts_people,
            **{f"target_{p.pk}": targets.get(p.pk) for p in periods},
        }
    else:
        initial = {"method": Indicator.Method.COMPUTED, "definition": '{"kind": "deliveries"}'}
    form = IndicatorForm(request.POST or None, initial=initial, programme=programme,
                         periods=periods)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.indicator_save(
                actor=request.user, programme=programme, indicator=item, code=data["code"],
                title_fr=data["title_fr"], title_ar=data["title_ar"], title_en=data["title_en"],
                unit=data["unit"], baseline=data["baseline"], end_target=data["end_target"],
                method=data["method"], definition=data["definition"],
                disaggregations=data["disaggregations"], sensitive=data["sensitive"],
                counts_people=data["counts_people"],
                outcome=data["outcome"], output=data["output"],
                order=item.order if item else 0,
            )
            for period in periods:
                services.target_set(actor=request.user, indicator=saved, period=period,
                                    value=data.get(f"target_{period.pk}"))
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The indicator was saved."))
            return redirect("monitoring:indicator", pk=saved.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "monitoring/indicator_form.html",
                  {"form": form, "programme": programme, "indicator": item}, status=status)


@allow(EDITORS)
def indicator_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _indicator_form(request, queries.programme_for_user(request.user, pk), None)


@allow(EDITORS)
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.indicator_for_user(request.user, pk)
    return _indicator_form(request, item.programme, item)


@allow(EDITORS)
def manual_value(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.indicator_for_user(request.user, pk)
    form = ManualValueForm(request.POST or None, programme=item.programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.manual_value_record(
                actor=request.user, indicator=item, period=form.cleaned_data["period"],
                value=form.cleaned_data["value"], evidence=form.cleaned_data["evidence"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The value was recorded with its evidence."))
            return redirect("monitoring:indicator", pk=item.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "monitoring/manual_value_form.html",
                  {"form": form, "indicator": item}, status=status)


@allow(EDITORS)
def period_create(request: HttpRequest, pk: int) -> HttpResponse:
    programme = queries.programme_for_user(request.user, pk)
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.period_create(actor=request.user, programme=programme, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return redirect("monitoring:programme", pk=programme.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "monitoring/simple_form.html", {
        "form": form, "programme": programme, "title": _("New reporting period"),
    }, status=status)


@allow(QUALITY_READERS)
def data_quality(request: HttpRequest, pk: int) -> HttpResponse:
    programme = queries.programme_for_user(request.user, pk)
    periods = queries.periods_of(programme)
    period = None
    if request.GET.get("period"):
        period = fetch_or_404(programme.reporting_periods.all(), pk=request.GET["period"])
    return render(request, "monitoring/quality.html", {
        "programme": programme, "periods": periods, "period": period,
        "checks": quality.run_checks(programme, period),
    })


@allow(EDITORS)
def narrative(request: HttpRequest, pk: int) -> HttpResponse:
    programme = queries.programme_for_user(request.user, pk)
    section = None
    if request.GET.get("section"):
        section = fetch_or_404(NarrativeSection.objects.filter(programme=programme),
                               pk=request.GET["section"])
    initial = {}
    if section is not None:
        initial = {name: getattr(section, name) for name in (
            "period", "heading_fr", "body_fr", "heading_en", "body_en", "heading_ar", "body_ar",
            "order")}
    form = NarrativeForm(request.POST or None, initial=initial, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.narrative_save(actor=request.user, programme=programme, section=section,
                                    **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The section was saved."))
            return redirect("monitoring:narrative", pk=programme.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "monitoring/narrative.html", {
        "programme": programme, "form": form, "section": section,
        "sections": NarrativeSection.objects.filter(programme=programme),
    }, status=status)
