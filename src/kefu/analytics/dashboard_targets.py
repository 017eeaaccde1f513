"""The targets a dashboard compares each figure with.

The targets live with the apps that agree or configure them: the signed contract's SLA terms
(engagements: they win where they exist), the client's SLA policy (desk: the first and next
response times) and each queue's service-level target (routing: X % answered within Y s).
Analytics imports no domain app (every app writes events into it), so each app registers a
source at start-up (`apps.ready`), as the desk does for the client's time zone. A source
answers `(client_id, queue)` with the targets it knows; no source, no target: the dashboard
then says "no target set" rather than inventing one.

Called only after the caller has checked that the actor sees the client (a target is the
client's configuration, not a record worth hiding from someone who may read its figures).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """`value` in the metric's unit; `threshold_s` for service level (X % within `threshold_s`)."""

    metric_id: str
    value: float
    source: str  # where it comes from: "contract" (a signed SLA term), "sla_policy" or "queue"
    threshold_s: float | None = None
    queue: str = ""  # the queue whose target it is (source "queue")


Source = Callable[[int, str], list[Target]]
_sources: dict[str, Source] = {}
_first: set[str] = set()


def register_target_source(name: str, source: Source, *, first: bool = False) -> None:
    """Register (or replace) the source called `name`; a source registered `first` is asked
    before the others (the engagements' signed contract terms win over the configured targets)."""
    _sources[name] = source
    if first:
        _first.add(name)


def targets_for(client_id: int, queue: str = "") -> dict[str, Target]:
    """The targets of the client (of one queue when `queue` is given), one per metric; a later
    source does not override an earlier one's metric (the `first` sources, then app order)."""
    found: dict[str, Target] = {}
    ordered = sorted(_sources.items(), key=lambda item: item[0] not in _first)  # stable: app order kept
    for _name, source in ordered:
        for target in source(client_id, queue):
            found.setdefault(target.metric_id, target)
    return found


def strictest_service_level(targets: list[tuple[str, int, int]]) -> tuple[str, int, int] | None:
    """Of several queues' (name, percent, seconds) targets, the most demanding: the shortest
    time, and at that time the highest share (so "all queues" is judged by the hardest promise)."""
    if not targets:
        return None
    return min(targets, key=lambda t: (t[2], -t[1], t[0]))
