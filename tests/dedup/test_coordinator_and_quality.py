"""A coordinator runs over its own caseload only; the data-quality check counts waiting pairs."""

from __future__ import annotations

from django.urls import reverse

from himaya.dedup.models import DedupRun, PairStatus
from himaya.monitoring.quality import run_checks
from tests.dedup.factories import pair_of, twice_registered


def test_a_coordinator_cannot_run_over_another_caseload(world, django_capture_on_commit_callbacks):
    twice_registered(world.partner_b)
    client = world.client_for("coord_a")
    with django_capture_on_commit_callbacks(execute=True):
        # The form has no caseload field for a coordinator: whatever is posted, its own.
        client.post(reverse("dedup:run-list"), {"organisation": str(world.partner_b.pk)})
    run = DedupRun.objects.get()
    assert run.organisation == world.partner_a
    assert run.records == 0 and run.pairs_review == 0
    assert world.client_for("coord_b").get(
        reverse("dedup:run-detail", args=[run.pk])).status_code == 404


def test_the_quality_check_counts_pairs_waiting_for_review(world):
    programme = world.partner_a.agreements.first().programme
    keep, other = twice_registered(world.partner_a)
    pair = pair_of(keep, other)
    check = next(c for c in run_checks(programme) if c.code == "duplicates")
    assert check.count == 1 and check.problems[0].url == reverse("dedup:review-queue")
    pair.status = PairStatus.DIFFERENT
    pair.save()
    check = next(c for c in run_checks(programme) if c.code == "duplicates")
    assert check.count == 0 and check.problems == []
