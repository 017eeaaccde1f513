"""Automatic assignment: offers, accept, decline, timeout, auto-accept, overflow, capacity, the gate."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kefu.analytics.models import ContactEvent
from kefu.core.errors import Conflict, NotFound
from kefu.desk import selectors as desk_selectors
from kefu.desk import services as desk_services
from kefu.desk.models import Conversation
from kefu.desk.services import assignment
from kefu.routing import decision, offer_selectors
from kefu.routing import selectors as routing_selectors
from kefu.routing import services as routing_services
from kefu.routing.models import Offer
from kefu.tenancy import services as tenancy_services
from kefu.testing.factories import MembershipFactory

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(timezone.datetime(2026, 12, 7, 10, 0))
QUEUE = "家居-售前-在线"


def _floor(t: Any, *, agents: list[Any], **queue_fields: Any) -> Any:
    """A queue of ca1 served by pa, these agents skilled, certified and online."""
    queue = routing_services.queue_create(
        t.scope("pa", "supervisor"), client_id=t.ca1.pk, name=QUEUE, **queue_fields
    )
    for agent in agents:
        _floor_agent(t, agent)
    return queue


def _floor_agent(t: Any, agent: Any) -> None:
    """One more agent on the floor `_floor` made: skilled, certified, online."""
    admin = t.scope("pa", "provider_admin")
    skill = routing_selectors.skill_list(admin, kind="queue").get(name=QUEUE)
    routing_services.agent_skill_set(admin, user_id=agent.pk, skill_id=skill.pk, proficiency=3)
    routing_services.certification_create(
        admin, user_id=agent.pk, client_id=t.ca1.pk, valid_from=NOW - timedelta(days=1)
    )
    routing_services.presence_set(admin, agent_id=agent.pk, state="online")


def _chat(t: Any, queue: str = QUEUE) -> Conversation:
    return desk_services.conversation_create(
        t.scope("pa", "supervisor"), channel="chat", client_id=t.ca1.pk, queue=queue, message="在吗"
    )


def _events(conversation: Conversation, kind: str) -> list[ContactEvent]:
    return list(ContactEvent.all_tenants.filter(conversation_id=conversation.pk, type=kind).order_by("id"))


def _state(t: Any, agent: Any) -> str:
    return routing_selectors.presence_get(t.scope("pa", "provider_admin"), user_id=agent.pk).state


@time_machine.travel(NOW, tick=False)
def test_a_queued_chat_is_offered_and_the_agent_accepts(tenants: Any) -> None:
    t = tenants
    agent = t.user("pa", "agent")
    _floor(t, agents=[agent])
    chat = _chat(t)
    assert assignment.route_waiting() == 1
    offer = Offer.all_tenants.get(conversation_id=chat.pk)
    assert (offer.agent_id, offer.state, offer.expires_at) == (
        agent.pk,
        "offered",
        NOW + timedelta(seconds=30),
    )
    me = t.scope("pa", "agent")
    assert [o.pk for o in offer_selectors.offer_list_pending(me)] == [offer.pk]
    assert assignment.route_waiting() == 0  # a live offer is not offered twice
    taken = desk_services.offer_accept(me, offer_id=offer.pk)
    assert taken.assignee_id == agent.pk
    assert [e.data for e in _events(chat, "assigned")] == [
        {"previous": None, "how": "auto", "provider_id": t.pa.pk, "offer_id": offer.pk}
    ]
    assert [(e.agent_id, e.data) for e in _events(chat, "accepted")] == [(agent.pk, {"offer_id": offer.pk})]
    with pytest.raises(Conflict):
        desk_services.offer_accept(me, offer_id=offer.pk)
    # someone else's offer is not found
    with pytest.raises(NotFound):
        desk_services.offer_accept(t.scope("pa", "supervisor"), offer_id=offer.pk)


@time_machine.travel(NOW, tick=False)
def test_a_timed_out_offer_is_missed_and_the_chat_goes_to_the_next_agent(tenants: Any) -> None:
    t = tenants
    first, second = sorted([t.user("pa", "agent"), t.user("pa", "supervisor")], key=lambda u: u.pk)
    _floor(t, agents=[first, second], offer_timeout_s=20)
    chat = _chat(t)
    assignment.route_waiting()
    offer = Offer.all_tenants.get(conversation_id=chat.pk)
    assert offer.agent_id == first.pk  # equal in all else: the smaller id
    assert assignment.expire_offers(NOW + timedelta(seconds=19)) == 0
    later = NOW + timedelta(seconds=20)
    result = assignment.routing_sweep(later)
    assert result == {"missed": 1, "overflowed": 0, "offered": 1}
    offer.refresh_from_db()
    assert offer.state == "missed"
    assert _state(t, first) == "missed"
    assert [(e.agent_id, e.data) for e in _events(chat, "missed")] == [
        (first.pk, {"offer_id": offer.pk, "reason": "timeout"})
    ]
    again = Offer.all_tenants.get(conversation_id=chat.pk, state="offered")
    assert again.agent_id == second.pk  # the one who missed it is not offered it again
    chat.refresh_from_db()
    assert (chat.assignee_id, chat.created_at) == (None, NOW)  # keeps its place (enqueued at)


@time_machine.travel(NOW, tick=False)
def test_a_declined_offer_goes_back_to_the_queue_and_the_agent_stays_online(tenants: Any) -> None:
    t = tenants
    agent = t.user("pa", "agent")
    _floor(t, agents=[agent])
    chat = _chat(t)
    assignment.route_waiting()
    offer = Offer.all_tenants.get(conversation_id=chat.pk)
    declined = desk_services.offer_decline(t.scope("pa", "agent"), offer_id=offer.pk)
    assert declined.state == "declined"
    assert _state(t, agent) == "online"
    assert [e.data["reason"] for e in _events(chat, "missed")] == ["declined"]
    assert assignment.route_waiting() == 0  # nobody else is there, and not the same agent again
    assert Conversation.all_tenants.get(pk=chat.pk).assignee_id is None


@time_machine.travel(NOW, tick=False)
def test_auto_accept_assigns_at_once(tenants: Any) -> None:
    t = tenants
    agent = t.user("pa", "agent")
    _floor(t, agents=[agent], auto_accept=True)
    chat = _chat(t)
    assert assignment.route_waiting() == 1
    assert Conversation.all_tenants.get(pk=chat.pk).assignee_id == agent.pk
    offer = Offer.all_tenants.get(conversation_id=chat.pk)
    assert (offer.state, offer.auto) == ("accepted", True)
    assert [e.data["how"] for e in _events(chat, "assigned")] == ["auto"]
    assert _events(chat, "accepted") == []


@time_machine.travel(NOW, tick=False)
def test_capacity_is_never_exceeded_and_manual_picks_count(tenants: Any) -> None:
    t = tenants
    agent = t.user("pa", "agent")
    _floor(t, agents=[agent], auto_accept=True, default_chat_concurrency=2)
    picked = _chat(t)
    desk_services.conversation_assign(t.scope("pa", "agent"), conversation_id=picked.pk, agent_id=agent.pk)
    assert [e.data["how"] for e in _events(picked, "assigned")] == ["manual"]
    chats = [_chat(t) for _ in range(3)]
    assert assignment.route_waiting() == 1  # one place left of two
    held = Conversation.all_tenants.filter(assignee_id=agent.pk).count()
    assert held == 2
    assert Conversation.all_tenants.get(pk=chats[0].pk).assignee_id == agent.pk  # oldest first
    # resolving one frees a place: the next oldest goes
    desk_services.conversation_set_status(
        t.scope("pa", "agent"), conversation_id=picked.pk, status="resolved", category="咨询"
    )
    assert assignment.route_waiting(agent_ids=[agent.pk]) == 1
    assert Conversation.all_tenants.get(pk=chats[1].pk).assignee_id == agent.pk
    assert Conversation.all_tenants.get(pk=chats[2].pk).assignee_id is None


@time_machine.travel(NOW, tick=False)
def test_places_count_each_agents_held_chats_and_live_offers_per_channel_in_one_statement(
    tenants: Any,
) -> None:
    t = tenants
    agent, other = t.user("pa", "agent"), t.user("pa", "supervisor")
    for user, channel, status in [
        (agent, "chat", "new"),
        (agent, "chat", "open"),
        (agent, "email", "pending_customer"),
        (agent, "chat", "resolved"),  # done: holds no place
        (other, "chat", "pending_client"),
    ]:
        Conversation.all_tenants.create(
            provider=t.pa, client=t.ca1, channel=channel, status=status, assignee=user, created_at=NOW
        )
    assert desk_selectors.agent_places([agent.pk, other.pk]) == {
        (agent.pk, "chat"): 2,
        (agent.pk, "email"): 1,
        (other.pk, "chat"): 1,
    }
    _floor(t, agents=[agent], default_chat_concurrency=4)  # two places left on chat
    chats = [_chat(t) for _ in range(3)]
    assert assignment.route_waiting() == 2  # offered, not yet accepted: they hold the two places
    with CaptureQueriesContext(connection) as queries:
        places = desk_selectors.agent_places([agent.pk, other.pk])
    assert places == {(agent.pk, "chat"): 4, (agent.pk, "email"): 1, (other.pk, "chat"): 1}
    assert len(queries.captured_queries) == 1
    Offer.all_tenants.filter(conversation_id=chats[0].pk).update(state="missed")  # answered: no place held
    assert desk_selectors.agent_places([agent.pk])[agent.pk, "chat"] == 3


@time_machine.travel(NOW, tick=False)
def test_a_supervisor_assignment_is_marked_and_cancels_a_live_offer(tenants: Any) -> None:
    t = tenants
    agent = t.user("pa", "agent")
    _floor(t, agents=[agent])
    chat = _chat(t)
    assignment.route_waiting()
    desk_services.conversation_assign(t.scope("pa", "supervisor"), conversation_id=chat.pk, agent_id=agent.pk)
    assert Offer.all_tenants.get(conversation_id=chat.pk).state == "cancelled"
    assert [(e.data["how"], e.data["offer_id"]) for e in _events(chat, "assigned")] == [("supervisor", None)]


@time_machine.travel(NOW, tick=False)
def test_uncertified_offline_or_unskilled_agents_get_nothing(tenants: Any) -> None:
    t = tenants
    agent = t.user("pa", "agent")
    _floor(t, agents=[agent])
    admin = t.scope("pa", "provider_admin")
    cert = routing_selectors.certification_list(admin, user_id=agent.pk).get()
    routing_services.certification_revoke(admin, certification_id=cert.pk)
    _chat(t)
    assert assignment.route_waiting() == 0
    routing_services.certification_create(
        admin, user_id=agent.pk, client_id=t.ca1.pk, valid_from=NOW - timedelta(hours=1)
    )
    routing_services.presence_set(admin, agent_id=agent.pk, state="break", reason="meal")
    assert assignment.route_waiting() == 0
    routing_services.presence_set(admin, agent_id=agent.pk, state="online")
    assert assignment.route_waiting() == 1


@time_machine.travel(NOW, tick=False)
def test_a_chat_waiting_too_long_overflows_to_the_other_queue_once(tenants: Any) -> None:
    t = tenants
    agent = t.user("pa", "agent")
    lead = t.scope("pa", "supervisor")
    other = routing_services.queue_create(lead, client_id=t.ca1.pk, name="家居-售后-在线")
    queue = routing_services.queue_create(
        lead, client_id=t.ca1.pk, name=QUEUE, overflow_after_s=60, overflow_queue_id=other.pk
    )
    routing_services.queue_update(lead, queue_id=other.pk, overflow_after_s=60, overflow_queue_id=queue.pk)
    admin = t.scope("pa", "provider_admin")
    skill = routing_selectors.skill_list(admin, kind="queue").get(name=other.name)
    routing_services.agent_skill_set(admin, user_id=agent.pk, skill_id=skill.pk, proficiency=3)
    routing_services.certification_create(admin, user_id=agent.pk, client_id=t.ca1.pk, valid_from=NOW)
    chat = _chat(t)
    assert assignment.routing_sweep(NOW + timedelta(seconds=59))["overflowed"] == 0
    result = assignment.routing_sweep(NOW + timedelta(seconds=60))
    assert (result["overflowed"], result["offered"]) == (1, 0)  # the agent is offline
    assert Conversation.all_tenants.get(pk=chat.pk).queue == other.name
    assert [e.data for e in _events(chat, "overflowed")] == [{"from": QUEUE, "to": other.name}]
    assert assignment.routing_sweep(NOW + timedelta(seconds=300))["overflowed"] == 0  # no bounce
    routing_services.presence_set(admin, agent_id=agent.pk, state="online")
    assert assignment.route_waiting() == 1


@time_machine.travel(NOW, tick=False)
def test_a_new_chat_and_a_freed_agent_wake_routing_after_commit(
    tenants: Any, django_capture_on_commit_callbacks: Any
) -> None:
    t = tenants
    agent = t.user("pa", "agent")
    _floor(t, agents=[agent], auto_accept=True, default_chat_concurrency=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = _chat(t)
    assert Conversation.all_tenants.get(pk=first.pk).assignee_id == agent.pk
    with django_capture_on_commit_callbacks(execute=True):
        second = _chat(t)
    assert Conversation.all_tenants.get(pk=second.pk).assignee_id is None  # full
    with django_capture_on_commit_callbacks(execute=True):
        desk_services.conversation_set_status(
            t.scope("pa", "agent"), conversation_id=first.pk, status="closed"
        )
    assert Conversation.all_tenants.get(pk=second.pk).assignee_id == agent.pk


def _api(t: Any, role: str, method: str, path: str) -> Any:
    _token, raw = tenancy_services.api_token_create(user=t.user("pa", role), name="offers")
    return getattr(Client(), method)(
        path, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )


@time_machine.travel(NOW, tick=False)
def test_the_offers_api(tenants: Any) -> None:
    t = tenants
    agent = t.user("pa", "agent")
    _floor(t, agents=[agent])
    chat, other = _chat(t), _chat(t)
    assignment.route_waiting()
    first, second = Offer.all_tenants.filter(agent=agent).order_by("id")
    listed = _api(t, "agent", "get", "/api/offers")
    assert listed.status_code == 200
    assert [(o["id"], o["conversation_id"], o["queue"], o["state"]) for o in listed.json()] == [
        (first.pk, chat.pk, QUEUE, "offered"),
        (second.pk, other.pk, QUEUE, "offered"),
    ]
    assert _api(t, "supervisor", "get", "/api/offers").json() == []  # only one's own
    accepted = _api(t, "agent", "post", f"/api/offers/{first.pk}/accept")
    assert (accepted.status_code, accepted.json()["assignee_id"], accepted.json()["queue"]) == (
        200,
        agent.pk,
        QUEUE,
    )
    again = _api(t, "agent", "post", f"/api/offers/{first.pk}/accept")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "conflict")
    declined = _api(t, "agent", "post", f"/api/offers/{second.pk}/decline")
    assert (declined.status_code, declined.json()["state"]) == (200, "declined")
    assert _api(t, "supervisor", "post", f"/api/offers/{second.pk}/accept").status_code == 404
    assert _api(t, "agent", "get", "/api/offers").json() == []


def _statement(sql: str) -> str:
    """A statement's verb and first table, e.g. `UPDATE "desk_conversation"`."""
    found = re.search(r'(?:UPDATE|INTO|FROM) ("[a-z_]+")', sql)
    return f"{sql.split(' ', 1)[0]} {found.group(1) if found else ''}"


