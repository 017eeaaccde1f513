"""Service desk endpoints: conversations, messages, customers (masked; unmask is audited).

Writes that external systems retry accept an `Idempotency-Key` header: the same key and
body return the first answer again, the same key with another body is a 409.
"""

from collections.abc import Callable

from django.http import HttpRequest
from ninja import Header, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from kefu.desk import selectors, services
from kefu.desk.schemas import (
    AssignIn,
    ConversationCreateIn,
    ConversationOut,
    CustomerCreateIn,
    CustomerOut,
    MessageIn,
    MessageOut,
    StatusIn,
    UnmaskIn,
)

router = Router(tags=["desk"])

IDEMPOTENCY_DOC = "Retry-safe writes: the same key and body return the first answer again."


def _once(
    request: HttpRequest,
    key: str | None,
    payload: Schema,
    status: int,
    out: type[Schema],
    run: Callable[[], object],
) -> Status[object]:
    """Run the write, or replay it when the request carries an Idempotency-Key seen before."""
    if not key:
        return Status(status, run())
    code, body = services.idempotency_key_use(
        request.access,
        key=key,
        request_hash=services.request_fingerprint(request.method or "", request.path, payload.dict()),
        status=status,
        produce=lambda: out.from_orm(run()).model_dump(mode="json"),
    )
    return Status(code, body)


# --- conversations ---------------------------------------------------------------------------
@router.get("/conversations", response=list[ConversationOut])
@paginate(PageNumberPagination, page_size=50)
def list_conversations(
    request: HttpRequest,
    status: str = "",
    channel: str = "",
    client_id: int | None = None,
    customer_id: int | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
) -> object:
    filters = selectors.ConversationFilter(
        status=status,
        channel=channel,
        client_id=client_id,
        customer_id=customer_id,
        assignee_id=assignee_id,
        unassigned=unassigned,
    )
    return selectors.conversation_list(request.access, filters=filters)


@router.post("/conversations", response={201: ConversationOut})
def create_conversation(
    request: HttpRequest,
    payload: ConversationCreateIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", description=IDEMPOTENCY_DOC),
) -> Status[object]:
    return _once(
        request,
        idempotency_key,
        payload,
        201,
        ConversationOut,
        lambda: services.conversation_create(request.access, **payload.dict()),
    )


@router.get("/conversations/{conversation_id}", response=ConversationOut)
def get_conversation(request: HttpRequest, conversation_id: int) -> object:
    return selectors.conversation_get(request.access, conversation_id=conversation_id)


@router.post("/conversations/{conversation_id}/assign", response=ConversationOut)
def assign_conversation(request: HttpRequest, conversation_id: int, payload: AssignIn) -> object:
    return services.conversation_assign(
        request.access, conversation_id=conversation_id, agent_id=payload.agent_id
    )


@router.post("/conversations/{conversation_id}/status", response=ConversationOut)
def set_conversation_status(request: HttpRequest, conversation_id: int, payload: StatusIn) -> object:
    return services.conversation_set_status(request.access, conversation_id=conversation_id, **payload.dict())


# --- messages --------------------------------------------------------------------------------
@router.get("/conversations/{conversation_id}/messages", response=list[MessageOut])
def list_messages(request: HttpRequest, conversation_id: int, after_seq: int = 0, limit: int = 100) -> object:
    """Oldest first after `after_seq`; pass the last `seq` you hold to get only what is new."""
    return selectors.message_list(
        request.access, conversation_id=conversation_id, after_seq=after_seq, limit=limit
    )


@router.post("/conversations/{conversation_id}/messages", response={201: MessageOut})
def post_message(
    request: HttpRequest,
    conversation_id: int,
    payload: MessageIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", description=IDEMPOTENCY_DOC),
) -> Status[object]:
    return _once(
        request,
        idempotency_key,
        payload,
        201,
        MessageOut,
        lambda: services.message_post(request.access, conversation_id=conversation_id, **payload.dict()),
    )


# --- customers -------------------------------------------------------------------------------
@router.post("/customers", response={201: CustomerOut})
def create_customer(
    request: HttpRequest,
    payload: CustomerCreateIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", description=IDEMPOTENCY_DOC),
) -> Status[object]:
    def run() -> object:
        customer = services.customer_create(request.access, **payload.dict())
        return selectors.customer_view(customer)

    return _once(request, idempotency_key, payload, 201, CustomerOut, run)


@router.get("/customers/{customer_id}", response=CustomerOut)
def get_customer(request: HttpRequest, customer_id: int) -> object:
    """Contact data masked (`138****5678`); see the unmask endpoint for the clear values."""
    return selectors.customer_get(request.access, customer_id=customer_id)


@router.post("/customers/{customer_id}/unmask", response=CustomerOut)
def unmask_customer(request: HttpRequest, customer_id: int, payload: UnmaskIn) -> object:
    """Clear contact data; needs the unmask permission and is written to the client's access log."""
    return services.customer_unmask(
        request.access,
        customer_id=customer_id,
        reason=payload.reason,
        ip_address=request.META.get("REMOTE_ADDR"),
    )
