"""`himaya jobs-reap`: fail the jobs whose worker died and remove the partial files they left.

Run it before starting a worker (e.g. systemd ExecStartPre) or from cron; each job run
also does it as it starts.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from himaya.jobs.services import job_reap_stale, stale_after


class Command(BaseCommand):
    help = "Mark as failed the jobs left running by a dead worker; remove their partial files."

    def handle(self, *args: Any, **options: Any) -> None:
        reaped = job_reap_stale()
        self.stdout.write(f"{len(reaped)} stale job(s) marked failed (no heartbeat for {stale_after()})"
                          + (f": {', '.join(map(str, reaped))}" if reaped else ""))
