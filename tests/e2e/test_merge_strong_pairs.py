"""In Arabic, the data-protection officer looks at the weakest strong pairs of a run, then merges them all."""

from himaya.dedup.models import DedupRun, Merge
from tests.dedup.factories import pair_of
from tests.e2e.conftest import sign_in, switch_language
from tests.factories import PASSWORD
from tests.registry.factories import make_person


def test_strong_pairs_are_merged_after_a_look_at_the_weakest(page, world):
    run = DedupRun.objects.create(organisation=world.partner_a, auto_merge=4, review=0,
                                  status=DedupRun.Status.DONE)
    first, second, third = (
        make_person(world.partner_a, given_name=given, family_name="Diallo", region="01",
                    documents=[])
        for given in ("Fatoumata", "Fatimata", "Fatouma"))
    pair_of(first, second, 9.0, run=run, band="auto")
    weakest = pair_of(first, third, 4.2, run=run, band="auto")

    sign_in(page, "protection", PASSWORD)
    page.wait_for_url("**/accounts/home/")
    switch_language(page, "ar")
    page.goto(f"/dedup/runs/{run.pk}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    # The mission's long menu wraps: nothing pushes the page sideways, off its left edge.
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    # In groups it fits one line, and a group opens inside the page, right to left.
    assert page.locator(".hm-navbar").bounding_box()["height"] < 80
    group = page.locator("[data-testid=nav-group-registry]")
    assert "active" in group.get_attribute("class")  # the run's page is in the registry's group
    group.click()
    menu = page.locator(".dropdown-menu.show")
    menu.wait_for()
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    assert "التكرارات" in menu.inner_text()
    page.keyboard.press("Escape")
    page.click("[data-testid=merge-strong]")
    rows = page.locator("[data-testid=weak-pair]")
    assert rows.count() == 2
    assert third.code_display in rows.first.inner_text()  # the weakest first
    assert page.locator(f"a[href='/dedup/pairs/{weakest.pk}/']").count() == 1

    page.click("[data-testid=merge-confirm]")  # not ticked: the browser refuses, nothing starts
    assert not Merge.objects.exists()
    page.check("#id_confirm")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click("[data-testid=merge-confirm]")
    assert "/jobs/" in page.url
    assert {m.absorbed_id for m in Merge.objects.all()} == {second.pk, third.pk}
