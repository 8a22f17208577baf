"""Pages: a vendor redeems by code; partners issue and print; statements as PDF/XLSX, paid;
the programme's totals reconcile."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from himaya.vouchers.models import Redemption, Statement, Voucher
from tests.registry.factories import make_person
from tests.vouchers.factories import contract, issue

pytestmark = pytest.mark.django_db


def test_vendor_checks_then_redeems_part_and_gets_a_receipt(world):
    contract(world.vendor)
    issued = issue(world.partner_a, value="300")
    client = world.client_for("vendor")
    page = client.post("/vouchers/redeem/", {"step": "check", "code": issued.code_display.lower()})
    text = page.content.decode()
    assert page.status_code == 200 and "300,00" in text
    assert issued.voucher.person.given_name not in text and issued.voucher.person.code not in text
    key = page.context["form"].initial["key"]
    done = client.post("/vouchers/redeem/", {"step": "redeem", "code": issued.code, "key": key, "amount": "120"})
    assert done.status_code == 302
    # A double tap sends the same form again: the same receipt, no second redemption.
    again = client.post("/vouchers/redeem/", {"step": "redeem", "code": issued.code, "key": key, "amount": "120"})
    assert again["Location"] == done["Location"]
    receipt = client.get(done["Location"])
    assert "180,00" in receipt.content.decode()
    assert Redemption.objects.count() == 1


def test_vendor_sees_a_clear_error_for_a_bad_code(world):
    contract(world.vendor)
    page = world.client_for("vendor").post("/vouchers/redeem/", {"step": "check", "code": "ABCD-EFGH"})
    assert page.status_code == 200
    assert "pas valide" in page.content.decode()


def test_partner_issues_a_batch_and_prints_the_cards(world):
    people = [make_person(world.partner_a) for _ in range(3)]
    client = world.client_for("coord_a")
    today = timezone.localdate()
    page = client.post("/vouchers/issue/", {
        "beneficiaries": "\n".join(p.code_display for p in people), "category": "food", "value": "250",
        "valid_from": today.isoformat(), "valid_until": (today + dt.timedelta(days=30)).isoformat(),
    })
    assert page.status_code == 200, page.context["form"].errors if page.context else page
    codes = page.context["codes"]
    assert len(codes) == 3 and Voucher.objects.count() == 3
    pdf = client.post("/vouchers/cards/", {"code": codes})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # Another partner cannot print them, even with the codes.
    other = world.client_for("coord_b").post("/vouchers/cards/", {"code": codes})
    assert other.status_code == 302


def test_issue_form_refuses_unknown_codes_and_stores_nothing(world):
    theirs = make_person(world.partner_b)
    today = timezone.localdate()
    page = world.client_for("coord_a").post("/vouchers/issue/", {
        "beneficiaries": theirs.code_display, "category": "food", "value": "250",
        "valid_from": today.isoformat(), "valid_until": today.isoformat(),
    })
    assert page.status_code == 200 and page.context["form"].errors["beneficiaries"]
    assert not Voucher.objects.exists()


def test_cancel_and_reissue_pages(world):
    issued = issue(world.partner_a)
    client = world.client_for("agent_a")
    page = client.post(f"/vouchers/{issued.voucher.pk}/reissue/", {"reason": "lost"})
    assert page.status_code == 200 and len(page.context["codes"]) == 1
    assert Voucher.objects.get(pk=issued.voucher.pk).status == "cancelled"
    assert world.client_for("coord_b").post(f"/vouchers/{issued.voucher.pk}/cancel/").status_code == 404


def test_statement_lifecycle_and_files(world):
    contract(world.vendor)
    from himaya.vouchers.services import voucher_redeem

    for n in range(3):
        issued = issue(world.partner_a, value="100")
        voucher_redeem(code=issued.code, vendor=world.vendor, amount="40", actor=None, idempotency_key=f"s{n}")
    vendor = world.client_for("vendor")
    today = timezone.localdate()
    made = vendor.post("/vouchers/statements/", {
        "vendor": world.vendor.pk, "period_start": (today - dt.timedelta(days=7)).isoformat(),
        "period_end": today.isoformat(),
    })
    assert made.status_code == 302
    statement = Statement.objects.get()
    assert (statement.count, statement.total) == (3, Decimal("120"))
    pdf = vendor.get(f"/vouchers/statements/{statement.pk}/pdf/")
    assert pdf.content.startswith(b"%PDF")
    xlsx = vendor.get(f"/vouchers/statements/{statement.pk}/xlsx/")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    amounts = [row[5] for row in sheet.iter_rows(min_row=6, values_only=True) if row[0]]
    assert amounts == [40, 40, 40]
    # Nothing left for a second statement of the same period.
    again = vendor.post("/vouchers/statements/", {
        "vendor": world.vendor.pk, "period_start": (today - dt.timedelta(days=7)).isoformat(),
        "period_end": today.isoformat(),
    })
    assert again.status_code == 200 and Statement.objects.count() == 1
    # The vendor cannot mark its own statement paid; the programme manager can.
    assert vendor.post(f"/vouchers/statements/{statement.pk}/paid/").status_code == 403
    world.client_for("manager").post(f"/vouchers/statements/{statement.pk}/paid/", {"payment_reference": "VIR-1"})
    statement.refresh_from_db()
    assert statement.status == "paid" and statement.payment_reference == "VIR-1"


def test_programme_totals_reconcile(world):
    from himaya.vouchers.services import voucher_cancel, voucher_redeem, voucher_reissue

    contract(world.vendor)
    a = issue(world.partner_a, value="300")
    b = issue(world.partner_a, value="200")
    c = issue(world.partner_a, value="100")
    voucher_redeem(code=a.code, vendor=world.vendor, amount="300", actor=None, idempotency_key="1")
    voucher_redeem(code=b.code, vendor=world.vendor, amount="50", actor=None, idempotency_key="2")
    voucher_reissue(actor=None, voucher=Voucher.objects.get(pk=b.voucher.pk))
    voucher_cancel(actor=None, voucher=c.voucher)
    page = world.client_for("manager").get("/vouchers/programme/")
    total = page.context["overview"].total
    assert (total.issued, total.redeemed, total.outstanding, total.cancelled) == (
        Decimal("600"), Decimal("350"), Decimal("150"), Decimal("100"))
    assert total.reconciles


def test_anomaly_flags(world):
    from himaya.vouchers.models import Redemption
    from himaya.vouchers.queries import anomaly_flags

    contract(world.vendor)
    from himaya.vouchers.services import voucher_redeem

    for n in range(12):
        issued = issue(world.partner_b, value="100")  # partner B is in another region than the vendor
        voucher_redeem(code=issued.code, vendor=world.vendor, amount="100", actor=None, idempotency_key=f"b{n}")
    flags = anomaly_flags(Redemption.objects.all())
    kinds = [f.kind for f in flags]
    assert kinds.count("burst") == 1 and kinds.count("outside_region") == 1
    burst = next(f for f in flags if f.kind == "burst")
    assert burst.detail["count"] == 12


def test_person_panel_lists_the_persons_vouchers_for_the_registry_page(world):
    issued = issue(world.partner_a, value="150")
    panel = world.client_for("agent_a").get(f"/vouchers/person/{issued.voucher.person_id}/panel/")
    assert panel.status_code == 200 and issued.voucher.code_hint in panel.content.decode()
    assert world.client_for("coord_b").get(f"/vouchers/person/{issued.voucher.person_id}/panel/").status_code == 404
