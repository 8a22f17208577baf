"""The protection officer, in Arabic, adds a short form the teams meet and sees it read."""

from __future__ import annotations

from himaya.dedup import local_names
from himaya.dedup.models import NameEquivalent
from tests.e2e.conftest import sign_in, switch_language
from tests.factories import PASSWORD


def test_the_officer_adds_a_short_form_and_tries_it(page, world):  # noqa: ANN001
    try:
        sign_in(page, "protection", PASSWORD)
        page.wait_for_url("**/accounts/home/")
        switch_language(page, "ar")
        page.goto("/dedup/names/")
        assert page.locator("html").get_attribute("dir") == "rtl"
        page.fill("#id_group", "Kadiatou")
        page.fill("#id_variants", "Kadi, كادي")
        page.click("[data-testid=name-add] button[type=submit]")
        page.locator("[data-testid=name-rows] td bdi", has_text="Kadi, كادي").wait_for()
        assert NameEquivalent.objects.get().variants == "Kadi|كادي"

        page.fill("#id_name", "كادي باري")
        page.click("[data-testid=name-try] button[type=submit]")
        tried = page.locator("[data-testid=name-tried]")
        tried.wait_for()
        assert "kadiatou" in tried.inner_text()
        # Right to left for real: the table's first column sits on the right.
        table = page.locator("[data-testid=name-rows]").bounding_box()
        first = page.locator("[data-testid=name-rows] th").first.bounding_box()
        assert first["x"] + first["width"] > table["x"] + table["width"] / 2
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    finally:
        local_names.forget()
