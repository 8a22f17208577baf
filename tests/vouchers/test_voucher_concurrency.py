"""P19/P20 on a real server: many threads racing on one voucher (PostgreSQL only).

SQLite serialises every writer on one file lock, so a race there proves nothing.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from himaya.vouchers.models import Redemption, Voucher, VoucherEvent
from himaya.vouchers.services import VoucherRefused, voucher_redeem
from tests.vouchers.factories import contract, issue

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and concurrent transactions need PostgreSQL (set DATABASE_URL); "
        "SQLite serialises writers, so a race there proves nothing",
    ),
]
THREADS = 50


def race(work) -> list[object]:
    """Run work(i) in THREADS threads released at once; each returns a result or the refusal."""
    barrier = threading.Barrier(THREADS)
    results: list[object] = [None] * THREADS

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except VoucherRefused as refusal:
            results[i] = refusal
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def ledger_of(voucher: Voucher) -> Decimal:
    return sum((r.amount for r in Redemption.objects.filter(voucher=voucher)), Decimal("0"))


def test_fifty_threads_spend_the_whole_voucher_exactly_once(world):
    contract(world.vendor)
    issued = issue(world.partner_a, value="300")
    results = race(lambda i: voucher_redeem(
        code=issued.code, vendor=world.vendor, amount="300", actor=None, idempotency_key=f"full-{i}"
    ))
    unexpected = [r for r in results if not isinstance(r, VoucherRefused) and not hasattr(r, "redemption")]
    assert unexpected == []
    successes = [r for r in results if hasattr(r, "redemption")]
    refusals = [r for r in results if isinstance(r, VoucherRefused)]
    assert len(successes) == 1
    assert {r.code for r in refusals} == {"fully_redeemed"}
    voucher = Voucher.objects.get(pk=issued.voucher.pk)
    assert voucher.balance == 0 and voucher.status == "redeemed"
    assert ledger_of(voucher) == voucher.value
    assert VoucherEvent.objects.filter(voucher=voucher, kind="redeemed").count() == 1


def test_fifty_threads_taking_parts_never_go_below_zero(world):
    contract(world.vendor)
    issued = issue(world.partner_a, value="500")
    amounts = [Decimal(10 + (i % 7) * 5) for i in range(THREADS)]  # 10..40, sum well over 500
    results = race(lambda i: voucher_redeem(
        code=issued.code, vendor=world.vendor, amount=amounts[i], actor=None, idempotency_key=f"part-{i}"
    ))
    successes = [r for r in results if hasattr(r, "redemption")]
    others = [r for r in results if not hasattr(r, "redemption")]
    assert all(isinstance(r, VoucherRefused) and r.code in {"insufficient_balance", "fully_redeemed"}
               for r in others), others
    taken = sum((r.redemption.amount for r in successes), Decimal("0"))
    voucher = Voucher.objects.get(pk=issued.voucher.pk)
    assert voucher.balance >= 0
    assert taken == ledger_of(voucher) == voucher.value - voucher.balance
    # Every balance written on the way down is distinct and never negative.
    afters = sorted(Redemption.objects.filter(voucher=voucher).values_list("balance_after", flat=True))
    assert afters[0] >= 0 and len(set(afters)) == len(afters)


def test_fifty_duplicates_of_one_request_make_one_redemption(world):
    contract(world.vendor)
    issued = issue(world.partner_a, value="300")
    results = race(lambda i: voucher_redeem(
        code=issued.code, vendor=world.vendor, amount="25", actor=None, idempotency_key="same-key"
    ))
    assert all(hasattr(r, "redemption") for r in results), results
    assert len({r.redemption.pk for r in results}) == 1
    assert sum(1 for r in results if not r.replayed) == 1
    assert Voucher.objects.get(pk=issued.voucher.pk).balance == Decimal("275")
