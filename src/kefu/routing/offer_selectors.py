"""Reads of offers (an agent's own pending offers, live offers' reserved capacity, who missed
what) and of the seats a routing pass offers them to.

Offers are the agent's own: another agent's offer (even a colleague's at the same provider) is
not found. The system reads (`live_offer_places`, `offer_history`, `online_seats`, `seats_locked`,
`expired_offers`) serve the assignment job, which acts for nobody and crosses tenants deliberately
(docs/routing.md). Those a pass runs for every chat keep their SQL (`core.compiled`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet

from kefu.core import clock, compiled
from kefu.core.compiled import CompiledRead
from kefu.core.epoch import EpochSeconds
from kefu.core.errors import NotFound
from kefu.core.scope import Scope
from kefu.routing.models import AgentPresence, Offer, OfferState, PresenceState


def offer_list_pending(scope: Scope, *, now: datetime | None = None) -> QuerySet[Offer]:
    """The caller's offers still waiting for an answer (not yet expired), oldest first."""
    now = now or clock.now()
    if scope.user_id is None:
        return Offer.objects.for_scope(scope).none()
    return (
        Offer.objects.for_scope(scope)
        .filter(agent_id=scope.user_id, state=OfferState.OFFERED, expires_at__gt=now)
        .select_related("queue")
        .order_by("offered_at", "id")
    )


def offer_get(scope: Scope, *, offer_id: int, for_update: bool = False) -> Offer:
    """One of the caller's own offers (any state); anyone else's is not found."""
    rows = Offer.objects.for_scope(scope).filter(pk=offer_id, agent_id=scope.user_id)
    if for_update:
        rows = rows.select_for_update(of=("self",))
    found = rows.select_related("queue").first() if not for_update else rows.first()
    if found is None or scope.user_id is None:
        raise NotFound()
    return found


def live_offer_conversation_ids() -> QuerySet[Offer]:
    """Conversation ids with a live offer (a subquery: those contacts are not waiting)."""
    return Offer.all_tenants.filter(state=OfferState.OFFERED).values("conversation_id")


@dataclass(frozen=True)
class OfferHistory:
    """What the offers of some waiting conversations say, read in one query: which have a live
    offer now (committed by another pass since they were read), and who let an offer of each time
    out or declined it (not offered it again)."""

    live: frozenset[int]
    missed_by: dict[int, frozenset[int]]


def _offer_history(conversation_ids: list[int]) -> QuerySet:
    return Offer.all_tenants.filter(
        conversation_id__any=conversation_ids,
        state__in=(OfferState.OFFERED, OfferState.MISSED, OfferState.DECLINED),
    ).values_list("conversation_id", "agent_id", "state")


_OFFER_HISTORY = CompiledRead(_offer_history, conversation_ids=compiled.ids)


def offer_history(conversation_ids: list[int]) -> OfferHistory:
    live: set[int] = set()
    missed: dict[int, set[int]] = defaultdict(set)
    for conversation_id, agent_id, state in _OFFER_HISTORY.rows(conversation_ids=conversation_ids):
        if state == OfferState.OFFERED:
            live.add(conversation_id)
        else:
            missed[conversation_id].add(agent_id)
    return OfferHistory(frozenset(live), {c: frozenset(agents) for c, agents in missed.items()})


def _online_seats(providers: list[int], skilled: list[int], open_providers: list[int]) -> QuerySet:
    return (
        AgentPresence.all_tenants.filter(provider_id__any=providers, state=PresenceState.ONLINE)
        .filter(Q(user_id__any=skilled) | Q(provider_id__any=open_providers))
        .order_by("user_id", "provider_id")
        .values_list("user_id", "provider_id", EpochSeconds("since"))
    )


def _online_seats_among(
    providers: list[int], skilled: list[int], open_providers: list[int], among: list[int]
) -> QuerySet:
    return _online_seats(providers, skilled, open_providers).filter(user_id__any=among)


_ONLINE_SEATS = CompiledRead(
    _online_seats, providers=compiled.ids, skilled=compiled.ids, open_providers=compiled.ids
)
_ONLINE_SEATS_AMONG = CompiledRead(
    _online_seats_among,
    providers=compiled.ids,
    skilled=compiled.ids,
    open_providers=compiled.ids,
    among=compiled.ids,
)


