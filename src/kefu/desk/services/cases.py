"""After-sales cases (refunds, returns, complaints…) opened from conversations, and their workflow."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.events import EventType
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid
from kefu.core.scope import Scope
from kefu.desk import selectors
from kefu.desk.models import Case, CaseStatus, CaseType, Conversation
from kefu.desk.permissions import DeskPerm
from kefu.desk.services._common import _choice, _require_write, _text
from kefu.desk.services.conversations import _check_assignable
from kefu.desk.services.sla import _business_seconds
from kefu.tenancy import services as tenancy_services

_CASE_ALLOWED: dict[str, set[str]] = {
    CaseStatus.NEW: {
        CaseStatus.IN_PROGRESS,
        CaseStatus.WAITING_CUSTOMER,
        CaseStatus.WAITING_CLIENT,
        CaseStatus.CLOSED,
    },
    CaseStatus.IN_PROGRESS: {
        CaseStatus.WAITING_CUSTOMER,
        CaseStatus.WAITING_CLIENT,
        CaseStatus.RESOLVED,
        CaseStatus.CLOSED,
    },
    CaseStatus.WAITING_CUSTOMER: {
        CaseStatus.IN_PROGRESS,
        CaseStatus.WAITING_CLIENT,
        CaseStatus.RESOLVED,
        CaseStatus.CLOSED,
    },
    CaseStatus.WAITING_CLIENT: {
        CaseStatus.IN_PROGRESS,
        CaseStatus.WAITING_CUSTOMER,
        CaseStatus.RESOLVED,
        CaseStatus.CLOSED,
    },
    CaseStatus.RESOLVED: {CaseStatus.IN_PROGRESS, CaseStatus.CLOSED},  # → in_progress is a reopen
    CaseStatus.CLOSED: {CaseStatus.IN_PROGRESS},  # reopen
}


def case_transitions(status: str) -> list[str]:
    """The statuses a case in `status` may move to (resolving goes through `case_resolve`), in
    workflow order, so pages offer exactly the moves the services accept."""
    allowed = _CASE_ALLOWED.get(status, set())
    return [s for s in CaseStatus.values if s in allowed]


def _case_conversation(case: Case) -> Conversation | None:
    """The conversation a case's events are logged against: the first one linked."""
    return case.conversations.order_by("pk").first()


def _case_event(scope: Scope, case: Case, type: str, at: datetime, **kwargs: Any) -> None:
    conversation = _case_conversation(case)
    if conversation is not None:
        events.emit(scope, type, conversation=conversation, case_id=case.pk, at=at, **kwargs)


def _case_write(scope: Scope, case: Case) -> None:
    """Case writes follow the access to the conversations behind it."""
    for conversation in case.conversations.all():
        _require_write(scope, conversation)


@transaction.atomic
def case_create(
    scope: Scope,
    *,
    conversation_id: int,
    type: str,
    subject: str = "",
    owner_id: int | None = None,
    due_at: datetime | None = None,
    order_number: str = "",
) -> Case:
    """Open after-sales work from a conversation (its tenant keys and customer carry over);
    emits `case_opened` with the case id on that conversation's log."""
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    _require_write(scope, conversation)
    now = clock.now()
    if due_at is not None and due_at < now:
        raise Invalid(_("The due date is in the past."), field="due_at")
    case = Case.objects.create(
        provider_id=conversation.provider_id,
        client_id=conversation.client_id,
        type=_choice(type, CaseType, "type"),
        subject=_text(subject, "subject", 200) or conversation.subject,
        customer_id=conversation.customer_id,
        due_at=due_at,
        order_number=_text(order_number, "order_number", 120)
        or (conversation.order_numbers[0] if conversation.order_numbers else ""),
        tier=conversation.tier,
        created_at=now,
    )
    if owner_id is not None:
        _check_assignable(conversation, owner_id, field="owner_id")
        case.owner_id = owner_id
        case.save(update_fields=["owner"])
    case.conversations.add(conversation)
    _case_event(scope, case, EventType.CASE_OPENED, now, agent_id=owner_id, data={"type": case.type})
    return case


