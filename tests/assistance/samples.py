"""Sample path arguments for the assistance routes: partner A's objects."""

from __future__ import annotations

from typing import Any

from tests.access_samples import Sample
from tests.registry.samples import household_of_a, person_of_a


def distribution_of_a(world: Any) -> Any:
    from tests.assistance.factories import distribution_of

    cached = getattr(world, "_assistance_distribution", None)
    if cached is None:
        cached = distribution_of(world.partner_a, [person_of_a(world)], status="in_progress")
        world._assistance_distribution = cached
    return cached


def referral_of_a(world: Any) -> Any:
    from tests.assistance.factories import referral_of

    cached = getattr(world, "_assistance_referral", None)
    if cached is None:
        cached = referral_of(world.partner_a, person_of_a(world), notes="Suivi prénatal")
        world._assistance_referral = cached
    return cached


def proof_of_a(world: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from himaya.assistance.proofs import proof_add

    cached = getattr(world, "_assistance_proof", None)
    if cached is None:
        cached = proof_add(actor=None, referral=referral_of_a(world), name="recu.pdf", size=12,
                           file=SimpleUploadedFile("recu.pdf", b"%PDF-1.4\n%%EOF"))
        world._assistance_proof = cached
    return cached


def _distribution(world: Any) -> dict[str, Any]:
    return {"pk": distribution_of_a(world).pk}


def _referral(world: Any) -> dict[str, Any]:
    return {"pk": referral_of_a(world).pk}


SAMPLES = {
    "assistance:distribution-detail": Sample(_distribution, owner="a"),
    "assistance:distribution-move": Sample(_distribution, owner="a"),
    "assistance:distribution-targets": Sample(_distribution, owner="a"),
    "assistance:distribution-check-in": Sample(_distribution, owner="a"),
    "assistance:distribution-check-in-record": Sample(_distribution, owner="a"),
    "assistance:distribution-xlsform": Sample(_distribution, owner="a"),
    "assistance:distribution-kobo-import": Sample(_distribution, owner="a"),
    "api-assistance-distribution-kobo-import": Sample(_distribution, owner="a"),
    "assistance:referral-proof-upload": Sample(_referral, owner="a"),
    "assistance:referral-proof-download": Sample(lambda w: {"pk": proof_of_a(w).pk}, owner="a"),
    "assistance:referral-detail": Sample(_referral, owner="a"),
    "assistance:referral-move": Sample(_referral, owner="a"),
    "assistance:referral-share": Sample(_referral, owner="a"),
    "assistance:person-panel": Sample(lambda w: {"person_pk": person_of_a(w).pk}, owner="a"),
    "assistance:household-panel": Sample(lambda w: {"household_pk": household_of_a(w).pk}, owner="a"),
}
