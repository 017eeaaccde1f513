"""The metric dictionary as a page, for everyone signed in: what each figure means."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kefu.analytics.metrics import queries
from kefu.analytics.metrics.dictionary import FILTER_LABELS
from kefu.core.http import access_required


@access_required()
def metric_dictionary(request: HttpRequest) -> HttpResponse:
    rows = [_row(metric) for metric in queries.metric_list()]
    return render(request, "analytics/metric_dictionary.html", {"metrics": rows})


def _row(metric: queries.Metric) -> dict[str, object]:
    return {
        "id": metric.id,
        "name": metric.name,
        "definition": metric.definition,
        "formula": metric.formula,
        "unit_label": metric.unit_label,
        "direction_label": metric.direction_label,
        "filter_labels": [FILTER_LABELS[name] for name in metric.filters],
        "intervals": metric.intervals,
        "params": metric.params,
        "available": metric.available,
        "unavailable_reason": metric.unavailable_reason,
        "rollup_label": metric.rollup_label if metric.available else "",
        "rollup_note": metric.rollup_note,
    }
