"""SLA timers on conversations: business hours, holidays, pauses, warnings, breaches."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.analytics import selectors as analytics_selectors
from kefu.core.errors import Conflict, Invalid, PermissionDenied
from kefu.desk import selectors, services
from kefu.desk.models import SlaBreach
from kefu.testing.plugin import Tenants

# 2026-03-02 is a Monday; Asia/Shanghai is UTC+8, so 09:00 local is 01:00 UTC.
MON_0850 = datetime(2026, 3, 2, 0, 50, tzinfo=UTC)
OPENING = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def policy(tenants: Tenants) -> object:
    return services.sla_policy_create(
        tenants.scope("ca1", "client_admin"),
        channel="chat",
        first_response_s=120,
        next_response_s=300,
        resolution_s=3600,
        l2_resolution_s=7200,
    )


def _timers(tenants: Tenants, conversation_id: int) -> dict[str, selectors.TimerView]:
    timers = selectors.conversation_timers(tenants.scope("pa", "agent"), conversation_id=conversation_id)
    return {t.kind: t for t in timers}


def _chat(tenants: Tenants, text: str = "在吗") -> int:
    return services.conversation_create(
        tenants.scope("pa", "agent"), channel="chat", client_id=tenants.ca1.pk, message=text
    ).pk


def test_no_policy_no_timers(tenants: Tenants) -> None:
    with time_machine.travel(OPENING, tick=False):
        assert (
            selectors.conversation_timers(tenants.scope("pa", "agent"), conversation_id=_chat(tenants)) == []
        )


def test_first_response_counts_business_time_warns_and_breaches(tenants: Tenants, policy: object) -> None:
    with time_machine.travel(MON_0850, tick=False) as traveller:
        conversation_id = _chat(tenants)  # before opening: the clock starts at 09:00
        first = _timers(tenants, conversation_id)["first_response"]
        assert (first.status, first.elapsed_s, first.deadline) == (
            "running",
            0,
            OPENING + timedelta(seconds=120),
        )
        traveller.move_to(OPENING + timedelta(seconds=100))
        first = _timers(tenants, conversation_id)["first_response"]
        assert (first.status, first.remaining_s) == ("warning", 20)  # < 20 % of 120 s left
        traveller.move_to(OPENING + timedelta(seconds=200))
        first = _timers(tenants, conversation_id)["first_response"]
        assert first.status == "breached" and first.breached_at == OPENING + timedelta(seconds=120)
        assert not SlaBreach.objects.for_scope(
            tenants.scope("pa", "agent")
        ).exists()  # a read records nothing
        found = services.sla_breaches_detect(tenants.scope("pa", "supervisor"))
        breach = SlaBreach.objects.for_scope(tenants.scope("ca1", "client_viewer")).get()
        assert found.breaches == [breach]
        assert (breach.kind, breach.party, breach.target_s) == ("first_response", "provider", 120)
        assert breach.breached_at == OPENING + timedelta(seconds=120)
        assert services.sla_breaches_detect(tenants.scope("pa", "supervisor")).breaches == []  # once
        assert SlaBreach.objects.for_scope(tenants.scope("pa", "agent")).count() == 1
        assert not SlaBreach.objects.for_scope(tenants.scope("pb", "supervisor")).exists()
        services.message_post(tenants.scope("pa", "agent"), conversation_id=conversation_id, body="您好")

    event = analytics_selectors.contact_event_list(
        tenants.scope("pa", "supervisor"), conversation_id=conversation_id, type="first_response"
    ).get()
    assert event.value_s == 600 + 200 and event.value_business_s == 200  # 08:50 → 09:03:20


def test_national_day_holiday_moves_the_deadline(tenants: Tenants, policy: object) -> None:
    # 2025-09-30 23:59 local: one business minute left that day, then closed until 10-09 (调休 aside)
    with time_machine.travel(datetime(2025, 9, 30, 15, 59, tzinfo=UTC), tick=False) as traveller:
        conversation_id = _chat(tenants)
        traveller.move_to(datetime(2025, 10, 5, 4, 0, tzinfo=UTC))
        first = _timers(tenants, conversation_id)["first_response"]
        assert (first.elapsed_s, first.status) == (60, "running")
        assert first.deadline == datetime(2025, 10, 9, 1, 1, tzinfo=UTC)  # 10-09 09:01 local


def test_pending_customer_pauses_and_a_customer_message_resumes(tenants: Tenants, policy: object) -> None:
    agent = tenants.scope("pa", "agent")
    with time_machine.travel(OPENING, tick=False) as traveller:
        conversation_id = _chat(tenants)
        traveller.shift(timedelta(seconds=30))
        services.message_post(agent, conversation_id=conversation_id, body="请提供订单号")
        traveller.shift(timedelta(seconds=30))
        services.message_post(agent, conversation_id=conversation_id, body="订单 123", direction="in")
        traveller.shift(timedelta(seconds=60))  # 60 s of next response used
        services.conversation_set_status(agent, conversation_id=conversation_id, status="pending_customer")
        traveller.shift(timedelta(hours=2))
        timers = _timers(tenants, conversation_id)
        assert timers["next_response"].status == "paused" and timers["next_response"].deadline is None
        assert timers["next_response"].elapsed_s == 60
        assert timers["first_response"].status == "met"
        assert timers["resolution"].elapsed_s == 120  # 30 + 30 + 60, then paused
        services.message_post(agent, conversation_id=conversation_id, body="还有问题", direction="in")
        traveller.shift(timedelta(seconds=40))
        timers = _timers(tenants, conversation_id)
        assert (timers["next_response"].status, timers["next_response"].elapsed_s) == ("running", 100)
        services.message_post(agent, conversation_id=conversation_id, body="好的")
        traveller.shift(timedelta(seconds=10))
        services.conversation_set_status(
            agent, conversation_id=conversation_id, status="resolved", category="物流"
        )
        timers = _timers(tenants, conversation_id)
    assert timers["next_response"].status == "met" and timers["resolution"].status == "met"
    assert timers["resolution"].elapsed_s == 170
    resolved = analytics_selectors.contact_event_list(
        agent, conversation_id=conversation_id, type="resolved"
    ).get()
    assert resolved.value_business_s == 2 * 3600 + 170 and resolved.value_s == 2 * 3600 + 170


def test_timers_in_the_conversation_api(tenants: Tenants, policy: object) -> None:
    with time_machine.travel(OPENING, tick=False):
        conversation_id = _chat(tenants)
        body = tenants.client_for("pa", "agent").get(f"/api/conversations/{conversation_id}").json()
    kinds = {t["kind"]: t for t in body["timers"]}
    assert set(kinds) == {"first_response", "resolution"}
    assert kinds["first_response"]["remaining_s"] == 120
    assert kinds["first_response"]["deadline"].startswith("2026-03-02T01:02:00")
    assert kinds["first_response"]["breached_at"] is None


def test_reading_a_conversation_records_no_breach(tenants: Tenants, policy: object) -> None:
    """Reads never write: the API's detail and timers, the conversation page and its side panel,
    and the at-risk view show a breached timer without inserting its breach row."""
    agent = tenants.client_for("pa", "agent")
    with time_machine.travel(OPENING, tick=False) as traveller:
        conversation_id = _chat(tenants)
        traveller.shift(timedelta(minutes=5))  # first response 120 s: breached
        reads = [
            f"/api/conversations/{conversation_id}",
            f"/api/conversations/{conversation_id}/timers",
            f"/desk/c/{conversation_id}/",
            f"/desk/c/{conversation_id}/side/",
            "/desk/?view=at_risk",
        ]
        for url in reads:
            with CaptureQueriesContext(connection) as queries:
                response = agent.get(url)
            assert response.status_code == 200, url
            writes = [
                q["sql"] for q in queries if SlaBreach._meta.db_table in q["sql"] and "INSERT" in q["sql"]
            ]
            assert writes == [], url
        detail = agent.get(f"/api/conversations/{conversation_id}").json()
        assert {t["kind"]: t["status"] for t in detail["timers"]}["first_response"] == "breached"
        assert f"/desk/c/{conversation_id}/" in agent.get("/desk/?view=at_risk").content.decode()
        assert not SlaBreach.objects.for_scope(tenants.scope("pa", "agent")).exists()
        call_command("sla_check", stdout=io.StringIO())  # the worker's job records it
    breach = SlaBreach.objects.for_scope(tenants.scope("pa", "agent")).get()
    assert (breach.conversation_id, breach.kind) == (conversation_id, "first_response")


def test_a_late_reply_records_its_breach(tenants: Tenants, policy: object) -> None:
    with time_machine.travel(OPENING, tick=False) as traveller:
        conversation_id = _chat(tenants)
        traveller.shift(timedelta(minutes=5))
        services.message_post(tenants.scope("pa", "agent"), conversation_id=conversation_id, body="您好")
    breach = SlaBreach.objects.for_scope(tenants.scope("pa", "agent")).get()
    assert (breach.kind, breach.breached_at) == ("first_response", OPENING + timedelta(seconds=120))


def test_periodic_check_records_breaches_once(tenants: Tenants, policy: object) -> None:
    with time_machine.travel(OPENING, tick=False) as traveller:
        conversation_id = _chat(tenants)
        traveller.shift(timedelta(minutes=5))
        out = io.StringIO()
        call_command("sla_check", "--json", stdout=out)
        first = json.loads(out.getvalue().strip().splitlines()[-1])
        out = io.StringIO()
        call_command("sla_check", "--json", stdout=out)
        second = json.loads(out.getvalue().strip().splitlines()[-1])
    assert first["new_breaches"] == 1 and first["breaches"][0]["conversation_id"] == conversation_id
    assert first["breaches"][0]["kind"] == "first_response"
    assert second["new_breaches"] == 0 and second["conversations"] == 1


def test_policy_and_calendar_rules(tenants: Tenants, policy: object) -> None:
    admin = tenants.scope("ca1", "client_admin")
    with pytest.raises(Conflict):
        services.sla_policy_create(admin, channel="chat", first_response_s=60)
    with pytest.raises(Invalid) as info:
        services.sla_policy_create(admin, channel="fax", first_response_s=60)
    assert info.value.field == "channel"
    with pytest.raises(Invalid):
        services.sla_policy_create(admin, channel="", first_response_s=0)
    with pytest.raises(PermissionDenied):
        services.sla_policy_create(
            tenants.scope("pa", "provider_admin"), client_id=tenants.ca1.pk, first_response_s=60
        )
    with pytest.raises(Invalid) as info:
        services.service_calendar_set(admin, weekly={"mon": ["9-18"]})
    assert info.value.field == "weekly"
    with pytest.raises(Invalid):
        services.service_calendar_set(admin, tz="Mars/Olympus")
    services.service_calendar_set(admin, weekly={"mon": ["08:00-20:00"]}, overrides={"2026-03-03": []})
    assert selectors.client_is_open(tenants.ca1.pk, MON_0850)
    assert not selectors.client_is_open(tenants.ca1.pk, MON_0850 + timedelta(days=1))


def test_policy_api_bad_input_and_other_tenants(tenants: Tenants) -> None:
    api = tenants.client_for("ca1", "client_admin")
    bad = api.post(
        "/api/sla-policies", {"channel": "chat", "first_response_s": -5}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "first_response_s"
    created = api.post(
        "/api/sla-policies", {"channel": "chat", "first_response_s": 60}, content_type="application/json"
    )
    assert created.status_code == 201
    assert api.get(f"/api/sla-policies/{created.json()['id']}").json()["first_response_s"] == 60
    assert (
        tenants.client_for("cb", "client_admin").get(f"/api/sla-policies/{created.json()['id']}").status_code
        == 404
    )
    calendar = api.get(f"/api/service-calendars/{tenants.ca1.pk}").json()
    assert calendar["is_default"] and calendar["weekly"]["sun"] == ["09:00-24:00"]
    assert (
        tenants.client_for("cb", "client_admin").get(f"/api/service-calendars/{tenants.ca1.pk}").status_code
        == 404
    )
    put = api.put(
        f"/api/service-calendars/{tenants.ca1.pk}",
        {"weekly": {"mon": ["09:00-18:00"]}, "holiday_mode": "sometimes"},
        content_type="application/json",
    )
    assert put.status_code == 422 and put.json()["error"]["field"] == "holiday_mode"