@time_machine.travel(NOW, tick=False)
def test_a_batch_is_one_update_and_one_insert_of_events_however_many_it_assigns(
    tenants: Any, settings: Any
) -> None:
    # given an auto-accepting queue with four agents (three chats each), the configuration read
    # by every pass (no cache across passes: both passes read the same)
    settings.KEFU_ROUTING_CONFIG_MAX_AGE_S = 0
    t = tenants
    agents = [t.user("pa", "agent")]
    agents += [MembershipFactory(organization=t.pa, role="agent").user for _ in range(3)]
    _floor(t, agents=agents, auto_accept=True, default_chat_concurrency=3)

    def assign(chats: int) -> tuple[list[str], int]:
        for _ in range(chats):
            _chat(t)
        with CaptureQueriesContext(connection) as seen:
            made = assignment.route_waiting()
        return [_statement(q["sql"]) for q in seen.captured_queries], made

    # when two chats are assigned, then eight more
    small, made_small = assign(2)
    large, made_large = assign(8)
    # then both passes run the same statements: the assignees in one UPDATE, the events in one INSERT
    assert (made_small, made_large) == (2, 8)
    assert small == large
    assert small.count('UPDATE "desk_conversation"') == 1
    assert small.count('INSERT "analytics_contactevent"') == 1
    taken = Conversation.all_tenants.filter(client=t.ca1, assignee__isnull=False)
    held = Counter(taken.values_list("assignee_id", flat=True))
    assert sum(held.values()) == 10 and max(held.values()) == 3 and set(held) <= {a.pk for a in agents}
    assigned = ContactEvent.all_tenants.filter(type="assigned", client_id=t.ca1.pk)
    assert Counter(assigned.values_list("conversation_id", flat=True)).most_common(1)[0][1] == 1
    assert sorted(e.data["how"] for e in assigned) == ["auto"] * 10
    assignees = dict(taken.values_list("id", "assignee_id"))
    assert all(e.agent_id == assignees[e.conversation_id] for e in assigned)


