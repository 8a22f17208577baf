"""A partner coordinator signs in, switches to Arabic and gets a right-to-left page."""

from tests.e2e.conftest import sign_in, switch_language
from tests.factories import PASSWORD


def test_coordinator_signs_in_and_reads_arabic_right_to_left(page, world):
    sign_in(page, "coord_a", PASSWORD)
    page.wait_for_url("**/accounts/home/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("html").get_attribute("dir") == "ltr"

    switch_language(page, "ar")
    html = page.locator("html")
    assert html.get_attribute("lang") == "ar"
    assert html.get_attribute("dir") == "rtl"
    # The layout really mirrors: the RTL stylesheet is loaded and the brand sits on the right.
    assert page.locator("link[href*='bootstrap.rtl']").count() == 1
    brand = page.locator(".navbar-brand").bounding_box()
    viewport = page.viewport_size
    assert brand["x"] > viewport["width"] / 2
    # And the text is Arabic: the sign-out button reads خروج or similar, not French.
    assert "Se déconnecter" not in page.content()
