"""The catalogue ships the seed's four types (kits with their composition) and grows in the
admin without code."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from himaya.assistance.models import AssistanceType, Item, KitComponent


def test_the_seed_four_types_ship_with_the_reference_data(db):
    types = {t.code: t for t in AssistanceType.objects.all()}
    assert {"food-kit", "food-voucher", "hygiene-kit", "medical-assistance"} <= set(types)
    assert (types["food-voucher"].category, types["food-voucher"].modality) == ("food", "voucher")
    assert (types["medical-assistance"].category, types["medical-assistance"].modality) == ("medical", "referral")
    assert types["food-kit"].components.count() >= 5 and types["hygiene-kit"].components.count() >= 4
    assert types["food-kit"].unit_value > 0 and types["food-kit"].name_ar


def test_an_administrator_adds_a_kit_in_the_admin(world):
    admin = world.users["admin"]
    admin.is_superuser = True  # as the demo's administrator; permissions are Django's own here
    admin.save(update_fields=["is_superuser"])
    client = world.client_for("admin")
    for name in ("assistancetype", "item", "entitlementrule"):
        assert client.get(reverse(f"admin:assistance_{name}_add")).status_code == 200
        assert client.get(reverse(f"admin:assistance_{name}_changelist")).status_code == 200
    blanket = Item.objects.create(code="blanket", unit="piece", name_fr="Couverture")
    response = client.post(reverse("admin:assistance_assistancetype_add"), {
        "name_fr": "Kit hiver", "name_ar": "حقيبة الشتاء", "name_en": "Winter kit", "code": "winter-kit",
        "category": "non_food", "modality": "in_kind", "unit": "kit", "unit_value": "300", "active": "on",
        "order": "5",
        "components-TOTAL_FORMS": "1", "components-INITIAL_FORMS": "0",
        "components-0-item": blanket.pk, "components-0-quantity": "2",
    })
    assert response.status_code == 302, response.content[:2000]
    kit = AssistanceType.objects.get(code="winter-kit")
    assert KitComponent.objects.get(kit=kit).quantity == Decimal(2)
