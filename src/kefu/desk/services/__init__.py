"""Writes of the service desk, one module per subject; each change is also logged as a contact
event in the same transaction (docs/event-log.md).

Callers use this package (`from kefu.desk import services; services.message_post(...)`): it
re-exports every public name of its modules, and the few private helpers that the API's
ingest path (`desk/ingest.py`) shares with `message_post`. Code inside the package imports
from the module that defines a name."""

from __future__ import annotations

from kefu.desk import selectors
from kefu.desk.services._common import (
    MAX_LIST_ITEMS,
    _choice,
    _publish,
    _redaction_policy,
    _require_write,
    _text,
    channel_data_check,
    conversation_hints,
)
from kefu.desk.services.abandon import conversation_abandon
from kefu.desk.services.after_sales import (
    AfterSalesDecision,
    after_sales_evaluate,
    after_sales_rule_create,
    after_sales_rule_delete,
    after_sales_rule_update,
)
from kefu.desk.services.assignment import offer_accept, offer_decline, route_waiting, routing_sweep
from kefu.desk.services.attachments import (
    DEFAULT_ATTACHMENT_MAX_BYTES,
    MAX_FILES_PER_MESSAGE,
    CheckedFile,
    FileContent,
    FileTooLarge,
    attachment_check,
    attachment_create,
    attachment_max_bytes,
    attachment_open,
    message_post_with_files,
)
from kefu.desk.services.cases import (
    case_create,
    case_link_conversation,
    case_resolve,
    case_transitions,
    case_update,
    case_update_status,
)
from kefu.desk.services.categories import (
    category_create,
    category_delete,
    category_tree_ensure,
    category_update,
)
from kefu.desk.services.client_settings import (
    desk_settings_set,
    service_calendar_set,
    sla_policy_create,
    sla_policy_delete,
    sla_policy_update,
)
from kefu.desk.services.conversations import (
    conversation_assign,
    conversation_change_tags,
    conversation_create,
    conversation_mark_read,
    conversation_set_resolution_code,
    conversation_set_status,
)
from kefu.desk.services.custom_statuses import (
    custom_status_create,
    custom_status_delete,
    custom_status_update,
)
from kefu.desk.services.customers import customer_create, customer_unmask
from kefu.desk.services.escalation import conversation_deescalate, conversation_escalate
from kefu.desk.services.idempotency import idempotency_key_use, request_fingerprint
from kefu.desk.services.messages import (
    _DELIVERY,
    customer_wrote_transition,
    message_body_check,
    message_delivery_set,
    message_post,
)
from kefu.desk.services.orders import conversation_link_order
from kefu.desk.services.provider_move import conversation_move_provider
from kefu.desk.services.queue_move import conversation_move_queue
from kefu.desk.services.sla import SlaCheckResult, _business_seconds, _sla_check, sla_breaches_detect

__all__ = [
    "DEFAULT_ATTACHMENT_MAX_BYTES",
    "MAX_FILES_PER_MESSAGE",
    "MAX_LIST_ITEMS",
    "_DELIVERY",
    "AfterSalesDecision",
    "CheckedFile",
    "FileContent",
    "FileTooLarge",
    "SlaCheckResult",
    "_business_seconds",
    "_choice",
    "_publish",
    "_redaction_policy",
    "_require_write",
    "_sla_check",
    "_text",
    "after_sales_evaluate",
    "after_sales_rule_create",
    "after_sales_rule_delete",
    "after_sales_rule_update",
    "attachment_check",
    "attachment_create",
    "attachment_max_bytes",
    "attachment_open",
    "case_create",
    "case_link_conversation",
    "case_resolve",
    "case_transitions",
    "case_update",
    "case_update_status",
    "category_create",
    "category_delete",
    "category_tree_ensure",
    "category_update",
    "channel_data_check",
    "conversation_abandon",
    "conversation_assign",
    "conversation_change_tags",
    "conversation_create",
    "conversation_deescalate",
    "conversation_escalate",
    "conversation_hints",
    "conversation_link_order",
    "conversation_mark_read",
    "conversation_move_provider",
    "conversation_move_queue",
    "conversation_set_resolution_code",
    "conversation_set_status",
    "custom_status_create",
    "custom_status_delete",
    "custom_status_update",
    "customer_create",
    "customer_unmask",
    "customer_wrote_transition",
    "desk_settings_set",
    "idempotency_key_use",
    "message_body_check",
    "message_delivery_set",
    "message_post",
    "message_post_with_files",
    "offer_accept",
    "offer_decline",
    "request_fingerprint",
    "route_waiting",
    "routing_sweep",
    "selectors",
    "service_calendar_set",
    "sla_breaches_detect",
    "sla_policy_create",
    "sla_policy_delete",
    "sla_policy_update",
]
