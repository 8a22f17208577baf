import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from himaya.vouchers.services import vouchers_expire


class Command(BaseCommand):
    help = "Expire the vouchers whose validity has ended (run daily, e.g. from cron or a timer)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                            help="Treat this date (YYYY-MM-DD) as today.")
        parser.add_argument("--enqueue", action="store_true",
                            help="Queue the expire_vouchers task for the worker instead of running now.")

    def handle(self, *args: object, **options: object) -> None:
        if options["enqueue"]:
            from himaya.vouchers.tasks import expire_vouchers

            result = expire_vouchers.enqueue()
            self.stdout.write(f"queued {result.id}")
            return
        count = vouchers_expire(today=options["today"])
        self.stdout.write(self.style.SUCCESS(f"{count} voucher(s) expired"))
