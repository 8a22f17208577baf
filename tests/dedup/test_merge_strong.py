"""A run's strong pairs merged together, group by group, after a person confirms (decision 0309)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from himaya.audit.models import AuditEvent
from himaya.dedup import queries
from himaya.dedup.models import CandidatePair, Decision, DedupRun, Merge, PairStatus
from himaya.dedup.services import pair_decide, person_unmerge, strong_pairs_merge
from himaya.jobs.models import Job
from tests.dedup.factories import pair_of, state_of, with_history
from tests.registry.factories import make_person


def _person(organisation, given, family="Diallo"):  # noqa: ANN001, ANN202
    return make_person(organisation, given_name=given, family_name=family, region="01",
                       documents=[])


def _run_with_groups(organisation):  # noqa: ANN001, ANN202
    """A finished run: one person registered three times, one twice, and a pair to review."""
    run = DedupRun.objects.create(organisation=organisation, auto_merge=4, review=0,
                                  status=DedupRun.Status.DONE)
    a1, a2, a3 = (_person(organisation, g) for g in ("Fatoumata", "Fatimata", "Fatouma"))
    b1, b2 = _person(organisation, "Mamadou", "Bah"), _person(organisation, "Mamadu", "Bah")
    c1, c2 = _person(organisation, "Ousmane", "Sow"), _person(organisation, "Usman", "Sow")
    # As a run stores a cluster: from one record to each of the others.
    strong = [pair_of(a1, a2, 9.0, run=run, band="auto"), pair_of(a1, a3, 4.5, run=run, band="auto"),
              pair_of(b2, b1, 12.0, run=run, band="auto")]
    review = pair_of(c1, c2, 2.0, run=run, band="review")
    return run, (a1, a2, a3), (b1, b2), strong, review


def test_each_group_is_merged_into_its_first_registered_record(world):
    actor = world.users["protection"]
    run, (a1, a2, a3), (b1, b2), strong, review = _run_with_groups(world.partner_a)
    history = with_history(world.partner_a, a3)

    counts = strong_pairs_merge(run=run, actor=actor)

    assert counts == {"groups": 2, "merged": 3, "left": 0}
    merges = {(m.survivor_id, m.absorbed_id, m.pair_id) for m in Merge.objects.all()}
    assert merges == {(a1.pk, a2.pk, strong[0].pk), (a1.pk, a3.pk, strong[1].pk),
                      (b1.pk, b2.pk, strong[2].pk)}
    assert set(a1.deliveries.values_list("pk", flat=True)) >= {d.pk for d in history["deliveries"]}
    assert {p.status for p in CandidatePair.objects.filter(band="auto")} == {PairStatus.SAME}
    decisions = Decision.objects.filter(pair__in=strong)
    assert decisions.count() == 3 and all(d.automatic and d.decided_by == actor for d in decisions)
    review.refresh_from_db()
    assert review.status == PairStatus.PENDING  # the review band is a person's, pair by pair
    assert AuditEvent.objects.filter(action="dedup.run.merge_strong", object_id=str(run.pk)).exists()
    assert AuditEvent.objects.filter(action="dedup.merge").count() == 3 * 3  # each side, and the merge


def test_a_retry_merges_nothing_twice(world):
    actor = world.users["protection"]
    run, *_ = _run_with_groups(world.partner_a)
    strong_pairs_merge(run=run, actor=actor)
    assert strong_pairs_merge(run=run, actor=actor) == {"groups": 0, "merged": 0, "left": 0}
    assert Merge.objects.count() == 3 and Decision.objects.count() == 3


def test_a_group_changed_since_the_run_is_left_whole_to_the_queue(world):
    actor = world.users["protection"]
    run, (a1, a2, a3), (b1, b2), strong, _ = _run_with_groups(world.partner_a)
    # Since the run, a reviewer judged two records of the first group different people.
    pair_decide(pair=pair_of(a2, a3, -1.0), decision=PairStatus.DIFFERENT, actor=actor)
    before = state_of(a1, a2, a3)

    counts = strong_pairs_merge(run=run, actor=actor)

    assert counts == {"groups": 2, "merged": 1, "left": 1}
    assert state_of(a1, a2, a3) == before  # nothing of that group was half-merged
    assert list(Merge.objects.values_list("absorbed_id", flat=True)) == [b2.pk]
    assert {CandidatePair.objects.get(pk=p.pk).status for p in strong[:2]} == {PairStatus.PENDING}
    assert queries.strong_pairs(run, actor).count() == 2  # still waiting for a person


def test_each_merge_of_a_group_can_be_undone_on_its_own(world):
    actor = world.users["protection"]
    run, (a1, a2, a3), _, strong, _ = _run_with_groups(world.partner_a)
    strong_pairs_merge(run=run, actor=actor)
    merge = Merge.objects.get(absorbed=a3)

    person_unmerge(merge=merge, actor=actor)

    assert CandidatePair.objects.get(pk=strong[1].pk).status == PairStatus.PENDING
    assert strong[1] in queries.review_queue(actor)  # back in the queue, with a1 still there
    assert Merge.objects.get(absorbed=a2).undone_at is None


def test_a_coordinator_merges_only_within_the_own_caseload(world):
    run, *_ = _run_with_groups(world.partner_a)
    assert world.client_for("coord_b").get(
        reverse("dedup:run-merge-strong", args=[run.pk])).status_code == 404
    # A pair that straddles caseloads is a mission reviewer's, even in a partner's run.
    outsider = _person(world.partner_b, "Fatoumata")
    first = CandidatePair.objects.filter(run=run).order_by("pk").first()
    pair_of(world.partner_a.people.get(pk=first.person_low_id), outsider, 8.0, run=run, band="auto")
    counts = strong_pairs_merge(run=run, actor=world.users["coord_a"])
    assert counts["merged"] == 3
    assert CandidatePair.objects.get(person_high=outsider).status == PairStatus.PENDING


def test_the_page_shows_the_weakest_pairs_then_starts_a_job(world, django_capture_on_commit_callbacks):
    run, (a1, a2, a3), _, strong, _ = _run_with_groups(world.partner_a)
    client = world.client_for("protection")
    url = reverse("dedup:run-merge-strong", args=[run.pk])
    assert 'data-testid="merge-strong"' in client.get(
        reverse("dedup:run-detail", args=[run.pk])).content.decode()

    page = client.get(url).content.decode()
    assert page.count('data-testid="weak-pair"') == 3
    assert page.index(a3.code_display) < page.index(a2.code_display)  # weakest first

    refused = client.post(url, {})  # not confirmed: nothing starts
    assert refused.status_code == 200 and not Job.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirm": "on"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:job-detail",
                                                                           args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.percent == 100
    assert job.result == {"groups": 2, "merged": 3, "left": 0}
    assert not queries.strong_pairs(run, world.users["protection"]).exists()


def test_a_run_not_finished_has_nothing_to_merge(world):
    run = DedupRun.objects.create(organisation=world.partner_a, auto_merge=4, review=0)
    response = world.client_for("protection").post(
        reverse("dedup:run-merge-strong", args=[run.pk]), {"confirm": "on"})
    assert response.status_code == 302 and not Job.objects.exists()


def test_the_command_line_asks_for_confirmation_then_merges(world):
    run, *_ = _run_with_groups(world.partner_a)
    with pytest.raises(CommandError, match="--yes"):
        call_command("dedup_merge_strong", run.pk, stdout=StringIO(), stderr=StringIO())
    assert not Merge.objects.exists()
    out = StringIO()
    call_command("dedup_merge_strong", run.pk, yes=True, stdout=out, stderr=StringIO())
    assert "3 people merged in 2 groups; 0 groups left" in out.getvalue()
    assert Merge.objects.filter(merged_by=None).count() == 3
