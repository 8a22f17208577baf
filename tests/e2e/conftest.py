"""Browser tests: Playwright driving the system's Chromium (never a downloaded browser)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings):  # noqa: ANN001, ANN201
    """A fresh browser context; the live server runs with the second factor off, as in demo mode."""
    settings.HIMAYA_REQUIRE_SECOND_FACTOR = False
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server, settings):  # noqa: ANN001, ANN201
    """A phone-sized viewport (360×740, touch)."""
    settings.HIMAYA_REQUIRE_SECOND_FACTOR = False
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 360, "height": 740},
        has_touch=True, is_mobile=True,
    )
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, username: str, password: str) -> None:  # noqa: ANN001
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("[data-testid=sign-in]")


def switch_language(page, code: str) -> None:  # noqa: ANN001
    """Switch the interface language the way a person does, and wait for the new page.

    On a phone the language buttons sit in the folded menu: it must have finished opening
    before the click, or the click can land while the menu still moves. The switch posts
    and redirects; the new document is what matters, not every image and font it loads
    (waiting for ``load`` once hung a CI run on a slow sub-resource)."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.locator(".navbar-collapse.show").wait_for()
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.click(f"[data-testid=lang-{code}]")
    page.locator(f"html[lang={code}]").wait_for(state="attached")
