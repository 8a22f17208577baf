"""The household's page: its assistance history (and its members'), medical details only for
medical readers, and its vouchers for the roles that see vouchers."""

from __future__ import annotations

from django.urls import reverse

import tests.access_samples  # noqa: F401  (collects every app's samples before the registry's are used)
from himaya.vouchers.models import Voucher
from tests.assistance.factories import deliver, referral_of
from tests.registry.samples import household_of_a, person_of_a


def test_the_household_panel_shows_history_and_medical_details_by_role(world):
    household = household_of_a(world)
    head = person_of_a(world)
    deliver(world.partner_a, household=household)
    referral_of(world.partner_a, head, notes="Suivi prénatal")
    url = reverse("assistance:household-panel", args=[household.pk])
    coordinator = world.client_for("coord_a").get(url).content.decode()
    assert "Bon alimentaire" in coordinator or "Food voucher" in coordinator
    assert reverse("assistance:referral-detail", args=[head.referrals.get().pk]) in coordinator
    manager = world.client_for("manager").get(url).content.decode()
    # The programme manager counts medical assistance, never sees whom or where.
    assert reverse("assistance:referral-detail", args=[head.referrals.get().pk]) not in manager
    assert head.referrals.get().facility.name not in manager
    assert "1" in manager and ("Assistance médicale" in manager or "Medical assistance" in manager)
    assert world.client_for("coord_b").get(url).status_code == 404


def test_the_household_panel_loads_its_vouchers_for_voucher_readers(world):
    household = household_of_a(world)
    head = person_of_a(world)
    deliver(world.partner_a, household=household)  # a food voucher: a real voucher for the household
    deliver(world.partner_a, person=head)
    assert Voucher.objects.filter(household=household).count() == 1
    panel = reverse("vouchers:household-panel", args=[household.pk])
    assert panel in world.client_for("agent_a").get(
        reverse("assistance:household-panel", args=[household.pk])).content.decode()
    page = world.client_for("agent_a").get(panel)
    rows = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    for voucher in Voucher.objects.filter(partner=world.partner_a):
        assert f"{voucher.code_hint}…" in rows
    assert "500,00" in rows or "500.00" in rows
    assert world.client_for("coord_b").get(panel).status_code == 404
    assert world.client_for("donor").get(panel).status_code == 403
