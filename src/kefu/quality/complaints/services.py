"""Writes of the complaints register: raise, work (owner, due date, status), resolve, call back,
link contacts; root-cause categories. Every write is audited; a complaint linked to a conversation
writes `complaint_registered` / `complaint_status` events to the contact log in the same
transaction, which is what `complaint_rate` counts (docs/quality-complaints.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.models import EventType
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.core.scope import Scope, new_row_keys
from kefu.desk import selectors as desk_selectors
from kefu.quality.complaints import selectors, workflow
from kefu.quality.complaints.permissions import ComplaintPerm
from kefu.quality.models import (
    CallbackOutcome,
    Complaint,
    ComplaintCategory,
    ComplaintSource,
    ComplaintStatus,
)
from kefu.tenancy import services as tenancy_services

MAX_SUBJECT, MAX_TEXT, MAX_CATEGORY = 200, 4000, 60


def _text(value: str | None, *, field: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(_("This field is required."), field=field)
    if len(value) > limit:
        raise Invalid(_("At most %(n)d characters.") % {"n": limit}, field=field)
    return value


def _severity(value: str) -> str:
    if value not in workflow.SEVERITIES:
        raise Invalid(_("Choose a severity."), field="severity")
    return value


def _owner(scope: Scope, owner_id: int | None) -> int | None:
    if owner_id is None:
        return None
    if not scope.has(ComplaintPerm.MANAGE) or owner_id not in dict(selectors.owner_choices(scope)):
        raise NotFound(_("Unknown owner."), field="owner_id")
    return owner_id


def _category(scope: Scope, category_id: int | None, client_id: int) -> ComplaintCategory | None:
    if category_id is None:
        return None
    category = selectors.category_get(scope, category_id=category_id)
    if category.client_id != client_id:
        raise NotFound(_("Unknown category."), field="root_cause_id")
    return category


def _emit_registered(
    scope: Scope, complaint: Complaint, conversation: Any, at: datetime | None = None
) -> None:
    events.emit(
        scope,
        EventType.COMPLAINT_REGISTERED,
        conversation=conversation,
        at=at or complaint.created_at,
        data={"complaint_id": complaint.pk, "severity": complaint.severity, "source": complaint.source},
    )


def _audit(scope: Scope, action: str, complaint: Complaint, **data: Any) -> None:
    tenancy_services.audit_record(
        scope, action=action, target=complaint, client_id=complaint.client_id, data=data
    )


@transaction.atomic
def complaint_create(
    scope: Scope,
    *,
    subject: str,
    severity: str,
    description: str = "",
    client_id: int | None = None,
    conversation_id: int | None = None,
    case_id: int | None = None,
    category_id: int | None = None,
    customer_name: str = "",
    owner_id: int | None = None,
    due_at: datetime | None = None,
    at: datetime | None = None,
) -> Complaint:
    """Register a complaint: from a conversation, from a case (its conversations are linked), or
    typed in (a client's staff lodging one, or staff entering a letter or a call)."""
    scope.require(ComplaintPerm.RAISE)
    subject = _text(subject, field="subject", limit=MAX_SUBJECT, required=True)
    description = _text(description, field="description", limit=MAX_TEXT)
    customer_name = _text(customer_name, field="customer_name", limit=120)
    severity = _severity(severity)
    conversation = case = None
    conversations: list[Any] = []
    if conversation_id is not None:
        conversation = desk_selectors.conversation_get(scope, conversation_id=conversation_id)
        conversations.append(conversation)
    if case_id is not None:
        case = desk_selectors.case_get(scope, case_id=case_id)
        conversations += [c for c in case.conversations.all() if c.pk != conversation_id]
    anchor = conversation or case
    if anchor is not None:
        if client_id is not None and client_id != anchor.client_id:
            raise NotFound(_("Unknown client."), field="client_id")
        keys = (anchor.provider_id, anchor.client_id)
    else:
        keys = tuple(new_row_keys(scope, client_id=client_id))
    if scope.is_client:
        source = ComplaintSource.CLIENT
    elif conversation is not None:
        source = ComplaintSource.CONVERSATION
    elif case is not None:
        source = ComplaintSource.CASE
    else:
        source = ComplaintSource.STAFF
    now = at or clock.now()
    complaint = Complaint.objects.create(
        provider_id=keys[0],
        client_id=keys[1],
        subject=subject,
        description=description,
        source=source,
        channel=conversation.channel if conversation is not None else "",
        customer_name=customer_name,
        severity=severity,
        category=_category(scope, category_id, keys[1]),
        owner_id=_owner(scope, owner_id),
        due_at=due_at or workflow.default_due(now, severity),
        raised_by_id=scope.user_id,
        created_at=now,
        updated_at=now,
    )
    if conversations:
        complaint.conversations.set(conversations)
    if case is not None:
        complaint.cases.set([case])
    for linked in conversations:
        _emit_registered(scope, complaint, linked, at=now)
    _audit(scope, "quality.complaint_create", complaint, severity=severity, source=source)
    return complaint


@transaction.atomic
def complaint_update(
    scope: Scope,
    *,
    complaint_id: int,
    severity: str | None = None,
    category_id: int | None = None,
    owner_id: int | None = None,
    due_at: datetime | None = None,
    clear_category: bool = False,
) -> Complaint:
    """Triage: severity, root-cause category, owner, due date (only the fields given change)."""
    scope.require(ComplaintPerm.MANAGE)
    complaint = selectors.complaint_get(scope, complaint_id=complaint_id, for_update=True)
    if complaint.status in (ComplaintStatus.CLOSED, ComplaintStatus.WITHDRAWN):
        raise Conflict(_("A closed complaint cannot be changed."))
    changed: dict[str, list[Any]] = {}
    if severity is not None and severity != complaint.severity:
        changed["severity"] = [complaint.severity, _severity(severity)]
        complaint.severity = severity
    if clear_category and complaint.category_id is not None:
        changed["category"] = [complaint.category.name, None]
        complaint.category = None
    elif category_id is not None and category_id != complaint.category_id:
        category = _category(scope, category_id, complaint.client_id)
        changed["category"] = [complaint.category.name if complaint.category else None, category.name]
        complaint.category = category
    if owner_id is not None and owner_id != complaint.owner_id:
        names = dict(selectors.owner_choices(scope))
        _owner(scope, owner_id)
        changed["owner"] = [str(complaint.owner) if complaint.owner_id else None, names[owner_id]]
        complaint.owner_id = owner_id
    if due_at is not None and due_at != complaint.due_at:
        changed["due"] = [
            complaint.due_at.isoformat() if complaint.due_at else None,
            due_at.isoformat(),
        ]
        complaint.due_at = due_at
    if changed:
        complaint.updated_at = clock.now()
        complaint.save()
        _audit(scope, "quality.complaint_update", complaint, **changed)
    return complaint


@transaction.atomic
def complaint_transition(
    scope: Scope, *, complaint_id: int, status: str, resolution: str = "", at: datetime | None = None
) -> Complaint:
    """Move a complaint along the workflow (`workflow.TRANSITIONS`); resolving needs a
    resolution, closing needs the callback done (or marked as not needed)."""
    scope.require(ComplaintPerm.MANAGE)
    complaint = selectors.complaint_get(scope, complaint_id=complaint_id, for_update=True)
    if status not in workflow.STATUSES:
        raise Invalid(_("Unknown status."), field="status")
    if not workflow.allowed(complaint.status, status):
        raise Conflict(
            _("A complaint that is %(current)s cannot become %(target)s.")
            % {"current": ComplaintStatus(complaint.status).label, "target": ComplaintStatus(status).label}
        )
    resolution = _text(resolution, field="resolution", limit=MAX_TEXT)
    now = at or clock.now()
    if status == ComplaintStatus.RESOLVED:
        if not (resolution or complaint.resolution):
            raise Invalid(_("Say how the complaint was resolved."), field="resolution")
        complaint.resolution = resolution or complaint.resolution
        complaint.resolved_at = now
    if status == ComplaintStatus.CLOSED and not complaint.callback_outcome:
        raise Conflict(_("Record the callback to the customer (or that none is needed) before closing."))
    if status in (ComplaintStatus.CLOSED, ComplaintStatus.WITHDRAWN):
        complaint.closed_at = now
    before = complaint.status
    complaint.status = status
    complaint.updated_at = now
    complaint.save()
    first = complaint.conversations.order_by("id").first()
    if first is not None:
        events.emit(
            scope,
            EventType.COMPLAINT_STATUS,
            conversation=first,
            at=now,
            data={"complaint_id": complaint.pk, "from": before, "to": status},
        )
    _audit(scope, "quality.complaint_status", complaint, status=[before, status], resolution=resolution)
    return complaint


@transaction.atomic
def complaint_callback(
    scope: Scope,
    *,
    complaint_id: int,
    planned_at: datetime | None = None,
    outcome: str = "",
    note: str = "",
    at: datetime | None = None,
) -> Complaint:
    """Plan the callback to the customer, or record that it was made (outcome and note). A
    customer still unhappy after a resolution reopens the complaint (back to investigating)."""
    scope.require(ComplaintPerm.MANAGE)
    complaint = selectors.complaint_get(scope, complaint_id=complaint_id, for_update=True)
    if complaint.status in (ComplaintStatus.CLOSED, ComplaintStatus.WITHDRAWN):
        raise Conflict(_("A closed complaint cannot be changed."))
    note = _text(note, field="note", limit=MAX_TEXT)
    if planned_at is None and not outcome:
        raise Invalid(_("Plan a time for the callback or record its outcome."), field="outcome")
    now = at or clock.now()
    data: dict[str, Any] = {}
    if planned_at is not None:
        complaint.callback_planned_at = planned_at
        data["planned"] = planned_at.isoformat()
    if outcome:
        if outcome not in CallbackOutcome.values:
            raise Invalid(_("Choose the outcome of the callback."), field="outcome")
        complaint.callback_outcome = outcome
        complaint.callback_note = note
        complaint.callback_done_at = None if outcome == CallbackOutcome.WAIVED else now
        data["outcome"] = outcome
    complaint.updated_at = now
    complaint.save()
    _audit(scope, "quality.complaint_callback", complaint, note=note, **data)
    if outcome == CallbackOutcome.UNSATISFIED and complaint.status == ComplaintStatus.RESOLVED:
        complaint = complaint_transition(
            scope, complaint_id=complaint.pk, status=ComplaintStatus.INVESTIGATING, at=now
        )
    return complaint


@transaction.atomic
def complaint_link(
    scope: Scope, *, complaint_id: int, conversation_id: int | None = None, case_id: int | None = None
) -> Complaint:
    """Link another conversation or case of the same client (a newly linked conversation is
    registered in the contact log, so it counts in `complaint_rate`)."""
    if not (scope.has(ComplaintPerm.MANAGE) or scope.has(ComplaintPerm.RAISE)):
        raise PermissionDenied()
    complaint = selectors.complaint_get(scope, complaint_id=complaint_id, for_update=True)
    if conversation_id is None and case_id is None:
        raise Invalid(_("Give a conversation or a case."), field="conversation_id")
    linked = set(complaint.conversations.values_list("id", flat=True))
    new: list[Any] = []
    if conversation_id is not None:
        conversation = desk_selectors.conversation_get(scope, conversation_id=conversation_id)
        if conversation.client_id != complaint.client_id:
            raise NotFound(field="conversation_id")
        new.append(conversation)
    if case_id is not None:
        case = desk_selectors.case_get(scope, case_id=case_id)
        if case.client_id != complaint.client_id:
            raise NotFound(field="case_id")
        complaint.cases.add(case)
        new += list(case.conversations.all())
    fresh = {c.pk: c for c in new if c.pk not in linked}
    if fresh:
        complaint.conversations.add(*fresh.values())
        for conversation in fresh.values():
            _emit_registered(scope, complaint, conversation, at=clock.now())
    complaint.updated_at = clock.now()
    complaint.save(update_fields=["updated_at"])
    _audit(scope, "quality.complaint_link", complaint, conversations=sorted(fresh), case=case_id)
    return complaint


@transaction.atomic
def category_create(scope: Scope, *, name: str, client_id: int | None = None) -> ComplaintCategory:
    scope.require(ComplaintPerm.CATEGORIES)
    name = _text(name, field="name", limit=MAX_CATEGORY, required=True)
    keys = new_row_keys(scope, client_id=client_id)
    if selectors.category_list(scope, client_id=keys.client_id).filter(name=name).exists():
        raise Conflict(_("This client already has that category."))
    category = ComplaintCategory.objects.create(
        provider_id=keys.provider_id, client_id=keys.client_id, name=name, created_at=clock.now()
    )
    tenancy_services.audit_record(
        scope, action="quality.complaint_category_create", target=category, client_id=category.client_id
    )
    return category
