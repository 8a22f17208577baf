"""The `himaya` console script: Django's management commands on Himaya's settings.

`himaya demo`, `himaya runserver`, `himaya load-reference`... Hyphenated names
are accepted for commands whose module uses underscores.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "himaya.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and "-" in args[1] and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "himaya"
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
