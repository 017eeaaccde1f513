"""SLA timers of a conversation, replayed from its contact events with `desk.sla_clock`, and the
recorded breaches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from kefu.analytics import selectors as analytics_selectors
from kefu.analytics.metrics.sources import SlaOutcome
from kefu.core import clock
from kefu.core.scope import Scope
from kefu.desk import sla_clock
from kefu.desk.models import Conversation, SlaBreach
from kefu.desk.permissions import DeskPerm
from kefu.desk.selectors.calendars import service_calendar_for
from kefu.desk.selectors.client_settings import sla_policy_for
from kefu.desk.selectors.conversations import conversation_get


def sla_breach_list(
    scope: Scope, *, conversation_id: int | None = None, client_id: int | None = None
) -> QuerySet[SlaBreach]:
    scope.require(DeskPerm.VIEW)
    queryset = SlaBreach.objects.for_scope(scope)
    if conversation_id is not None:
        queryset = queryset.filter(conversation_id=conversation_id)
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    return queryset


@dataclass(frozen=True)
class TimerView:
    """One SLA timer of a conversation as of `now` (instants UTC)."""

    kind: str  # first_response | next_response | resolution | l2_resolution
    party: str  # provider | client: whose clock
    status: str
    target_s: int
    elapsed_s: int
    remaining_s: int
    deadline: datetime | None
    breached_at: datetime | None
    started_at: datetime | None
    stopped_at: datetime | None


TK = sla_clock.TimerKind
Event = tuple[datetime, str, dict]


def _modifiers(events: list[Event]) -> list[sla_clock.TimerEvent]:
    """What every timer of the conversation replays besides its own start and stop.

    Waiting on the customer pauses every clock; waiting on the client (`pending_client`)
    pauses the provider's clock, or, when escalated, is where the client's clock runs.
    Escalation hands the clock to the client and back. A `status_changed` to a client's custom
    status pauses or resumes as its mapping says (`pauses_sla`). An earlier `resolved` pauses,
    `reopened` resumes; only a final `resolved` (no reopen after it) or `closed` stops.
    """
    last_resolved = max((i for i, e in enumerate(events) if e[1] == "resolved"), default=None)
    reopened_after = last_resolved is not None and any(e[1] == "reopened" for e in events[last_resolved:])
    result: list[sla_clock.TimerEvent] = []
    escalated = False
    for i, (at, kind, data) in enumerate(events):
        if kind == "status_changed":
            # a custom status: its mapping decides; cleared (None): the standard status decides
            pauses = data.get("pauses_sla")
            to = data.get("to")
            if pauses is not None:
                result.append((at, TK.PAUSE if pauses else TK.RESUME))
            elif to == "pending_customer" or (to == "pending_client" and not escalated):
                result.append((at, TK.PAUSE))
            elif to in ("new", "open", "pending_client"):
                result.append((at, TK.RESUME))
        elif kind == "held":
            to_client = data.get("to") == "pending_client" and escalated
            result.append((at, TK.RESUME if to_client else TK.PAUSE))
        elif kind in ("resumed", "reopened"):
            result.append((at, TK.RESUME))
        elif kind == "escalated":
            escalated = True
            result += [(at, TK.ESCALATE), (at, TK.RESUME)]
        elif kind == "deescalated":
            escalated = False
            result.append((at, TK.DEESCALATE))
            if data.get("to") == "open":
                result.append((at, TK.RESUME))
        elif kind == "closed":
            result.append((at, TK.STOP))
        elif kind == "resolved":
            final = i == last_resolved and not reopened_after
            result.append((at, TK.STOP if final else TK.PAUSE))
    return result


def _cycles(events: list[Event]) -> dict[str, list[list[sla_clock.TimerEvent]]]:
    """Per timer kind, the event lists to replay (one per cycle; next response has many:
    each customer message after the last reply starts one, the next reply stops it)."""
    modifiers = _modifiers(events)
    first_in = next((e[0] for e in events if e[1] == "message_in"), None)
    first_out = next((e[0] for e in events if e[1] == "first_response"), None)
    offered = next((e[0] for e in events if e[1] == "offered"), None)
    escalated = next((e[0] for e in events if e[1] == "escalated"), None)
    result: dict[str, list[list[sla_clock.TimerEvent]]] = {
        "first_response": [
            [
                *([(first_in, TK.START)] if first_in else []),
                *modifiers,
                *([(first_out, TK.STOP)] if first_out else []),
            ]
        ],
        "resolution": [[*([(offered, TK.START)] if offered else []), *modifiers]],
        "l2_resolution": [[(escalated, TK.START), *modifiers]] if escalated else [],
        "next_response": [],
    }
    if first_out is not None:
        open_since: datetime | None = None
        for at, kind, _data in events:
            if at < first_out:
                continue
            if kind == "message_in" and open_since is None:
                open_since = at
            elif kind == "message_out" and open_since is not None:
                result["next_response"].append([(open_since, TK.START), *modifiers, (at, TK.STOP)])
                open_since = None
        if open_since is not None:
            result["next_response"].append([(open_since, TK.START), *modifiers])
    return result


def conversation_timer_cycles(conversation: Conversation, *, now: datetime) -> list[TimerView]:
    """Every timer cycle of the conversation (past next-response cycles included): what the
    SLA service checks for breaches. Computes only; nothing is recorded."""
    if not conversation.client_id:
        return []
    rows = analytics_selectors.contact_event_list(_SYSTEM_READ, conversation_id=conversation.pk)
    events = [(row.at, row.type, row.data or {}) for row in rows.filter(client_id=conversation.client_id)]
    return _replay(conversation.client_id, conversation.channel, events, now=now)


def _replay(client_id: int, channel: str, events: list[Event], *, now: datetime) -> list[TimerView]:
    """The timer cycles of one conversation of the client from its events (in time order)."""
    policy = sla_policy_for(client_id, channel)
    if policy is None:
        return []
    calendar = service_calendar_for(client_id)
    targets = {
        "first_response": policy.first_response_s,
        "next_response": policy.next_response_s,
        "resolution": policy.resolution_s,
        "l2_resolution": policy.l2_resolution_s,
    }
    timers = []
    for kind, cycles in _cycles(events).items():
        target = targets[kind]
        if target is None:
            continue
        party = sla_clock.Party.CLIENT if kind == "l2_resolution" else sla_clock.Party.PROVIDER
        for cycle in cycles:
            timer = sla_clock.sla_timer(
                calendar, cycle, target_seconds=target, now=now, party=party, warn_ratio=policy.warn_ratio
            )
            timers.append(
                TimerView(
                    kind=kind,
                    party=str(party),
                    status=str(timer.status),
                    target_s=target,
                    elapsed_s=timer.elapsed_seconds,
                    remaining_s=timer.remaining_seconds,
                    deadline=timer.deadline,
                    breached_at=timer.breached_at,
                    started_at=timer.started_at,
                    stopped_at=timer.stopped_at,
                )
            )
    return timers


def sla_outcomes(client_id: int, conversation_ids: Iterable[int], now: datetime) -> list[SlaOutcome]:
    """Every decided timer cycle of these conversations of the client (the `sla_compliance`
    records, registered with analytics at start-up): breached at the breach, met at the stop.
    The events are read in one query per 500 conversations and replayed as the desk's timers are.
    Called by analytics after it has checked that the actor sees the client."""
    ids = list(conversation_ids)
    found: list[SlaOutcome] = []
    for offset in range(0, len(ids), 500):
        chunk = ids[offset : offset + 500]
        rows = (
            analytics_selectors.contact_event_list(_SYSTEM_READ)
            .filter(client_id=client_id, conversation_id__in=chunk)
            .order_by("conversation_id", "at", "id")
            .values_list("conversation_id", "at", "type", "data", "channel", "agent_id")
        )
        by_conversation: dict[int, list[tuple[datetime, str, dict, str, int | None]]] = {}
        for cid, at, type, data, channel, agent in rows.iterator(chunk_size=5000):
            by_conversation.setdefault(cid, []).append((at, type, data or {}, channel, agent))
        for cid, events in by_conversation.items():
            timers = _replay(client_id, events[0][3], [(at, t, d) for at, t, d, _c, _a in events], now=now)
            for timer in timers:
                if timer.breached_at is not None:
                    decided, met = timer.breached_at, False
                elif timer.stopped_at is not None:
                    decided, met = timer.stopped_at, True
                else:
                    continue
                if decided <= now:
                    found.append(SlaOutcome(cid, timer.kind, decided, met, _assignee_at(events, decided)))
    return found


def _assignee_at(events: list[tuple[datetime, str, dict, str, int | None]], at: datetime) -> int | None:
    """Who was assigned the conversation at `at`, from its assignment events."""
    assignee = None
    for when, type, _data, _channel, agent in events:
        if when > at:
            break
        if type in ("assigned", "transferred", "queued"):
            assignee = agent
    return assignee


# Timers replay the log of a conversation the caller has already been allowed to see.
_SYSTEM_READ = Scope.platform(user_id=None, organization_id=None, permissions=frozenset())


def _current(timers: list[TimerView]) -> list[TimerView]:
    """What a conversation shows: each kind's latest cycle."""
    latest: dict[str, TimerView] = {}
    for timer in timers:
        latest[timer.kind] = timer
    return list(latest.values())


def conversation_timers(
    scope: Scope, *, conversation_id: int, now: datetime | None = None
) -> list[TimerView]:
    """The running timers of a conversation (first response, next response, resolution, and
    the client's L2 timer once escalated). A read: breaches are recorded by the SLA service
    (after a reply or a status change, and every minute by `kefu sla_check`)."""
    conversation = conversation_get(scope, conversation_id=conversation_id)
    return conversation_timers_of(conversation, now=now)


def conversation_timers_of(conversation: Conversation, *, now: datetime | None = None) -> list[TimerView]:
    """The current timers of a conversation the caller already holds (each kind's latest cycle)."""
    return _current(conversation_timer_cycles(conversation, now=now or clock.now()))


def conversation_detail(scope: Scope, *, conversation_id: int) -> Conversation:
    """The conversation with its `timers` attached (the API's detail shape)."""
    conversation = conversation_get(scope, conversation_id=conversation_id)
    conversation.timers = conversation_timers_of(conversation)  # type: ignore[attr-defined]
    return conversation
