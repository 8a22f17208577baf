"""Sample path arguments for the monitoring routes (see tests/access_samples.py)."""

from __future__ import annotations

from typing import Any

from tests.access_samples import Sample

# The world's programme has the donor as donor but no government counterpart: the
# government viewer is told "not found", like for any programme it is not party to.
NOT_PARTY = frozenset({"government"})


def programme_of(world: Any) -> Any:
    return world.partner_a.agreements.first().programme


def indicator_of(world: Any) -> Any:
    from himaya.monitoring.models import Indicator

    indicator, _ = Indicator.objects.get_or_create(
        programme=programme_of(world), code="1.1",
        defaults={"title_fr": "Assistances directes", "definition": {"kind": "deliveries"},
                  "disaggregations": ["sex", "region"]},
    )
    return indicator


def _programme(world: Any) -> dict[str, Any]:
    return {"pk": programme_of(world).pk}


def _indicator(world: Any) -> dict[str, Any]:
    return {"pk": indicator_of(world).pk}


SAMPLES: dict[str, Sample] = {
    name: Sample(kwargs, hidden_from=NOT_PARTY)
    for name, kwargs in (
        ("monitoring:programme", _programme),
        ("monitoring:refresh", _programme),
        ("monitoring:indicator-create", _programme),
        ("monitoring:period-create", _programme),
        ("monitoring:quality", _programme),
        ("monitoring:narrative", _programme),
        ("monitoring:indicator", _indicator),
        ("monitoring:indicator-edit", _indicator),
        ("monitoring:manual-value", _indicator),
        ("api-monitoring-programme-results", _programme),
    )
}
