"""Every route in the URL configuration, against every role.

A route without a declared rule fails; so does one whose answer to a role
contradicts its rule, or that shows partner A's object to partner B.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from himaya.accounts.access import AccessRule, rule_of
from tests.access_samples import SAMPLES
from tests.conftest import ROLE_KEYS

PARTNER_B_KEYS = {"coord_b"}
PARTNER_A_KEYS = {"coord_a", "agent_a"}


@dataclass(frozen=True)
class Route:
    name: str
    callback: object
    has_args: bool


def _walk(patterns: list, namespace: str = "") -> list[Route]:
    routes: list[Route] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the admin site has its own staff check; tested below
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes += _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            if not entry.name:
                raise AssertionError(f"unnamed route {entry.pattern}: every route needs a name")
            routes.append(
                Route(f"{namespace}{entry.name}", entry.callback, bool(entry.pattern.converters)
                      or "(?P<" in str(entry.pattern))
            )
    return routes


ROUTES = _walk(get_resolver().url_patterns)


def test_every_route_declares_an_access_rule():
    missing = [route.name for route in ROUTES if rule_of(route.callback) is None]
    assert missing == [], f"routes without an access rule: {missing}"


def test_every_route_with_arguments_has_a_sample():
    missing = [route.name for route in ROUTES if route.has_args and route.name not in SAMPLES]
    assert missing == [], f"declare sample arguments in tests/access_samples.py for: {missing}"


def _expected(rule: AccessRule, role_key: str, role: str | None, route_name: str) -> str:
    if rule.anonymous:
        return "ok"
    if role is None:
        return "login"
    if role not in rule.roles:
        return "forbidden"
    sample = SAMPLES.get(route_name)
    if sample is not None:
        if role_key in sample.hidden_from:
            return "not_found"
        if sample.owner == "a" and role_key in PARTNER_B_KEYS:
            return "not_found"
    return "ok"


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_route_answers_each_role_as_its_rule_says(route, world):
    rule = rule_of(route.callback)
    assert rule is not None
    sample = SAMPLES.get(route.name)
    url = reverse(route.name, kwargs=sample.kwargs(world) if sample else None)
    is_api = url.startswith("/api/")
    for role_key in ROLE_KEYS:
        user = world.users.get(role_key)
        role = user.membership.role if user else None
        expected = _expected(rule, role_key, role, route.name)
        client = world.client_for(role_key)
        response = client.get(url)
        if response.status_code == 405:
            # A POST-only action: its access and scope checks must hold for POST too.
            # Each role's attempt is rolled back so that one role's action does not
            # change what the next role finds.
            with transaction.atomic():
                response = client.post(url)
                transaction.set_rollback(True)
        status = response.status_code
        context = f"{route.name} as {role_key}: got {status}, expected {expected}"
        if expected == "ok":
            assert status in (200, 302, 400), context
        elif expected == "login":
            if is_api:
                assert status in (401, 403), context
            else:
                assert status == 302 and "/accounts/login/" in response["Location"], context
        elif expected == "forbidden":
            assert status == 403, context
        elif expected == "not_found":
            assert status == 404, context


def test_admin_site_is_for_staff_only(world):
    url = reverse("admin:index")
    assert world.client_for("admin").get(url).status_code == 200
    for role_key in ROLE_KEYS:
        if role_key == "admin":
            continue
        response = world.client_for(role_key).get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], role_key


def test_partner_b_sees_nothing_of_partner_a_in_lists(world):
    body = world.client_for("coord_b").get(reverse("organisations:organisation-list")).content
    assert world.partner_a.name_fr.encode() not in body
    api = world.client_for("coord_b").get(reverse("api-organisation-list")).json()
    assert {row["code"] for row in api["results"]} == {"partner-b"}