@time_machine.travel(NOW, tick=False)
def test_a_contact_whose_agent_another_process_filled_is_decided_again_at_once(
    tenants: Any, monkeypatch: Any
) -> None:
    # given two agents with room for one chat each, and a chat waiting
    from kefu.desk import selectors as desk_selectors

    t = tenants
    agents = sorted(
        [t.user("pa", "agent"), MembershipFactory(organization=t.pa, role="agent").user], key=lambda u: u.pk
    )
    _floor(t, agents=agents, default_chat_concurrency=1)
    chat = _chat(t)
    real, calls = desk_selectors.agent_places, []

    def loads(ids: list[int]) -> dict[tuple[int, str], int]:
        calls.append(ids)
        found = real(ids)
        if len(calls) >= 2:  # from the re-count under the lock on, another process gave the first a chat
            found[agents[0].pk, "chat"] = found.get((agents[0].pk, "chat"), 0) + 1
        return found

    monkeypatch.setattr(desk_selectors, "agent_places", loads)
    # when one pass runs (the core first picks the first agent: same idle time, smaller id)
    made = assignment.route_waiting()
    # then the stale answer is dropped and the chat offered to the other agent in the same pass
    assert made == 1
    assert list(Offer.all_tenants.filter(conversation_id=chat.pk).values_list("agent_id", "state")) == [
        (agents[1].pk, "offered")
    ]
    assert len(calls) == 4  # decide and confirm, twice


