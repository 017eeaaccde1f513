"""Offers: the decision core's answers written down, and their outcomes.

The desk owns conversations and their assignee, routing owns who may take what. So the desk's
assignment job (`desk.services.assignment`) locks the waiting conversations and hands them here
as `WaitingContact` values; `plan_offers` locks the online agents it may use, builds the core's
snapshot from queues, skills, certifications, capacities and loads, asks the core, and writes one
`Offer` per answer. Whatever writes the assignee is the desk's (docs/routing.md, "Offers").

Exactly once: the caller holds the contacts' rows (`FOR UPDATE SKIP LOCKED`). The core decides
on loads read without locks; then the chosen agents' presence rows are locked (in id order) and
their loads counted again, and only the answers that still fit are written, so no agent goes
over capacity however many processes assign at once. A partial unique index allows one live
offer per conversation. On SQLite one writer does it all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kefu.core import realtime
from kefu.routing import config_cache, decision, offer_selectors
from kefu.routing.models import (
    Offer,
    OfferState,
    PresenceSource,
    PresenceState,
    Queue,
)
from kefu.routing.services import _presence_write

STICKY_SKILL_LEVEL = 3  # an agent of a provider that lists no required skills for the queue
# places taken per (agent, channel): conversations held and live offers (`plan_offers`)
LoadReader = Callable[[list[int]], dict[tuple[int, str], int]]


def agent_group(user_id: int) -> str:
    """The realtime group of one person's workspace tabs: offers are told there."""
    return f"routing.agent.{user_id}"


# --- planning --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WaitingContact:
    """A conversation waiting in a queue, as the desk sees it (locked by the caller)."""

    id: int
    client_id: int
    provider_id: int | None
    queue: str  # the queue's name
    enqueued_at: datetime
    preferred_agent_id: int | None = None
    missed_by: frozenset[int] = frozenset()  # agents who let an offer of it time out or declined it


@dataclass(frozen=True)
class Planned:
    """One written offer and what it was decided from."""

    offer: Offer
    contact: WaitingContact
    queue: Queue

    @property
    def moves(self) -> bool:
        """The agent is another provider's: the conversation must move there (split or overflow)."""
        return self.offer.provider_id != self.contact.provider_id


def _ts(value: datetime) -> float:
    return value.timestamp()


def _queue_skill(queue_id: int) -> str:
    """The core's synthetic skill for one queue: an agent holds it at the weakest level of the
    skills the queue requires of their provider (`_Skills.levels`)."""
    return f"q{queue_id}"


@dataclass
class _Skills:
    """Who qualifies for which queue, under each provider's own required skills."""

    required: dict[tuple[int, int], list[tuple[int, int]]]  # (queue, provider) -> [(skill, least)]
    held: dict[tuple[int, int], int]  # (user, skill) -> level
    candidates: set[int]  # users holding at least one required skill

    def levels(self, queues: Sequence[Queue], agents: dict[int, int]) -> dict[int, dict[str, int]]:
        """Per agent, one synthetic skill per queue they qualify for (`q<id>`) at their weakest
        required level: the core compares one set of needs per queue, the providers' differ.
        Only the holders of a queue's first required skill are looked at, not every agent."""
        levels: dict[int, dict[str, int]] = defaultdict(dict)
        members: dict[int, list[int]] = defaultdict(list)
        for user, provider in agents.items():
            members[provider].append(user)
        holders: dict[int, list[int]] = defaultdict(list)  # skill -> agents holding it
        for user, skill in self.held:
            if user in agents:
                holders[skill].append(user)
        for queue in queues:
            key = _queue_skill(queue.pk)
            for provider, users in members.items():
                needs = self.required.get((queue.pk, provider))
                if not needs:
                    for user in users:
                        levels[user][key] = STICKY_SKILL_LEVEL
                    continue
                first_skill, first_least = needs[0]
                for user in holders[first_skill] if first_least > 0 else users:
                    if agents[user] != provider:
                        continue
                    have = [self.held.get((user, skill), 0) for skill, _ in needs]
                    if all(level >= least for level, (_, least) in zip(have, needs, strict=True)):
                        levels[user][key] = min(have)
        return levels


MOVABLE_CHANNELS = frozenset({"chat"})  # the customer's session follows the conversation (the widget)
SPLIT_WINDOW = timedelta(hours=1)  # the rolling window a traffic split corrects its drift over


@dataclass(frozen=True)
class _Serving:
    """A queue whose contacts may go to another provider than the one they arrived at: its
    planned split (providers with a share above 0) and the provider it overflows to."""

    planned: dict[int, int]
    overflow_provider: int | None
    overflow_after_s: int | None

    @property
    def providers(self) -> set[int]:
        return set(self.planned) | ({self.overflow_provider} if self.overflow_provider else set())


