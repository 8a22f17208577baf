"""Expiry as a scheduled job: `himaya expire-vouchers` and the django-tasks task may run
as often as the timer fires; each voucher's "expired" event is written exactly once."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from django.utils import timezone

from himaya.cli import main as himaya
from himaya.vouchers.models import Voucher, VoucherEvent
from himaya.vouchers.services import voucher_redeem
from tests.vouchers.factories import contract, issue


def _expired_events() -> list[tuple[int, object]]:
    return sorted(VoucherEvent.objects.filter(kind=VoucherEvent.Kind.EXPIRED)
                  .values_list("voucher_id", "balance_after"))


def test_the_command_run_twice_writes_each_expiry_event_once(world, monkeypatch):
    contract(world.vendor)
    spent_in_part = issue(world.partner_a, value="300")
    voucher_redeem(code=spent_in_part.code, vendor=world.vendor, amount="120", actor=None, idempotency_key="k1")
    untouched = issue(world.partner_a, value="200")
    still_valid = issue(world.partner_a, value="100", valid_until=timezone.localdate() + dt.timedelta(days=90))
    later = (timezone.localdate() + dt.timedelta(days=31)).isoformat()
    # Cron calls the hyphenated name; the console script maps it to the management command.
    # (Run through call_command: run_from_argv would close the test's database connection.)
    seen: list[list[str]] = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", seen.append)
    himaya(["himaya", "expire-vouchers", "--today", later])
    assert seen == [["himaya", "expire_vouchers", "--today", later]]
    outputs = []
    for _run in range(2):
        out = io.StringIO()
        call_command(*seen[0][1:], stdout=out)
        outputs.append(out.getvalue())
    assert outputs[0].startswith("2 ") and outputs[1].startswith("0 ")
    # What was left on each voucher is what expired with it.
    assert _expired_events() == sorted([(spent_in_part.voucher.pk, 180), (untouched.voucher.pk, 200)])
    assert Voucher.objects.get(pk=still_valid.voucher.pk).status == "issued"
    assert set(Voucher.objects.filter(status="expired").values_list("pk", flat=True)) == {
        spent_in_part.voucher.pk, untouched.voucher.pk}


def test_the_task_run_twice_writes_each_expiry_event_once(world):
    from himaya.vouchers.tasks import expire_vouchers

    issued = issue(world.partner_a)
    Voucher.objects.filter(pk=issued.voucher.pk).update(
        valid_from=timezone.localdate() - dt.timedelta(days=9), valid_until=timezone.localdate() - dt.timedelta(days=1))
    assert [expire_vouchers.enqueue().return_value for _ in range(2)] == [1, 0]
    assert VoucherEvent.objects.filter(voucher=issued.voucher, kind=VoucherEvent.Kind.EXPIRED).count() == 1
