"""SLA writes: business-time values of events, and recording breaches. A breach is recorded by
the writes that can reveal one (a reply, a status change) and every minute by `kefu sla_check`
(the worker's `desk.sla_check` job); reading timers never records anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from kefu.core import clock
from kefu.core.scope import Scope
from kefu.desk import selectors, sla_clock
from kefu.desk.models import Conversation, SlaBreach, Status
from kefu.desk.permissions import DeskPerm
from kefu.desk.selectors import TimerView


def _business_seconds(client_id: int | None, start: datetime, end: datetime) -> float | None:
    """`value_business_s` of an event: the same span counted in the client's service hours."""
    if client_id is None or end < start:
        return None
    return float(sla_clock.business_seconds_between(selectors.service_calendar_for(client_id), start, end))


def _breaches_record(conversation: Conversation, timers: list[TimerView], now: datetime) -> list[SlaBreach]:
    """Store breaches not stored yet (idempotent: one row per timer cycle)."""
    breached = [t for t in timers if t.breached_at is not None and t.started_at is not None]
    if not breached:
        return []
    known = set(conversation.sla_breaches.values_list("kind", "started_at"))
    created = []
    for timer in breached:
        if (timer.kind, timer.started_at) in known:
            continue
        try:
            with transaction.atomic():
                created.append(
                    SlaBreach.objects.create(
                        provider_id=conversation.provider_id,
                        client_id=conversation.client_id,
                        conversation=conversation,
                        kind=timer.kind,
                        party=timer.party,
                        target_s=timer.target_s,
                        started_at=timer.started_at,
                        breached_at=timer.breached_at,
                        detected_at=now,
                    )
                )
        except IntegrityError:  # a concurrent check recorded it first
            continue
    return created


def _sla_check(conversation: Conversation) -> list[SlaBreach]:
    """Record any breach the change revealed (a late reply, a late resolution)."""
    now = clock.now()
    return _breaches_record(conversation, selectors.conversation_timer_cycles(conversation, now=now), now)


@dataclass(frozen=True)
class SlaCheckResult:
    conversations: int
    breaches: list[SlaBreach]


def sla_breaches_detect(scope: Scope, now: datetime | None = None) -> SlaCheckResult:
    """Check every unfinished conversation the scope sees and record new breaches.

    The periodic job (`kefu sla_check`) runs this with a system scope per tenant, so a breach
    is on record within a minute even when nobody writes to the conversation.
    """
    scope.require(DeskPerm.VIEW)
    now = now or clock.now()
    unfinished = selectors.conversation_list(scope).exclude(status__in=[Status.RESOLVED, Status.CLOSED])
    found: list[SlaBreach] = []
    count = 0
    for conversation in unfinished.order_by("pk").iterator(chunk_size=500):
        count += 1
        timers = selectors.conversation_timer_cycles(conversation, now=now)
        found.extend(_breaches_record(conversation, timers, now))
    return SlaCheckResult(conversations=count, breaches=found)
