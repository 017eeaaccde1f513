"""The quoting JSON API: intakes, the provider's cost models, quote versions and their answers,
and a client's requests for quotes. Thin over `services` and `selectors` (every rule is there,
shared with the pages and `kefu quote`); errors are the API's one shape (`config/api.py`).

A provider sees its own cost models, intakes and quotes; a client sees its own intakes, the
quotes its providers have sent it (never drafts) and its own RFQs (docs/engagements-quotes.md).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from kefu.engagements.quoting import selectors, services
from kefu.engagements.quoting.models import Rfq
from kefu.engagements.quoting.schemas import (
    QuoteAcceptIn,
    QuoteCostModelIn,
    QuoteCostModelOut,
    QuoteCreateIn,
    QuoteDeclineIn,
    QuoteIntakeIn,
    QuoteIntakeOut,
    QuoteIntakeUpdateIn,
    QuoteOut,
    QuoteRfqDecideIn,
    QuoteRfqDetailOut,
    QuoteRfqIn,
    QuoteRfqOut,
    QuoteRfqWeighIn,
)

router = Router(tags=["quotes"])


# --- intakes -------------------------------------------------------------------------------------
@router.get("/quote-intakes", response=list[QuoteIntakeOut])
@paginate(PageNumberPagination, page_size=50)
def list_intakes(request: HttpRequest) -> Any:
    return selectors.intake_list(request.access)


@router.post("/quote-intakes", response={201: QuoteIntakeOut})
def create_intake(request: HttpRequest, body: QuoteIntakeIn) -> Status:
    made = services.intake_create(request.access, title=body.title, data=body.data, client_id=body.client_id)
    return Status(201, made)


@router.get("/quote-intakes/{intake_id}", response=QuoteIntakeOut)
def get_intake(request: HttpRequest, intake_id: int) -> Any:
    return selectors.intake_get(request.access, intake_id=intake_id)


@router.put("/quote-intakes/{intake_id}", response=QuoteIntakeOut)
def update_intake(request: HttpRequest, intake_id: int, body: QuoteIntakeUpdateIn) -> Any:
    """Only while the intake is being filled in: a quoted intake answers 409."""
    return services.intake_update(request.access, intake_id=intake_id, title=body.title, data=body.data)


# --- cost models ---------------------------------------------------------------------------------
@router.get("/quote-cost-models", response=list[QuoteCostModelOut])
def list_cost_models(request: HttpRequest) -> Any:
    return list(selectors.cost_model_list(request.access))


@router.post("/quote-cost-models", response={201: QuoteCostModelOut})
def create_cost_model(request: HttpRequest, body: QuoteCostModelIn) -> Status:
    return Status(201, services.cost_model_save(request.access, name=body.name, data=body.data))


@router.get("/quote-cost-models/{cost_model_id}", response=QuoteCostModelOut)
def get_cost_model(request: HttpRequest, cost_model_id: int) -> Any:
    return selectors.cost_model_get(request.access, cost_model_id=cost_model_id)


@router.put("/quote-cost-models/{cost_model_id}", response=QuoteCostModelOut)
def update_cost_model(request: HttpRequest, cost_model_id: int, body: QuoteCostModelIn) -> Any:
    return services.cost_model_save(
        request.access, name=body.name, data=body.data, cost_model_id=cost_model_id
    )


# --- quotes --------------------------------------------------------------------------------------
@router.get("/quotes", response=list[QuoteOut])
@paginate(PageNumberPagination, page_size=50)
def list_quotes(request: HttpRequest, intake_id: int | None = None) -> Any:
    """The caller's quotes, newest version first per intake; `intake_id` narrows to one intake."""
    return selectors.quote_list(request.access, intake_id=intake_id)


@router.post("/quotes", response={201: QuoteOut})
def create_quote(request: HttpRequest, body: QuoteCreateIn) -> Status:
    """A new version on an intake, priced with one of the provider's own cost models (a draft)."""
    quote = services.quote_create(
        request.access,
        intake_id=body.intake_id,
        cost_model_id=body.cost_model_id,
        options=body.options,
        note=body.note,
    )
    return Status(201, quote)


