"""Reads of organisations, programmes and agreements, scoped to the user."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from himaya.accounts.scopes import fetch_or_404, scope_for
from himaya.organisations.models import Agreement, Organisation, Programme


def organisations_visible_to(user: Any) -> QuerySet[Organisation]:
    """Mission staff and outside viewers see every organisation; others see their own."""
    scope = scope_for(user)
    qs = Organisation.objects.select_related("region")
    if scope.is_mission or scope.is_outside_viewer:
        return qs
    if scope.organisation_id is None:
        return qs.none()
    return qs.filter(pk=scope.organisation_id)


def organisation_for_user(user: Any, pk: Any) -> Organisation:
    return fetch_or_404(organisations_visible_to(user), pk=pk)


def partners_visible_to(user: Any) -> QuerySet[Organisation]:
    return organisations_visible_to(user).filter(kind=Organisation.Kind.PARTNER)


def programmes_visible_to(user: Any) -> QuerySet[Programme]:
    """Programmes are not personal data: every staff, partner and outside role may read them;
    a partner sees only the programmes it has an agreement under."""
    scope = scope_for(user)
    qs = Programme.objects.select_related("axis", "lead", "currency")
    if scope.is_mission or scope.is_outside_viewer:
        return qs
    if scope.is_partner:
        return qs.filter(agreements__partner_id=scope.organisation_id).distinct()
    return qs.none()


def programme_for_user(user: Any, pk: Any) -> Programme:
    return fetch_or_404(programmes_visible_to(user), pk=pk)


def agreements_visible_to(user: Any) -> QuerySet[Agreement]:
    scope = scope_for(user)
    qs = Agreement.objects.select_related("partner", "programme", "currency")
    if scope.is_mission or scope.is_outside_viewer:
        return qs
    if scope.is_partner:
        return qs.filter(partner_id=scope.organisation_id)
    return qs.none()
