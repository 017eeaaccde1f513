"""Complaint endpoints: the register, triage, workflow, callback, links, categories, trend.
Thin: the scope, the schema in, one service or selector, the schema out."""

from __future__ import annotations

from datetime import date, timedelta

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from kefu.core import clock
from kefu.quality.complaints import selectors, services
from kefu.quality.complaints.schemas import (
    ComplaintCallbackIn,
    ComplaintCategoryIn,
    ComplaintCategoryOut,
    ComplaintIn,
    ComplaintLinkIn,
    ComplaintOut,
    ComplaintTransitionIn,
    ComplaintTrendOut,
    ComplaintUpdateIn,
)

router = Router(tags=["quality"])


@router.get("/quality/complaints", response=list[ComplaintOut])
@paginate(PageNumberPagination, page_size=100)
def list_complaints(
    request: HttpRequest,
    status: str = "",
    severity: str = "",
    root_cause_id: int | None = None,
    client_id: int | None = None,
    overdue: bool = False,
) -> object:
    filters = selectors.ComplaintFilters(
        status=status, severity=severity, category_id=root_cause_id, client_id=client_id, overdue=overdue
    )
    return selectors.complaint_list(request.access, filters=filters)


@router.post("/quality/complaints", response={201: ComplaintOut})
def create_complaint(request: HttpRequest, payload: ComplaintIn) -> Status[object]:
    data = payload.dict()
    complaint = services.complaint_create(request.access, category_id=data.pop("root_cause_id"), **data)
    return Status(201, complaint)


@router.get("/quality/complaints/trend", response=ComplaintTrendOut)
def complaint_trend(
    request: HttpRequest,
    client_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> dict:
    last = date_to or clock.now().date()
    first = date_from or last - timedelta(weeks=12)
    trend = selectors.complaint_trend(request.access, first=first, last=last, client_id=client_id)
    return {"client_id": client_id, "period": {"from": first, "to": last}, **trend}


@router.get("/quality/complaints/{complaint_id}", response=ComplaintOut)
def get_complaint(request: HttpRequest, complaint_id: int) -> object:
    return selectors.complaint_get(request.access, complaint_id=complaint_id)


@router.patch("/quality/complaints/{complaint_id}", response=ComplaintOut)
def update_complaint(request: HttpRequest, complaint_id: int, payload: ComplaintUpdateIn) -> object:
    complaint = services.complaint_update(
        request.access,
        complaint_id=complaint_id,
        severity=payload.severity,
        category_id=payload.root_cause_id,
        clear_category=payload.clear_root_cause,
        owner_id=payload.owner_id,
        due_at=payload.due_at,
    )
    return complaint


@router.post("/quality/complaints/{complaint_id}/status", response=ComplaintOut)
def transition_complaint(request: HttpRequest, complaint_id: int, payload: ComplaintTransitionIn) -> object:
    complaint = services.complaint_transition(
        request.access, complaint_id=complaint_id, status=payload.status, resolution=payload.resolution
    )
    return complaint


@router.post("/quality/complaints/{complaint_id}/callback", response=ComplaintOut)
def callback_complaint(request: HttpRequest, complaint_id: int, payload: ComplaintCallbackIn) -> object:
    complaint = services.complaint_callback(request.access, complaint_id=complaint_id, **payload.dict())
    return complaint


@router.post("/quality/complaints/{complaint_id}/links", response=ComplaintOut)
def link_complaint(request: HttpRequest, complaint_id: int, payload: ComplaintLinkIn) -> object:
    complaint = services.complaint_link(request.access, complaint_id=complaint_id, **payload.dict())
    return complaint


@router.get("/quality/complaint-categories", response=list[ComplaintCategoryOut])
def list_categories(request: HttpRequest, client_id: int | None = None) -> object:
    return list(selectors.category_list(request.access, client_id=client_id))


@router.post("/quality/complaint-categories", response={201: ComplaintCategoryOut})
def create_category(request: HttpRequest, payload: ComplaintCategoryIn) -> Status[object]:
    return Status(
        201, services.category_create(request.access, name=payload.name, client_id=payload.client_id)
    )
