"""A till's redemption call answered without DRF's machinery gives exactly DRF's answer
(docs/decisions/0504-api-token-fast-path.md): same status, body and headers, for each
outcome; anything unusual still goes through DRF."""

from __future__ import annotations

import pytest
from django.test import Client

from himaya.accounts.services import token_create
from himaya.vouchers import api
from tests.vouchers.factories import contract, issue

pytestmark = pytest.mark.django_db

URL = "/api/v1/vouchers/redeem/"
HEADERS = ("Content-Type", "Allow", "Vary", "Retry-After", "Cache-Control", "Content-Language",
           "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options")


def _answers(world, monkeypatch, *, drf: bool) -> list[tuple[int, dict, dict]]:  # noqa: ANN001
    """The same day of a till, through the fast path or through DRF."""
    if drf:
        monkeypatch.setattr(api, "_wants_json", lambda request: False)  # noqa: ARG005
    else:
        monkeypatch.setattr(api.APIView, "dispatch", _refuse_drf(api.APIView.dispatch))
    raw = token_create(actor=world.users["vendor"], name="till").raw
    till = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="ar")
    voucher = issue(world.partner_a, value="100")
    calls = [
        ({"code": voucher.code, "amount": "30"}, "k-1"),      # 201
        ({"code": voucher.code, "amount": "30"}, "k-1"),      # replay: 200
        ({"code": voucher.code, "amount": "31"}, "k-1"),      # same key, other amount: 409
        ({"code": voucher.code, "amount": "500"}, "k-2"),     # not enough left: 409
        ({"code": "A" * 20, "amount": "1"}, "k-3"),           # forged: 400
        ({"code": voucher.code, "amount": "1.234"}, "k-4"),   # three decimals: 400
    ]
    out = []
    for body, key in calls:
        response = till.post(URL, body, content_type="application/json",
                             HTTP_IDEMPOTENCY_KEY=f"{'drf' if drf else 'fast'}-{key}")
        data = response.json()
        for varying in ("receipt", "at"):
            data.pop(varying, None)
        out.append((response.status_code, data, {h: response.get(h) for h in HEADERS}))
    return out


def _refuse_drf(dispatch):  # noqa: ANN001, ANN202
    """DRF's dispatch, recording that the fast path did not answer."""
    def wrapped(self, request, *args, **kwargs):  # noqa: ANN001, ANN202
        wrapped.used += 1
        return dispatch(self, request, *args, **kwargs)
    wrapped.used = 0
    return wrapped


def test_the_fast_path_answers_exactly_as_drf(world, monkeypatch):
    contract(world.vendor)
    fast = _answers(world, monkeypatch, drf=False)
    assert api.APIView.dispatch.used == 0  # every call above was answered by the fast path
    monkeypatch.undo()
    slow = _answers(world, monkeypatch, drf=True)
    assert [status for status, _b, _h in fast] == [201, 200, 409, 409, 400, 400]
    assert fast == slow
    assert fast[0][2]["Cache-Control"] == "no-store, private" and fast[0][2]["Allow"] == "POST, OPTIONS"


@pytest.mark.parametrize("variant", ["form", "html", "bad json", "nan", "no token", "bom"])
def test_unusual_calls_go_through_drf(world, monkeypatch, variant):
    contract(world.vendor)
    raw = token_create(actor=world.users["vendor"], name="till").raw
    voucher = issue(world.partner_a, value="100")
    seen = _refuse_drf(api.APIView.dispatch)
    monkeypatch.setattr(api.APIView, "dispatch", seen)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_IDEMPOTENCY_KEY": "k"}
    body = f'{{"code": "{voucher.code}", "amount": "1"}}'
    client = Client()
    if variant == "form":
        response = client.post(URL, {"code": voucher.code, "amount": "1"}, **auth)
        assert response.status_code == 201
    elif variant == "html":
        response = client.post(URL, body, content_type="application/json", HTTP_ACCEPT="text/html", **auth)
        assert response.status_code == 201 and response["Content-Type"].startswith("text/html")
    elif variant == "bad json":
        response = client.post(URL, "{", content_type="application/json", **auth)
        assert response.status_code == 400
    elif variant == "nan":
        response = client.post(URL, '{"code": NaN, "amount": "1"}', content_type="application/json", **auth)
        assert response.status_code == 400 and "code" not in response.json()
    elif variant == "bom":
        response = client.post(URL, "\ufeff" + body, content_type="application/json", **auth)
        assert response.status_code == 400
    else:
        response = client.post(URL, body, content_type="application/json", HTTP_AUTHORIZATION="Bearer hmy_no",
                               HTTP_IDEMPOTENCY_KEY="k")
        assert response.status_code == 401
    assert seen.used == 1
