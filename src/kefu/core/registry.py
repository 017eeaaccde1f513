"""What each app declares in a module of its own, gathered without a central list of apps.

An app adds permissions (`permissions.py`) or navigation entries (`navigation.py`) by writing
that module; the kernel finds it through the installed apps, so neither `core` nor the shell
imports an app by name.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from django.apps import apps


def app_modules(name: str) -> list[ModuleType]:
    """`<app>.<name>` of every installed Kefu app that has one, in INSTALLED_APPS order."""
    found = []
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("kefu."):
            continue
        dotted = f"{app_config.name}.{name}"
        try:
            found.append(importlib.import_module(dotted))
        except ModuleNotFoundError as exc:
            if exc.name != dotted:
                raise
    return found
