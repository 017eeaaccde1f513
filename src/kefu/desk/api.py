"""Service desk endpoints: conversations, messages, attachments (downloads are logged),
read markers, customers (masked; unmask is audited), SLA timers and policies, service
hours, escalation, after-sales cases and rules, the client's custom statuses and categories.

Writes that external systems retry accept an `Idempotency-Key` header: the same key and
body return the first answer again, the same key with another body is a 409.
"""

from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Header, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from kefu.core.lean import tidy_connections
from kefu.desk import http, ingest, selectors, services
from kefu.desk.schemas import (
    AssignIn,
    AttachmentOut,
    CaseCreateIn,
    CaseLinkIn,
    CaseOut,
    CaseResolveIn,
    CaseStatusIn,
    CaseUpdateIn,
    CategoryCreateIn,
    CategoryIn,
    CategoryOut,
    ConversationCreateIn,
    ConversationDetailOut,
    ConversationOut,
    CustomerCreateIn,
    CustomerOut,
    CustomStatusCreateIn,
    CustomStatusIn,
    CustomStatusOut,
    DecisionOut,
    DeescalateIn,
    DeskSettingsIn,
    DeskSettingsOut,
    ErrorOut,
    EscalateIn,
    EvaluateIn,
    MessageIn,
    MessageOut,
    OfferOut,
    ReadIn,
    ReadOut,
    ResolutionCodeIn,
    RuleCreateIn,
    RuleIn,
    RuleOut,
    ServiceCalendarIn,
    ServiceCalendarOut,
    SlaBreachOut,
    SlaPolicyCreateIn,
    SlaPolicyIn,
    SlaPolicyOut,
    StatusIn,
    TagsIn,
    TimerOut,
    UnmaskIn,
)
from kefu.routing import offer_selectors
from kefu.tenancy.auth import ASYNC_API_AUTH

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
    queue: str = "",
) -> object:
    """`queue`: one queue name, or several separated by commas."""
    filters = selectors.ConversationFilter(
        status=status,
        channel=channel,
        client_id=client_id,
        customer_id=customer_id,
        assignee_id=assignee_id,
        unassigned=unassigned,
        queues=[name.strip() for name in queue.split(",") if name.strip()],
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


@router.get("/conversations/{conversation_id}", response=ConversationDetailOut)
def get_conversation(request: HttpRequest, conversation_id: int) -> object:
    """With its SLA timers (business time of the client's calendar)."""
    return selectors.conversation_detail(request.access, conversation_id=conversation_id)


@router.post("/conversations/{conversation_id}/assign", response=ConversationOut)
def assign_conversation(request: HttpRequest, conversation_id: int, payload: AssignIn) -> object:
    return services.conversation_assign(
        request.access, conversation_id=conversation_id, agent_id=payload.agent_id
    )


# --- offers of automatic assignment (docs/routing.md, "Offers") -------------------------------------
@router.get("/offers", response=list[OfferOut])
def list_offers(request: HttpRequest) -> object:
    """The caller's own offers still open, oldest first."""
    return list(offer_selectors.offer_list_pending(request.access))


@router.post("/offers/{offer_id}/accept", response=ConversationOut)
def accept_offer(request: HttpRequest, offer_id: int) -> object:
    """Take the offered conversation (409 once the offer is no longer open)."""
    return services.offer_accept(request.access, offer_id=offer_id)


@router.post("/offers/{offer_id}/decline", response=OfferOut)
def decline_offer(request: HttpRequest, offer_id: int) -> object:
    """Pass: the conversation goes back to its queue for someone else."""
    return services.offer_decline(request.access, offer_id=offer_id)


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


@router.post("/conversations/{conversation_id}/messages", response={201: MessageOut}, auth=ASYNC_API_AUTH)
async def post_message(
    request: HttpRequest,
    conversation_id: int,
    payload: MessageIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", description=IDEMPOTENCY_DOC),
) -> Status[object]:
    """Customers' messages (`direction: in`) are group-committed with the others arriving at
    the same moment: the answer still comes after this one is stored, with its own errors."""
    inbound = inbound_of(request, conversation_id, payload, idempotency_key)
    if inbound is not None:
        return Status(201, await ingest.inbound_post(inbound))

    def post() -> Status[object]:
        return _once(
            request,
            idempotency_key,
            payload,
            201,
            MessageOut,
            lambda: services.message_post(request.access, conversation_id=conversation_id, **payload.dict()),
        )

    return await sync_to_async(tidy_connections(post))()


def inbound_of(
    request: HttpRequest, conversation_id: int, payload: MessageIn, idempotency_key: str | None
) -> ingest.Inbound | None:
    """The post as a customer's message for the group commit, or None when it is not one (an
    agent's reply, a note, or a keyed retry, which is answered from the key's record).

    Shared with the bearer-token fast path (`kefu.config.api_asgi`), which answers the same
    posts without the router."""
    if payload.direction != "in" or idempotency_key:
        return None
    return ingest.Inbound(
        scope=request.access,
        conversation_id=conversation_id,
        body=payload.body,
        external_id=payload.external_id,
        channel_data=payload.channel_data,
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


# --- SLA: timers, breaches, policies, service hours ----------------------------------------------
@router.get("/conversations/{conversation_id}/timers", response=list[TimerOut])
def get_conversation_timers(request: HttpRequest, conversation_id: int) -> object:
    return selectors.conversation_timers(request.access, conversation_id=conversation_id)


@router.get("/sla-breaches", response=list[SlaBreachOut])
@paginate(PageNumberPagination, page_size=50)
def list_sla_breaches(
    request: HttpRequest, client_id: int | None = None, conversation_id: int | None = None
) -> object:
    return selectors.sla_breach_list(request.access, client_id=client_id, conversation_id=conversation_id)


@router.get("/sla-policies", response=list[SlaPolicyOut])
def list_sla_policies(request: HttpRequest, client_id: int | None = None) -> object:
    return selectors.sla_policy_list(request.access, client_id=client_id)


@router.post("/sla-policies", response={201: SlaPolicyOut})
def create_sla_policy(request: HttpRequest, payload: SlaPolicyCreateIn) -> Status[object]:
    return Status(201, services.sla_policy_create(request.access, **payload.dict()))


@router.get("/sla-policies/{policy_id}", response=SlaPolicyOut)
def get_sla_policy(request: HttpRequest, policy_id: int) -> object:
    return selectors.sla_policy_get(request.access, policy_id=policy_id)


@router.put("/sla-policies/{policy_id}", response=SlaPolicyOut)
def update_sla_policy(request: HttpRequest, policy_id: int, payload: SlaPolicyIn) -> object:
    return services.sla_policy_update(request.access, policy_id=policy_id, **payload.dict())


@router.delete("/sla-policies/{policy_id}", response={204: None})
def delete_sla_policy(request: HttpRequest, policy_id: int) -> Status[None]:
    services.sla_policy_delete(request.access, policy_id=policy_id)
    return Status(204, None)


@router.get("/service-calendars/{client_id}", response=ServiceCalendarOut)
def get_service_calendar(request: HttpRequest, client_id: int) -> object:
    """The client's service hours; `is_default` when it has not set its own (09:00-24:00 daily)."""
    return selectors.service_calendar_view(request.access, client_id=client_id)


@router.put("/service-calendars/{client_id}", response=ServiceCalendarOut)
def set_service_calendar(request: HttpRequest, client_id: int, payload: ServiceCalendarIn) -> object:
    row = services.service_calendar_set(request.access, client_id=client_id, **payload.dict())
    return selectors.service_calendar_view(request.access, client_id=row.client_id)


@router.get("/desk-settings/{client_id}", response=DeskSettingsOut)
def get_desk_settings(request: HttpRequest, client_id: int) -> object:
    return selectors.desk_settings_get(request.access, client_id=client_id)


@router.put("/desk-settings/{client_id}", response=DeskSettingsOut)
def set_desk_settings(request: HttpRequest, client_id: int, payload: DeskSettingsIn) -> object:
    """Whether the provider keeps view or edit access to items escalated to the client's staff."""
    return services.desk_settings_set(request.access, client_id=client_id, **payload.dict())


# --- escalation and after-sales rules ------------------------------------------------------------
@router.post("/conversations/{conversation_id}/escalate", response=ConversationDetailOut)
def escalate_conversation(request: HttpRequest, conversation_id: int, payload: EscalateIn) -> object:
    """Share with the client's L2 staff (status pending_client); the provider's SLA clock stops."""
    services.conversation_escalate(request.access, conversation_id=conversation_id, **payload.dict())
    return selectors.conversation_detail(request.access, conversation_id=conversation_id)


@router.post("/conversations/{conversation_id}/deescalate", response=ConversationDetailOut)
def deescalate_conversation(request: HttpRequest, conversation_id: int, payload: DeescalateIn) -> object:
    """Hand back to the provider; its SLA clock resumes."""
    services.conversation_deescalate(request.access, conversation_id=conversation_id, **payload.dict())
    return selectors.conversation_detail(request.access, conversation_id=conversation_id)


@router.post("/conversations/{conversation_id}/after-sales-decision", response=DecisionOut)
def evaluate_after_sales_rules(request: HttpRequest, conversation_id: int, payload: EvaluateIn) -> object:
    """Which side answers, by the client's after-sales rules (first match wins)."""
    return services.after_sales_evaluate(request.access, conversation_id=conversation_id, **payload.dict())


@router.get("/after-sales-rules", response=list[RuleOut])
def list_after_sales_rules(request: HttpRequest, client_id: int | None = None) -> object:
    return selectors.after_sales_rule_list(request.access, client_id=client_id)


@router.post("/after-sales-rules", response={201: RuleOut})
def create_after_sales_rule(request: HttpRequest, payload: RuleCreateIn) -> Status[object]:
    return Status(201, services.after_sales_rule_create(request.access, **payload.dict()))


@router.get("/after-sales-rules/{rule_id}", response=RuleOut)
def get_after_sales_rule(request: HttpRequest, rule_id: int) -> object:
    return selectors.after_sales_rule_get(request.access, rule_id=rule_id)


@router.put("/after-sales-rules/{rule_id}", response=RuleOut)
def update_after_sales_rule(request: HttpRequest, rule_id: int, payload: RuleIn) -> object:
    values = payload.dict()
    values["position"] = values["position"] or 0
    return services.after_sales_rule_update(request.access, rule_id=rule_id, **values)


@router.delete("/after-sales-rules/{rule_id}", response={204: None})
def delete_after_sales_rule(request: HttpRequest, rule_id: int) -> Status[None]:
    services.after_sales_rule_delete(request.access, rule_id=rule_id)
    return Status(204, None)


# --- cases -----------------------------------------------------------------------------------
@router.get("/cases", response=list[CaseOut])
@paginate(PageNumberPagination, page_size=50)
def list_cases(
    request: HttpRequest,
    status: str = "",
    type: str = "",
    client_id: int | None = None,
    owner_id: int | None = None,
    customer_id: int | None = None,
    conversation_id: int | None = None,
) -> object:
    filters = selectors.CaseFilter(
        status=status,
        type=type,
        client_id=client_id,
        owner_id=owner_id,
        customer_id=customer_id,
        conversation_id=conversation_id,
    )
    return selectors.case_list(request.access, filters=filters)


@router.post("/cases", response={201: CaseOut})
def create_case(request: HttpRequest, payload: CaseCreateIn) -> Status[object]:
    return Status(201, services.case_create(request.access, **payload.dict()))


@router.get("/cases/{case_id}", response=CaseOut)
def get_case(request: HttpRequest, case_id: int) -> object:
    return selectors.case_get(request.access, case_id=case_id)


@router.patch("/cases/{case_id}", response=CaseOut)
def update_case(request: HttpRequest, case_id: int, payload: CaseUpdateIn) -> object:
    return services.case_update(request.access, case_id=case_id, **payload.dict())


@router.post("/cases/{case_id}/status", response=CaseOut)
def set_case_status(request: HttpRequest, case_id: int, payload: CaseStatusIn) -> object:
    """new → in_progress → waiting_customer / waiting_client → resolved → closed; reopen to in_progress."""
    return services.case_update_status(request.access, case_id=case_id, status=payload.status)


@router.post("/cases/{case_id}/resolve", response=CaseOut)
def resolve_case(request: HttpRequest, case_id: int, payload: CaseResolveIn) -> object:
    return services.case_resolve(request.access, case_id=case_id, code=payload.code, amount=payload.amount)


@router.post("/cases/{case_id}/conversations", response=CaseOut)
def link_case_conversation(request: HttpRequest, case_id: int, payload: CaseLinkIn) -> object:
    return services.case_link_conversation(
        request.access, case_id=case_id, conversation_id=payload.conversation_id
    )


# --- tags, resolution code, read markers -----------------------------------------------------------
@router.post("/conversations/{conversation_id}/tags", response=ConversationOut)
def change_conversation_tags(request: HttpRequest, conversation_id: int, payload: TagsIn) -> object:
    """Add and remove tags in one call (audited)."""
    return services.conversation_change_tags(
        request.access, conversation_id=conversation_id, add=payload.add, remove=payload.remove
    )


@router.post("/conversations/{conversation_id}/resolution-code", response=ConversationOut)
def set_conversation_resolution_code(
    request: HttpRequest, conversation_id: int, payload: ResolutionCodeIn
) -> object:
    """Correct the resolution code (usually given with the status change to resolved)."""
    return services.conversation_set_resolution_code(
        request.access, conversation_id=conversation_id, code=payload.code
    )


@router.post("/conversations/{conversation_id}/read", response=ReadOut)
def mark_conversation_read(request: HttpRequest, conversation_id: int, payload: ReadIn) -> object:
    """Your read position (per person): unread badges count customer messages after it."""
    seq = services.conversation_mark_read(request.access, conversation_id=conversation_id, seq=payload.seq)
    return {"conversation_id": conversation_id, "last_read_seq": seq}


# --- attachments -----------------------------------------------------------------------------
@router.get("/conversations/{conversation_id}/attachments", response=list[AttachmentOut])
def list_attachments(request: HttpRequest, conversation_id: int) -> object:
    return selectors.attachment_list(request.access, conversation_id=conversation_id)


@router.post(
    "/conversations/{conversation_id}/attachments",
    response={201: AttachmentOut, 413: ErrorOut},
)
def upload_attachment(
    request: HttpRequest,
    conversation_id: int,
    file: UploadedFile | None = File(None),  # noqa: B008 (ninja's way of declaring a part)
    message_id: int | None = Form(None),
) -> Status[object]:
    """Multipart upload (`file`, optional `message_id`). The type is read from the content:
    JPEG, PNG, GIF, WebP, PDF, text, CSV, XLSX or DOCX; at most 20 MB (413 above)."""
    try:
        attachment = services.attachment_create(
            request.access,
            conversation_id=conversation_id,
            filename=file.name if file is not None else "",
            content=file if file is not None else b"",
            message_id=message_id,
        )
    except services.FileTooLarge as error:
        return Status(413, {"error": {"code": "too_large", "message": str(error.message), "field": "file"}})
    return Status(201, attachment)


@router.get("/attachments/{attachment_id}", response=AttachmentOut)
def get_attachment(request: HttpRequest, attachment_id: int) -> object:
    return selectors.attachment_get(request.access, attachment_id=attachment_id)


@router.get("/attachments/{attachment_id}/content", response={200: None})
def download_attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """The file itself, as a download (`Content-Disposition: attachment`); logged."""
    attachment, handle = services.attachment_open(
        request.access, attachment_id=attachment_id, ip_address=request.META.get("REMOTE_ADDR")
    )
    return http.download_response(attachment, handle)


# --- the client's custom statuses and category tree ------------------------------------------------
@router.get("/custom-statuses", response=list[CustomStatusOut])
def list_custom_statuses(request: HttpRequest, client_id: int | None = None) -> object:
    return selectors.custom_status_list(request.access, client_id=client_id)


@router.post("/custom-statuses", response={201: CustomStatusOut})
def create_custom_status(request: HttpRequest, payload: CustomStatusCreateIn) -> Status[object]:
    """Client admins: a status of their own mapped onto open / pending_customer / pending_client."""
    return Status(201, services.custom_status_create(request.access, **payload.dict()))


@router.get("/custom-statuses/{status_id}", response=CustomStatusOut)
def get_custom_status(request: HttpRequest, status_id: int) -> object:
    return selectors.custom_status_get(request.access, status_id=status_id)


@router.put("/custom-statuses/{status_id}", response=CustomStatusOut)
def update_custom_status(request: HttpRequest, status_id: int, payload: CustomStatusIn) -> object:
    return services.custom_status_update(request.access, status_id=status_id, **payload.dict())


@router.delete("/custom-statuses/{status_id}", response={204: None})
def delete_custom_status(request: HttpRequest, status_id: int) -> Status[None]:
    services.custom_status_delete(request.access, status_id=status_id)
    return Status(204, None)


@router.get("/categories", response=list[CategoryOut])
def list_categories(request: HttpRequest, client_id: int | None = None, active_only: bool = False) -> object:
    """The client's category tree (问题分类) in the client's order: each level by `position`,
    children right under their parent."""
    return selectors.category_tree(request.access, client_id=client_id, active_only=active_only)


@router.post("/categories", response={201: CategoryOut})
def create_category(request: HttpRequest, payload: CategoryCreateIn) -> Status[object]:
    """Client admins: a node under `parent_id` (at most three levels)."""
    return Status(201, services.category_create(request.access, **payload.dict()))


@router.get("/categories/{category_id}", response=CategoryOut)
def get_category(request: HttpRequest, category_id: int) -> object:
    return selectors.category_get(request.access, category_id=category_id)


@router.put("/categories/{category_id}", response=CategoryOut)
def update_category(request: HttpRequest, category_id: int, payload: CategoryIn) -> object:
    """Rename (paths below follow), reorder, or retire with active=false."""
    return services.category_update(request.access, category_id=category_id, **payload.dict())


@router.delete("/categories/{category_id}", response={204: None})
def delete_category(request: HttpRequest, category_id: int) -> Status[None]:
    services.category_delete(request.access, category_id=category_id)
    return Status(204, None)
