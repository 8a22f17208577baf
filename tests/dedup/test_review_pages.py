"""The review queue, the side-by-side pair page, deciding, merge history and un-merge."""

from __future__ import annotations

from urllib.parse import quote

from django.urls import reverse

from himaya.dedup.compare import score_records
from himaya.dedup.models import CandidatePair, Merge, PairStatus
from himaya.dedup.records import person_record
from tests.dedup.factories import pair_of, twice_registered
from tests.registry.factories import make_person


def _scored_pair(world, organisation=None):
    keep, other = twice_registered(organisation or world.partner_a)
    score = score_records([(person_record(keep), person_record(other))])[0]
    return keep, other, pair_of(keep, other, weight=score.weight, detail=score.detail())


def test_queue_and_pair_page_show_both_records_and_each_fields_verdict(world):
    keep, other, pair = _scored_pair(world)
    client = world.client_for("coord_a")
    queue = client.get(reverse("dedup:review-queue")).content.decode()
    assert keep.code_display in queue and other.code_display in queue
    filtered = client.get(reverse("dedup:review-queue"), {"status": "different"}).content.decode()
    assert keep.code_display not in filtered
    page = client.get(reverse("dedup:pair-detail", args=[pair.pk])).content.decode()
    for text in ("Fatoumata", "Fatimata", 'data-testid="field-name"', 'data-testid="field-phone"'):
        assert text in page
    # Partner B's coordinator sees neither the pair nor its people.
    other_queue = world.client_for("coord_b").get(reverse("dedup:review-queue")).content.decode()
    assert keep.code_display not in other_queue


def test_deciding_same_merges_and_the_history_undoes_it(world):
    keep, other, pair = _scored_pair(world)
    client = world.client_for("protection")
    response = client.post(reverse("dedup:pair-decide", args=[pair.pk]),
                           {"decision": "same", "keep": str(other.pk)})
    assert response.status_code == 302
    merge = Merge.objects.get()
    assert merge.survivor == other and merge.absorbed == keep
    panel = client.get(reverse("dedup:person-panel", args=[keep.pk])).content.decode()
    assert 'data-testid="merged-into"' in panel and other.code_display in panel
    # The merged record's code still opens its page.
    assert client.get(reverse("registry:person-detail", args=[keep.pk])).status_code == 200

    history = client.get(reverse("dedup:merge-list")).content.decode()
    assert keep.code_display in history
    client.post(reverse("dedup:merge-undo", args=[merge.pk]))
    merge.refresh_from_db()
    assert merge.undone_at is not None
    assert CandidatePair.objects.get().status == PairStatus.PENDING


def test_deciding_different_takes_the_pair_out_of_the_queue(world):
    keep, other, pair = _scored_pair(world)
    client = world.client_for("coord_a")
    client.post(reverse("dedup:pair-decide", args=[pair.pk]), {"decision": "different"})
    pair.refresh_from_db()
    assert pair.status == PairStatus.DIFFERENT
    assert keep.code_display not in client.get(reverse("dedup:review-queue")).content.decode()
    assert not Merge.objects.exists()


def test_a_decision_opens_the_next_pair_of_the_reviewers_queue(world):
    people = [make_person(world.partner_a, given_name=f"Awa{'x' * i}", family_name="Ba",
                          birth_year="1990", documents=[]) for i in range(5)]
    strong = pair_of(people[0], people[1], 8.0)
    middle = pair_of(people[1], people[2], 6.0, band="auto")
    weak = pair_of(people[2], people[3], 1.0)
    weaker = pair_of(people[3], people[4], 0.5, band="auto")
    client = world.client_for("coord_a")
    queue = client.get(reverse("dedup:review-queue"), {"status": "pending", "band": "auto"}).content.decode()
    link = reverse("dedup:pair-detail", args=[middle.pk]) + "?q=" + quote("status=pending&band=auto")
    assert f'href="{link}"' in queue.replace("&amp;", "&")
    page = client.get(link).content.decode()
    assert 'name="q" value="status=pending&amp;band=auto"' in page

    # Down the filtered queue: the strong pair, the weak one are not in it.
    response = client.post(reverse("dedup:pair-decide", args=[middle.pk]),
                           {"decision": "unsure", "q": "status=pending&band=auto"})
    assert response["Location"] == (reverse("dedup:pair-detail", args=[weaker.pk])
                                    + "?q=" + quote("status=pending&band=auto"))
    # The last one: back to the same filtered list.
    response = client.post(reverse("dedup:pair-decide", args=[weaker.pk]),
                           {"decision": "different", "q": "status=pending&band=auto"})
    assert response["Location"] == reverse("dedup:review-queue") + "?status=pending&band=auto"
    # Without filters the default queue (pending, strongest first) continues below the pair.
    response = client.post(reverse("dedup:pair-decide", args=[strong.pk]), {"decision": "unsure"})
    assert response["Location"] == reverse("dedup:pair-detail", args=[weak.pk])
    # Only the queue's filters travel: anything else in the string is dropped.
    response = client.post(reverse("dedup:pair-decide", args=[weak.pk]),
                           {"decision": "unsure", "q": "status=pending&next=//evil.example\r\nX: 1"})
    assert response["Location"] == reverse("dedup:review-queue") + "?status=pending"


def test_the_pair_page_shows_the_other_open_pairs_of_its_two_people(world):
    people = [make_person(world.partner_a, given_name="Awa", family_name="Ba", birth_year="1990",
                          documents=[]) for _ in range(4)]
    first = pair_of(people[0], people[1], 9.0)
    second = pair_of(people[0], people[2], 6.0)
    third = pair_of(people[1], people[3], 3.0)
    unrelated = pair_of(people[2], people[3], 2.0)
    decided = pair_of(people[1], people[2], 5.0, status=PairStatus.DIFFERENT)
    client = world.client_for("coord_a")
    page = client.get(reverse("dedup:pair-detail", args=[first.pk])).content.decode()
    assert 'data-testid="pairs-around"' in page
    for shown in (second, third):
        assert f'href="{reverse("dedup:pair-detail", args=[shown.pk])}"' in page
    for hidden in (unrelated, decided):
        assert f'href="{reverse("dedup:pair-detail", args=[hidden.pk])}"' not in page
