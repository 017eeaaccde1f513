"""Contract endpoints (`/api/engagements/contracts…`): drafts, SLA terms, approval, amendments,
the signed text (every read access-logged) and the SLA standing of a month (docs/engagements-contracts.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from kefu.analytics.metrics import timezones
from kefu.core import clock
from kefu.core.errors import Invalid
from kefu.engagements.contracts import selectors, services, standing

router = Router(tags=["contracts"])
Number = int | float | str


class ContractIn(Schema):
    engagement_id: int
    quote_id: int | None = None  # the accepted quote it is drawn up from
    title: str
    scope_of_work: str = ""
    channels: list[str] = []
    service_hours: str = ""
    seats: int = 0
    service_types: str = ""
    training_support: str = ""
    handover_method: str = ""
    quality_method: str = ""
    reporting_duties: str = ""
    payment_terms: str = "quarterly"
    monthly_fee: Number = 0
    at_risk_pct: Number | None = None
    bonus_cap_pct: Number | None = None
    confidentiality: str = ""
    data_processing: str = ""
    starts_on: str
    renews_on: str | None = None
    ends_on: str | None = None
    notice_days: int = 30
    pricing_model: str = "fixed_monthly"  # one of the pricing models (docs/engagements-billing.md)
    pricing_rates: dict[str, Number] = {}  # the model's rates; from the quote when empty


class ContractPatch(Schema):
    title: str | None = None
    scope_of_work: str | None = None
    channels: list[str] | None = None
    service_hours: str | None = None
    seats: int | None = None
    service_types: str | None = None
    training_support: str | None = None
    handover_method: str | None = None
    quality_method: str | None = None
    reporting_duties: str | None = None
    payment_terms: str | None = None
    monthly_fee: Number | None = None
    at_risk_pct: Number | None = None
    bonus_cap_pct: Number | None = None
    confidentiality: str | None = None
    data_processing: str | None = None
    starts_on: str | None = None
    renews_on: str | None = None
    ends_on: str | None = None
    notice_days: int | None = None
    pricing_model: str | None = None
    pricing_rates: dict[str, Number] | None = None


class TermIn(Schema):
    metric_id: str
    target: Number
    threshold_s: Number | None = None  # service level: X % within threshold_s (default 20)
    floor_window: str = ""
    floor_target: Number | None = None
    exclusions: str = ""
    consequence: str = "none"
    step: Number = 1
    rate_pct: Number = 0
    cap_pct: Number | None = None
    floor_rate_pct: Number = 0
    earn_back_periods: int = 0


class TermOut(Schema):
    id: int
    metric_id: str
    target: float
    threshold_s: float | None
    floor_window: str
    floor_target: float | None
    exclusions: str
    consequence: str
    step: float
    rate_pct: float
    cap_pct: float | None
    floor_rate_pct: float
    earn_back_periods: int


class ContractSummaryOut(Schema):
    id: int
    engagement_id: int
    provider_id: int
    client_id: int
    version: int
    previous_id: int | None
    status: str
    title: str
    starts_on: date
    renews_on: date | None
    ends_on: date | None
    provider_approved_at: datetime | None
    client_approved_at: datetime | None


class SignedOut(Schema):
    sha256: str
    signed_at: datetime
    document: dict[str, Any]


class ContractOut(ContractSummaryOut):
    quote_id: int | None
    scope_of_work: str
    channels: list[str]
    service_hours: str
    seats: int
    service_types: str
    training_support: str
    handover_method: str
    quality_method: str
    reporting_duties: str
    payment_terms: str
    monthly_fee: str
    at_risk_pct: str | None
    bonus_cap_pct: str | None
    confidentiality: str
    data_processing: str
    notice_days: int
    pricing_model: str
    pricing_rates: dict[str, str]
    terms: list[TermOut]
    signed: SignedOut | None

    @staticmethod
    def resolve_monthly_fee(obj: Any) -> str:
        return str(obj.monthly_fee)

    @staticmethod
    def resolve_at_risk_pct(obj: Any) -> str | None:
        return None if obj.at_risk_pct is None else str(obj.at_risk_pct)

    @staticmethod
    def resolve_bonus_cap_pct(obj: Any) -> str | None:
        return None if obj.bonus_cap_pct is None else str(obj.bonus_cap_pct)

    @staticmethod
    def resolve_terms(obj: Any) -> list[Any]:
        return selectors.term_list(obj)

    @staticmethod
    def resolve_signed(obj: Any) -> Any:
        return selectors.signed_get(obj)


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


@router.get("/engagements/contracts", response=list[ContractSummaryOut])
def list_contracts(request: HttpRequest, client: int | None = None, status: str = "") -> Any:
    return list(selectors.contract_list(request.access, client_id=client, status=status[:12]))


@router.post("/engagements/contracts", response={201: ContractOut})
def create_contract(request: HttpRequest, body: ContractIn) -> Status:
    fields = body.model_dump()
    engagement_id = fields.pop("engagement_id")
    return Status(201, services.contract_create(request.access, engagement_id=engagement_id, **fields))


@router.get("/engagements/contracts/{contract_id}", response=ContractOut)
def get_contract(request: HttpRequest, contract_id: int) -> Any:
    """A signed (or superseded) version's read lands in the client's access log."""
    return services.contract_open(
        request.access, contract_id=contract_id, purpose="text", ip_address=_ip(request)
    )


@router.patch("/engagements/contracts/{contract_id}", response=ContractOut)
def update_contract(request: HttpRequest, contract_id: int, body: ContractPatch) -> Any:
    return services.contract_update(
        request.access, contract_id=contract_id, **body.model_dump(exclude_unset=True)
    )


@router.post("/engagements/contracts/{contract_id}/terms", response={201: TermOut})
def add_term(request: HttpRequest, contract_id: int, body: TermIn) -> Status:
    return Status(201, services.term_add(request.access, contract_id=contract_id, **body.model_dump()))


@router.put("/engagements/contracts/{contract_id}/terms/{term_id}", response=TermOut)
def update_term(request: HttpRequest, contract_id: int, term_id: int, body: TermIn) -> Any:
    return services.term_update(request.access, contract_id=contract_id, term_id=term_id, **body.model_dump())


@router.delete("/engagements/contracts/{contract_id}/terms/{term_id}", response={204: None})
def remove_term(request: HttpRequest, contract_id: int, term_id: int) -> Status:
    services.term_remove(request.access, contract_id=contract_id, term_id=term_id)
    return Status(204, None)


@router.post("/engagements/contracts/{contract_id}/approve", response=ContractOut)
def approve_contract(request: HttpRequest, contract_id: int) -> Any:
    """Approve for the actor's side; the second side's approval signs the version."""
    return services.contract_approve(request.access, contract_id=contract_id)


@router.post("/engagements/contracts/{contract_id}/amend", response={201: ContractOut})
def amend_contract(request: HttpRequest, contract_id: int) -> Status:
    return Status(201, services.contract_amend(request.access, contract_id=contract_id))


@router.get("/engagements/contracts/{contract_id}/standing")
def contract_standing(request: HttpRequest, contract_id: int, month: str = "") -> dict[str, Any]:
    """Each term's target against the month's measured value (so far), met/missed, the money."""
    contract = services.contract_open(
        request.access, contract_id=contract_id, purpose="standing", ip_address=_ip(request)
    )
    today = clock.now().astimezone(timezones.client_time_zone(contract.client_id)).date()
    wanted = standing.month_of(month, today)
    if wanted is None:
        raise Invalid(_("Give a month as YYYY-MM."), field="month")
    return standing.as_json(standing.contract_standing(contract, month=wanted))
