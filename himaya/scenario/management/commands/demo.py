import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from himaya.accounts.models import Membership
from himaya.scenario.build import build_demo, demo_exists
from himaya.scenario.world import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Build the reference scenario (RDPP Morocco 2019–2022) with synthetic people; idempotent."

    def handle(self, *args: object, **options: object) -> None:
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_reference", verbosity=0)
        if demo_exists():
            self.stdout.write("The reference scenario is already built; reusing it.")
        else:
            self.stdout.write("Building the reference scenario:")
            build_demo(report=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Ready in {time.monotonic() - started:.1f} s."))
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        shown = set()
        memberships = Membership.objects.select_related("user", "organisation").order_by("pk")
        for membership in memberships:
            if membership.role in shown:
                continue
            shown.add(membership.role)
            self.stdout.write(
                f"  {membership.get_role_display():<22} {membership.user.username:<28} "
                f"{membership.organisation.code}"
            )
        self.stdout.write("  (every association has <name>-coord and <name>-agent accounts)")
