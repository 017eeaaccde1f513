"""Background tasks of workforce (django-tasks): thin wrappers over services."""

from __future__ import annotations

from django_tasks import task

from kefu.core.scope import Scope
from kefu.workforce.permissions import WorkforcePerm
from kefu.workforce.rostering import solving


@task()
def schedule_solve(*, schedule_id: int, provider_id: int, client_ids: list[int]) -> dict[str, object]:
    """Solve a queued schedule, acting for its provider over the clients its planner could see."""
    scope = Scope.system(
        provider_id=provider_id,
        client_ids=frozenset(client_ids),
        permissions=frozenset({WorkforcePerm.VIEW, WorkforcePerm.PLAN}),
    )
    solved = solving.schedule_solve_run(scope, schedule_id=schedule_id)
    return {"schedule_id": solved.pk, "state": solved.solve_state, "solver_status": solved.solver_status}
