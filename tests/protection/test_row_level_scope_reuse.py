"""P4 with persistent connections: the setting follows each request, with no round trip
when it does not change, and never leaks from one user's request to the next one's.

Same set-up as test_row_level_security (the application's role inside the test's
transaction); every request here runs on the test's one connection, as a worker thread's
requests run on its persistent connection (CONN_MAX_AGE)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from himaya.accounts.services import token_create
from himaya.protection import rls
from tests.conftest import login_verified
from tests.protection.test_row_level_security import _as_app, _people, _raw, app_role  # noqa: F401

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def _backend() -> int:
    return _raw("SELECT pg_backend_pid()")[0][0]


def _token_client(user) -> Client:  # noqa: ANN001
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_create(actor=user, name='phone').raw}")


def _session_client(user) -> Client:  # noqa: ANN001
    client = Client()
    login_verified(client, user)
    return client


def test_a_connection_reused_by_another_users_request_never_sees_the_previous_users_rows(world, app_role):  # noqa: F811
    a, b = _people(world)
    clients = {
        "token A": (_token_client(world.users["agent_a"]), a),
        "token B": (_token_client(world.users["coord_b"]), b),
        "session A": (_session_client(world.users["agent_a"]), a),
        "session B": (_session_client(world.users["coord_b"]), b),
    }
    _as_app(app_role)
    rls.set_scope(rls.NOTHING)
    backend = _backend()
    order = ["token A", "token B", "token B", "session A", "token B", "session B", "token A", "session A"]
    for name in order:
        client, own = clients[name]
        rows = client.get(reverse("api-person-list")).json()["results"]
        assert [row["id"] for row in rows] == [own.pk], name
        # Between two requests, on the same connection: nothing is visible.
        assert _raw("SELECT count(*) FROM registry_person") == [(0,)], name
        assert rls.current_scope() == rls.NOTHING
    assert _backend() == backend  # one connection served them all


def test_a_steady_caller_costs_no_set_config_and_a_new_caller_one(world, app_role):  # noqa: F811
    a, _b = _people(world)
    till, agent = _token_client(world.users["vendor"]), _token_client(world.users["agent_a"])
    _as_app(app_role)
    url = reverse("api-voucher-statement-list")
    # A token's first call reads it (a cold cache) under the closed default: warm both.
    assert agent.get(reverse("api-person-list")).status_code == 200
    assert till.get(url).status_code == 200
    with CaptureQueriesContext(connection) as same:
        assert till.get(url).status_code == 200
    assert not [q for q in same.captured_queries if "set_config" in q["sql"]]
    with CaptureQueriesContext(connection) as other:
        rows = agent.get(reverse("api-person-list")).json()["results"]
    assert [row["id"] for row in rows] == [a.pk]
    assert len([q for q in other.captured_queries if "set_config" in q["sql"]]) == 1


def test_a_setting_undone_by_a_rollback_is_set_again(world, app_role):  # noqa: F811
    a, _b = _people(world)
    _as_app(app_role)
    rls.set_scope(rls.EVERYTHING)
    assert _raw("SELECT count(*) FROM registry_person") == [(2,)]
    # Set inside a savepoint that rolls back: PostgreSQL puts "*" back, the code asked for A.
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        rls.set_scope(str(world.partner_a.pk))
        assert _raw("SELECT id FROM registry_person") == [(a.pk,)]
        raise ZeroDivisionError
    assert _raw("SELECT id FROM registry_person") == [(a.pk,)]
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        rls.set_scope(rls.NOTHING)
        assert _raw("SELECT count(*) FROM registry_person") == [(0,)]
        raise ZeroDivisionError
    assert _raw("SELECT count(*) FROM registry_person") == [(0,)]
    assert rls.current_scope() == rls.NOTHING


def test_a_setting_changed_by_hand_is_noticed(world, app_role):  # noqa: F811
    a, _b = _people(world)
    _as_app(app_role)
    rls.set_scope(str(world.partner_a.pk))
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('himaya.organisation_ids', '*', false)")
    rls.set_scope(str(world.partner_a.pk))  # the same value asked again: must be sent again
    assert _raw("SELECT id FROM registry_person") == [(a.pk,)]
