"""Schedule endpoints: solve a week, read it with its coverage, edit a shift, publish, requests, capacity.

Solving runs in the background (`kefu worker`): creating or re-solving a schedule answers 202 with
the URL of its solve status, which a client polls until the state is `done` or `failed`.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from kefu.core.errors import Invalid
from kefu.workforce.rostering import grid, selectors, services

router = Router(tags=["workforce"])


class ScheduleIn(Schema):
    client_id: int | None = None
    week_start: date = Field(description="A Monday.")
    queues: dict[str, int] | None = Field(None, description="Queue name → staffing plan id.")
    required: dict[str, list[int]] | None = Field(
        None, description="Or uploaded required heads per queue: 7 × 1440 / interval_minutes values."
    )
    template_ids: list[int] | None = None
    interval_minutes: Literal[15, 30, 60] = 30
    time_limit_s: float = Field(30.0, ge=1, le=120)
    solve: bool = True


class ScheduleOut(Schema):
    id: int
    client_id: int | None
    week_start: date
    queues: list[str]
    status: str
    demand_source: dict
    interval_minutes: int
    solver_status: str
    problems: list[str]
    objective: float | None
    under_staffed_share: float | None
    solve_seconds: float | None
    solve_state: str = Field(description="'' (never solved), queued, running, done or failed.")
    solve_message: str


class SolveStatusOut(Schema):
    schedule_id: int
    state: str = Field(description="'' (never solved), queued, running, done or failed.")
    message: str = Field(description="Why a solve failed.")
    time_limit_s: float
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    solver_status: str = Field(description="OPTIMAL, FEASIBLE, INFEASIBLE or UNKNOWN once done.")
    problems: list[str]
    notes: list[str]
    objective: float | None
    under_staffed_share: float | None
    solve_seconds: float | None
    stats: dict
    status_url: str


class ScheduleQueuedOut(ScheduleOut):
    status_url: str = Field(description="GET it until `state` is done or failed.")


class SolveIn(Schema):
    time_limit_s: float | None = Field(None, ge=1, le=120)


class ShiftOut(Schema):
    id: int
    agent_id: int
    date: date
    template: str
    start_minute: int
    end_minute: int
    breaks: list[list[int]]
    spells: list[list[Any]]
    paid_minutes: int
    edited_by_id: int | None


class ScheduleDetailOut(ScheduleOut):
    rules: dict
    coverage: dict
    summary: dict
    shifts: list[ShiftOut]


class ShiftEditIn(Schema):
    user_id: int
    date: str = Field(description="The day, YYYY-MM-DD.")  # parsed after the schedule is found
    template: str = Field("", description="Empty clears the day.")
    queue: str = ""
    break_starts: list[int] | None = Field(None, description="Minutes since midnight, one per meal break.")


class RequestIn(Schema):
    schedule_id: int
    kind: Literal["swap", "leave", "change"]
    date: date
    reason: str = Field("", max_length=300)
    target_user_id: int | None = None
    target_template: str = ""


class RequestOut(Schema):
    id: int
    schedule_id: int
    agent_id: int
    kind: str
    date: date
    target_agent_id: int | None
    target_template: str
    reason: str
    status: str
    decided_by_id: int | None
    decision_note: str


class DecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=300)


class CapacityOut(Schema):
    client_id: int
    client: str
    month: str
    days: int
    head_hours: float
    peak_heads: int
    contract_hours: float
    fte_seats: float
    seats_needed: int
    seats_profiled: int
    change: int
    advice: str


def _detail(request: HttpRequest, schedule_id: int) -> dict[str, Any]:
    schedule = selectors.schedule_get(request.access, schedule_id=schedule_id)
    data = ScheduleOut.from_orm(schedule).dict()
    data.update(
        rules=schedule.rules,
        coverage=schedule.coverage,
        summary=grid.coverage_summary(
            schedule.coverage.get("required", {}),
            schedule.coverage.get("scheduled", {}),
            interval=schedule.interval_minutes,
        ),
        shifts=list(selectors.scheduled_shift_rows(schedule)),
    )
    return data


@router.get("/schedules", response=list[ScheduleOut])
def list_schedules(request: HttpRequest, client_id: int | None = None) -> object:
    return selectors.schedule_list(request.access, client_id=client_id)[:100]


def _status_url(schedule_id: int) -> str:
    return reverse("api:workforce_schedule_solve_status", kwargs={"schedule_id": schedule_id})


def _queued(schedule: Any) -> dict[str, Any]:
    return {**ScheduleOut.from_orm(schedule).dict(), "status_url": _status_url(schedule.pk)}


@router.post("/schedules", response={201: ScheduleOut, 202: ScheduleQueuedOut})
def create_schedule(request: HttpRequest, payload: ScheduleIn) -> Status[object]:
    """A week from staffing plans (`queues`) or uploaded heads (`required`).

    With `solve` (the default) the solve is queued: 202 and the `status_url` to poll. Without, the
    schedule starts empty (201).
    """
    schedule = services.schedule_create(request.access, **payload.dict())
    if not payload.solve:
        return Status(201, schedule)
    return Status(202, _queued(schedule))


@router.post("/schedules/{schedule_id}/solve", response={202: ScheduleQueuedOut})
def solve_schedule(request: HttpRequest, schedule_id: int, payload: SolveIn) -> Status[object]:
    """Solve a draft schedule again (its shifts are replaced); 409 while a solve is queued or running."""
    schedule = services.schedule_solve(
        request.access, schedule_id=schedule_id, time_limit_s=payload.time_limit_s
    )
    return Status(202, _queued(schedule))


@router.get(
    "/schedules/{schedule_id}/solve",
    response=SolveStatusOut,
    url_name="workforce_schedule_solve_status",
)
def solve_status(request: HttpRequest, schedule_id: int) -> object:
    """Where the schedule's solve is: queued, running, done or failed, with the solver's figures."""
    schedule = selectors.schedule_get(request.access, schedule_id=schedule_id)
    return {
        "schedule_id": schedule.pk,
        "state": schedule.solve_state,
        "message": schedule.solve_message,
        "time_limit_s": schedule.solve_time_limit_s,
        "queued_at": schedule.solve_queued_at,
        "started_at": schedule.solve_started_at,
        "finished_at": schedule.solve_finished_at,
        "solver_status": schedule.solver_status,
        "problems": schedule.problems,
        "notes": schedule.notes,
        "objective": schedule.objective,
        "under_staffed_share": schedule.under_staffed_share,
        "solve_seconds": schedule.solve_seconds,
        "stats": schedule.solve_stats,
        "status_url": _status_url(schedule.pk),
    }


@router.get("/schedules/{schedule_id}", response=ScheduleDetailOut)
def get_schedule(request: HttpRequest, schedule_id: int) -> object:
    """The schedule with its shifts and required/scheduled heads per queue per interval."""
    return _detail(request, schedule_id)


@router.put("/schedules/{schedule_id}/shifts", response=ScheduleDetailOut)
def edit_shift(request: HttpRequest, schedule_id: int, payload: ShiftEditIn) -> object:
    """Set or clear one agent's shift on one day; a week breaking a labour rule is refused (422)."""
    selectors.schedule_get(request.access, schedule_id=schedule_id)  # 404 before any input error
    data = payload.dict()
    try:
        day = date.fromisoformat(data.pop("date"))
    except ValueError:
        raise Invalid(_("The date must be YYYY-MM-DD."), field="date") from None
    services.schedule_shift_edit(request.access, schedule_id=schedule_id, day=day, **data)
    return _detail(request, schedule_id)


