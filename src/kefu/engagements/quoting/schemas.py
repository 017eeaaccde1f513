"""Bodies of the quoting API (`quoting/api.py`). Names start with `Quote` so they never share an
OpenAPI component with another app's schema. An intake's and a cost model's `data` are the JSON
that `kefu quote` reads (`quoting.intake`); the services check them, so the schemas do not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from ninja import Field, Schema


class QuoteIntakeIn(Schema):
    title: str = Field("", max_length=160, description="Defaults to the intake's client_name.")
    data: dict[str, Any] = Field(..., description="The intake (docs/engagements-quotes.md).")
    client_id: int | None = Field(
        None, description="A provider's intake for one of its clients; omit for a prospect not in Kefu."
    )


class QuoteIntakeUpdateIn(Schema):
    title: str = Field("", max_length=160)
    data: dict[str, Any]


class QuoteIntakeOut(Schema):
    id: int
    title: str
    status: str
    provider_id: int | None
    client_id: int | None
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class QuoteCostModelIn(Schema):
    name: str = Field(..., max_length=120)
    data: dict[str, Any] = Field(..., description="Rates per seat-month and margin.")


class QuoteCostModelOut(Schema):
    id: int
    name: str
    data: dict[str, Any]
    updated_at: datetime


class QuoteCreateIn(Schema):
    intake_id: int
    cost_model_id: int
    options: list[int] | None = Field(None, description="Seats per option; omit for the estimate's own.")
    note: str = Field("", max_length=4000)


class QuoteOut(Schema):
    id: int
    intake_id: int
    provider_id: int | None
    client_id: int | None
    version: int
    status: str
    note: str
    accepted_seats: int | None
    decision_reason: str
    cost_model: dict[str, Any]
    result: dict[str, Any]
    created_at: datetime
    sent_at: datetime | None
    decided_at: datetime | None
    pdf_url: str

    @staticmethod
    def resolve_pdf_url(obj: Any) -> str:
        return reverse("api:quote_pdf", kwargs={"quote_id": obj.pk})


class QuoteAcceptIn(Schema):
    seats: int | None = Field(None, description="The chosen option's seats; may be omitted if there is one.")
    reason: str = Field("", max_length=4000)


class QuoteDeclineIn(Schema):
    reason: str = Field(..., max_length=4000)


class QuoteRfqIn(Schema):
    intake_id: int = Field(..., description="One of the client's own intakes.")
    provider_ids: list[int] = Field(..., description="Providers serving the client, invited to quote.")
    title: str = Field("", max_length=160)


class QuoteRfqWeighIn(Schema):
    weights: dict[str, int] = Field(..., description="0–100 per criterion (price, service_level, …).")
    ratings: dict[int, dict[str, int]] = Field(
        default_factory=dict, description="Per invited provider id: qualifications, references, security 0–5."
    )


class QuoteRfqDecideIn(Schema):
    quote_id: int
    seats: int
    reason: str = Field(..., max_length=4000)


class QuoteRfqOut(Schema):
    id: int
    intake_id: int
    client_id: int
    title: str
    status: str
    provider_ids: list[int]
    weights: dict[str, Any]
    assessments: dict[str, Any]
    chosen_quote_id: int | None
    decision_reason: str
    created_at: datetime
    decided_at: datetime | None


class QuoteRfqRowOut(Schema):
    """One invited provider in the comparison, best rank first."""

    provider_id: int
    provider: str
    quote_id: int | None
    option: dict[str, Any] | None
    ratings: dict[str, Any]
    measured_service_level: float | None
    scores: dict[str, float | None]
    total: float | None
    rank: int | None


class QuoteRfqDetailOut(QuoteRfqOut):
    comparison: list[QuoteRfqRowOut]
