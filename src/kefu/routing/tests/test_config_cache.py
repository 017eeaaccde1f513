"""Routing's configuration cached across passes: reused while its version holds, and every write
of it seen by the very next pass (docs/routing.md, "The configuration cache")."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kefu.desk import services as desk_services
from kefu.desk.services import assignment
from kefu.routing import config_cache, offer_services, selectors, services
from kefu.routing.models import Certification, Offer, RoutingConfigVersion
from kefu.testing.factories import MembershipFactory

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(timezone.datetime(2026, 12, 7, 10, 0))
QUEUE = "家居-售前-在线"
CONFIG_TABLES = {
    "routing_queue",
    "routing_queueprovider",
    "routing_queueskill",
    "routing_agentskill",
    "routing_certification",
    "routing_agentcapacity",
}


@dataclass
class Floor:
    queue: Any
    skill: Any  # the queue's own skill
    language: Any  # a language skill nobody requires yet
    a: Any  # certified, own chat limit 4
    b: Any  # not certified, no own limit


def _floor(t: Any, *, online: bool = False, certify_b: bool = False) -> Floor:
    """A queue of ca1 served by pa; agents a and b (a's id the smaller) with its skill at 3."""
    admin = t.scope("pa", "provider_admin")
    queue = services.queue_create(t.scope("pa", "supervisor"), client_id=t.ca1.pk, name=QUEUE)
    skill = selectors.skill_list(admin, kind="queue").get(name=QUEUE)
    language = services.skill_define(admin, kind="language", name="英语")
    a, b = sorted(
        [t.user("pa", "agent"), MembershipFactory(organization=t.pa, role="agent").user], key=lambda u: u.pk
    )
    for agent in (a, b):
        services.agent_skill_set(admin, user_id=agent.pk, skill_id=skill.pk, proficiency=3)
    for agent in (a, b) if certify_b else (a,):
        services.certification_create(
            admin, user_id=agent.pk, client_id=t.ca1.pk, valid_from=NOW - timedelta(days=1)
        )
    services.agent_capacity_set(admin, user_id=a.pk, channel="chat", max_concurrent=4)
    if online:
        for agent in (a, b):
            services.presence_set(admin, agent_id=agent.pk, state="online")
    return Floor(queue, skill, language, a, b)


def _seen(f: Floor, providers: set[int]) -> dict[str, Any]:
    """Everything a pass reads of the configuration, through a new pass (as `route_waiting`)."""
    routing = offer_services.RoutingPass()
    keys = routing.routable_queue_keys()
    queues = sorted(routing.queues(keys).values(), key=lambda q: q.pk)
    skills = routing.skills(queues, providers)
    fields = (
        "pk",
        "active",
        "channel",
        "priority",
        "auto_accept",
        "offer_timeout_s",
        "default_chat_concurrency",
    )
    return {
        "queues": {(q.client_id, q.name): tuple(getattr(q, name) for name in fields) for q in queues},
        "shares": routing.shares(queues),
        "required": skills.required,
        "held": skills.held,
        "certifications": set(routing.certifications([f.a.pk, f.b.pk])),
        "capacity": set(routing.capacity([f.a.pk, f.b.pk])),
    }


def _admin(t: Any) -> Any:
    return t.scope("pa", "provider_admin")


def _cert_of(t: Any, f: Floor) -> int:
    return Certification.all_tenants.get(user=f.a, client=t.ca1).pk


# Every service that writes what a pass reads; each must make the next pass read it.
WRITES: dict[str, Callable[[Any, Floor], object]] = {
    "queue_create": lambda t, f: services.queue_create(
        t.scope("pa", "supervisor"), client_id=t.ca1.pk, name="家居-售后-在线"
    ),
    "queue_update active": lambda t, f: services.queue_update(
        t.scope("pa", "supervisor"), queue_id=f.queue.pk, active=False
    ),
    "queue_update settings": lambda t, f: services.queue_update(
        t.scope("pa", "supervisor"), queue_id=f.queue.pk, auto_accept=True, priority=1
    ),
    "queue_update required skills": lambda t, f: services.queue_update(
        t.scope("pa", "supervisor"), queue_id=f.queue.pk, required_skills=[(f.language.pk, 2)]
    ),
    "queue_providers_set": lambda t, f: services.queue_providers_set(
        t.scope("pa", "supervisor"), queue_id=f.queue.pk, shares={t.pa.pk: 80, t.pc.pk: 20}
    ),
    "agent_skill_set level": lambda t, f: services.agent_skill_set(
        _admin(t), user_id=f.a.pk, skill_id=f.skill.pk, proficiency=5
    ),
    "agent_skill_set removed": lambda t, f: services.agent_skill_set(
        _admin(t), user_id=f.a.pk, skill_id=f.skill.pk, proficiency=None
    ),
    "agent_skills_put": lambda t, f: services.agent_skills_put(
        _admin(t), user_id=f.b.pk, levels={f.skill.pk: 1}
    ),
    "agent_queue_skills_set": lambda t, f: services.agent_queue_skills_set(
        _admin(t), user_id=f.a.pk, queues=[]
    ),
    "skill_grid_save": lambda t, f: services.skill_grid_save(
        _admin(t), levels={(f.b.pk, f.skill.pk): 4}, capacity={(f.b.pk, "chat"): 5}
    ),
    "agent_capacity_set changed": lambda t, f: services.agent_capacity_set(
        _admin(t), user_id=f.a.pk, channel="chat", max_concurrent=2
    ),
    "agent_capacity_set new": lambda t, f: services.agent_capacity_set(
        _admin(t), user_id=f.b.pk, channel="chat", max_concurrent=2
    ),
    "agent_capacity_set removed": lambda t, f: services.agent_capacity_set(
        _admin(t), user_id=f.a.pk, channel="chat", max_concurrent=None
    ),
    "agent_capacity_put": lambda t, f: services.agent_capacity_put(
        _admin(t), user_id=f.a.pk, limits={"chat": 1}
    ),
    "certification_create": lambda t, f: services.certification_create(
        _admin(t), user_id=f.b.pk, client_id=t.ca1.pk, valid_from=NOW - timedelta(days=1)
    ),
    "certification_revoke": lambda t, f: services.certification_revoke(
        _admin(t), certification_id=_cert_of(t, f)
    ),
}


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_each_configuration_write_is_seen_by_the_very_next_pass(
    multi_vendor: Any, write: Callable[[Any, Floor], object]
) -> None:
    # given a warm cache
    t = multi_vendor
    f = _floor(t)
    providers = {t.pa.pk, t.pc.pk}
    before = _seen(f, providers)
    warm = config_cache.current()
    assert config_cache.current() is warm  # nothing changed: the next pass reuses it
    # when a service writes the configuration
    write(t, f)
    # then the next pass reads what a cold cache reads, and that differs from before
    after = _seen(f, providers)
    config_cache.clear()
    assert after == _seen(f, providers)
    assert after != before


def _tables(captured: list[dict[str, str]]) -> list[str]:
    return [m for q in captured for m in re.findall(r'FROM "([a-z_]+)"', q["sql"])]


def _chat(t: Any) -> Any:
    return desk_services.conversation_create(
        t.scope("pa", "supervisor"), channel="chat", client_id=t.ca1.pk, queue=QUEUE, message="在吗"
    )


@time_machine.travel(NOW, tick=False)
def test_a_warm_pass_reads_no_configuration_only_its_version(tenants: Any) -> None:
    # given a floor and a first pass (cold)
    t = tenants
    _floor(t, online=True, certify_b=True)
    _chat(t)
    with CaptureQueriesContext(connection) as cold:
        assert assignment.route_waiting() == 1
    # when a second chat comes and the next pass runs
    _chat(t)
    with CaptureQueriesContext(connection) as warm:
        assert assignment.route_waiting() == 1
    # then the second pass reads the version once and none of the configuration
    assert set(_tables(cold.captured_queries)) >= CONFIG_TABLES
    assert set(_tables(warm.captured_queries)) & CONFIG_TABLES == set()
    assert _tables(warm.captured_queries).count("routing_routingconfigversion") == 1
    assert len(warm.captured_queries) < len(cold.captured_queries) - 5


def _offers_made(t: Any) -> list[tuple[int, int, str]]:
    """The offers one pass makes, then undone (the configuration is untouched: the cache stays)."""
    with transaction.atomic():
        assignment.route_waiting()
        made = sorted(Offer.all_tenants.values_list("conversation_id", "agent_id", "state"))
        transaction.set_rollback(True)
    return made


@time_machine.travel(NOW, tick=False)
def test_a_warm_cache_makes_the_same_offers_as_a_cold_read(tenants: Any, settings: Any) -> None:
    # given two agents (one with an own chat limit), a third preferring nothing, five chats
    t = tenants
    f = _floor(t, online=True, certify_b=True)
    services.agent_skill_set(_admin(t), user_id=f.b.pk, skill_id=f.skill.pk, proficiency=5)
    chats = [_chat(t) for _ in range(8)]
    # when a pass runs cold, then warm, then with no cache across passes
    cold = _offers_made(t)
    with CaptureQueriesContext(connection) as seen:
        warm = _offers_made(t)
    settings.KEFU_ROUTING_CONFIG_MAX_AGE_S = 0
    uncached = _offers_made(t)
    # then the offers are the same (and fill both agents: 4 + 3)
    assert cold == warm == uncached
    assert len(cold) == 7 and {agent for _, agent, _ in cold} == {f.a.pk, f.b.pk}
    assert {c for c, _, _ in cold} < {c.pk for c in chats}
    assert set(_tables(seen.captured_queries)) & CONFIG_TABLES == set()


@time_machine.travel(NOW, tick=False)
def test_a_revoked_certification_sends_the_next_chat_to_the_other_agent(tenants: Any) -> None:
    # given two certified agents online, the cache warm: a chat goes to a (the smaller id)
    t = tenants
    f = _floor(t, online=True, certify_b=True)
    chat = _chat(t)
    assert _offers_made(t) == [(chat.pk, f.a.pk, "offered")]
    # when a's certification is revoked, then the very next pass offers it to b
    services.certification_revoke(_admin(t), certification_id=_cert_of(t, f))
    assert _offers_made(t) == [(chat.pk, f.b.pk, "offered")]
    # and a deactivated queue is not routed by the next pass
    services.queue_update(t.scope("pa", "supervisor"), queue_id=f.queue.pk, active=False)
    assert _offers_made(t) == []


@time_machine.travel(NOW, tick=False)
def test_a_write_behind_the_cache_is_seen_after_the_max_age(
    tenants: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a warm cache on which a chat goes to a
    t = tenants
    f = _floor(t, online=True, certify_b=True)
    clock = [1000.0]
    monkeypatch.setattr(config_cache, "_clock", lambda: clock[0])
    chat = _chat(t)
    assert _offers_made(t) == [(chat.pk, f.a.pk, "offered")]
    # when a's certification is revoked by raw SQL (no version bump: an operator's fix)
    Certification.all_tenants.filter(user=f.a).update(revoked_at=NOW)
    # then passes within the max age still use the cache; the first one after it reloads
    clock[0] += settings.KEFU_ROUTING_CONFIG_MAX_AGE_S - 1
    assert _offers_made(t) == [(chat.pk, f.a.pk, "offered")]
    clock[0] += 1
    assert _offers_made(t) == [(chat.pk, f.b.pk, "offered")]
    assert settings.KEFU_ROUTING_CONFIG_MAX_AGE_S == 60


def test_the_version_changes_on_every_bump_and_comes_back_if_its_row_is_lost() -> None:
    first = config_cache.stamp()  # 0 when a transactional test before this one emptied the table
    config_cache.bump()
    second = config_cache.stamp()
    assert second not in (first, 0)
    RoutingConfigVersion.objects.all().delete()
    assert config_cache.stamp() == 0
    config_cache.bump()
    assert config_cache.stamp() not in (first, second, 0)


# --- a guard: bulk writes of the cached models say so -------------------------------------------
CACHED = {"Queue", "QueueProvider", "QueueSkill", "AgentSkill", "Certification", "AgentCapacity"}
BULK = {"bulk_create", "bulk_update", "raw", "execute"}


def _unbumped_bulk_writes(tree: ast.AST) -> list[str]:
    """Functions naming a cached model and writing in bulk (`update(field=…)`, `bulk_*`, raw SQL)
    without calling `bump()`: signals do not see those writes."""
    found = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        names = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
        calls = [n for n in ast.walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
        bulk = any(
            c.func.attr in BULK or (c.func.attr == "update" and c.keywords and not c.args) for c in calls
        )
        if names & CACHED and bulk and not any(c.func.attr == "bump" for c in calls):
            found.append(f"{fn.name}:{fn.lineno}")
    return found


def test_every_bulk_write_of_the_cached_configuration_bumps_its_version() -> None:
    src = Path(config_cache.__file__).resolve().parents[1]
    offenders = []
    for path in sorted(src.rglob("*.py")):
        if "migrations" in path.parts or "tests" in path.parts or "testing" in path.parts:
            continue
        offenders += [
            f"{path.relative_to(src)}:{where}" for where in _unbumped_bulk_writes(ast.parse(path.read_text()))
        ]
    assert offenders == []
    # and the guard sees one (agent_capacity_set's `update()` without its bump)
    sample = "def f(rows):\n    AgentCapacity\n    rows.update(max_concurrent=2)\n"
    assert _unbumped_bulk_writes(ast.parse(sample)) == ["f:1"]
