"""P5: every field of every model is classified with its purpose; a new one fails the suite."""

from __future__ import annotations

import re

from django.apps import apps
from django.conf import settings

from himaya.protection import inventory


def test_every_field_of_every_model_is_classified():
    missing = inventory.unclassified()
    assert missing == [], (
        "classify these fields in himaya/protection/inventory.toml, then run `himaya data-inventory`: "
        + ", ".join(missing)
    )


def test_no_entry_names_a_field_that_is_gone():
    assert inventory.stale() == []


def test_categories_and_retention_are_known_and_every_model_has_a_purpose():
    assert inventory.invalid() == []
    every_himaya_model = {m._meta.label for m in apps.get_models() if m.__module__.startswith("himaya.")}
    assert every_himaya_model <= set(inventory.load())


def test_identifiers_and_sensitive_fields_are_the_encrypted_ones_of_the_registry():
    """What the inventory calls a migrant's direct identifier is encrypted in the database (P12)."""
    from himaya.registry.fields import EncryptedTextField

    for entry in inventory.entries():
        if entry.category == "direct_identifier":
            field = apps.get_model(entry.model)._meta.get_field(entry.field)
            assert isinstance(field, EncryptedTextField), f"{entry.model}.{entry.field} is not encrypted"


def test_every_purged_retention_has_a_configured_period():
    for name, (_meaning, key) in inventory.RETENTION.items():
        if key is not None:
            assert settings.HIMAYA_RETENTION_DAYS[key] > 0, name


def test_no_field_for_legal_status_religion_or_ethnicity():
    forbidden = re.compile(r"legal_status|religio|ethnic|tribe|caste|immigration_status|asylum")
    assert [e for e in inventory.entries() if forbidden.search(e.field)] == []


def test_the_published_inventory_is_current():
    path = settings.REPO_DIR / "docs" / "data-inventory.md"
    assert path.read_text(encoding="utf-8") == inventory.render_markdown() + "\n", (
        "run `himaya data-inventory`"
    )
