"""A run is a job with progress, from the page and the command line; decided pairs stay decided."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from himaya.audit.models import AuditEvent
from himaya.dedup.models import CandidatePair, Decision, DedupRun, PairStatus
from himaya.dedup.services import pair_decide
from himaya.jobs.models import Job
from tests.dedup.factories import twice_registered
from tests.registry.factories import make_person


def _caseload(world):
    keep, other = twice_registered(world.partner_a)
    # A sister: same family name, phone and household, another given name.
    make_person(world.partner_a, given_name="Mariama", family_name="Diallo", birth_year="1996",
                phone="0612345678", documents=[])
    make_person(world.partner_a, given_name="Ousmane", family_name="Traoré", birth_year="1980",
                phone="0677777777", documents=[])
    return keep, other


def test_the_page_starts_a_run_as_a_job_that_fills_the_queue(world, django_capture_on_commit_callbacks):
    keep, other = _caseload(world)
    client = world.client_for("protection")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dedup:run-list"), {"organisation": "", "programme": ""})
    run = DedupRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("dedup:run-detail",
                                                                           args=[run.pk])
    job = Job.objects.get(pk=run.job_id)
    assert job.status == Job.Status.SUCCEEDED and job.percent == 100
    assert job.progress_total == 6 and job.progress_done == 6
    assert run.organisation is None  # the data-protection officer runs over the whole registry
    run.refresh_from_db()
    assert run.status == DedupRun.Status.DONE and run.records == 4
    pair = CandidatePair.objects.get()
    assert {pair.person_low_id, pair.person_high_id} == {keep.pk, other.pk}
    assert pair.weight >= run.review
    assert {row["field"] for row in pair.detail} >= {"name", "birth", "phone"}
    page = client.get(reverse("dedup:run-detail", args=[run.pk]))
    assert page.status_code == 200


def test_a_pair_judged_different_is_never_proposed_again(world):
    keep, other = _caseload(world)
    out = StringIO()
    call_command("dedup_run", partner=world.partner_a.code, stdout=out, stderr=StringIO())
    assert "4 people" in out.getvalue()
    pair = CandidatePair.objects.get()
    pair_decide(pair=pair, decision=PairStatus.DIFFERENT, actor=world.users["coord_a"])

    out = StringIO()
    call_command("dedup_run", partner=world.partner_a.code, stdout=out, stderr=StringIO())
    second = DedupRun.objects.order_by("-pk").first()
    assert second.pairs_review + second.pairs_auto == 0
    assert CandidatePair.objects.get().status == PairStatus.DIFFERENT
    assert not CandidatePair.objects.filter(status=PairStatus.PENDING).exists()


def test_decisions_are_kept_and_audited(world):
    keep, other = twice_registered(world.partner_a)
    call_command("dedup_run", partner=world.partner_a.code, stdout=StringIO(), stderr=StringIO())
    pair = CandidatePair.objects.get()
    pair_decide(pair=pair, decision=PairStatus.UNSURE, actor=world.users["coord_a"])
    pair_decide(pair=pair, decision=PairStatus.SAME, actor=world.users["protection"], keep=other)
    assert list(Decision.objects.filter(pair=pair).order_by("pk").values_list(
        "decision", "decided_by__username")) == [("unsure", "coord_a"), ("same", "protection")]
    audited = AuditEvent.objects.filter(object_type="dedup.candidatepair", object_id=str(pair.pk))
    assert set(audited.values_list("action", flat=True)) == {"dedup.pair.unsure", "dedup.pair.same"}
    merge = pair.merges.get()
    assert merge.survivor == other and merge.absorbed == keep


def test_a_run_whose_worker_died_is_failed_with_its_job(world):
    import datetime as dt

    from django.utils import timezone

    from himaya.dedup.services import dedup_run_start
    from himaya.jobs.services import job_reap_stale

    # Queued but never run (no on-commit callbacks here): then the worker "dies" mid-run.
    run = dedup_run_start(actor=world.users["protection"])
    long_ago = timezone.now() - dt.timedelta(hours=2)
    Job.objects.filter(pk=run.job_id).update(status=Job.Status.RUNNING, started_at=long_ago,
                                             heartbeat_at=long_ago)
    DedupRun.objects.filter(pk=run.pk).update(status=DedupRun.Status.RUNNING)
    assert run.job_id in job_reap_stale()
    run.refresh_from_db()
    assert run.status == DedupRun.Status.FAILED
    assert not CandidatePair.objects.exists()