@router.get("/quotes/{quote_id}", response=QuoteOut)
def get_quote(request: HttpRequest, quote_id: int) -> Any:
    return selectors.quote_get(request.access, quote_id=quote_id)


@router.post("/quotes/{quote_id}/send", response=QuoteOut)
def send_quote(request: HttpRequest, quote_id: int) -> Any:
    return services.quote_send(request.access, quote_id=quote_id)


@router.post("/quotes/{quote_id}/accept", response=QuoteOut)
def accept_quote(request: HttpRequest, quote_id: int, body: QuoteAcceptIn) -> Any:
    return services.quote_decide(
        request.access, quote_id=quote_id, accept=True, seats=body.seats, reason=body.reason
    )


@router.post("/quotes/{quote_id}/decline", response=QuoteOut)
def decline_quote(request: HttpRequest, quote_id: int, body: QuoteDeclineIn) -> Any:
    return services.quote_decide(request.access, quote_id=quote_id, accept=False, reason=body.reason)


@router.get("/quotes/{quote_id}/pdf", url_name="quote_pdf")
def quote_pdf(request: HttpRequest, quote_id: int) -> HttpResponse:
    """The quote as the Chinese PDF the client receives (the same file as the page's download)."""
    from kefu.engagements.quoting import pdf  # WeasyPrint loads on use only

    quote = selectors.quote_get(request.access, quote_id=quote_id)
    response = HttpResponse(pdf.quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="quote-{quote.pk}-v{quote.version}.pdf"'
    return response


# --- requests for quotes (the client's) ----------------------------------------------------------
def _rfq_detail(request: HttpRequest, rfq: Rfq) -> dict[str, Any]:
    rows = selectors.rfq_comparison(request.access, rfq)
    out = QuoteRfqOut.from_orm(rfq).dict()
    out["comparison"] = [
        {
            "provider_id": row["provider_id"],
            "provider": row["provider"],
            "quote_id": row["quote"].pk if row["quote"] else None,
            "option": row["option"],
            "ratings": row["ratings"],
            "measured_service_level": row["measured"],
            "scores": row["scored"].scores,
            "total": row["scored"].total,
            "rank": row["scored"].rank,
        }
        for row in rows
    ]
    return out


@router.get("/quote-rfqs", response=list[QuoteRfqOut])
def list_rfqs(request: HttpRequest) -> Any:
    return list(selectors.rfq_list(request.access))


@router.post("/quote-rfqs", response={201: QuoteRfqOut})
def create_rfq(request: HttpRequest, body: QuoteRfqIn) -> Status:
    """Invite providers serving the client to quote on one of its own intakes."""
    rfq = services.rfq_create(
        request.access, intake_id=body.intake_id, provider_ids=body.provider_ids, title=body.title
    )
    return Status(201, rfq)


@router.get("/quote-rfqs/{rfq_id}", response=QuoteRfqDetailOut)
def get_rfq(request: HttpRequest, rfq_id: int) -> Any:
    """The RFQ with its comparison: one row per invited provider, ranked by the client's weights."""
    return _rfq_detail(request, selectors.rfq_get(request.access, rfq_id=rfq_id))


@router.put("/quote-rfqs/{rfq_id}/weights", response=QuoteRfqDetailOut)
def weigh_rfq(request: HttpRequest, rfq_id: int, body: QuoteRfqWeighIn) -> Any:
    rfq = services.rfq_weigh(request.access, rfq_id=rfq_id, weights=body.weights, ratings=body.ratings)
    return _rfq_detail(request, rfq)


@router.post("/quote-rfqs/{rfq_id}/decide", response=QuoteRfqDetailOut)
def decide_rfq(request: HttpRequest, rfq_id: int, body: QuoteRfqDecideIn) -> Any:
    """Accept one provider's quote with the chosen seats; the other sent quotes are declined."""
    rfq = services.rfq_decide(
        request.access, rfq_id=rfq_id, quote_id=body.quote_id, seats=body.seats, reason=body.reason
    )
    return _rfq_detail(request, rfq)
