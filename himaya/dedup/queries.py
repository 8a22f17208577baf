"""Reads of runs, pairs, merges and alerts, scoped to the user.

The mission's data-protection officer (the protection officer role) and the
mission administrator work on the whole registry: finding one person registered
by two partners is their job. A partner coordinator reviews pairs whose two
people are both in its own caseload, and nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from himaya.accounts.roles import Role
from himaya.accounts.scopes import fetch_or_404, scope_for
from himaya.dedup.models import (
    CandidatePair,
    DedupRun,
    Merge,
    PairStatus,
    ProgrammeThresholds,
    RegistrationAlert,
)
from himaya.registry.models import Person

if TYPE_CHECKING:
    from himaya.dedup.model import Thresholds

WHOLE_REGISTRY = frozenset({Role.MISSION_ADMIN, Role.PROTECTION_OFFICER})
REVIEWERS = WHOLE_REGISTRY | {Role.PARTNER_COORDINATOR}
PAGE_SIZE = 25


def whole_registry(user: Any) -> bool:
    return scope_for(user).role in WHOLE_REGISTRY


def caseload_of(user: Any) -> int | None:
    """The partner whose caseload a coordinator reviews (None: whole registry or nothing)."""
    scope = scope_for(user)
    if scope.role == Role.PARTNER_COORDINATOR and scope.organisation_id is not None:
        return scope.organisation_id
    return None


def absorbed_ids() -> QuerySet[Merge]:
    """Ids of people merged into someone else (and not un-merged)."""
    return Merge.objects.filter(undone_at__isnull=True).values("absorbed_id")


def active_people() -> QuerySet[Person]:
    return Person.objects.exclude(pk__in=absorbed_ids())


def pairs_visible_to(user: Any) -> QuerySet[CandidatePair]:
    qs = CandidatePair.objects.select_related(
        "person_low__organisation", "person_high__organisation", "run")
    if whole_registry(user):
        return qs
    organisation = caseload_of(user)
    if organisation is not None:
        return qs.filter(person_low__organisation_id=organisation,
                         person_high__organisation_id=organisation)
    return qs.none()


def pair_for_user(user: Any, pk: Any) -> CandidatePair:
    return fetch_or_404(pairs_visible_to(user), pk=pk)


def review_queue(
    user: Any, *, status: str = PairStatus.PENDING, band: str = "", cross: str = "",
    min_weight: float | None = None,
) -> QuerySet[CandidatePair]:
    """Pairs to look at, strongest first; pairs with a merged-away person are settled."""
    qs = pairs_visible_to(user)
    if status:
        qs = qs.filter(status=status)
    if status in ("", PairStatus.PENDING, PairStatus.UNSURE):
        merged = absorbed_ids()
        qs = qs.exclude(Q(person_low__in=merged) | Q(person_high__in=merged))
    if band:
        qs = qs.filter(band=band)
    if cross in ("yes", "no"):
        qs = qs.filter(cross_partner=cross == "yes")
    if min_weight is not None:
        qs = qs.filter(weight__gte=min_weight)
    return qs.order_by("-weight", "pk")


def pairs_around(user: Any, pair: CandidatePair, limit: int = 10) -> list[CandidatePair]:
    """Other pairs still open with either person of `pair`, strongest first: someone
    registered five times is one decision's context, not ten separate ones."""
    people = [pair.person_low_id, pair.person_high_id]
    return list(review_queue(user, status="").filter(
        Q(person_low__in=people) | Q(person_high__in=people),
        status__in=[PairStatus.PENDING, PairStatus.UNSURE],
    ).exclude(pk=pair.pk)[:limit])


def pending_count() -> int:
    """Every pair still waiting for a reviewer (data-quality checks)."""
    merged = absorbed_ids()
    return CandidatePair.objects.filter(
        status__in=[PairStatus.PENDING, PairStatus.UNSURE]
    ).exclude(Q(person_low__in=merged) | Q(person_high__in=merged)).count()


def merges_visible_to(user: Any) -> QuerySet[Merge]:
    qs = Merge.objects.select_related("survivor__organisation", "absorbed__organisation",
                                      "merged_by", "undone_by")
    if whole_registry(user):
        return qs
    organisation = caseload_of(user)
    if organisation is not None:
        return qs.filter(survivor__organisation_id=organisation,
                         absorbed__organisation_id=organisation)
    return qs.none()


def merge_for_user(user: Any, pk: Any) -> Merge:
    return fetch_or_404(merges_visible_to(user), pk=pk)


