"""The `kefu` command: Django's management commands under one entry point.

`kefu demo`, `kefu serve`, `kefu token create`, `kefu staffing`… and every Django
command (`kefu migrate`, `kefu createsuperuser`).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kefu", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
