"""Writes of auto-QA: inspect conversations (on demand, and every closed one by the nightly-style
job), store the result apart from human reviews, and keep each client's rules.

A result remembers the rules version and the conversation's last message seq; the job inspects a
closed conversation again only when one of them changed, so each closed conversation is inspected
once per rules version, however often the job runs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.models import EventType
from kefu.core import clock
from kefu.core.errors import Invalid, NotFound
from kefu.core.scope import OrgKind, Scope
from kefu.desk import selectors as desk_selectors
from kefu.desk.permissions import DeskPerm
from kefu.quality import autoqa
from kefu.quality import autoqa_selectors as selectors
from kefu.quality.autoqa_permissions import AutoQaPerm
from kefu.quality.models_autoqa import AutoQaFinding, AutoQaResult, AutoQaRules
from kefu.tenancy import selectors as tenancy_selectors

if TYPE_CHECKING:
    from kefu.desk.models import Conversation, Message

FINISHED = ("resolved", "closed")
BATCH = 200
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


# --- the core's input from stored rows -------------------------------------------------------
def _author(direction: str, author_id: int | None) -> tuple[autoqa.Direction, autoqa.Author]:
    if direction == "in":
        return autoqa.Direction.IN, autoqa.Author.CUSTOMER
    if direction == "note":
        return autoqa.Direction.NOTE, autoqa.Author.SYSTEM
    # an outbound message nobody signed in wrote: an auto-reply or a channel's prompt
    return autoqa.Direction.OUT, autoqa.Author.AGENT if author_id else autoqa.Author.BOT


def sla_of(client_id: int | None, channel: str) -> autoqa.Sla:
    """The client's response targets for the channel (none without a policy)."""
    policy = desk_selectors.sla_policy_for(client_id, channel) if client_id else None
    if policy is None:
        return autoqa.Sla()
    return autoqa.Sla(first_response_s=policy.first_response_s, next_response_s=policy.next_response_s)


def conversation_input(
    conversation: Conversation, messages: Sequence[Message], rules: autoqa.Rules, sla: autoqa.Sla
) -> autoqa.Conversation:
    """A stored conversation as the core reads it (shop: the client's name; agent: the assignee)."""
    assignee = conversation.assignee
    items = []
    for m in messages:
        direction, author = _author(m.direction, m.author_id)
        items.append(
            autoqa.Message(
                direction=direction,
                author=author,
                text=m.body,
                at=m.created_at,
                redacted=tuple(m.redactions or ()) if direction == autoqa.Direction.OUT else (),
            )
        )
    return autoqa.Conversation(
        messages=tuple(items),
        shop_name=conversation.client.name if conversation.client_id else "",
        agent_name=str(assignee) if assignee is not None else "",
        rules=rules,
        sla=sla,
    )


# --- storing ----------------------------------------------------------------------------------
def _store(
    conversations: Sequence[Conversation], messages: dict[int, list[Message]], *, trigger: str
) -> list[AutoQaResult]:
    """Inspect and replace the results of these conversations (one transaction, a few queries)."""
    now = clock.now()
    rules_cache: dict[tuple[int | None, int | None], autoqa.Rules] = {}
    sla_cache: dict[tuple[int | None, str], autoqa.Sla] = {}  # a batch holds a few clients
    results: list[AutoQaResult] = []
    findings: list[tuple[AutoQaResult, autoqa.Finding, list[int]]] = []
    for c in conversations:
        key = (c.provider_id, c.client_id)
        if key not in rules_cache:
            rules_cache[key] = selectors.rules_for_conversation(*key)
        thread = messages.get(c.pk, [])
        if not thread:
            continue
        sla_key = (c.client_id, c.channel)
        if sla_key not in sla_cache:
            sla_cache[sla_key] = sla_of(*sla_key)
        outcome = autoqa.inspect_conversation(
            conversation_input(c, thread, rules_cache[key], sla_cache[sla_key])
        )
        seqs = [m.seq for m in thread]
        row = AutoQaResult(
            provider_id=c.provider_id,
            client_id=c.client_id,
            conversation_id=c.pk,
            agent_id=c.assignee_id,
            score=outcome.score,
            rules_version=outcome.version,
            message_seq=c.last_message_seq,
            findings_count=len(outcome.findings),
            critical_count=sum(f.severity == autoqa.Severity.CRITICAL for f in outcome.findings),
            sentiment=[
                {"seq": seqs[p.message_index], "label": p.label, "score": p.score} for p in outcome.sentiment
            ],
            finished_at=c.resolved_at,
            run_at=now,
            trigger=trigger,
        )
        results.append(row)
        findings += [(row, f, seqs) for f in outcome.findings]
    ids = [c.pk for c in conversations]
    for attempt in (1, 2):  # a run on demand and the job may store the same conversation at once
        try:
            _replace(ids, results, findings, {c.pk: c for c in conversations})
            break
        except IntegrityError:
            if attempt == 2:
                raise
            for row in results:
                row.pk = None
    return results


