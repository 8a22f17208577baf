"""Reads of erasure requests, scoped to who may handle them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from himaya.accounts.roles import Role
from himaya.accounts.scopes import fetch_or_404, scope_for
from himaya.protection.models import ErasureRequest
from himaya.registry.queries import people_visible_to

# The protection officer and the administrator (who acts as data protection officer).
ERASURE_OFFICERS = frozenset({Role.PROTECTION_OFFICER, Role.MISSION_ADMIN})


def erasure_requests_visible_to(user: Any) -> QuerySet[ErasureRequest]:
    scope = scope_for(user)
    qs = ErasureRequest.objects.select_related("person", "organisation")
    if scope.role in ERASURE_OFFICERS:
        # A protection officer handles the people of their regions, as in the registry.
        return qs.filter(person__in=people_visible_to(user))
    return qs.none()


def erasure_request_for_user(user: Any, pk: Any) -> ErasureRequest:
    return fetch_or_404(erasure_requests_visible_to(user), pk=pk)
