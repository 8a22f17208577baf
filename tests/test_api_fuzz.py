"""The API fuzzed: Schemathesis drives every operation of the served OpenAPI schema as each role.

The schema is fetched from `/api/v1/schema/` (the one clients read); requests go in-process to
Himaya's WSGI application, inside the test's transaction. Each role signs in with a personal
API token (anonymous sends none). Two things must hold for every generated request, valid
or not: no 5xx, and every answer the schema documents matches the schema.

Bounded: HIMAYA_FUZZ_EXAMPLES examples per operation, role and mode (positive and negative
data), derandomised so the suite is repeatable; raise it locally to search harder.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from himaya.accounts.services import token_create
from tests.conftest import ROLE_KEYS
from tests.faults.catalogues import ensure_data_migrations
from tests.registry.factories import make_person
from tests.vouchers.factories import contract, issue

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("HIMAYA_FUZZ_EXAMPLES", "3"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def in_test_transaction(app: Callable) -> Callable:
    """Django's WSGI handler closes "old" connections around each request, which would end the
    test's transaction; the test client unhooks the same signal for the same reason."""

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            return list(app(environ, start_response))
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return wsgi


def seed(world: Any) -> None:
    """A little of everything, so that ids in paths sometimes name a real object."""
    person = make_person(world.partner_a)
    make_person(world.partner_b, given_name="Fatou")
    contract(world.vendor)
    issue(world.partner_a, person=person, vendors=(world.vendor,))


def record(found: dict[str, str], label: str, mode: str, error: BaseException, case: Any) -> None:
    """One entry per distinct problem (operation, check, first line, schema place), one example each."""
    for failure in error.exceptions if isinstance(error, FailureGroup) else (error,):
        lines = [line.strip() for line in failure.message.splitlines() if line.strip()]
        where = next((line for line in lines if line.startswith("Schema at")), "")
        key = f"{label}: {failure.title}: {lines[0] if lines else ''} {where}"
        found.setdefault(key, f"[{mode}] query={case.query} body={case.body!r}"[:400])


@functools.cache
def served_schema() -> Any:
    """Fetched once from the schema URL; the same operations (and their strategies) for every role."""
    response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = schemathesis.openapi.from_dict(response.json())
    schema.app = in_test_transaction(get_wsgi_application())
    return schema


@functools.cache
def operations() -> list[Any]:
    return [result.ok() for result in served_schema().get_all_operations()]


@functools.cache
def strategy(index: int, mode: GenerationMode) -> Any:
    # Built once and reused: the first draws of a strategy pay for its compilation.
    return operations()[index].as_strategy(generation_mode=mode)


def fuzz(index: int, mode: GenerationMode, headers: dict[str, str], failures: dict[str, str]) -> set[int]:
    """Run the bounded examples of one operation in one mode; the statuses answered."""
    operation = operations()[index]
    statuses: set[int] = set()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy(index, mode))
    def exercise(case: Any) -> None:
        response = case.call(headers=headers)
        statuses.add(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Failure, FailureGroup) as error:  # collected, then reported together
            record(failures, operation.label, mode, error, case)

    with contextlib.suppress(Unsatisfiable):  # no parameter or body that could be made invalid
        exercise()
    return statuses


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_no_operation_answers_5xx_or_breaks_the_schema(role: str, world: Any) -> None:
    ensure_data_migrations()
    seed(world)
    headers = {}
    if role != "anonymous":
        headers["Authorization"] = f"Bearer {token_create(actor=world.users[role], name='fuzz').raw}"
    failures: dict[str, str] = {}
    answered = 0
    for index in range(len(operations())):
        statuses = fuzz(index, GenerationMode.POSITIVE, headers, failures)
        # A role refused at the door is refused whatever the body: invalid data adds nothing.
        if statuses - {401, 403}:
            answered += 1
            fuzz(index, GenerationMode.NEGATIVE, headers, failures)

    assert not failures, f"{len(failures)} problems as {role}:\n" + "\n".join(
        f"{problem}\n    e.g. {example}" for problem, example in failures.items())
    # The run reached past the permission check somewhere (else it proved nothing).
    assert answered >= 1
