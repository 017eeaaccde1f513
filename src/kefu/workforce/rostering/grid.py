"""The schedule grid without the database: shifts placed on days, their breaks and queue spells, the
heads they put on each queue, and the labour rules checked on a placed week (a planner's grid edit, an
approved swap). No database, so the rules can be checked anywhere, tests included; the messages are
translated, hence the one Django import (gettext).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from kefu.workforce.rostering import problem

DAY = 1440
WEEK_MINUTES = 7 * DAY
DEFAULT_RULES = problem.LabourRules()


@dataclass(frozen=True)
class PlacedShift:
    """A shift on one day of the week: what the grid shows and the rules check."""

    day: int  # 0 = the schedule's Monday
    template: str
    segments: tuple[tuple[int, int], ...]
    breaks: tuple[tuple[int, int], ...]
    spells: tuple[tuple[int, int, str], ...]
    paid_minutes: int

    @property
    def start(self) -> int:
        return self.segments[0][0]

    @property
    def end(self) -> int:
        return self.segments[-1][1]


@dataclass(frozen=True)
class AgentRules:
    """The rules one agent's week must keep (their profile over the labour-rule defaults)."""

    max_weekly_minutes: int = DEFAULT_RULES.max_weekly_minutes
    min_rest_minutes: int = DEFAULT_RULES.min_rest_minutes
    min_days_off: int = DEFAULT_RULES.min_days_off
    max_consecutive_days: int = DEFAULT_RULES.max_consecutive_days
    days_worked_before: int = 0
    skills: frozenset[str] = frozenset()
    templates: frozenset[str] | None = None
    blocked: tuple[tuple[int, int, str], ...] = ()  # (start, end, why) in minutes since week start
    other_spans: tuple[tuple[int, int], ...] = field(default=())  # shifts in other schedules/weeks
    other_days: frozenset[int] = frozenset()  # days of this week worked in other schedules


