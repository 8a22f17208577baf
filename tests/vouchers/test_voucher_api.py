"""The API: vendors with personal tokens check and redeem (Idempotency-Key), read statements;
partners issue, cancel and reissue. Vendors never see who a voucher is for."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from himaya.accounts.services import token_create
from himaya.vouchers.models import Redemption, Voucher
from tests.registry.factories import make_person
from tests.vouchers.factories import contract, issue

pytestmark = pytest.mark.django_db

VENDOR_KEYS = {"code_hint", "status", "usable", "refusal", "message", "category", "value", "balance",
               "currency", "valid_from", "valid_until"}


@pytest.fixture
def till(world):
    contract(world.vendor)
    raw = token_create(actor=world.users["vendor"], name="till").raw
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_check_shows_value_and_validity_and_no_personal_data(world, till):
    issued = issue(world.partner_a, value="150")
    response = till.post("/api/v1/vouchers/check/", {"code": issued.code_display}, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == VENDOR_KEYS
    assert body["balance"] == "150.00" and body["usable"] is True
    person = issued.voucher.person
    text = response.content.decode()
    for secret in (person.given_name, person.family_name, person.code, world.partner_a.code):
        assert secret not in text


def test_check_shows_the_first_name_only_where_the_programme_allows(world, till, settings):
    settings.HIMAYA_VOUCHER_SHOW_FIRST_NAME = True
    issued = issue(world.partner_a)
    body = till.post("/api/v1/vouchers/check/", {"code": issued.code}, content_type="application/json").json()
    assert set(body) == VENDOR_KEYS | {"first_name"}
    assert body["first_name"] == issued.voucher.person.given_name


def test_redeem_with_an_idempotency_key_then_replay_then_conflict(world, till):
    issued = issue(world.partner_a, value="200")
    url = "/api/v1/vouchers/redeem/"
    first = till.post(url, {"code": issued.code, "amount": "75.25"}, content_type="application/json",
                      HTTP_IDEMPOTENCY_KEY="till-1-0001")
    assert first.status_code == 201, first.content
    assert first.json()["balance"] == "124.75"
    again = till.post(url, {"code": issued.code, "amount": "75.25"}, content_type="application/json",
                      HTTP_IDEMPOTENCY_KEY="till-1-0001")
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert {k: v for k, v in again.json().items() if k != "replayed"} == {
        k: v for k, v in first.json().items() if k != "replayed"}
    other = till.post(url, {"code": issued.code, "amount": "80"}, content_type="application/json",
                      HTTP_IDEMPOTENCY_KEY="till-1-0001")
    assert other.status_code == 409 and other.json()["code"] == "key_reused"
    missing = till.post(url, {"code": issued.code, "amount": "1"}, content_type="application/json")
    assert missing.status_code == 400 and missing.json()["code"] == "invalid_key"
    assert Redemption.objects.count() == 1
    assert Voucher.objects.get(pk=issued.voucher.pk).balance == Decimal("124.75")


def test_refusals_have_a_stable_code_and_status(world, till, settings):
    settings.HIMAYA_VOUCHER_FAILURES_PER_MINUTE = 3
    url = "/api/v1/vouchers/redeem/"
    statuses = [
        till.post(url, {"code": "0" * 20, "amount": "1"}, content_type="application/json",
                  HTTP_IDEMPOTENCY_KEY=f"k{n}").status_code
        for n in range(4)
    ]
    assert statuses == [400, 400, 400, 429]


def test_a_partner_issues_through_the_api_and_gets_the_codes_once(world):
    person = make_person(world.partner_a)
    client = world.client_for("coord_a")
    today = timezone.localdate()
    response = client.post("/api/v1/vouchers/", {
        "people": [person.code], "category": "food", "value": "300",
        "valid_from": today.isoformat(), "valid_until": (today + dt.timedelta(days=10)).isoformat(),
    }, content_type="application/json")
    assert response.status_code == 201, response.content
    [row] = response.json()
    assert row["partner"] == "partner-a" and len(row["code"]) == 24
    listed = client.get("/api/v1/vouchers/").json()["results"]
    assert "code" not in listed[0]
    voucher = Voucher.objects.get(pk=row["id"])
    cancelled = client.post(f"/api/v1/vouchers/{voucher.pk}/cancel/", {"reason": "error"},
                            content_type="application/json")
    assert cancelled.json()["status"] == "cancelled"


def test_a_partner_cannot_issue_to_another_partners_caseload(world):
    person = make_person(world.partner_b)
    today = timezone.localdate()
    response = world.client_for("coord_a").post("/api/v1/vouchers/", {
        "people": [person.code], "category": "food", "value": "300",
        "valid_from": today.isoformat(), "valid_until": today.isoformat(),
    }, content_type="application/json")
    assert response.status_code == 400
    assert not Voucher.objects.exists()


def test_the_routes_are_in_the_openapi_schema(world):
    schema = Client().get("/api/v1/schema/").content.decode()
    for path in ("/api/v1/vouchers/check/", "/api/v1/vouchers/redeem/", "/api/v1/vouchers/statements/",
                 "Idempotency-Key"):
        assert path in schema


def test_statements_through_the_api(world, till):
    from himaya.vouchers.services import voucher_redeem

    issued = issue(world.partner_a, value="100")
    voucher_redeem(code=issued.code, vendor=world.vendor, amount="60", actor=None, idempotency_key="s")
    today = timezone.localdate().isoformat()
    made = till.post("/api/v1/vouchers/statements/", {"period_start": today, "period_end": today},
                     content_type="application/json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["total"] == "60.00" and len(body["lines"]) == 1
    assert set(body["lines"][0]) == {"receipt", "at", "amount", "balance_after", "voucher", "partner"}
    assert till.post(f"/api/v1/vouchers/statements/{body['id']}/paid/").status_code == 403
    paid = world.client_for("manager").post(f"/api/v1/vouchers/statements/{body['id']}/paid/",
                                            {"payment_reference": "VIR-9"}, content_type="application/json")
    assert paid.json()["status"] == "paid"
    assert till.get("/api/v1/vouchers/statements/").json()["results"][0]["status"] == "paid"


def test_the_fast_receipt_and_input_match_the_serializers(world):
    """The redeem route formats and reads without building serializers: same results."""
    from rest_framework.exceptions import ValidationError as ApiValidationError

    from himaya.vouchers.api import ReceiptOutput, RedeemInput, receipt_view, redeem_input

    for amount, after in (("72.5", "127.5"), ("0.01", "0")):
        redemption = Redemption(pk=42, amount=Decimal(amount), balance_after=Decimal(after), at=timezone.now())
        expected = ReceiptOutput({
            "receipt": "R00000042", "amount": redemption.amount, "balance": redemption.balance_after,
            "currency": "MAD", "status": "redeemed" if after == "0" else "partly_redeemed",
            "at": redemption.at, "replayed": True,
        }).data
        assert receipt_view(redemption, True) == dict(expected)
    for data in ({"code": " K7Q2-9XMA ", "amount": "72.50"}, {"code": "K7Q2", "amount": 12.5},
                 {"code": "x" * 64, "amount": "1"}):
        serializer = RedeemInput(data=data)
        assert serializer.is_valid()
        assert redeem_input(data) == (serializer.validated_data["code"], serializer.validated_data["amount"])
    for bad in ({"code": "", "amount": "1"}, {"code": "x" * 65, "amount": "1"}, {"amount": "1"},
                {"code": "A\x00B", "amount": "1"}, ["code"], {"code": "K7Q2", "amount": None}):
        with pytest.raises(ApiValidationError):
            redeem_input(bad)
