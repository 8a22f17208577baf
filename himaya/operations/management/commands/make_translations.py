import os
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

import himaya


class Command(BaseCommand):
    help = "Extract translatable strings into each app's own catalogues (needs GNU gettext)."

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument("apps", nargs="*", help="apps to extract (default: all)")

    def handle(self, *args: object, apps: list[str], **options: object) -> None:
        root = Path(himaya.__file__).parent
        for app in apps or [p.name for p in root.iterdir() if (p / "apps.py").exists()]:
            directory = root / app
            (directory / "locale").mkdir(exist_ok=True)
            previous = os.getcwd()
            os.chdir(directory)
            try:
                call_command(
                    "makemessages", locale=["fr", "ar", "en"], no_obsolete=True,
                    add_location="file", verbosity=0,
                )
            finally:
                os.chdir(previous)
            self.stdout.write(f"{app}: extracted")
