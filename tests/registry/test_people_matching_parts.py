"""`people_matching` (the check-in's search within a distribution's list) is three id look-ups,
one per kind of match, merged: the same people in the same order as the single OR query it
replaced, and on PostgreSQL each look-up is answered from its own index (decision 0202)."""

from __future__ import annotations

import pytest
from django.db import connection

from himaya.registry import queries
from himaya.registry.models import Person
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db


def _one_or_query(user, query: str):  # noqa: ANN001, ANN202
    """The query `people_matching` used to run: the three conditions ORed."""
    visible = queries.people_listed_to(user)
    found = [q for q in queries._search_parts(visible, query) if q is not None]
    if not found:
        return visible.none()
    condition = found[0]
    for q in found[1:]:
        condition |= q
    return visible.filter(condition)


@pytest.fixture
def people(world):  # noqa: ANN001, ANN201
    made = [
        make_person(world.partner_a, given_name="Aminata", family_name="Diallo", phone="+221 77 123 45 67"),
        make_person(world.partner_a, given_name="Mamadou", family_name="Diallo", phone="+221 77 999 00 11"),
        make_person(world.partner_a, given_name="Fatou", family_name="Sow", phone="+221 77 123 45 67"),
        make_person(world.partner_a, given_name="Ousmane", family_name="Keita", phone="06 12 34 56 78"),
        make_person(world.partner_b, given_name="Aminata", family_name="Diallo", phone="+221 77 123 45 67"),
    ]
    return made


def _queries(people: list[Person]) -> list[str]:
    first = people[0]
    return ["Diallo", "aminata diallo", "Djalo", "Ousmane", "nobody", first.code_display,
            first.code[:5], first.code[:5].lower(), "+221771234567", "0612345678", "", "  ",
            # Four letters or more, all alphanumeric: both a code prefix and a name.
            first.code[:4], "Fatou"]


@pytest.mark.parametrize("role", ["agent_a", "coord_a", "protection", "admin", "me", "coord_b"])
def test_the_same_people_in_the_same_order_as_the_single_or_query(world, people, role):
    user = world.users[role]
    for query in _queries(people):
        expected = list(_one_or_query(user, query))
        assert list(queries.people_matching(user, query)) == expected, query
    # Within a distribution's list: the same as filtering the OR query by it.
    within = Person.objects.filter(pk__in=[people[0].pk, people[2].pk, people[4].pk]).values("pk")
    for query in _queries(people):
        expected = list(_one_or_query(user, query).filter(pk__in=within))
        assert list(queries.people_matching(user, query, within=within)) == expected, query


def test_scope_is_kept(world, people):
    found = set(queries.people_matching(world.users["agent_a"], "Aminata Diallo"))
    assert people[0] in found and people[4] not in found
    assert list(queries.people_matching(world.users["donor"], "Diallo")) == []


FILLER = 20000


def _fill(world) -> None:  # noqa: ANN001
    """Enough other people and search keys, and fresh statistics, for the planner to prefer
    an index over reading a table (a few rows it reads whole, whatever the query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO registry_person (code, organisation_id, external_id, source_digest,
                   given_name, family_name, other_names, sex, birth_precision, birth_date, phone,
                   phone_index, name_index, registered_at, updated_at, version)
               SELECT 'Z' || lpad(i::text, 8, '0'), CASE WHEN i %% 2 = 0 THEN %s ELSE %s END,
                   '', '', '', '', '', 'female', 'unknown', '', '', md5(i::text), md5('n' || i),
                   now(), now(), 1
               FROM generate_series(1, %s) AS i""",
            [world.partner_a.pk, world.partner_b.pk, FILLER])
        cursor.execute(
            """INSERT INTO registry_searchkey (person_id, digest)
               SELECT p.id, left(md5(p.id::text || '-' || k), 32)
               FROM registry_person p, generate_series(1, 8) AS k WHERE p.code LIKE 'Z%%'""")
        cursor.execute("ANALYZE registry_person")
        cursor.execute("ANALYZE registry_searchkey")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")
@pytest.mark.parametrize("role", ["agent_a", "protection", "admin"])
def test_on_postgresql_each_part_uses_its_own_index(world, people, role):
    """Among 20,000 other people, each part is answered through the index of its kind of
    match (the OR of a code prefix with a search-key subquery cannot be, decision 0202)."""
    _fill(world)
    user = world.users[role]
    first = people[0]
    expected_index = {
        first.code[:5]: "registry_person_code",  # Django's pattern (_like) index on the code
        "+221771234567": "registry_person_phone_index",
        "Diallo": "registry_searchkey_digest_pk",
    }
    for query, index in expected_index.items():
        parts = queries.people_matching_parts(user, query)
        plans = [part.explain() for part in parts]
        assert any(index in plan for plan in plans), (query, plans)
        for plan in plans:
            assert "Seq Scan on registry_person " not in plan + " ", (query, plan)
        assert list(queries.people_matching(user, query)) == list(_one_or_query(user, query))
