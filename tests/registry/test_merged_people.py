"""A record absorbed by a merge leaves the registry's lists, search and counts (no one is
counted twice) but its page and printed code still lead to the survivor; nothing new is
written against it; an un-merge brings it back exactly (decision 0204)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone, translation

from himaya.assistance.models import Delivery
from himaya.assistance.services import DeliveryRefused, distribution_targets_set
from himaya.audit.models import AuditEvent
from himaya.dedup.services import person_merge, person_unmerge
from himaya.registry import queries
from himaya.registry.models import Person
from himaya.registry.services import MemberData, household_register, merged_message
from himaya.vouchers.models import Voucher
from himaya.vouchers.services import voucher_issue
from tests.assistance.factories import deliver, distribution_of
from tests.dedup.factories import twice_registered
from tests.registry.factories import make_person
from tests.vouchers.factories import issue

SYNC = "api-assistance-delivery-sync"


def row(person: Person) -> dict:
    person = Person.objects.get(pk=person.pk)
    values = model_to_dict(person, fields=[f.name for f in Person._meta.concrete_fields])
    return {**values, "updated_at": person.updated_at, "version": person.version}


@pytest.fixture
def merged(world):  # noqa: ANN001, ANN201
    keep, absorb = twice_registered(world.partner_a)
    merge = person_merge(survivor=keep, absorbed=absorb, actor=world.users["protection"])
    keep.refresh_from_db()
    absorb.refresh_from_db()
    return keep, absorb, merge


def test_the_registry_marks_the_absorbed_record_and_an_unmerge_gives_the_same_row_back(world):
    keep, absorb = twice_registered(world.partner_a)
    before = row(absorb), row(keep)
    merge = person_merge(survivor=keep, absorbed=absorb, actor=world.users["protection"])
    assert Person.objects.get(pk=absorb.pk).merged_into_id == keep.pk
    assert Person.objects.get(pk=keep.pk).merged_into_id is None

    person_unmerge(merge=merge, actor=world.users["protection"])
    assert (row(absorb), row(keep)) == before
    actions = set(AuditEvent.objects.filter(object_id=str(absorb.pk), object_type="registry.person")
                  .values_list("action", flat=True))
    assert {"person.mark_merged", "person.clear_merged"} <= actions


def test_the_absorbed_record_leaves_lists_search_counts_and_the_api(world, merged):
    keep, absorb, merge = merged
    coordinator = world.users["coord_a"]
    listed = set(queries.people_listed_to(coordinator).values_list("pk", flat=True))
    assert keep.pk in listed and absorb.pk not in listed
    # Both spellings are in the search keys: a search finds the survivor only.
    for query in ("Diallo", "Fatimata", absorb.code[:6]):
        found = [p.pk for p in queries.people_search(coordinator, query)]
        assert absorb.pk not in found, query
    assert keep.pk in [p.pk for p in queries.people_search(coordinator, "Diallo")]
    assert absorb not in queries.people_matching(coordinator, "Diallo")
    client = world.client_for("coord_a")
    listing = client.get(reverse("api-person-list")).json()
    codes = [p["code"] for p in listing["results"]]
    assert keep.code_display in codes and absorb.code_display not in codes
    assert listing["count"] == queries.people_listed_to(coordinator).count()
    page = client.post(reverse("registry:person-list"), {"q": "Diallo"}).content.decode()
    assert keep.code_display in page and absorb.code_display not in page

    person_unmerge(merge=merge, actor=world.users["protection"])
    assert absorb.pk in set(queries.people_listed_to(coordinator).values_list("pk", flat=True))
    assert absorb.pk in [p.pk for p in queries.people_search(coordinator, "Fatimata")]


def test_the_absorbed_record_page_still_opens_and_points_to_the_survivor(world, merged):
    keep, absorb, _merge = merged
    client = world.client_for("coord_a")
    page = client.get(reverse("registry:person-detail", args=[absorb.pk]))
    assert page.status_code == 200
    assert reverse("dedup:person-panel", args=[absorb.pk]) in page.content.decode()
    panel = client.get(reverse("dedup:person-panel", args=[absorb.pk])).content.decode()
    assert 'data-testid="merged-into"' in panel
    assert reverse("registry:person-detail", args=[keep.pk]) in panel and keep.code_display in panel
    # Its printed code still finds it.
    assert queries.person_by_code(world.users["coord_a"], absorb.code) == absorb


def test_no_delivery_voucher_household_or_list_place_is_written_against_an_absorbed_record(world, merged):
    keep, absorb, _merge = merged
    coordinator = world.users["coord_a"]
    with pytest.raises(DeliveryRefused) as refused:
        deliver(world.partner_a, person=absorb, actor=coordinator)
    assert keep.code_display in " ".join(refused.value.messages)
    with pytest.raises(ValidationError) as refused:
        household_register(actor=coordinator, organisation=world.partner_a, members=[MemberData(absorb, "head")])
    assert keep.code_display in " ".join(refused.value.messages)
    distribution = distribution_of(world.partner_a, [])
    with pytest.raises(ValidationError) as refused:
        distribution_targets_set(actor=coordinator, distribution=distribution, people=[absorb], filters={})
    assert keep.code_display in " ".join(refused.value.messages)
    # Voucher issuing passes the issuer: the coordinator, who sees the survivor, is told it.
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        voucher_issue(actor=coordinator, beneficiaries=[absorb], category="food", value="300",
                      valid_from=today, valid_until=today + dt.timedelta(days=30))
    assert keep.code_display in " ".join(refused.value.messages)
    # A write that does not say who makes it is refused without naming the survivor.
    with pytest.raises(ValidationError) as refused:
        issue(world.partner_a, person=absorb)
    assert keep.code_display not in " ".join(refused.value.messages)
    assert absorb.code_display in " ".join(refused.value.messages)
    assert not Voucher.objects.filter(person=absorb).exists()
    assert not Delivery.objects.filter(person=absorb).exists()
    # The survivor takes them.
    assert deliver(world.partner_a, person=keep).person_id == keep.pk


def test_the_refusal_names_the_survivor_only_to_who_may_see_it(world):
    """Same association, other region: the protection officer of region 01 may see the
    absorbed record (region 01) but not the survivor (region 02): the message does not name
    it; the association's coordinator, who sees both, is told which code to use."""
    survivor = make_person(world.partner_a, given_name="Fatoumata", family_name="Diallo", region="02")
    absorbed = make_person(world.partner_a, given_name="Fatimata", family_name="Diallo", region="01")
    person_merge(survivor=survivor, absorbed=absorbed, actor=world.users["admin"])
    absorbed.refresh_from_db()
    officer, coordinator = world.users["protection"], world.users["coord_a"]
    assert queries.people_visible_to(officer).filter(pk=absorbed.pk).exists()
    assert not queries.people_visible_to(officer).filter(pk=survivor.pk).exists()

    hidden = merged_message(absorbed, officer)
    assert survivor.code_display not in hidden and survivor.code not in hidden
    assert absorbed.code_display in hidden
    assert survivor.code_display in merged_message(absorbed, coordinator)
    for user, named in ((officer, False), (coordinator, True)):
        with pytest.raises(ValidationError) as refused:
            household_register(actor=user, organisation=world.partner_a, members=[MemberData(absorbed, "head")])
        assert (survivor.code_display in " ".join(refused.value.messages)) is named
    # The API's answer follows the same rule.
    for key, expected in (("protection", None), ("coord_a", survivor.code_display)):
        answer = world.client_for(key).get(reverse("api-person-detail", args=[absorbed.pk])).json()
        assert answer["merged"] is True and answer["merged_into"] == expected, key


