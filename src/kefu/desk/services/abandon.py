"""A contact the customer gave up on: they left before anyone answered."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.events import EventType
from kefu.core import clock
from kefu.core.errors import Conflict
from kefu.core.scope import Scope
from kefu.desk import selectors
from kefu.desk.models import Conversation, Status
from kefu.desk.permissions import DeskPerm
from kefu.desk.services._common import _require_write
from kefu.desk.services.conversations import conversation_set_status


@transaction.atomic
def conversation_abandon(
    scope: Scope, *, conversation_id: int, reason: str = "left", details: Mapping[str, str] | None = None
) -> Conversation:
    """The customer left before a first reply (closed the chat window, went quiet in the queue,
    hung up the phone): log `abandoned` with the seconds they waited since their first message,
    then close the conversation (`closed`). `reason` is the event's `by`; a channel adds its own
    `details` to the event's data (the phone connector: the call id).

    Every channel abandons through here, so the rule and the event are written once.

    The abandon rate counts these events, so a conversation somebody already answered cannot be
    abandoned (a Conflict): a customer who stops writing after a reply is a finished contact.
    """
    scope.require(DeskPerm.HANDLE)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    _require_write(scope, conversation)
    if conversation.status in (Status.RESOLVED, Status.CLOSED):
        raise Conflict(_("This conversation is already finished."))
    if conversation.first_response_at is not None:
        raise Conflict(_("Someone already answered this conversation; it cannot be abandoned."))
    now = clock.now()
    first_in = selectors.first_inbound_message(conversation)
    since = first_in.created_at if first_in is not None else conversation.created_at
    events.emit(
        scope,
        EventType.ABANDONED,
        conversation=conversation,
        at=now,
        value_s=max((now - since).total_seconds(), 0.0),
        data={**(details or {}), "by": reason[:40]},
    )
    return conversation_set_status(scope, conversation_id=conversation.pk, status=Status.CLOSED)
