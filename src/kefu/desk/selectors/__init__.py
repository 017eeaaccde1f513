"""Reads of the service desk, one module per subject; every read goes through the scope (others'
ids are 404), and no read writes.

Callers use this package (`from kefu.desk import selectors; selectors.conversation_get(...)`):
it re-exports every public name of its modules. Code inside the package imports from the
module that defines a name."""

from __future__ import annotations

from kefu.desk.selectors._common import MAX_PAGE
from kefu.desk.selectors.after_sales import (
    after_sales_rule_get,
    after_sales_rule_list,
    customer_case_counts,
    customer_text,
)
from kefu.desk.selectors.attachments import attachment_get, attachment_list
from kefu.desk.selectors.calendars import (
    DEFAULT_CALENDAR,
    calendar_from_row,
    client_is_open,
    service_calendar_for,
    service_calendar_get,
    service_calendar_row,
    service_calendar_view,
)
from kefu.desk.selectors.cases import CaseFilter, case_changes, case_events, case_get, case_list
from kefu.desk.selectors.categories import (
    CategoryChoice,
    category_by_path,
    category_choices,
    category_get,
    category_has_children,
    category_in_use,
    category_list,
    category_tree,
    category_tree_exists,
    tree_order,
)
from kefu.desk.selectors.client_settings import (
    desk_settings_for,
    desk_settings_get,
    provider_access_default,
    sla_policy_for,
    sla_policy_get,
    sla_policy_list,
)
from kefu.desk.selectors.conversations import (
    ConversationFilter,
    conversation_get,
    conversation_list,
    conversation_queue_names,
    conversations_for_update,
)
from kefu.desk.selectors.custom_statuses import custom_status_get, custom_status_in_use, custom_status_list
from kefu.desk.selectors.customers import CustomerView, customer_get, customer_row, customer_view
from kefu.desk.selectors.idempotency import idempotency_key_get
from kefu.desk.selectors.messages import (
    first_inbound_message,
    message_list,
    messages_by_external_id,
    visible_messages,
)
from kefu.desk.selectors.reach import OFFLINE_FORM_TAG, ReplyRoute, reply_route
from kefu.desk.selectors.sla import (
    TK,
    Event,
    TimerView,
    conversation_detail,
    conversation_timer_cycles,
    conversation_timers,
    conversation_timers_of,
    sla_breach_list,
)
from kefu.desk.selectors.waiting import (
    agent_places,
    conversation_provider_id,
    has_overflowed,
    recent_agents,
    waiting_for_update,
)

__all__ = [
    "DEFAULT_CALENDAR",
    "MAX_PAGE",
    "OFFLINE_FORM_TAG",
    "TK",
    "CaseFilter",
    "CategoryChoice",
    "ConversationFilter",
    "CustomerView",
    "Event",
    "ReplyRoute",
    "TimerView",
    "after_sales_rule_get",
    "after_sales_rule_list",
    "agent_places",
    "attachment_get",
    "attachment_list",
    "calendar_from_row",
    "case_changes",
    "case_events",
    "case_get",
    "case_list",
    "category_by_path",
    "category_choices",
    "category_get",
    "category_has_children",
    "category_in_use",
    "category_list",
    "category_tree",
    "category_tree_exists",
    "client_is_open",
    "conversation_detail",
    "conversation_get",
    "conversation_list",
    "conversation_provider_id",
    "conversation_queue_names",
    "conversation_timer_cycles",
    "conversation_timers",
    "conversation_timers_of",
    "conversations_for_update",
    "custom_status_get",
    "custom_status_in_use",
    "custom_status_list",
    "customer_case_counts",
    "customer_get",
    "customer_row",
    "customer_text",
    "customer_view",
    "desk_settings_for",
    "desk_settings_get",
    "first_inbound_message",
    "has_overflowed",
    "idempotency_key_get",
    "message_list",
    "messages_by_external_id",
    "provider_access_default",
    "recent_agents",
    "reply_route",
    "service_calendar_for",
    "service_calendar_get",
    "service_calendar_row",
    "service_calendar_view",
    "sla_breach_list",
    "sla_policy_for",
    "sla_policy_get",
    "sla_policy_list",
    "tree_order",
    "visible_messages",
    "waiting_for_update",
]
