"""Scoped reads of intakes, cost models and quotes; reads never write.

A provider sees its own cost models, its intakes and its quotes (never another provider's: a
quote carries its provider's key, and the tenant filter only shows a provider its own rows); a
client sees its own intakes and the quotes its providers have sent it, never their drafts.
"""

from __future__ import annotations

from django.db.models import QuerySet

from kefu.core.errors import NotFound
from kefu.core.scope import Scope
from kefu.engagements.quoting.models import CostModelRecord, Intake, Quote

HIDDEN_FROM_CLIENTS = (Quote.Status.DRAFT,)


def cost_model_list(scope: Scope) -> QuerySet[CostModelRecord]:
    """A provider's own rate cards (rows without a client); clients have none."""
    if not scope.is_provider:
        return CostModelRecord.all_tenants.none()  # empty, no query: nothing to scope
    return CostModelRecord.objects.for_scope(scope).filter(provider_id=scope.provider_id, client__isnull=True)


def cost_model_get(scope: Scope, *, cost_model_id: int) -> CostModelRecord:
    row = cost_model_list(scope).filter(pk=cost_model_id).first()
    if row is None:
        raise NotFound()
    return row


def intake_list(scope: Scope) -> QuerySet[Intake]:
    return Intake.objects.for_scope(scope).select_related("client", "provider")


def intake_get(scope: Scope, *, intake_id: int, for_update: bool = False) -> Intake:
    rows = intake_list(scope).filter(pk=intake_id)
    if for_update:
        rows = rows.select_for_update(of=("self",))
    row = rows.first()
    if row is None:
        raise NotFound()
    return row


def quote_list(scope: Scope, *, intake_id: int | None = None) -> QuerySet[Quote]:
    rows = Quote.objects.for_scope(scope).select_related("intake", "provider", "client")
    if scope.is_client:
        rows = rows.exclude(status__in=HIDDEN_FROM_CLIENTS)
    if intake_id is not None:
        rows = rows.filter(intake_id=intake_id)
    return rows


def quote_get(scope: Scope, *, quote_id: int, for_update: bool = False) -> Quote:
    rows = quote_list(scope).filter(pk=quote_id)
    if for_update:
        rows = rows.select_for_update(of=("self",))
    row = rows.first()
    if row is None:
        raise NotFound()
    return row


def quote_next_version(scope: Scope, *, intake_id: int) -> int:
    """One more than the provider's highest version on the intake (drafts included: never repeated)."""
    last = Quote.objects.for_scope(scope).filter(intake_id=intake_id).order_by("-version").first()
    return (last.version if last else 0) + 1
