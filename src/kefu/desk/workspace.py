"""Reads the agent workspace needs beyond `desk.selectors`: inbox views, unread counts,
thread pages, the customer panel, phrases with their variables filled.

Everything starts from a desk selector or a scoped manager (`.for_scope(scope)`), so the
pages see exactly what the API sees.

Unread is per person: the customer's messages after the actor's read marker
(`desk.ReadMarker`, moved forward when the actor opens the conversation, sees new messages
arrive in it, or replies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from kefu.core import clock
from kefu.core.roles import permissions_for
from kefu.core.scope import Scope
from kefu.desk import fields, labels, selectors, services
from kefu.desk.models import Attachment, Conversation, Direction, Message, ReadMarker, Status
from kefu.desk.permissions import DeskPerm
from kefu.knowledge import phrases
from kefu.knowledge import selectors as knowledge_selectors
from kefu.quality.permissions import QualityPerm
from kefu.quality.surveys import selectors as survey_selectors
from kefu.routing import selectors as roster_selectors  # which queues an agent serves
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy.permissions import TenancyPerm

THREAD_PAGE = 50
MY_LIST_LIMIT = 30
AT_RISK_SCAN = 200
ACTIVE = (Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER, Status.PENDING_CLIENT)
WAITING = (Status.NEW, Status.OPEN, Status.PENDING_CUSTOMER)  # to pick up (pending L2 is the client's)
DEFAULT_CATEGORIES = ("售前咨询", "物流", "退换货", "退款", "售后维修", "投诉", "其他")


# --- inbox ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InboxFilter:
    view: str = "mine"
    client_id: int | None = None
    channel: str = ""
    status: str = ""
    priority: str = ""
    search: str = ""
    agent_id: int | None = None  # leads: one agent's conversations
    queue: str = ""  # leads: one queue


def inbox_views(scope: Scope) -> list[tuple[str, Any]]:
    """The views this actor gets; client staff start with what was escalated to them."""
    views: list[tuple[str, Any]] = []
    if scope.is_client:
        views.append(("pending_l2", _("Pending L2")))
    if scope.has(DeskPerm.HANDLE):
        views.append(("mine", _("Mine")))
    views.append(("unassigned", _("Unassigned")))
    if scope.has(DeskPerm.HANDLE) and roster_selectors.my_queues(scope):
        views.append(("my_queues", _("My queues")))
    if not scope.is_client:
        views.append(("pending_l2", _("Pending L2")))
    views.append(("at_risk", _("SLA at risk")))
    views.append(("all", _("All")))
    return views


def default_view(scope: Scope) -> str:
    return inbox_views(scope)[0][0]


def with_unread(scope: Scope, queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Annotate `unread`: the customer's messages after the actor's read marker."""
    read = (
        ReadMarker.objects.for_scope(scope)
        .filter(conversation_id=OuterRef("pk"), user_id=scope.user_id)
        .values("last_read_seq")[:1]
    )
    unread = (
        Message.objects.for_scope(scope)
        .filter(conversation_id=OuterRef("pk"), direction=Direction.IN, seq__gt=OuterRef("read_seq"))
        .order_by()
        .values("conversation_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return queryset.annotate(
        read_seq=Coalesce(Subquery(read, output_field=IntegerField()), Value(0)),
    ).annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)))


def _search(queryset: QuerySet[Conversation], text: str) -> QuerySet[Conversation]:
    """Subject, order number, buyer id, phone (exact, by its hash) or `#id`.

    Customer names are encrypted at rest and cannot be searched in the database.
    """
    text = text.strip()
    if not text:
        return queryset
    condition = (
        Q(subject__icontains=text) | Q(order_numbers__icontains=text) | Q(customer__buyer_id__iexact=text)
    )
    digits = text.lstrip("#")
    if digits.isdigit() and len(digits) <= 12:
        condition |= Q(pk=int(digits))
    if sum(c.isdigit() for c in text) >= 7:
        condition |= Q(customer__phone_hash=fields.phone_hash(text))
    return queryset.filter(condition)


