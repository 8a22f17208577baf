"""Access rules declared on every route, checked in one place.

Views say who may reach them with `@allow(...)` or `@public`; API views set
`allowed_roles`. The access-matrix test enumerates the URL configuration and
fails on any route without a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission

from himaya.accounts.scopes import scope_for


@dataclass(frozen=True)
class AccessRule:
    roles: frozenset[str]
    anonymous: bool = False

    def admits(self, user: Any) -> bool:
        if self.anonymous:
            return True
        scope = scope_for(user)
        return scope.role is not None and scope.role in self.roles


def _attach(view: Callable, rule: AccessRule) -> Callable:
    view.himaya_access = rule  # type: ignore[attr-defined]
    return view


def public(view: Callable) -> Callable:
    """Anyone may reach this route, signed in or not."""
    return _attach(view, AccessRule(frozenset(), anonymous=True))


def allow(*groups: Iterable[str] | str) -> Callable[[Callable], Callable]:
    """Only signed-in users whose role is in the given roles or role groups."""
    roles: set[str] = set()
    for group in groups:
        roles.update([group] if isinstance(group, str) else group)
    rule = AccessRule(frozenset(roles))

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not rule.admits(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return _attach(wrapper, rule)

    return decorator


def rule_of(callback: Any) -> AccessRule | None:
    """The rule declared for a URL callback: function view, class view or DRF view."""
    rule = getattr(callback, "himaya_access", None)
    if rule is not None:
        return rule
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is not None:
        if getattr(cls, "public_api", False):
            return AccessRule(frozenset(), anonymous=True)
        roles = getattr(cls, "allowed_roles", None)
        if roles is not None:
            return AccessRule(frozenset(roles))
    return None


class RoleAccessPermission(BasePermission):
    """DRF: the view must declare `allowed_roles` (or `public_api = True`); no rule, no access."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if getattr(view, "public_api", False):
            return True
        roles = getattr(view, "allowed_roles", None)
        if roles is None:
            return False
        return AccessRule(frozenset(roles)).admits(request.user)