def template_of(
    name: str,
    segments: Sequence[Sequence[str]],
    breaks: Sequence[Mapping[str, Any]],
    *,
    days: Sequence[int] | None = None,
) -> problem.ShiftTemplate:
    """A solver template from the stored shape (`days`: the weekdays it may be used on, empty: all);
    malformed shapes raise `ScheduleInputError`."""
    try:
        spans = tuple((problem.clock(str(a)), problem.clock(str(b))) for a, b in segments)
        rules = tuple(
            problem.BreakRule(
                int(b["length"]), problem.clock(str(b["earliest"])), problem.clock(str(b["latest"]))
            )
            for b in breaks
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise problem.ScheduleInputError(f"template {name!r}: {exc}") from None
    allowed = frozenset(int(d) for d in days) if days and len(set(days)) < 7 else None
    return problem.ShiftTemplate(name=name, segments=spans, breaks=rules, days=allowed)


def place_shift(
    template: problem.ShiftTemplate, *, day: int, queue: str, break_starts: Sequence[int] | None = None
) -> PlacedShift:
    """Lay a template on a day: breaks at the given starts (or the earliest allowed), one queue throughout."""
    rules = sorted(template.breaks, key=lambda r: r.earliest_start)
    if break_starts is not None and len(break_starts) != len(rules):
        raise ValueError(_("Give one start per meal break (%(n)d).") % {"n": len(rules)})
    breaks = []
    for index, rule in enumerate(rules):
        allowed = allowed_break_starts(template, rule)
        start = allowed[0] if break_starts is None else int(break_starts[index])
        if start not in allowed:
            raise ValueError(
                _("The break must start between %(a)s and %(b)s, inside a work segment.")
                % {"a": hhmm(rule.earliest_start), "b": hhmm(rule.latest_start)}
            )
        breaks.append((start, start + rule.length))
    spells = []
    for a, b in template.segments:
        cursor = a
        for s, e in breaks:
            if a <= s and e <= b:
                if s > cursor:
                    spells.append((cursor, s, queue))
                cursor = e
        if b > cursor:
            spells.append((cursor, b, queue))
    return PlacedShift(
        day=day,
        template=template.name,
        segments=template.segments,
        breaks=tuple(breaks),
        spells=tuple(spells),
        paid_minutes=template.paid_minutes,
    )


def allowed_break_starts(template: problem.ShiftTemplate, rule: problem.BreakRule) -> list[int]:
    step = rule.step or 15
    first = math.ceil(rule.earliest_start / step) * step
    return [
        s
        for s in range(first, rule.latest_start + 1, step)
        if any(a <= s and s + rule.length <= b for a, b in template.segments)
    ]


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def scheduled_heads(
    shifts: Iterable[PlacedShift], *, queues: Sequence[str], interval: int
) -> dict[str, list[int]]:
    """Heads per queue per interval of the week from the shifts' queue spells (breaks excluded)."""
    slots = WEEK_MINUTES // interval
    heads = {q: [0] * slots for q in queues}
    for shift in shifts:
        for start, end, queue in shift.spells:
            if queue not in heads:
                continue
            for minute in range(start - start % interval, end, interval):
                lo, hi = max(start, minute), min(end, minute + interval)
                slot = (shift.day * DAY + minute) // interval
                if hi > lo and 0 <= slot < slots and (hi - lo) * 2 >= interval:
                    heads[queue][slot] += 1
    return heads


def coverage_summary(
    required: Mapping[str, Sequence[int]], scheduled: Mapping[str, Sequence[int]], *, interval: int
) -> dict[str, Any]:
    """Under/over-staffing per queue and overall (share of demanded interval × queue pairs short)."""
    per_queue = {}
    demanded = short = 0
    under_total = over_total = 0
    for queue, need in required.items():
        have = scheduled.get(queue, [0] * len(need))
        under = [max(0, r - h) for r, h in zip(need, have, strict=True)]
        over = [max(0, h - r) for r, h in zip(need, have, strict=True)]
        q_demanded = sum(1 for r in need if r > 0)
        q_short = sum(1 for u in under if u > 0)
        demanded += q_demanded
        short += q_short
        under_total += sum(under)
        over_total += sum(over)
        per_queue[queue] = {
            "under_head_hours": sum(under) * interval / 60,
            "over_head_hours": sum(over) * interval / 60,
            "short_intervals": q_short,
            "demanded_intervals": q_demanded,
            "peak_required": max(need, default=0),
            "peak_scheduled": max(have, default=0),
        }
    return {
        "under_staffed_share": short / demanded if demanded else 0.0,
        "under_head_hours": under_total * interval / 60,
        "over_head_hours": over_total * interval / 60,
        "queues": per_queue,
    }


def rule_violations(rules: AgentRules, shifts: Sequence[PlacedShift]) -> list[str]:
    """Every labour rule one agent's week breaks (empty when the week is lawful)."""
    problems: list[str] = []
    days = sorted(s.day for s in shifts)
    if len(days) != len(set(days)):
        problems.append(_("Two shifts on one day."))
    worked = set(days) | rules.other_days
    paid = sum(s.paid_minutes for s in shifts)
    if paid > rules.max_weekly_minutes:
        problems.append(
            _("%(paid)s paid hours exceed the weekly maximum of %(max)s.")
            % {"paid": f"{paid / 60:g}", "max": f"{rules.max_weekly_minutes / 60:g}"}
        )
    if 7 - len(worked) < rules.min_days_off:
        problems.append(_("Fewer than %(n)d days off in the week.") % {"n": rules.min_days_off})
    streak = rules.days_worked_before
    for day in range(7):
        streak = streak + 1 if day in worked else 0
        if streak > rules.max_consecutive_days:
            problems.append(
                _("More than %(n)d consecutive working days.") % {"n": rules.max_consecutive_days}
            )
            break
    spans = sorted([(s.day * DAY + s.start, s.day * DAY + s.end) for s in shifts] + list(rules.other_spans))
    for (_a1, e1), (a2, _e2) in itertools.pairwise(spans):
        if a2 < e1:
            problems.append(_("Shifts overlap."))
        elif a2 - e1 < rules.min_rest_minutes:
            problems.append(
                _("Only %(rest)s hours of rest between shifts; at least %(min)s are required.")
                % {"rest": f"{(a2 - e1) / 60:g}", "min": f"{rules.min_rest_minutes / 60:g}"}
            )
    for shift in shifts:
        if rules.templates is not None and shift.template not in rules.templates:
            problems.append(_("Shift %(t)s is not among the agent's shifts.") % {"t": shift.template})
        for _s, _e, queue in shift.spells:
            if queue not in rules.skills:
                problems.append(_("The agent has no skill for queue %(q)s.") % {"q": queue})
                break
        for a, b in shift.segments:
            for lo, hi, why in rules.blocked:
                if shift.day * DAY + a < hi and lo < shift.day * DAY + b:
                    problems.append(why)
                    break
    return list(dict.fromkeys(problems))