def _serving(queues: Sequence[Queue], shares: Mapping[int, dict[int, int]]) -> dict[int, _Serving]:
    """The queues routed across providers: on a channel whose customer session can follow the
    conversation, with a split between two providers or more, or an overflow provider. The rest
    are routed within the contact's own provider, as before. `shares`: per queue, the planned
    share of each provider above 0 %."""
    found = {}
    for queue in queues:
        if queue.channel not in MOVABLE_CHANNELS or not shares.get(queue.pk):
            continue
        planned = shares[queue.pk]
        overflow = queue.overflow_provider_id if queue.overflow_after_s is not None else None
        if overflow in planned:
            overflow = None  # it serves from the first second already
        if len(planned) + (overflow is not None) > 1:
            found[queue.pk] = _Serving(planned, overflow, queue.overflow_after_s)
    return found


class RoutingPass:
    """What one assignment pass (`route_waiting`: every batch of one sweep or wake-up) reads of
    the configuration: queues and their planned shares, required skills and agents' levels,
    certifications and capacity overrides. They come from the process's cache
    (`config_cache.current()`, taken at the pass's first read: one query for the version), kept
    across passes until a write changes the version; so a change made during a pass applies from
    the next pass. Presence and loads are read again for every batch (under the locks that keep
    exactly once)."""

    def __init__(self) -> None:
        self._config: config_cache.RoutingConfigCache | None = None
        self.dropped = 0  # answers another process made stale (its agent filled meanwhile): retried

    @property
    def config(self) -> config_cache.RoutingConfigCache:
        if self._config is None:
            self._config = config_cache.current()
        return self._config

    def routable_queue_keys(self) -> set[tuple[int, str]]:
        """(client id, queue name) of every active queue: only their contacts are routed."""
        return self.config.routable_queue_keys()

    def queues(self, keys: set[tuple[int, str]]) -> dict[tuple[int, str], Queue]:
        return self.config.queues(keys)

    def shares(self, queues: Sequence[Queue]) -> dict[int, dict[int, int]]:
        """Per queue, the planned share of each provider above 0 %."""
        return self.config.shares(queues)

    def skills(self, queues: Sequence[Queue], providers: set[int]) -> _Skills:
        required = {k: v for k, v in self.config.required(queues).items() if k[1] in providers}
        skill_ids = {skill for needs in required.values() for skill, _ in needs}
        held = self.config.held(skill_ids)
        return _Skills(required, held, {user for user, _ in held})

    def certifications(
        self, users: Iterable[int]
    ) -> list[tuple[int, int, int, datetime, datetime | None, datetime | None]]:
        """(user, provider, client, valid from, valid until, revoked at) of these agents."""
        return self.config.certifications(users)

    def capacity(self, users: Iterable[int]) -> list[tuple[int, int, str, int]]:
        """(user, provider, channel, limit) of these agents' own capacity overrides."""
        return self.config.capacity(users)