def inbox(scope: Scope, filters: InboxFilter) -> QuerySet[Conversation]:
    """The conversations of one inbox view, newest activity first (SLA at risk: the next
    breach first), with `unread` and `waiting_since`."""
    risk_order: list[int] = []
    queryset = selectors.conversation_list(
        scope,
        filters=selectors.ConversationFilter(
            status=filters.status, channel=filters.channel, client_id=filters.client_id
        ),
    ).select_related("customer", "client")
    if filters.view == "mine":
        queryset = queryset.filter(assignee_id=scope.user_id)
        if not filters.status:
            queryset = queryset.filter(status__in=ACTIVE)
    elif filters.view == "unassigned":
        queryset = queryset.filter(assignee__isnull=True)
        if not filters.status:
            queryset = queryset.filter(status__in=WAITING)
    elif filters.view == "my_queues":  # everything still open in the queues I serve, anyone's
        queryset = queryset.filter(queue__in=roster_selectors.my_queues(scope))
        if not filters.status:
            queryset = queryset.filter(status__in=ACTIVE)
    elif filters.view == "pending_l2":
        queryset = queryset.filter(status=Status.PENDING_CLIENT)
    elif filters.view == "at_risk":
        risk_order = at_risk_ids(scope)
        queryset = queryset.filter(pk__in=risk_order)
    if filters.priority:
        queryset = queryset.filter(priority=filters.priority)
    if filters.agent_id is not None and scope.has(DeskPerm.ASSIGN):
        queryset = queryset.filter(assignee_id=filters.agent_id)
    if filters.queue and scope.has(DeskPerm.ASSIGN):
        queryset = queryset.filter(queue=filters.queue)
    queryset = _search(queryset, filters.search)
    queryset = with_waiting(scope, with_unread(scope, queryset))
    if filters.view == "at_risk" and risk_order:  # the next breach first
        rank = Case(
            *[When(pk=pk, then=Value(i)) for i, pk in enumerate(risk_order)], output_field=IntegerField()
        )
        return queryset.order_by(rank, "-id")
    return queryset.order_by("-updated_at", "-id")


