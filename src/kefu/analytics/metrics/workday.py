"""Presence and SLA figures as items, pure: agent-days and conversations whose sums give the value.

Presence metrics (docs/metrics.md, "Presence") have one item per agent and local day of the
client: the agents who held one of the client's conversations or wrote a public reply in it
that day. Each item's numerator and denominator are seconds of that agent-day:

- occupancy: handling (busy + after-contact work) / available (handling + online);
- utilisation: handling / signed in (every state but offline);
- adherence: seconds matching the published schedule / scheduled (work + break) seconds;
- concurrency: Σ over the client's conversations of the seconds the agent held each one while
  available / available seconds (the mean number of the client's conversations held at once).

An agent-day whose denominator is 0 (never available, nothing scheduled) is no item: it has no
figure, and counting it as 0 % would be a figure nobody measured. SLA compliance has one item
per conversation: timers met / timers decided in the period.
No Django: the tests build days and events by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from kefu.analytics.metrics.compute import Item
from kefu.analytics.metrics.sources import PresenceDay, SlaOutcome

HANDLING = frozenset({"busy", "after_contact_work"})
AVAILABLE = HANDLING | {"online"}
OFFLINE = "offline"
PRESENCE_METRICS = ("occupancy", "utilisation", "adherence", "concurrency")

# Event types that start or end an agent's hold on a conversation (docs/event-log.md): the
# assignee changes with assigned / transferred / queued, a resolution or close frees the
# agent, a reopening gives the conversation back to its assignee.
STARTS = frozenset({"assigned", "transferred", "reopened"})
ENDS = frozenset({"transferred", "queued", "resolved", "closed", "abandoned"})
HOLD_TYPES = STARTS | ENDS

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class HoldEvent:
    conversation_id: int
    at: datetime
    type: str
    agent_id: int | None


@dataclass(frozen=True)
class Hold:
    """An agent held a conversation from `start` to `end`."""

    conversation_id: int
    agent_id: int
    start: datetime
    end: datetime


def holds(events: Sequence[HoldEvent], *, until: datetime) -> list[Hold]:
    """Who held which conversation when, from its assignment events ordered by conversation,
    time and id; a hold still open at the last event runs to `until`."""
    found: list[Hold] = []
    current: tuple[int, int, datetime] | None = None  # conversation, agent, since

    def close(at: datetime) -> None:
        nonlocal current
        if current is not None and at > current[2]:
            found.append(Hold(current[0], current[1], current[2], at))
        current = None

    for event in events:
        if current is not None and current[0] != event.conversation_id:
            close(until)
        if event.type in ENDS:
            close(event.at)
        if event.type in STARTS and event.agent_id is not None:
            if current is not None and current[1] == event.agent_id:
                continue  # the same agent keeps it (a reopening while still assigned)
            close(event.at)
            current = (event.conversation_id, event.agent_id, event.at)
    close(until)
    return found


def _overlap(a: Span, b: Span) -> float:
    return max((min(a[1], b[1]) - max(a[0], b[0])).total_seconds(), 0.0)


def held_while_available(day: PresenceDay, held: Iterable[Hold]) -> float:
    """Conversation-seconds the agent held the given conversations while available that day."""
    total = 0.0
    for hold in held:
        span = (max(hold.start, day.start), min(hold.end, day.end))
        if span[1] <= span[0]:
            continue
        total += sum(_overlap(span, available) for available in day.available)
    return total


def presence_items(metric_id: str, days: Iterable[PresenceDay], held: Iterable[Hold] = ()) -> list[Item]:
    """One item per agent-day with a non-zero denominator (see the module docstring)."""
    by_agent: dict[int, list[Hold]] = {}
    for hold in held:
        by_agent.setdefault(hold.agent_id, []).append(hold)
    items = []
    for day in sorted(days, key=lambda d: (d.start, d.agent_id)):
        seconds = day.seconds
        handling = sum(seconds.get(s, 0.0) for s in HANDLING)
        available = sum(seconds.get(s, 0.0) for s in AVAILABLE)
        signed_in = sum(v for s, v in seconds.items() if s != OFFLINE)
        mine = [h for h in by_agent.get(day.agent_id, []) if h.start < day.end and h.end > day.start]
        if metric_id == "occupancy":
            numerator, denominator = handling, available
        elif metric_id == "utilisation":
            numerator, denominator = handling, signed_in
        elif metric_id == "adherence":
            numerator, denominator = day.in_adherence_s, day.scheduled_s
        elif metric_id == "concurrency":
            numerator, denominator = held_while_available(day, mine), available
        else:
            raise KeyError(metric_id)
        if denominator <= 0:
            continue
        items.append(
            Item(
                key=f"{day.agent_id}:{day.day.isoformat()}",
                at=day.start,
                numerator=numerator,
                denominator=denominator,
                agent_id=day.agent_id,
                conversation_ids=tuple(sorted({h.conversation_id for h in mine})),
            )
        )
    return items


def sla_items(
    outcomes: Iterable[SlaOutcome], *, start: datetime, end: datetime, agent_id: int | None = None
) -> list[Item]:
    """`sla_compliance`: per conversation, its timers met / its timers decided in [start, end)
    (with `agent_id`: only timers decided while that agent was the assignee)."""
    sums: dict[int, list[float]] = {}
    firsts: dict[int, datetime] = {}
    for outcome in sorted(outcomes, key=lambda o: (o.conversation_id, o.at, o.kind)):
        if not start <= outcome.at < end or (agent_id is not None and outcome.agent_id != agent_id):
            continue
        entry = sums.setdefault(outcome.conversation_id, [0.0, 0.0])
        entry[0] += 1 if outcome.met else 0
        entry[1] += 1
        firsts.setdefault(outcome.conversation_id, outcome.at)
    return [Item(str(cid), firsts[cid], met, due, cid, agent_id) for cid, (met, due) in sorted(sums.items())]
