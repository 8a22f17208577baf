"""P4: which processes see every row (commands, the worker) and which start closed (the web server)."""

from __future__ import annotations

import os

import pytest

from himaya import cli
from himaya.protection import rls


@pytest.fixture
def ran(monkeypatch):  # noqa: ANN001, ANN201
    """Run `himaya ...` up to the point where Django would take over, and keep the environment."""
    seen: dict[str, str | None] = {}

    def fake_execute(args: list[str]) -> None:
        seen.update(command=args[1], scope=os.environ.get("HIMAYA_DB_SCOPE"),
                    url=os.environ.get("DATABASE_URL"))

    import django.core.management

    monkeypatch.setattr(django.core.management, "execute_from_command_line", fake_execute)
    # setenv first so that the teardown removes what the command sets.
    monkeypatch.setenv("HIMAYA_DB_SCOPE", "")
    monkeypatch.delenv("HIMAYA_DB_SCOPE")
    monkeypatch.setenv("DATABASE_URL", "postgres://himaya_app@db/himaya")
    monkeypatch.setenv("HIMAYA_MIGRATE_DATABASE_URL", "postgres://himaya_owner@db/himaya")
    return seen


def test_commands_are_system_work_and_migrations_run_as_the_owner(ran, monkeypatch):
    cli.main(["himaya", "migrate"])
    assert ran == {"command": "migrate", "scope": "system", "url": "postgres://himaya_owner@db/himaya"}
    assert rls.process_default() == rls.EVERYTHING


def test_the_worker_sees_every_row_through_the_app_role(ran):
    cli.main(["himaya", "db_worker"])
    assert ran == {"command": "db_worker", "scope": "system", "url": "postgres://himaya_app@db/himaya"}


def test_the_web_server_starts_closed(ran):
    cli.main(["himaya", "runserver"])
    assert ran["scope"] is None
    assert rls.process_default() == rls.NOTHING


@pytest.mark.parametrize(("role", "value"), [
    ("coord_a", "partner_a"), ("agent_a", "partner_a"), ("manager", "*"), ("protection", "*"),
    ("vendor", "*"), ("donor", "*"),
])
def test_each_role_gets_its_setting(world, role, value):
    from himaya.accounts.scopes import ANONYMOUS, scope_for

    expected = str(world.partner_a.pk) if value == "partner_a" else value
    assert rls.scope_value(scope_for(world.users[role])) == expected
    assert rls.scope_value(ANONYMOUS) == rls.EVERYTHING