@router.post("/schedules/{schedule_id}/publish", response=ScheduleOut)
def publish_schedule(request: HttpRequest, schedule_id: int) -> object:
    return services.schedule_publish(request.access, schedule_id=schedule_id)


@router.get("/my-shifts", response=list[ShiftOut])
def my_shifts(request: HttpRequest, since: date | None = None, days: int = 14) -> object:
    """The caller's own shifts in published schedules (this week and next by default)."""
    start = since or selectors.week_monday(timezone.localdate())
    days = max(1, min(days, 62))
    return selectors.my_shifts(request.access, since=start, until=date.fromordinal(start.toordinal() + days))


@router.get("/schedule-requests", response=list[RequestOut])
def list_requests(request: HttpRequest, status: str | None = None) -> object:
    return selectors.schedule_request_list(request.access, status=status)[:200]


@router.post("/schedule-requests", response={201: RequestOut})
def create_request(request: HttpRequest, payload: RequestIn) -> Status[object]:
    data = payload.dict()
    return Status(201, services.schedule_request_create(request.access, day=data.pop("date"), **data))


@router.post("/schedule-requests/{request_id}/decision", response=RequestOut)
def decide_request(request: HttpRequest, request_id: int, payload: DecisionIn) -> object:
    """Approve (applied atomically, labour rules re-checked) or reject a pending request."""
    return services.schedule_request_decide(request.access, request_id=request_id, **payload.dict())


@router.get("/capacity-plan", response=list[CapacityOut])
def capacity_plan(request: HttpRequest) -> object:
    """Seats needed per client per month against the seats profiled, with the advice to add or remove."""
    return selectors.capacity_plan(request.access)
