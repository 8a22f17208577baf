"""`himaya data-inventory`: write docs/data-inventory.md from the inventory (or list what is missing)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from himaya.protection import inventory


class Command(BaseCommand):
    help = "Write docs/data-inventory.md; fail when a field is unclassified or an entry is stale."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = ([f"unclassified: {name}" for name in inventory.unclassified()]
                    + [f"stale: {name}" for name in inventory.stale()] + inventory.invalid())
        if problems:
            raise CommandError("himaya/protection/inventory.toml:\n  " + "\n  ".join(problems))
        path = settings.REPO_DIR / "docs" / "data-inventory.md"
        path.write_text(inventory.render_markdown() + "\n", encoding="utf-8")
        self.stdout.write(f"{path}: {len(inventory.entries())} fields")
