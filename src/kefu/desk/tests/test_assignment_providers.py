"""Assignment across providers: a client's planned split between two providers, overflow to the
other provider after the wait threshold, and the conversation (with its rows) moving there."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from kefu.analytics.models import ContactEvent
from kefu.core.errors import Conflict, NotFound
from kefu.desk import selectors as desk_selectors
from kefu.desk import services as desk_services
from kefu.desk.models import Conversation, Message
from kefu.desk.services import assignment
from kefu.routing import selectors as routing_selectors
from kefu.routing import services as routing_services
from kefu.routing.models import Offer

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(timezone.datetime(2026, 12, 7, 10, 0))
QUEUE = "家居-售前-在线"


def _ready(t: Any, org: str, agent: Any) -> None:
    """The agent of `org` certified for ca1 and online (pa's agents also hold the queue's skill)."""
    admin = t.scope(org, "provider_admin")
    if org == "pa":
        skill = routing_selectors.skill_list(admin, kind="queue").get(name=QUEUE)
        routing_services.agent_skill_set(admin, user_id=agent.pk, skill_id=skill.pk, proficiency=3)
    routing_services.certification_create(
        admin, user_id=agent.pk, client_id=t.ca1.pk, valid_from=NOW - timedelta(days=1)
    )
    routing_services.presence_set(admin, agent_id=agent.pk, state="online")


def _floor(t: Any, *, shares: dict[int, int], **queue_fields: Any) -> tuple[Any, Any, Any]:
    """ca1's chat queue set up by pa, planned between the providers as `shares`; one agent each."""
    queue = routing_services.queue_create(
        t.scope("pa", "supervisor"),
        client_id=t.ca1.pk,
        name=QUEUE,
        auto_accept=True,
        default_chat_concurrency=10,
        **queue_fields,
    )
    routing_services.queue_providers_set(t.scope("pa", "supervisor"), queue_id=queue.pk, shares=shares)
    ours, theirs = t.user("pa", "agent"), t.user("pc", "agent")
    _ready(t, "pa", ours)
    _ready(t, "pc", theirs)
    return queue, ours, theirs


def _chat(t: Any, channel: str = "chat") -> Conversation:
    """A chat arriving on pa's channel."""
    return desk_services.conversation_create(
        t.scope("pa", "supervisor"), channel=channel, client_id=t.ca1.pk, queue=QUEUE, message="在吗"
    )


def _events(conversation_id: int, kind: str) -> list[ContactEvent]:
    return list(ContactEvent.all_tenants.filter(conversation_id=conversation_id, type=kind).order_by("id"))


@time_machine.travel(NOW, tick=False)
def test_a_split_sends_contacts_to_both_providers_and_the_conversation_moves(multi_vendor: Any) -> None:
    t = multi_vendor
    _queue, ours, theirs = _floor(t, shares={t.pa.pk: 50, t.pc.pk: 50})
    chats = [_chat(t) for _ in range(4)]

    assert assignment.route_waiting() == 4

    rows = {c.pk: Conversation.all_tenants.get(pk=c.pk) for c in chats}
    # deficit round robin at 50/50: pa, pc, pa, pc (ties go to the smaller provider id)
    first, second = sorted([(t.pa.pk, ours.pk), (t.pc.pk, theirs.pk)])
    assert [(rows[c.pk].provider_id, rows[c.pk].assignee_id) for c in chats] == [first, second, first, second]
    moved = [c for c in chats if rows[c.pk].provider_id == t.pc.pk]
    assert len(moved) == 2
    for chat in moved:
        # the messages follow the conversation; the events tell who handed it to whom
        assert set(
            Message.all_tenants.filter(conversation_id=chat.pk).values_list("provider_id", flat=True)
        ) == {t.pc.pk}
        over = _events(chat.pk, "overflowed")
        assert [(e.provider_id, e.data) for e in over] == [
            (t.pa.pk, {"from_provider": t.pa.pk, "to_provider": t.pc.pk, "reason": "split"})
        ]
        assert [e.provider_id for e in _events(chat.pk, "queued")] == [t.pc.pk]
        assert [(e.provider_id, e.data["provider_id"]) for e in _events(chat.pk, "assigned")] == [
            (t.pc.pk, t.pc.pk)
        ]
        # the first provider no longer sees it; the second does
        with pytest.raises(NotFound):
            desk_selectors.conversation_get(t.scope("pa", "supervisor"), conversation_id=chat.pk)
        assert desk_selectors.conversation_get(t.scope("pc", "agent"), conversation_id=chat.pk).pk == chat.pk
    # and over the API: 404 for the first provider, the thread for the second
    pa_api, pc_api = t.client_for("pa", "supervisor"), t.client_for("pc", "agent")
    for path in (f"/api/conversations/{moved[0].pk}", f"/api/conversations/{moved[0].pk}/messages"):
        assert pa_api.get(path).status_code == 404
        assert pc_api.get(path).status_code == 200
    assert [m["body"] for m in pc_api.get(f"/api/conversations/{moved[0].pk}/messages").json()] == ["在吗"]
    # the client's manager still sees all four
    manager = t.scope("ca1", "client_manager")
    assert {desk_selectors.conversation_get(manager, conversation_id=c.pk).pk for c in chats} == {
        c.pk for c in chats
    }


