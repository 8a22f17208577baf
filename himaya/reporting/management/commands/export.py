"""`himaya export hxl|iati|5w OUTPUT`: the open datasets, as the public site serves them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from himaya.organisations.models import Programme
from himaya.reporting import iati, open_data


class Command(BaseCommand):
    help = "Write an open dataset: hxl (CSV), iati (XML, every programme or --programme) or 5w (XLSX)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=["hxl", "iati", "5w"])
        parser.add_argument("output", help="file to write")
        parser.add_argument("--programme", help="programme code (IATI only); default: all")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        if not output.parent.exists():
            raise CommandError(f"the folder {output.parent} does not exist")
        kind = options["format"]
        if kind == "hxl":
            output.write_text(open_data.hxl_csv(), encoding="utf-8")
        elif kind == "5w":
            output.write_bytes(open_data.five_w_xlsx())
        else:
            programmes = Programme.objects.order_by("start")
            if options.get("programme"):
                programmes = programmes.filter(code=options["programme"])
                if not programmes.exists():
                    raise CommandError(f"no programme with the code {options['programme']!r}")
            output.write_bytes(iati.activity_xml(list(programmes)))
        self.stdout.write(f"{kind}: wrote {output} ({output.stat().st_size} bytes)")
