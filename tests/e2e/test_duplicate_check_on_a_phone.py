"""On a phone, typing a person already in the caseload shows them before anything is saved."""

from himaya.registry.models import Person
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD
from tests.registry.factories import make_person


def test_the_registration_form_shows_a_likely_duplicate(phone, world):
    existing = make_person(world.partner_a, given_name="Fatoumata", family_name="Diallo",
                           birth_year="1994", phone="0612345678", documents=[])
    sign_in(phone, "agent_a", PASSWORD)
    phone.wait_for_url("**/accounts/home/")
    phone.goto("/registry/register/")
    phone.fill("#id_given_name", "Fatimata")
    phone.fill("#id_family_name", "Diallo")
    phone.fill("#id_phone", "+212 6 12 34 56 78")
    phone.locator("#id_phone").blur()
    panel = phone.wait_for_selector("[data-testid=possible-duplicates]")
    assert existing.code_display in panel.inner_text()
    assert Person.objects.count() == 1  # nothing saved by the check
