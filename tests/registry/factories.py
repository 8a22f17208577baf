"""Registering people the way the application does, through its services."""

from __future__ import annotations

from typing import Any

from himaya.organisations.models import Organisation
from himaya.registry.models import Person
from himaya.registry.services import person_register
from himaya.registry.validation import person_data_validate

CONSENT_ALL = [
    {"purpose": p, "legal_basis": "consent"}
    for p in ("registration", "assistance", "referral", "follow_up")
]


def person_raw(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "given_name": "Aminata", "family_name": "Diallo", "sex": "female",
        "birth_year": "1994", "nationality": "GN", "languages": "fr, ff", "region": "01",
        "phone": "06 12 34 56 78",
        "documents": [{"kind": "passport", "number": "GN 1234567"}],
        "vulnerabilities": ["single-parent"],
        "consents": CONSENT_ALL,
    }
    raw.update(overrides)
    return raw


def make_person(organisation: Organisation, actor: Any = None, external_id: str = "",
                **overrides: Any) -> Person:
    data = person_data_validate(person_raw(**overrides))
    return person_register(
        actor=actor, organisation=organisation, data=data, external_id=external_id
    ).person
