"""A delivery of a voucher-modality type is a real voucher (issue 6).

`deliveries_record` calls `check` for each voucher delivery before accepting it and
`issue` once the deliveries have their primary keys, inside the same transaction: a
food-voucher delivery and its voucher exist together or not at all. A replayed client
UUID returns the first delivery and issues nothing, so the voucher is idempotent with
the delivery. Codes are returned once (to the page or the API answer that recorded the
delivery); the database keeps only their keyed digest.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from himaya.accounts.scopes import scope_for
from himaya.assistance.models import Category, Delivery, Modality
from himaya.organisations.models import Organisation

# The assistance category a voucher type belongs to → the voucher category vendors accept.
# A voucher type of a category not listed here is refused with a reason, not guessed.
VOUCHER_CATEGORY = {
    Category.FOOD: "food",
    Category.HYGIENE: "hygiene",
    Category.MEDICAL: "medication",
    Category.NON_FOOD: "clothing",
}


def validity_days() -> int:
    return int(getattr(settings, "HIMAYA_VOUCHER_VALIDITY_DAYS", 60))


def is_voucher(delivery_type: Any) -> bool:
    return delivery_type.modality == Modality.VOUCHER


def validity(delivered_on: dt.date) -> tuple[dt.date, dt.date]:
    """Valid from the delivery day; a delivery recorded late (offline, Kobo) still gets full validity."""
    today = timezone.localdate()
    return delivered_on, max(delivered_on, today) + dt.timedelta(days=validity_days())


def check(*, organisation: Organisation, assistance_type: Any, beneficiary: Any) -> list[str]:
    """Why this voucher delivery cannot be issued (translated), or nothing."""
    errors: list[str] = []
    if assistance_type.category not in VOUCHER_CATEGORY:
        errors.append(_("This assistance type is a voucher of a category vendors cannot accept."))
    # P2: a voucher is issued by the association whose caseload the person is in.
    if beneficiary is not None and beneficiary.organisation_id != organisation.pk:
        errors.append(_("A voucher can only be given to a person or household of your association's caseload."))
    return errors


def issue(*, actor: Any, organisation: Organisation, deliveries: Sequence[Delivery]) -> dict[int, Any]:
    """Issue one voucher per voucher delivery (batches grouped by value and validity).

    Returns {delivery pk: IssuedVoucher}. Runs inside the caller's transaction.
    """
    from himaya.vouchers.services import voucher_issue

    groups: dict[tuple[str, Any, dt.date, dt.date], list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        if not is_voucher(delivery.assistance_type) or delivery.value <= 0:
            continue
        start, end = validity(delivery.delivered_on)
        groups[(VOUCHER_CATEGORY[delivery.assistance_type.category], delivery.value, start, end)].append(delivery)
    if not groups:
        return {}
    scope = scope_for(actor) if getattr(actor, "is_authenticated", False) else None
    # The recorder issues (and is audited) when it is their own association; a script or a
    # mission user recording for a partner issues in the partner's name with no user.
    own = scope is not None and scope.organisation_id == organisation.pk and (scope.is_partner or scope.is_mission)
    issued: dict[int, Any] = {}
    for (category, value, start, end), group in groups.items():
        vouchers = voucher_issue(
            actor=actor if own else None, partner=None if own else organisation,
            beneficiaries=[d.person or d.household for d in group], category=category, value=value,
            valid_from=start, valid_until=end, deliveries=group,
            label=(group[0].distribution.title if group[0].distribution_id and group[0].distribution
                   else _("Voucher deliveries")),
        )
        for delivery, voucher in zip(group, vouchers, strict=True):
            issued[delivery.pk] = voucher
    return issued
