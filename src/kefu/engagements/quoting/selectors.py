"""Scoped reads of intakes, cost models and quotes; reads never write.

A provider sees its own cost models, its intakes and its quotes (never another provider's: a
quote carries its provider's key, and the tenant filter only shows a provider its own rows); a
client sees its own intakes and the quotes its providers have sent it, never their drafts.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet

from kefu.analytics.metrics import queries as metric_queries
from kefu.analytics.permissions import AnalyticsPerm
from kefu.core import clock
from kefu.core.scope import OrgKind, Scope
from kefu.core.tenancy import one_of
from kefu.engagements.quoting import comparison
from kefu.engagements.quoting.models import CostModelRecord, Intake, Quote, Rfq
from kefu.tenancy import selectors as tenancy_selectors

HIDDEN_FROM_CLIENTS = (Quote.Status.DRAFT,)


def cost_model_list(scope: Scope) -> QuerySet[CostModelRecord]:
    """A provider's own rate cards (rows without a client); clients have none."""
    if not scope.is_provider:
        return CostModelRecord.all_tenants.none()  # empty, no query: nothing to scope
    return CostModelRecord.objects.for_scope(scope).filter(provider_id=scope.provider_id, client__isnull=True)


def cost_model_get(scope: Scope, *, cost_model_id: int) -> CostModelRecord:
    return one_of(cost_model_list(scope), pk=cost_model_id)


def intake_list(scope: Scope) -> QuerySet[Intake]:
    return Intake.objects.for_scope(scope).select_related("client", "provider")


def intake_get(scope: Scope, *, intake_id: int, for_update: bool = False) -> Intake:
    return one_of(intake_list(scope), pk=intake_id, for_update=for_update)


def quote_list(scope: Scope, *, intake_id: int | None = None) -> QuerySet[Quote]:
    rows = Quote.objects.for_scope(scope).select_related("intake", "provider", "client")
    if scope.is_client:
        rows = rows.exclude(status__in=HIDDEN_FROM_CLIENTS)
    if intake_id is not None:
        rows = rows.filter(intake_id=intake_id)
    return rows


def quote_get(scope: Scope, *, quote_id: int, for_update: bool = False) -> Quote:
    return one_of(quote_list(scope), pk=quote_id, for_update=for_update)


def quote_next_version(scope: Scope, *, intake_id: int) -> int:
    """One more than the provider's highest version on the intake (drafts included: never repeated)."""
    last = Quote.objects.for_scope(scope).filter(intake_id=intake_id).order_by("-version").first()
    return (last.version if last else 0) + 1


# --- RFQs (the client's comparison; providers never read it) ---------------------------------------
def rfq_list(scope: Scope) -> QuerySet[Rfq]:
    if not scope.is_client:
        return Rfq.all_tenants.none()  # empty, no query: only the client compares
    return Rfq.objects.for_scope(scope).select_related("intake", "chosen_quote")


def rfq_get(scope: Scope, *, rfq_id: int, for_update: bool = False) -> Rfq:
    return one_of(rfq_list(scope), pk=rfq_id, for_update=for_update)


def provider_choices(scope: Scope) -> list[tuple[int, str]]:
    """The providers a client may invite: those serving it (a prospective provider needs an
    engagement first; see docs/engagements-quotes.md)."""
    organizations = tenancy_selectors.organization_list(scope).filter(kind=OrgKind.PROVIDER)
    return [(o.pk, o.name) for o in organizations if o.pk in scope.provider_ids]


def _measured_service_level(provider_id: int, client_id: int, today: date) -> float | None:
    """The provider's measured service level for this client over the last 30 days (metric
    dictionary id `service_level`), read as that provider–client pair; None without contacts."""
    pair = Scope.of_tenant(
        provider_id=provider_id,
        client_id=client_id,
        permissions=frozenset({AnalyticsPerm.VIEW_METRICS, AnalyticsPerm.VIEW_TEAM_METRICS}),
        role="system",
    )
    query = metric_queries.metric_query(
        pair,
        metric_id="service_level",
        client_id=client_id,
        date_from=today - timedelta(days=30),
        date_to=today - timedelta(days=1),
    )
    result = metric_queries.metric_value(pair, query, median=False).result
    if result.value is None or result.count == 0:
        return None
    return float(result.value) / 100 if query.metric.unit == "%" else float(result.value)


def rfq_comparison(scope: Scope, rfq: Rfq) -> list[dict[str, Any]]:
    """One row per invited provider: its latest quote on the intake, the compared option, the
    client's ratings, its measured record, the weighted scores and the rank."""
    names = dict(provider_choices(scope))
    target = float(rfq.intake.data.get("quality_targets", {}).get("service_level", 0.8))
    latest: dict[int, Quote] = {}
    for quote in quote_list(scope, intake_id=rfq.intake_id).order_by("-version"):
        if quote.provider_id is not None and quote.status != Quote.Status.SUPERSEDED:
            latest.setdefault(quote.provider_id, quote)
    today = clock.now().date()
    rows, candidates = [], []
    for provider_id in rfq.provider_ids:
        quote = latest.get(provider_id)
        option = comparison.compared_option(quote.result.get("options", []), target) if quote else None
        ratings = rfq.assessments.get(str(provider_id), {})
        measured = _measured_service_level(provider_id, rfq.client_id, today)
        candidates.append(
            comparison.Candidate(
                key=provider_id,
                monthly_price=float(option["prices"]["seat_month"]["monthly"]) if option else None,
                service_level=option.get("expected_service_level") if option else None,
                qualifications=ratings.get("qualifications"),
                references=ratings.get("references"),
                security=ratings.get("security"),
                measured=measured,
            )
        )
        rows.append(
            {
                "provider_id": provider_id,
                "provider": names.get(provider_id, "—"),
                "quote": quote,
                "option": option,
                "ratings": ratings,
                "measured": measured,
            }
        )
    scored = {s.key: s for s in comparison.score(candidates, rfq.weights or comparison.DEFAULT_WEIGHTS)}
    for row in rows:
        row["scored"] = scored[row["provider_id"]]
    return sorted(rows, key=lambda r: (r["scored"].rank is None, r["scored"].rank or 0))
