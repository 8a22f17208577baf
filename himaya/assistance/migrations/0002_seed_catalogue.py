"""The reference case's four assistance types, and the items of its two kits."""

from decimal import Decimal

from django.db import migrations

ITEMS = [
    # code, unit, French, Arabic, English
    ("rice", "kg", "Riz", "أرز", "Rice"),
    ("flour", "kg", "Farine", "دقيق", "Flour"),
    ("oil", "l", "Huile", "زيت", "Cooking oil"),
    ("sugar", "kg", "Sucre", "سكر", "Sugar"),
    ("lentils", "kg", "Lentilles", "عدس", "Lentils"),
    ("tea", "kg", "Thé", "شاي", "Tea"),
    ("soap", "piece", "Savon", "صابون", "Soap"),
    ("detergent", "kg", "Lessive", "مسحوق الغسيل", "Detergent"),
    ("toothpaste", "piece", "Dentifrice", "معجون الأسنان", "Toothpaste"),
    ("toothbrush", "piece", "Brosse à dents", "فرشاة الأسنان", "Toothbrush"),
    ("sanitary-pads", "pack", "Serviettes hygiéniques", "فوط صحية", "Sanitary pads"),
]

TYPES = [
    # code, category, modality, unit, value MAD, French, Arabic, English, composition
    ("food-kit", "food", "in_kind", "kit", "450.00", "Kit alimentaire", "سلة غذائية", "Food kit",
     [("rice", "5"), ("flour", "10"), ("oil", "2"), ("sugar", "2"), ("lentils", "2"), ("tea", "0.5")]),
    ("food-voucher", "food", "voucher", "voucher", "500.00", "Bon alimentaire", "قسيمة غذائية", "Food voucher",
     []),
    ("hygiene-kit", "hygiene", "in_kind", "kit", "200.00", "Kit d'hygiène", "حقيبة النظافة", "Hygiene kit",
     [("soap", "4"), ("detergent", "1"), ("toothpaste", "2"), ("toothbrush", "4"), ("sanitary-pads", "2")]),
    ("medical-assistance", "medical", "referral", "referral", "0.00", "Assistance médicale", "مساعدة طبية",
     "Medical assistance", []),
]


def seed(apps, schema_editor):
    Item = apps.get_model("assistance", "Item")
    AssistanceType = apps.get_model("assistance", "AssistanceType")
    KitComponent = apps.get_model("assistance", "KitComponent")
    items = {}
    for code, unit, fr, ar, en in ITEMS:
        items[code], _ = Item.objects.get_or_create(
            code=code, defaults={"unit": unit, "name_fr": fr, "name_ar": ar, "name_en": en}
        )
    for order, (code, category, modality, unit, value, fr, ar, en, parts) in enumerate(TYPES):
        kind, _ = AssistanceType.objects.get_or_create(
            code=code,
            defaults={"category": category, "modality": modality, "unit": unit, "unit_value": Decimal(value),
                      "name_fr": fr, "name_ar": ar, "name_en": en, "order": order},
        )
        for item_code, quantity in parts:
            KitComponent.objects.get_or_create(kit=kind, item=items[item_code],
                                               defaults={"quantity": Decimal(quantity)})


def unseed(apps, schema_editor):
    apps.get_model("assistance", "KitComponent").objects.all().delete()
    apps.get_model("assistance", "AssistanceType").objects.filter(code__in=[t[0] for t in TYPES]).delete()
    apps.get_model("assistance", "Item").objects.filter(code__in=[i[0] for i in ITEMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_catalogue_distributions_deliveries_stock_referrals")]
    operations = [migrations.RunPython(seed, unseed)]
