"""`himaya import people FILE --partner CODE [--dry-run]`: the import pipeline from the command line.

Exits 0 when the file was applied (or, with --dry-run, would be), 1 with the
report of every problem when it is refused; a refused import writes nothing.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from himaya.audit.services import audit_record
from himaya.intake import pipeline
from himaya.intake.models import ImportBatch
from himaya.intake.readers import UnreadableFile, check_size
from himaya.organisations.models import Organisation
from himaya.registry import blind_index

REFUSED = 1


class Command(BaseCommand):
    help = "Import people and households from an XLSX, CSV or KoboToolbox export file."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="what", required=True)
        people = subcommands.add_parser("people", help="people and households")
        people.add_argument("file", type=Path)
        people.add_argument("--partner", required=True, help="code of the organisation whose caseload it fills")
        people.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        people.add_argument("--valid-rows", action="store_true",
                            help="apply the valid rows even if others have problems")
        people.add_argument("--rejected", type=Path, help="with --valid-rows: where to write the rejected rows (XLSX)")
        people.add_argument("--language", default="fr", choices=["fr", "ar", "en"], help="language of the report")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        organisation = Organisation.objects.filter(code=options["partner"]).first()
        if organisation is None or organisation.kind not in (Organisation.Kind.PARTNER, Organisation.Kind.MISSION):
            raise CommandError(f"{options['partner']}: no partner association or mission with this code")
        with translation.override(options["language"]):
            code = self._run(path, organisation, options)
        if code:
            sys.exit(code)

    def _run(self, path: Path, organisation: Organisation, options: dict[str, Any]) -> int:
        try:
            check_size(path.stat().st_size)
        except UnreadableFile as error:
            self.stderr.write(str(error))
            return REFUSED
        if options["dry_run"]:
            report = pipeline.check_file(path, path.name, organisation)
            self._print(report)
            return 0 if report.clean else REFUSED
        mode = ImportBatch.Mode.VALID_ROWS if options["valid_rows"] else ImportBatch.Mode.ALL_OR_NOTHING
        rejected = options.get("rejected") or path.with_name(f"{path.stem}-rejected.xlsx")
        outcome = pipeline.apply_file(path, path.name, organisation, actor=None, mode=mode,
                                      rejected_path=rejected, reason=f"command line: {path.name}"[:255])
        self._print(outcome.report)
        if not outcome.applied:
            self.stderr.write(self.style.ERROR("Refused: nothing was written."))
            return REFUSED
        self._record(path, organisation, outcome, mode)
        self.stdout.write(self.style.SUCCESS(
            f"Applied: {outcome.created} people created, {outcome.report.unchanged} already there, "
            f"{outcome.households_created} households created, {outcome.report.rejected} rows rejected."))
        if outcome.rejected_file is not None:
            self.stdout.write(f"Rejected rows: {outcome.rejected_file}")
        return 0

    def _print(self, report: pipeline.Report) -> None:
        counts = report.counts()
        self.stdout.write(" ".join(f"{key}={value}" for key, value in counts.items()))
        if report.file_error:
            self.stderr.write(report.file_error)
        if report.unknown_columns:
            self.stderr.write("Unknown columns, not imported: " + ", ".join(report.unknown_columns))
        for problem in report.problems:
            where = f"row {problem.row}" if problem.row else "header"
            self.stderr.write(f"{where}, {problem.column}, “{problem.value}”: {problem.reason}")
        if report.problem_count > len(report.problems):
            self.stderr.write(f"… and {report.problem_count - len(report.problems)} more problems")

    def _record(self, path: Path, organisation: Organisation, outcome: pipeline.Outcome, mode: str) -> None:
        sha = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                sha.update(chunk)
        batch = ImportBatch.objects.create(
            organisation=organisation, filename=path.name[:200], size=path.stat().st_size,
            fingerprint=blind_index.digest("import-file", sha.hexdigest()), kind=outcome.report.kind,
            status=ImportBatch.Status.APPLIED, mode=mode, applied_at=timezone.now(),
            counts={**outcome.report.counts(), "created": outcome.created,
                    "households_created": outcome.households_created},
        )
        audit_record(actor=None, kind="create", action="import.apply", target=batch,
                     organisation_id=organisation.pk, reason="command line")
