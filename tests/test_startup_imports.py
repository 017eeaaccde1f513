"""Every `kefu` command, server and worker starts by loading the URL configuration (Django's checks
do). The heavy libraries only a few screens use stay out of that start: each cost 0.4-1.3 s."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys, django
django.setup()
import kefu.config.urls  # noqa: F401  (the API and every app's views)
heavy = ("pandas", "openpyxl", "ortools", "weasyprint")  # and scipy.stats (scipy itself is light)
print(json.dumps(sorted(n for n in sys.modules if n.split(".")[0] in heavy or n.startswith("scipy.stats"))))
"""


def test_the_url_configuration_loads_without_the_heavy_libraries() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kefu.config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == []
