"""The signed contract's SLA terms as the dashboard's targets (registered in `apps.ready`).

A client's dashboard compares each figure with the term of the contract in force that names its
metric: signed, started and not ended (in the client's time zone). The terms are measured over
the client's whole traffic, so they are the targets of the whole-client view; a queue's view
keeps the queue's own target. Where several providers' contracts name the same metric, the most
demanding target counts. A service-level term carries its seconds ("X % within Y s"): the
dashboard measures it at those seconds, and the rollups keep that threshold (`term_thresholds`).
The term wins over the client's SLA policy (docs/engagements-reviews.md).
"""

from __future__ import annotations

from kefu.analytics import dashboard_targets
from kefu.analytics.metrics import timezones
from kefu.core import clock
from kefu.engagements.contracts import selectors as contract_selectors
from kefu.engagements.reviews import selectors

SOURCE = "contract"


def contract_targets(client_id: int, queue: str) -> list[dashboard_targets.Target]:
    if queue:
        return []
    today = clock.now().astimezone(timezones.client_time_zone(client_id)).date()
    best: dict[str, dashboard_targets.Target] = {}
    for term in selectors.terms_in_force(client_id=client_id, today=today):
        metric = contract_selectors.metric_get(term.metric_id)
        if metric is None:
            continue
        candidate = dashboard_targets.Target(
            term.metric_id, float(term.target), SOURCE, threshold_s=term.threshold_s
        )
        held = best.get(term.metric_id)
        if held is None or _demands(candidate, metric.direction) < _demands(held, metric.direction):
            best[term.metric_id] = candidate
    return list(best.values())


def _demands(target: dashboard_targets.Target, direction: str) -> tuple[float, float]:
    """Sort key, most demanding first: the shorter service-level threshold, then the harder
    value (a lower one for a lower-is-better metric)."""
    seconds = target.threshold_s if target.threshold_s is not None else 0.0
    return (seconds, target.value if direction == "lower" else -target.value)


def term_thresholds() -> set[float]:
    """The seconds of every service-level term of a signed contract (a source of the thresholds
    the rollups keep, so standing, reviews and dashboards read them from the rollups)."""
    return selectors.signed_term_thresholds()


def register() -> None:
    from kefu.analytics import rollup_selectors
    from kefu.reports.apps import THRESHOLDS_TTL_S, CachedThresholds

    dashboard_targets.register_target_source("engagements.contract", contract_targets, first=True)
    rollup_selectors.register_threshold_source(
        "engagements.contract_terms", CachedThresholds(term_thresholds, THRESHOLDS_TTL_S)
    )
