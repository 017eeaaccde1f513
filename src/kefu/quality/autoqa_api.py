"""Auto-QA endpoints: one conversation's result (read, run now), the inspector's list, and a
client's rules (read, replace). Scoped like the rest: another tenant's ids answer 404."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from kefu.core.errors import NotFound
from kefu.quality import autoqa, autoqa_labels
from kefu.quality import autoqa_selectors as selectors
from kefu.quality import autoqa_services as services

router = Router(tags=["quality"])


class FindingOut(Schema):
    check: str
    label: str
    severity: str
    message_seq: int | None
    start: int
    end: int
    evidence: str
    explanation: str
    params: dict


class ResultOut(Schema):
    conversation_id: int
    client_id: int | None
    agent_id: int | None
    score: int
    rules_version: str
    message_seq: int
    findings_count: int
    critical_count: int
    finished_at: dt.datetime | None
    run_at: dt.datetime
    trigger: str


class ResultDetailOut(ResultOut):
    sentiment: list[dict]
    findings: list[FindingOut]


class RulesIn(Schema):
    forbidden_words: list[str] = []
    forbidden_promises: list[str] = []
    greeting_template: str = ""
    shop_aliases: list[str] = []
    closing_phrases: list[str] = []


class RulesOut(RulesIn):
    client_id: int
    revision: int  # 0: nothing stored, the defaults apply
    version: str


def _detail(result: object) -> dict:
    findings = [
        {
            "check": f.check_id,
            "label": autoqa_labels.check_label(f.check_id),
            "severity": f.severity,
            "message_seq": f.message_seq,
            "start": f.start,
            "end": f.end,
            "evidence": f.evidence,
            "explanation": autoqa_labels.explanation(f.check_id, f.params),
            "params": f.params,
        }
        for f in selectors.autoqa_finding_list(result)  # type: ignore[arg-type]
    ]
    return {
        **{k: getattr(result, k) for k in ResultOut.model_fields},
        "sentiment": result.sentiment,
        "findings": findings,
    }  # type: ignore[attr-defined]


@router.get("/conversations/{conversation_id}/autoqa", response=ResultDetailOut)
def get_autoqa(request: HttpRequest, conversation_id: int) -> object:
    """The conversation's latest auto-QA result; 404 until it has been inspected."""
    result = selectors.autoqa_result_for(request.access, conversation_id=conversation_id)
    if result is None:
        raise NotFound(_("This conversation has not been inspected yet."))
    return _detail(result)


@router.post("/conversations/{conversation_id}/autoqa", response=ResultDetailOut)
def run_autoqa(request: HttpRequest, conversation_id: int) -> object:
    """Inspect the conversation now (replaces its previous result)."""
    return _detail(services.autoqa_run(request.access, conversation_id=conversation_id))


@router.get("/quality/autoqa/results", response=list[ResultOut])
@paginate(PageNumberPagination, page_size=50)
def list_autoqa_results(
    request: HttpRequest,
    client_id: int | None = None,
    agent_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    score_max: int | None = None,
    check: str = "",
) -> object:
    """Results by closing time; `date_to` inclusive; `score_max` keeps the low ones."""
    filters = selectors.ResultFilter(
        client_id=client_id,
        agent_id=agent_id,
        date_from=_start(date_from),
        date_to=_start(date_to + dt.timedelta(days=1)) if date_to else None,
        score_max=score_max,
        check_id=check,
    )
    return selectors.autoqa_result_list(request.access, filters=filters)


def _start(day: dt.date | None) -> dt.datetime | None:
    return timezone.make_aware(dt.datetime.combine(day, dt.time())) if day else None


def _rules_out(client_id: int, row: object) -> dict:
    rules = selectors.rules_of(row)  # type: ignore[arg-type]
    return {
        "client_id": client_id,
        "forbidden_words": list(rules.forbidden_words),
        "forbidden_promises": list(rules.forbidden_promises),
        "greeting_template": rules.greeting_template,
        "shop_aliases": list(rules.shop_aliases),
        "closing_phrases": list(rules.closing_phrases),
        "revision": rules.revision,
        "version": autoqa.version(rules.revision),
    }


@router.get("/quality/autoqa/rules/{client_id}", response=RulesOut)
def get_autoqa_rules(request: HttpRequest, client_id: int) -> object:
    return _rules_out(client_id, selectors.autoqa_rules_get(request.access, client_id=client_id))


@router.put("/quality/autoqa/rules/{client_id}", response=RulesOut)
def put_autoqa_rules(request: HttpRequest, client_id: int, payload: RulesIn) -> object:
    row = services.autoqa_rules_save(request.access, client_id=client_id, **payload.dict())
    return _rules_out(client_id, row)
