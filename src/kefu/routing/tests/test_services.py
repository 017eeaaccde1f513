"""Queues, skills, presence, capacity and certification: the writes and the reads they feed."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.desk import services as desk_services
from kefu.routing import selectors, services
from kefu.workforce.rostering import services as rostering_services

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(timezone.datetime(2026, 12, 7, 10, 0))


def _queue(tenants: Any, name: str = "家居-售前-在线", **fields: Any) -> Any:
    return services.queue_create(
        tenants.scope("pa", "supervisor"), client_id=tenants.ca1.pk, name=name, **fields
    )


# --- queues ---------------------------------------------------------------------------------------
def test_a_queue_is_the_clients_requires_its_own_skill_and_keeps_its_name(tenants: Any) -> None:
    queue = _queue(tenants, business_type="pre_sales", sl_target_percent=90, sl_target_seconds=20)
    lead = tenants.scope("pa", "supervisor")
    assert [r.skill.name for r in selectors.queue_required_skills(lead, queue_id=queue.pk)] == [
        "家居-售前-在线"
    ]
    assert [(p.provider_id, p.share_percent) for p in selectors.queue_providers(lead, queue_id=queue.pk)] == [
        (tenants.pa.pk, 100)
    ]
    # the client's manager sees it, the other client and the other provider do not
    assert list(selectors.queue_list(tenants.scope("ca1", "client_manager"))) == [queue]
    assert list(selectors.queue_list(tenants.scope("ca2", "client_manager"))) == []
    with pytest.raises(NotFound):
        selectors.queue_get(tenants.scope("pb", "supervisor"), queue_id=queue.pk)
    with pytest.raises(Conflict):
        _queue(tenants)
    with pytest.raises(Invalid) as renamed:
        services.queue_update(lead, queue_id=queue.pk, name="别的名字")
    assert renamed.value.field == "name"
    services.queue_update(lead, queue_id=queue.pk, priority=2, auto_accept=True)
    assert (selectors.queue_get(lead, queue_id=queue.pk).priority, queue.name) == (2, "家居-售前-在线")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"priority": 0}, "priority"),
        ({"sl_target_percent": 101}, "sl_target_percent"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_bad_queue_settings_are_refused(tenants: Any, fields: dict, field: str) -> None:
    with pytest.raises(Invalid) as error:
        _queue(tenants, **fields)
    assert error.value.field == field


def test_agents_and_client_staff_may_not_create_queues(tenants: Any) -> None:
    for org, role in (("pa", "agent"), ("ca1", "client_admin")):
        with pytest.raises(PermissionDenied):
            services.queue_create(tenants.scope(org, role), client_id=tenants.ca1.pk, name="x")
    with pytest.raises(NotFound):
        services.queue_create(tenants.scope("pa", "supervisor"), client_id=tenants.cb.pk, name="x")


def test_the_planned_split_between_two_providers(multi_vendor: Any) -> None:
    t = multi_vendor
    queue = _queue(t)
    lead = t.scope("pa", "supervisor")
    with pytest.raises(Invalid):
        services.queue_providers_set(lead, queue_id=queue.pk, shares={t.pa.pk: 70, t.pc.pk: 20})
    with pytest.raises(NotFound):
        services.queue_providers_set(lead, queue_id=queue.pk, shares={t.pa.pk: 80, t.pb.pk: 20})
    services.queue_providers_set(lead, queue_id=queue.pk, shares={t.pa.pk: 80, t.pc.pk: 20})
    # the second provider now sees the queue it serves, and may not replan it
    other = t.scope("pc", "supervisor")
    assert [q.pk for q in selectors.queue_list(other)] == [queue.pk]
    assert {p.provider_id: p.share_percent for p in selectors.queue_providers(other, queue_id=queue.pk)} == {
        t.pa.pk: 80,
        t.pc.pk: 20,
    }
    with pytest.raises(PermissionDenied):
        services.queue_providers_set(other, queue_id=queue.pk, shares={t.pc.pk: 100})


# --- skills ---------------------------------------------------------------------------------------
def test_the_profile_form_writes_skills_to_routing_and_workforce_reads_them_there(tenants: Any) -> None:
    planner, agent = tenants.scope("pa", "workforce_planner"), tenants.user("pa", "agent")
    rostering_services.agent_profile_set(planner, user_id=agent.pk, skills=["悦家-在线", "悦家-邮件"])
    assert selectors.agents_queues(planner, [agent.pk]) == {agent.pk: ["悦家-在线", "悦家-邮件"]}
    # a level set in routing survives a profile save that keeps the queue
    skill = selectors.skill_list(planner, kind="queue").get(name="悦家-在线")
    services.agent_skill_set(
        tenants.scope("pa", "provider_admin"), user_id=agent.pk, skill_id=skill.pk, proficiency=5
    )
    rostering_services.agent_profile_set(planner, user_id=agent.pk, skills=["悦家-在线"])
    assert [(s.skill.name, s.proficiency) for s in selectors.agent_skill_list(planner, user_id=agent.pk)] == [
        ("悦家-在线", 5)
    ]
    with pytest.raises(Invalid):
        services.agent_skill_set(planner, user_id=agent.pk, skill_id=skill.pk, proficiency=6)
    with pytest.raises(NotFound):
        services.agent_skill_set(
            planner, user_id=tenants.user("pb", "agent").pk, skill_id=skill.pk, proficiency=2
        )


def test_the_data_migration_makes_queues_and_skills_from_names(tenants: Any) -> None:
    # Given conversations in named queues and a profile whose JSON skills predate routing
    lead = tenants.scope("pa", "supervisor")
    desk_services.conversation_create(
        lead, channel="chat", client_id=tenants.ca1.pk, message="在吗", queue="家居-售后-在线"
    )
    desk_services.conversation_create(
        lead, channel="email", client_id=tenants.ca2.pk, message="hi", queue="美妆-邮件"
    )
    profile_model = apps.get_model("workforce", "AgentWorkProfile")
    agent = tenants.user("pa", "agent")
    profile_model.all_tenants.create(
        provider_id=tenants.pa.pk, user_id=agent.pk, skills=["家居-售后-在线", "其他"]
    )
    migration = importlib.import_module("kefu.routing.migrations.0002_queues_and_skills_from_names")
    migration.copy_queues_and_skills(apps)
    migration.copy_queues_and_skills(apps)  # idempotent
    queues = {q.name: q for q in selectors.queue_list(lead)}
    assert set(queues) == {"家居-售后-在线", "美妆-邮件"}
    assert (queues["家居-售后-在线"].business_type, queues["美妆-邮件"].channel) == ("after_sales", "email")
    assert selectors.agent_queues(lead, user_id=agent.pk) == ["其他", "家居-售后-在线"]
    required = selectors.queue_required_skills(lead, queue_id=queues["家居-售后-在线"].pk)
    assert [r.skill.name for r in required] == ["家居-售后-在线"]


# --- presence -------------------------------------------------------------------------------------
def test_presence_by_the_agent_by_a_lead_and_the_history(tenants: Any) -> None:
    agent_scope, agent = tenants.scope("pa", "agent"), tenants.user("pa", "agent")
    lead = tenants.scope("pa", "supervisor")
    with time_machine.travel(NOW, tick=False):
        services.presence_set(agent_scope, agent_id=agent.pk, state="online")
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        services.presence_set(lead, agent_id=agent.pk, state="break", reason="coaching")
        services.presence_set(lead, agent_id=agent.pk, state="break", reason="coaching")  # no change, no row
    with time_machine.travel(NOW + timedelta(minutes=45), tick=False):
        services.presence_set(agent_scope, agent_id=agent.pk, state="busy")
    history = selectors.presence_history(lead, user_id=agent.pk, since=NOW)
    assert [(h.state, h.reason, h.source) for h in history] == [
        ("online", "", "agent"),
        ("break", "coaching", "lead"),
        ("busy", "", "agent"),
    ]
    assert selectors.presence_get(lead, user_id=agent.pk).state == "busy"
    times = selectors.agent_time_in_state(lead, user_id=agent.pk, start=NOW, end=NOW + timedelta(hours=1))
    assert times.seconds == {"online": 1800, "break": 900, "busy": 900}
    assert times.occupancy == pytest.approx(1 / 3)
    assert selectors.agents_by_state(lead)["busy"] == 1


def test_presence_rules(tenants: Any) -> None:
    agent = tenants.user("pa", "agent")
    with pytest.raises(PermissionDenied):  # an agent sets only their own state
        services.presence_set(
            tenants.scope("pa", "agent"), agent_id=tenants.user("pa", "supervisor").pk, state="online"
        )
    with pytest.raises(NotFound):  # another provider's agent
        services.presence_set(tenants.scope("pb", "supervisor"), agent_id=agent.pk, state="online")
    with pytest.raises(Invalid):
        services.presence_set(tenants.scope("pa", "agent"), agent_id=agent.pk, state="online", reason="meal")
    with pytest.raises(Invalid):
        services.presence_set(tenants.scope("pa", "agent"), agent_id=agent.pk, state="missed")
    with pytest.raises(PermissionDenied):
        services.presence_set(tenants.scope("ca1", "client_admin"), agent_id=agent.pk, state="online")


def test_after_contact_work_ends_and_a_closed_workspace_goes_offline(tenants: Any, settings: Any) -> None:
    settings.KEFU_ACW_SECONDS, settings.KEFU_PRESENCE_GRACE_S = 60, 90
    agent_scope, agent = tenants.scope("pa", "agent"), tenants.user("pa", "agent")
    lead_scope, lead = tenants.scope("pa", "supervisor"), tenants.user("pa", "supervisor")
    with time_machine.travel(NOW, tick=False):
        services.presence_set(agent_scope, agent_id=agent.pk, state="after_contact_work")
        services.presence_set(lead_scope, agent_id=lead.pk, state="online")
        services.presence_connection(lead_scope, connected=False)
    with time_machine.travel(NOW + timedelta(seconds=59), tick=False):
        assert services.presence_sweep() == {"acw_ended": 0, "went_offline": 0}
    with time_machine.travel(NOW + timedelta(seconds=61), tick=False):
        assert services.presence_sweep() == {"acw_ended": 1, "went_offline": 0}
    with time_machine.travel(NOW + timedelta(seconds=91), tick=False):
        assert services.presence_sweep() == {"acw_ended": 0, "went_offline": 1}
    current = selectors.presence_current(lead_scope)
    assert (current[agent.pk].state, current[lead.pk].state) == ("online", "offline")
    assert selectors.presence_history(lead_scope, user_id=lead.pk, since=NOW)[-1].source == "auto"


def test_a_reconnect_within_the_grace_period_keeps_the_state(tenants: Any, settings: Any) -> None:
    settings.KEFU_PRESENCE_GRACE_S = 90
    scope, agent = tenants.scope("pa", "agent"), tenants.user("pa", "agent")
    with time_machine.travel(NOW, tick=False):
        services.presence_set(scope, agent_id=agent.pk, state="online")
        services.presence_connection(scope, connected=False)
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        services.presence_connection(scope, connected=True)
    with time_machine.travel(NOW + timedelta(seconds=300), tick=False):
        assert services.presence_sweep()["went_offline"] == 0


def test_capacity_defaults_from_the_queue_and_the_agent_override(tenants: Any) -> None:
    queue = _queue(tenants, default_chat_concurrency=4)
    admin, agent = tenants.scope("pa", "provider_admin"), tenants.user("pa", "agent")
    assert selectors.agent_capacity(admin, user_id=agent.pk, channel="chat", queue=queue) == 4
    assert selectors.agent_capacity(admin, user_id=agent.pk, channel="phone", queue=queue) == 1
    services.agent_capacity_set(admin, user_id=agent.pk, channel="chat", max_concurrent=2)
    assert selectors.agent_capacity(admin, user_id=agent.pk, channel="chat", queue=queue) == 2
    with pytest.raises(Invalid):
        services.agent_capacity_set(admin, user_id=agent.pk, channel="chat", max_concurrent=0)


# --- certification gate ---------------------------------------------------------------------------
def test_only_certified_skilled_agents_are_eligible_while_the_certificate_is_valid(tenants: Any) -> None:
    queue = _queue(tenants)
    admin, agent = tenants.scope("pa", "provider_admin"), tenants.user("pa", "agent")
    lead = tenants.user("pa", "supervisor")
    skill = selectors.skill_list(admin, kind="queue").get(name=queue.name)
    for user in (agent, lead):
        services.agent_skill_set(admin, user_id=user.pk, skill_id=skill.pk, proficiency=3)
    assert selectors.eligible_agents(admin, queue_id=queue.pk) == []  # nobody certified yet
    cert = services.certification_create(
        admin,
        user_id=agent.pk,
        client_id=tenants.ca1.pk,
        valid_from=NOW,
        valid_until=NOW + timedelta(days=30),
    )
    assert selectors.certified_agents(admin, client_id=tenants.ca1.pk, at=NOW + timedelta(days=1)) == {
        agent.pk
    }
    assert selectors.certified_agents(admin, client_id=tenants.ca1.pk, at=NOW + timedelta(days=31)) == set()
    assert selectors.certified_agents(admin, client_id=tenants.ca2.pk, at=NOW + timedelta(days=1)) == set()
    found = selectors.eligible_agents(admin, queue_id=queue.pk, at=NOW + timedelta(days=1))
    assert [(a.user_id, a.proficiency, a.state, a.capacity) for a in found] == [
        (agent.pk, {queue.name: 3}, "offline", 3)
    ]
    # a skill required at 4 leaves the level-3 agent out
    services.queue_update(admin, queue_id=queue.pk, required_skills=[(skill.pk, 4)])
    assert selectors.eligible_agents(admin, queue_id=queue.pk, at=NOW + timedelta(days=1)) == []
    services.certification_revoke(admin, certification_id=cert.pk)
    assert selectors.certified_agents(admin, client_id=tenants.ca1.pk, at=NOW + timedelta(days=1)) == set()
    with pytest.raises(Invalid):
        services.certification_create(
            admin, user_id=agent.pk, client_id=tenants.ca1.pk, valid_from=NOW, valid_until=NOW
        )
    with pytest.raises(PermissionDenied):
        services.certification_create(
            tenants.scope("pa", "agent"), user_id=agent.pk, client_id=tenants.ca1.pk
        )
