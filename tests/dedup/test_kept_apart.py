"""A pair strong enough to merge that a contradiction kept apart goes to review, with its reason."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from himaya.dedup import services
from himaya.dedup.clustering import DECIDED_DIFFERENT, cluster
from himaya.dedup.conflicts import BIRTH_DATES
from himaya.dedup.matching import DedupResult
from himaya.dedup.model import Thresholds, TrainedModel
from himaya.dedup.models import CandidatePair, DedupRun
from tests.dedup.factories import twice_registered
from tests.registry.factories import make_person


def test_clustering_says_why_a_strong_pair_was_refused() -> None:
    refused: dict[tuple[str, str], str] = {}
    clusters = cluster(["a", "b", "c"], [("a", "b", 12.0), ("b", "c", 11.0)], threshold=4.0,
                       conflicts=lambda x, y: BIRTH_DATES if {x, y} == {"a", "c"} else "",
                       refused=refused)
    assert clusters["a"] == clusters["b"] != clusters["c"]
    assert refused == {("b", "c"): BIRTH_DATES}

    refused = {}
    cluster(["a", "b", "c"], [("a", "b", 12.0), ("b", "c", 11.0)], threshold=4.0,
            cannot_link=[("a", "c")], refused=refused)
    assert refused == {("b", "c"): DECIDED_DIFFERENT}


def _run_with(monkeypatch, result: DedupResult) -> DedupRun:
    monkeypatch.setattr(services, "deduplicate", lambda *args, **kwargs: result)
    run = DedupRun.objects.create(auto_merge=4.0, review=0.0)
    return services.dedup_run(run=run)


def test_a_pair_kept_apart_is_in_the_review_band_with_its_reason(world, monkeypatch):
    keep, other = twice_registered(world.partner_a)
    third = make_person(world.partner_a, given_name="Fatoumata", family_name="Diallo",
                        birth_precision="exact", birth_date="1994-11-03", birth_year="1994",
                        phone="0612345678", documents=[])
    a, b, c = str(keep.pk), str(other.pk), str(third.pk)
    # keep ~ other merged; other ~ third above the auto-merge weight, kept apart
    # because keep and third have two full birth dates that cannot be one person's.
    result = DedupResult(
        clusters={a: a, b: a, c: c},
        review=[(b, c, 9.0)],
        auto_merged_pairs=1,
        model=TrainedModel({}, Thresholds()),
        kept_apart={(b, c): BIRTH_DATES},
    )
    run = _run_with(monkeypatch, result)
    merged = CandidatePair.objects.get(person_low=min(keep.pk, other.pk),
                                       person_high=max(keep.pk, other.pk))
    apart = CandidatePair.objects.get(person_low=min(other.pk, third.pk),
                                      person_high=max(other.pk, third.pk))
    assert merged.band == CandidatePair.Band.AUTO and not merged.kept_apart
    # Not "auto": it was not merged, whatever its weight.
    assert apart.band == CandidatePair.Band.REVIEW and apart.kept_apart == BIRTH_DATES
    assert (run.pairs_auto, run.pairs_review) == (1, 1)

    client = world.client_for("coord_a")
    queue = client.get(reverse("dedup:review-queue")).content.decode()
    assert queue.count('data-testid="kept-apart"') == 1
    expected = {
        "fr": "Gardées séparées : contradiction",
        "en": "Kept apart: contradiction",
        "ar": "أُبقيتا منفصلتين: تناقض",
    }
    for language, heading in expected.items():
        with translation.override(language):
            reason = str(CandidatePair.KeptApart.BIRTH_DATES.label)
        page = client.get(reverse("dedup:pair-detail", args=[apart.pk]),
                          HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert 'data-testid="kept-apart"' in page
        assert heading in page, language
        assert reason in page.replace("&#x27;", "'"), language
    page = client.get(reverse("dedup:pair-detail", args=[merged.pk])).content.decode()
    assert 'data-testid="kept-apart"' not in page
