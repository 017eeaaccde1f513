"""Every labour rule checked on a solver's output, re-derived from the problem and the assignments
independently of the solver's own bookkeeping, so a bug in the model or in the extraction shows up as
a rule violation. Used by the solver's tests and by `bench/schedule.py` (a benchmark that checks).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import timedelta

from kefu.workforce.rostering.problem import ScheduleProblem, ScheduleResult


def check_schedule(prob: ScheduleProblem, result: ScheduleResult) -> None:
    """Assert every rule on the output; recompute coverage from the queue spells."""
    assert result.feasible, result.problems
    rules, step, monday = prob.rules, prob.interval_minutes, prob.start_date
    templates = {t.name: t for t in prob.templates}
    agents = {a.id: a for a in prob.agents}
    by_agent = defaultdict(list)
    for shift in result.assignments:
        by_agent[shift.agent_id].append(shift)
    heads = {q: [0] * prob.n_slots for q in prob.queues}
    for agent_id, shifts in by_agent.items():
        who = agents[agent_id]
        days = [s.day for s in shifts]
        assert len(days) == len(set(days)), f"{agent_id}: two shifts on one day"
        paid = sum(s.paid_minutes for s in shifts)
        limit = min(rules.max_weekly_minutes, who.max_weekly_minutes or rules.max_weekly_minutes)
        assert paid <= limit, f"{agent_id}: {paid} paid min > {limit}"
        assert paid >= who.min_weekly_minutes, f"{agent_id}: {paid} paid min < {who.min_weekly_minutes}"
        assert 7 - len(days) >= rules.min_days_off, f"{agent_id}: too few days off"
        streak = who.days_worked_before
        for day in range(7):
            streak = streak + 1 if day in days else 0
            assert streak <= rules.max_consecutive_days, f"{agent_id}: {streak} consecutive days"
        spans = sorted((s.day * 1440 + s.segments[0][0], s.day * 1440 + s.segments[-1][1]) for s in shifts)
        if who.last_shift_end is not None:
            spans.insert(0, (who.last_shift_end, who.last_shift_end))
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start - end >= rules.min_rest_minutes, f"{agent_id}: only {start - end} min rest"
        blocked = [
            ((u.day - monday).days * 1440 + u.start, (u.day - monday).days * 1440 + u.end)
            for u in who.unavailable
        ]
        blocked += [((d - monday).days * 1440, (d - monday).days * 1440 + 1440) for d in who.leave]
        for shift in shifts:
            template = templates[shift.template]
            assert shift.date == monday + timedelta(days=shift.day)
            assert shift.segments == template.segments
            assert who.templates is None or shift.template in who.templates
            for a, b in shift.segments:
                for lo, hi in blocked:
                    assert not (shift.day * 1440 + a < hi and lo < shift.day * 1440 + b), (
                        f"{agent_id}: unavailable"
                    )
            # One break per rule, inside its window and inside a work segment.
            assert len(shift.breaks) == len(template.breaks)
            for placed, rule in zip(
                shift.breaks, sorted(template.breaks, key=lambda r: r.earliest_start), strict=True
            ):
                assert rule.earliest_start <= placed.start <= rule.latest_start
                assert placed.end - placed.start == rule.length
                assert any(a <= placed.start and placed.end <= b for a, b in shift.segments)
            # Spells: own skills only, inside segments, never during a break, one queue at a time.
            minutes = set()
            for spell in shift.spells:
                assert spell.queue in who.skills, f"{agent_id} serves {spell.queue} without the skill"
                assert any(a <= spell.start and spell.end <= b for a, b in shift.segments)
                assert not any(p.start < spell.end and spell.start < p.end for p in shift.breaks)
                for m in range(spell.start, spell.end, step):
                    assert m not in minutes
                    minutes.add(m)
                    slot = (shift.day * 1440 + m) // step
                    if slot < prob.n_slots:
                        heads[spell.queue][slot] += 1
            in_week = 7 * 1440 - shift.day * 1440  # coverage past the end of the week is not modelled
            worked = sum(min(b, in_week) - min(a, in_week) for a, b in shift.segments)
            worked -= sum(min(p.end, in_week) - min(p.start, in_week) for p in shift.breaks)
            assert len(minutes) * step == worked, f"{agent_id}: idle time not on any queue"
    for q in prob.queues:
        assert tuple(heads[q]) == result.scheduled[q]
        for need, have, short, extra in zip(
            prob.required[q], heads[q], result.under[q], result.over[q], strict=True
        ):
            assert short == max(0, need - have)
            assert extra == max(0, have - need)
