"""SLA writes: business-time values of events, and recording breaches (after a reply or a status
change, and in the periodic `kefu sla_check`). Reading timers never records anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kefu.core import clock
from kefu.core.scope import Scope
from kefu.desk import selectors, sla_clock
from kefu.desk.models import Conversation, SlaBreach, Status
from kefu.desk.permissions import DeskPerm


def _business_seconds(client_id: int | None, start: datetime, end: datetime) -> float | None:
    """`value_business_s` of an event: the same span counted in the client's service hours."""
    if client_id is None or end < start:
        return None
    return float(sla_clock.business_seconds_between(selectors.service_calendar_for(client_id), start, end))


def _sla_check(conversation: Conversation) -> None:
    """Record any breach the change revealed (a late reply, a late resolution)."""
    selectors.conversation_timers_of(conversation)


@dataclass(frozen=True)
class SlaCheckResult:
    conversations: int
    breaches: list[SlaBreach]


def sla_breaches_detect(scope: Scope, now: datetime | None = None) -> SlaCheckResult:
    """Check every unfinished conversation the scope sees and record new breaches.

    The periodic job (`kefu sla_check`) runs this with a system scope per tenant, so a breach
    is on record even when nobody opens the conversation.
    """
    scope.require(DeskPerm.VIEW)
    now = now or clock.now()
    unfinished = selectors.conversation_list(scope).exclude(status__in=[Status.RESOLVED, Status.CLOSED])
    found: list[SlaBreach] = []
    count = 0
    for conversation in unfinished.order_by("pk").iterator(chunk_size=500):
        count += 1
        timers = selectors._all_timers(conversation, now)
        found.extend(selectors.sla_breaches_record(conversation, timers, now))
    return SlaCheckResult(conversations=count, breaches=found)
