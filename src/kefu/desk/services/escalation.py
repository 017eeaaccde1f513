"""Escalation to the client's L2/L3 staff and the hand-back to the provider."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.events import EventType
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid
from kefu.core.scope import Scope
from kefu.desk import selectors
from kefu.desk.models import Conversation, Delivery, Direction, Message, ProviderAccess, Status, Tier
from kefu.desk.permissions import DeskPerm
from kefu.desk.services._common import _choice, _publish, _require_write, _text
from kefu.tenancy import services as tenancy_services


def _note(scope: Scope, conversation: Conversation, body: str, at: datetime) -> Message:
    """An internal note in the thread, so both sides see what happened and why."""
    conversation.last_message_seq += 1
    return Message.objects.create(
        provider_id=conversation.provider_id,
        client_id=conversation.client_id,
        conversation=conversation,
        seq=conversation.last_message_seq,
        direction=Direction.NOTE,
        author_id=scope.user_id,
        body=body,
        delivery=Delivery.INTERNAL,
        created_at=at,
    )


def _record_tier_change(
    scope: Scope,
    conversation: Conversation,
    event_type: str,
    *,
    action: str,
    at: datetime,
    data: dict[str, Any],
) -> None:
    """Escalation and hand-back are visible to both sides: event log, audit trail, live pages."""
    events.emit(
        scope, event_type, conversation=conversation, at=at, agent_id=conversation.assignee_id, data=data
    )
    tenancy_services.audit_record(
        scope, action=action, target=conversation, client_id=conversation.client_id, data=data
    )
    _publish(conversation, "conversation.updated")


@transaction.atomic
def conversation_escalate(
    scope: Scope,
    *,
    conversation_id: int,
    reason: str,
    tier: str = "L2",
    provider_access: str = "",
    rule_id: int | None = None,
) -> Conversation:
    """Share the item with the client's L2 (or L3) staff: status `pending_client`; the
    provider's SLA clock stops and the client's runs. Nothing moves: both sides keep it.

    The provider keeps view or edit access as the client configured it (or as the rule
    that escalated it says).
    """
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    reason = _text(reason, "reason", 500)
    if not reason:
        raise Invalid(_("Say why this is escalated."), field="reason")
    tier = _choice((tier or "").lower(), Tier, "tier")
    if tier == Tier.L1:
        raise Invalid(_("Escalate to L2 or L3."), field="tier")
    if provider_access:
        _choice(provider_access, ProviderAccess, "provider_access")
    if conversation.client_id is None or conversation.provider_id is None:
        raise Conflict(_("Only conversations a provider serves for a client can be escalated."))
    if conversation.status in (Status.RESOLVED, Status.CLOSED):
        raise Conflict(_("Reopen the conversation before escalating it."))
    if conversation.tier != Tier.L1:
        raise Conflict(_("This conversation is already escalated."))
    now = clock.now()
    old = conversation.status
    conversation.tier = tier
    conversation.status = Status.PENDING_CLIENT
    conversation.escalated_at = now
    conversation.provider_access = provider_access or selectors.provider_access_default(
        conversation.client_id
    )
    conversation.custom_status = None  # the change of hands ends any custom status
    _note(
        scope,
        conversation,
        _("Escalated to %(tier)s: %(reason)s") % {"tier": Tier(tier).label, "reason": reason},
        now,
    )
    conversation.save(
        update_fields=[
            "tier", "status", "escalated_at", "provider_access", "custom_status", "last_message_seq",
            "updated_at",
        ]
    )  # fmt: skip
    data: dict[str, Any] = {
        "from": old,
        "tier": tier,
        "reason": reason,
        "provider_access": conversation.provider_access,
    }
    if rule_id is not None:
        data["rule_id"] = rule_id
    _record_tier_change(
        scope, conversation, EventType.ESCALATED, action="desk.conversation_escalate", at=now, data=data
    )
    return conversation


@transaction.atomic
def conversation_deescalate(scope: Scope, *, conversation_id: int, reason: str) -> Conversation:
    """Hand the item back to the provider (status `open`, tier L1); the provider's clock resumes.

    The client's staff may always hand back; the provider only with edit access.
    """
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    reason = _text(reason, "reason", 500)
    if not reason:
        raise Invalid(_("Say why this is handed back."), field="reason")
    if conversation.tier == Tier.L1:
        raise Conflict(_("This conversation is not escalated."))
    _require_write(scope, conversation)
    now = clock.now()
    old_tier, old = conversation.tier, conversation.status
    conversation.tier = Tier.L1
    if conversation.status == Status.PENDING_CLIENT:
        conversation.status = Status.OPEN
    conversation.provider_access = ""
    conversation.custom_status = None
    _note(scope, conversation, _("Handed back to the provider: %(reason)s") % {"reason": reason}, now)
    conversation.save(
        update_fields=["tier", "status", "provider_access", "custom_status", "last_message_seq", "updated_at"]
    )
    data = {"from": old, "to": conversation.status, "tier": old_tier, "reason": reason}
    _record_tier_change(
        scope, conversation, EventType.DEESCALATED, action="desk.conversation_deescalate", at=now, data=data
    )
    return conversation
