"""Vouchers made the way the application makes them, through its services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from himaya.organisations.models import Organisation
from himaya.vouchers.models import VendorContract
from himaya.vouchers.services import IssuedVoucher, vendor_contract_set, voucher_issue
from tests.registry.factories import make_person


def contract(vendor: Organisation, *categories: str) -> VendorContract:
    return vendor_contract_set(actor=None, vendor=vendor, categories=categories or ("food", "hygiene"))


def issue(partner: Organisation, *, value: str = "300", category: str = "food", person: Any = None,
          valid_from: dt.date | None = None, valid_until: dt.date | None = None,
          vendors: tuple[Organisation, ...] = ()) -> IssuedVoucher:
    today = timezone.localdate()
    return voucher_issue(
        actor=None, partner=partner, beneficiaries=[person or make_person(partner, vulnerabilities=[])],
        category=category, value=Decimal(value), valid_from=valid_from or today,
        valid_until=valid_until or today + dt.timedelta(days=30), vendors=vendors,
    )[0]