def test_the_refusal_message_is_translated(world):
    survivor = make_person(world.partner_b, given_name="Fatoumata", family_name="Diallo")
    absorbed = make_person(world.partner_a, given_name="Fatimata", family_name="Diallo")
    person_merge(survivor=survivor, absorbed=absorbed, actor=world.users["admin"])
    absorbed.refresh_from_db()
    texts = {}
    for language in ("fr", "ar", "en"):
        with translation.override(language):
            texts[language] = merged_message(absorbed, world.users["coord_a"])
            assert absorbed.code_display in texts[language]
            assert survivor.code_display not in texts[language]
    assert len(set(texts.values())) == 3


def test_an_offline_delivery_for_an_absorbed_code_goes_to_the_survivor_and_is_audited(world, merged):
    keep, absorb, _merge = merged
    client = world.client_for("agent_a")
    body = {"uuid": str(uuid.uuid4()), "type": "food-voucher", "person": absorb.code,
            "delivered_on": "2021-03-15", "site": "Centre"}
    answer = client.post(reverse(SYNC), {"deliveries": [body]}, content_type="application/json")
    result = answer.json()["results"][0]
    assert result["status"] == "created", result
    delivery = Delivery.objects.get(pk=result["id"])
    assert delivery.person_id == keep.pk
    event = AuditEvent.objects.get(action="delivery.redirected_from_merged", object_id=str(delivery.pk))
    assert absorb.code in event.reason and keep.code in event.reason
    # The phone sends the same item again (no answer reached it): one delivery, not two.
    again = client.post(reverse(SYNC), {"deliveries": [body]}, content_type="application/json")
    assert again.json()["results"][0]["status"] == "replayed"
    assert Delivery.objects.filter(client_uuid=body["uuid"]).count() == 1


