"""Reads of auto-QA: results for the inspector's list, one conversation's result, a client's rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from kefu.core.errors import NotFound
from kefu.core.roles import Role
from kefu.core.scope import Scope
from kefu.desk import selectors as desk_selectors
from kefu.desk.permissions import DeskPerm
from kefu.quality import autoqa
from kefu.quality.autoqa_permissions import AutoQaPerm
from kefu.quality.models_autoqa import AutoQaFinding, AutoQaResult, AutoQaRules


@dataclass(frozen=True)
class ResultFilter:
    client_id: int | None = None
    agent_id: int | None = None
    date_from: dt.datetime | None = None  # finished at or after
    date_to: dt.datetime | None = None  # finished before
    score_max: int | None = None
    check_id: str = ""


def autoqa_result_list(scope: Scope, *, filters: ResultFilter | None = None) -> QuerySet[AutoQaResult]:
    """Results the actor may see; an agent sees the results of their own conversations."""
    scope.require(AutoQaPerm.VIEW)
    queryset = AutoQaResult.objects.for_scope(scope).select_related("agent", "client", "conversation")
    if scope.role == Role.AGENT:
        queryset = queryset.filter(agent_id=scope.user_id)
    f = filters or ResultFilter()
    if f.client_id is not None:
        queryset = queryset.filter(client_id=f.client_id)
    if f.agent_id is not None:
        queryset = queryset.filter(agent_id=f.agent_id)
    if f.date_from is not None:
        queryset = queryset.filter(finished_at__gte=f.date_from)
    if f.date_to is not None:
        queryset = queryset.filter(finished_at__lt=f.date_to)
    if f.score_max is not None:
        queryset = queryset.filter(score__lte=f.score_max)
    if f.check_id:
        queryset = queryset.filter(findings__check_id=f.check_id).distinct()
    return queryset


def autoqa_result_for(scope: Scope, *, conversation_id: int) -> AutoQaResult | None:
    """The conversation's latest result (None: not inspected yet); 404 if the conversation is
    not the actor's to see."""
    scope.require(AutoQaPerm.VIEW)
    desk_selectors.conversation_get(scope, conversation_id=conversation_id)
    return AutoQaResult.objects.for_scope(scope).filter(conversation_id=conversation_id).first()


def autoqa_finding_list(result: AutoQaResult) -> list[AutoQaFinding]:
    return list(result.findings.all())


def autoqa_rules_row(scope: Scope, *, client_id: int) -> AutoQaRules | None:
    if client_id not in scope.client_ids:
        raise NotFound()
    return (
        AutoQaRules.objects.for_scope(scope)
        .filter(client_id=client_id, provider_id=scope.provider_id)
        .first()
    )


def autoqa_rules_get(scope: Scope, *, client_id: int) -> AutoQaRules | None:
    """A client's stored rules for the viewer; None: the defaults apply."""
    scope.require(AutoQaPerm.VIEW)
    return autoqa_rules_row(scope, client_id=client_id)


def rules_of(row: AutoQaRules | None) -> autoqa.Rules:
    """The core's rules from a stored row (the defaults without one)."""
    if row is None:
        return autoqa.Rules()
    return autoqa.Rules(
        forbidden_words=tuple(row.forbidden_words),
        forbidden_promises=tuple(row.forbidden_promises),
        greeting_template=row.greeting_template,
        shop_aliases=tuple(row.shop_aliases),
        closing_phrases=tuple(row.closing_phrases),
        revision=row.revision,
    )


def rules_for_conversation(provider_id: int | None, client_id: int | None) -> autoqa.Rules:
    """Rules of the tenant a conversation belongs to; unscoped on purpose: the caller already
    holds the conversation through its scope."""
    row = AutoQaRules.all_tenants.filter(provider_id=provider_id, client_id=client_id).first()
    return rules_of(row)


def rules_for_client(client_id: int) -> autoqa.Rules:
    """For the operator's `kefu qa check --client`: the client's rules as its first provider keeps
    them (the defaults without any)."""
    row = AutoQaRules.all_tenants.filter(client_id=client_id).order_by("provider_id").first()
    return rules_of(row)


def autoqa_agent_choices(scope: Scope) -> list[tuple[int, str]]:
    """Agents who have results the actor sees, for the list's filter."""
    rows = (
        autoqa_result_list(scope)
        .exclude(agent__isnull=True)
        .order_by()
        .values_list("agent_id", "agent__display_name", "agent__username")
        .distinct()
    )
    return sorted({(pk, name or username) for pk, name, username in rows}, key=lambda pair: pair[1])


@dataclass(frozen=True)
class Coverage:
    """How many conversations closed in a window and how many of them are inspected."""

    closed: int
    inspected: int


def autoqa_coverage(scope: Scope, *, start: dt.datetime, end: dt.datetime) -> Coverage | None:
    """Conversations closed in [start, end) and how many of them have a result; None for an agent
    (their list is their own; coverage is the inspector's figure) or an actor who cannot list
    conversations."""
    if scope.role == Role.AGENT or not scope.has(DeskPerm.VIEW):
        return None
    closed = desk_selectors.conversation_list(scope).filter(
        status__in=("resolved", "closed"), resolved_at__gte=start, resolved_at__lt=end
    )
    results = AutoQaResult.objects.for_scope(scope).filter(conversation_id=OuterRef("pk"))
    return Coverage(closed=closed.count(), inspected=closed.filter(Exists(results)).count())
