from django.core.management.base import BaseCommand

from himaya.operations.translations import catalogue_files, compile_all


class Command(BaseCommand):
    help = "Compile every app's French, Arabic and English catalogues (.po → .mo) with Babel."

    def handle(self, *args: object, **options: object) -> None:
        written = compile_all()
        self.stdout.write(f"{len(written)} of {len(catalogue_files())} catalogues compiled.")