@time_machine.travel(NOW, tick=False)
def test_the_split_corrects_drift_over_its_window(multi_vendor: Any) -> None:
    t = multi_vendor
    queue, _ours, _theirs = _floor(t, shares={t.pa.pk: 100})
    routing_services.queue_providers_set(
        t.scope("pa", "supervisor"), queue_id=queue.pk, shares={t.pa.pk: 100}
    )
    for _ in range(2):
        _chat(t)
    assignment.route_waiting()  # pa alone: pa 2, pc 0
    # the handover's next step: 50/50; pc is two behind, so it takes the next two
    routing_services.queue_providers_set(
        t.scope("pa", "supervisor"), queue_id=queue.pk, shares={t.pa.pk: 50, t.pc.pk: 50}
    )
    later = [_chat(t) for _ in range(3)]
    assignment.route_waiting()
    providers = [Conversation.all_tenants.get(pk=c.pk).provider_id for c in later]
    assert providers[:2] == [t.pc.pk, t.pc.pk]
    # an hour on, the window has forgotten the old offers: even again, ties to the smaller id
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        late = _chat(t)
        assignment.route_waiting()
    assert Conversation.all_tenants.get(pk=late.pk).provider_id == min(t.pa.pk, t.pc.pk)


@time_machine.travel(NOW, tick=False)
def test_overflow_to_the_other_provider_after_the_threshold(multi_vendor: Any) -> None:
    t = multi_vendor
    _queue, ours, theirs = _floor(t, shares={t.pa.pk: 100}, overflow_after_s=60, overflow_provider_id=t.pc.pk)
    routing_services.presence_set(t.scope("pa", "provider_admin"), agent_id=ours.pk, state="offline")
    chat = _chat(t)
    assert assignment.route_waiting() == 0  # pa has nobody; pc only after a minute
    assert assignment.route_waiting(now=NOW + timedelta(seconds=59)) == 0
    assert assignment.route_waiting(now=NOW + timedelta(seconds=60)) == 1
    row = Conversation.all_tenants.get(pk=chat.pk)
    assert (row.provider_id, row.assignee_id) == (t.pc.pk, theirs.pk)
    offer = Offer.all_tenants.get(conversation_id=chat.pk)
    assert (offer.provider_id, offer.tier) == (t.pc.pk, 1)
    assert [e.data["reason"] for e in _events(chat.pk, "overflowed")] == ["overflow"]
    # pa's queue figures no longer count it waiting; pc's do not either (it is assigned)
    stats = routing_selectors.queue_stats(
        t.scope("pa", "supervisor"), queue_id=_queue.pk, now=NOW + timedelta(seconds=61)
    )
    assert stats.waiting == 0


@time_machine.travel(NOW, tick=False)
def test_only_a_waiting_chat_moves(multi_vendor: Any) -> None:
    t = multi_vendor
    _floor(t, shares={t.pa.pk: 50, t.pc.pk: 50})
    system = assignment._system_scope(t.pa.pk, t.ca1.pk)
    email = _chat(t, channel="email")
    with pytest.raises(Conflict):
        desk_services.conversation_move_provider(
            system, conversation_id=email.pk, provider_id=t.pc.pk, reason="split"
        )
    chat = _chat(t)
    desk_services.conversation_assign(
        t.scope("pa", "supervisor"), conversation_id=chat.pk, agent_id=t.user("pa", "agent").pk
    )
    with pytest.raises(Conflict):
        desk_services.conversation_move_provider(
            system, conversation_id=chat.pk, provider_id=t.pc.pk, reason="split"
        )
    assert Conversation.all_tenants.get(pk=chat.pk).provider_id == t.pa.pk


@time_machine.travel(NOW, tick=False)
def test_the_customer_s_widget_follows_the_conversation_to_the_other_provider(multi_vendor: Any) -> None:
    from kefu.connectors import selectors as widget_selectors
    from kefu.connectors import services as widget_services

    t = multi_vendor
    _queue, ours, _theirs = _floor(t, shares={t.pa.pk: 50, t.pc.pk: 50})
    routing_services.presence_set(t.scope("pa", "provider_admin"), agent_id=ours.pk, state="offline")
    widget = widget_services.widget_create(
        t.scope("pa", "provider_admin"), client_id=t.ca1.pk, allowed_origins=["*"], queue=QUEUE
    )
    ctx = widget_services.widget_open(widget.widget_key, origin="https://shop.example.cn")
    visitor, _token = widget_services.visitor_token_issue(ctx)
    conversation_id, _seq, _new = widget_services.widget_message_post(
        ctx, visitor_id=visitor, body="在吗", client_msg_id="m1"
    )
    assert assignment.route_waiting() == 1  # only pc's agent is online
    assert Conversation.all_tenants.get(pk=conversation_id).provider_id == t.pc.pk
    # pc's agent answers; the customer reads the reply and writes on, in the same conversation
    desk_services.message_post(
        t.scope("pc", "agent"), conversation_id=conversation_id, body="您好", direction="out"
    )
    frames, _highest = widget_selectors.message_frames_after(
        ctx, conversation_id=conversation_id, after_seq=0
    )
    assert [f["direction"] for f in frames] == ["in", "out"]
    again, seq, new = widget_services.widget_message_post(
        ctx, visitor_id=visitor, body="退货", client_msg_id="m2"
    )
    assert (again, seq, new) == (conversation_id, 3, False)
    assert Message.all_tenants.get(conversation_id=conversation_id, seq=3).provider_id == t.pc.pk
    assert widget_selectors.visitor_state(ctx, visitor_id=visitor).conversation_id == conversation_id
    # another widget of pa's gets no reach into pc's conversation
    other = widget_services.widget_create(
        t.scope("pa", "provider_admin"), client_id=t.ca1.pk, allowed_origins=["*"]
    )
    other_ctx = widget_services.widget_open(other.widget_key, origin="https://shop.example.cn")
    with pytest.raises(NotFound):
        widget_selectors.message_frames_after(other_ctx, conversation_id=conversation_id, after_seq=0)
