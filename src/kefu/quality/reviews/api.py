"""Quality review endpoints: scorecards (versions), sampling rules, the day's sample, reviews,
appeals, workload. Thin: the scope, the schema in, one service or selector, the schema out."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from kefu.quality.reviews import selectors, services
from kefu.quality.reviews.schemas import (
    AppealIn,
    AppealOut,
    DecideIn,
    PolicyIn,
    PolicyOut,
    PrefillIn,
    ReviewAssignIn,
    ReviewCreateIn,
    ReviewOut,
    ReviewSaveIn,
    SampleIn,
    SampleOut,
    ScorecardIn,
    ScorecardOut,
    ScorecardUpdateIn,
    WorkloadOut,
)

router = Router(tags=["quality"])


def _sections(sections: list) -> dict:
    return {"sections": [s.dict() for s in sections]}


@router.get("/quality/scorecards", response=list[ScorecardOut])
@paginate(PageNumberPagination, page_size=100)
def list_scorecards(request: HttpRequest, client_id: int | None = None, all_versions: bool = False) -> object:
    return selectors.scorecard_list(request.access, client_id=client_id, current_only=not all_versions)


@router.post("/quality/scorecards", response={201: ScorecardOut})
def create_scorecard(request: HttpRequest, payload: ScorecardIn) -> Status[object]:
    return Status(
        201,
        services.scorecard_create(
            request.access,
            client_id=payload.client_id,
            name=payload.name,
            channel=payload.channel,
            definition=_sections(payload.sections),
        ),
    )


@router.get("/quality/scorecards/{scorecard_id}", response=ScorecardOut)
def get_scorecard(request: HttpRequest, scorecard_id: int) -> object:
    return selectors.scorecard_get(request.access, scorecard_id=scorecard_id)


@router.put("/quality/scorecards/{scorecard_id}", response={201: ScorecardOut})
def update_scorecard(request: HttpRequest, scorecard_id: int, payload: ScorecardUpdateIn) -> Status[object]:
    """Stores a new version (201) and makes it current; reviews keep the version they used."""
    return Status(
        201,
        services.scorecard_update(
            request.access,
            scorecard_id=scorecard_id,
            name=payload.name,
            channel=payload.channel,
            definition=_sections(payload.sections) if payload.sections is not None else None,
        ),
    )


def _policy_out(policy: object, client_id: int) -> dict:
    fields = (
        "percent_by_channel",
        "new_agent_days",
        "new_agent_percent",
        "include_complaints",
        "include_low_ratings",
        "due_days",
        "appeal_window_days",
    )
    return {"client_id": client_id, **{f: getattr(policy, f) for f in fields}}


@router.get("/quality/policies/{client_id}", response=PolicyOut)
def get_policy(request: HttpRequest, client_id: int) -> object:
    return _policy_out(selectors.qa_policy_get(request.access, client_id=client_id), client_id)


@router.put("/quality/policies/{client_id}", response=PolicyOut)
def set_policy(request: HttpRequest, client_id: int, payload: PolicyIn) -> object:
    policy = services.qa_policy_set(request.access, client_id=client_id, **payload.dict())
    return _policy_out(policy, client_id)


@router.post("/quality/samples", response=SampleOut)
def run_sample(request: HttpRequest, payload: SampleIn) -> object:
    """Creates the review tasks of one client's day; running it again creates none twice."""
    return services.sample_day(request.access, client_id=payload.client_id, day=payload.day)


@router.get("/quality/workload", response=list[WorkloadOut])
def get_workload(request: HttpRequest, day: date | None = None) -> object:
    return selectors.workload(request.access, day=day or selectors.today())


@router.get("/quality/reviews", response=list[ReviewOut])
@paginate(PageNumberPagination, page_size=100)
def list_reviews(
    request: HttpRequest,
    status: str = "",
    inspector_id: int | None = None,
    agent_id: int | None = None,
    client_id: int | None = None,
    reason: str = "",
) -> object:
    filters = selectors.ReviewFilter(
        status=status, inspector_id=inspector_id, agent_id=agent_id, client_id=client_id, reason=reason
    )
    return selectors.review_list(request.access, filters=filters)


@router.post("/quality/reviews", response={201: ReviewOut})
def create_review(request: HttpRequest, payload: ReviewCreateIn) -> Status[object]:
    return Status(201, services.review_create(request.access, **payload.dict()))


@router.get("/quality/reviews/{review_id}", response=ReviewOut)
def get_review(request: HttpRequest, review_id: int) -> object:
    return selectors.review_get(request.access, review_id=review_id)


@router.put("/quality/reviews/{review_id}", response=ReviewOut)
def save_review(request: HttpRequest, review_id: int, payload: ReviewSaveIn) -> object:
    """Saves the answers so far; `submit: true` scores and closes the review."""
    notes = [n.dict() for n in payload.notes] if payload.notes is not None else None
    return services.review_save(
        request.access,
        review_id=review_id,
        answers=payload.answers,
        comments=payload.comments,
        anchors=payload.anchors,
        notes=notes,
        submit=payload.submit,
    )


@router.post("/quality/reviews/{review_id}/prefill", response=ReviewOut)
def prefill_review(request: HttpRequest, review_id: int, payload: PrefillIn) -> object:
    """Pre-fills open answers from findings (auto-QA's); the inspector still decides."""
    return services.review_prefill(
        request.access, review_id=review_id, findings=[f.dict() for f in payload.findings]
    )


@router.post("/quality/reviews/{review_id}/assign", response=ReviewOut)
def assign_review(request: HttpRequest, review_id: int, payload: ReviewAssignIn) -> object:
    return services.review_assign(request.access, review_id=review_id, inspector_id=payload.inspector_id)


@router.post("/quality/reviews/{review_id}/appeal", response={201: AppealOut})
def appeal_review(request: HttpRequest, review_id: int, payload: AppealIn) -> Status[object]:
    return Status(201, services.appeal_create(request.access, review_id=review_id, reason=payload.reason))


@router.get("/quality/appeals", response=list[AppealOut])
@paginate(PageNumberPagination, page_size=100)
def list_appeals(request: HttpRequest, status: str = "") -> object:
    return selectors.appeal_list(request.access, status=status)


@router.get("/quality/appeals/{appeal_id}", response=AppealOut)
def get_appeal(request: HttpRequest, appeal_id: int) -> object:
    return selectors.appeal_get(request.access, appeal_id=appeal_id)


@router.post("/quality/appeals/{appeal_id}/decide", response=AppealOut)
def decide_appeal(request: HttpRequest, appeal_id: int, payload: DecideIn) -> object:
    return services.appeal_decide(request.access, appeal_id=appeal_id, **payload.dict())
