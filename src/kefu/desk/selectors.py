"""Reads of the service desk; every read goes through the scope (others' ids are 404)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from kefu.core.errors import NotFound
from kefu.core.scope import Scope
from kefu.desk import masking
from kefu.desk.models import Conversation, Customer, IdempotencyKey, Message
from kefu.desk.permissions import DeskPerm

MAX_PAGE = 500


# --- conversations ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ConversationFilter:
    status: str = ""
    channel: str = ""
    client_id: int | None = None
    customer_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    tags: list[str] = field(default_factory=list)


def conversation_list(scope: Scope, *, filters: ConversationFilter | None = None) -> QuerySet[Conversation]:
    scope.require(DeskPerm.VIEW)
    queryset = Conversation.objects.for_scope(scope).select_related("assignee")
    if filters is None:
        return queryset
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.client_id is not None:
        queryset = queryset.filter(client_id=filters.client_id)
    if filters.customer_id is not None:
        queryset = queryset.filter(customer_id=filters.customer_id)
    if filters.assignee_id is not None:
        queryset = queryset.filter(assignee_id=filters.assignee_id)
    if filters.unassigned:
        queryset = queryset.filter(assignee__isnull=True)
    return queryset


def conversation_get(scope: Scope, *, conversation_id: int, for_update: bool = False) -> Conversation:
    queryset = conversation_list(scope)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    conversation = queryset.filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound()
    return conversation


# --- messages --------------------------------------------------------------------------------
def message_list(
    scope: Scope, *, conversation_id: int, after_seq: int = 0, limit: int = 100
) -> list[Message]:
    """Messages after `after_seq`, oldest first: long threads load in pages, reconnects catch up."""
    conversation = conversation_get(scope, conversation_id=conversation_id)
    limit = max(1, min(limit, MAX_PAGE))
    return list(
        Message.objects.for_scope(scope)
        .filter(conversation=conversation, seq__gt=max(after_seq, 0))
        .select_related("author")
        .order_by("seq")[:limit]
    )


def first_inbound_message(conversation: Conversation) -> Message | None:
    """The customer's first words: first-response time counts from here."""
    return conversation.messages.filter(direction="in").order_by("seq").first()


# --- customers -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CustomerView:
    """A customer as shown: contact data masked unless produced by the audited unmask."""

    id: int
    client_id: int | None
    name: str
    phone: str
    email: str
    address: str
    buyer_id: str
    order_refs: list[str]
    masked: bool


def customer_row(scope: Scope, *, customer_id: int, for_update: bool = False) -> Customer:
    """The stored row (encrypted fields decrypted): for services, never rendered as is."""
    scope.require(DeskPerm.VIEW_CUSTOMERS)
    queryset = Customer.objects.for_scope(scope)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    customer = queryset.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound()
    return customer


def customer_view(customer: Customer, *, masked: bool = True) -> CustomerView:
    def show(kind: masking.MaskKind, value: str) -> str:
        return masking.mask(kind, value) if masked else value

    return CustomerView(
        id=customer.pk,
        client_id=customer.client_id,
        name=show(masking.MaskKind.NAME, customer.name),
        phone=show(masking.MaskKind.PHONE, customer.phone),
        email=show(masking.MaskKind.EMAIL, customer.email),
        address=show(masking.MaskKind.ADDRESS, customer.address),
        buyer_id=customer.buyer_id,
        order_refs=list(customer.order_refs),
        masked=masked,
    )


def customer_get(scope: Scope, *, customer_id: int) -> CustomerView:
    """Masked for everyone: clear values only through `services.customer_unmask` (audited)."""
    return customer_view(customer_row(scope, customer_id=customer_id))


# --- idempotency -----------------------------------------------------------------------------
def idempotency_key_get(scope: Scope, *, key: str, for_update: bool = False) -> IdempotencyKey | None:
    queryset = IdempotencyKey.objects.for_scope(scope).filter(organization_id=scope.organization_id, key=key)
    if for_update:
        queryset = queryset.select_for_update()
    return queryset.first()