def test_a_survivor_of_another_partner_is_never_named_to_the_sender(world):
    theirs = make_person(world.partner_b, given_name="Fatoumata", family_name="Diallo")
    mine = make_person(world.partner_a, given_name="Fatimata", family_name="Diallo")
    person_merge(survivor=theirs, absorbed=mine, actor=world.users["protection"])
    body = {"uuid": str(uuid.uuid4()), "type": "food-voucher", "person": mine.code,
            "delivered_on": "2021-03-15", "site": "Centre"}
    answer = world.client_for("agent_a").post(reverse(SYNC), {"deliveries": [body]},
                                              content_type="application/json")
    result = answer.json()["results"][0]
    assert result["status"] != "created" and result["errors"]
    assert theirs.code_display not in str(result) and theirs.code not in str(result)
    assert not Delivery.objects.filter(person__in=[mine, theirs]).exists()


def test_cached_results_notice_a_merge_and_an_unmerge(world):
    # Deliveries move without changing their count or highest id: the registry's change
    # notice is what makes cached "people reached" figures be computed again.
    from himaya.monitoring.aggregates import fingerprint
    from himaya.monitoring.measures import Window, people_reached_queryset

    keep, absorb = twice_registered(world.partner_a)
    deliver(world.partner_a, person=keep)
    deliver(world.partner_a, person=absorb)

    def reached() -> set[int]:
        return set(people_reached_queryset(Window(), {}).values_list("pk", flat=True))

    assert {keep.pk, absorb.pk} <= reached()
    before = fingerprint()
    merge = person_merge(survivor=keep, absorbed=absorb, actor=world.users["protection"])
    merged = fingerprint()
    assert merged != before
    assert keep.pk in reached() and absorb.pk not in reached()  # one person reached, not two
    person_unmerge(merge=merge, actor=world.users["protection"])
    assert fingerprint() != merged


def test_merges_made_before_the_marker_existed_are_marked_by_the_migration(world, merged):
    import importlib

    from django.apps import apps

    keep, absorb, _merge = merged
    Person.objects.filter(pk=absorb.pk).update(merged_into=None)  # as before registry 0006
    backfill = importlib.import_module("himaya.dedup.migrations.0002_registry_merged_into_backfill")
    backfill.forwards(apps, None)
    assert Person.objects.get(pk=absorb.pk).merged_into_id == keep.pk
    assert Person.objects.get(pk=keep.pk).merged_into_id is None


def test_the_api_tells_a_phone_which_code_to_use_instead(world, merged):
    keep, absorb, merge = merged
    client = world.client_for("coord_a")
    answer = client.get(reverse("api-person-detail", args=[absorb.pk])).json()
    assert answer["merged"] is True and answer["merged_into"] == keep.code_display
    survivor = client.get(reverse("api-person-detail", args=[keep.pk])).json()
    assert survivor["merged"] is False and survivor["merged_into"] is None
    person_unmerge(merge=merge, actor=world.users["protection"])
    again = client.get(reverse("api-person-detail", args=[absorb.pk])).json()
    assert again["merged"] is False and again["merged_into"] is None


def test_a_full_code_read_off_a_card_still_finds_the_absorbed_record(world, merged):
    keep, absorb, _merge = merged
    coordinator = world.users["coord_a"]
    assert [p.pk for p in queries.people_search(coordinator, absorb.code_display)] == [absorb.pk]
    assert absorb.pk not in [p.pk for p in queries.people_search(coordinator, absorb.code[:8])]
    answer = world.client_for("coord_a").get(reverse("api-person-list"), {"q": absorb.code_display}).json()
    assert [(r["code"], r["merged_into"]) for r in answer["results"]] == [
        (absorb.code_display, keep.code_display)]
