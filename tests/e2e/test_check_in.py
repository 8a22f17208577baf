"""A field agent checks people in at a distribution on a phone, in French and in Arabic:
find by code, confirm, record, next."""

from __future__ import annotations

import pytest

from himaya.assistance.models import Delivery, DistributionTarget
from tests.assistance.factories import distribution_of, ensure_catalogue
from tests.e2e.conftest import sign_in, switch_language
from tests.factories import PASSWORD
from tests.registry.factories import make_person


@pytest.mark.parametrize(("language", "confirm", "delivered"), [
    ("fr", "Confirmer et enregistrer", "remis. Personne suivante."),
    ("ar", "تأكيد وتسجيل", "تم التسليم. الشخص التالي."),
])
def test_agent_checks_in_a_person_on_a_phone(phone, world, language, confirm, delivered):
    ensure_catalogue()  # the live server's database is flushed between tests
    person = make_person(world.partner_a, vulnerabilities=[])
    other = make_person(world.partner_a, given_name="Moussa", family_name="Traoré", sex="male", vulnerabilities=[])
    distribution = distribution_of(world.partner_a, [person, other], types=("food-voucher",), status="in_progress")

    sign_in(phone, "agent_a", PASSWORD)
    phone.wait_for_url("**/accounts/home/")
    if language == "ar":
        switch_language(phone, "ar")  # on a phone the language buttons are in the folded menu
    phone.goto(f"/assistance/distributions/{distribution.pk}/check-in/")
    assert phone.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")

    phone.fill("[data-testid=check-in-q]", person.code_display)
    phone.click("[data-testid=check-in-find]")
    button = phone.locator("[data-testid=confirm-deliver]")
    button.wait_for()
    assert button.inner_text().strip() == confirm
    # Thumb-sized and on screen: the whole button fits the phone's width.
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] >= 40
    assert phone.locator("[data-testid=check-in-results] li").count() == 1
    button.click()
    phone.wait_for_load_state()
    assert delivered in phone.content()
    assert phone.locator("[data-testid=delivered]").inner_text().strip() == "1"
    # Next person: the search is empty and ready.
    assert phone.locator("[data-testid=check-in-q]").input_value() == ""

    assert Delivery.objects.filter(person=person, distribution=distribution).count() == 1
    assert distribution.targets.get(person=person).status == DistributionTarget.Status.DELIVERED
    assert distribution.targets.get(person=other).status == DistributionTarget.Status.PLANNED
