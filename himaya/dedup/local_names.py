"""The programme's own lines of the equivalents table, kept in the database and handed to
the engine (which reads no database) before each run and each registration check.

Every process keeps its own copy of the table; `sync()` compares a cheap fingerprint of
the rows (how many, the last id) with what this process installed, so a line added on
the page is used by the next check in every worker without a restart.
"""

from __future__ import annotations

from django.db.models import Count, Max

from himaya.dedup import names
from himaya.dedup.models import NameEquivalent

_installed: tuple[int, int | None] | None = None


def fingerprint() -> tuple[int, int | None]:
    # Rows are only added or removed, never edited, so count and last id say it all.
    summary = NameEquivalent.objects.aggregate(n=Count("pk"), last=Max("pk"))
    return summary["n"], summary["last"]


def sync() -> None:
    """Install the current rows in this process's engine if they changed."""
    global _installed
    current = fingerprint()
    if current == _installed:
        return
    names.set_local_equivalents(row.as_row() for row in NameEquivalent.objects.order_by("pk"))
    _installed = current


def forget() -> None:
    """Back to the shipped table in this process (tests, and after a failed install)."""
    global _installed
    names.set_local_equivalents(())
    _installed = None
