"""Records the metrics read beside the event log, each from the one app that keeps them.

The event log holds what happened to conversations. Two figures also need records that are
not about one conversation, and each has exactly one keeper:

- an agent's presence (online, busy, after-contact work, break, offline) and their published
  schedule: routing keeps the presence history (`routing.PresenceChange`, append-only) and
  workforce the schedule; the floor already joins the two for real-time adherence, so the floor
  answers `presence days` (docs/metrics.md, "Presence");
- the SLA timers of a conversation: the desk replays its events through `desk.sla_clock`
  against the client's SLA policy and business hours (the same replay that records breaches),
  so the desk answers `sla outcomes`.

Analytics imports no domain app (every app writes events into it), so each keeper registers
its source at start-up (`apps.ready`), as routing and the desk do for dashboard targets. No
source registered: the figure has no records (an empty drill-down, no value), never a guess.
Pure: no Django, so the formulas over these records are tested without a database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class PresenceDay:
    """One agent's presence over one local day of the client (`start`..`end`).

    `seconds` per presence state; `available` the spans (instants) in which the agent was
    online, busy or in after-contact work (routing's "available", docs/routing.md);
    `scheduled_s` and `in_adherence_s` the published schedule's WORK + BREAK seconds of the
    day and those in which presence matched it (`floor.adherence`, the wallboard's rule).
    """

    agent_id: int
    day: date
    start: datetime
    end: datetime
    seconds: dict[str, float] = field(default_factory=dict)
    available: tuple[tuple[datetime, datetime], ...] = ()
    scheduled_s: float = 0.0
    in_adherence_s: float = 0.0


@dataclass(frozen=True)
class SlaOutcome:
    """One SLA timer cycle of a conversation, decided: met (stopped by its deadline) or
    breached (its deadline passed first). `at` is when it was decided: the stop when met, the
    deadline when breached. Running timers not yet past their deadline are not outcomes."""

    conversation_id: int
    kind: str  # first_response | next_response | resolution | l2_resolution
    at: datetime
    met: bool
    agent_id: int | None = None  # the conversation's assignee when the timer was decided


# (provider_id, agent_ids, days as (local day, start, end)) -> presence days of those agents
PresenceSource = Callable[[int, set[int], list[tuple[date, datetime, datetime]]], list[PresenceDay]]
# (client_id, conversation_ids, now) -> every decided timer cycle of those conversations
SlaSource = Callable[[int, Iterable[int], datetime], list[SlaOutcome]]

_presence: list[PresenceSource] = []
_sla: list[SlaSource] = []


def register_presence_source(source: PresenceSource) -> None:
    """The floor registers the one presence source (a second registration replaces it)."""
    _presence[:] = [source]


def register_sla_source(source: SlaSource) -> None:
    """The desk registers the one SLA source (a second registration replaces it)."""
    _sla[:] = [source]


def presence_days(
    provider_id: int, agent_ids: set[int], days: list[tuple[date, datetime, datetime]]
) -> list[PresenceDay]:
    if not _presence or not agent_ids or not days:
        return []
    return _presence[0](provider_id, agent_ids, days)


def sla_outcomes(client_id: int, conversation_ids: Iterable[int], now: datetime) -> list[SlaOutcome]:
    ids = sorted(set(conversation_ids))
    if not _sla or not ids:
        return []
    return _sla[0](client_id, ids, now)


def local_days(first: date, last: date, tz: ZoneInfo) -> list[tuple[date, datetime, datetime]]:
    """Each calendar day first..last with its [start, end) instants of `tz`, in UTC so that
    subtracting them gives real seconds (23 or 25 hours on a daylight-saving change)."""
    found = []
    day = first
    while day <= last:
        after = day + timedelta(days=1)
        found.append(
            (
                day,
                datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC),
                datetime(after.year, after.month, after.day, tzinfo=tz).astimezone(UTC),
            )
        )
        day = after
    return found