@pytest.mark.parametrize("gone", ["user_deactivated", "membership_ended"])
@time_machine.travel(NOW, tick=False)
def test_one_agent_who_may_no_longer_take_chats_does_not_stall_the_batch(tenants: Any, gone: str) -> None:
    # given an auto-accepting queue, four agents online with room for two chats each, and one of
    # them no longer allowed to hold the provider's conversations though still marked online
    from kefu.routing.models import PresenceChange
    from kefu.tenancy.models import Membership

    t = tenants
    agents = sorted(
        [t.user("pa", "agent"), *(MembershipFactory(organization=t.pa, role="agent").user for _ in range(3))],
        key=lambda u: u.pk,
    )
    _floor(t, agents=agents, auto_accept=True, default_chat_concurrency=2)
    bad = agents[0]  # equal in all else the core picks the smaller id first
    if gone == "user_deactivated":
        bad.is_active = False
        bad.save(update_fields=["is_active"])
    else:
        Membership.objects.filter(user=bad, organization=t.pa).update(is_active=False)
    chats = [_chat(t) for _ in range(5)]  # (wake-ups run after commit: not in a test transaction)
    # when one pass runs
    made = assignment.route_waiting()
    # then every chat is assigned, none to the bad agent, whose offers were withdrawn
    assert made == 5
    held = dict(
        Conversation.all_tenants.filter(pk__in=[c.pk for c in chats]).values_list("id", "assignee_id")
    )
    assert None not in held.values() and bad.pk not in held.values()
    assigned = ContactEvent.all_tenants.filter(type="assigned", client_id=t.ca1.pk)
    assert sorted(e.conversation_id for e in assigned) == sorted(c.pk for c in chats)
    assert {e.agent_id for e in assigned} <= {a.pk for a in agents[1:]}
    withdrawn = list(Offer.all_tenants.filter(agent_id=bad.pk).values_list("state", flat=True))
    assert withdrawn and set(withdrawn) == {"cancelled"}
    # and the bad agent is set offline (recorded), so the next sweep does not try the pair again
    assert _state(t, bad) == "offline"
    changes = PresenceChange.all_tenants.filter(user=bad).order_by("id")
    assert list(changes.values_list("state", "source")) == [
        ("online", "lead"),
        ("offline", "auto"),
    ]
    later = _chat(t)
    assert assignment.routing_sweep(NOW + timedelta(seconds=2)) == {
        "missed": 0,
        "overflowed": 0,
        "offered": 1,
    }
    assert Offer.all_tenants.filter(agent_id=bad.pk).count() == len(withdrawn)
    assert Conversation.all_tenants.get(pk=later.pk).assignee_id in {a.pk for a in agents[1:]}


