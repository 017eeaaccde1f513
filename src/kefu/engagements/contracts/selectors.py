"""Reads of contracts, SLA terms and reminders, always scoped (others' ids are 404).

Reading a *signed* contract is an access-logged event: the interfaces open one through
`services.contract_open`, which records the read and then calls these selectors (selectors
never write).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kefu.analytics.metrics import queries
from kefu.analytics.metrics.dictionary import Metric
from kefu.core.errors import NotFound
from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.engagements.contracts.models import (
    Contract,
    ContractReminder,
    ContractStatus,
    SignedContract,
    SlaTerm,
)
from kefu.engagements.permissions import EngagementPerm
from kefu.engagements.quoting import selectors as quoting_selectors
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy.models import Engagement


def contract_list(
    scope: Scope, *, client_id: int | None = None, status: str = "", engagement_id: int | None = None
) -> QuerySet[Contract]:
    scope.require(EngagementPerm.CONTRACT_VIEW)
    contracts = Contract.objects.for_scope(scope).select_related("provider", "client")
    if client_id is not None:
        contracts = contracts.filter(client_id=client_id)
    if status:
        contracts = contracts.filter(status=status)
    if engagement_id is not None:
        contracts = contracts.filter(engagement_id=engagement_id)
    return contracts.order_by("client__name", "provider__name", "-version", "-id")


def contract_get(scope: Scope, *, contract_id: int, for_update: bool = False) -> Contract:
    return one_of(contract_list(scope), pk=contract_id, for_update=for_update)


def term_list(contract: Contract) -> list[SlaTerm]:
    """The terms of a contract the caller already holds (read through its scoped getter)."""
    return list(contract.terms.order_by("position", "id"))


def term_get(scope: Scope, *, contract: Contract, term_id: int) -> SlaTerm:
    return one_of(SlaTerm.objects.for_scope(scope), contract=contract, pk=term_id)


def signed_get(contract: Contract) -> SignedContract | None:
    return SignedContract.all_tenants.filter(contract_id=contract.pk).first()


def versions(scope: Scope, *, contract: Contract) -> list[Contract]:
    """Every version of the contract's engagement, newest first (amendments are new versions)."""
    return list(contract_list(scope, engagement_id=contract.engagement_id).order_by("-version", "-id"))


def open_draft(scope: Scope, *, engagement_id: int) -> Contract | None:
    return contract_list(scope, engagement_id=engagement_id, status=ContractStatus.DRAFT).first()


def reminder_list(scope: Scope, *, contract: Contract) -> QuerySet[ContractReminder]:
    return ContractReminder.objects.for_scope(scope).filter(contract=contract).order_by("due_on", "id")


def engagement_choices(scope: Scope) -> list[tuple[int, str]]:
    """The engagements the actor may draft a contract for (a provider's own)."""
    engagements = tenancy_selectors.engagement_list(scope).order_by("client__name", "provider__name")
    return [(e.pk, f"{e.provider.name} → {e.client.name}") for e in engagements]


def accepted_quote_choices(scope: Scope) -> list[tuple[int, str]]:
    """The accepted quotes a contract may be drawn up from (the provider's own, with a client)."""
    quotes = quoting_selectors.quote_list(scope).filter(status="accepted", client__isnull=False)
    return [
        (q.pk, f"{q.client.name} · {q.intake.title} · v{q.version} · {q.accepted_seats}")
        for q in quotes.order_by("-decided_at")
    ]


def engagement_get(scope: Scope, *, engagement_id: int) -> Engagement:
    engagement = tenancy_selectors.engagement_list(scope).filter(pk=engagement_id).first()
    if engagement is None:
        raise NotFound(_("Unknown engagement."), field="engagement_id")
    return engagement


def metric_choices() -> list[Metric]:
    """The metrics a term may name: those of the dictionary that Kefu can measure today."""
    return [m for m in queries.metric_list() if m.available]


def metric_get(metric_id: str) -> Metric | None:
    return next((m for m in metric_choices() if m.id == metric_id), None)


@dataclass(frozen=True)
class Due:
    """A signed, current contract whose renewal or termination date is close (the reminder job)."""

    contract: Contract
    kind: str


def signed_current_all() -> list[Contract]:
    """Every signed (not superseded) contract, across tenants: the reminder job's system read."""
    return list(
        Contract.all_tenants.filter(status=ContractStatus.SIGNED).select_related("provider", "client")
    )


def contract_in_force(scope: Scope, *, engagement_id: int) -> Contract | None:
    """The signed version in force for an engagement (reviews and billing read this)."""
    return contract_list(scope, engagement_id=engagement_id, status=ContractStatus.SIGNED).first()
