"""A waiting conversation moves to another provider serving its client (traffic split, overflow).

One write for it, so every tenant key follows: the conversation, its messages, attachments, read
markers and SLA breaches become the new provider's rows, and the first provider no longer sees
any of them (docs/routing.md, "Several providers"). The event log is append-only: what happened
at the first provider stays in its log, ended by `overflowed`; the new provider's log opens with
`queued`.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.events import EventType
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid
from kefu.core.scope import Scope
from kefu.desk import selectors
from kefu.desk.models import Attachment, Conversation, Message, ReadMarker, SlaBreach, Status, Tier
from kefu.desk.permissions import DeskPerm
from kefu.desk.services._common import _publish

MOVABLE_CHANNELS = frozenset({"chat"})  # the widget follows its conversation; a mailbox or a line does not
MOVE_REASONS = frozenset({"split", "overflow"})
_CHILDREN = (Message, Attachment, ReadMarker, SlaBreach)  # the desk's rows keyed on one conversation


@transaction.atomic
def conversation_move_provider(
    scope: Scope, *, conversation_id: int, provider_id: int, reason: str, now: datetime | None = None
) -> Conversation:
    """Hand a waiting conversation to `provider_id` (which must serve its queue: the caller,
    automatic assignment, decided so from the queue's providers).

    Only an unassigned chat waiting at L1 moves: an agent holding it, the client holding it, or a
    channel whose session stays with its provider (email, phone) would be left behind."""
    scope.require(DeskPerm.ASSIGN)
    if reason not in MOVE_REASONS:
        raise Invalid(_("Unknown reason."), field="reason")
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    previous = conversation.provider_id
    if previous == provider_id:
        return conversation
    if conversation.channel not in MOVABLE_CHANNELS:
        raise Conflict(_("Only chats move to another provider."))
    if (
        conversation.assignee_id is not None
        or conversation.status not in (Status.NEW, Status.OPEN)
        or conversation.tier != Tier.L1
    ):
        raise Conflict(_("This conversation is no longer waiting."))
    now = now or clock.now()
    moved = {"from_provider": previous, "to_provider": provider_id, "reason": reason}
    waited = (now - conversation.created_at).total_seconds()
    events.emit(scope, EventType.OVERFLOWED, conversation=conversation, at=now, value_s=waited, data=moved)
    _publish(conversation, "conversation.updated")  # the first provider's open inboxes drop it
    for model in _CHILDREN:
        model.all_tenants.filter(conversation_id=conversation.pk).update(provider_id=provider_id)
    conversation.provider_id = provider_id
    conversation.save(update_fields=["provider", "updated_at"])
    events.emit(None, EventType.QUEUED, conversation=conversation, at=now, data=moved)
    _publish(conversation, "conversation.updated")
    return conversation