@time_machine.travel(NOW, tick=False)
def test_a_batch_tells_each_inbox_group_once_and_each_conversation_page_once(
    tenants: Any, monkeypatch: Any
) -> None:
    # given an auto-accepting queue with two agents and three chats waiting
    from kefu.core import realtime

    t = tenants
    agents = [t.user("pa", "agent"), MembershipFactory(organization=t.pa, role="agent").user]
    _floor(t, agents=agents, auto_accept=True, default_chat_concurrency=2)
    chats = sorted(_chat(t).pk for _ in range(3))
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        realtime,
        "publish_on_commit",
        lambda group, kind, **data: sent.append((group, {"type": kind, **data})),
    )
    monkeypatch.setattr(  # inbox hints are lists the server may merge (docs/routing.md "Hint storms")
        realtime,
        "publish_merged_on_commit",
        lambda group, kind, key, items: sent.append((group, {"type": kind, key: items})),
    )
    # when one pass assigns them
    assert assignment.route_waiting() == 3
    # then the conversation hints are one per page, and one per inbox group listing the batch
    updated = [(group, event) for group, event in sent if event["type"] == "conversation.updated"]
    listed = [[pk, t.pa.pk, t.ca1.pk] for pk in chats]
    assert sorted(updated, key=repr) == sorted(
        [(f"desk.conversation.{pk}", {"type": "conversation.updated", "id": pk}) for pk in chats]
        + [
            (f"desk.inbox.{t.pa.pk}", {"type": "conversation.updated", "conversations": listed}),
            (f"desk.inbox.{t.ca1.pk}", {"type": "conversation.updated", "conversations": listed}),
        ],
        key=repr,
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite (one writer) runs wake-ups inline; its in-memory test database does not wait for locks",
)
@pytest.mark.django_db(transaction=True)
def test_in_the_background_a_burst_of_chats_is_offered_without_the_request_waiting(
    tenants: Any, settings: Any
) -> None:
    """`KEFU_ROUTING_WAKE=thread`: the commit that queues a chat only hands it to the
    runner thread, which offers it on its own connection; chats queued while a pass runs wait
    for the next one."""
    from kefu.routing import wakeups

    settings.KEFU_ROUTING_WAKE = "thread"
    t = tenants
    agents = [t.user("pa", "agent"), MembershipFactory(organization=t.pa, role="agent").user]
    _floor(t, agents=agents, default_chat_concurrency=3)
    runner = wakeups.background()
    assert runner.idle(30)  # the floor's own wake-ups (agents online) are done
    before = runner.passes
    chats = [_chat(t) for _ in range(5)]
    assert runner.idle(30)
    offers = Offer.all_tenants.filter(conversation_id__in=[c.pk for c in chats])
    assert sorted(offers.values_list("conversation_id", flat=True)) == sorted(c.pk for c in chats)
    assert {o.agent_id for o in offers} <= {a.pk for a in agents}
    assert 1 <= runner.passes - before <= 5


