"""API shapes of the metric dictionary and of a figure with its drill-down."""

from typing import Any

from ninja import Schema


class MetricOut(Schema):
    id: str
    name: str
    definition: str
    formula: str
    unit: str
    unit_label: str
    direction: str
    kind: str
    filters: list[str]
    intervals: list[str]
    params: list[str]
    median: bool
    available: bool
    unavailable_reason: str | None = None
    rollup: str = "events"  # "additive": summed from 15-minute rollups; "events": from the events
    rollup_note: str | None = None


class SeriesPoint(Schema):
    start: str
    value: float | None
    count: int


class MetricValueOut(Schema):
    metric: str
    value: float | None
    count: int
    unit: str
    median: float | None = None
    client: int
    period: dict[str, str]
    time_zone: str
    interval: str | None = None
    series: list[SeriesPoint]
    drilldown: str


class MetricItemOut(Schema):
    key: str
    at: str
    conversation_id: int | None = None
    conversation_ids: list[int]
    agent_id: int | None = None
    numerator: float
    denominator: float


def metric_out(metric: Any) -> dict[str, Any]:
    return {
        "id": metric.id,
        "name": str(metric.name),
        "definition": str(metric.definition),
        "formula": metric.formula,
        "unit": metric.unit,
        "unit_label": metric.unit_label,
        "direction": metric.direction,
        "kind": metric.kind,
        "filters": list(metric.filters),
        "intervals": list(metric.intervals),
        "params": list(metric.params),
        "median": metric.median,
        "available": metric.available,
        "unavailable_reason": str(metric.unavailable_reason) if metric.unavailable_reason else None,
        "rollup": metric.rollup,
        "rollup_note": str(metric.rollup_note) if metric.rollup_note else None,
    }
