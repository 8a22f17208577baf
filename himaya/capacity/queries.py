"""Reads of association capacity, scoped to the user; and the results the framework counts.

Outside viewers (donor, government) reach progress — statuses, counts, percentages —
but never the association staff's personal data: `staff_visible_to` is empty for them
and `shows_staff(user)` tells templates and serializers to leave names out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, DateField, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Least
from django.utils import timezone

from himaya.accounts.roles import Role
from himaya.accounts.scopes import Scope, fetch_or_404, scope_for
from himaya.capacity.lifecycle import EDITORS
from himaya.capacity.models import (
    SCORE_MAX,
    SCORE_MIN,
    Action,
    ActionStatus,
    Assessment,
    AssessmentDomain,
    AssessmentScore,
    AssociationProfile,
    AssociationStaff,
    Attendance,
    Event,
    Evidence,
    FollowUp,
    Headcount,
    Objective,
    Roadmap,
    RoadmapRevision,
    RoadmapStatus,
    Session,
)
from himaya.organisations.models import Organisation, Programme
from himaya.reference.models import Region


def _partner_filter(scope: Scope, field: str) -> Q | None:
    """None: everything; a Q: only these rows; Q(pk__in=[]): nothing."""
    if scope.is_mission or scope.is_outside_viewer:
        return None
    if scope.is_partner and scope.organisation_id is not None:
        return Q(**{field: scope.organisation_id})
    return Q(pk__in=[])


def _scoped(qs: QuerySet, user: Any, field: str) -> QuerySet:
    condition = _partner_filter(scope_for(user), field)
    return qs if condition is None else qs.filter(condition)


def shows_staff(user: Any) -> bool:
    """Whether the user may see association staff's names and contacts."""
    scope = scope_for(user)
    return scope.is_mission or scope.is_partner


def can_edit(user: Any) -> bool:
    return scope_for(user).role in EDITORS


# --- Associations and profiles --------------------------------------------------------------


def associations_visible_to(user: Any) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(kind=Organisation.Kind.PARTNER).select_related("region")
    return _scoped(qs, user, "pk")


def association_for_user(user: Any, pk: Any) -> Organisation:
    return fetch_or_404(associations_visible_to(user), pk=pk)


def association_for_editor(user: Any, pk: Any) -> Organisation:
    """The association a coordinator (own only) or the mission's editors may change."""
    scope = scope_for(user)
    if scope.role not in EDITORS:
        return fetch_or_404(Organisation.objects.none(), pk=pk)
    return association_for_user(user, pk)


def profile_of(organisation: Organisation) -> AssociationProfile | None:
    return AssociationProfile.objects.filter(organisation=organisation).prefetch_related(
        "regions_of_work", "areas_of_work"
    ).first()


def staff_visible_to(user: Any) -> QuerySet[AssociationStaff]:
    if not shows_staff(user):
        return AssociationStaff.objects.none()
    return _scoped(AssociationStaff.objects.all(), user, "organisation_id")


# --- Assessments ----------------------------------------------------------------------------


def domains() -> QuerySet[AssessmentDomain]:
    return AssessmentDomain.objects.filter(is_active=True)


def assessments_visible_to(user: Any) -> QuerySet[Assessment]:
    qs = Assessment.objects.select_related("organisation").prefetch_related(
        Prefetch("scores", queryset=AssessmentScore.objects.select_related("domain"))
    )
    return _scoped(qs, user, "organisation_id")


def assessment_for_user(user: Any, pk: Any) -> Assessment:
    return fetch_or_404(assessments_visible_to(user), pk=pk)


@dataclass
class ChartPoint:
    x: float
    y: float
    label: str
    value: Decimal


@dataclass
class ProgressChart:
    """An association's average score over time, laid out for an inline SVG."""

    width: int = 560
    height: int = 220
    margin: int = 36
    points: list[ChartPoint] = field(default_factory=list)
    gridlines: list[tuple[float, int]] = field(default_factory=list)

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def progress_chart(assessments: list[Assessment]) -> ProgressChart:
    """Scores are 1–4: the y axis is fixed so that two associations' charts compare."""
    chart = ProgressChart()
    inner_w = chart.width - 2 * chart.margin
    inner_h = chart.height - 2 * chart.margin

    def y_of(score: float) -> float:
        return chart.margin + inner_h * (SCORE_MAX - score) / (SCORE_MAX - SCORE_MIN)

    chart.gridlines = [(y_of(s), s) for s in range(SCORE_MIN, SCORE_MAX + 1)]
    rated = [a for a in assessments if a.average is not None]
    for index, assessment in enumerate(rated):
        x = chart.margin + (inner_w * index / (len(rated) - 1) if len(rated) > 1 else inner_w / 2)
        average = assessment.average or Decimal(0)
        chart.points.append(
            ChartPoint(x, y_of(float(average)), f"{assessment.assessed_on:%m/%Y}", average)
        )
    return chart


