"""Scoped reads of intakes, cost models and quotes; reads never write.

A provider sees its own cost models, its intakes and its quotes (never another provider's: a
quote carries its provider's key, and the tenant filter only shows a provider its own rows); a
client sees its own intakes and the quotes its providers have sent it, never their drafts. An
invitation from a client the provider does not serve opens one intake and the provider's own
quotes on it, nothing else (`invited_intake_ids`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from kefu.analytics.metrics import queries as metric_queries
from kefu.analytics.permissions import AnalyticsPerm
from kefu.core import clock
from kefu.core.scope import OrgKind, Scope
from kefu.core.tenancy import one_of
from kefu.engagements.directory import selectors as directory_selectors
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


# --- invitations to quote from clients a provider does not serve (proposed engagements) -----------
# A proposed engagement opens no client data (`tenancy.selectors.partner_ids` counts only active
# ones). What it opens is written here, once: to the invited provider, the intake of each open
# RFQ that invites it and its own quotes on that intake; to the client, the quotes the providers
# it invited sent on its RFQs' intakes. Nothing else of either side.
def invited_intake_ids(scope: Scope) -> frozenset[int]:
    """Intakes of open RFQs that invite this provider from a client it does not serve."""
    if not scope.is_provider or scope.organization_id is None:
        return frozenset()
    clients = tenancy_selectors.proposed_partner_ids(scope.organization_id, kind=OrgKind.PROVIDER)
    if not clients:
        return frozenset()
    rfqs = Rfq.all_tenants.filter(
        client_id__in=sorted(clients), provider__isnull=True, status=Rfq.Status.OPEN
    ).values_list("intake_id", "provider_ids")
    return frozenset(intake for intake, invited in rfqs if scope.organization_id in invited)


def _invited_quotes_q(scope: Scope) -> Q | None:
    """The extra quotes an invitation shows: a provider's own on invited intakes; a client's
    invited (not serving) providers' quotes on its own RFQs' intakes. None when there are none."""
    if scope.is_provider:
        intakes = invited_intake_ids(scope)
        return Q(provider_id=scope.organization_id, intake_id__in=sorted(intakes)) if intakes else None
    if not scope.is_client or scope.organization_id is None:
        return None
    pairs = Q()
    found = False
    rfqs = Rfq.all_tenants.filter(client_id=scope.organization_id, provider__isnull=True)
    for intake_id, invited in rfqs.values_list("intake_id", "provider_ids"):
        outside = sorted(set(invited) - scope.provider_ids)
        if outside:
            pairs |= Q(client_id=scope.organization_id, intake_id=intake_id, provider_id__in=outside)
            found = True
    return pairs if found else None


def intake_list(scope: Scope, *, to_edit: bool = False) -> QuerySet[Intake]:
    """The intakes the actor sees; an invited provider also sees the invitations' intakes (to
    read and quote, never `to_edit`)."""
    invited = frozenset() if to_edit else invited_intake_ids(scope)
    if invited:
        rows = Intake.all_tenants.filter(scope.tenant_q() | Q(pk__in=sorted(invited)))
    else:
        rows = Intake.objects.for_scope(scope)
    return rows.select_related("client", "provider")


def intake_get(scope: Scope, *, intake_id: int, for_update: bool = False, to_edit: bool = False) -> Intake:
    return one_of(intake_list(scope, to_edit=to_edit), pk=intake_id, for_update=for_update)


def _quote_rows(scope: Scope) -> QuerySet[Quote]:
    extra = _invited_quotes_q(scope)
    if extra is None:
        return Quote.objects.for_scope(scope)
    return Quote.all_tenants.filter(scope.tenant_q() | extra)


def quote_list(scope: Scope, *, intake_id: int | None = None) -> QuerySet[Quote]:
    rows = _quote_rows(scope).select_related("intake", "provider", "client")
    if scope.is_client:
        rows = rows.exclude(status__in=HIDDEN_FROM_CLIENTS)
    if intake_id is not None:
        rows = rows.filter(intake_id=intake_id)
    return rows


def quote_get(scope: Scope, *, quote_id: int, for_update: bool = False) -> Quote:
    return one_of(quote_list(scope), pk=quote_id, for_update=for_update)


def quote_next_version(scope: Scope, *, intake_id: int) -> int:
    """One more than the provider's highest version on the intake (drafts included: never repeated)."""
    last = (
        _quote_rows(scope)
        .filter(intake_id=intake_id, provider_id=scope.provider_id)
        .order_by("-version")
        .first()
    )
    return (last.version if last else 0) + 1


# --- RFQs (the client's comparison; providers never read it) ---------------------------------------
def rfq_list(scope: Scope) -> QuerySet[Rfq]:
    if not scope.is_client:
        return Rfq.all_tenants.none()  # empty, no query: only the client compares
    return Rfq.objects.for_scope(scope).select_related("intake", "chosen_quote")


def rfq_get(scope: Scope, *, rfq_id: int, for_update: bool = False) -> Rfq:
    return one_of(rfq_list(scope), pk=rfq_id, for_update=for_update)


def provider_choices(scope: Scope) -> list[tuple[int, str]]:
    """The providers serving the client (active engagements)."""
    organizations = tenancy_selectors.organization_list(scope).filter(kind=OrgKind.PROVIDER)
    return [(o.pk, o.name) for o in organizations if o.pk in scope.provider_ids]


def invitable_providers(scope: Scope) -> dict[int, tuple[str, bool]]:
    """The providers a client may invite to an RFQ, by id: (name, serving). Those serving it,
    and the providers listed in the directory (a listed provider it does not serve yet gets a
    proposed engagement when invited)."""
    found = {pk: (name, True) for pk, name in provider_choices(scope)}
    for pk, name in directory_selectors.listed_provider_ids(scope).items():
        found.setdefault(pk, (name, False))
    return found


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
    names = tenancy_selectors.engagement_partner_names(scope)
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