def plan_offers(
    contacts: Sequence[WaitingContact],
    *,
    loads: LoadReader,
    now: datetime,
    agent_ids: Iterable[int] | None = None,
    cache: RoutingPass | None = None,
) -> list[Planned]:
    """Decide who takes which of these (locked) contacts and write the offers; call inside the
    caller's transaction. `loads(user_ids)` counts the places each agent has taken per channel:
    the conversations it holds (the desk's) and its live offers (`offer_selectors.
    live_offer_places`). `agent_ids` limits the agents considered.

    A queue served by several providers (a planned split, an overflow provider; chat only) is one
    queue for the core, with the split and the overflow rule: an offer may then go to another
    provider's agent than the conversation's, and the caller moves the conversation there before
    the agent sees it (`Planned.moves`). Every other queue is routed within the contact's own
    provider: each (queue, provider) pair is one queue for the core (docs/routing.md, "Several
    providers"). `cache` is the pass's reads of what changes rarely (`RoutingPass`)."""
    cache = cache or RoutingPass()
    queues = cache.queues({(c.client_id, c.queue) for c in contacts})
    contacts = [c for c in contacts if (c.client_id, c.queue) in queues and c.provider_id is not None]
    if not contacts:
        return []
    used = list({queues[c.client_id, c.queue].pk: queues[c.client_id, c.queue] for c in contacts}.values())
    serving = _serving(used, cache.shares(used))
    pairs: dict[tuple[int, int | None], int] = {}  # (queue id, provider id or None) -> the core's queue id

    def pair(c: WaitingContact) -> tuple[int, int | None]:
        queue_id = queues[c.client_id, c.queue].pk
        return (queue_id, None) if queue_id in serving else (queue_id, c.provider_id)

    for c in contacts:
        pairs.setdefault(pair(c), len(pairs) + 1)
    doors = {  # (queue id, provider) of every provider that may serve a queue here
        (queue_id, provider)
        for queue_id, own in pairs
        for provider in (serving[queue_id].providers if own is None else {own})
    }
    providers = {provider for _, provider in doors}
    skills = cache.skills(list(queues.values()), providers)
    # only agents holding a required skill, or of a provider that requires none for a queue here
    open_providers = {p for (q, p) in doors if not skills.required.get((q, p))}
    agents: dict[int, int] = {}
    since: dict[int, float] = {}  # online since, epoch seconds
    for user_id, provider_id, at in offer_selectors.online_seats(
        providers=providers, skilled=skills.candidates, open_providers=open_providers, among=agent_ids
    ):
        if user_id not in agents:  # a person working for two providers: their first seat
            agents[user_id], since[user_id] = provider_id, at
    if not agents:
        return []
    by_queue = {q.pk: q for q in queues.values()}
    clients = {q.client_id for q in queues.values()}
    certified: dict[int, dict[int, float | None]] = defaultdict(dict)
    for user_id, provider_id, client_id, start, until, revoked in cache.certifications(agents):
        valid = start <= now and revoked is None and (until is None or until > now)
        if valid and client_id in clients and agents[user_id] == provider_id:
            certified[user_id][client_id] = None if until is None else _ts(until)
    # the core keeps one traffic split per client; routing plans one per queue, so a queue routed
    # across providers is its own "client" for the core (-queue id), certifications copied over
    for held_by in certified.values():
        for queue_id in serving:
            if by_queue[queue_id].client_id in held_by:
                held_by[-queue_id] = held_by[by_queue[queue_id].client_id]
    levels = skills.levels(list(queues.values()), agents)
    # an agent certified for none of these clients, or qualified for none of these queues, can
    # take nothing here: left out before their loads are read and the core indexes them
    agents = {user: provider for user, provider in agents.items() if certified.get(user) and levels.get(user)}
    if not agents:
        return []
    own_capacity = {
        (user, channel): n
        for user, provider, channel, n in cache.capacity(agents)
        if agents[user] == provider
    }
    channels = {q.channel for q in queues.values()}
    default_chat = min(
        (q.default_chat_concurrency for q in queues.values() if q.channel == "chat"), default=3
    )
    capacity = {
        user: {ch: own_capacity.get((user, ch), default_chat if ch == "chat" else 1) for ch in channels}
        for user in agents
    }
    held = loads(list(agents))
    # and one without a free place (most of a busy floor) neither
    agents = {
        user: provider
        for user, provider in agents.items()
        if any(held.get((user, ch), 0) < room for ch, room in capacity[user].items())
    }
    if not agents:
        return []
    earliest = datetime.fromtimestamp(min(since[user] for user in agents), tz=UTC)
    last = offer_selectors.last_offer_at(agents, after=earliest)
    idle_since = {user: max(since[user], last.get(user, since[user])) for user in agents}
    core_contacts = tuple(
        decision.Contact(
            id=c.id,
            queue_id=pairs[pair(c)],
            enqueued_at=_ts(c.enqueued_at),
            preferred_agent_id=c.preferred_agent_id,
            missed_by=c.missed_by,
        )
        for c in contacts
    )
    # the core is given only the agents the batch can pick (`decision.shortlist`), not the floor
    kept = decision.shortlist(
        _free_agents(agents, pairs, by_queue, serving, levels, certified, capacity, held, idle_since),
        core_contacts,
    )
    core_agents = tuple(
        decision.Agent(
            id=user,
            provider_id=provider,
            team_id=provider,
            skills=levels.get(user, {}),
            certifications=certified.get(user, {}),
            capacity=capacity[user],
            load={ch: held.get((user, ch), 0) for ch in channels},
            idle_since=idle_since[user],
        )
        for user, provider in agents.items()
        if user in kept
    )
    core_queues = tuple(
        _core_queue(core_id, by_queue[queue_id], provider, serving.get(queue_id))
        for (queue_id, provider), core_id in pairs.items()
    )
    realised = offer_selectors.split_realised(serving, since=now - SPLIT_WINDOW)
    splits = tuple(
        decision.TrafficSplit(
            client_id=-queue_id,
            planned=plan.planned,
            realised={p: n for p, n in realised.get(queue_id, {}).items() if p in plan.planned},
        )
        for queue_id, plan in serving.items()
    )
    answers = decision.decide(
        decision.Snapshot(agents=core_agents, queues=core_queues, contacts=core_contacts, splits=splits),
        _ts(now),
    )
    decided = len(answers)
    answers = _confirmed(answers, agents, {a.id: a.capacity for a in core_agents}, loads)
    cache.dropped += decided - len(answers)
    by_id = {c.id: c for c in contacts}
    rows = []
    for a in answers:
        queue = queues[by_id[a.contact_id].client_id, by_id[a.contact_id].queue]
        rows.append(
            Offer(
                provider_id=a.provider_id,
                client_id=queue.client_id,
                conversation_id=a.contact_id,
                agent_id=a.agent_id,
                queue=queue,
                channel=a.channel,
                offered_at=now,
                expires_at=now + timedelta(seconds=queue.offer_timeout_s),
                state=OfferState.ACCEPTED if queue.auto_accept else OfferState.OFFERED,
                decided_at=now if queue.auto_accept else None,
                auto=queue.auto_accept,
                tier=a.tier,
            )
        )
    Offer.all_tenants.bulk_create(rows)
    planned = [Planned(offer=row, contact=by_id[row.conversation_id], queue=row.queue) for row in rows]
    for item in planned:
        _tell(item.offer, item.queue)
    return planned