def runs_visible_to(user: Any) -> QuerySet[DedupRun]:
    qs = DedupRun.objects.select_related("organisation", "programme", "job", "started_by")
    if whole_registry(user):
        return qs
    organisation = caseload_of(user)
    if organisation is not None:
        return qs.filter(organisation_id=organisation)
    return qs.none()


def run_for_user(user: Any, pk: Any) -> DedupRun:
    return fetch_or_404(runs_visible_to(user), pk=pk)


def alerts_visible_to(user: Any) -> QuerySet[RegistrationAlert]:
    """Registration alerts across partners: for the mission's data-protection officer only."""
    if not whole_registry(user):
        return RegistrationAlert.objects.none()
    return RegistrationAlert.objects.select_related("organisation", "matched__organisation",
                                                    "new_person", "pair")


def cannot_link(person_ids: set[int] | None = None) -> list[tuple[str, str]]:
    """Pairs judged "different people": passed to the engine so they never cluster."""
    qs = CandidatePair.objects.filter(status=PairStatus.DIFFERENT)
    pairs = qs.values_list("person_low_id", "person_high_id")
    return [(str(a), str(b)) for a, b in pairs
            if person_ids is None or (a in person_ids and b in person_ids)]


def thresholds_for(programme: Any) -> Thresholds:
    from himaya.dedup.model import Thresholds  # the engine loads DuckDB: only when needed

    if programme is not None:
        row = ProgrammeThresholds.objects.filter(programme=programme).first()
        if row is not None:
            return Thresholds(auto_merge=row.auto_merge, review=row.review)
    return Thresholds()


def active_merge_of(person: Person) -> Merge | None:
    """The merge that absorbed `person` into a survivor, if it stands."""
    return Merge.objects.select_related("survivor").filter(
        absorbed=person, undone_at__isnull=True).first()


def merges_into(person: Person) -> QuerySet[Merge]:
    return Merge.objects.select_related("absorbed").filter(survivor=person, undone_at__isnull=True)


def strong_pairs(run: DedupRun, user: Any, *, system: bool = False) -> QuerySet[CandidatePair]:
    """The run's pairs the engine would have merged, still waiting and visible to `user`.

    Pairs a contradiction kept apart are in the review band, so never here; pairs
    whose person has been merged away since are settled. `system`: the command
    line, which has no user and works on the run's whole scope.
    """
    merged = absorbed_ids()
    return ((CandidatePair.objects.all() if system else pairs_visible_to(user))
            .filter(run=run, band=CandidatePair.Band.AUTO, status=PairStatus.PENDING)
            .exclude(Q(person_low__in=merged) | Q(person_high__in=merged)))


def strong_groups(run: DedupRun, user: Any, *, system: bool = False) -> list[list[CandidatePair]]:
    """`strong_pairs` grouped as the engine clustered them: each group is one person.

    A run stores a cluster as pairs from one record to each other one, so the
    connected components of the strong pairs are the clusters; a group's pairs
    come strongest first, and groups in the order of their first person.
    """
    pairs = list(strong_pairs(run, user, system=system).order_by("-weight", "pk"))
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        a, b = find(pair.person_low_id), find(pair.person_high_id)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[CandidatePair]] = {}
    for pair in pairs:
        groups.setdefault(find(pair.person_low_id), []).append(pair)
    return [groups[root] for root in sorted(groups)]


def reviewers_decisions() -> list[tuple[float, bool]]:
    """(weight, judged the same person) of every pair a reviewer decided, whole registry.

    Pairs merged in bulk from a run's strong band (their decision is `automatic`) are
    not a reviewer's judgement of that pair, so they are left out (decision 0310).
    """
    decided = (CandidatePair.objects
               .filter(status__in=[PairStatus.SAME, PairStatus.DIFFERENT])
               .exclude(decisions__automatic=True))
    return [(w, s == PairStatus.SAME) for w, s in decided.values_list("weight", "status")]


def waiting_weights() -> list[float]:
    """Weights of the pairs still waiting for a reviewer, whole registry."""
    merged = absorbed_ids()
    return list(CandidatePair.objects.filter(status__in=[PairStatus.PENDING, PairStatus.UNSURE])
                .exclude(Q(person_low__in=merged) | Q(person_high__in=merged))
                .values_list("weight", flat=True))


def programme_thresholds() -> list[tuple[Any, Thresholds, bool]]:
    """Every programme with the thresholds its runs use, and whether they are its own."""
    from himaya.dedup.model import Thresholds
    from himaya.organisations.models import Programme

    own = {row.programme_id: row for row in ProgrammeThresholds.objects.all()}
    return [(p, Thresholds(auto_merge=own[p.pk].auto_merge, review=own[p.pk].review)
             if p.pk in own else Thresholds(), p.pk in own)
            for p in Programme.objects.order_by("code")]
