"""People with a history (deliveries, a voucher, a household, consents) to merge and un-merge."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from himaya.dedup.merging import person_relations
from himaya.dedup.models import CandidatePair
from himaya.dedup.services import ordered
from himaya.registry.models import Person
from himaya.registry.services import MemberData, household_register
from tests.assistance.factories import DAY, deliver, distribution_of, referral_of
from tests.registry.factories import make_person
from tests.vouchers.factories import issue


def twice_registered(organisation: Any, actor: Any = None) -> tuple[Person, Person]:
    """One woman registered twice by one partner, with another spelling and a birth year."""
    first = make_person(organisation, actor, given_name="Fatoumata", family_name="Diallo",
                        birth_precision="exact", birth_date="1994-05-12", birth_year="1994",
                        phone="0612345678", documents=[])
    second = make_person(organisation, actor, given_name="Fatimata", family_name="Diallo",
                         birth_year="1994", phone="+212 6 12 34 56 78",
                         documents=[{"kind": "passport", "number": "GN 7654321"}])
    return first, second


def with_history(organisation: Any, person: Person, *, head_of: Any = None) -> dict[str, Any]:
    """Give `person` two deliveries, a voucher, a referral, a distribution place and a household."""
    deliveries = [deliver(organisation, person=person, on=DAY),
                  deliver(organisation, person=person, on=DAY + dt.timedelta(days=40))]
    voucher = issue(organisation, person=person)
    referral = referral_of(organisation, person)
    distribution = distribution_of(organisation, [person])
    if head_of is None:
        household, _ = household_register(actor=None, organisation=organisation,
                                          members=[MemberData(person, "head")])
    else:
        household = head_of
    return {"deliveries": deliveries, "voucher": voucher, "referral": referral,
            "distribution": distribution, "household": household}


def pair_of(a: Person, b: Person, weight: float = 5.0, **extra: Any) -> CandidatePair:
    low, high = ordered(a.pk, b.pk)
    return CandidatePair.objects.create(person_low_id=low, person_high_id=high, weight=weight,
                                        cross_partner=a.organisation_id != b.organisation_id, **extra)


def state_of(*people: Person) -> dict[str, list[tuple]]:
    """Every row of every model that points at these people, as plain values."""
    ids = [p.pk for p in people]
    state: dict[str, list[tuple]] = {}
    for relation in person_relations():
        model: type[models.Model] = relation.related_model
        if model._meta.app_label == "dedup":
            continue
        column = relation.field.attname
        rows = model._base_manager.filter(**{f"{column}__in": ids}).order_by("pk")
        fields = [f.attname for f in model._meta.concrete_fields]
        state[f"{model._meta.label_lower}.{column}"] = [
            tuple(str(getattr(row, f)) for f in fields) for row in rows]
    return state
