"""A merge moves every delivery, voucher, household link and consent; un-merge restores both exactly."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from himaya.audit.models import AuditEvent
from himaya.dedup import queries
from himaya.dedup.merging import POLICY, person_relations, relation_key
from himaya.dedup.models import Merge
from himaya.dedup.services import person_merge, person_unmerge
from himaya.registry.models import Consent, HouseholdMember
from himaya.registry.services import MemberData, consent_withdraw, household_register
from tests.dedup.factories import state_of, twice_registered, with_history
from tests.registry.factories import make_person


def test_every_relation_to_a_person_has_a_declared_policy():
    # A new foreign key to Person must say what a merge does with it.
    keys = {relation_key(r) for r in person_relations()}
    assert keys - set(POLICY) == set(), "add these relations to dedup.merging.POLICY"
    assert {"assistance.delivery.person", "vouchers.voucher.person",
            "registry.householdmember.person", "registry.consent.person"} <= keys


def test_merge_moves_everything_and_unmerge_restores_both_exactly(world):
    actor = world.users["protection"]
    keep, absorb = twice_registered(world.partner_a)
    history = with_history(world.partner_a, absorb)
    survivor_history = with_history(world.partner_a, keep)
    before = state_of(keep, absorb)
    counts = {name: getattr(keep, name).count() + getattr(absorb, name).count()
              for name in ("deliveries", "vouchers", "referrals")}
    absorbed_deliveries = absorb.deliveries.count()
    assert all(getattr(absorb, name).exists() for name in counts)

    merge = person_merge(survivor=keep, absorbed=absorb, actor=actor)

    assert set(keep.deliveries.values_list("pk", flat=True)) >= {d.pk for d in history["deliveries"]}
    history["voucher"].voucher.refresh_from_db()
    assert history["voucher"].voucher.person_id == keep.pk
    for name, total in counts.items():
        assert getattr(keep, name).count() == total, name
        assert not getattr(absorb, name).exists(), name
    # Both lived in their own household: the survivor keeps its own, the absorbed record leaves.
    assert HouseholdMember.objects.get(person=keep).household == survivor_history["household"]
    assert not HouseholdMember.objects.filter(person=absorb).exists()
    # The merged record stays, marked merged, so its printed code still resolves.
    assert queries.active_merge_of(absorb) == merge
    assert absorb.pk not in set(queries.active_people().values_list("pk", flat=True))
    assert merge.moved["assistance.delivery"] == absorbed_deliveries

    person_unmerge(merge=merge, actor=actor)

    assert state_of(keep, absorb) == before
    assert queries.active_merge_of(absorb) is None
    assert Merge.objects.get().undone_at is not None


def test_the_survivor_takes_the_household_and_headship_it_lacked(world):
    actor = world.users["protection"]
    keep, absorb = twice_registered(world.partner_a)
    child = make_person(
        world.partner_a, given_name="Moussa", family_name="Diallo", birth_year="2015",
        documents=[], phone="")
    household, _ = household_register(actor=None, organisation=world.partner_a, members=[
        MemberData(absorb, "head"), MemberData(child, "child")])
    before = state_of(keep, absorb)

    merge = person_merge(survivor=keep, absorbed=absorb, actor=actor)
    assert household.head == keep

    person_unmerge(merge=merge, actor=actor)
    household.refresh_from_db()
    assert household.head == absorb
    assert state_of(keep, absorb) == before


def test_a_refusal_under_either_record_holds_after_the_merge(world):
    actor = world.users["protection"]
    keep, absorb = twice_registered(world.partner_a)
    consent_withdraw(actor=actor, person=absorb, purpose="follow_up")
    before = state_of(keep, absorb)

    merge = person_merge(survivor=keep, absorbed=absorb, actor=actor)
    assert Consent.objects.get(person=keep, purpose="follow_up").status == "withdrawn"

    person_unmerge(merge=merge, actor=actor)
    assert Consent.objects.get(person=keep, purpose="follow_up").status == "given"
    assert state_of(keep, absorb) == before


def test_merge_and_unmerge_are_audited_and_not_repeated(world):
    actor = world.users["protection"]
    keep, absorb = twice_registered(world.partner_a)
    merge = person_merge(survivor=keep, absorbed=absorb, actor=actor)
    with pytest.raises(ValidationError):
        person_merge(survivor=keep, absorbed=absorb, actor=actor)
    person_unmerge(merge=merge, actor=actor)
    with pytest.raises(ValidationError):
        person_unmerge(merge=merge, actor=actor)
    actions = list(AuditEvent.objects.filter(action__startswith="dedup.").values_list(
        "action", "object_type", "object_id"))
    assert ("dedup.merge", "registry.person", str(absorb.pk)) in actions
    assert ("dedup.unmerge", "registry.person", str(keep.pk)) in actions
