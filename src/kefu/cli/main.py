"""The `kefu` command: Django's management commands under one entry point.

`kefu demo`, `kefu serve`, `kefu token create`, `kefu staffing`… and every Django
command (`kefu migrate`, `kefu createsuperuser`). A hyphen in the command's name reads as an
underscore (`kefu sales-statement` is the `sales_statement` command).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings.base")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    from kefu.config.env import SettingError

    try:
        settings.INSTALLED_APPS  # noqa: B018  (loads the settings: a bad value is told here)
    except SettingError as error:
        print(f"kefu: {error}", file=sys.stderr)
        raise SystemExit(2) from None

    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")  # `kefu sales-statement` runs the `sales_statement` command
    execute_from_command_line(["kefu", *args])


if __name__ == "__main__":
    main()
