"""The periodic job `quality.reminders` (`KEFU_PERIODIC_JOBS`): a notice in the person's bell
(`floor.services.notice_send`, the floor's notices, live) when

- an open complaint passes its due date: its owner;
- an open complaint is due within the next 24 hours: its owner;
- a complaint's planned callback to the customer comes and is not done: its owner;
- a coaching task is due tomorrow or today: the agent and the coach;
- a coaching task is past its due day and not done: the agent and the coach.

Each is told once per date: the row keeps the due date (or planned callback, or due day) it
reminded of, so a rerun tells nothing new and a moved date is told again. The overdue ones are
also on the pages: the register's "Overdue only" filter and badge, the coaching list's
"Overdue" tab (docs/quality-complaints.md, docs/quality-calibration.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from kefu.core import clock
from kefu.floor import services as floor_services
from kefu.quality.coaching.selectors import OPEN_STATUSES as COACHING_OPEN
from kefu.quality.complaints.workflow import OPEN_STATUSES as COMPLAINT_OPEN
from kefu.quality.models import CoachingTask, Complaint

BATCH = 500
DUE_SOON = timedelta(hours=24)  # "due soon": the due date falls within this much from now


def _when(moment: object) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]


def _tell(
    row: CoachingTask | Complaint, user_ids: list[int | None], message: str, params: dict[str, Any]
) -> int:
    """`message` is marked with gettext_noop: each reader's bell shows it in their language."""
    told = 0
    for user_id in dict.fromkeys(u for u in user_ids if u is not None):
        floor_services.notice_send(
            provider_id=row.provider_id,
            client_id=row.client_id,
            user_id=user_id,
            message=message,
            params=params,
        )
        told += 1
    return told


def _claim(model: type[CoachingTask | Complaint], pk: int, field: str, value: object) -> bool:
    """Mark the row told (one UPDATE that only one worker wins), before telling."""
    return bool(model.all_tenants.filter(pk=pk).exclude(**{field: value}).update(**{field: value}))


def _tell_owners(rows: QuerySet[Complaint], *, when: str, told: str, message: str, key: str) -> int:
    """Tell each complaint's owner `message` once per value of its `when` field: the claim stores
    that value in `told`, so a rerun tells nothing new and a moved date is told again."""
    count = 0
    pending = (
        rows.filter(owner__isnull=False)
        .filter(Q(**{f"{told}__isnull": True}) | ~Q(**{told: F(when)}))
        .order_by(when, "pk")
    )
    for c in pending[:BATCH]:
        moment = getattr(c, when)
        if _claim(Complaint, c.pk, told, moment):
            values = {"id": c.pk, "subject": c.subject[:80], key: _when(moment)}
            count += _tell(c, [c.owner_id], message, values)
    return count


def complaints_due(now: datetime) -> int:
    open_ = Complaint.all_tenants.filter(status__in=COMPLAINT_OPEN)
    told = _tell_owners(
        open_.filter(due_at__lt=now),
        when="due_at",
        told="overdue_noticed_for",
        message=gettext_noop("Complaint #%(id)d “%(subject)s” is overdue (due %(due)s)."),
        key="due",
    )
    told += _tell_owners(
        open_.filter(due_at__gte=now, due_at__lt=now + DUE_SOON),
        when="due_at",
        told="soon_noticed_for",
        message=gettext_noop("Complaint #%(id)d “%(subject)s” is due within 24 hours (due %(due)s)."),
        key="due",
    )
    callbacks = Complaint.all_tenants.filter(
        callback_planned_at__lte=now, callback_done_at__isnull=True
    ).exclude(status__in=("closed", "withdrawn"))
    told += _tell_owners(
        callbacks,
        when="callback_planned_at",
        told="callback_noticed_for",
        message=gettext_noop(
            "Complaint #%(id)d “%(subject)s”: the callback to the customer is due (%(at)s)."
        ),
        key="at",
    )
    return told


def coaching_due(today: object) -> int:
    told = 0
    tomorrow = today + timedelta(days=1)  # type: ignore[operator]
    pending = CoachingTask.all_tenants.filter(status__in=COACHING_OPEN).select_related("agent")
    soon = pending.filter(due_on__gte=today, due_on__lte=tomorrow).filter(
        Q(soon_reminded_for__isnull=True) | ~Q(soon_reminded_for=F("due_on"))
    )
    for task in soon.order_by("due_on", "pk")[:BATCH]:
        if _claim(CoachingTask, task.pk, "soon_reminded_for", task.due_on):
            name = task.agent.display_name or task.agent.username
            values = {"agent": name, "id": task.pk, "day": task.due_on.isoformat()}
            message = gettext_noop("The coaching of %(agent)s (#%(id)d) is due on %(day)s.")
            told += _tell(task, [task.agent_id, task.coach_id], message, values)
    late = pending.filter(due_on__lt=today).filter(
        Q(overdue_reminded_for__isnull=True) | ~Q(overdue_reminded_for=F("due_on"))
    )
    for task in late.order_by("due_on", "pk")[:BATCH]:
        if _claim(CoachingTask, task.pk, "overdue_reminded_for", task.due_on):
            name = task.agent.display_name or task.agent.username
            values = {"agent": name, "id": task.pk, "day": task.due_on.isoformat()}
            message = gettext_noop("The coaching of %(agent)s (#%(id)d) is overdue (due %(day)s).")
            told += _tell(task, [task.agent_id, task.coach_id], message, values)
    return told


def reminders_due() -> str:
    """The job: a summary line for the worker's log."""
    now = clock.now()
    with translation.override(settings.KEFU_REPORTS_LANGUAGE):
        complaints = complaints_due(now)
        coaching = coaching_due(timezone.localdate(now))
    return f"reminders: complaints {complaints}, coaching {coaching}"
