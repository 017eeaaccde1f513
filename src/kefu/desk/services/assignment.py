"""Automatic assignment: waiting conversations offered to agents, offers answered or missed.

Routing decides (its pure core, over a snapshot `routing.offer_services.plan_offers` builds) and
writes the offers; the desk owns the conversations, so this module locks the waiting ones, writes
the assignee through the one write path (`conversation_assign`), and logs the events. Layers:
the desk calls routing, never the reverse; routing's `wake()` reaches this module through the
router registered at start-up (docs/routing.md, "Offers").

Exactly once: each run is one transaction per batch. The waiting conversations are locked
`FOR UPDATE SKIP LOCKED` (another process is deciding those); routing locks the agents it
chose and counts their loads again before writing (`plan_offers`); a live offer is unique per
conversation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.events import EventType
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, KefuError, NotFound
from kefu.core.scope import Scope
from kefu.desk import selectors
from kefu.desk.models import Conversation
from kefu.desk.permissions import DeskPerm
from kefu.desk.services._common import _publish
from kefu.desk.services.conversations import Handover, conversation_assign, conversations_assign_locked
from kefu.desk.services.provider_move import conversation_move_provider
from kefu.routing import offer_selectors, offer_services, wakeups
from kefu.routing.models import Offer, OfferState

log = logging.getLogger(__name__)

BATCH = 500
RETRIES = 3  # a pass decides a batch again at most this often when another process beat it to agents
SYSTEM_PERMISSIONS = frozenset({DeskPerm.VIEW, DeskPerm.HANDLE, DeskPerm.ASSIGN})


@dataclass(frozen=True)
class SweepResult:
    offered: int = 0
    missed: int = 0
    overflowed: int = 0


def _system_scope(provider_id: int | None, client_id: int | None) -> Scope:
    return Scope.of_tenant(
        provider_id=provider_id, client_id=client_id, permissions=SYSTEM_PERMISSIONS, role="system"
    )


def _take(conversation: Conversation, offer: Offer, *, how: str, scope: Scope | None = None) -> Conversation:
    """The agent gets the conversation, through the desk's one assignment write (as the agent
    when they accepted, else as the system)."""
    return conversation_assign(
        scope or _system_scope(conversation.provider_id, conversation.client_id),
        conversation_id=conversation.pk,
        agent_id=offer.agent_id,
        how=how,
        offer_id=offer.pk,
    )


def route_waiting(
    *,
    contact_ids: list[int] | None = None,
    agent_ids: list[int] | None = None,
    now: datetime | None = None,
    batch: int = BATCH,
) -> int:
    """Offer waiting conversations to free agents; returns the offers made.

    All waiting conversations in batches of `batch` (oldest first), or only `contact_ids`; only
    `agent_ids` if given (an agent freed capacity). Auto-accepting queues assign at once."""
    now = now or clock.now()
    cache = offer_services.RoutingPass()  # queues, skills, certifications, capacities: cached across passes
    keys = cache.routable_queue_keys()
    if not keys:
        return 0
    made, after, retries = 0, None, RETRIES
    while True:
        start, dropped = after, cache.dropped
        with transaction.atomic():
            rows = selectors.waiting_for_update(
                queue_keys=keys,
                ids=contact_ids,
                after=after,
                limit=batch,
            )
            if not rows:
                return made
            after, fetched = (rows[-1].created_at, rows[-1].pk), len(rows)
            # an offer committed by another run after our read but before our lock; who missed what
            history = offer_selectors.offer_history([r.pk for r in rows])
            rows = [r for r in rows if r.pk not in history.live]
            recent = selectors.recent_agents((r.customer_id for r in rows), now=now)
            contacts = [
                offer_services.WaitingContact(
                    id=r.pk,
                    client_id=r.client_id,
                    provider_id=r.provider_id,
                    queue=r.queue,
                    enqueued_at=r.created_at,
                    preferred_agent_id=recent.get(r.customer_id) if r.customer_id else None,
                    missed_by=history.missed_by.get(r.pk, frozenset()),
                )
                for r in rows
            ]
            planned = offer_services.plan_offers(
                contacts, loads=selectors.agent_places, now=now, agent_ids=agent_ids, cache=cache
            )
            by_id = {r.pk: r for r in rows}
            for item in planned:
                if item.moves:  # split or overflow to another provider: the conversation goes there first
                    by_id[item.contact.id] = conversation_move_provider(
                        _system_scope(item.contact.provider_id, item.contact.client_id),
                        conversation_id=item.contact.id,
                        provider_id=item.offer.provider_id,
                        reason="overflow" if item.offer.tier > 0 else "split",
                        now=now,
                    )
            # auto-accepting queues: the batch through the one assignment write (locked above);
            # a handover it refuses is left out, the rest written (`_refused`)
            refused = _Refusals({item.offer.pk: item.offer for item in planned}, now=now)
            conversations_assign_locked(
                [
                    Handover(_system_scope(c.provider_id, c.client_id), c, item.offer.agent_id, item.offer.pk)
                    for item in planned
                    if item.offer.auto
                    for c in (by_id[item.offer.conversation_id],)
                ],
                how="auto",
                on_refused=refused,
            )
            made += len(planned) - len(refused.conversation_ids)
        if (cache.dropped > dropped or refused.conversation_ids) and retries > 0:
            # another process filled an agent this batch chose, or the assignment write refused
            # one (now offline): decide those contacts again now, on fresh loads and presence,
            # rather than leave them to the next sweep (offer latency)
            retries -= 1
            after = start
            continue
        if fetched < batch:
            return made


class _Refusals:
    """What the assignment write refused in one batch: each offer withdrawn and, when the agent
    may no longer hold the conversation (not an active member: deactivated, membership ended,
    yet still online), their presence set offline so later passes do not pick them again;
    logged. The contacts stay waiting."""

    def __init__(self, offers: dict[int, Offer], *, now: datetime) -> None:
        self.offers, self.now = offers, now
        self.conversation_ids: list[int] = []

    def __call__(self, handover: Handover, error: KefuError) -> None:
        assert handover.offer_id is not None  # automatic assignment: every handover is an offer's
        offer = self.offers[handover.offer_id]
        agent_away = isinstance(error, Invalid) and error.field == "agent_id"
        offer_services.offer_refused(offer, now=self.now, agent_away=agent_away)
        log.warning(
            "automatic assignment refused: conversation %s to agent %s (provider %s): %s%s",
            offer.conversation_id,
            offer.agent_id,
            offer.provider_id,
            error.code,
            "; the agent is set offline" if agent_away else "",
        )
        self.conversation_ids.append(offer.conversation_id)


def _on_wake(*, contact_ids: list[int], agent_ids: list[int]) -> None:
    """After commits: route the new contacts against every free agent, and every waiting
    contact against the agents who freed a place (`routing.wakeups` gathers them)."""
    if not settings.KEFU_ROUTING_ON_EVENTS:
        return
    if contact_ids:
        route_waiting(contact_ids=contact_ids)
    if agent_ids:
        route_waiting(agent_ids=agent_ids)


def wire() -> None:
    """Called at start-up (DeskConfig.ready): routing's wake-ups run this module's assignment."""
    wakeups.register_router(_on_wake)


# --- the agent answers ---------------------------------------------------------------------------
def _own_live_offer(scope: Scope, offer_id: int) -> tuple[Offer, Conversation]:
    found = offer_selectors.offer_get(scope, offer_id=offer_id)
    offer = offer_services.offer_lock(found.pk)
    if offer is None:
        raise NotFound()
    if offer.state != OfferState.OFFERED or offer.expires_at <= clock.now():
        raise Conflict(_("This offer is no longer open."))
    conversation = selectors.conversation_get(
        _system_scope(offer.provider_id, offer.client_id),
        conversation_id=offer.conversation_id,
        for_update=True,
    )
    return offer, conversation


@transaction.atomic
def offer_accept(scope: Scope, *, offer_id: int) -> Conversation:
    """The agent takes the conversation offered to them (`accepted`, then `assigned`)."""
    scope.require(DeskPerm.HANDLE)
    offer, conversation = _own_live_offer(scope, offer_id)
    now = clock.now()
    offer_services.offer_close(offer, state=OfferState.ACCEPTED, now=now)
    events.emit(
        scope,
        EventType.ACCEPTED,
        conversation=conversation,
        at=now,
        agent_id=offer.agent_id,
        value_s=(now - offer.offered_at).total_seconds(),
        data={"offer_id": offer.pk},
    )
    return _take(conversation, offer, how="auto", scope=scope)


@transaction.atomic
def offer_decline(scope: Scope, *, offer_id: int) -> Offer:
    """The agent passes: the conversation goes back to its queue, in its place, for someone else
    (`missed` with `reason: declined`; the agent's state does not change)."""
    scope.require(DeskPerm.HANDLE)
    offer, conversation = _own_live_offer(scope, offer_id)
    _miss(offer, conversation, reason="declined", now=clock.now(), scope=scope)
    return offer


def _miss(
    offer: Offer, conversation: Conversation, *, reason: str, now: datetime, scope: Scope | None
) -> None:
    state = OfferState.DECLINED if reason == "declined" else OfferState.MISSED
    offer_services.offer_close(offer, state=state, now=now)
    events.emit(
        scope,
        EventType.MISSED,
        conversation=conversation,
        at=now,
        agent_id=offer.agent_id,
        value_s=(now - offer.offered_at).total_seconds(),
        data={"offer_id": offer.pk, "reason": reason},
    )
    _publish(conversation, "conversation.updated")
    wakeups.wake(contact_id=conversation.pk)


# --- the periodic sweep ----------------------------------------------------------------------------
def expire_offers(now: datetime | None = None) -> int:
    """Offers whose time ran out: missed (the agent goes to `missed`), the contact re-queued."""
    now = now or clock.now()
    done = 0
    for offer_id in offer_selectors.expired_offer_ids(now):
        with transaction.atomic():
            offer = offer_services.offer_lock(offer_id)
            if offer is None or offer.state != OfferState.OFFERED:
                continue  # answered meanwhile
            conversation = selectors.conversation_get(
                _system_scope(offer.provider_id, offer.client_id),
                conversation_id=offer.conversation_id,
                for_update=True,
            )
            _miss(offer, conversation, reason="timeout", now=now, scope=None)
            done += 1
    return done


def overflow_queues(now: datetime | None = None) -> int:
    """Contacts waiting longer than their queue's `overflow_after_s` move to its overflow queue
    (once: a contact that overflowed does not bounce back), logged as `overflowed`."""
    now = now or clock.now()
    moved = 0
    for rule in offer_services.overflow_rules():
        with transaction.atomic():
            rows = selectors.waiting_for_update(
                queue_keys=[(rule.client_id, rule.from_queue)],
                limit=BATCH,
            )
            for conversation in rows:
                if conversation.created_at > now - timedelta(seconds=rule.after_s):
                    break  # oldest first: the rest waited less
                if selectors.has_overflowed(conversation.pk):
                    continue
                conversation.queue = rule.to_queue
                conversation.save(update_fields=["queue", "updated_at"])
                events.emit(
                    None,
                    EventType.OVERFLOWED,
                    conversation=conversation,
                    at=now,
                    value_s=(now - conversation.created_at).total_seconds(),
                    data={"from": rule.from_queue, "to": rule.to_queue},
                )
                _publish(conversation, "conversation.updated")
                moved += 1
    return moved


def routing_sweep(now: datetime | None = None) -> dict[str, int]:
    """The periodic job `routing.assign`: timeouts, overflow thresholds, then every waiting
    contact against every free agent (what event-driven wake-ups missed, and time-driven changes
    such as a certification starting)."""
    now = now or clock.now()
    missed = expire_offers(now)
    overflowed = overflow_queues(now)
    offered = route_waiting(now=now)
    return {"missed": missed, "overflowed": overflowed, "offered": offered}
