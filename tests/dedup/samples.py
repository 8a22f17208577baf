"""Sample path arguments for the deduplication routes: objects of partner A's caseload."""

from __future__ import annotations

from typing import Any

from tests.access_samples import Sample
from tests.registry.samples import person_of_a


def _pair(world: Any) -> Any:
    from tests.dedup.factories import pair_of
    from tests.registry.factories import make_person

    cached = getattr(world, "_dedup_pair", None)
    if cached is None:
        other = make_person(world.partner_a, given_name="Aminata", family_name="Dialo",
                            region="01", documents=[])
        cached = pair_of(person_of_a(world), other, detail=[])
        world._dedup_pair = cached
    return cached


def _merge(world: Any) -> Any:
    from himaya.dedup.services import person_merge
    from tests.registry.factories import make_person

    cached = getattr(world, "_dedup_merge", None)
    if cached is None:
        keep = make_person(world.partner_a, given_name="Kadiatou", family_name="Bah",
                           region="01", documents=[])
        gone = make_person(world.partner_a, given_name="Khadija", family_name="Bah",
                           region="01", documents=[])
        cached = person_merge(survivor=keep, absorbed=gone, actor=None)
        world._dedup_merge = cached
    return cached


def _run(world: Any) -> Any:
    from himaya.dedup.models import DedupRun

    cached = getattr(world, "_dedup_run", None)
    if cached is None:
        cached = DedupRun.objects.create(organisation=world.partner_a, auto_merge=9, review=2)
        world._dedup_run = cached
    return cached


def _name_row(world: Any) -> Any:
    from himaya.dedup.models import NameEquivalent

    cached = getattr(world, "_dedup_name_row", None)
    if cached is None:
        cached = NameEquivalent.objects.create(group="Kadiatou", variants="Kadi")
        world._dedup_name_row = cached
    return cached


SAMPLES = {
    "dedup:name-remove": Sample(lambda w: {"pk": _name_row(w).pk}),
    "api-dedup-name-detail": Sample(lambda w: {"pk": _name_row(w).pk}),
    "dedup:pair-detail": Sample(lambda w: {"pk": _pair(w).pk}, owner="a"),
    "dedup:pair-decide": Sample(lambda w: {"pk": _pair(w).pk}, owner="a"),
    "dedup:merge-undo": Sample(lambda w: {"pk": _merge(w).pk}, owner="a"),
    "dedup:run-detail": Sample(lambda w: {"pk": _run(w).pk}, owner="a"),
    "dedup:run-merge-strong": Sample(lambda w: {"pk": _run(w).pk}, owner="a"),
    "dedup:person-panel": Sample(lambda w: {"pk": person_of_a(w).pk}, owner="a"),
    "api-dedup-pair-detail": Sample(lambda w: {"pk": _pair(w).pk}, owner="a"),
    "api-dedup-pair-decide": Sample(lambda w: {"pk": _pair(w).pk}, owner="a"),
    "api-dedup-run-detail": Sample(lambda w: {"pk": _run(w).pk}, owner="a"),
    "api-dedup-run-merge-strong": Sample(lambda w: {"pk": _run(w).pk}, owner="a"),
}
