"""A kept read (`core.compiled`) answers as its queryset does, on every database; on PostgreSQL
its SQL is built once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import kefu.desk.selectors
import kefu.routing.config_cache
import kefu.routing.offer_selectors  # noqa: F401
from kefu.core import compiled
from kefu.core.compiled import CompiledRead
from kefu.desk import services as desk_services
from kefu.desk.models import Conversation
from kefu.desk.services import assignment
from kefu.routing import selectors as routing_selectors
from kefu.routing import services as routing_services
from kefu.routing.models import AgentPresence, Offer
from kefu.tenancy.models import Organization
from kefu.testing.factories import MembershipFactory

pytestmark = pytest.mark.django_db
QUEUE = "家居-售前-在线"
ON_POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def floor(tenants: Any) -> Any:
    """A queue of ca1 at pa taking one chat per agent, two agents online, three chats of one
    customer: one accepted, one declined and waiting, one offered. Rows in every table the kept
    reads look at."""
    t = tenants
    now = timezone.now()
    supervisor, admin = t.scope("pa", "supervisor"), t.scope("pa", "provider_admin")
    routing_services.queue_create(supervisor, client_id=t.ca1.pk, name=QUEUE, default_chat_concurrency=1)
    skill = routing_selectors.skill_list(admin, kind="queue").get(name=QUEUE)
    for agent in (t.user("pa", "agent"), MembershipFactory(organization=t.pa, role="agent").user):
        routing_services.agent_skill_set(admin, user_id=agent.pk, skill_id=skill.pk, proficiency=3)
        routing_services.certification_create(
            admin, user_id=agent.pk, client_id=t.ca1.pk, valid_from=now - timedelta(days=1)
        )
        routing_services.presence_set(admin, agent_id=agent.pk, state="online")
    customer = desk_services.customer_create(supervisor, client_id=t.ca1.pk, name="王女士")
    for _ in range(3):
        desk_services.conversation_create(
            supervisor,
            channel="chat",
            client_id=t.ca1.pk,
            queue=QUEUE,
            message="在吗",
            customer_id=customer.pk,
        )
    assignment.route_waiting()
    mine = t.scope("pa", "agent")
    offers = list(Offer.all_tenants.filter(agent=t.user("pa", "agent")))
    assignment.offer_decline(mine, offer_id=offers[0].pk)
    assignment.route_waiting()
    assignment.offer_accept(mine, offer_id=Offer.all_tenants.get(agent=mine.user_id, state="offered").pk)
    assert Conversation.all_tenants.filter(assignee=None).count() == 2
    return t


def _every_id() -> list[int]:
    """Ids of every kind a kept read takes (people, organisations, conversations, customers)."""
    found: set[int] = set()
    found |= set(get_user_model().objects.values_list("pk", flat=True))
    found |= set(Organization.objects.values_list("pk", flat=True))
    found |= set(Conversation.all_tenants.values_list("pk", flat=True))
    found |= set(Conversation.all_tenants.exclude(customer=None).values_list("customer_id", flat=True))
    return sorted(found)


def _arguments(read: CompiledRead, ids: list[int]) -> dict[str, Any]:
    moment = timezone.now() - timedelta(days=30)
    return {name: ids if kind is compiled.ids else moment for name, kind in read.kinds.items()}


def _comparable(rows: list[Any]) -> list[str]:
    if rows and isinstance(rows[0], Model):
        rows = [tuple(getattr(row, f.attname) for f in row._meta.concrete_fields) for row in rows]
    return sorted(repr(row) for row in rows)


@pytest.mark.parametrize("read", compiled.KEPT, ids=repr)
def test_every_kept_read_answers_as_its_queryset_does(floor: Any, read: CompiledRead) -> None:
    assert Offer.all_tenants.filter(state="offered").exists() and AgentPresence.all_tenants.exists()
    for ids in (_every_id(), []):
        arguments = _arguments(read, ids)
        expected = _comparable(list(read.build(**arguments)))
        assert _comparable(read.rows(**arguments)) == expected
    if read.kinds:  # the floor gives every read something to find, else the comparison is empty
        assert read.rows(**_arguments(read, _every_id()))


@pytest.mark.parametrize("read", compiled.KEPT, ids=repr)
def test_postgresql_keeps_the_sql_and_sqlite_builds_reads_of_id_lists(read: CompiledRead) -> None:
    takes_ids = compiled.ids in read.kinds.values()
    if ON_POSTGRESQL:
        assert read.compiled() is not None
    else:  # SQLite writes one marker per id: the statement depends on the list
        assert (read.compiled() is None) == takes_ids


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the SQL is kept on PostgreSQL")
def test_a_kept_read_does_not_build_its_queryset_again(floor: Any, monkeypatch: Any) -> None:
    read = CompiledRead(
        lambda ids: Offer.all_tenants.filter(agent_id__any=ids).values_list("pk", "state"), ids=compiled.ids
    )
    every = _every_id()
    first = read.rows(ids=every)
    monkeypatch.setattr(read, "build", lambda ids: pytest.fail("built again"))
    with CaptureQueriesContext(connection) as queries:
        assert read.rows(ids=every) == first and first
    assert len(queries) == 1


def test_a_list_spread_over_one_marker_per_id_is_left_to_the_orm(floor: Any) -> None:
    read = CompiledRead(
        lambda ids: Offer.all_tenants.filter(agent_id__in=ids).values_list("pk"), ids=compiled.ids
    )
    assert read.compiled() is None
    assert sorted(read.rows(ids=_every_id())) == sorted(Offer.all_tenants.values_list("pk"))


def test_shapes_it_cannot_keep_are_refused(tenants: Any) -> None:
    flat = CompiledRead(
        lambda ids: Offer.all_tenants.filter(pk__any=ids).values_list("pk", flat=True), ids=compiled.ids
    )
    related = CompiledRead(
        lambda ids: Offer.all_tenants.filter(pk__any=ids).select_related("queue"), ids=compiled.ids
    )
    deferred = CompiledRead(lambda ids: Offer.all_tenants.filter(pk__any=ids).only("pk"), ids=compiled.ids)
    for read in (flat, related, deferred):
        with pytest.raises(TypeError):
            read.rows(ids=[1])


def test_arguments_are_checked(tenants: Any) -> None:
    read = CompiledRead(
        lambda after: Offer.all_tenants.filter(offered_at__gt=after).values_list("pk"), after=compiled.moment
    )
    with pytest.raises(TypeError, match="aware"):
        read.rows(after=timezone.now().replace(tzinfo=None))
    with pytest.raises(TypeError, match="expected arguments"):
        read.rows(before=timezone.now())
    assert read.rows(after=timezone.now()) == []
