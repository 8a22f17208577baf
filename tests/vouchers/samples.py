"""Sample path arguments for the vouchers routes (see tests/access_samples.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tests.access_samples import Sample


def _voucher(w: Any) -> Any:
    from himaya.vouchers.models import Voucher
    from tests.vouchers.factories import issue

    existing = Voucher.objects.filter(partner=w.partner_a, status="issued").first()
    return existing or issue(w.partner_a).voucher


def _redemption(w: Any) -> Any:
    from himaya.vouchers.models import Redemption
    from himaya.vouchers.services import voucher_redeem
    from tests.vouchers.factories import contract, issue

    existing = Redemption.objects.filter(vendor=w.vendor).first()
    if existing:
        return existing
    contract(w.vendor)
    issued = issue(w.partner_a)
    return voucher_redeem(code=issued.code, vendor=w.vendor, amount="50", actor=w.users["vendor"],
                          idempotency_key="sample").redemption


def _statement(w: Any) -> Any:
    from himaya.vouchers.models import Statement
    from himaya.vouchers.services import statement_create

    existing = Statement.objects.filter(vendor=w.vendor).first()
    if existing:
        return existing
    _redemption(w)
    today = timezone.localdate()
    return statement_create(actor=None, vendor=w.vendor, period_start=today - dt.timedelta(days=1),
                            period_end=today)


def _vendor_token(w: Any) -> Any:
    from himaya.accounts.services import token_create

    user = w.users["vendor"]
    return user.api_tokens.first() or token_create(actor=user, name="till").token


def _household_of_a(w: Any) -> Any:
    from tests.registry.samples import household_of_a

    return household_of_a(w)


SAMPLES = {
    "vouchers:household-panel": Sample(lambda w: {"pk": _household_of_a(w).pk}, owner="a"),
    "vouchers:vendor-detail": Sample(lambda w: {"pk": w.vendor.pk}),
    "vouchers:vendor-edit": Sample(lambda w: {"pk": w.vendor.pk}),
    "vouchers:vendor-user-invite": Sample(lambda w: {"pk": w.vendor.pk}),
    "vouchers:vendor-token-new": Sample(lambda w: {"pk": w.vendor.pk}),
    "vouchers:vendor-token-revoke": Sample(lambda w: {"pk": w.vendor.pk, "token_pk": _vendor_token(w).pk}),
    "vouchers:voucher-detail": Sample(lambda w: {"pk": _voucher(w).pk}, owner="a"),
    "vouchers:voucher-cancel": Sample(lambda w: {"pk": _voucher(w).pk}, owner="a"),
    "vouchers:voucher-reissue": Sample(lambda w: {"pk": _voucher(w).pk}, owner="a"),
    "vouchers:person-panel": Sample(lambda w: {"pk": _voucher(w).person_id}, owner="a"),
    # A receipt is the vendor's alone; other roles may not use the route at all.
    "vouchers:receipt": Sample(lambda w: {"pk": _redemption(w).pk}),
    "vouchers:statement-detail": Sample(lambda w: {"pk": _statement(w).pk}),
    "vouchers:statement-pdf": Sample(lambda w: {"pk": _statement(w).pk}),
    "vouchers:statement-xlsx": Sample(lambda w: {"pk": _statement(w).pk}),
    "vouchers:statement-paid": Sample(lambda w: {"pk": _statement(w).pk}),
    "api-voucher-cancel": Sample(lambda w: {"pk": _voucher(w).pk}, owner="a"),
    "api-voucher-reissue": Sample(lambda w: {"pk": _voucher(w).pk}, owner="a"),
    "api-voucher-statement-detail": Sample(lambda w: {"pk": _statement(w).pk}),
    "api-voucher-statement-paid": Sample(lambda w: {"pk": _statement(w).pk}),
}