def online_seats(
    *,
    providers: Iterable[int],
    skilled: Iterable[int],
    open_providers: Iterable[int],
    among: Iterable[int] | None = None,
) -> list[tuple[int, int, float]]:
    """(user, provider, online since in epoch seconds: `core.epoch`) of the online seats at
    these providers of the agents who hold a required skill (`skilled`), or of any agent of a
    provider that requires none for a queue of the pass (`open_providers`); `among` limits the
    agents. In user, provider order."""
    arguments = {
        "providers": list(providers),
        "skilled": list(skilled),
        "open_providers": list(open_providers),
    }
    if among is None:
        return _ONLINE_SEATS.rows(**arguments)
    return _ONLINE_SEATS_AMONG.rows(**arguments, among=list(among))


def _seats_locked(user_ids: list[int]) -> QuerySet:
    return (
        AgentPresence.all_tenants.select_for_update()
        .filter(user_id__any=user_ids, state=PresenceState.ONLINE)
        .order_by("user_id", "provider_id")
        .values_list("user_id", "provider_id")
    )


_SEATS_LOCKED = CompiledRead(_seats_locked, user_ids=compiled.ids)


def seats_locked(user_ids: Iterable[int]) -> set[tuple[int, int]]:
    """Lock the online seats of these agents (in id order, waiting: two passes locking the same
    agents cannot deadlock) and return them as (user, provider); call inside a transaction."""
    return set(_SEATS_LOCKED.rows(user_ids=list(user_ids)))


def live_offer_places(agent_ids: Iterable[int]) -> QuerySet:
    """Places held by live offers, as rows (agent id, channel, count): an offer reserves capacity
    until answered. A query, not a result: the desk counts it with the conversations each agent
    holds in one statement (`desk.selectors.agent_places`)."""
    return (
        Offer.all_tenants.filter(agent_id__any=list(agent_ids), state=OfferState.OFFERED)
        .values_list("agent_id", "channel")
        .order_by()
        .annotate(held=Count("id"))
    )


def _last_offers(agent_ids: list[int], after: datetime) -> QuerySet:
    return (
        Offer.all_tenants.filter(agent_id__any=agent_ids, offered_at__gt=after)
        .values_list("agent_id")
        .order_by()
        .annotate(last=EpochSeconds(Max("offered_at")))
    )


_LAST_OFFERS = CompiledRead(_last_offers, agent_ids=compiled.ids, after=compiled.moment)


def last_offer_at(agent_ids: Iterable[int], *, after: datetime) -> dict[int, float]:
    """When each agent was last offered a contact, in epoch seconds (the longest-idle rule), if
    after `after`: the caller counts idle time from the later of that and the moment the agent
    came online, so older offers (an agent's whole history) need not be read. Read once a
    routing pass, its SQL built once (`core.compiled`)."""
    return dict(_LAST_OFFERS.rows(agent_ids=list(agent_ids), after=after))


def expired_offer_ids(now: datetime, *, limit: int = 500) -> list[int]:
    """Live offers whose time ran out (the sweep marks them missed)."""
    rows = Offer.all_tenants.filter(state=OfferState.OFFERED, expires_at__lte=now).order_by(
        "expires_at", "id"
    )
    return list(rows.values_list("pk", flat=True)[:limit])


def split_realised(queue_ids: Iterable[int], *, since: datetime) -> dict[int, dict[int, int]]:
    """Per queue, the contacts each provider's agents were offered since `since` (live and taken
    offers; declined, missed and cancelled ones gave nobody the contact): the rolling window the
    traffic split corrects its drift over (docs/routing.md, "Several providers")."""
    ids = list(queue_ids)
    if not ids:  # most passes route no split queue: the ORM would build a query it cannot run
        return {}
    found: dict[int, dict[int, int]] = defaultdict(dict)
    rows = Offer.all_tenants.filter(
        queue_id__in=ids,
        offered_at__gte=since,
        state__in=(OfferState.OFFERED, OfferState.ACCEPTED),
    )
    for queue_id, provider_id in rows.values_list("queue_id", "provider_id"):
        found[queue_id][provider_id] = found[queue_id].get(provider_id, 0) + 1
    return dict(found)
