"""`himaya purge-expired [--dry-run]`: apply the retention periods (P16).

Anonymises people with no activity for HIMAYA_RETENTION_CASELOAD_DAYS and deletes
expired replays, sign-in logs, stored files and sessions; audited, and safe to run
again (run it daily from cron or a systemd timer).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from himaya.protection.services import purge_expired


class Command(BaseCommand):
    help = "Anonymise and delete what has outlived its retention period."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        report = purge_expired(dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{len(report.people)} people {verb} anonymised; {report.replays} replays, "
            f"{report.security_logs} sign-in logs, {report.files} stored files and "
            f"{report.sessions} expired sessions {verb} deleted."
        )
