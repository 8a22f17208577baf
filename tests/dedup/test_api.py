"""The review queue, decisions, runs and strong-pair merges through the API (decision 0311)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient

from himaya.accounts.services import token_create
from himaya.audit.models import AuditEvent
from himaya.dedup.models import CandidatePair, DedupRun, Merge, PairStatus
from himaya.jobs.models import Job
from tests.dedup.factories import pair_of
from tests.registry.factories import make_person


def _client(world, key):  # noqa: ANN001, ANN202
    issued = token_create(actor=world.users[key], name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw}")
    return client


def _pairs(world):  # noqa: ANN001, ANN202
    a1, a2, a3 = (make_person(world.partner_a, given_name=g, family_name="Diallo", region="01",
                              documents=[]) for g in ("Fatoumata", "Fatimata", "Hawa"))
    b = make_person(world.partner_b, given_name="Fatouma", family_name="Diallo", region="02",
                    documents=[])
    detail = [{"field": "name", "level": "same skeletons", "agreement": "partial", "weight": 6.1}]
    return (pair_of(a1, a2, 7.5, detail=detail), pair_of(a1, a3, 1.0),
            pair_of(a2, b, 3.0))


def test_the_queue_lists_codes_and_comparisons_never_names(world):
    strong, weak, cross = _pairs(world)
    body = _client(world, "coord_a").get(reverse("api-dedup-pair-list")).json()
    assert [p["id"] for p in body["results"]] == [strong.pk, weak.pk]  # own caseload, strongest first
    first = body["results"][0]
    assert first["person_low"]["code"] == strong.person_low.code_display
    assert first["comparison"][0]["level"] == "same skeletons"
    assert "Fatoumata" not in str(body) and "Diallo" not in str(body)
    mission = _client(world, "protection").get(reverse("api-dedup-pair-list"),
                                               {"min_weight": "2", "cross": "yes"}).json()
    assert [p["id"] for p in mission["results"]] == [cross.pk]
    assert _client(world, "coord_b").get(
        reverse("api-dedup-pair-detail", args=[strong.pk])).status_code == 404


def test_a_decision_through_the_api_merges_and_is_audited(world):
    strong, weak, _ = _pairs(world)
    client = _client(world, "coord_a")
    url = reverse("api-dedup-pair-decide", args=[strong.pk])
    refused = client.post(url, {"decision": "same", "keep": weak.person_high_id}, format="json")
    assert refused.status_code == 400 and not Merge.objects.exists()

    answer = client.post(url, {"decision": "same", "keep": strong.person_high_id}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "same"
    merge = Merge.objects.get()
    assert (merge.survivor_id, merge.absorbed_id) == (strong.person_high_id, strong.person_low_id)
    assert AuditEvent.objects.filter(action="dedup.pair.same", object_id=str(strong.pk)).exists()
    again = client.post(url, {"decision": "different"}, format="json")
    assert again.status_code == 400 and "fusionnées" in again.json()["detail"]  # French by default

    different = client.post(reverse("api-dedup-pair-decide", args=[weak.pk]),
                            {"decision": "different"}, format="json")
    assert different.json()["status"] == "different"
    assert CandidatePair.objects.get(pk=weak.pk).status == PairStatus.DIFFERENT


def test_a_run_started_through_the_api_then_its_strong_pairs_merged(world, django_capture_on_commit_callbacks):
    _pairs(world)
    client = _client(world, "coord_a")
    bad = client.post(reverse("api-dedup-run-list"), {"programme": "nope"}, format="json")
    assert bad.status_code == 400 and not DedupRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("api-dedup-run-list"), {"organisation": "partner-b"},
                              format="json")
    assert started.status_code == 201
    run = DedupRun.objects.get(pk=started.json()["id"])
    assert run.organisation == world.partner_a  # a coordinator's run is the own caseload
    assert run.status == DedupRun.Status.DONE and Job.objects.get(pk=run.job_id).percent == 100
    detail = client.get(reverse("api-dedup-run-detail", args=[run.pk])).json()
    assert detail["status"] == "done" and detail["records"] == 3

    url = reverse("api-dedup-run-merge-strong", args=[run.pk])
    assert client.post(url, {"confirm": False}, format="json").status_code == 400
    strong = CandidatePair.objects.filter(run=run, band="auto", status="pending").count()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(url, {"confirm": True}, format="json")
    assert accepted.status_code == 202 and accepted.json()["pairs"] == strong
    job = Job.objects.get(pk=accepted.json()["job"])
    assert job.status == Job.Status.SUCCEEDED
    assert Merge.objects.count() == job.result["merged"] == strong


def test_outsiders_get_no_pairs(world):
    _pairs(world)
    assert _client(world, "donor").get(reverse("api-dedup-pair-list")).status_code == 403
    assert _client(world, "agent_a").get(reverse("api-dedup-run-list")).status_code == 403