def with_waiting(scope: Scope, queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Annotate `waiting_since`: the customer's first message after the last reply (None when
    the last word was ours): how long the customer has waited."""
    last_out = (
        Message.objects.for_scope(scope)
        .filter(conversation_id=OuterRef("pk"), direction=Direction.OUT)
        .order_by("-seq")
        .values("seq")[:1]
    )
    first_waiting = (
        Message.objects.for_scope(scope)
        .filter(conversation_id=OuterRef("pk"), direction=Direction.IN, seq__gt=OuterRef("last_out_seq"))
        .order_by("seq")
        .values("created_at")[:1]
    )
    return queryset.annotate(
        last_out_seq=Coalesce(Subquery(last_out, output_field=IntegerField()), Value(0))
    ).annotate(waiting_since=Subquery(first_waiting))


def _watched_party(scope: Scope) -> str | None:
    """Whose clocks an actor watches: the provider's own; the client's staff every clock of
    their own conversations (the provider's SLA toward them and their L2 clock)."""
    return None if scope.is_client else "provider"


def next_breach(scope: Scope, conversation: Conversation) -> selectors.TimerView | None:
    """The running timer closest to its deadline (a breached one first), of the watched party."""
    party = _watched_party(scope)
    running = [
        t
        for t in selectors.conversation_timers_of(conversation)
        if t.status in ("running", "warning", "breached") and (party is None or t.party == party)
    ]
    if not running:
        return None
    return min(running, key=lambda t: (t.status != "breached", t.remaining_s))


def at_risk_ids(scope: Scope) -> list[int]:
    """Active conversations with a timer warning or breached (the latest AT_RISK_SCAN only),
    the nearest breach first (those already breached first of all, longest overdue first)."""
    active = selectors.conversation_list(scope).filter(status__in=ACTIVE).order_by("-updated_at")
    party = _watched_party(scope)
    found: list[tuple[tuple[int, float], int]] = []
    for conversation in active[:AT_RISK_SCAN]:
        risky = [
            t
            for t in selectors.conversation_timers_of(conversation)
            if t.status in ("warning", "breached") and (party is None or t.party == party)
        ]
        if risky:
            breached = [(t.breached_at or t.deadline) for t in risky if t.status == "breached"]
            if breached:
                key = (0, min((at.timestamp() for at in breached if at is not None), default=0.0))
            else:
                key = (1, float(min(t.remaining_s for t in risky)))
            found.append((key, conversation.pk))
    return [pk for _key, pk in sorted(found)]


def inbox_rows(scope: Scope, page: Any) -> list[dict[str, Any]]:
    """What each inbox row shows beyond the conversation: the masked customer, how long the
    customer has waited, and the time left to the next SLA breach."""
    now = clock.now()
    rows = []
    for conversation in page:
        waiting = getattr(conversation, "waiting_since", None)
        active = conversation.status in ACTIVE
        timer = next_breach(scope, conversation) if active else None
        rows.append(
            {
                "c": conversation,
                "customer": customer_label(conversation),
                "waited_s": int((now - waiting).total_seconds()) if waiting and active else None,
                "breach": timer,
                "breach_s": None
                if timer is None
                else (0 if timer.status == "breached" else timer.remaining_s),
                "overdue_s": int((now - timer.breached_at).total_seconds())
                if timer is not None and timer.status == "breached" and timer.breached_at
                else None,
            }
        )
    return rows


def queue_choices(scope: Scope) -> list[str]:
    """The queues of the actor's conversations, for the leads' queue filter."""
    return list(
        selectors.conversation_list(scope)
        .exclude(queue="")
        .order_by("queue")
        .values_list("queue", flat=True)
        .distinct()[:200]
    )


def my_open(scope: Scope) -> list[Conversation]:
    """The left column: the actor's active conversations (several chats at once)."""
    if scope.user_id is None:
        return []
    queryset = selectors.conversation_list(
        scope, filters=selectors.ConversationFilter(assignee_id=scope.user_id)
    ).filter(status__in=ACTIVE)
    return list(
        with_unread(scope, queryset.select_related("customer")).order_by("-updated_at", "-id")[:MY_LIST_LIMIT]
    )


def customer_label(conversation: Conversation) -> str:
    """The masked name (or buyer id) for lists; never the clear name."""
    customer = conversation.customer
    if customer is None:
        return ""
    view = selectors.customer_view(customer)
    return view.name or view.buyer_id or view.phone


# --- thread ----------------------------------------------------------------------------------
def thread_page(
    scope: Scope, conversation: Conversation, *, before_seq: int | None = None, limit: int = THREAD_PAGE
) -> tuple[list[Message], bool]:
    """The `limit` messages before `before_seq` (default: the latest), oldest first, and
    whether older ones exist. Uses the (conversation, seq) index: opening a thread of any
    length reads one page."""
    queryset = selectors.visible_messages(scope, Message.objects.for_scope(scope)).filter(
        conversation=conversation
    )
    if before_seq is not None:
        queryset = queryset.filter(seq__lt=before_seq)
    rows = list(queryset.select_related("author").order_by("-seq")[: limit + 1])
    has_earlier = len(rows) > limit
    page = list(reversed(rows[:limit]))
    _attach_files(scope, page)
    return page, has_earlier


def _attach_files(scope: Scope, thread: list[Message]) -> None:
    """Give each message its `files` (one query for the page)."""
    by_message: dict[int, list[Attachment]] = {m.pk: [] for m in thread}
    if by_message:
        rows = Attachment.objects.for_scope(scope).filter(message_id__in=list(by_message)).order_by("id")
        for row in rows:
            by_message[row.message_id].append(row)  # type: ignore[index]
    for message in thread:
        message.files = by_message[message.pk]  # type: ignore[attr-defined]


def messages_after(scope: Scope, conversation: Conversation, *, after_seq: int) -> list[Message]:
    """New messages since the page's last one (live updates append these)."""
    thread = selectors.message_list(scope, conversation_id=conversation.pk, after_seq=after_seq, limit=200)
    _attach_files(scope, thread)
    return thread


# --- side panel ------------------------------------------------------------------------------
def customer_panel(scope: Scope, conversation: Conversation) -> selectors.CustomerView | None:
    if conversation.customer_id is None or not scope.has(DeskPerm.VIEW_CUSTOMERS):
        return None
    return selectors.customer_get(scope, customer_id=conversation.customer_id)


def customer_history(scope: Scope, conversation: Conversation, *, limit: int = 10) -> list[Conversation]:
    if conversation.customer_id is None:
        return []
    queryset = selectors.conversation_list(
        scope, filters=selectors.ConversationFilter(customer_id=conversation.customer_id)
    ).exclude(pk=conversation.pk)
    return list(queryset.order_by("-created_at")[:limit])


TIMER_LABELS = {
    "first_response": _("First response"),
    "next_response": _("Next response"),
    "resolution": _("Resolution"),
    "l2_resolution": _("L2 resolution"),
}


def timers(scope: Scope, conversation: Conversation) -> list[dict[str, Any]]:
    """The conversation's running SLA timers, as the side panel shows them."""
    return [
        {
            "kind": t.kind,
            "label": TIMER_LABELS.get(t.kind, t.kind),
            "party": t.party,
            "status": str(t.status),
            "remaining_min": round(t.remaining_s / 60),
            "deadline": t.deadline,
        }
        for t in selectors.conversation_timers_of(conversation)
    ]


@dataclass(frozen=True)
class CategoryOptions:
    """What the category field offers: the client's tree (pick a leaf), or free-text suggestions."""

    tree: list[selectors.CategoryChoice]
    suggestions: list[str]


def categories(scope: Scope, conversation: Conversation) -> CategoryOptions:
    """The client's category tree when it has one; else the client's categories in use,
    then the defaults, as suggestions for free text."""
    if conversation.client_id is not None and selectors.category_tree_exists(conversation.client_id):
        return CategoryOptions(
            tree=selectors.category_choices(scope, client_id=conversation.client_id), suggestions=[]
        )
    used = (
        selectors.conversation_list(
            scope, filters=selectors.ConversationFilter(client_id=conversation.client_id)
        )
        .exclude(category="")
        .order_by()
        .values_list("category", flat=True)
        .distinct()[:100]
    )
    return CategoryOptions(tree=[], suggestions=list(dict.fromkeys([*sorted(used), *DEFAULT_CATEGORIES])))


def custom_statuses(scope: Scope, conversation: Conversation) -> list[Any]:
    """The client's active custom statuses, offered in the status menu."""
    if conversation.client_id is None:
        return []
    return list(selectors.custom_status_list(scope, client_id=conversation.client_id, active_only=True))


RESOLUTION_CODES = labels.RESOLUTION_CODES
TAG_LABELS = labels.TAG_LABELS
resolution_label = labels.resolution_label


def rating(scope: Scope, conversation: Conversation) -> survey_selectors.AnswerView | None:
    """The customer's survey answer (CSAT, NPS, further answers), for those who may read them."""
    if not scope.has(QualityPerm.VIEW_SURVEYS):
        return None
    return survey_selectors.answer_view(scope, conversation_id=conversation.pk)


def survey_links(scope: Scope, conversation: Conversation, answered: bool) -> dict[str, Any] | None:
    """The survey links sent for the conversation and whether the actor may send one now."""
    if not (scope.has(QualityPerm.SEND_SURVEYS) or scope.has(QualityPerm.VIEW_SURVEYS)):
        return None
    sent = list(survey_selectors.invitation_list(scope, conversation_id=conversation.pk))
    can_send = (
        scope.has(QualityPerm.SEND_SURVEYS)
        and scope.is_provider
        and not answered
        and conversation.status in ("resolved", "closed")
        and not any(link.status != "failed" and link.expires_at > clock.now() for link in sent)
    )
    if not sent and not can_send:
        return None
    return {"sent": sent, "can_send": can_send}


def attachments(scope: Scope, conversation: Conversation) -> list[Attachment]:
    """Every file of the conversation (the side panel lists them)."""
    return list(selectors.attachment_list(scope, conversation_id=conversation.pk))


def transfer_candidates(scope: Scope) -> list[tuple[int, str]]:
    """Members of the actor's organisation who can handle conversations (for transfer)."""
    if not (scope.has(DeskPerm.ASSIGN) and scope.has(TenancyPerm.VIEW_MEMBERS)):
        return []
    result = []
    for membership in tenancy_selectors.membership_list(scope).filter(is_active=True, user__is_active=True):
        if DeskPerm.HANDLE in permissions_for(membership.role):
            result.append((membership.user_id, str(membership.user)))
    return result


def escalation_actions() -> tuple[bool, bool]:
    return hasattr(services, "conversation_escalate"), hasattr(services, "conversation_deescalate")


# --- quick phrases ---------------------------------------------------------------------------
def phrase_variables() -> list[str]:
    """The variable names the reply box checks for before sending."""
    return list(phrases.VARIABLES)


def phrase_values(
    conversation: Conversation, customer: selectors.CustomerView | None, agent_name: str
) -> dict[str, str]:
    """Variable values for phrases. The customer's name is what the agent may see: the
    visible part of the masked name (张 for 张三), never the clear value."""
    name = (customer.name if customer else "").replace("*", "").strip()
    orders = list(conversation.order_numbers or []) or list(customer.order_refs if customer else [])
    return {
        "customer_name": name,
        "agent_name": agent_name,
        "order_number": orders[0] if orders else "",
        "client_name": conversation.client.name if conversation.client_id else "",
    }


def phrases_for_reply(
    scope: Scope, conversation: Conversation, values: dict[str, str]
) -> list[dict[str, Any]]:
    """The phrases offered in the reply box, with variables filled (rendered once, here)."""
    if conversation.client_id is None:
        return []
    return [
        {
            "id": p.pk,
            "title": p.title,
            "shortcut": p.shortcut,
            "category": p.category,
            "text": phrases.render(p.body, values),
        }
        for p in knowledge_selectors.quick_phrases_for_reply(scope, client_id=conversation.client_id)
    ]
