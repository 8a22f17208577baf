"""A registration merged into a person still speaks for that person: a newcomer who repeats
it is found, in a run and at registration, and reported against the person that stands now."""

from __future__ import annotations

from django.urls import reverse

from himaya.dedup import aliases
from himaya.dedup.clustering import cluster
from himaya.dedup.model import Thresholds
from himaya.dedup.models import CandidatePair, DedupRun, PairStatus
from himaya.dedup.registration import registration_check
from himaya.dedup.services import dedup_run, pair_decide, person_merge
from tests.dedup.factories import pair_of
from tests.registry.factories import make_person

# The newcomer repeats what the merged registration said, not what the survivor says.
REPEATED = {"given_name": "Fatou", "family_name": "Camara", "sex": "female", "birth_year": "1994",
            "phone": "0699887766", "documents": [{"kind": "passport", "number": "GN 7654321"}]}


def _person_with_an_earlier_registration(world, earlier_by=None):
    """Fatoumata Diallo, who registered once before under her married name, with a passport."""
    survivor = make_person(world.partner_a, given_name="Fatoumata", family_name="Diallo",
                           birth_precision="exact", birth_date="1994-05-12", birth_year="1994",
                           phone="0612345678", documents=[])
    earlier = make_person(earlier_by or world.partner_a, given_name="Fatou", family_name="Camara",
                          birth_year="1994", phone="0699887766",
                          documents=[{"kind": "passport", "number": "GN 7654321"}])
    person_merge(survivor=survivor, absorbed=earlier, actor=world.users["protection"])
    return survivor, earlier


def _newcomer(world, organisation=None):
    return make_person(organisation or world.partner_a, **REPEATED)


def _run(world, organisation=None):
    thresholds = Thresholds()
    run = DedupRun.objects.create(started_by=world.users["protection"], organisation=organisation,
                                  auto_merge=thresholds.auto_merge, review=thresholds.review)
    return dedup_run(run=run)


def test_a_run_finds_the_newcomer_through_the_merged_registration(world):
    survivor, earlier = _person_with_an_earlier_registration(world)
    newcomer = _newcomer(world)
    make_person(world.partner_a, given_name="Ousmane", family_name="Traoré", sex="male",
                birth_year="1980", phone="0677777777", documents=[])

    run = _run(world)

    assert run.records == 3  # people who stand now; the merged registration is evidence only
    pair = CandidatePair.objects.get()
    assert {pair.person_low_id, pair.person_high_id} == {survivor.pk, newcomer.pk}
    assert pair.through_merged is True
    assert pair.band == CandidatePair.Band.AUTO and pair.weight >= run.auto_merge
    fields = {row["field"]: row["agreement"] for row in pair.detail}
    assert fields["document"] == "agree" and fields["phone"] == "agree"
    # Never a pair with the merged registration itself.
    assert not CandidatePair.objects.filter(person_low=earlier).exists()
    assert not CandidatePair.objects.filter(person_high=earlier).exists()
    # The reviewer is told why two people with different names make a pair.
    page = world.client_for("protection").get(reverse("dedup:pair-detail", args=[pair.pk]))
    assert 'data-testid="through-merged"' in page.content.decode()
    answer = world.client_for("protection").get(f"/api/v1/dedup/pairs/{pair.pk}/").json()
    assert answer["through_merged"] is True


def test_without_the_merged_registration_the_newcomer_is_not_proposed(world, monkeypatch):
    survivor, earlier = _person_with_an_earlier_registration(world)
    _newcomer(world)
    assert aliases.absorbed_of([survivor.pk]) == {earlier.pk: survivor.pk}
    # The same run with earlier registrations left out (as before decision 0312): the
    # survivor and the newcomer alone are too far apart to be proposed at all.
    monkeypatch.setattr(aliases, "absorbed_of", lambda *args, **kwargs: {})
    _run(world)
    assert not CandidatePair.objects.exists()


def test_a_partners_run_uses_only_its_own_merged_registrations(world):
    # The mission merged partner B's registration into partner A's person.
    survivor, earlier = _person_with_an_earlier_registration(world, earlier_by=world.partner_b)
    _newcomer(world)

    _run(world, organisation=world.partner_a)
    assert not CandidatePair.objects.exists()  # partner B's registration is not A's to use

    _run(world)  # the data-protection officer's run over the whole registry uses it
    assert CandidatePair.objects.get().through_merged is True


def test_a_different_people_decision_on_the_survivor_holds_for_its_registrations(world):
    survivor, _ = _person_with_an_earlier_registration(world)
    newcomer = _newcomer(world)
    pair = pair_of(survivor, newcomer, 1.0)
    pair_decide(pair=pair, decision=PairStatus.DIFFERENT, actor=world.users["protection"])

    run = _run(world)

    assert run.pairs_auto == 0 and run.pairs_review == 0 and run.pairs_known == 1
    assert CandidatePair.objects.get().status == PairStatus.DIFFERENT


def test_registration_shows_the_person_that_stands_now(world):
    survivor, earlier = _person_with_an_earlier_registration(world)
    user = world.users["agent_a"]
    registration_check(user, REPEATED)  # the first check of a process loads the model

    result = registration_check(user, REPEATED)

    assert [m.person for m in result.matches] == [survivor]
    assert result.matches[0].through == earlier
    client = world.client_for("agent_a")
    body = client.post(reverse("dedup:registration-check"),
                       {**REPEATED, "documents": "", "document_number": "GN 7654321"}).content.decode()
    assert survivor.code_display in body and 'data-testid="matched-through"' in body
    answer = client.post("/api/v1/dedup/registration-check/", REPEATED,
                         content_type="application/json").json()
    assert [m["code"] for m in answer["possible_duplicates"]] == [survivor.code_display]
    assert answer["possible_duplicates"][0]["through"] == earlier.code_display


def test_another_partner_learns_only_that_a_duplicate_exists(world):
    _person_with_an_earlier_registration(world)
    result = registration_check(world.users["coord_b"], REPEATED)
    assert result.matches == [] and result.elsewhere is True


def test_a_visible_person_is_not_matched_through_a_registration_the_user_may_not_see(world):
    survivor, _ = _person_with_an_earlier_registration(world, earlier_by=world.partner_b)
    result = registration_check(world.users["agent_a"], REPEATED)
    assert survivor not in [m.person for m in result.matches]


def test_must_link_records_start_together_and_every_later_join_is_checked_against_all():
    pairs = [("x", "a", 9.0)]
    # a was merged into s; x contradicts s: x is not merged into the person automatically.
    refused: dict = {}
    clusters = cluster(["s", "a", "x"], pairs, threshold=4, must_link=[("a", "s")],
                       conflicts=lambda p, q: "documents" if {p, q} == {"s", "x"} else None,
                       refused=refused)
    assert clusters["a"] == clusters["s"] != clusters["x"]
    assert refused == {("x", "a"): "documents"}
    clusters = cluster(["s", "a", "x"], pairs, threshold=4, must_link=[("a", "s")])
    assert len(set(clusters.values())) == 1


def test_chains_end_at_the_record_that_stands_now():
    assert aliases.survivors({1: 2, 2: 3, 4: 3}) == {1: 3, 2: 3, 4: 3}
    assert set(aliases.survivors({1: 2, 2: 1})) == {1, 2}  # never loops on bad data
