"""A field agent registers a person on a phone, finds them under another spelling, reveals the phone."""

import os

from himaya.audit.models import AuditEvent
from himaya.reference.models import Region
from himaya.registry.models import Person
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD

SHOTS = os.environ.get("HIMAYA_SCREENSHOTS", "")


def test_field_agent_registers_and_finds_a_person(phone, world):
    sign_in(phone, "agent_a", PASSWORD)
    phone.wait_for_url("**/accounts/home/")
    phone.goto("/registry/register/")
    phone.fill("#id_given_name", "Ousmane")
    phone.fill("#id_family_name", "Diallo")
    phone.check("input[name=sex][value=male]")
    phone.select_option("#id_birth_precision", "year")
    phone.fill("#id_birth_year", "1995")
    phone.fill("#id_phone", "06 61 23 45 78")
    # Region, then province, then commune: each list is fetched for the level above.
    region = Region.objects.get(code="01")
    province = region.provinces.order_by("code").first()
    commune = province.communes.order_by("code").first()
    phone.select_option("#id_region", str(region.pk))
    phone.wait_for_selector(f"#id_province option[value='{province.pk}']", state="attached")
    phone.select_option("#id_province", str(province.pk))
    phone.wait_for_selector(f"#id_commune option[value='{commune.pk}']", state="attached")
    phone.select_option("#id_commune", str(commune.pk))
    phone.check("#id_consent_registration")
    phone.check("#id_consent_follow_up")
    # Instant validation (htmx) swaps the fields in place: wait for it before submitting.
    phone.wait_for_load_state("networkidle")
    if SHOTS:
        phone.screenshot(path=f"{SHOTS}/register.png", full_page=True)
    phone.click("[data-testid=person-submit]")
    phone.wait_for_url("**/registry/people/*/")
    person = Person.objects.get()
    assert person.organisation == world.partner_a
    assert (person.region, person.province, person.commune) == (region, province, commune)
    assert phone.locator("[data-testid=person-code]").inner_text() == person.code_display

    phone.click("[data-testid=reveal-phone]")
    phone.wait_for_selector("text=+212661234578")
    assert AuditEvent.objects.filter(action="person.reveal_phone").count() == 1
    if SHOTS:
        phone.screenshot(path=f"{SHOTS}/detail.png", full_page=True)

    phone.goto("/registry/")
    phone.type("[data-testid=person-search]", "osman djalo", delay=40)
    phone.wait_for_selector("[data-testid=person-result]")
    assert person.code_display in phone.locator("[data-testid=person-result]").first.inner_text()
    if SHOTS:
        phone.screenshot(path=f"{SHOTS}/search.png", full_page=True)
