"""The `himaya` console script: Django's management commands on Himaya's settings.

`himaya demo`, `himaya runserver`, `himaya load-reference`... Hyphenated names
are accepted for commands whose module uses underscores.
"""

from __future__ import annotations

import os
import sys

# Commands that run as the owner of the tables when HIMAYA_MIGRATE_DATABASE_URL is set.
OWNER_COMMANDS = {"migrate", "create_app_role", "restore"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "himaya.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and "-" in args[1] and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "himaya"
    command = args[1] if len(args) > 1 else ""
    # Row-level security (himaya/protection/rls.py): commands are system work and see every
    # row; the web server's requests are scoped one by one, so runserver starts closed.
    if command != "runserver":
        os.environ.setdefault("HIMAYA_DB_SCOPE", "system")
    # Migrations and the app role are the owner's business: its URL when one is given.
    owner_url = os.environ.get("HIMAYA_MIGRATE_DATABASE_URL")
    if owner_url and command in OWNER_COMMANDS:
        os.environ["DATABASE_URL"] = owner_url
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
