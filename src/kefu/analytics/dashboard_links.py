"""Where a figure leads: to the records behind it and to its definition (shared by the dashboard
pages and the client's home, which opens with the client's figures)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from kefu.analytics.dashboard_selectors import Dashboard


def drill_base(client_id: int, metric_id: str) -> str:
    return reverse("dashboard_items", kwargs={"client_id": client_id, "metric_id": metric_id})


def definition_url(metric_id: str) -> str:
    return reverse("metric_dictionary") + f"#metric-{metric_id}"


def cards(dashboard: Dashboard) -> list[dict[str, Any]]:
    """Each figure with its links: its records (the same question) and its definition."""
    return [
        {
            "figure": figure,
            "drill": drill_base(dashboard.client_id, figure.metric.id) + "?" + urlencode(figure.params),
            "definition_url": definition_url(figure.metric.id),
        }
        for figure in dashboard.figures
    ]
