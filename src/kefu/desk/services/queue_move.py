"""Moving a waiting contact to another queue (a supervisor on the floor): one service, so the
event log shows it left one queue and joined the other."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.analytics import events
from kefu.analytics.events import EventType
from kefu.core.errors import Conflict, Invalid
from kefu.core.scope import Scope
from kefu.desk import selectors
from kefu.desk.models import Conversation, Status
from kefu.desk.permissions import DeskPerm
from kefu.desk.services._common import _publish, _require_write, _text


@transaction.atomic
def conversation_move_queue(scope: Scope, *, conversation_id: int, queue: str) -> Conversation:
    """Put the conversation in another queue of its client (the caller checked the queue exists).

    Writes `transferred` in the old queue (`data.to_queue`), so it stops waiting there, and
    `queued` in the new one (`data.from_queue`), where it waits from now. Unassigned only: an
    assigned conversation is re-assigned, not moved.
    """
    scope.require(DeskPerm.ASSIGN)
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    queue = _text(queue, "queue", 60)
    if not queue:
        raise Invalid(_("Choose a queue."), field="queue")
    if conversation.queue == queue:
        return conversation
    _require_write(scope, conversation)
    if conversation.status in (Status.RESOLVED, Status.CLOSED):
        raise Conflict(_("This conversation is no longer waiting."))
    if conversation.assignee_id is not None:
        raise Conflict(_("This conversation is assigned; re-assign it instead."))
    previous = conversation.queue
    events.emit(scope, EventType.TRANSFERRED, conversation=conversation, data={"to_queue": queue})
    conversation.queue = queue
    conversation.save(update_fields=["queue", "updated_at"])
    events.emit(scope, EventType.QUEUED, conversation=conversation, data={"from_queue": previous})
    _publish(conversation, "conversation.updated")
    return conversation