@dataclass
class ComparisonRow:
    organisation: Organisation
    assessed_on: dt.date | None
    scores: list[int | None]
    average: Decimal | None
    first_average: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.average is None or self.first_average is None:
            return None
        return self.average - self.first_average


def assessment_comparison(user: Any) -> tuple[list[AssessmentDomain], list[ComparisonRow]]:
    """Each association's latest scores per domain, and its change since the first assessment."""
    grid = list(domains())
    by_org: dict[int, list[Assessment]] = defaultdict(list)
    for assessment in assessments_visible_to(user).order_by("assessed_on"):
        by_org[assessment.organisation_id].append(assessment)
    rows = []
    for organisation in associations_visible_to(user):
        history = by_org.get(organisation.pk, [])
        latest = history[-1] if history else None
        scores_by_domain = {s.domain_id: s.score for s in latest.scores.all()} if latest else {}
        rows.append(
            ComparisonRow(
                organisation=organisation,
                assessed_on=latest.assessed_on if latest else None,
                scores=[scores_by_domain.get(d.pk) for d in grid],
                average=latest.average if latest else None,
                first_average=history[0].average if len(history) > 1 else None,
            )
        )
    return grid, rows


# --- Roadmaps -------------------------------------------------------------------------------


def roadmaps_visible_to(user: Any) -> QuerySet[Roadmap]:
    qs = Roadmap.objects.select_related("organisation", "organisation__region", "programme")
    return _scoped(qs, user, "organisation_id")


def roadmap_for_user(user: Any, pk: Any) -> Roadmap:
    return fetch_or_404(roadmaps_visible_to(user), pk=pk)


def roadmap_for_editor(user: Any, pk: Any) -> Roadmap:
    if scope_for(user).role not in EDITORS:
        return fetch_or_404(Roadmap.objects.none(), pk=pk)
    return roadmap_for_user(user, pk)


def objectives_of(roadmap: Roadmap) -> QuerySet[Objective]:
    return roadmap.objectives.select_related("snia_programme").prefetch_related(
        Prefetch(
            "actions",
            queryset=Action.objects.select_related("owner").prefetch_related("evidence"),
        )
    )


def revisions_of(roadmap: Roadmap) -> QuerySet[RoadmapRevision]:
    return roadmap.revisions.select_related("actor").order_by("-at", "-pk")


def objective_for_editor(user: Any, pk: Any) -> Objective:
    scope = scope_for(user)
    qs = Objective.objects.select_related("roadmap", "roadmap__organisation")
    if scope.role not in EDITORS:
        qs = qs.none()
    return fetch_or_404(_scoped(qs, user, "roadmap__organisation_id"), pk=pk)


def actions_visible_to(user: Any) -> QuerySet[Action]:
    qs = Action.objects.select_related(
        "objective", "objective__roadmap", "objective__roadmap__organisation", "owner"
    )
    return _scoped(qs, user, "objective__roadmap__organisation_id")


def action_for_user(user: Any, pk: Any) -> Action:
    return fetch_or_404(actions_visible_to(user), pk=pk)


def action_for_editor(user: Any, pk: Any) -> Action:
    if scope_for(user).role not in EDITORS:
        return fetch_or_404(Action.objects.none(), pk=pk)
    return action_for_user(user, pk)


def evidence_for_user(user: Any, pk: Any) -> Evidence:
    """Evidence may name people (attendance sheets): outside viewers do not download it."""
    if not shows_staff(user):
        return fetch_or_404(Evidence.objects.none(), pk=pk)
    qs = Evidence.objects.select_related("action__objective__roadmap")
    return fetch_or_404(_scoped(qs, user, "action__objective__roadmap__organisation_id"), pk=pk)


@dataclass
class TimelineRow:
    action: Action
    objective: Objective
    start_column: int
    end_column: int


@dataclass
class Timeline:
    months: list[dt.date]
    rows: list[TimelineRow]
    today_column: int | None


MAX_TIMELINE_MONTHS = 60


def _month_index(first: dt.date, day: dt.date) -> int:
    return (day.year - first.year) * 12 + day.month - first.month


