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
from kefu.core import compiled
from kefu.core.compiled import CompiledRead
from kefu.desk.models import Conversation, Status, Tier
from kefu.routing import offer_selectors

WAITING_STATUSES = (Status.NEW, Status.OPEN)
HOLDING_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.PENDING_CLIENT)
STICKY_DAYS = 7  # "the agent who served this customer recently"


def _waiting(rows: QuerySet) -> QuerySet:
    return (
        rows.filter(assignee__isnull=True, status__in=WAITING_STATUSES, tier=Tier.L1)
        .exclude(pk__in=offer_selectors.live_offer_conversation_ids())
        .order_by("created_at", "id")
        .select_for_update(skip_locked=True, of=("self",))
    )


def _waiting_among(ids: list[int]) -> QuerySet:
    return _waiting(Conversation.all_tenants.filter(pk__any=ids))


_WAITING_AMONG = CompiledRead(_waiting_among, ids=compiled.ids)


def waiting_for_update(
    *,
    queue_keys: Iterable[tuple[int, str]],
    ids: Iterable[int] | None = None,
    after: tuple[datetime, int] | None = None,
    limit: int = 500,
) -> list[Conversation]:
    """Unassigned conversations waiting in these (client id, queue name) queues without a live
    offer, oldest first, locked `FOR UPDATE SKIP LOCKED` (another process holding one is
    deciding it; SQLite has one writer); `after` continues a sweep past (created_at, id).

    Given `ids` (a wake-up's new contacts, at most `limit`), the read is the same for every
    pass, so its SQL is kept (`core.compiled`): those of the ids still waiting are locked, and
    the ones outside these queues (a queue not routed) are then left out here, locked until the
    caller's transaction ends, which no other pass needs them before."""
    by_client: dict[int, set[str]] = defaultdict(set)
    for client_id, name in queue_keys:
        by_client[client_id].add(name)
    if not by_client:
        return []
    if ids is not None and after is None:
        among = list(ids)
        if len(among) <= limit:
            found = _WAITING_AMONG.rows(ids=among)
            return [c for c in found if c.queue in by_client.get(c.client_id, ())]
    where = Q()
    for client_id, names in by_client.items():
        where |= Q(client_id=client_id, queue__in=sorted(names))
    rows = Conversation.all_tenants.filter(where)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    if after is not None:
        rows = rows.filter(Q(created_at__gt=after[0]) | Q(created_at=after[0], pk__gt=after[1]))
    return list(_waiting(rows)[:limit])


def _places_taken(agent_ids: list[int]) -> QuerySet:
    held = (
        Conversation.all_tenants.filter(assignee_id__any=agent_ids, status__in=HOLDING_STATUSES)
        .values_list("assignee_id", "channel")
        .order_by()
        .annotate(held=Count("id"))
    )
    return held.union(offer_selectors.live_offer_places(agent_ids), all=True)


_PLACES_TAKEN = CompiledRead(_places_taken, agent_ids=compiled.ids)


def agent_places(agent_ids: list[int]) -> dict[tuple[int, str], int]:
    """Places each agent has taken now, per channel: the conversations it holds (not yet resolved
    or closed; manual picks and supervisors' assignments count as much as automatic ones) and its
    live offers (an offer reserves a place until answered). Counted by the database in one
    statement (the two counts in a `UNION ALL`), whose SQL is built once (`core.compiled`): a
    routing pass reads a row per agent and channel, twice a pass (to decide, then under the
    agents' locks)."""
    places: dict[tuple[int, str], int] = defaultdict(int)
    for agent_id, channel, n in _PLACES_TAKEN.rows(agent_ids=agent_ids):
        places[agent_id, channel] += n
    return dict(places)


def _recent_holders(customer_ids: list[int], since: datetime) -> QuerySet:
    return (
        Conversation.all_tenants.filter(
            customer_id__any=customer_ids, assignee__isnull=False, created_at__gte=since
        )
        .order_by("customer_id", "-created_at", "-id")
        .values_list("customer_id", "assignee_id")
    )


_RECENT_HOLDERS = CompiledRead(_recent_holders, customer_ids=compiled.ids, since=compiled.moment)


def recent_agents(customer_ids: Iterable[int], *, now: datetime) -> dict[int, int]:
    """The agent who last held a conversation of each customer in the last `STICKY_DAYS` days
    (read once a routing pass, its SQL kept: `core.compiled`)."""
    ids = [c for c in set(customer_ids) if c is not None]
    if not ids:
        return {}
    found: dict[int, int] = {}
    since = now - timedelta(days=STICKY_DAYS)
    for customer_id, agent_id in _RECENT_HOLDERS.rows(customer_ids=ids, since=since):
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