def _free_agents(
    agents: Mapping[int, int],
    pairs: Mapping[tuple[int, int | None], int],
    by_queue: Mapping[int, Queue],
    serving: Mapping[int, _Serving],
    levels: Mapping[int, Mapping[str, int]],
    certified: Mapping[int, Mapping[int, float | None]],
    capacity: Mapping[int, Mapping[str, int]],
    held: Mapping[tuple[int, str], int],
    idle_since: Mapping[int, float],
) -> Iterator[decision.FreeAgent]:
    """Each agent once per core queue and provider it may serve now, as `decision.shortlist`
    ranks them: the doors `_core_queue` opens (the contact's own provider; or, routed across
    providers, the planned ones at tier 0 and the overflow provider at tier 1), for an agent
    qualified (`levels`), certified for the core's client and with room on the queue's channel."""
    doors: dict[str, list[tuple[int, Queue, int | None, _Serving | None]]] = defaultdict(list)
    for (queue_id, own), core_id in pairs.items():
        doors[_queue_skill(queue_id)].append((core_id, by_queue[queue_id], own, serving.get(queue_id)))
    for user, provider in agents.items():
        for key, level in levels[user].items():
            if level < 1:  # the core's queue needs its synthetic skill at level 1 or better
                continue
            for core_id, queue, own, plan in doors.get(key, ()):
                if plan is None:
                    if provider != own or queue.client_id not in certified[user]:
                        continue
                elif (provider not in plan.providers) or -queue.pk not in certified[user]:
                    continue
                load, room = held.get((user, queue.channel), 0), capacity[user].get(queue.channel, 0)
                if load < room:
                    yield ((core_id, provider), level, load, room, idle_since[user], user)


def _core_queue(core_id: int, queue: Queue, provider: int | None, plan: _Serving | None) -> decision.Queue:
    """The core's view of a queue: one provider's part of it, or (routed across providers) the
    whole queue with its planned providers and its overflow provider."""
    common = dict(
        id=core_id,
        channel=queue.channel,
        priority=11 - queue.priority,  # model: 1 is first; core: higher is first
        needs=(decision.SkillNeed(_queue_skill(queue.pk), 1),),
        service_level_s=float(queue.sl_target_seconds),
    )
    if plan is None:
        return decision.Queue(client_id=queue.client_id, providers=frozenset({provider}), **common)
    overflow = ()
    if plan.overflow_provider is not None and plan.overflow_after_s is not None:
        overflow = (
            decision.OverflowRule(
                after_s=float(plan.overflow_after_s), providers=frozenset({plan.overflow_provider})
            ),
        )
    return decision.Queue(client_id=-queue.pk, providers=frozenset(plan.planned), overflow=overflow, **common)


def _confirmed(
    answers: list[decision.Assignment],
    agents: dict[int, int],
    capacity: dict[int, Mapping[str, int]],
    loads: LoadReader,
) -> list[decision.Assignment]:
    """The decision was made on loads read without locks; now lock the chosen agents' presence
    rows (in id order, waiting: no deadlock between two runs) and count their loads again. Another
    process may have filled a place meanwhile, or the agent gone away: those answers are dropped
    and their contacts stay waiting for the next run. Only what fits under the lock is written."""
    chosen = sorted({a.agent_id for a in answers})
    if not chosen:
        return []
    locked = offer_selectors.seats_locked(chosen)
    held = loads(chosen)
    kept = []
    for a in answers:
        if (a.agent_id, agents[a.agent_id]) not in locked:
            continue
        if held.get((a.agent_id, a.channel), 0) >= capacity[a.agent_id].get(a.channel, 0):
            continue
        held[a.agent_id, a.channel] = held.get((a.agent_id, a.channel), 0) + 1
        kept.append(a)
    return kept


