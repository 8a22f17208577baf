"""A voucher's lifecycle, declared once: which status may follow which.

issued → partly redeemed → redeemed; issued or partly redeemed → expired or
cancelled. Reissuing a lost voucher cancels it and issues a new one linked to it,
so "reissued" is an event, not a status.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    ISSUED = "issued", _("issued")
    PARTLY_REDEEMED = "partly_redeemed", _("partly redeemed")
    REDEEMED = "redeemed", _("redeemed")
    EXPIRED = "expired", _("expired")
    CANCELLED = "cancelled", _("cancelled")


SPENDABLE = frozenset({Status.ISSUED, Status.PARTLY_REDEEMED})
FINAL = frozenset({Status.REDEEMED, Status.EXPIRED, Status.CANCELLED})

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.ISSUED: frozenset(
        {Status.PARTLY_REDEEMED, Status.REDEEMED, Status.EXPIRED, Status.CANCELLED}
    ),
    Status.PARTLY_REDEEMED: frozenset(
        {Status.PARTLY_REDEEMED, Status.REDEEMED, Status.EXPIRED, Status.CANCELLED}
    ),
    Status.REDEEMED: frozenset(),
    Status.EXPIRED: frozenset(),
    Status.CANCELLED: frozenset(),
}


class TransitionRefused(Exception):
    def __init__(self, current: str, new: str) -> None:
        super().__init__(f"a voucher cannot go from {current} to {new}")
        self.current, self.new = current, new


def check_transition(current: str, new: str) -> None:
    if new not in TRANSITIONS[current]:
        raise TransitionRefused(current, new)


def after_redemption(balance_left: object) -> Status:
    """The status a spendable voucher takes once a redemption leaves `balance_left`."""
    return Status.REDEEMED if balance_left == 0 else Status.PARTLY_REDEEMED
