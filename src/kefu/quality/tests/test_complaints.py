"""The complaints register: raising from a conversation, a case or the client, the workflow and
its callback, the events `complaint_rate` counts, scoping and the audit trail."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.analytics.models import ContactEvent
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.desk import services as desk_services
from kefu.quality.complaints import selectors, services, workflow
from kefu.quality.tests.reviewing_helpers import finished
from kefu.tenancy.models import AuditEvent
from kefu.testing.plugin import Tenants

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 12, 3, 15, 0, tzinfo=SH)


# --- the pure workflow ---------------------------------------------------------------------------
def test_the_workflow_allows_only_its_transitions() -> None:
    assert workflow.allowed("new", "investigating") and workflow.allowed("resolved", "investigating")
    assert not workflow.allowed("new", "closed")  # closing comes after a resolution
    assert not workflow.allowed("closed", "investigating") and not workflow.allowed("withdrawn", "new")


def test_default_due_dates_follow_the_severity() -> None:
    assert workflow.default_due(AT, "critical") == AT + timedelta(hours=12)
    assert workflow.default_due(AT, "low") == AT + timedelta(days=7)
    assert workflow.is_overdue("new", AT, AT + timedelta(seconds=1))
    assert not workflow.is_overdue("resolved", AT, AT + timedelta(days=9))


def test_the_trend_counts_by_week_category_and_severity_with_empty_weeks() -> None:
    rows = [
        (date(2026, 11, 30), "物流", "high"),  # Monday of week 1
        (date(2026, 12, 6), "物流", "low"),  # Sunday of week 1
        (date(2026, 12, 16), "服务态度", "high"),  # week 3
    ]
    trend = workflow.trend(rows, first=date(2026, 12, 1), last=date(2026, 12, 16))
    assert trend["weeks"] == ["2026-11-30", "2026-12-07", "2026-12-14"]
    assert trend["by_week"] == [2, 0, 1]
    assert trend["by_category"] == [("物流", 2), ("服务态度", 1)]
    assert dict(trend["by_severity"]) == {"low": 1, "medium": 0, "high": 2, "critical": 0}
    assert trend["severity_by_week"]["high"] == [1, 0, 1]


# --- the register --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_agent_raises_a_complaint_from_a_conversation_and_the_log_records_it(tenants: Tenants) -> None:
    conversation_id = finished(tenants, AT)
    agent = tenants.scope("pa", "agent")
    with clock.at(AT + timedelta(hours=1)):
        complaint = services.complaint_create(
            agent, conversation_id=conversation_id, subject="客服态度差", severity="high"
        )
    assert (complaint.source, complaint.channel, complaint.status) == ("conversation", "chat", "new")
    assert complaint.client_id == tenants.ca1.pk and complaint.provider_id == tenants.pa.pk
    assert complaint.due_at == AT + timedelta(hours=1) + timedelta(days=1)
    event = ContactEvent.all_tenants.get(type="complaint_registered")
    assert (event.conversation_id, event.data["complaint_id"], event.data["severity"]) == (
        conversation_id,
        complaint.pk,
        "high",
    )
    assert AuditEvent.all_tenants.filter(action="quality.complaint_create").count() == 1
    # the agent sees their own; the other provider's people see nothing
    assert list(selectors.complaint_list(agent)) == [complaint]
    with pytest.raises(NotFound):
        selectors.complaint_get(tenants.scope("pb", "qa_inspector"), complaint_id=complaint.pk)


@pytest.mark.django_db
def test_a_complaint_from_a_case_links_the_case_conversations(tenants: Tenants) -> None:
    conversation_id = finished(tenants, AT)
    lead = tenants.scope("pa", "supervisor")
    with clock.at(AT):
        case = desk_services.case_create(
            lead, type="complaint", conversation_id=conversation_id, subject="破损未处理"
        )
        complaint = services.complaint_create(lead, case_id=case.pk, subject="破损未处理", severity="medium")
    assert complaint.source == "case"
    assert list(complaint.conversations.values_list("id", flat=True)) == [conversation_id]
    assert list(complaint.cases.values_list("id", flat=True)) == [case.pk]
    assert ContactEvent.all_tenants.filter(type="complaint_registered").count() == 1


@pytest.mark.django_db
def test_the_client_lodges_a_complaint_and_sees_only_its_own(tenants: Tenants) -> None:
    client_admin = tenants.scope("ca1", "client_admin")
    category = services.category_create(client_admin, name="物流")
    complaint = services.complaint_create(
        client_admin, subject="顾客电话投诉发货慢", severity="medium", category_id=category.pk,
        customer_name="王女士",
    )  # fmt: skip
    assert (complaint.source, complaint.client_id, complaint.provider_id) == ("client", tenants.ca1.pk, None)
    # the provider serving the client sees it and works it
    inspector = tenants.scope("pa", "qa_inspector")
    assert selectors.complaint_get(inspector, complaint_id=complaint.pk) == complaint
    # the other client does not, nor may it use this client's category
    with pytest.raises(NotFound):
        selectors.complaint_get(tenants.scope("cb", "client_admin"), complaint_id=complaint.pk)
    with pytest.raises(NotFound):
        services.complaint_create(
            tenants.scope("cb", "client_admin"), subject="x", severity="low", category_id=category.pk
        )
    # a client's people read the register but do not work it
    with pytest.raises(PermissionDenied):
        services.complaint_transition(client_admin, complaint_id=complaint.pk, status="investigating")


@pytest.mark.django_db
def test_the_workflow_resolve_callback_and_close(tenants: Tenants) -> None:
    conversation_id = finished(tenants, AT)
    inspector = tenants.scope("pa", "qa_inspector")
    owner = tenants.user("pa", "supervisor")
    with clock.at(AT):
        complaint = services.complaint_create(
            inspector, conversation_id=conversation_id, subject="承诺退款未兑现", severity="critical"
        )
        services.complaint_update(inspector, complaint_id=complaint.pk, owner_id=owner.pk)
        with pytest.raises(Conflict):  # not from new to closed
            services.complaint_transition(inspector, complaint_id=complaint.pk, status="closed")
        with pytest.raises(Invalid):  # a resolution is needed
            services.complaint_transition(inspector, complaint_id=complaint.pk, status="resolved")
        services.complaint_transition(
            inspector, complaint_id=complaint.pk, status="resolved", resolution="已补发退款 59 元"
        )
        with pytest.raises(Conflict):  # the callback first
            services.complaint_transition(inspector, complaint_id=complaint.pk, status="closed")
        # the customer is still unhappy: the complaint goes back to investigating
        reopened = services.complaint_callback(
            inspector, complaint_id=complaint.pk, outcome="unsatisfied", note="顾客要求赔偿运费"
        )
        assert reopened.status == "investigating"
        services.complaint_transition(
            inspector, complaint_id=complaint.pk, status="resolved", resolution="补偿运费 10 元"
        )
        services.complaint_callback(inspector, complaint_id=complaint.pk, outcome="satisfied", note="满意")
        closed = services.complaint_transition(inspector, complaint_id=complaint.pk, status="closed")
    assert (closed.status, closed.owner_id, closed.callback_outcome) == ("closed", owner.pk, "satisfied")
    assert closed.callback_done_at == AT and closed.closed_at == AT
    statuses = [
        (e.data["from"], e.data["to"])
        for e in ContactEvent.all_tenants.filter(type="complaint_status").order_by("id")
    ]
    assert statuses == [
        ("new", "resolved"),
        ("resolved", "investigating"),
        ("investigating", "resolved"),
        ("resolved", "closed"),
    ]
    with pytest.raises(NotFound):  # an owner from another provider is unknown
        services.complaint_create(
            inspector, conversation_id=conversation_id, subject="x", severity="low",
            owner_id=tenants.user("pb", "supervisor").pk,
        )  # fmt: skip


@pytest.mark.django_db
def test_linking_a_conversation_later_registers_it_once(tenants: Tenants) -> None:
    first, second = finished(tenants, AT), finished(tenants, AT + timedelta(hours=2))
    inspector = tenants.scope("pa", "qa_inspector")
    complaint = services.complaint_create(
        inspector, conversation_id=first, subject="多次催单", severity="low"
    )
    services.complaint_link(inspector, complaint_id=complaint.pk, conversation_id=second)
    services.complaint_link(inspector, complaint_id=complaint.pk, conversation_id=second)
    registered = ContactEvent.all_tenants.filter(type="complaint_registered")
    assert sorted(registered.values_list("conversation_id", flat=True)) == [first, second]
    other = finished(tenants, AT, provider="pb", client="cb")
    with pytest.raises(NotFound):
        services.complaint_link(inspector, complaint_id=complaint.pk, conversation_id=other)


@pytest.mark.django_db
def test_the_trend_selector_reads_creation_days_in_the_client_time_zone(tenants: Tenants) -> None:
    admin = tenants.scope("ca1", "client_admin")
    with clock.at(datetime(2026, 12, 6, 23, 30, tzinfo=SH)):  # Sunday night in Shanghai, 15:30 UTC
        services.complaint_create(admin, subject="A", severity="high")
    with clock.at(datetime(2026, 12, 7, 9, 0, tzinfo=SH)):
        services.complaint_create(admin, subject="B", severity="low")
    trend = selectors.complaint_trend(
        admin, first=date(2026, 11, 30), last=date(2026, 12, 13), client_id=tenants.ca1.pk
    )
    assert trend["by_week"] == [1, 1]
    with pytest.raises(Invalid):
        selectors.complaint_trend(admin, first=date(2026, 12, 13), last=date(2026, 12, 1))
