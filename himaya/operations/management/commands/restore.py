from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from himaya.operations.backups import BackupError, restore


class Command(BaseCommand):
    help = "Restore an encrypted backup into an empty database and check every table."

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument("source", type=Path)
        parser.add_argument("--identity", type=Path, required=True,
                            help="file holding the age identity (AGE-SECRET-KEY-...)")

    def handle(self, *args: object, source: Path, identity: Path, **options: object) -> None:
        try:
            report = restore(source, identity)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if not report.complete:
            raise CommandError(
                f"restored, but row counts differ: {report.manifest['row_counts']} vs "
                f"{report.restored_counts}"
            )
        self.stdout.write(self.style.SUCCESS(
            f"Restored {sum(report.restored_counts.values())} rows in "
            f"{len(report.restored_counts)} tables; every count matches the backup."
        ))
