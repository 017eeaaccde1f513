"""Onboarding endpoints: the checklist, the quick-phrase import, handover phases, break-in periods,
the risk register and the due diligence of one engagement."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile

from kefu.core.errors import Invalid
from kefu.engagements.onboarding import selectors, services
from kefu.engagements.onboarding.schemas import (
    BreakInIn,
    BreakInOut,
    ChecklistItemOut,
    DiligenceIn,
    DiligenceOut,
    ImportOut,
    ItemUpdateIn,
    OnboardingOut,
    PhaseIn,
    PhaseOut,
    RiskIn,
    RiskOut,
    RiskUpdateIn,
)

router = Router(tags=["engagements"])


@router.get("/engagements/{engagement_id}/onboarding", response=OnboardingOut)
def get_onboarding(request: HttpRequest, engagement_id: int) -> object:
    scope = request.access
    engagement = selectors.engagement_get(scope, engagement_id=engagement_id)
    items = list(selectors.checklist(scope, engagement=engagement))
    progress = selectors.progress(items)
    phases = selectors.phase_list(scope, engagement=engagement)
    current = selectors.phase_current(phases)
    return {
        "engagement_id": engagement.pk,
        "provider_id": engagement.provider_id,
        "client_id": engagement.client_id,
        "done": progress.done,
        "total": progress.total,
        "percent": progress.percent,
        "items": items,
        "phases": phases,
        "current_share": current.share_percent if current else None,
        "split": selectors.realised_split(
            scope, engagement=engagement, since=current.started_at if current else None
        ),
        "break_ins": selectors.break_in_list(scope, engagement=engagement),
    }


@router.post("/engagements/{engagement_id}/onboarding/checklist", response={201: list[ChecklistItemOut]})
def create_checklist(request: HttpRequest, engagement_id: int) -> Status[object]:
    return Status(201, services.checklist_seed(request.access, engagement_id=engagement_id))


@router.patch("/onboarding-items/{checklist_item_id}", response=ChecklistItemOut)
def update_item(request: HttpRequest, checklist_item_id: int, payload: ItemUpdateIn) -> object:
    return services.item_update(request.access, item_id=checklist_item_id, **payload.dict())


@router.post("/engagements/{engagement_id}/quick-phrases/import", response=ImportOut)
def import_phrases(
    request: HttpRequest,
    engagement_id: int,
    file: UploadedFile | None = File(None),  # noqa: B008 (ninja's way of declaring a part)
    preview: Form[bool] = False,
    skip_bad_rows: Form[bool] = False,
) -> object:
    """CSV or .xlsx (shortcut, title, body, category). `preview` stores nothing; without
    `skip_bad_rows` a wrong row stops the whole import (`stored` false, every wrong row listed)."""
    selectors.engagement_get(request.access, engagement_id=engagement_id)  # 404 before 422
    if file is None:
        raise Invalid(_("Choose a CSV or Excel file."), field="file")
    result = services.phrases_import(
        request.access,
        engagement_id=engagement_id,
        content=file.read(),
        filename=file.name or "phrases.csv",
        skip_bad_rows=skip_bad_rows,
        preview=preview,
    )
    body = {
        "stored": result.stored,
        "created": result.created,
        "updated": result.updated,
        "rows": [
            {
                "row": line,
                "shortcut": v["shortcut"],
                "title": v["title"],
                "category": v["category"],
                "updates": up,
            }
            for line, v, up in result.planned
        ],
        "errors": [{"row": line, "message": message} for line, message in result.errors],
    }
    return body


@router.post("/engagements/{engagement_id}/handover-phases", response={201: PhaseOut})
def create_phase(request: HttpRequest, engagement_id: int, payload: PhaseIn) -> Status[object]:
    return Status(201, services.phase_create(request.access, engagement_id=engagement_id, **payload.dict()))


@router.post("/handover-phases/{phase_id}/start", response=PhaseOut)
def start_phase(request: HttpRequest, phase_id: int) -> object:
    return services.phase_start(request.access, phase_id=phase_id)


@router.delete("/handover-phases/{phase_id}", response={204: None})
def delete_phase(request: HttpRequest, phase_id: int) -> Status[None]:
    services.phase_delete(request.access, phase_id=phase_id)
    return Status(204, None)


@router.post("/engagements/{engagement_id}/break-ins", response={201: BreakInOut})
def create_break_in(request: HttpRequest, engagement_id: int, payload: BreakInIn) -> Status[object]:
    return Status(201, services.break_in_add(request.access, engagement_id=engagement_id, **payload.dict()))


@router.get("/engagements/{engagement_id}/risks", response=list[RiskOut])
def list_risks(request: HttpRequest, engagement_id: int) -> object:
    engagement = selectors.engagement_get(request.access, engagement_id=engagement_id)
    return selectors.risk_list(request.access, engagement=engagement)


@router.post("/engagements/{engagement_id}/risks", response={201: RiskOut})
def create_risk(request: HttpRequest, engagement_id: int, payload: RiskIn) -> Status[object]:
    return Status(201, services.risk_create(request.access, engagement_id=engagement_id, **payload.dict()))


@router.patch("/risks/{risk_id}", response=RiskOut)
def update_risk(request: HttpRequest, risk_id: int, payload: RiskUpdateIn) -> object:
    changes = {k: v for k, v in payload.dict().items() if v is not None}
    return services.risk_update(request.access, risk_id=risk_id, **changes)


@router.get("/engagements/{engagement_id}/due-diligence", response=list[DiligenceOut])
def list_diligence(request: HttpRequest, engagement_id: int) -> object:
    engagement = selectors.engagement_get(request.access, engagement_id=engagement_id)
    return selectors.diligence_list(request.access, engagement=engagement)


@router.patch("/due-diligence/{diligence_id}", response=DiligenceOut)
def update_diligence(request: HttpRequest, diligence_id: int, payload: DiligenceIn) -> object:
    return services.diligence_update(request.access, item_id=diligence_id, **payload.dict())
