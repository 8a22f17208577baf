"""The menu: flat for a short one, in groups for the mission's long ones, nothing lost."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import translation

from himaya.accounts.navigation import FLAT_UP_TO, GROUPS, items_for, menu_of


def _urls(menu):
    for entry in menu:
        if entry.get("children"):
            yield from (child["url"] for child in entry["children"])
        else:
            yield entry["url"]


def test_a_long_menu_is_grouped_and_keeps_every_entry(world):
    for key in ("admin", "manager", "protection", "coord_a", "agent_a"):
        items = items_for(world.users[key])
        assert len(items) > FLAT_UP_TO
        menu = menu_of(items)
        assert len(menu) <= 1 + len(GROUPS)  # home and the groups
        assert sorted(_urls(menu)) == sorted(i["url"] for i in items)  # nothing lost or doubled
        assert all(len(e["children"]) >= 2 for e in menu if e.get("children"))


def test_a_short_menu_stays_flat(world):
    items = items_for(world.users["vendor"])
    assert len(items) <= FLAT_UP_TO
    assert menu_of(items) == items


def test_the_bar_shows_groups_and_marks_the_current_one(world):
    client = world.client_for("protection")
    page = client.get(reverse("dedup:review-queue")).content.decode()
    group = re.search(r'<a class="nav-link dropdown-toggle( active)?"[^>]*data-testid="nav-group-registry"',
                      page)
    assert group and group.group(1) == " active"
    assert f'class="dropdown-item active" href="{reverse("dedup:review-queue")}" aria-current="page"' in page
    assert 'data-testid="nav-group-results"' in page
    assert 'data-testid="nav-group-results" ' not in page.split("nav-group-registry")[0]
    # Every entry is still one click away on the home page's cards, under the same groups.
    home = client.get(reverse("accounts:home")).content.decode()
    for url in (i["url"] for i in items_for(world.users["protection"])):
        assert f'href="{url}"' in home
    assert 'data-testid="home-group-registry"' in home
    vendor_home = world.client_for("vendor").get(reverse("accounts:home")).content.decode()
    assert "home-group-" not in vendor_home
    for url in (i["url"] for i in items_for(world.users["vendor"])[1:]):
        assert f'href="{url}"' in vendor_home


def test_group_names_are_translated(world):
    with translation.override("fr"):
        assert str(GROUPS["registry"]) == "Registre" and str(GROUPS["partners"]) == "Associations"
    with translation.override("ar"):
        assert all(re.search("[\u0600-\u06ff]", str(label)) for label in GROUPS.values())
