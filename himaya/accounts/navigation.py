"""Navigation by role: apps register their entries; the menu shows what the user may reach.

Apps call `register(...)` from their AppConfig.ready(), so this module never
imports the apps above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise

from himaya.accounts.scopes import scope_for


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    roles: frozenset[str]
    icon: str = ""
    description: str | Promise = ""
    order: int = 100


_ITEMS: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _ITEMS[item.url_name] = item


def items_for(user: Any) -> list[dict[str, Any]]:
    scope = scope_for(user)
    if scope.role is None:
        return []
    visible = []
    for item in sorted(_ITEMS.values(), key=lambda i: (i.order, str(i.label))):
        if scope.role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        visible.append(
            {"url": url, "label": item.label, "icon": item.icon, "description": item.description}
        )
    return visible


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Template context: the menu and the user's scope."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "scope": None}
    return {"nav_items": items_for(user), "scope": scope_for(user)}


def _register_own() -> None:
    from django.utils.translation import gettext_lazy as _

    from himaya.accounts.roles import EVERY_ROLE, USER_MANAGERS

    register(NavItem("accounts:home", _("Home"), EVERY_ROLE, "house", order=0))
    register(NavItem("accounts:user-list", _("Users"), USER_MANAGERS, "person-gear", order=90))
    register(NavItem("accounts:token-list", _("API tokens"), EVERY_ROLE, "key", order=95))


_register_own()
