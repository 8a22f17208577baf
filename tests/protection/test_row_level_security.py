"""P4: PostgreSQL row-level security, proven under a role that is neither owner nor BYPASSRLS.

The suite connects as the superuser `postgres` (which bypasses every policy); each test
here creates the application's role, switches to it with SET LOCAL ROLE inside the test's
transaction, and the rollback removes the role again. The role name carries the test
database's name, so that parallel runs on other databases never share one.
"""

from __future__ import annotations

import contextlib
import io
import re

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from himaya.protection import rls
from tests.registry.factories import make_person

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def _role_name() -> str:
    return "himaya_app_" + re.sub(r"[^a-z0-9_]", "_", connection.settings_dict["NAME"].lower())[:40]


@pytest.fixture
def app_role(db):  # noqa: ANN001, ANN201
    role = _role_name()
    out = io.StringIO()
    call_command("create_app_role", role, stdout=out)  # what operators run, as the owner
    assert "row-level security applies" in out.getvalue()
    yield role
    # Dropped here, and the test's rollback would undo CREATE ROLE anyway: no role is left
    # behind on the shared server whatever happens.
    with contextlib.suppress(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f"DROP OWNED BY {role}")
        cursor.execute(f"DROP ROLE {role}")


def _as_app(role: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")


def _raw(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _people(world):  # noqa: ANN001, ANN202
    a = make_person(world.partner_a, given_name="Awa", phone="0611111111",
                    documents=[{"kind": "passport", "number": "AA1111111"}])
    b = make_person(world.partner_b, given_name="Binta", phone="0622222222",
                    documents=[{"kind": "passport", "number": "BB2222222"}], region="02")
    return a, b


def test_the_app_role_is_neither_owner_nor_bypassrls_and_the_tables_have_policies(world, app_role):
    (row,) = _raw("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [app_role])
    assert row == (False, False)
    owners = _raw(
        "SELECT DISTINCT tableowner FROM pg_tables WHERE tablename = ANY(%s)", [rls.protected_tables()]
    )
    assert app_role not in {owner for (owner,) in owners}
    enabled = dict(_raw(
        "SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY(%s)", [rls.protected_tables()]
    ))
    assert enabled == {table: True for table in rls.protected_tables()}


def test_raw_sql_under_a_partners_setting_returns_only_its_rows(world, app_role):
    a, b = _people(world)
    _as_app(app_role)

    rls.set_scope(str(world.partner_a.pk))
    assert _raw("SELECT id FROM registry_person ORDER BY id") == [(a.pk,)]
    assert {pid for (pid,) in _raw("SELECT person_id FROM registry_persondocument")} == {a.pk}
    assert {pid for (pid,) in _raw("SELECT person_id FROM registry_consent")} == {a.pk}
    assert {pid for (pid,) in _raw("SELECT person_id FROM registry_searchkey")} == {a.pk}
    # The other partner's row cannot be changed or taken over either.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_person SET sex = 'other' WHERE id = %s", [b.pk])
        assert cursor.rowcount == 0
    with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        _raw("UPDATE registry_person SET organisation_id = %s WHERE id = %s RETURNING id",
             [world.partner_b.pk, a.pk])

    rls.set_scope(str(world.partner_b.pk))
    assert _raw("SELECT id FROM registry_person") == [(b.pk,)]

    rls.set_scope(rls.EVERYTHING)
    assert {pid for (pid,) in _raw("SELECT id FROM registry_person")} == {a.pk, b.pk}


def test_deduplication_pairs_and_merges_follow_both_people(world, app_role):
    """A pair or a merge links two people: a partner sees it only when both are its own
    (a merge's snapshot holds the absorbed record's identifiers)."""
    from himaya.dedup.models import CandidatePair
    from himaya.dedup.services import person_merge

    a, b = _people(world)
    twin = make_person(world.partner_a, given_name="Awa", phone="0611111112")
    own = CandidatePair.objects.create(person_low=a, person_high=twin, weight=9.0)
    low, high = sorted([a, b], key=lambda p: p.pk)
    across = CandidatePair.objects.create(person_low=low, person_high=high, weight=5.0, cross_partner=True)
    merge = person_merge(survivor=a, absorbed=twin, actor=None, pair=own)
    _as_app(app_role)

    rls.set_scope(str(world.partner_a.pk))
    assert _raw("SELECT id FROM dedup_candidatepair") == [(own.pk,)]
    assert _raw("SELECT id FROM dedup_merge") == [(merge.pk,)]
    rls.set_scope(str(world.partner_b.pk))
    assert _raw("SELECT count(*) FROM dedup_candidatepair") == [(0,)]
    assert _raw("SELECT count(*) FROM dedup_merge") == [(0,)]
    # Nor can B's side pair its person with one of A's.
    with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        _raw("INSERT INTO dedup_candidatepair (person_low_id, person_high_id, source, weight, band, detail, "
             "status, cross_partner, created_at, updated_at) VALUES (%s, %s, 'run', 1, 'review', '[]', "
             "'pending', true, now(), now()) RETURNING id", sorted([b.pk, twin.pk]))
    rls.set_scope(rls.EVERYTHING)
    assert {pk for (pk,) in _raw("SELECT id FROM dedup_candidatepair")} == {own.pk, across.pk}


def test_with_no_setting_the_app_role_sees_nothing(world, app_role):
    _people(world)
    _as_app(app_role)
    rls.set_scope(rls.NOTHING)
    assert _raw("SELECT count(*) FROM registry_person") == [(0,)]
    assert _raw("SELECT count(*) FROM registry_consent") == [(0,)]
    with connection.cursor() as cursor:
        cursor.execute("RESET himaya.organisation_ids")
    assert _raw("SELECT current_setting('himaya.organisation_ids', true)")[0][0] in (None, "")
    assert _raw("SELECT count(*) FROM registry_person") == [(0,)]


def test_the_app_role_cannot_rewrite_the_audit_trail(world, app_role):
    make_person(world.partner_a)
    _as_app(app_role)
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        _raw("DELETE FROM audit_auditevent RETURNING id")


def test_a_request_through_the_middleware_sets_the_partners_setting(world, app_role):
    a, b = _people(world)
    _as_app(app_role)
    rls.set_scope(rls.NOTHING)
    seen: list[str | None] = []

    from django.db.models.signals import pre_init

    def spy(sender, **kwargs):  # noqa: ANN001, ANN202, ARG001
        seen.append(rls.current_scope())

    # The list of people, as partner A: under the app role only A's person exists for it...
    pre_init.connect(spy, sender=a.__class__)
    try:
        response = world.client_for("agent_a").get("/registry/", {"q": "Awa"})
    finally:
        pre_init.disconnect(spy, sender=a.__class__)
    assert response.status_code == 200
    assert seen and set(seen) == {str(world.partner_a.pk)}
    assert a.code_display in response.content.decode()
    # ...and once the request is over the connection is closed again.
    assert rls.current_scope() == rls.process_default() == rls.NOTHING

    # Partner B's person is not there for partner A, whatever the query says.
    response = world.client_for("agent_a").get(f"/registry/people/{b.pk}/")
    assert response.status_code == 404
    # A programme manager's request sees both.
    response = world.client_for("manager").get(f"/registry/people/{b.pk}/")
    assert response.status_code == 200


def test_a_partners_day_of_work_runs_under_the_app_role(world, app_role):
    """Register, search, deliver (a voucher is issued), open the person: all as the app role,
    so production's wall does not break the ordinary paths; the public figures still count."""
    from django.urls import reverse

    from himaya.registry.models import Person
    from tests.assistance.factories import DAY, kind, programme_of

    programme = programme_of(world.partner_a)
    _as_app(app_role)
    rls.set_scope(rls.NOTHING)
    agent = world.client_for("agent_a")
    response = agent.post(reverse("registry:person-register"), {
        "given_name": "Khady", "family_name": "Ba", "sex": "female", "birth_precision": "year",
        "birth_year": "1990", "phone": "0611223344", "legal_basis": "consent",
        "consent_registration": "on", "consent_assistance": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    rls.set_scope(rls.EVERYTHING)
    person = Person.objects.get()
    rls.set_scope(rls.NOTHING)
    found = agent.post(reverse("registry:person-list"), {"q": "Khady"}, HTTP_HX_REQUEST="true")
    assert person.code_display in found.content.decode()
    page = agent.post(reverse("assistance:delivery-new"), {
        "recipient": person.code, "programme": programme.pk,
        "assistance_type": kind("food-voucher").pk, "quantity": "1", "delivered_on": DAY.isoformat()})
    assert page.status_code == 200 and b'data-testid="issued-code"' in page.content
    assert agent.get(reverse("registry:person-detail", args=[person.pk])).status_code == 200
    # The other partner's coordinator finds nothing, even by code.
    other = world.client_for("coord_b").post(reverse("registry:person-list"), {"q": person.code})
    assert person.code_display not in other.content.decode()
    # The public figures are counted over every row.
    figures = world.client_for("anonymous").get(reverse("api-public-figures"))
    assert figures.status_code == 200
    rls.set_scope(rls.EVERYTHING)
    assert person.deliveries.count() == 1


def test_an_api_token_gets_its_users_setting(world, app_role):
    """DRF authenticates tokens inside the view; the middleware must know the user before."""
    from django.test import Client
    from django.urls import reverse

    from himaya.accounts.services import token_create

    a, b = _people(world)
    raw = token_create(actor=world.users["agent_a"], name="phone").raw
    _as_app(app_role)
    rls.set_scope(rls.NOTHING)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    from django.db.models.signals import pre_init

    seen: list[str | None] = []

    def spy(sender, **kwargs):  # noqa: ANN001, ANN202, ARG001
        seen.append(rls.current_scope())

    pre_init.connect(spy, sender=a.__class__)
    try:
        rows = client.get(reverse("api-person-list")).json()["results"]
    finally:
        pre_init.disconnect(spy, sender=a.__class__)
    assert [row["id"] for row in rows] == [a.pk]
    # Partner A's setting, not the "*" an anonymous request gets.
    assert seen and set(seen) == {str(world.partner_a.pk)}
    refused = Client(HTTP_AUTHORIZATION="Bearer hmy_nothing_here").get(reverse("api-person-list"))
    assert refused.status_code in (401, 403)
