"""`himaya refresh-results`: rebuild the results aggregates (run it from the scheduler).

With `--if-changed` it only rebuilds when the records changed since the last rebuild, so
it can run every few minutes; without, it always rebuilds (e.g. nightly, to catch bulk
corrections that leave every count and id as it was).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from himaya.monitoring import aggregates


class Command(BaseCommand):
    help = "Rebuild the aggregates the indicators and public figures are read from."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-changed", action="store_true",
                            help="rebuild only when the records changed since the last rebuild")

    def handle(self, *args: Any, **options: Any) -> None:
        state = aggregates.refresh(force=not options["if_changed"])
        info = aggregates.status()
        if state is None:
            self.stdout.write("No aggregates: the results are counted from the records.")
            return
        from himaya.monitoring import release

        release.current()  # the protected release too, so that no reader waits for it
        self.stdout.write(f"Aggregates v{state.version} of {info['refreshed_at']:%Y-%m-%d %H:%M:%S}"
                          f" ({info['seconds']:.1f} s), {state.buckets} time buckets.")
