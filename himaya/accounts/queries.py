"""Reads of accounts, scoped: the admin sees every user, a coordinator their association's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from himaya.accounts.models import ApiToken, User
from himaya.accounts.roles import Role
from himaya.accounts.scopes import fetch_or_404, scope_for


def users_manageable_by(user: Any) -> QuerySet[User]:
    scope = scope_for(user)
    qs = User.objects.select_related("membership__organisation").order_by("username")
    if scope.role == Role.MISSION_ADMIN:
        return qs
    if scope.role == Role.PARTNER_COORDINATOR:
        return qs.filter(membership__organisation_id=scope.organisation_id)
    return qs.none()


def managed_user_for(user: Any, pk: Any) -> User:
    return fetch_or_404(users_manageable_by(user), pk=pk)


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user.pk)