@transaction.atomic
def _replace(
    ids: list[int],
    results: list[AutoQaResult],
    findings: list[tuple[AutoQaResult, autoqa.Finding, list[int]]],
    conversations: dict[int, Conversation],
) -> None:
    AutoQaResult.all_tenants.filter(conversation_id__in=ids).delete()  # the ids came through a scope
    AutoQaResult.objects.bulk_create(results)
    for row in results:  # `autoqa_score` is computed from these (never mixed with human scores)
        events.emit(
            None,
            EventType.AUTOQA_SCORED,
            conversation=conversations[row.conversation_id],
            at=row.run_at,
            agent_id=row.agent_id,
            data={"score": row.score, "findings": row.findings_count, "critical": row.critical_count},
        )
    AutoQaFinding.objects.bulk_create(
        [
            AutoQaFinding(
                provider_id=row.provider_id,
                client_id=row.client_id,
                result=row,
                check_id=f.check,
                severity=str(f.severity),
                message_seq=seqs[f.message_index],
                start=f.start,
                end=f.end,
                evidence=f.evidence[:200],
                params=dict(f.params),
            )
            for row, f, seqs in findings
        ]
    )


def _threads(conversations: Iterable[Conversation]) -> dict[int, list[Message]]:
    return {c.pk: list(c.messages.all()) for c in conversations}