def offer_payload(offer: Offer, queue: Queue) -> dict[str, object]:
    return {
        "id": offer.pk,
        "conversation_id": offer.conversation_id,
        "queue": queue.name,
        "state": offer.state,
        "auto": offer.auto,
        "offered_at": offer.offered_at.isoformat(),
        "expires_at": offer.expires_at.isoformat(),
        "timeout_s": queue.offer_timeout_s,
    }


def _tell(offer: Offer, queue: Queue) -> None:
    realtime.publish_on_commit(agent_group(offer.agent_id), "offer.created", **offer_payload(offer, queue))


# --- outcomes --------------------------------------------------------------------------------------
def offer_lock(offer_id: int) -> Offer | None:
    """The offer's row, locked (its own row only: locking the joined queue too would hold every
    new offer of that queue at its commit, whose foreign-key check must share the queue's row,
    while this transaction waits for an agent that pass has locked: a deadlock). The caller has
    checked the scope (own offer) or is the sweep."""
    return (
        Offer.all_tenants.select_for_update(of=("self",)).filter(pk=offer_id).select_related("queue").first()
    )


def offer_close(offer: Offer, *, state: str, now: datetime) -> Offer:
    """A live offer ends: accepted, declined, missed (its time ran out) or cancelled (someone
    took the conversation by hand). A missed offer sets the agent's presence to `missed`: they
    take nothing more until they say they are back."""
    if offer.state != OfferState.OFFERED:
        raise ValueError(f"offer {offer.pk} is {offer.state}")
    offer.state, offer.decided_at = state, now
    offer.save(update_fields=["state", "decided_at"])
    if state == OfferState.MISSED:
        _presence_write(
            provider_id=offer.provider_id,
            user_id=offer.agent_id,
            state=PresenceState.MISSED,
            reason="",
            source=PresenceSource.AUTO,
            set_by=None,
            at=now,
        )
    realtime.publish_on_commit(agent_group(offer.agent_id), "offer.closed", id=offer.pk, state=state)
    return offer


def offer_refused(offer: Offer, *, now: datetime, agent_away: bool) -> Offer:
    """The desk refused an auto-accepted offer's assignment (a rule of the one assignment write):
    the offer gave the contact nobody (`cancelled`), so it counts neither in the agent's load nor
    in the split, and the contact stays waiting. `agent_away`: the agent may not hold this
    provider's conversations any more (deactivated, membership ended) yet was still marked
    online; their presence there goes `offline` (a `PresenceChange` by `auto`), so no later pass
    offers them anything until someone sets them online again."""
    offer.state, offer.decided_at = OfferState.CANCELLED, now
    offer.save(update_fields=["state", "decided_at"])
    if agent_away:
        _presence_write(
            provider_id=offer.provider_id,
            user_id=offer.agent_id,
            state=PresenceState.OFFLINE,
            reason="",
            source=PresenceSource.AUTO,
            set_by=None,
            at=now,
        )
    realtime.publish_on_commit(
        agent_group(offer.agent_id), "offer.closed", id=offer.pk, state=OfferState.CANCELLED
    )
    return offer


def offers_cancel(conversation_id: int, *, now: datetime) -> list[Offer]:
    """Cancel the conversation's live offer (someone took or moved it by hand)."""
    rows = list(
        Offer.all_tenants.select_for_update().filter(
            conversation_id=conversation_id, state=OfferState.OFFERED
        )
    )
    return [offer_close(row, state=OfferState.CANCELLED, now=now) for row in rows]


@dataclass(frozen=True)
class OverflowToQueue:
    client_id: int
    from_queue: str
    to_queue: str
    after_s: int


def overflow_rules() -> list[OverflowToQueue]:
    """Active queues that overflow into another queue of the same client after a wait."""
    rows = Queue.all_tenants.filter(
        active=True, overflow_queue__isnull=False, overflow_after_s__isnull=False, overflow_queue__active=True
    ).select_related("overflow_queue")
    return [
        OverflowToQueue(q.client_id, q.name, q.overflow_queue.name, q.overflow_after_s)
        for q in rows
        if q.overflow_queue.client_id == q.client_id
    ]