def roadmap_timeline(roadmap: Roadmap, today: dt.date | None = None) -> Timeline:
    """Months across the top, one bar per action; columns are CSS grid lines (1-based,
    the first column holds the action's title)."""
    objectives = list(objectives_of(roadmap))
    actions = [(o, a) for o in objectives for a in o.actions.all()]
    first = min([roadmap.start] + [a.start for _o, a in actions]).replace(day=1)
    last = max([roadmap.end] + [a.end for _o, a in actions])
    count = min(_month_index(first, last) + 1, MAX_TIMELINE_MONTHS)
    months = [
        dt.date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
        for i in range(count)
    ]

    def column(day: dt.date) -> int:
        return max(0, min(_month_index(first, day), count - 1)) + 2

    rows = [TimelineRow(a, o, column(a.start), column(a.end) + 1) for o, a in actions]
    today = today or timezone.localdate()
    today_index = _month_index(first, today)
    return Timeline(months, rows, today_index + 2 if 0 <= today_index < count else None)


# --- Dashboards -----------------------------------------------------------------------------


@dataclass
class ProgressCounts:
    """Actions on track, late (or blocked) and done; what outsiders are shown."""

    total: int = 0
    on_track: int = 0
    late: int = 0
    done: int = 0
    budget: Decimal = Decimal(0)

    @property
    def done_percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    def add(self, other: ProgressCounts) -> None:
        self.total += other.total
        self.on_track += other.on_track
        self.late += other.late
        self.done += other.done
        self.budget += other.budget


def _late_condition(today: dt.date) -> Q:
    """Late or blocked as reported, or past its end and not done even if nobody said so.
    Once the programme has closed, lateness is judged at its end date: a closed programme's
    dashboard keeps telling the situation it ended with."""
    judged_on = Least(Value(today, output_field=DateField()), F("objective__roadmap__programme__end"))
    return Q(status__in=[ActionStatus.LATE, ActionStatus.BLOCKED]) | (
        Q(status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS]) & Q(end__lt=judged_on)
    )


def progress_by_roadmap(
    roadmaps: QuerySet[Roadmap], today: dt.date | None = None
) -> dict[int, ProgressCounts]:
    today = today or timezone.localdate()
    late = _late_condition(today)
    rows = (
        Action.objects.filter(objective__roadmap__in=roadmaps)
        .values("objective__roadmap_id")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=ActionStatus.DONE)),
            late=Count("pk", filter=late),
            budget=Sum("budget"),
        )
    )
    result = {}
    for row in rows:
        result[row["objective__roadmap_id"]] = ProgressCounts(
            total=row["total"], done=row["done"], late=row["late"],
            on_track=row["total"] - row["done"] - row["late"], budget=row["budget"] or Decimal(0),
        )
    return result


@dataclass
class DashboardRow:
    roadmap: Roadmap
    counts: ProgressCounts


@dataclass
class RegionRow:
    region: Region | None
    associations: int = 0
    validated: int = 0
    counts: ProgressCounts = field(default_factory=ProgressCounts)


@dataclass
class Dashboard:
    rows: list[DashboardRow]
    regions: list[RegionRow]
    totals: ProgressCounts
    by_status: dict[str, int]


def dashboard(
    user: Any,
    *,
    programme: Programme | None = None,
    region: Region | None = None,
    today: dt.date | None = None,
) -> Dashboard:
    """Progress per association, per region and for the programme."""
    roadmaps = roadmaps_visible_to(user)
    if programme is not None:
        roadmaps = roadmaps.filter(programme=programme)
    if region is not None:
        roadmaps = roadmaps.filter(organisation__region=region)
    counts = progress_by_roadmap(roadmaps, today)
    rows = [DashboardRow(r, counts.get(r.pk, ProgressCounts())) for r in roadmaps]
    totals = ProgressCounts()
    regions: dict[int | None, RegionRow] = {}
    for row in rows:
        totals.add(row.counts)
        region_row = regions.setdefault(
            row.roadmap.organisation.region_id, RegionRow(row.roadmap.organisation.region)
        )
        region_row.associations += 1
        region_row.validated += row.roadmap.status == RoadmapStatus.VALIDATED
        region_row.counts.add(row.counts)
    by_status = Counter(r.roadmap.status for r in rows)
    return Dashboard(
        rows=rows,
        regions=sorted(regions.values(), key=lambda r: r.region.code if r.region else ""),
        totals=totals,
        by_status={s: by_status.get(s, 0) for s in RoadmapStatus.values},
    )


# --- Accompaniment and events ---------------------------------------------------------------


def sessions_visible_to(user: Any) -> QuerySet[Session]:
    qs = Session.objects.select_related("organisation", "programme")
    return _scoped(qs, user, "organisation_id")


def session_for_user(user: Any, pk: Any) -> Session:
    return fetch_or_404(sessions_visible_to(user), pk=pk)


def session_for_editor(user: Any, pk: Any) -> Session:
    if scope_for(user).role not in EDITORS:
        return fetch_or_404(Session.objects.none(), pk=pk)
    return session_for_user(user, pk)


