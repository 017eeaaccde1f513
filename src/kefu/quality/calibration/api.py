"""Calibration endpoints: sessions, the caller's blind sheets, closing, the report. Thin: the
scope, the schema in, one service or selector, the schema out."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from kefu.quality.calibration import selectors, services
from kefu.quality.calibration.schemas import (
    CalibrationDetailOut,
    CalibrationIn,
    CalibrationOut,
    CalibrationReportOut,
    CalibrationSheetIn,
    CalibrationSheetOut,
)

router = Router(tags=["quality"])


@router.get("/quality/calibrations", response=list[CalibrationOut])
@paginate(PageNumberPagination, page_size=100)
def list_calibrations(request: HttpRequest, status: str = "") -> object:
    return selectors.calibration_list(request.access, status=status)


@router.post("/quality/calibrations", response={201: CalibrationOut})
def create_calibration(request: HttpRequest, payload: CalibrationIn) -> Status[object]:
    session = services.calibration_create(request.access, **payload.dict())
    return Status(201, selectors.calibration_get(request.access, session_id=session.pk))


def _detail(request: HttpRequest, session_id: int) -> dict[str, Any]:
    scope = request.access
    session = selectors.calibration_get(scope, session_id=session_id)
    return {
        **{f: getattr(session, f) for f in CalibrationOut.model_fields},
        "conversation_ids": selectors.calibration_conversation_ids(scope, session=session),
        "progress": [asdict(p) for p in selectors.calibration_progress(scope, session=session)],
        "sheets_visible": list(selectors.calibration_sheets(scope, session=session)),
    }


@router.get("/quality/calibrations/{session_id}", response=CalibrationDetailOut)
def get_calibration(request: HttpRequest, session_id: int) -> object:
    return _detail(request, session_id)


@router.put("/quality/calibrations/{session_id}/sheets/{conversation_id}", response=CalibrationSheetOut)
def save_sheet(
    request: HttpRequest, session_id: int, conversation_id: int, payload: CalibrationSheetIn
) -> object:
    """The caller's answers for one conversation; `submit` needs them complete. Changeable until
    the session closes; nobody else sees them before."""
    return services.calibration_score_save(
        request.access, session_id=session_id, conversation_id=conversation_id, **payload.dict()
    )


@router.post("/quality/calibrations/{session_id}/close", response=CalibrationDetailOut)
def close_calibration(request: HttpRequest, session_id: int) -> object:
    services.calibration_close(request.access, session_id=session_id)
    return _detail(request, session_id)


@router.get("/quality/calibrations/{session_id}/report", response=CalibrationReportOut)
def get_report(request: HttpRequest, session_id: int) -> object:
    """Agreement per criterion, spread per conversation, reviewers against the group and the
    expert; 409 until the session is closed. CSV/Excel: `…/report/export?format=csv`."""
    scope = request.access
    session = selectors.calibration_get(scope, session_id=session_id)
    report = selectors.calibration_report(scope, session=session)
    names = selectors.reviewer_names(scope, session=session)
    return {
        "session_id": session.pk,
        "percent": report.percent,
        "mean_alpha": report.mean_alpha,
        "expert_id": report.expert_id,
        "criteria": [asdict(c) for c in report.criteria],
        "spreads": [
            {**asdict(s), "range": s.range, "scores": {str(k): v for k, v in s.scores.items()}}
            for s in report.spreads
        ],
        "reviewers": [{**asdict(r), "name": names.get(r.reviewer_id, "")} for r in report.reviewers],
    }
