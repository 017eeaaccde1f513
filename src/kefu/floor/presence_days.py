"""Agents' presence per local day, for the metric dictionary's presence figures (docs/metrics.md).

The floor already joins routing's presence history with the published schedule for real-time
adherence; this answers the same question for whole past days, with the same rule
(`floor.adherence`), and registers itself with analytics at start-up (`FloorConfig.ready`), so
occupancy, utilisation, concurrency and adherence have one source: `routing.PresenceChange`.
A read: nothing is written.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from kefu.analytics.metrics.sources import PresenceDay
from kefu.core.scope import Scope
from kefu.floor import adherence as core
from kefu.routing import occupancy
from kefu.routing import selectors as routing_selectors
from kefu.tenancy import selectors as tenancy_selectors
from kefu.workforce.rostering import selectors as rostering_selectors

AVAILABLE = occupancy.AVAILABLE


def _provider_scope(provider_id: int) -> Scope:
    """The provider's rows: its presence history, and its schedules for the clients it serves
    (a schedule row carries the client it staffs)."""
    own = Scope.system(provider_id=provider_id, client_ids=frozenset(), permissions=frozenset())
    provider = tenancy_selectors.organization_get(own, organization_id=provider_id)
    clients = tenancy_selectors.partner_ids(provider)
    return Scope.system(provider_id=provider_id, client_ids=clients, permissions=frozenset())


def _available_spans(
    changes: list[tuple[datetime, str]], initial: str, start: datetime, end: datetime
) -> tuple[tuple[datetime, datetime], ...]:
    spans: list[tuple[datetime, datetime]] = []
    state, since = initial, start
    for at, new in changes:
        if at <= start:
            state = new
            continue
        if at >= end:
            break
        if state in AVAILABLE and at > since:
            spans.append((since, at))
        state, since = new, at
    if state in AVAILABLE and end > since:
        spans.append((since, end))
    return tuple(spans)


def presence_days(
    provider_id: int, agent_ids: set[int], days: list[tuple[date, datetime, datetime]]
) -> list[PresenceDay]:
    """Each agent's presence on each day (local day, start, end): seconds per state, available
    spans, and scheduled and in-adherence seconds against the provider's published schedule."""
    scope = _provider_scope(provider_id)
    first, last = days[0][1], days[-1][2]
    site_tz = timezone.get_default_timezone()
    shifts = rostering_selectors.published_shifts_between(
        scope,
        user_ids=agent_ids,
        since=days[0][0] - timedelta(days=1),
        until=days[-1][0] + timedelta(days=2),
    )
    found: list[PresenceDay] = []
    for agent in sorted(agent_ids):
        before = routing_selectors.agent_time_in_state(
            scope, user_id=agent, start=first - timedelta(microseconds=1), end=first
        )
        initial = next(iter(before.seconds), occupancy.OFFLINE)
        history = routing_selectors.presence_history(scope, user_id=agent, since=first, until=last)
        changes = [(c.at, c.state) for c in history]
        mine = [s for s in shifts if s.agent_id == agent]
        state = initial
        for day, start, end in days:
            times = occupancy.time_in_state(changes, start=start, end=end, initial=state)
            scheduled = core.scheduled_spans(
                core.Shift(
                    origin=(datetime.combine(s.date, time(), tzinfo=site_tz) - start).total_seconds(),
                    segments=tuple((int(a), int(b)) for a, b in s.segments),
                    breaks=tuple((int(a), int(b)) for a, b in s.breaks),
                )
                for s in mine
            )
            length = (end - start).total_seconds()
            actual = core.actual_spans(
                [((at - start).total_seconds(), new) for at, new in changes if at < end],
                start=0.0,
                end=length,
                initial=state,
            )
            figure = core.adherence(scheduled, actual, start=0.0, end=length)
            found.append(
                PresenceDay(
                    agent_id=agent,
                    day=day,
                    start=start,
                    end=end,
                    seconds=dict(times.seconds),
                    available=_available_spans(changes, state, start, end),
                    scheduled_s=figure.scheduled_s,
                    in_adherence_s=figure.in_adherence_s,
                )
            )
            for at, new in changes:  # the state in force at the next day's start
                if at <= end:
                    state = new
    return found
