"""`himaya dedup-csv INPUT.csv OUTPUT.csv`: the deduplication evaluation contract.

Needs no database: it reads records from the CSV, clusters them with
`himaya.dedup` and writes `record_id,cluster_id` for every record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Deduplicate a CSV of registrations (record_id,given_name,family_name,sex,birth_date,"
        "nationality,phone,document_number,region,partner) into record_id,cluster_id."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path)
        parser.add_argument("output", type=Path)
        parser.add_argument("--auto-merge", type=float, default=None,
                            help="match weight at or above which records are merged")
        parser.add_argument("--review", type=float, default=None,
                            help="match weight at or above which a pair is worth reviewing")
        parser.add_argument("--model-dir", type=Path, default=None,
                            help="directory of trained models (default: the shipped one)")
        parser.add_argument("--review-output", type=Path, default=None,
                            help="also write the review queue (record_id_l,record_id_r,weight)")
        parser.add_argument("--equivalents", type=Path, default=None,
                            help="your own name equivalences, read after the shipped table: a "
                                 "CSV with the header group,variants,related (variants and "
                                 "related separated by |)")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--threads", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        import csv

        from himaya.dedup.contract import InputError, read_records, write_clusters
        from himaya.dedup.features import RecordError
        from himaya.dedup.matching import deduplicate
        from himaya.dedup.model import DEFAULT_MODEL_DIR, ModelStore, Thresholds

        try:
            records = read_records(options["input"])
        except InputError as exc:
            raise CommandError(str(exc)) from exc
        if options["equivalents"] is not None:
            self._use_equivalents(options["equivalents"])
        thresholds = None
        if options["auto_merge"] is not None or options["review"] is not None:
            default = Thresholds()
            try:
                thresholds = Thresholds(
                    auto_merge=options["auto_merge"] if options["auto_merge"] is not None
                    else default.auto_merge,
                    review=options["review"] if options["review"] is not None
                    else default.review,
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        try:
            result = deduplicate(
                records,
                store=ModelStore(options["model_dir"] or DEFAULT_MODEL_DIR),
                thresholds=thresholds,
                seed=options["seed"],
                threads=options["threads"],
            )
        except RecordError as exc:
            raise CommandError(f"{options['input']}: {exc}") from exc
        write_clusters(options["output"], result.clusters, [r["record_id"] for r in records])
        if options["review_output"]:
            with options["review_output"].open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["record_id_l", "record_id_r", "match_weight"])
                writer.writerows((a, b, f"{w:.3f}") for a, b, w in result.review)
        n_clusters = len(set(result.clusters.values()))
        self.stderr.write(
            f"{len(records)} records → {n_clusters} people; "
            f"{result.auto_merged_pairs} pairs merged, {len(result.review)} to review "
            f"({result.timings['total']:.1f} s)"
        )

    @staticmethod
    def _use_equivalents(path: Path) -> None:
        import csv

        from himaya.dedup import names

        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                if not {"group", "variants"} <= set(reader.fieldnames or []):
                    raise CommandError(f"{path}: the header must contain group,variants,related")
                rows = [{"group": r["group"] or "", "variants": r["variants"] or "",
                         "related": r.get("related") or ""} for r in reader]
            names.set_local_equivalents(rows)
        except FileNotFoundError as exc:
            raise CommandError(f"{path}: no such file") from exc
        except (UnicodeDecodeError, csv.Error, names.EquivalentsError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
