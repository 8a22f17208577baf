"""`himaya create-app-role NAME`: the PostgreSQL role the application connects as (P4).

Run as the owner of the tables (the same URL as migrations, `HIMAYA_MIGRATE_DATABASE_URL`).
The role may read and write every table but owns none and cannot bypass row-level
security; run it again after adding tables in another schema, or to change the password.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from himaya.protection import rls


class Command(BaseCommand):
    help = "Create or refresh the application's PostgreSQL role (no ownership, no BYPASSRLS)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("role", help="role name, e.g. himaya_app")
        parser.add_argument(
            "--password-env", default="HIMAYA_APP_DB_PASSWORD",
            help="environment variable holding the role's password (never on the command line)",
        )

    def handle(self, *args: Any, role: str, password_env: str, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("row-level security needs PostgreSQL")
        password = os.environ.get(password_env) or None
        try:
            statements = rls.app_role_statements(role, password)
        except ValueError as error:
            raise CommandError(str(error)) from None
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
            superuser, bypass = cursor.fetchone()
        if superuser or bypass:
            raise CommandError(f"{role} is a superuser or bypasses row-level security: it must not")
        self.stdout.write(f"{role}: may read and write, owns nothing, row-level security applies.")
