"""The signed contract's SLA terms as the dashboard's targets (registered in `apps.ready`).

A client's dashboard compares each figure with the term of the contract in force that names its
metric: signed, started and not ended (in the client's time zone). The terms are measured over
the client's whole traffic, so they are the targets of the whole-client view; a queue's view
keeps the queue's own target. Where several providers' contracts name the same metric, the most
demanding target counts. The term wins over the client's SLA policy (docs/engagements-reviews.md).
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
        lower = metric.direction == "lower"
        held = best.get(term.metric_id)
        if held is None or (term.target < held.value if lower else term.target > held.value):
            best[term.metric_id] = dashboard_targets.Target(term.metric_id, float(term.target), SOURCE)
    return list(best.values())


def register() -> None:
    dashboard_targets.register_target_source("engagements.contract", contract_targets, first=True)
