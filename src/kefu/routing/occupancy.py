"""Time in state, occupancy and utilisation of one agent, from the presence history (pure).

The history is a list of `(at, state)` changes; each state lasts until the next change (or the
end of the period). Definitions (docs/routing.md):

- *handling* = busy + after-contact work; *available* = handling + online;
  *logged in* = every state but offline.
- occupancy = handling / available (how busy the agent was while taking work);
- utilisation = handling / logged in (how much of the time at work went to contacts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

HANDLING = frozenset({"busy", "after_contact_work"})
AVAILABLE = HANDLING | {"online"}
OFFLINE = "offline"


@dataclass(frozen=True)
class StateTimes:
    seconds: dict[str, float] = field(default_factory=dict)

    def total(self, states: Iterable[str]) -> float:
        return sum(self.seconds.get(s, 0.0) for s in states)

    @property
    def handling_s(self) -> float:
        return self.total(HANDLING)

    @property
    def available_s(self) -> float:
        return self.total(AVAILABLE)

    @property
    def logged_in_s(self) -> float:
        return sum(v for k, v in self.seconds.items() if k != OFFLINE)

    @property
    def occupancy(self) -> float | None:
        return self.handling_s / self.available_s if self.available_s else None

    @property
    def utilisation(self) -> float | None:
        return self.handling_s / self.logged_in_s if self.logged_in_s else None


def time_in_state(
    changes: Iterable[tuple[datetime, str]], *, start: datetime, end: datetime, initial: str = OFFLINE
) -> StateTimes:
    """Seconds spent in each state within [start, end).

    `initial` is the state at `start` (the last change before it); changes outside the period
    only move that starting state. Changes must be sorted by time.
    """
    seconds: dict[str, float] = {}
    state, since = initial, start
    for at, new_state in changes:
        if at <= start:
            state = new_state
            continue
        if at >= end:
            break
        seconds[state] = seconds.get(state, 0.0) + (at - since).total_seconds()
        state, since = new_state, at
    if end > since:
        seconds[state] = seconds.get(state, 0.0) + (end - since).total_seconds()
    return StateTimes({k: v for k, v in seconds.items() if v > 0})