def follow_up_for_editor(user: Any, pk: Any) -> FollowUp:
    qs = FollowUp.objects.select_related("session", "session__organisation")
    if scope_for(user).role not in EDITORS:
        qs = qs.none()
    return fetch_or_404(_scoped(qs, user, "session__organisation_id"), pk=pk)


@dataclass
class SessionParticipation:
    attended: int
    by_sex: dict[str, int]


def session_participation(session: Session) -> SessionParticipation:
    """Counts only, for everyone; names are listed separately for those who may see them."""
    by_sex: Counter[str] = Counter()
    for row in session.attendance.filter(attended=True).values("staff__sex"):
        by_sex[row["staff__sex"]] += 1
    for headcount in session.headcounts.all():
        by_sex[headcount.sex] += headcount.count
    return SessionParticipation(sum(by_sex.values()), dict(by_sex))


def events_visible_to(user: Any) -> QuerySet[Event]:
    """Programme events are public occasions: every signed-in role but vendors sees them."""
    scope = scope_for(user)
    if scope.is_mission or scope.is_outside_viewer:
        return Event.objects.select_related("programme")
    if scope.is_partner:
        return Event.objects.filter(
            programme__agreements__partner_id=scope.organisation_id
        ).select_related("programme").distinct()
    return Event.objects.none()


def event_for_user(user: Any, pk: Any) -> Event:
    return fetch_or_404(events_visible_to(user), pk=pk)


# --- Results (for the results framework) ----------------------------------------------------


def associations_with_validated_roadmap(
    *,
    programme: Programme | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[Organisation]:
    """Associations whose roadmap was validated during the period (from the revision history,
    so a roadmap reopened later for a new revision still counts for the period it was validated)."""
    revisions = RoadmapRevision.objects.filter(to_status=RoadmapStatus.VALIDATED)
    if programme is not None:
        revisions = revisions.filter(roadmap__programme=programme)
    if start is not None:
        revisions = revisions.filter(at__date__gte=start)
    if end is not None:
        revisions = revisions.filter(at__date__lte=end)
    return Organisation.objects.filter(
        pk__in=revisions.values("roadmap__organisation_id")
    ).order_by("name_fr")


def actions_completed(
    *,
    programme: Programme | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    organisations: QuerySet[Organisation] | None = None,
) -> QuerySet[Action]:
    qs = Action.objects.filter(status=ActionStatus.DONE)
    if programme is not None:
        qs = qs.filter(objective__roadmap__programme=programme)
    if start is not None:
        qs = qs.filter(completed_on__gte=start)
    if end is not None:
        qs = qs.filter(completed_on__lte=end)
    if organisations is not None:
        qs = qs.filter(objective__roadmap__organisation__in=organisations)
    return qs


TRAINING_KINDS = [Session.Kind.TRAINING, Session.Kind.WORKSHOP, Session.Kind.COMMUNITY]


def people_trained(
    *,
    programme: Programme | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    organisations: QuerySet[Organisation] | None = None,
) -> dict[tuple[str, str], int]:
    """People trained, by (sex, age group). Named staff count once however many trainings they
    attended; community sessions add their headcounts (anonymous, so they cannot be deduplicated)."""
    sessions = Session.objects.filter(kind__in=TRAINING_KINDS)
    if programme is not None:
        sessions = sessions.filter(programme=programme)
    if start is not None:
        sessions = sessions.filter(held_on__gte=start)
    if end is not None:
        sessions = sessions.filter(held_on__lte=end)
    if organisations is not None:
        sessions = sessions.filter(organisation__in=organisations)
    cells: Counter[tuple[str, str]] = Counter()
    staff = (
        AssociationStaff.objects.filter(
            pk__in=Attendance.objects.filter(session__in=sessions, attended=True).values("staff_id")
        )
        .values("sex", "age_group")
        .annotate(n=Count("pk"))
    )
    for row in staff:
        cells[(row["sex"], row["age_group"])] += row["n"]
    for row in (
        Headcount.objects.filter(session__in=sessions)
        .values("sex", "age_group")
        .annotate(n=Sum("count"))
    ):
        cells[(row["sex"], row["age_group"])] += row["n"] or 0
    return dict(cells)


def people_trained_by_sex(**filters: Any) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for (sex, _age), count in people_trained(**filters).items():
        totals[sex] += count
    return dict(totals)


def assessment_averages(user: Any) -> QuerySet[Assessment]:
    """Each visible assessment with its average score, for the API summary."""
    return assessments_visible_to(user).annotate(average_score=Avg("scores__score"))


def is_validator(user: Any) -> bool:
    return scope_for(user).role in {Role.PROGRAMME_MANAGER, Role.MISSION_ADMIN}
