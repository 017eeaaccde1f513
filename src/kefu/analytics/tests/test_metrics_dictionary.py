"""The dictionary is complete: the issue's ids, names in both languages, a formula, a hand-computed
test for every metric that can be computed, a reason for every one that cannot."""

from __future__ import annotations

import inspect

from django.utils import translation

from kefu.analytics.metrics import compute
from kefu.analytics.metrics.dictionary import DIRECTION_LABELS, FILTER_LABELS, METRICS, UNIT_LABELS
from kefu.analytics.tests import (
    test_metrics,
    test_metrics_desk,
    test_metrics_quality,
    test_metrics_workday,
    test_metrics_workday_desk,
)
from kefu.quality.tests import test_survey_metrics  # nps, by hand, beside the surveys that ask it

ISSUE_12_IDS = {
    "offered", "handled", "answer_rate", "abandon_rate", "asa", "service_level", "first_response_time",
    "next_response_time", "aht", "concurrency", "fcr", "resolution_rate", "escalation_rate", "reopen_rate",
    "sla_compliance", "csat", "nps", "complaint_rate", "qa_score", "occupancy", "utilisation", "adherence",
    "conversion_rate", "contacts_per_agent_day",
}  # fmt: skip


def test_every_id_the_issue_asks_for_is_defined() -> None:
    assert set(METRICS) >= ISSUE_12_IDS
    assert "abandon_rate_excl_short" in METRICS  # the abandon rate without short abandons


def test_every_metric_is_complete_in_both_languages() -> None:
    for metric in METRICS.values():
        assert metric.unit in UNIT_LABELS and metric.direction in DIRECTION_LABELS, metric.id
        assert set(metric.filters) <= set(FILTER_LABELS) and "client" in metric.filters, metric.id
        assert set(metric.intervals) <= set(compute.INTERVALS) and metric.formula, metric.id
        assert metric.kind in (compute.COUNT, compute.RATIO, compute.MEAN), metric.id
        with translation.override("en"):
            english = (str(metric.name), str(metric.definition))
        with translation.override("zh-hans"):
            chinese = (str(metric.name), str(metric.definition))
        assert all(english) and all(chinese), metric.id
        assert english[0] != chinese[0] and english[1] != chinese[1], f"{metric.id} is not translated"
        assert metric.available == (metric.unavailable_reason is None), metric.id


def test_every_computable_metric_has_a_hand_computed_test() -> None:
    tested = {case[0] for case in _cases()} | _named_in(test_metrics_desk)
    tested |= _named_in(test_metrics_workday) | _named_in(test_metrics_workday_desk)
    tested |= _named_in(test_metrics_quality)
    tested |= _named_in(test_survey_metrics)

    assert {m.id for m in METRICS.values() if m.available} <= tested


def _cases() -> list[tuple]:
    marks = test_metrics.test_each_metric_on_a_hand_computed_day.pytestmark
    (parametrize,) = [mark for mark in marks if mark.name == "parametrize"]
    return list(parametrize.args[1])


def _named_in(module: object) -> set[str]:
    source = inspect.getsource(module)  # type: ignore[arg-type]
    return {metric for metric in METRICS if f'"{metric}"' in source}
