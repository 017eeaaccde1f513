"""The customer's place in line and estimated wait: pure functions, no Django.

A queue's recent history is a list of *spells*: one contact waiting from `start` (enqueued)
to `end` (taken out of the line), or still waiting (`end` None). The line moves at the
**drain rate**: contacts answered (taken by an assignment) per second during which somebody
was waiting, over a recent window. Idle time (nobody waiting) is left out, so a quiet queue
whose contacts are answered at once does not look slow: with one contact at a time the rate
is 1 / the average answer time. A customer with `ahead` contacts before them then waits about
`(ahead + 1) / rate` seconds from now. It is an estimate: agents come and go, and the contacts
ahead may leave or be answered faster than the recent past says (docs/routing.md, "Position
and estimated wait").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Spell:
    """One contact's wait in a queue; times are seconds since the epoch."""

    start: float
    end: float | None = None  # None: still waiting
    answered: bool = False  # the wait ended with an assignment (not abandoned, closed, moved)


def busy_seconds(spells: Iterable[Spell], *, start: float, end: float) -> float:
    """Seconds within [start, end) during which at least one contact was waiting."""
    pieces = sorted(
        (max(s.start, start), min(end if s.end is None else s.end, end))
        for s in spells
        if s.start < end and (s.end is None or s.end > start)
    )
    total = 0.0
    open_from: float | None = None
    open_to = 0.0
    for lo, hi in pieces:
        if hi <= lo:
            continue
        if open_from is None or lo > open_to:
            if open_from is not None:
                total += open_to - open_from
            open_from, open_to = lo, hi
        else:
            open_to = max(open_to, hi)
    if open_from is not None:
        total += open_to - open_from
    return total


def drain_rate(spells: Iterable[Spell], *, start: float, end: float) -> float | None:
    """Answered contacts per waiting second over [start, end); None when none was answered."""
    spells = list(spells)
    answered = sum(1 for s in spells if s.answered and s.end is not None and start <= s.end < end)
    busy = busy_seconds(spells, start=start, end=end)
    if answered == 0 or busy <= 0:
        return None
    return answered / busy


def estimated_wait_s(ahead: int, rate: float | None) -> float | None:
    """Seconds until a contact with `ahead` contacts before it is answered; None without a rate."""
    if rate is None or rate <= 0 or ahead < 0:
        return None
    return (ahead + 1) / rate
