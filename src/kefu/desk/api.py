"""Service desk endpoints: conversations, messages, customers (masked; unmask is audited),
SLA timers and policies, service hours, escalation, after-sales cases and rules.

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
    CaseCreateIn,
    CaseLinkIn,
    CaseOut,
    CaseResolveIn,
    CaseStatusIn,
    CaseUpdateIn,
    ConversationCreateIn,
    ConversationDetailOut,
    ConversationOut,
    CustomerCreateIn,
    CustomerOut,
    DecisionOut,
    DeescalateIn,
    DeskSettingsIn,
    DeskSettingsOut,
    EscalateIn,
    EvaluateIn,
    MessageIn,
    MessageOut,
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
    TimerOut,
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


@router.get("/conversations/{conversation_id}", response=ConversationDetailOut)
def get_conversation(request: HttpRequest, conversation_id: int) -> object:
    """With its SLA timers (business time of the client's calendar)."""
    return selectors.conversation_detail(request.access, conversation_id=conversation_id)


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