@transaction.atomic
def case_update(
    scope: Scope,
    *,
    case_id: int,
    owner_id: int | None = None,
    due_at: datetime | None = None,
    subject: str | None = None,
    clear_owner: bool = False,
    clear_due: bool = False,
) -> Case:
    """Change owner, due date or subject (status has its own service); `clear_owner` and
    `clear_due` empty them. A changed owner or due date is audited (`desk.case_owner`,
    `desk.case_due`), which the case's history shows."""
    scope.require(DeskPerm.HANDLE)
    case = selectors.case_get(scope, case_id=case_id, for_update=True)
    _case_write(scope, case)
    if case.status == CaseStatus.CLOSED:
        raise Conflict(_("This case is closed; reopen it first."))
    old_owner, old_due = case.owner, case.due_at
    if owner_id is not None:
        conversation = _case_conversation(case)
        if conversation is not None:
            _check_assignable(conversation, owner_id, field="owner_id")
        case.owner_id = owner_id
    elif clear_owner:
        case.owner_id = None
    if due_at is not None:
        case.due_at = due_at
    elif clear_due:
        case.due_at = None
    if subject is not None:
        case.subject = _text(subject, "subject", 200)
    case.save(update_fields=["owner", "due_at", "subject", "updated_at"])
    if case.owner_id != (old_owner.pk if old_owner else None):
        tenancy_services.audit_record(
            scope,
            action="desk.case_owner",
            target=case,
            client_id=case.client_id,
            data={
                "from": str(old_owner) if old_owner else "",
                "to": str(case.owner) if case.owner else "",
            },
        )
    if case.due_at != old_due:
        tenancy_services.audit_record(
            scope,
            action="desk.case_due",
            target=case,
            client_id=case.client_id,
            data={
                "from": old_due.isoformat() if old_due else None,
                "to": case.due_at.isoformat() if case.due_at else None,
            },
        )
    return case


@transaction.atomic
def case_update_status(scope: Scope, *, case_id: int, status: str) -> Case:
    """Move the case along its workflow; anything else is a 409. Emits `case_status` (from, to);
    moving out of resolved/closed is a reopen and clears the resolution."""
    scope.require(DeskPerm.HANDLE)
    case = selectors.case_get(scope, case_id=case_id, for_update=True)
    new = _choice(status, CaseStatus, "status")
    old = case.status
    if new == old:
        return case
    _case_write(scope, case)
    if new not in _CASE_ALLOWED[old]:
        raise Conflict(
            _("A case cannot go from %(old)s to %(new)s.")
            % {"old": CaseStatus(old).label, "new": CaseStatus(new).label}
        )
    if new == CaseStatus.RESOLVED:
        raise Invalid(_("Resolve a case with a resolution code."), field="status")
    now = clock.now()
    case.status = new
    update = ["status", "updated_at"]
    if old in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and new == CaseStatus.IN_PROGRESS:
        case.resolved_at = None
        update.append("resolved_at")
    case.save(update_fields=update)
    _case_event(
        scope, case, EventType.CASE_STATUS, now, agent_id=case.owner_id, data={"from": old, "to": new}
    )
    return case


@transaction.atomic
def case_resolve(scope: Scope, *, case_id: int, code: str, amount: Decimal | None = None) -> Case:
    """Resolve with a resolution code (and the refunded/compensated amount, if any); emits
    `case_resolved` with value_s = wall seconds since opening and value_business_s."""
    scope.require(DeskPerm.HANDLE)
    case = selectors.case_get(scope, case_id=case_id, for_update=True)
    _case_write(scope, case)
    code = _text(code, "code", 60)
    if not code:
        raise Invalid(_("Choose a resolution code."), field="code")
    if amount is not None and (amount < 0 or amount >= Decimal("1e10")):
        raise Invalid(_("The amount must be between 0 and 9,999,999,999.99."), field="amount")
    if CaseStatus.RESOLVED not in _CASE_ALLOWED[case.status]:
        raise Conflict(
            _("A case cannot go from %(old)s to %(new)s.")
            % {"old": CaseStatus(case.status).label, "new": CaseStatus.RESOLVED.label}
        )
    now = clock.now()
    old = case.status
    case.status, case.resolution_code, case.resolved_at = CaseStatus.RESOLVED, code, now
    case.amount = amount.quantize(Decimal("0.01")) if amount is not None else None
    case.save(update_fields=["status", "resolution_code", "amount", "resolved_at", "updated_at"])
    _case_event(
        scope,
        case,
        EventType.CASE_RESOLVED,
        now,
        agent_id=case.owner_id,
        value_s=(now - case.created_at).total_seconds(),
        value_business_s=_business_seconds(case.client_id, case.created_at, now),
        data={"from": old, "code": code, "amount": str(case.amount) if case.amount is not None else None},
    )
    return case


@transaction.atomic
def case_link_conversation(scope: Scope, *, case_id: int, conversation_id: int) -> Case:
    """Link another contact about the same after-sales matter (same client and customer)."""
    scope.require(DeskPerm.HANDLE)
    case = selectors.case_get(scope, case_id=case_id, for_update=True)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id)
    _case_write(scope, case)
    _require_write(scope, conversation)
    if conversation.client_id != case.client_id or conversation.provider_id != case.provider_id:
        raise Invalid(_("This conversation belongs to another client."), field="conversation_id")
    if case.customer_id is not None and conversation.customer_id not in (None, case.customer_id):
        raise Invalid(_("This conversation is with another customer."), field="conversation_id")
    if case.conversations.filter(pk=conversation.pk).exists():
        return case
    case.conversations.add(conversation)
    events.emit(scope, EventType.CASE_LINKED, conversation=conversation, case_id=case.pk, data={})
    return case
