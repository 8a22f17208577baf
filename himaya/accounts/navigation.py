"""Navigation by role: apps register their entries; the menu shows what the user may reach.

Apps call `register(...)` from their AppConfig.ready(), so this module never
imports the apps above it. Each entry names its group; a role with a short menu (a field
agent, a vendor) sees it flat, a role with a long one (the mission's staff) sees it in
groups, so that it fits one line on a desktop and a thumb's reach on a phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from himaya.accounts.scopes import scope_for


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    roles: frozenset[str]
    icon: str = ""
    description: str | Promise = ""
    order: int = 100
    group: str = ""  # a key of GROUPS; "" stays on the menu's first level


# The menu's groups, in their order on the menu.
GROUPS: dict[str, Promise] = {
    "registry": _("Registry"),
    "assistance": _("Assistance"),
    "partners": _("Partners"),
    "results": _("Results"),
    "admin": _("Administration"),
}
# Up to this many entries the menu stays flat: grouping a short menu only hides it.
FLAT_UP_TO = 7

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
        visible.append({"url": url, "label": item.label, "icon": item.icon,
                        "description": item.description, "group": item.group})
    return visible


def menu_of(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The menu bar's entries: `items` as they are when few, else grouped.

    An entry is an item, or `{"label": ..., "key": ..., "children": [...]}` for a group;
    a group holding a single item is shown as that item.
    """
    if len(items) <= FLAT_UP_TO:
        return items
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        if item["group"] in GROUPS:
            grouped.setdefault(item["group"], []).append(item)
    menu = [item for item in items if item["group"] not in GROUPS]
    for key, label in GROUPS.items():
        members = grouped.get(key, [])
        if len(members) == 1:
            menu.append(members[0])
        elif members:
            # The group is marked on any page of its sections (a run's page is under /dedup/).
            menu.append({"label": label, "key": key, "children": members,
                         "active": any(m.get("active") or m.get("within") for m in members)})
    return menu


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Template context: the menu (flat, for the home page, and as the bar shows it) and the
    user's scope."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_menu": [], "scope": None, "nav_grouped": False}
    path = request.path
    items = [{**item, "active": item["url"] == path, "within": path.startswith(item["url"])}
             for item in items_for(user)]
    menu = menu_of(items)
    return {"nav_items": items, "nav_menu": menu, "scope": scope_for(user),
            "nav_grouped": any(entry.get("children") for entry in menu)}


def _register_own() -> None:
    from himaya.accounts.roles import EVERY_ROLE, USER_MANAGERS

    register(NavItem("accounts:home", _("Home"), EVERY_ROLE, "house", order=0))
    register(NavItem("accounts:user-list", _("Users"), USER_MANAGERS, "person-gear", order=90,
                     group="admin"))
    register(NavItem("accounts:token-list", _("API tokens"), EVERY_ROLE, "key", order=95,
                     group="admin"))


_register_own()
