"""Real-time adherence, pure: an agent's presence against their published schedule.

Times are seconds on one axis (the caller picks the origin, e.g. local midnight). Both sides are
reduced to three activities:

- scheduled: WORK inside a shift's segments, BREAK inside one of its breaks, OFF elsewhere;
- actual: WORK for online, busy, after-contact work and a missed offer; BREAK for a break (any
  reason); OFF for offline (and before the first recorded state, unless told otherwise).

Adherence over a window = seconds in which the actual activity equals the scheduled one, counted
only while the schedule says WORK or BREAK, divided by the scheduled (WORK + BREAK) seconds in
the window. No scheduled time: no figure (None). Time worked outside the schedule does not lower
the figure, but an agent doing it is listed as out of adherence now (docs/floor.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WORK, BREAK, OFF = "work", "break", "off"
_WORKING_STATES = frozenset({"online", "busy", "after_contact_work", "missed"})


def activity(state: str) -> str:
    """The activity a presence state counts as."""
    if state in _WORKING_STATES:
        return WORK
    if state == "break":
        return BREAK
    return OFF


@dataclass(frozen=True)
class Span:
    start: float
    end: float
    activity: str


@dataclass(frozen=True)
class Shift:
    """One scheduled shift; `origin` is the second its day starts at on the common axis;
    segments and breaks are minutes from that midnight (an end past 1440 runs into the next day)."""

    origin: float
    segments: tuple[tuple[int, int], ...]
    breaks: tuple[tuple[int, int], ...] = ()


def scheduled_spans(shifts: Iterable[Shift]) -> list[Span]:
    """WORK and BREAK spans of the shifts, sorted, breaks cut out of the work (OFF is implicit)."""
    spans: list[Span] = []
    for shift in shifts:
        breaks = sorted((shift.origin + s * 60.0, shift.origin + e * 60.0) for s, e in shift.breaks)
        for seg_start, seg_end in shift.segments:
            cursor, end = shift.origin + seg_start * 60.0, shift.origin + seg_end * 60.0
            for b_start, b_end in breaks:
                b_start, b_end = max(b_start, cursor), min(b_end, end)
                if b_end <= b_start:
                    continue
                if b_start > cursor:
                    spans.append(Span(cursor, b_start, WORK))
                spans.append(Span(b_start, b_end, BREAK))
                cursor = b_end
            if end > cursor:
                spans.append(Span(cursor, end, WORK))
    return sorted(spans, key=lambda s: (s.start, s.end))


def actual_spans(
    changes: Sequence[tuple[float, str]], *, start: float, end: float, initial: str = "offline"
) -> list[Span]:
    """The activity over [start, end) from presence changes (time, state), in time order;
    `initial` is the state in force at `start`."""
    spans: list[Span] = []
    cursor, current = start, activity(initial)
    for at, state in sorted(changes, key=lambda c: c[0]):
        if at <= start:
            current = activity(state)
            continue
        if at >= end:
            break
        if at > cursor:
            spans.append(Span(cursor, at, current))
        cursor, current = at, activity(state)
    if end > cursor:
        spans.append(Span(cursor, end, current))
    return spans


def activity_at(spans: Sequence[Span], at: float, default: str = OFF) -> str:
    for span in spans:
        if span.start <= at < span.end:
            return span.activity
    return default


@dataclass(frozen=True)
class Adherence:
    scheduled_s: float
    in_adherence_s: float

    @property
    def share(self) -> float | None:
        return self.in_adherence_s / self.scheduled_s if self.scheduled_s > 0 else None


def _clip(spans: Iterable[Span], start: float, end: float) -> list[Span]:
    return [
        Span(max(s.start, start), min(s.end, end), s.activity)
        for s in spans
        if min(s.end, end) > max(s.start, start)
    ]


def adherence(scheduled: Sequence[Span], actual: Sequence[Span], *, start: float, end: float) -> Adherence:
    """Scheduled and in-adherence seconds over [start, end) (see the module's docstring)."""
    planned = _clip(scheduled, start, end)
    done = _clip(actual, start, end)
    total = sum(s.end - s.start for s in planned)
    matched = 0.0
    for plan in planned:
        for act in done:
            if act.activity != plan.activity:
                continue
            overlap = min(plan.end, act.end) - max(plan.start, act.start)
            if overlap > 0:
                matched += overlap
    return Adherence(scheduled_s=total, in_adherence_s=min(matched, total))


def out_since(scheduled: Sequence[Span], actual: Sequence[Span], *, now: float) -> float | None:
    """When the current mismatch between schedule and presence began, or None if in adherence now.

    Walks back over the boundaries of both timelines while they keep disagreeing."""
    if activity_at(scheduled, now) == activity_at(actual, now):
        return None
    bounds = sorted({b for s in (*scheduled, *actual) for b in (s.start, s.end) if b <= now}, reverse=True)
    since = now
    for bound in bounds:
        probe = bound - 1e-6
        if activity_at(scheduled, probe) == activity_at(actual, probe):
            return bound if bound <= since else since
        since = bound
    first = min((s.start for s in (*scheduled, *actual)), default=now)
    return min(since, first)
