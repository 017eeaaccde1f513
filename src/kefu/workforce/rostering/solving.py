"""Running a queued solve (the background task's work): claim it, solve outside any transaction, store
the shifts. Queuing a solve is a service (`services.schedule_solve`); this module imports neither the
services nor the task, so the task module can import it without a cycle.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import Invalid
from kefu.core.scope import Scope
from kefu.tenancy import services as tenancy_services
from kefu.workforce.models import (
    Schedule,
    ScheduledShift,
)
from kefu.workforce.permissions import WorkforcePerm
from kefu.workforce.rostering import problem, selectors, solver, stored

DEFAULT_TIME_LIMIT_S = 30.0
MAX_TIME_LIMIT_S = 120.0


def _solve_claim(scope: Scope, schedule_id: int) -> Schedule | None:
    """Move a queued solve to running (committed at once, so the page shows it); None if not queued."""
    with transaction.atomic():
        schedule_obj = selectors.schedule_get(scope, schedule_id=schedule_id, for_update=True)
        if schedule_obj.solve_state != Schedule.SolveState.QUEUED:
            return None
        schedule_obj.solve_state = Schedule.SolveState.RUNNING
        schedule_obj.solve_started_at = clock.now()
        schedule_obj.save(update_fields=["solve_state", "solve_started_at"])
    return schedule_obj


def _solve_fail(scope: Scope, schedule_id: int, message: str) -> Schedule:
    with transaction.atomic():
        schedule_obj = selectors.schedule_get(scope, schedule_id=schedule_id, for_update=True)
        schedule_obj.solve_state = Schedule.SolveState.FAILED
        schedule_obj.solve_message = message[:500]
        schedule_obj.solve_finished_at = clock.now()
        schedule_obj.save(update_fields=["solve_state", "solve_message", "solve_finished_at"])
    return schedule_obj


def schedule_solve_run(scope: Scope, *, schedule_id: int) -> Schedule:
    """Solve a queued schedule now (the background task's work): read the profiles as they are now,
    solve outside any transaction, then replace the schedule's shifts in one transaction.

    Bad input ends the solve as failed with the reason; an unexpected error does too and is raised
    again, so the worker logs it.
    """
    scope.require(WorkforcePerm.PLAN)
    schedule_obj = _solve_claim(scope, schedule_id)
    if schedule_obj is None:
        return selectors.schedule_get(scope, schedule_id=schedule_id)
    try:
        solver_input, notes = stored.problem_of(scope, schedule_obj)
        result = solver.solve_schedule(
            solver_input, time_limit_s=schedule_obj.solve_time_limit_s or DEFAULT_TIME_LIMIT_S, num_workers=2
        )
    except (Invalid, problem.ScheduleInputError) as exc:
        return _solve_fail(scope, schedule_id, str(getattr(exc, "message", exc)))
    except Exception:
        _solve_fail(scope, schedule_id, _("The solver stopped with an error; see the worker's log."))
        raise
    with transaction.atomic():
        schedule_obj = selectors.schedule_get(scope, schedule_id=schedule_id, for_update=True)
        selectors.scheduled_shift_rows(schedule_obj).delete()
        ScheduledShift.objects.bulk_create(
            [
                ScheduledShift(
                    provider_id=schedule_obj.provider_id,
                    client_id=schedule_obj.client_id,
                    schedule=schedule_obj,
                    agent_id=int(a.agent_id),
                    date=a.date,
                    template=a.template,
                    start_minute=a.segments[0][0],
                    end_minute=a.segments[-1][1],
                    segments=[list(s) for s in a.segments],
                    breaks=[[b.start, b.end] for b in a.breaks],
                    spells=[[s.start, s.end, s.queue] for s in a.spells],
                    paid_minutes=a.paid_minutes,
                )
                for a in result.assignments
            ]
        )
        schedule_obj.rules = stored.rules_record(solver_input.rules)
        schedule_obj.solver_status = str(result.status)
        schedule_obj.problems = list(result.problems)
        schedule_obj.notes = notes
        schedule_obj.objective = result.objective
        schedule_obj.solve_seconds = round(result.solve_seconds, 3)
        schedule_obj.solve_stats = {
            **dict(result.stats),
            "shifts": len(result.assignments),
            "best_bound": result.best_bound,
            "labour_cost": round(result.labour_cost, 2),
        }
        schedule_obj.solve_state = Schedule.SolveState.DONE
        schedule_obj.solve_message = ""
        schedule_obj.solve_finished_at = clock.now()
        schedule_obj.save()
        stored.recompute_coverage(schedule_obj)
        tenancy_services.audit_record(
            scope,
            action="workforce.schedule_solved",
            target=schedule_obj,
            client_id=schedule_obj.client_id,
            data={"status": schedule_obj.solver_status, "shifts": len(result.assignments)},
        )
    return schedule_obj