def autoqa_run(scope: Scope, *, conversation_id: int) -> AutoQaResult:
    """Inspect one conversation now (any status: a lead may look at a running chat)."""
    scope.require(AutoQaPerm.RUN)
    conversation = (
        desk_selectors.conversation_list(scope)
        .select_related("client")
        .prefetch_related("messages")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFound()
    stored = _store([conversation], _threads([conversation]), trigger="demand")
    if not stored:
        raise Invalid(_("This conversation has no messages to inspect."))
    return stored[0]


# --- every closed conversation ------------------------------------------------------------------
def autoqa_due(scope: Scope, *, since: dt.datetime) -> list[int]:
    """Closed conversations of the scope not yet inspected with their client's current rules, or
    changed since (a reopened conversation has new messages)."""
    scope.require(AutoQaPerm.RUN)
    due: list[int] = []
    finished = (
        desk_selectors.conversation_list(scope)
        .filter(status__in=FINISHED)
        .filter(Q(resolved_at__gte=since) | Q(resolved_at__isnull=True, created_at__gte=since))
    )
    for client_id in sorted(scope.client_ids):
        version = autoqa.version(selectors.rules_for_conversation(scope.provider_id, client_id).revision)
        current = AutoQaResult.objects.for_scope(scope).filter(
            conversation_id=OuterRef("pk"), rules_version=version, message_seq=OuterRef("last_message_seq")
        )
        due += (
            finished.filter(client_id=client_id, provider_id=scope.provider_id)
            .exclude(Exists(current))
            .order_by("resolved_at", "pk")
            .values_list("pk", flat=True)
        )
    return due


def autoqa_run_due(scope: Scope, *, since: dt.datetime, limit: int | None = None) -> int:
    """Inspect what `autoqa_due` lists, in batches; returns how many were inspected."""
    due = autoqa_due(scope, since=since)[:limit]
    done = 0
    for start in range(0, len(due), BATCH):
        batch = list(
            desk_selectors.conversation_list(scope)
            .select_related("client")
            .prefetch_related("messages")
            .filter(pk__in=due[start : start + BATCH])
        )
        done += len(_store(batch, _threads(batch), trigger="job"))
    return done


def job_scopes() -> list[Scope]:
    """A system scope per provider (over its clients) and per client for its own conversations."""
    permissions = frozenset({DeskPerm.VIEW, AutoQaPerm.RUN, AutoQaPerm.VIEW})
    scopes = []
    for organization in tenancy_selectors.organization_list_all():
        partners = tenancy_selectors.partner_ids(organization)
        if organization.kind == OrgKind.PROVIDER:
            scopes.append(
                Scope.system(provider_id=organization.pk, client_ids=partners, permissions=permissions)
            )
        elif organization.kind == OrgKind.CLIENT:
            scopes.append(
                Scope.of_tenant(
                    provider_id=None, client_id=organization.pk, permissions=permissions, role="system"
                )
            )
    return scopes


def inspect_closed() -> str:
    """The periodic job (`KEFU_PERIODIC_JOBS["quality.autoqa"]`): every closed conversation of the
    look-back window not inspected with the current rules, for every tenant."""
    since = clock.now() - dt.timedelta(days=settings.KEFU_AUTOQA_LOOKBACK_DAYS)
    limit = settings.KEFU_AUTOQA_MAX_PER_RUN
    inspected = 0
    for scope in job_scopes():
        inspected += autoqa_run_due(scope, since=since, limit=max(0, limit - inspected))
        if inspected >= limit:
            break
    return f"inspected {inspected}"


# --- a client's rules ---------------------------------------------------------------------------
def _template(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return autoqa.Rules().greeting_template
    unknown = sorted(set(_PLACEHOLDER.findall(value)) - {"shop", "agent"})
    if unknown:
        raise Invalid(
            _("Only {shop} and {agent} may be filled in; not: %(names)s.") % {"names": ", ".join(unknown)},
            field="greeting_template",
        )
    return value


@transaction.atomic
def autoqa_rules_save(
    scope: Scope,
    *,
    client_id: int,
    forbidden_words: list[str],
    forbidden_promises: list[str],
    greeting_template: str,
    shop_aliases: list[str],
    closing_phrases: list[str],
) -> AutoQaRules:
    """Save a client's rules as its provider keeps them; the revision goes up, so the job
    inspects the client's recent closed conversations again."""
    scope.require(AutoQaPerm.EDIT_RULES)
    if not scope.is_provider:
        raise NotFound()
    try:
        parsed = autoqa.rules_from(
            {
                "forbidden_words": forbidden_words,
                "forbidden_promises": forbidden_promises,
                "greeting_template": _template(greeting_template),
                "shop_aliases": shop_aliases,
                "closing_phrases": closing_phrases,
            }
        )
    except autoqa.InputError as exc:
        raise Invalid(
            _("At most 500 entries of at most 200 characters each."),
            field=exc.field.split(".")[-1].split("[")[0],
        ) from None
    row = selectors.autoqa_rules_row(scope, client_id=client_id)
    values = {
        "forbidden_words": _unique(parsed.forbidden_words),
        "forbidden_promises": _unique(parsed.forbidden_promises),
        "greeting_template": parsed.greeting_template,
        "shop_aliases": _unique(parsed.shop_aliases),
        "closing_phrases": _unique(parsed.closing_phrases),
        "updated_at": clock.now(),
        "updated_by_id": scope.user_id,
    }
    if row is None:
        return AutoQaRules.objects.create(
            provider_id=scope.provider_id, client_id=client_id, revision=1, **values
        )
    for name, value in values.items():
        setattr(row, name, value)
    row.revision += 1
    row.save()
    return row


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
