"""Thresholds per programme, and how the weights hold up against reviewers' decisions (decision 0310)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from himaya.audit.models import AuditEvent
from himaya.dedup import calibration, queries
from himaya.dedup.model import Thresholds
from himaya.dedup.models import Decision, DedupRun, PairStatus, ProgrammeThresholds
from himaya.dedup.services import dedup_run_start, pair_decide, thresholds_reset, thresholds_set
from himaya.organisations.models import Programme
from tests.dedup.factories import pair_of
from tests.registry.factories import make_person


def test_the_wilson_lower_bound_matches_known_values():
    assert calibration.wilson_lower(0, 0) == 0.0
    assert calibration.wilson_lower(50, 50) == pytest.approx(50 / (50 + 1.959964**2), abs=1e-6)
    # 95 of 100: the textbook Wilson interval is 0.8882 to 0.9785.
    assert calibration.wilson_lower(95, 100) == pytest.approx(0.8882, abs=1e-4)


def test_decisions_fall_in_bands_with_the_waiting_pairs():
    bands = calibration.bands([(5.0, True), (5.5, False), (-9.0, False), (30.0, True)],
                              waiting=[1.0, 4.0, 4.1])
    by_low = {b.low: b for b in bands}
    assert (by_low[4.0].same, by_low[4.0].different, by_low[4.0].waiting) == (1, 1, 2)
    assert by_low[None].different == 1 and by_low[12.0].same == 1 and by_low[0.0].waiting == 1
    assert by_low[4.0].share_same == 0.5 and by_low[6.0].share_same is None


def test_an_auto_merge_weight_is_suggested_only_where_the_decisions_support_it():
    # 400 pairs at 6 or more all the same person; at 4 to 6, one in ten is two people.
    strong = [(7.0, True)] * 400
    middling = [(5.0, True)] * 90 + [(5.0, False)] * 10
    suggestion = calibration.suggest_auto_merge(strong + middling)
    assert suggestion.auto_merge == 6.0 and suggestion.decided == 400
    assert suggestion.lower_bound >= 0.99
    # Fifty sure decisions are not enough to claim 0.99.
    assert calibration.suggest_auto_merge([(7.0, True)] * 50).auto_merge is None
    # A bad band above stops the search, however good the bands below.
    bad_top = [(13.0, False)] * 60 + [(7.0, True)] * 2000
    assert calibration.suggest_auto_merge(bad_top).auto_merge is None


def test_pairs_merged_in_bulk_are_not_counted_as_reviewers_decisions(world):
    actor = world.users["protection"]
    people = [make_person(world.partner_a, given_name=g, family_name="Bah", region="01", documents=[])
              for g in ("Aminata", "Aminatou", "Amina", "Mariam")]
    reviewed = pair_of(people[0], people[1], 5.0)
    pair_decide(pair=reviewed, decision=PairStatus.DIFFERENT, actor=actor)
    bulk = pair_of(people[2], people[3], 9.0, status=PairStatus.SAME)
    Decision.objects.create(pair=bulk, decision=PairStatus.SAME, decided_by=actor, automatic=True)
    pair_of(people[0], people[2], 2.5)  # waiting
    assert queries.reviewers_decisions() == [(5.0, False)]
    assert queries.waiting_weights() == [2.5]


def test_a_programme_s_thresholds_are_set_audited_used_and_reset(world, django_capture_on_commit_callbacks):
    actor = world.users["protection"]
    programme = Programme.objects.get(code="rdpp")
    with pytest.raises(ValidationError):
        thresholds_set(programme=programme, auto_merge=2.0, review=3.0, actor=actor)
    with pytest.raises(ValidationError):
        thresholds_set(programme=programme, auto_merge=400.0, review=0.0, actor=actor)
    assert not ProgrammeThresholds.objects.exists()

    thresholds_set(programme=programme, auto_merge=6.5, review=-1.0, actor=actor)
    assert queries.thresholds_for(programme) == Thresholds(auto_merge=6.5, review=-1.0)
    run = dedup_run_start(actor=actor, programme=programme)
    assert (run.auto_merge, run.review) == (6.5, -1.0)
    event = AuditEvent.objects.get(action="dedup.thresholds.set")
    assert event.reason == "rdpp: defaults -> 6.5/-1.0" and event.actor == actor

    thresholds_reset(programme=programme, actor=actor)
    assert queries.thresholds_for(programme) == Thresholds()
    assert AuditEvent.objects.filter(action="dedup.thresholds.reset").count() == 1


def test_the_page_is_the_mission_reviewers_and_saves_from_a_form(world):
    url = reverse("dedup:thresholds")
    assert world.client_for("coord_a").get(url).status_code == 403
    client = world.client_for("protection")
    page = client.get(url).content.decode()
    assert 'data-testid="calibration"' in page and 'data-testid="suggestion"' in page
    programme = Programme.objects.get(code="rdpp")

    refused = client.post(url, {"programme": programme.pk, "auto_merge": "1", "review": "2"})
    assert refused.status_code == 200 and not ProgrammeThresholds.objects.exists()
    saved = client.post(url, {"programme": programme.pk, "auto_merge": "5", "review": "0.5"})
    assert saved.status_code == 302
    assert ProgrammeThresholds.objects.get().auto_merge == 5.0
    client.post(url, {"programme": programme.pk, "auto_merge": "5", "review": "0.5", "reset": "on"})
    assert not ProgrammeThresholds.objects.exists()
    assert not DedupRun.objects.exists()
