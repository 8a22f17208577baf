"""Records for the results tests, written straight to the tables: these tests are about
counting, so they skip the registration and delivery services (tested in their own apps)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from himaya.assistance.models import AssistanceType, Delivery
from himaya.organisations.models import Organisation, Programme
from himaya.reference.models import Country, Region
from himaya.registry.models import Household, HouseholdMember, Person

_codes = itertools.count(1)


def person(organisation: Organisation, *, sex: str = "female", birth_year: int | None = 1990,
           region: str | None = "01", nationality: str | None = "GN") -> Person:
    return Person.objects.create(
        code=f"T{next(_codes):08d}", organisation=organisation, given_name="x", sex=sex,
        birth_year=birth_year,
        region=Region.objects.get(code=region) if region else None,
        nationality=Country.objects.get(alpha2=nationality) if nationality else None,
    )


def household(organisation: Organisation, members: list[Person]) -> Household:
    home = Household.objects.create(code=f"H{next(_codes):08d}", organisation=organisation)
    for index, member in enumerate(members):
        HouseholdMember.objects.create(household=home, person=member,
                                       relationship="head" if index == 0 else "child")
    return home


def deliver(programme: Programme, organisation: Organisation, type_code: str, on: dt.date, *,
            to: Person | None = None, household: Household | None = None,
            value: str | None = None, **extra: Any) -> Delivery:
    kind = AssistanceType.objects.get(code=type_code)
    return Delivery.objects.create(
        organisation=organisation, programme=programme, assistance_type=kind, person=to,
        household=household, value=Decimal(value) if value is not None else kind.unit_value,
        delivered_on=on, **extra,
    )
