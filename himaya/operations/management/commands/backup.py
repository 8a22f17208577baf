from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from himaya.environment import env_list
from himaya.operations.backups import BackupError, backup


class Command(BaseCommand):
    help = "Write an encrypted backup (age, X25519 recipients) of the database."

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument("output", type=Path)
        parser.add_argument("--recipient", action="append", default=[],
                            help="age public key (age1...); default HIMAYA_BACKUP_RECIPIENTS")

    def handle(self, *args: object, output: Path, recipient: list[str], **options: object) -> None:
        try:
            manifest = backup(output, recipient or env_list("HIMAYA_BACKUP_RECIPIENTS"))
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(self.style.SUCCESS(f"Backup written to {output} ({rows} rows)."))
