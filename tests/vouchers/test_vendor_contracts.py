"""Vendor contracts from a page: the programme lists, creates and edits vendors and their
terms; the mission administrator manages their users and till tokens (accounts services)."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.urls import reverse

from himaya.accounts.models import ApiToken, User, token_digest
from himaya.accounts.roles import Role
from himaya.audit.models import AuditEvent
from himaya.organisations.models import Organisation
from himaya.reference.models import Region
from himaya.vouchers.models import VendorContract


def _form(**overrides):  # noqa: ANN003, ANN202
    data = {"code": "epicerie-oujda-2", "name_fr": "Épicerie Oujda 2", "name_ar": "بقالة وجدة 2",
            "region": Region.objects.get(code="01").pk, "categories": ["food", "baby"],
            "valid_from": "2026-01-01", "valid_until": "2026-12-31",
            "regions": [Region.objects.get(code="01").pk, Region.objects.get(code="02").pk],
            "signed_on": "2025-12-15", "active": "on", "notes": ""}
    data.update(overrides)
    return data


def test_a_programme_manager_creates_and_edits_a_vendor_contract(world):
    client = world.client_for("manager")
    created = client.post(reverse("vouchers:vendor-new"), _form(partner=world.partner_a.pk))
    assert created.status_code == 302
    contract = VendorContract.objects.get(vendor__code="epicerie-oujda-2")
    assert contract.vendor.kind == Organisation.Kind.VENDOR and contract.categories == ["baby", "food"]
    assert (contract.valid_from, contract.valid_until, contract.partner) == (
        dt.date(2026, 1, 1), dt.date(2026, 12, 31), world.partner_a)
    assert set(contract.regions.values_list("code", flat=True)) == {"01", "02"}
    edit = reverse("vouchers:vendor-edit", args=[contract.vendor_id])
    assert client.get(edit).status_code == 200
    changed = client.post(edit, {**_form(categories=["medication"], valid_until="2027-06-30"), "active": ""})
    assert changed.status_code == 302
    contract.refresh_from_db()
    assert (contract.categories, contract.valid_until, contract.active, contract.partner) == (
        ["medication"], dt.date(2027, 6, 30), False, None)
    assert AuditEvent.objects.filter(action__startswith="vendor_contract.").count() == 2
    listing = client.get(reverse("vouchers:vendor-list")).content.decode()
    assert "Épicerie Oujda 2" in listing
    detail = client.get(reverse("vouchers:vendor-detail", args=[contract.vendor_id])).content.decode()
    assert "30/06/2027" in detail


def test_bad_terms_are_refused_with_the_reason(world):
    client = world.client_for("manager")
    backwards = client.post(reverse("vouchers:vendor-new"), _form(valid_from="2026-12-31", valid_until="2026-01-01"))
    assert backwards.status_code == 400 and backwards.context["form"].errors["valid_until"]
    none = client.post(reverse("vouchers:vendor-new"), _form(categories=[]))
    assert none.status_code == 400 and none.context["form"].errors["categories"]
    taken = client.post(reverse("vouchers:vendor-new"), _form(code=world.partner_a.code))
    assert taken.status_code == 400 and taken.context["form"].errors["code"]
    assert not VendorContract.objects.filter(vendor__name_fr="Épicerie Oujda 2").exists()


def test_the_administrator_invites_a_vendor_user_and_makes_a_till_token(world, django_capture_on_commit_callbacks):
    admin = world.client_for("admin")
    vendor = world.vendor
    with django_capture_on_commit_callbacks(execute=True):
        invited = admin.post(reverse("vouchers:vendor-user-invite", args=[vendor.pk]), {
            "username": "caisse1", "email": "caisse1@example.org", "preferred_language": "ar"})
    assert invited.status_code == 302
    user = User.objects.get(username="caisse1")
    assert (user.membership.organisation, user.membership.role) == (vendor, Role.VENDOR)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["caisse1@example.org"]
    page = admin.post(reverse("vouchers:vendor-token-new", args=[vendor.pk]), {"user": user.pk, "name": "Caisse 1"})
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    raw = page.context["new_token"]
    token = ApiToken.objects.get(user=user)
    assert token.digest == token_digest(raw) and raw not in str(token.__dict__)
    assert AuditEvent.objects.filter(action="vendor.token_create", actor=world.users["admin"]).exists()
    revoked = admin.post(reverse("vouchers:vendor-token-revoke", args=[vendor.pk, token.pk]))
    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_token_is_only_for_the_vendors_own_users_and_accounts_are_the_administrators(world):
    admin = world.client_for("admin")
    other = admin.post(reverse("vouchers:vendor-token-new", args=[world.vendor.pk]),
                       {"user": world.users["agent_a"].pk, "name": "x"})
    assert other.status_code == 400
    assert not ApiToken.objects.filter(user=world.users["agent_a"]).exists()
    manager = world.client_for("manager")
    assert manager.post(reverse("vouchers:vendor-user-invite", args=[world.vendor.pk]), {
        "username": "caisse2", "email": "c2@example.org", "preferred_language": "fr"}).status_code == 403
    assert not User.objects.filter(username="caisse2").exists()
    # The manager's page shows no account forms.
    detail = manager.get(reverse("vouchers:vendor-detail", args=[world.vendor.pk]))
    assert detail.context["user_form"] is None and detail.context["token_form"] is None


def test_the_list_sums_each_vendors_redemptions_once_whatever_its_users(world):
    from himaya.accounts.services import user_create
    from himaya.vouchers.services import voucher_redeem
    from tests.vouchers.factories import contract, issue

    contract(world.vendor)
    user_create(actor=None, username="caisse9", email="c9@example.org", organisation=world.vendor,
                role=Role.VENDOR)
    for key, amount in (("a", "30"), ("b", "45.50")):
        voucher_redeem(code=issue(world.partner_a).code, vendor=world.vendor, amount=amount, actor=None,
                       idempotency_key=key)
    page = world.client_for("manager").get(reverse("vouchers:vendor-list"))
    row = next(v for v in page.context["vendors"] if v.pk == world.vendor.pk)
    assert (row.users, row.redeemed) == (2, 75.5)
