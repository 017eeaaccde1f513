"""Skills, the lead's grid, certification status, the customer's place in line, the realised split."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from kefu.analytics import events
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.desk import services as desk_services
from kefu.routing import selectors, services

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(timezone.datetime(2026, 12, 7, 10, 0))


def _queue(tenants: Any, name: str = "家居-售前-在线") -> Any:
    return services.queue_create(tenants.scope("pa", "supervisor"), client_id=tenants.ca1.pk, name=name)


# --- skills ---------------------------------------------------------------------------------------
def test_a_lead_adds_and_renames_skills_but_not_queue_skills(tenants: Any) -> None:
    lead = tenants.scope("pa", "supervisor")
    queue = _queue(tenants)
    english = services.skill_define(lead, kind="language", name="英文")
    with pytest.raises(Conflict):
        services.skill_define(lead, kind="language", name="英文")
    with pytest.raises(Invalid):
        services.skill_define(lead, kind="queue", name="别的队列")

    renamed = services.skill_update(lead, skill_id=english.pk, kind="tier", name="二线")

    assert (renamed.kind, renamed.name) == ("tier", "二线")
    own = selectors.skill_list(lead, kind="queue").get(name=queue.name)
    with pytest.raises(Invalid) as refused:
        services.skill_update(lead, skill_id=own.pk, name="新名字")
    assert refused.value.field == "name"
    with pytest.raises(Invalid):
        services.skill_update(lead, skill_id=english.pk, kind="queue")
    with pytest.raises(PermissionDenied):
        services.skill_define(tenants.scope("pa", "agent"), kind="language", name="日文")
    with pytest.raises(NotFound):  # another provider's skill
        services.skill_update(tenants.scope("pb", "supervisor"), skill_id=english.pk, name="x")


def test_the_grid_saves_levels_and_capacities_and_only_what_changed(tenants: Any) -> None:
    lead = tenants.scope("pa", "supervisor")
    agent = tenants.user("pa", "agent")
    english = services.skill_define(lead, kind="language", name="英文")
    services.agent_skill_set(lead, user_id=agent.pk, skill_id=english.pk, proficiency=2)

    changed = services.skill_grid_save(
        lead,
        levels={(agent.pk, english.pk): 4},
        capacity={(agent.pk, "chat"): 5, (agent.pk, "phone"): None},
    )

    grid = selectors.skill_grid(lead)
    assert changed == 2  # the level and the chat limit; "phone" was already the default
    assert grid.levels[(agent.pk, english.pk)] == 4
    assert grid.capacity == {(agent.pk, "chat"): 5}
    assert selectors.agent_capacity(lead, user_id=agent.pk, channel="chat") == 5
    with pytest.raises(Invalid):
        services.skill_grid_save(lead, levels={(agent.pk, english.pk): 6}, capacity={})
    assert selectors.skill_grid(lead).levels[(agent.pk, english.pk)] == 4
    with pytest.raises(NotFound):  # another provider's agent
        services.skill_grid_save(lead, levels={(tenants.user("pb", "agent").pk, english.pk): 3}, capacity={})


def test_put_of_agent_skills_is_all_or_nothing(tenants: Any) -> None:
    lead = tenants.scope("pa", "provider_admin")
    agent = tenants.user("pa", "agent")
    a = services.skill_define(lead, kind="product", name="家电")
    b = services.skill_define(lead, kind="product", name="家具")
    services.agent_skills_put(lead, user_id=agent.pk, levels={a.pk: 3})
    with pytest.raises(Invalid):
        services.agent_skills_put(lead, user_id=agent.pk, levels={a.pk: None, b.pk: 9})
    assert [(r.skill.name, r.proficiency) for r in selectors.agent_skill_list(lead, user_id=agent.pk)] == [
        ("家电", 3)
    ]


def test_certification_status_and_expiring_soon(tenants: Any) -> None:
    trainer = tenants.scope("pa", "trainer")
    agent = tenants.user("pa", "agent")
    with time_machine.travel(NOW, tick=False):
        soon = services.certification_create(
            trainer, user_id=agent.pk, client_id=tenants.ca1.pk, valid_until=NOW + timedelta(days=10)
        )
        later = services.certification_create(
            trainer, user_id=agent.pk, client_id=tenants.ca1.pk, valid_until=NOW + timedelta(days=90)
        )
        revoked = services.certification_revoke(trainer, certification_id=later.pk)
    assert selectors.certification_status(soon, now=NOW) == "expiring"
    assert selectors.certification_status(soon, now=NOW - timedelta(days=30)) == "upcoming"
    assert selectors.certification_status(soon, now=NOW + timedelta(days=11)) == "expired"
    assert selectors.certification_status(revoked, now=NOW) == "revoked"
    assert [c.pk for c in selectors.certifications_for_managers(trainer)] == [later.pk, soon.pk]
    with pytest.raises(PermissionDenied):
        selectors.certifications_for_managers(tenants.scope("pa", "agent"))


# --- the customer's place in line -----------------------------------------------------------------
def _chat(tenants: Any, queue: Any, at: Any) -> Any:
    with time_machine.travel(at, tick=False):
        return desk_services.conversation_create(
            tenants.scope("pa", "supervisor"),
            channel="chat",
            client_id=tenants.ca1.pk,
            message="在吗",
            queue=queue.name,
        )


def test_the_place_in_line_follows_the_cores_order_and_the_wait_the_drain_rate(tenants: Any) -> None:
    lead = tenants.scope("pa", "supervisor")
    queue = _queue(tenants)
    agent = tenants.user("pa", "agent")
    # given two contacts answered after 30 s and 90 s (the line busy 120 s in the last half hour)
    first = _chat(tenants, queue, NOW - timedelta(minutes=20))
    second = _chat(tenants, queue, NOW - timedelta(minutes=10))
    with time_machine.travel(NOW - timedelta(minutes=20) + timedelta(seconds=30), tick=False):
        desk_services.conversation_assign(lead, conversation_id=first.pk, agent_id=agent.pk)
    with time_machine.travel(NOW - timedelta(minutes=10) + timedelta(seconds=90), tick=False):
        desk_services.conversation_assign(lead, conversation_id=second.pk, agent_id=agent.pk)
    # and three waiting now, enqueued 60 s, 40 s and 20 s ago
    waiting = [_chat(tenants, queue, NOW - timedelta(seconds=s)) for s in (60, 40, 20)]

    places = [
        selectors.queue_place(
            lead, client_id=tenants.ca1.pk, queue_name=queue.name, conversation_id=c.pk, now=NOW
        )
        for c in waiting
    ]

    # then first come, first served; the line moved 2 contacts in 30 + 90 + 60 waiting seconds
    assert [p.ahead for p in places] == [0, 1, 2]
    assert [p.estimated_wait_s for p in places] == [90, 180, 270]
    assert (
        selectors.queue_place(
            lead, client_id=tenants.ca1.pk, queue_name=queue.name, conversation_id=first.pk, now=NOW
        )
        is None
    )


def test_no_recent_answer_gives_a_place_but_no_estimate(tenants: Any) -> None:
    queue = _queue(tenants)
    waiting = _chat(tenants, queue, NOW - timedelta(seconds=30))
    place = selectors.queue_place(
        tenants.scope("pa", "supervisor"),
        client_id=tenants.ca1.pk,
        queue_name=queue.name,
        conversation_id=waiting.pk,
        now=NOW,
    )
    assert place is not None and (place.ahead, place.estimated_wait_s) == (0, None)


# --- the realised split ---------------------------------------------------------------------------
def _assigned(t: Any, queue: Any, conversation_id: int, provider: int, at: Any, **data: Any) -> None:
    row = SimpleNamespace(
        pk=conversation_id, provider_id=provider, client_id=t.ca1.pk, channel="chat", queue=queue.name
    )
    events.emit(None, "assigned", conversation=row, at=at, data=data)


def test_the_realised_split_against_the_plan(multi_vendor: Any) -> None:
    t = multi_vendor
    lead = t.scope("pa", "supervisor")
    queue = _queue(t)
    services.queue_providers_set(lead, queue_id=queue.pk, shares={t.pa.pk: 80, t.pc.pk: 20})
    # given 3 contacts taken by 丁卯's agents, 2 by 星河's (one held by 丁卯, one by 星河: an older event
    # without provider_id in data counts for the event's provider); one reassigned (counted once)
    _assigned(t, queue, 1, t.pa.pk, NOW, provider_id=t.pa.pk, how="auto")
    _assigned(t, queue, 2, t.pa.pk, NOW, provider_id=t.pa.pk, how="manual")
    _assigned(t, queue, 2, t.pa.pk, NOW + timedelta(minutes=1), provider_id=t.pc.pk, how="supervisor")
    _assigned(t, queue, 3, t.pa.pk, NOW, provider_id=t.pc.pk, how="auto")
    _assigned(t, queue, 4, t.pc.pk, NOW)
    _assigned(t, queue, 5, t.pa.pk, NOW, provider_id=t.pa.pk, how="auto")
    _assigned(t, queue, 6, t.pa.pk, NOW - timedelta(days=30), provider_id=t.pa.pk, how="auto")  # outside
    _assigned(t, queue, 7, t.pb.pk, NOW, provider_id=t.pb.pk, how="auto")  # not serving: not counted

    report = selectors.queue_split(
        lead, queue_id=queue.pk, start=NOW - timedelta(days=1), end=NOW + timedelta(days=1)
    )

    rows = {r.provider_id: (r.planned_percent, r.contacts, r.realised_percent, r.by_how) for r in report.rows}
    assert report.total == 5
    assert rows == {
        t.pa.pk: (80, 3, 60.0, {"auto": 2, "manual": 1}),
        t.pc.pk: (20, 2, 40.0, {"auto": 1, "unknown": 1}),
    }
    # the second provider and the client's manager read the same figures
    for scope in (t.scope("pc", "supervisor"), t.scope("ca1", "client_manager")):
        same = selectors.queue_split(
            scope, queue_id=queue.pk, start=NOW - timedelta(days=1), end=NOW + timedelta(days=1)
        )
        assert [(r.provider_id, r.contacts) for r in same.rows] == [(t.pa.pk, 3), (t.pc.pk, 2)]
    with pytest.raises(NotFound):
        selectors.queue_split(t.scope("pb", "supervisor"), queue_id=queue.pk, start=NOW, end=NOW)


def test_report_period_reads_inclusive_local_days() -> None:
    start, end = selectors.report_period("2026-12-01", "2026-12-07")
    assert (timezone.localtime(start).isoformat()[:19], timezone.localtime(end).isoformat()[:19]) == (
        "2026-12-01T00:00:00",
        "2026-12-08T00:00:00",
    )
    with pytest.raises(Invalid) as bad:
        selectors.report_period("2026-12-09", "2026-12-07")
    assert bad.value.field == "from"
    with pytest.raises(Invalid) as bad:
        selectors.report_period("yesterday", None)
    assert bad.value.field == "from"
