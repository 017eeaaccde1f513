"""Workforce endpoints: staffing, volume history import, forecasts."""

from django.http import HttpRequest
from ninja import File, Form, Router, Status, UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from kefu.core.errors import Invalid
from kefu.workforce import selectors, services, staffing, whatif
from kefu.workforce.schemas import (
    CampaignIn,
    CampaignOut,
    EventForecastIn,
    ForecastIn,
    ForecastOut,
    StaffingIn,
    StaffingOut,
    StaffingPlanIn,
    StaffingPlanOut,
    VolumeHistoryOut,
    WhatIfIn,
)

router = Router(tags=["workforce"])


@router.post("/staffing", response=StaffingOut)
def calculate_staffing(request: HttpRequest, payload: StaffingIn) -> dict:
    """Erlang C (or A with `patience`) for one interval: solve with `target_sl` or evaluate `agents`."""
    selectors.require_view(request.access)
    try:
        return staffing.staffing_report(staffing.StaffingQuery(**payload.dict()))
    except staffing.StaffingInputError as exc:
        raise Invalid(exc.message, field=exc.field) from None


@router.get("/histories", response=list[VolumeHistoryOut])
@paginate(PageNumberPagination, page_size=50)
def list_histories(request: HttpRequest) -> object:
    return selectors.volume_history_list(request.access)


@router.post("/histories", response={201: VolumeHistoryOut})
def import_history(
    request: HttpRequest,
    client_id: Form[int],
    file: File[UploadedFile],
    name: Form[str] = "",
    interval_minutes: Form[int | None] = None,
) -> Status[object]:
    """Upload a CSV/Excel volume history (timestamp, [queue,] offered[, handled, aht])."""
    history = services.volume_history_import(
        request.access,
        client_id=client_id,
        name=name,
        filename=file.name or "upload.csv",
        content=file.read(),
        interval_minutes=interval_minutes,
    )
    return Status(201, history)


@router.get("/histories/{history_id}", response=VolumeHistoryOut)
def get_history(request: HttpRequest, history_id: int) -> object:
    return selectors.volume_history_get(request.access, history_id=history_id)


@router.post("/histories/{history_id}/forecasts", response={201: ForecastOut})
def create_forecast(request: HttpRequest, history_id: int, payload: ForecastIn) -> Status[object]:
    return Status(201, services.forecast_run_create(request.access, history_id=history_id, **payload.dict()))


@router.get("/forecasts/{forecast_id}", response=ForecastOut)
def get_forecast(request: HttpRequest, forecast_id: int) -> object:
    return selectors.forecast_run_get(request.access, forecast_id=forecast_id)


@router.post("/event-forecasts", response={201: ForecastOut})
def create_forecast_from_events(request: HttpRequest, payload: EventForecastIn) -> Status[object]:
    """Forecast from the offered contacts Kefu itself recorded for a client."""
    return Status(201, services.forecast_run_create_from_events(request.access, **payload.dict()))


@router.post("/forecasts/{forecast_id}/staffing-plans", response={201: StaffingPlanOut})
def create_staffing_plan(request: HttpRequest, forecast_id: int, payload: StaffingPlanIn) -> Status[object]:
    """Required agents and scheduled heads per forecast interval under the given targets."""
    return Status(
        201, services.staffing_plan_create(request.access, forecast_id=forecast_id, **payload.dict())
    )


@router.get("/staffing-plans/{plan_id}", response=StaffingPlanOut)
def get_staffing_plan(request: HttpRequest, plan_id: int) -> object:
    return selectors.staffing_plan_get(request.access, plan_id=plan_id)


@router.get("/campaigns", response=list[CampaignOut])
@paginate(PageNumberPagination, page_size=50)
def list_campaigns(request: HttpRequest, client_id: int | None = None) -> object:
    return selectors.campaign_list(request.access, client_id=client_id)


@router.post("/campaigns", response={201: CampaignOut})
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status[object]:
    return Status(201, services.campaign_create(request.access, **payload.dict()))


@router.delete("/campaigns/{campaign_id}", response={204: None})
def delete_campaign(request: HttpRequest, campaign_id: int) -> Status[None]:
    services.campaign_delete(request.access, campaign_id=campaign_id)
    return Status(204, None)


@router.post("/what-if")
def simulate_what_if(request: HttpRequest, payload: WhatIfIn) -> dict:
    """Simulate one queue's plan and the same plan with a spike and absences (95% intervals)."""
    selectors.require_view(request.access)
    try:
        return whatif.run(whatif.WhatIfQuery(**payload.dict()))
    except whatif.WhatIfInputError as exc:
        raise Invalid(exc.message, field=exc.field) from None
