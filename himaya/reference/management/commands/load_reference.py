from django.core.management.base import BaseCommand

from himaya.reference.loading import load_reference


class Command(BaseCommand):
    help = "Load Morocco's territory, ISO lists, axes, SNIA programmes and SDG targets (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        report = load_reference()
        self.stdout.write(self.style.SUCCESS(f"Reference data loaded. {report.summary()}"))
