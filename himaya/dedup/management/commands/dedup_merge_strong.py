"""`himaya dedup-merge-strong RUN --yes`: merge a finished run's strong pairs from the command line.

The same service as the run's page (decision 0309): each group of strong pairs is
merged into its first registered record, in its own transaction; groups changed since
the run are left to the review queue. `--yes` stands for the page's confirmation.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from himaya.audit.services import audit_record
from himaya.dedup import services
from himaya.dedup.models import DedupRun


class Command(BaseCommand):
    help = "Merge the pairs a finished deduplication run scored at or above the automatic-merge weight."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("run", type=int, help="number of the run (himaya dedup-run prints it)")
        parser.add_argument("--yes", action="store_true",
                            help="confirm: the weakest strong pairs have been looked at")

    def handle(self, *args: Any, **options: Any) -> None:
        run = DedupRun.objects.filter(pk=options["run"]).first()
        if run is None:
            raise CommandError(f"{options['run']}: no deduplication run with this number")
        if run.status != DedupRun.Status.DONE:
            raise CommandError(f"run {run.pk} has not finished: there is nothing to merge yet")
        if not options["yes"]:
            raise CommandError("add --yes to confirm, after looking at the weakest strong pairs "
                               "(the run's page lists them)")
        audit_record(actor=None, kind="change", action="dedup.run.merge_strong.start", target=run,
                     organisation_id=run.organisation_id, reason="command line")

        def progress(done: int, total: int, stage: str = "") -> None:
            self.stderr.write(f"[{done}/{total}] {stage}")

        counts = services.strong_pairs_merge(run=run, actor=None, progress=progress, system=True)
        self.stdout.write(
            f"run {run.pk}: {counts['merged']} people merged in "
            f"{counts['groups'] - counts['left']} groups; {counts['left']} groups left to the queue"
        )
