"""The reference scenario, built layer by layer; later issues add their step here."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from himaya.organisations.models import Programme
from himaya.scenario import foundation
from himaya.scenario.world import DemoWorld

STEPS: list[tuple[str, Callable[[DemoWorld], None]]] = [
    ("organisations, programme, users and public site", foundation.build),
]


def demo_exists() -> bool:
    return Programme.objects.filter(code="rdpp-maroc").exists()


def build_demo(report: Callable[[str], None] = print) -> DemoWorld:
    world = DemoWorld()
    with transaction.atomic():
        for label, step in STEPS:
            report(f"  · {label}")
            step(world)
    return world
