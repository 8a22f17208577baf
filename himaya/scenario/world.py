"""What the demo builders share: a seeded random source and the objects built so far."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

DEMO_PASSWORD = "Himaya-demo-2022!"
DEMO_SEED = 20221216  # the closing event's date


@dataclass
class DemoWorld:
    rng: random.Random = field(default_factory=lambda: random.Random(DEMO_SEED))
    objects: dict[str, Any] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role, username, organisation)

    def __getitem__(self, key: str) -> Any:
        return self.objects[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.objects[key] = value
