"""Data-quality checks run before a report goes out, each linking to the records to fix.

Checks list codes and links, never names: the M&E officer works on pseudonymised data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from himaya.monitoring.models import ReportingPeriod
from himaya.organisations.models import Agreement, Organisation, Programme

# Enough to fix the first batch; the count says how many there are in all.
SAMPLE_SIZE = 25


@dataclass
class Problem:
    label: str
    url: str | None


@dataclass
class Check:
    code: str
    title: Any
    explanation: Any
    count: int | None  # None: the check cannot run here (the data does not exist yet)
    problems: list[Problem] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.count == 0


def _url(name: str, pk: Any) -> str | None:
    try:
        return reverse(name, kwargs={"pk": pk})
    except NoReverseMatch:
        return None


def _deliveries(programme: Programme, period: ReportingPeriod | None) -> Any:
    from himaya.assistance.models import Delivery

    qs = Delivery.objects.filter(programme=programme)
    if period is not None:
        qs = qs.filter(delivered_on__range=(period.start, period.end))
    return qs


def _people_check(programme: Programme, period: ReportingPeriod | None) -> Check:
    from himaya.monitoring.measures import Window, people_reached_queryset

    window = Window(programme, period.start if period else None, period.end if period else None)
    people = people_reached_queryset(window, {}).filter(
        Q(sex__in=["", "not_stated"]) | Q(birth_year__isnull=True)
    ).distinct()
    return Check(
        "missing_sex_or_age", _("People reached without sex or age"),
        _("Their deliveries count in the totals but in no sex or age group of the breakdowns."),
        people.count(),
        [Problem(p.code_display, _url("registry:person-detail", p.pk))
         for p in people.order_by("pk")[:SAMPLE_SIZE]],
    )


def _outside_period(programme: Programme, period: ReportingPeriod | None) -> Check:
    qs = _deliveries(programme, None).exclude(delivered_on__range=(programme.start, programme.end))
    return Check(
        "outside_period", _("Deliveries outside the programme's period"),
        _("Recorded under the programme with a date before its start or after its end."),
        qs.count(),
        [Problem(f"#{d.pk} · {d.delivered_on:%Y-%m-%d}", _url("assistance:delivery-detail", d.pk))
         for d in qs.order_by("delivered_on")[:SAMPLE_SIZE]],
    )


def _outside_regions(programme: Programme, period: ReportingPeriod | None) -> Check:
    regions = list(programme.regions.values_list("pk", flat=True))
    qs = _deliveries(programme, period).filter(
        Q(commune__isnull=False) & ~Q(commune__region_id__in=regions)
        | Q(commune__isnull=True) & ~Q(organisation__region_id__in=regions)
    )
    return Check(
        "outside_regions", _("Deliveries outside the programme's regions"),
        _("Delivered in a region the programme does not cover."),
        qs.count(),
        [Problem(f"#{d.pk} · {d.delivered_on:%Y-%m-%d}", _url("assistance:delivery-detail", d.pk))
         for d in qs.order_by("delivered_on")[:SAMPLE_SIZE]],
    )


def _duplicates(programme: Programme, period: ReportingPeriod | None) -> Check:
    """Possible duplicates waiting for a reviewer (pending or unsure pairs)."""
    from himaya.dedup.queries import pending_count

    title = _("Possible duplicates waiting for review")
    explanation = _("Until they are reviewed, a person registered twice counts twice.")
    pending = pending_count()
    return Check("duplicates", title, explanation, pending,
                 [Problem(str(_("Open the review queue")), reverse("dedup:review-queue"))]
                 if pending else [])


def _silent_partners(programme: Programme, period: ReportingPeriod | None) -> Check:
    start = period.start if period else programme.start
    end = period.end if period else programme.end
    bound = Agreement.objects.filter(programme=programme, start__lte=end, end__gte=start)
    reporting = _deliveries(programme, period).values("organisation_id")
    silent = Organisation.objects.filter(pk__in=bound.values("partner_id")).exclude(
        pk__in=reporting).order_by("name_fr")
    return Check(
        "silent_partners", _("Partners that have not reported this period"),
        _("An agreement runs in the period but no delivery was recorded."),
        silent.count(),
        [Problem(o.name, _url("organisations:organisation-detail", o.pk)) for o in silent],
    )


CHECKS = (_people_check, _outside_period, _outside_regions, _duplicates, _silent_partners)


def run_checks(programme: Programme, period: ReportingPeriod | None = None) -> list[Check]:
    return [check(programme, period) for check in CHECKS]
