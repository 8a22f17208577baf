"""Issuing (single and batch), caseload and consent checks, cancel and reissue, expiry command."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from himaya.registry.services import consent_withdraw
from himaya.vouchers.models import IssueBatch, Voucher, VoucherEvent
from himaya.vouchers.services import VoucherRefused, voucher_issue, voucher_redeem, voucher_reissue
from tests.registry.factories import make_person
from tests.vouchers.factories import contract, issue

pytestmark = pytest.mark.django_db


def test_a_batch_gives_each_person_a_voucher_with_its_own_code(world):
    people = [make_person(world.partner_a) for _ in range(3)]
    issued = voucher_issue(
        actor=world.users["agent_a"], beneficiaries=people, category="food", value="250",
        valid_from=timezone.localdate(), valid_until=timezone.localdate() + dt.timedelta(days=30),
        label="Distribution mars",
    )
    assert len({i.code for i in issued}) == 3
    vouchers = Voucher.objects.filter(pk__in=[i.voucher.pk for i in issued])
    # The issuing partner is the caller's organisation, whatever was asked.
    assert set(vouchers.values_list("partner_id", flat=True)) == {world.partner_a.pk}
    assert IssueBatch.objects.get().size == 3
    assert VoucherEvent.objects.filter(kind="issued").count() == 3


def test_another_partners_person_is_refused_and_nothing_is_stored(world):
    mine, theirs = make_person(world.partner_a), make_person(world.partner_b)
    with pytest.raises(ValidationError):
        voucher_issue(
            actor=world.users["coord_a"], beneficiaries=[mine, theirs], category="food", value="100",
            valid_from=timezone.localdate(), valid_until=timezone.localdate() + dt.timedelta(days=5),
        )
    assert not Voucher.objects.exists() and not IssueBatch.objects.exists()


def test_without_consent_for_assistance_no_voucher(world):
    person = make_person(world.partner_a)
    consent_withdraw(actor=None, person=person, purpose="assistance")
    with pytest.raises(ValidationError):
        issue(world.partner_a, person=person)
    assert not Voucher.objects.exists()


def test_vendors_must_have_a_contract_for_the_category(world):
    contract(world.vendor, "food")
    with pytest.raises(ValidationError):
        issue(world.partner_a, category="medication", vendors=(world.vendor,))
    assert issue(world.partner_a, category="food", vendors=(world.vendor,)).voucher.vendors.get() == world.vendor


@pytest.mark.parametrize("kwargs", [
    {"value": "0"}, {"value": "12.345"},
    {"valid_from": dt.date(2030, 2, 1), "valid_until": dt.date(2030, 1, 1)},
    {"valid_from": dt.date(2020, 1, 1), "valid_until": dt.date(2020, 2, 1)},
])
def test_bad_input_is_refused_with_a_reason(world, kwargs):
    with pytest.raises(ValidationError):
        issue(world.partner_a, **kwargs)
    assert not Voucher.objects.exists()


def test_a_vendor_cannot_issue(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        voucher_issue(
            actor=world.users["vendor"], beneficiaries=[make_person(world.partner_a)], category="food",
            value="10", valid_from=timezone.localdate(), valid_until=timezone.localdate(),
        )


def test_reissue_cancels_the_old_code_and_carries_the_balance(world):
    contract(world.vendor)
    issued = issue(world.partner_a, value="300")
    voucher_redeem(code=issued.code, vendor=world.vendor, amount="100", actor=None, idempotency_key="a")
    new = voucher_reissue(actor=world.users["coord_a"], voucher=issued.voucher, reason="card lost")
    old = Voucher.objects.get(pk=issued.voucher.pk)
    assert old.status == "cancelled" and new.voucher.replaces_id == old.pk
    assert new.voucher.value == new.voucher.balance == Decimal("200")
    assert list(old.events.values_list("kind", flat=True)) == ["issued", "redeemed", "cancelled", "reissued"]
    with pytest.raises(VoucherRefused) as caught:
        voucher_redeem(code=issued.code, vendor=world.vendor, amount="1", actor=None, idempotency_key="b")
    assert caught.value.code == "cancelled"
    assert voucher_redeem(code=new.code, vendor=world.vendor, amount="200", actor=None,
                          idempotency_key="c").redemption.balance_after == 0


def test_the_expiry_command_expires_what_is_due(world):
    issued = issue(world.partner_a)
    call_command("expire_vouchers", today=(timezone.localdate() + dt.timedelta(days=31)).isoformat())
    assert Voucher.objects.get(pk=issued.voucher.pk).status == "expired"


def test_the_expiry_task_runs(world):
    from himaya.vouchers.tasks import expire_vouchers

    issued = issue(world.partner_a)
    Voucher.objects.filter(pk=issued.voucher.pk).update(
        valid_from=timezone.localdate() - dt.timedelta(days=9),
        valid_until=timezone.localdate() - dt.timedelta(days=1),
    )
    assert expire_vouchers.enqueue().return_value == 1


def test_only_a_vendor_redeems(world):
    issued = issue(world.partner_a)
    with pytest.raises(VoucherRefused) as caught:
        voucher_redeem(code=issued.code, vendor=world.partner_a, amount="1", actor=None, idempotency_key="x")
    assert caught.value.code == "not_a_vendor"
