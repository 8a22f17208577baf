"""One scoped-access module for every app: who the user is, and fetching objects for them.

Every app's `queries.py` builds its `visible_to(user)` querysets from a
`Scope`, and fetches single objects with `fetch_or_404`, so another partner's
object is a 404, never a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from himaya.accounts.roles import MISSION_STAFF, OUTSIDE_VIEWERS, PARTNER_STAFF, Role

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    """What a signed-in user may reach, computed once per request."""

    user_id: int | None
    role: Role | None
    organisation_id: int | None
    organisation_kind: str | None
    region_ids: frozenset[int]

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def is_mission(self) -> bool:
        return self.role in MISSION_STAFF

    @property
    def is_partner(self) -> bool:
        return self.role in PARTNER_STAFF

    @property
    def is_outside_viewer(self) -> bool:
        return self.role in OUTSIDE_VIEWERS

    @property
    def is_vendor(self) -> bool:
        return self.role == Role.VENDOR

    @property
    def partner_id(self) -> int | None:
        """The association whose caseload this user works on, if a partner role."""
        return self.organisation_id if self.is_partner else None

    def has_role(self, *roles: str) -> bool:
        return self.role is not None and self.role in roles


ANONYMOUS = Scope(None, None, None, None, frozenset())


def scope_for(user: Any) -> Scope:
    """The user's scope; users without a membership reach nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_himaya_scope", None)
    if cached is not None:
        return cached
    from himaya.accounts.models import Membership

    membership = Membership.objects.select_related("organisation").filter(user_id=user.pk).first()
    if membership is None:
        scope = Scope(user.pk, None, None, None, frozenset())
    else:
        scope = Scope(
            user_id=user.pk,
            role=Role(membership.role),
            organisation_id=membership.organisation_id,
            organisation_kind=membership.organisation.kind,
            region_ids=frozenset(membership.regions.values_list("pk", flat=True)),
        )
    user._himaya_scope = scope
    return scope


def fetch_or_404(visible: QuerySet[M], **lookup: Any) -> M:
    """One object from a scoped queryset; anything outside the scope is simply not found."""
    try:
        return visible.get(**lookup)
    except (visible.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
