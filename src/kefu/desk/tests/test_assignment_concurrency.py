"""Exactly once with two processes assigning from one PostgreSQL database (docs/routing.md)."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from kefu.analytics.models import ContactEvent
from kefu.desk.models import Conversation
from kefu.routing import services as routing_services
from kefu.routing.models import AgentPresence, AgentSkill, Certification, Offer, Queue, Skill
from kefu.testing.factories import MembershipFactory

AGENTS, CAPACITY, CONTACTS = 40, 3, 300
QUEUE = "家居-售前-在线"


def _worker(barrier: Any, results: Any) -> None:
    """One "server process": the assignment run in small batches until nothing is left."""
    from kefu.desk.services import assignment

    barrier.wait()
    made, idle = 0, 0
    while idle < 3:
        got = assignment.route_waiting(batch=25)
        made += got
        idle = idle + 1 if got == 0 else 0
    connections.close_all()
    results.put(made)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer: nothing to race")
@pytest.mark.django_db(transaction=True)
def test_two_processes_never_assign_a_contact_twice_nor_overfill_an_agent(tenants: Any) -> None:
    t = tenants
    now = timezone.now()
    queue = routing_services.queue_create(
        t.scope("pa", "supervisor"),
        client_id=t.ca1.pk,
        name=QUEUE,
        auto_accept=True,
        default_chat_concurrency=CAPACITY,
    )
    skill = Skill.all_tenants.get(provider=t.pa, kind="queue", name=QUEUE)
    agents = [MembershipFactory(organization=t.pa, role="agent").user for _ in range(AGENTS)]
    AgentSkill.all_tenants.bulk_create(
        AgentSkill(provider=t.pa, user=a, skill=skill, proficiency=1 + i % 5) for i, a in enumerate(agents)
    )
    Certification.all_tenants.bulk_create(
        Certification(provider=t.pa, client=t.ca1, user=a, valid_from=now - timedelta(days=1)) for a in agents
    )
    AgentPresence.all_tenants.bulk_create(
        AgentPresence(provider=t.pa, client=None, user=a, state="online", since=now) for a in agents
    )
    Conversation.all_tenants.bulk_create(
        Conversation(
            provider=t.pa,
            client=t.ca1,
            channel="chat",
            queue=queue.name,
            subject=f"咨询 {i}",
            created_at=now - timedelta(seconds=CONTACTS - i),
        )
        for i in range(CONTACTS)
    )
    connections.close_all()  # the children open their own connections
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_worker, args=(barrier, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [w.exitcode for w in workers] == [0, 0]
    made = sorted(results.get(timeout=5) for _ in workers)

    assert sum(made) == AGENTS * CAPACITY  # every place filled, by the two together
    assigned = Counter(
        ContactEvent.all_tenants.filter(type="assigned").values_list("conversation_id", flat=True)
    )
    assert len(assigned) == AGENTS * CAPACITY and max(assigned.values()) == 1  # nobody twice
    offers = Counter(Offer.all_tenants.values_list("conversation_id", flat=True))
    assert max(offers.values()) == 1
    held = Counter(
        Conversation.all_tenants.filter(assignee__isnull=False).values_list("assignee_id", flat=True)
    )
    assert set(held.values()) == {CAPACITY}  # each agent full, none over
    assert Queue.all_tenants.filter(pk=queue.pk).exists()
