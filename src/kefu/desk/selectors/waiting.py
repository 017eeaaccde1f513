"""Reads for automatic assignment: conversations waiting in a queue, and what each agent holds.

A system read for the assignment job (`services.assignment`), which acts for nobody and crosses
tenants deliberately; no page or route calls these.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet

from kefu.analytics.events import ContactEvent, EventType
from kefu.desk.models import Conversation, Status, Tier
from kefu.routing import offer_selectors

WAITING_STATUSES = (Status.NEW, Status.OPEN)
HOLDING_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.PENDING_CLIENT)
STICKY_DAYS = 7  # "the agent who served this customer recently"


def waiting_for_update(
    *,
    queue_keys: Iterable[tuple[int, str]],
    exclude: QuerySet,
    ids: Iterable[int] | None = None,
    after: tuple[datetime, int] | None = None,
    limit: int = 500,
) -> list[Conversation]:
    """Unassigned conversations waiting in these (client id, queue name) queues, oldest first,
    locked `FOR UPDATE SKIP LOCKED` (another process holding one is deciding it; SQLite has one
    writer). `exclude` is a subquery of conversation ids not to take (those with a live offer);
    `after` continues a sweep past (created_at, id)."""
    by_client: dict[int, set[str]] = defaultdict(set)
    for client_id, name in queue_keys:
        by_client[client_id].add(name)
    if not by_client:
        return []
    where = Q()
    for client_id, names in by_client.items():
        where |= Q(client_id=client_id, queue__in=sorted(names))
    rows = Conversation.all_tenants.filter(
        where, assignee__isnull=True, status__in=WAITING_STATUSES, tier=Tier.L1
    ).exclude(pk__in=exclude)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    if after is not None:
        rows = rows.filter(Q(created_at__gt=after[0]) | Q(created_at=after[0], pk__gt=after[1]))
    rows = rows.order_by("created_at", "id").select_for_update(skip_locked=True, of=("self",))
    return list(rows[:limit])


def agent_places(agent_ids: list[int]) -> dict[tuple[int, str], int]:
    """Places each agent has taken now, per channel: the conversations it holds (not yet resolved
    or closed; manual picks and supervisors' assignments count as much as automatic ones) and its
    live offers (an offer reserves a place until answered). Counted by the database in one
    statement (the two counts in a `UNION ALL`): a routing pass reads a row per agent and channel,
    twice a pass (to decide, then under the agents' locks)."""
    held = (
        Conversation.all_tenants.filter(assignee_id__any=agent_ids, status__in=HOLDING_STATUSES)
        .values_list("assignee_id", "channel")
        .order_by()
        .annotate(held=Count("id"))
    )
    places: dict[tuple[int, str], int] = defaultdict(int)
    for agent_id, channel, n in held.union(offer_selectors.live_offer_places(agent_ids), all=True):
        places[agent_id, channel] += n
    return dict(places)


def recent_agents(customer_ids: Iterable[int], *, now: datetime) -> dict[int, int]:
    """The agent who last held a conversation of each customer in the last `STICKY_DAYS` days."""
    ids = [c for c in set(customer_ids) if c is not None]
    if not ids:
        return {}
    rows = (
        Conversation.all_tenants.filter(
            customer_id__in=ids, assignee__isnull=False, created_at__gte=now - timedelta(days=STICKY_DAYS)
        )
        .order_by("customer_id", "-created_at", "-id")
        .values_list("customer_id", "assignee_id")
    )
    found: dict[int, int] = {}
    for customer_id, agent_id in rows:
        found.setdefault(customer_id, agent_id)
    return found


def has_overflowed(conversation_id: int) -> bool:
    """Whether the conversation already overflowed into another queue once (it does not bounce
    between queues; a move to another provider, `data.to_provider`, is not a queue's overflow)."""
    return ContactEvent.all_tenants.filter(
        conversation_id=conversation_id, type=EventType.OVERFLOWED, data__has_key="to"
    ).exists()


def conversation_provider_id(*, client_id: int, conversation_id: int) -> int | None:
    """The provider holding one of the client's conversations now (routing may have handed it to
    another provider serving the client): a system read for the channel whose customer session
    follows the conversation (the chat widget), which checks the session first."""
    return (
        Conversation.all_tenants.filter(pk=conversation_id, client_id=client_id)
        .values_list("provider_id", flat=True)
        .first()
    )
