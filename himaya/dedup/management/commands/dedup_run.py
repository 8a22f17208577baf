"""`himaya dedup-run [--partner CODE] [--programme CODE]`: a deduplication run from the command line.

The same service as the runs page, run in this process with a progress line;
the pairs go to the review queue. Without --partner it covers the whole registry.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from himaya.audit.services import audit_record
from himaya.dedup import queries, services
from himaya.dedup.models import DedupRun
from himaya.organisations.models import Organisation, Programme


class Command(BaseCommand):
    help = "Find possible duplicates in the registry (or one partner's caseload) for review."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partner", help="code of the partner whose caseload to check")
        parser.add_argument("--programme", help="code of the programme whose thresholds apply")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = programme = None
        if options["partner"]:
            organisation = Organisation.objects.filter(code=options["partner"]).first()
            if organisation is None:
                raise CommandError(f"{options['partner']}: no organisation with this code")
        if options["programme"]:
            programme = Programme.objects.filter(code=options["programme"]).first()
            if programme is None:
                raise CommandError(f"{options['programme']}: no programme with this code")
        thresholds = queries.thresholds_for(programme)
        run = DedupRun.objects.create(organisation=organisation, programme=programme,
                                      auto_merge=thresholds.auto_merge, review=thresholds.review)
        audit_record(actor=None, kind="create", action="dedup.run.start", target=run,
                     organisation_id=organisation.pk if organisation else None,
                     reason="command line")

        def progress(done: int, total: int, stage: str = "") -> None:
            self.stderr.write(f"[{done}/{total}] {stage}")

        try:
            run = services.dedup_run(run=run, progress=progress)
        except Exception as error:
            services.dedup_run_fail(run=run, error=str(error))
            raise CommandError(f"run {run.pk} failed: {error}") from error
        self.stdout.write(
            f"run {run.pk}: {run.records} people, {run.pairs_review} pairs to review, "
            f"{run.pairs_auto} above the automatic-merge weight, {run.pairs_known} already decided"
        )