@time_machine.travel(NOW, tick=False)
def test_a_full_agent_is_left_out_before_the_core_sees_the_floor(
    tenants: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Most of a busy floor has no free place: those agents are not indexed by the core (nor asked
    about their last offers), and the offer goes to the one with room."""
    t = tenants
    full, free = t.user("pa", "agent"), MembershipFactory(organization=t.pa, role="agent").user
    _floor(t, agents=[full], auto_accept=True, default_chat_concurrency=1)
    held = _chat(t)
    assert assignment.route_waiting() == 1
    assert Conversation.all_tenants.get(pk=held.pk).assignee_id == full.pk
    _floor_agent(t, free)
    asked: list[set[int]] = []
    real = offer_selectors.last_offer_at

    def last_offer_at(agent_ids: Any, **kwargs: Any) -> Any:
        asked.append(set(agent_ids))
        return real(agent_ids, **kwargs)

    monkeypatch.setattr(offer_selectors, "last_offer_at", last_offer_at)
    waiting = _chat(t)
    assert assignment.route_waiting() == 1
    assert Conversation.all_tenants.get(pk=waiting.pk).assignee_id == free.pk
    assert asked == [{free.pk}]


def test_the_core_sees_each_queues_best_few_agents_and_the_chat_goes_to_the_least_occupied(
    tenants: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass over k chats hands the core only the agents it can pick (`decision.shortlist`):
    here one chat, so the one best agent of the queue by occupancy (then idle time), not the
    floor. The answer is the one the whole floor gives."""
    t = tenants
    agents = [t.user("pa", "agent")] + [
        MembershipFactory(organization=t.pa, role="agent").user for _ in range(3)
    ]
    _floor(t, agents=agents, auto_accept=True, default_chat_concurrency=3)
    supervisor = t.scope("pa", "supervisor")
    for agent, holding in zip(agents, (2, 1, 2, 1), strict=True):  # agents[1] and [3] hold one
        for _ in range(holding):
            chat = _chat(t)
            desk_services.conversation_assign(supervisor, conversation_id=chat.pk, agent_id=agent.pk)
    seen: list[set[int]] = []
    real = decision.decide

    def decide(snapshot: Any, now: float) -> Any:
        seen.append({agent.id for agent in snapshot.agents})
        return real(snapshot, now)

    monkeypatch.setattr(decision, "decide", decide)
    waiting = _chat(t)
    assert assignment.route_waiting() == 1
    # of the two holding one, the one idle longest (the first to come online) wins
    assert Conversation.all_tenants.get(pk=waiting.pk).assignee_id == agents[1].pk
    assert seen == [{agents[1].pk}]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the leader hears PostgreSQL's NOTIFY")
@pytest.mark.django_db(transaction=True)
def test_the_leading_process_offers_the_chats_other_processes_commit(tenants: Any, settings: Any) -> None:
    """`KEFU_ROUTING_WAKE=leader`: a commit only notifies; the listener holding the router lock
    hands the wake-ups to its runner, which offers the chats."""
    from kefu.routing import wakeups

    settings.KEFU_ROUTING_WAKE = "leader"
    t = tenants
    agents = [t.user("pa", "agent"), MembershipFactory(organization=t.pa, role="agent").user]
    _floor(t, agents=agents, default_chat_concurrency=3)
    runner = wakeups.Coalescer()
    leadership = wakeups.Leadership(defer_s=0, retry_s=0.1, runner=runner).start()
    try:
        assert leadership.leading.wait(30)
        chats = [_chat(t) for _ in range(4)]
        ids = sorted(c.pk for c in chats)
        offers = Offer.all_tenants.filter(conversation_id__in=ids)
        for _ in range(300):  # the notification, then the pass, on the leader's threads
            if offers.count() == len(ids) and runner.idle(0.1):
                break
            time.sleep(0.1)
        assert sorted(offers.values_list("conversation_id", flat=True)) == ids
        assert {o.agent_id for o in offers} <= {a.pk for a in agents}
    finally:
        leadership.stop()
        assert runner.idle(30)


@time_machine.travel(NOW, tick=False)
def test_an_offer_is_locked_without_its_queue(tenants: Any) -> None:
    """The sweep locks an expired offer, then the agent's presence. Had it locked the queue's row
    too (the join), a pass committing a new offer of that queue (whose foreign-key check shares
    the queue's row) while holding that agent would deadlock with it (seen in the demo on
    PostgreSQL)."""
    from kefu.routing import offer_services

    t = tenants
    _floor(t, agents=[t.user("pa", "agent")])
    _chat(t)
    assert assignment.route_waiting() == 1
    offer = Offer.all_tenants.get()
    with transaction.atomic(), CaptureQueriesContext(connection) as locked:
        assert offer_services.offer_lock(offer.pk).queue.name == QUEUE
    sql = locked.captured_queries[-1]["sql"]
    if connection.features.has_select_for_update_of:  # PostgreSQL; SQLite has no row locks
        assert 'FOR UPDATE OF "routing_offer"' in sql and "routing_queue" in sql
