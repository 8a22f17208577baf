"""Sample path arguments for the registry's routes: partner A's person and household."""

from __future__ import annotations

from typing import Any

from tests.access_samples import Sample


def person_of_a(world: Any) -> Any:
    """One person of partner A's caseload, living in partner A's region (made once per world)."""
    from tests.registry.factories import make_person

    cached = getattr(world, "_registry_person", None)
    if cached is None:
        cached = make_person(world.partner_a, world.users["agent_a"], region="01")
        world._registry_person = cached
    return cached


def household_of_a(world: Any) -> Any:
    from himaya.registry.services import MemberData, household_register

    cached = getattr(world, "_registry_household", None)
    if cached is None:
        cached, _created = household_register(
            actor=None, organisation=world.partner_a,
            members=[MemberData(person_of_a(world), "head")],
        )
        world._registry_household = cached
    return cached


def _person(world: Any) -> dict[str, Any]:
    return {"pk": person_of_a(world).pk}


SAMPLES = {
    "registry:person-detail": Sample(_person, owner="a"),
    "registry:person-edit": Sample(_person, owner="a"),
    "registry:person-history": Sample(_person, owner="a"),
    "registry:person-reveal": Sample(_person, owner="a"),
    "registry:person-export": Sample(_person, owner="a"),
    "registry:person-export-pdf": Sample(_person, owner="a"),
    "registry:consent-withdraw": Sample(
        lambda w: {"pk": person_of_a(w).pk, "purpose": "follow_up"}, owner="a"
    ),
    "registry:consent-record": Sample(
        lambda w: {"pk": person_of_a(w).pk, "purpose": "referral"}, owner="a"
    ),
    "registry:household-detail": Sample(lambda w: {"pk": household_of_a(w).pk}, owner="a"),
    "registry:household-member-add": Sample(lambda w: {"pk": household_of_a(w).pk}, owner="a"),
    "api-person-detail": Sample(_person, owner="a"),
    "api-household-detail": Sample(lambda w: {"pk": household_of_a(w).pk}, owner="a"),
}
