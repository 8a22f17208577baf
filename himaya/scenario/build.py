"""The reference scenario, built layer by layer; later issues add their step here."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from django.db import transaction

from himaya.organisations.models import Programme
from himaya.scenario import foundation
from himaya.scenario.world import DemoWorld

STEPS: list[tuple[str, Callable[[DemoWorld], None]]] = [
    ("organisations, programme, users and public site", foundation.build),
]
# Later layers, each a module of this package with a `build(world)` function,
# in dependency order.
LAYERS = [
    ("people and households", "himaya.scenario.people"),
    ("association capacity, roadmaps, trainings and events", "himaya.scenario.capacity"),
    ("assistance 2019–2022: distributions, deliveries, stock, referrals", "himaya.scenario.assistance"),
    ("food vouchers, vendors' redemptions and statements", "himaya.scenario.vouchers"),
    ("results framework: outcomes, outputs, indicators, targets", "himaya.scenario.results"),
    ("second registrations, a deduplication run and its review", "himaya.scenario.duplicates"),
]
for _label, _module in LAYERS:
    STEPS.append((_label, importlib.import_module(_module).build))


def demo_exists() -> bool:
    return Programme.objects.filter(code="rdpp-maroc").exists()


def build_demo(report: Callable[[str], None] = print) -> DemoWorld:
    world = DemoWorld()
    with transaction.atomic():
        for label, step in STEPS:
            report(f"  · {label}")
            step(world)
    return world
