"""Redemption: partial, in full, refused for every reason, idempotent, rate-limited; nothing half-written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from himaya.vouchers import codes
from himaya.vouchers.models import LookupFailure, Redemption, Voucher, VoucherEvent
from himaya.vouchers.services import (
    VoucherRefused,
    voucher_cancel,
    voucher_check,
    voucher_redeem,
    vouchers_expire,
)
from tests.factories import OrganisationFactory
from tests.vouchers.factories import contract, issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(world):
    contract(world.vendor, "food", "hygiene")
    return world.vendor


def redeem(code, shop, amount, key, actor=None):
    return voucher_redeem(code=code, vendor=shop, amount=amount, actor=actor, idempotency_key=key)


def refused(code_expected, *args, **kwargs):
    with pytest.raises(VoucherRefused) as caught:
        redeem(*args, **kwargs)
    assert caught.value.code == code_expected, caught.value.message
    return caught.value


def test_partial_then_full_redemption_keeps_the_ledger(world, shop):
    issued = issue(world.partner_a, value="300")
    first = redeem(issued.code, shop, "120.50", "k1").redemption
    assert first.balance_after == Decimal("179.50")
    second = redeem(codes.display(issued.code).lower(), shop, "179.50", "k2").redemption
    voucher = Voucher.objects.get(pk=issued.voucher.pk)
    assert (voucher.balance, voucher.status) == (Decimal("0"), "redeemed")
    assert second.balance_after == 0
    assert sum(r.amount for r in voucher.redemptions.all()) == voucher.value
    kinds = list(voucher.events.values_list("kind", "balance_after"))
    assert kinds == [("issued", Decimal("300")), ("redeemed", Decimal("179.50")), ("redeemed", Decimal("0"))]
    refused("fully_redeemed", issued.code, shop, "1", "k3")


def test_more_than_the_balance_is_refused_and_nothing_stored(world, shop):
    issued = issue(world.partner_a, value="100")
    refused("insufficient_balance", issued.code, shop, "100.01", "k")
    assert not Redemption.objects.exists()
    assert Voucher.objects.get(pk=issued.voucher.pk).balance == Decimal("100")


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1.234", "1e400"])
def test_bad_amounts_are_refused(world, shop, amount):
    issued = issue(world.partner_a)
    refused("invalid_amount", issued.code, shop, amount, "k")
    assert not Redemption.objects.exists()


def test_a_forged_code_is_refused_without_a_lookup(world, shop):
    forged = "".join("7" for _ in range(20))
    with CaptureQueriesContext(connection) as queries:
        refused("invalid_code", forged, shop, "10", "k")
    # Only the rate-limit count and the failure row: the vouchers table is never read.
    assert not [q for q in queries.captured_queries if "vouchers_voucher" in q["sql"]]
    assert LookupFailure.objects.filter(vendor=shop, reason="forged").count() == 1


def test_an_altered_code_is_refused(world, shop):
    issued = issue(world.partner_a)
    code = issued.code
    altered = code[:7] + ("X" if code[7] != "X" else "Y") + code[8:]
    refused("invalid_code", altered, shop, "10", "k")
    assert Voucher.objects.get(pk=issued.voucher.pk).balance == Decimal("300")


def test_an_expired_voucher_is_refused_before_and_after_the_expiry_task(world, shop):
    today = timezone.localdate()
    issued = issue(world.partner_a, valid_from=today - dt.timedelta(days=40),
                   valid_until=today)
    Voucher.objects.filter(pk=issued.voucher.pk).update(valid_until=today - dt.timedelta(days=1))
    refused("expired", issued.code, shop, "10", "k")
    assert vouchers_expire() == 1
    voucher = Voucher.objects.get(pk=issued.voucher.pk)
    assert voucher.status == "expired"
    assert voucher.events.filter(kind=VoucherEvent.Kind.EXPIRED).count() == 1
    refused("expired", issued.code, shop, "10", "k2")
    assert vouchers_expire() == 0  # runs again without effect


def test_not_yet_valid(world, shop):
    today = timezone.localdate()
    issued = issue(world.partner_a, valid_from=today + dt.timedelta(days=2),
                   valid_until=today + dt.timedelta(days=9))
    refused("not_yet_valid", issued.code, shop, "10", "k")


def test_a_voucher_of_a_category_outside_the_vendors_contract_is_refused(world, shop):
    issued = issue(world.partner_a, category="medication")
    refused("wrong_category", issued.code, shop, "10", "k")


def test_a_voucher_for_other_vendors_is_refused(world, shop):
    pharmacy = OrganisationFactory(kind="vendor", code="pharmacy")
    contract(pharmacy, "food", "medication")
    issued = issue(world.partner_a, vendors=(pharmacy,))
    refused("wrong_vendor", issued.code, shop, "10", "k")
    assert redeem(issued.code, pharmacy, "10", "k").redemption.vendor == pharmacy


def test_a_cancelled_voucher_is_refused_from_that_moment(world, shop):
    issued = issue(world.partner_a)
    redeem(issued.code, shop, "10", "k1")
    voucher_cancel(actor=None, voucher=issued.voucher, reason="lost")
    refused("cancelled", issued.code, shop, "10", "k2")


def test_a_retry_with_the_same_key_returns_the_first_answer(world, shop):
    issued = issue(world.partner_a)
    first = redeem(issued.code, shop, "40", "retry-1")
    again = redeem(issued.code, shop, "40", "retry-1")
    assert again.replayed and not first.replayed
    assert again.redemption.pk == first.redemption.pk
    assert Redemption.objects.count() == 1
    assert Voucher.objects.get(pk=issued.voucher.pk).balance == Decimal("260")


def test_the_same_key_with_another_amount_or_code_is_refused(world, shop):
    issued = issue(world.partner_a)
    other = issue(world.partner_a)
    redeem(issued.code, shop, "40", "replay")
    refused("key_reused", issued.code, shop, "41", "replay")
    refused("key_reused", other.code, shop, "40", "replay")
    assert Redemption.objects.count() == 1
    assert Voucher.objects.get(pk=other.voucher.pk).balance == Decimal("300")


def test_another_vendor_may_use_the_same_key(world, shop):
    other_shop = OrganisationFactory(kind="vendor", code="other-shop")
    contract(other_shop, "food")
    issued = issue(world.partner_a)
    redeem(issued.code, shop, "40", "same")
    assert not redeem(issued.code, other_shop, "40", "same").replayed


def test_failed_lookups_are_rate_limited_per_vendor(world, shop, settings):
    settings.HIMAYA_VOUCHER_FAILURES_PER_MINUTE = 5
    issued = issue(world.partner_a)
    for attempt in range(5):
        refused("invalid_code", "A" * 20, shop, "10", f"k{attempt}")
    # Even a good code waits: the vendor is guessing.
    refused("rate_limited", issued.code, shop, "10", "good")
    with pytest.raises(VoucherRefused) as caught:
        voucher_check(code=issued.code, vendor=shop)
    assert caught.value.code == "rate_limited"
    # Another vendor is not held back.
    other_shop = OrganisationFactory(kind="vendor", code="other-shop")
    contract(other_shop, "food")
    assert redeem(issued.code, other_shop, "10", "good").redemption.amount == 10
    # A minute later the vendor may try again.
    LookupFailure.objects.update(at=timezone.now() - dt.timedelta(seconds=61))
    assert redeem(issued.code, shop, "10", "good").redemption.amount == 10


def test_an_unknown_but_well_signed_code_counts_as_a_failure(world, shop):
    refused("unknown_code", codes.new_code(), shop, "10", "k")
    assert LookupFailure.objects.filter(vendor=shop, reason="unknown").count() == 1


def test_the_database_refuses_a_negative_balance_even_without_the_service(world, shop):
    issued = issue(world.partner_a, value="50")
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=issued.voucher.pk).update(balance=Decimal("-0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=issued.voucher.pk).update(balance=Decimal("50.01"))


def test_events_cannot_be_changed_or_deleted(world, shop):
    issued = issue(world.partner_a)
    event = issued.voucher.events.get()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        VoucherEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        VoucherEvent.objects.update(reason="x")


def test_a_contract_outside_its_signed_period_takes_no_voucher(world, shop):
    from himaya.vouchers.models import VendorContract
    from himaya.vouchers.services import voucher_check

    issued = issue(world.partner_a)
    today = timezone.localdate()
    VendorContract.objects.filter(vendor=shop).update(valid_from=today - dt.timedelta(days=60),
                                                      valid_until=today - dt.timedelta(days=1))
    refused("no_contract", issued.code, shop, "10", "k")
    assert voucher_check(code=issued.code, vendor=shop).refusal.code == "no_contract"
    VendorContract.objects.filter(vendor=shop).update(valid_until=today)
    assert redeem(issued.code, shop, "10", "k").redemption.amount == Decimal("10")
