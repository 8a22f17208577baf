"""Sample path arguments for the protection routes: an erasure request about partner A's person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.access_samples import Sample


def erasure_of_a(world: Any) -> Any:
    from himaya.protection.services import erasure_request_record
    from tests.registry.samples import person_of_a

    cached = getattr(world, "_erasure_request", None)
    if cached is None:
        cached = erasure_request_record(actor=None, person=person_of_a(world),
                                        received_on=dt.date(2026, 1, 5), channel="in_person")
        world._erasure_request = cached
    return cached


SAMPLES = {
    "protection:erasure-detail": Sample(lambda w: {"pk": erasure_of_a(w).pk}, owner="a"),
}
