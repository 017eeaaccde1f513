"""Files of conversations."""

from __future__ import annotations

from django.db.models import QuerySet

from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.desk.models import Attachment
from kefu.desk.permissions import DeskPerm
from kefu.desk.selectors.conversations import conversation_get


def attachment_list(scope: Scope, *, conversation_id: int) -> QuerySet[Attachment]:
    conversation = conversation_get(scope, conversation_id=conversation_id)
    return (
        Attachment.objects.for_scope(scope)
        .filter(conversation=conversation)
        .select_related("message", "uploaded_by")
        .order_by("id")
    )


def attachment_get(scope: Scope, *, attachment_id: int) -> Attachment:
    scope.require(DeskPerm.VIEW)
    return one_of(Attachment.objects.for_scope(scope).select_related("message"), pk=attachment_id)
