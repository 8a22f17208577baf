"""What may follow what, for distributions and referrals; one table each, checked in one place."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from himaya.assistance.models import Distribution, Referral

D = Distribution.Status
DISTRIBUTION_NEXT: dict[str, frozenset[str]] = {
    D.DRAFT: frozenset({D.APPROVED, D.CANCELLED}),
    D.APPROVED: frozenset({D.IN_PROGRESS, D.DRAFT, D.CANCELLED}),
    D.IN_PROGRESS: frozenset({D.CLOSED}),
    D.CLOSED: frozenset(),
    D.CANCELLED: frozenset(),
}
# The target list can change only while nothing has been promised on it.
TARGETS_EDITABLE = frozenset({D.DRAFT})
CHECK_IN_OPEN = frozenset({D.IN_PROGRESS})

R = Referral.Status
REFERRAL_NEXT: dict[str, frozenset[str]] = {
    R.REFERRED: frozenset({R.ATTENDED, R.NOT_ATTENDED}),
    R.ATTENDED: frozenset({R.CLOSED}),
    R.NOT_ATTENDED: frozenset({R.REFERRED}),
    R.CLOSED: frozenset(),
}


def distribution_can_move(current: str, target: str) -> bool:
    return target in DISTRIBUTION_NEXT.get(current, frozenset())


def require_distribution_move(distribution: Distribution, target: str) -> None:
    if not distribution_can_move(distribution.status, target):
        raise ValidationError(_("A distribution that is %(current)s cannot become %(target)s.") % {
            "current": D(distribution.status).label, "target": D(target).label})


def require_referral_move(referral: Referral, target: str) -> None:
    if target not in REFERRAL_NEXT.get(referral.status, frozenset()):
        raise ValidationError(_("A referral that is %(current)s cannot become %(target)s.") % {
            "current": R(referral.status).label, "target": R(target).label})
