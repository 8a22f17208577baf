"""API calls with a personal token take the shorter middleware chain and lose nothing that
protects them (docs/decisions/0504-api-token-fast-path.md)."""

from __future__ import annotations

import pytest
from csp.utils import build_policy
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from himaya.accounts.services import token_create
from himaya.accounts.token_requests import is_token_call, token_call_middleware

pytestmark = pytest.mark.django_db

# What protects an answer, whichever chain served it.
PROTECTIVE = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
              "Cross-Origin-Opener-Policy", "Cache-Control", "Content-Language", "Content-Type")


def _token_client(world, key: str = "vendor", **extra) -> Client:  # noqa: ANN001
    raw = token_create(actor=world.users[key], name="till").raw
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", **extra)


def test_which_requests_are_token_calls():
    factory = RequestFactory()
    assert is_token_call(factory.get("/api/v1/vouchers/", HTTP_AUTHORIZATION="Bearer hmy_x"))
    assert is_token_call(factory.post("/api/v1/vouchers/redeem/", HTTP_AUTHORIZATION="token hmy_x"))
    assert is_token_call(factory.get("/api/v1/vouchers/", HTTP_AUTHORIZATION="BEARER hmy_x"))
    assert not is_token_call(factory.get("/api/v1/vouchers/"))
    assert not is_token_call(factory.get("/api/v1/vouchers/", HTTP_AUTHORIZATION="Basic eDp5"))
    assert not is_token_call(factory.get("/registry/", HTTP_AUTHORIZATION="Bearer hmy_x"))


def test_the_short_chain_keeps_every_header_middleware_and_row_level_security():
    chain = token_call_middleware()
    for kept in ("django.middleware.security.SecurityMiddleware", "django.middleware.locale.LocaleMiddleware",
                 "django.middleware.common.CommonMiddleware", "himaya.protection.middleware.RowLevelScopeMiddleware",
                 "django.middleware.clickjacking.XFrameOptionsMiddleware",
                 "himaya.accounts.security_headers.CSPMiddleware",
                 "himaya.accounts.middleware.NoStoreForSignedInMiddleware"):
        assert kept in chain
    for skipped in ("django.contrib.sessions.middleware.SessionMiddleware",
                    "django.middleware.csrf.CsrfViewMiddleware", "django_otp.middleware.OTPMiddleware"):
        assert skipped not in chain


def test_a_token_call_answers_with_the_same_protective_headers_and_sets_no_cookie(world):
    client = _token_client(world, HTTP_ACCEPT_LANGUAGE="ar")
    url = reverse("api-voucher-statement-list")
    short = client.get(url)
    with override_settings(TOKEN_CALL_SKIPS=[]):  # every middleware, as before the short chain
        full = _token_client(world, HTTP_ACCEPT_LANGUAGE="ar").get(url)
    assert short.status_code == full.status_code == 200
    for header in PROTECTIVE:
        assert short.get(header) == full.get(header), header
    assert short["Cache-Control"] == "no-store, private"
    assert short["Content-Language"] == "ar"
    assert short["Content-Security-Policy"] == build_policy()
    assert not short.cookies  # no session, no CSRF cookie


def test_a_bad_token_is_refused_and_a_session_does_not_stand_in_for_it(world):
    from tests.conftest import login_verified

    client = Client(HTTP_AUTHORIZATION="Bearer hmy_nothing_here")
    login_verified(client, world.users["vendor"])  # a valid session on the same call
    response = client.get(reverse("api-voucher-statement-list"))
    assert response.status_code == 401


def test_a_session_call_still_needs_its_csrf_token(world):
    from tests.conftest import login_verified

    client = Client(enforce_csrf_checks=True)
    login_verified(client, world.users["vendor"])
    response = client.post(reverse("api-voucher-redeem"), {"code": "x", "amount": "1"},
                           content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_token_call_to_a_page_outside_the_api_takes_the_full_chain(world):
    client = _token_client(world)
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "csrftoken" in response.cookies  # the CSRF middleware ran
