"""A vendor on a cheap phone: types (or scans) a code, sees the value left, takes part, gets a receipt."""

from decimal import Decimal

from himaya.vouchers.codes import display
from himaya.vouchers.models import Redemption, Voucher
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD
from tests.vouchers.factories import contract, issue


def test_vendor_redeems_part_of_a_voucher_on_a_phone(phone, world):
    contract(world.vendor)
    issued = issue(world.partner_a, value="300")
    person = issued.voucher.person
    sign_in(phone, "vendor", PASSWORD)
    phone.wait_for_url("**/accounts/home/")
    phone.goto("/vouchers/redeem/")
    # A QR scanner in keyboard-wedge mode types the printed code and presses Enter.
    phone.fill("#id_code", display(issued.code).lower())
    phone.keyboard.press("Enter")
    phone.wait_for_selector("[data-testid=balance]")
    assert "300,00" in phone.inner_text("[data-testid=balance]")
    assert "/" in phone.inner_text("[data-testid=validity]")
    body = phone.content()
    # The vendor never sees who the voucher is for.
    assert person.given_name not in body and person.family_name not in body and person.code not in body
    # Nothing overflows the 360-pixel screen: the redeem button is fully visible.
    button = phone.locator("[data-testid=redeem]").bounding_box()
    assert button["x"] >= 0 and button["x"] + button["width"] <= 360
    phone.fill("#id_amount", "120")
    phone.click("[data-testid=redeem]")
    phone.wait_for_selector("[data-testid=receipt]")
    assert "120,00" in phone.inner_text("[data-testid=amount]")
    assert "180,00" in phone.inner_text("[data-testid=left]")
    voucher = Voucher.objects.get(pk=issued.voucher.pk)
    assert voucher.balance == Decimal("180") and voucher.status == "partly_redeemed"
    assert Redemption.objects.filter(voucher=voucher).count() == 1
    # Next customer: the page is ready for another code.
    phone.click("[data-testid=next]")
    phone.wait_for_selector("#id_code")


def test_a_forged_code_gets_a_clear_message_on_the_phone(phone, world):
    contract(world.vendor)
    sign_in(phone, "vendor", PASSWORD)
    phone.wait_for_url("**/accounts/home/")
    phone.goto("/vouchers/redeem/")
    phone.fill("#id_code", "ABCD-EFGH-JKMN-PQRS-TVWX")
    phone.click("[data-testid=check]")
    phone.wait_for_selector(".invalid-feedback")
    assert "pas valide" in phone.inner_text(".invalid-feedback")
