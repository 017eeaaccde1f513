"""Properties of the routing decision over random floors (hypothesis).

Small floors (a few teams, providers, clients, skills and channels) make every rule meet every
other one often: overflow next to traffic splits, stickiness next to missed offers, expired
certifications next to capacity limits.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kefu.routing.decision import (
    Agent,
    Contact,
    Floor,
    OverflowRule,
    Presence,
    Queue,
    SkillNeed,
    Snapshot,
    TrafficSplit,
    decide,
    kept_per_group,
    rules,
    shortlist,
)
from kefu.routing.tests.decision_oracle import brute_force, problems

NOW = 600.0
SKILLS = ("zh", "en", "refund")
CHANNELS = ("chat", "voice")
TEAMS = {1: 1, 2: 1, 3: 2, 4: 3}  # team -> provider

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def queues(draw: st.DrawFn, queue_id: int) -> Queue:
    overflow = draw(
        st.lists(
            st.builds(
                OverflowRule,
                after_s=st.sampled_from([0.0, 30.0, 120.0, 300.0]),
                teams=st.frozensets(st.sampled_from(list(TEAMS)), max_size=2),
                providers=st.frozensets(st.sampled_from([1, 2, 3]), max_size=1),
            ),
            max_size=2,
        )
    )
    return Queue(
        id=queue_id,
        client_id=draw(st.sampled_from([10, 20])),
        channel=draw(st.sampled_from(CHANNELS)),
        priority=draw(st.integers(0, 3)),
        needs=tuple(
            SkillNeed(skill, draw(st.integers(1, 3)))
            for skill in draw(st.lists(st.sampled_from(SKILLS), unique=True, max_size=2))
        ),
        teams=draw(st.frozensets(st.sampled_from(list(TEAMS)), min_size=1, max_size=2)),
        providers=draw(st.frozensets(st.sampled_from([1, 2, 3]), max_size=1)),
        overflow=tuple(overflow),
    )


@st.composite
def agents(draw: st.DrawFn, agent_id: int) -> Agent:
    team = draw(st.sampled_from(list(TEAMS)))
    capacity = {channel: draw(st.sampled_from([3, 2, 1, 0])) for channel in CHANNELS}
    return Agent(
        id=agent_id,
        provider_id=TEAMS[team],
        team_id=team,
        state=draw(st.sampled_from([Presence.ONLINE] * 3 + [Presence.BREAK, "busy"])),
        skills={skill: level for skill in SKILLS if (level := draw(st.integers(0, 5)))},
        certifications={
            client: expiry
            for client in (10, 20)
            if (expiry := draw(st.sampled_from(["none", None, None, 300.0, 900.0]))) != "none"
        },
        capacity=capacity,
        load={channel: draw(st.integers(0, limit)) for channel, limit in capacity.items()},
        idle_since=draw(st.sampled_from([0.0, 100.0, 200.0])),
    )


@st.composite
def floors(draw: st.DrawFn, max_agents: int = 8, max_contacts: int = 16) -> Snapshot:
    queue_list = [draw(queues(queue_id)) for queue_id in range(1, draw(st.integers(1, 4)) + 1)]
    agent_list = [draw(agents(agent_id)) for agent_id in range(1, draw(st.integers(2, max_agents)) + 1)]
    agent_ids = [agent.id for agent in agent_list] or [99]
    contacts = [
        Contact(
            id=contact_id,
            queue_id=draw(st.sampled_from([queue.id for queue in queue_list])),
            enqueued_at=float(draw(st.integers(0, int(NOW)))),
            preferred_agent_id=draw(st.none() | st.sampled_from(agent_ids)),
            missed_by=draw(st.frozensets(st.sampled_from(agent_ids), max_size=2)),
        )
        for contact_id in range(1, draw(st.integers(0, max_contacts)) + 1)
    ]
    splits = [
        TrafficSplit(
            client,
            planned={1: draw(st.sampled_from([0, 20, 50, 100])), 2: draw(st.sampled_from([0, 50, 80]))},
            realised={1: draw(st.integers(0, 5)), 2: draw(st.integers(0, 5))},
        )
        for client in draw(st.lists(st.sampled_from([10, 20]), unique=True))
    ]
    return Snapshot(
        agents=tuple(agent_list),
        queues=tuple(queue_list),
        contacts=tuple(contacts),
        splits=tuple(splits),
        aging_s=draw(st.sampled_from([30.0, 60.0])),
    )


@PROPERTY_SETTINGS
@given(floors())
def test_the_floor_decides_what_looking_at_every_agent_decides(snapshot: Snapshot) -> None:
    assert decide(snapshot, NOW) == brute_force(snapshot, NOW)


@PROPERTY_SETTINGS
@given(floors())
def test_never_over_capacity_unqualified_uncertified_offline_twice_or_missed(snapshot: Snapshot) -> None:
    made = decide(snapshot, NOW)
    assert problems(snapshot, NOW, made) == []


def _free_agents(snapshot: Snapshot) -> list[tuple]:
    """What the wiring hands `shortlist`: each agent once per (queue, tier, provider) group it
    may serve now, worked out here with the rules module from the full `Agent` values."""
    splits = {split.client_id: split for split in snapshot.splits}
    free = []
    for agent in snapshot.agents:
        for queue in snapshot.queues:
            if not rules.routable(agent.state) or not rules.qualifies(agent, queue):
                continue
            if not rules.has_room(agent.capacity, agent.load, queue.channel):
                continue
            if not rules.certified(agent, queue.client_id, NOW):
                continue
            number = rules.tier(agent, queue, splits.get(queue.client_id))
            if number is not None:
                free.append(
                    (
                        (queue.id, number, agent.provider_id),
                        rules.proficiency(agent, queue),
                        agent.load.get(queue.channel, 0),
                        agent.capacity[queue.channel],
                        agent.idle_since,
                        agent.id,
                    )
                )
    return free


@st.composite
def crowded_floors(draw: st.DrawFn) -> Snapshot:
    """Many agents able to serve one or two queues, and a few contacts: each group holds more
    agents than the shortlist keeps, so it leaves most of them out."""
    queue_list = [draw(queues(queue_id)) for queue_id in range(1, draw(st.integers(1, 2)) + 1)]
    agent_list = []
    for agent_id in range(1, draw(st.integers(8, 30)) + 1):
        team = draw(st.sampled_from(list(TEAMS)))
        capacity = {channel: draw(st.sampled_from([3, 2, 1])) for channel in CHANNELS}
        agent_list.append(
            Agent(
                id=agent_id,
                provider_id=TEAMS[team],
                team_id=team,
                state=draw(st.sampled_from([Presence.ONLINE] * 5 + [Presence.BREAK])),
                skills={skill: draw(st.integers(2, 5)) for skill in SKILLS},
                certifications={10: None, 20: draw(st.sampled_from([None, 900.0, 300.0]))},
                capacity=capacity,
                load={channel: draw(st.integers(0, limit)) for channel, limit in capacity.items()},
                idle_since=float(draw(st.integers(0, 3)) * 100),
            )
        )
    ids = [agent.id for agent in agent_list]
    contacts = [
        Contact(
            id=contact_id,
            queue_id=draw(st.sampled_from([queue.id for queue in queue_list])),
            enqueued_at=float(draw(st.integers(0, int(NOW)))),
            preferred_agent_id=draw(st.none() | st.none() | st.sampled_from(ids)),
            missed_by=draw(st.frozensets(st.sampled_from(ids), max_size=3)),
        )
        for contact_id in range(1, draw(st.integers(1, 4)) + 1)
    ]
    splits = [
        TrafficSplit(
            client, planned={1: draw(st.sampled_from([0, 50, 100])), 2: draw(st.sampled_from([0, 50]))}
        )
        for client in draw(st.lists(st.sampled_from([10, 20]), unique=True))
    ]
    return Snapshot(
        agents=tuple(agent_list), queues=tuple(queue_list), contacts=tuple(contacts), splits=tuple(splits)
    )


@settings(PROPERTY_SETTINGS, max_examples=150)
@given(crowded_floors())
def test_a_batch_over_the_shortlisted_agents_decides_what_the_whole_floor_decides(snapshot: Snapshot) -> None:
    """The decision over the agents `shortlist` names is the decision over all of them."""
    kept = shortlist(_free_agents(snapshot), snapshot.contacts)
    reduced = Snapshot(
        agents=tuple(agent for agent in snapshot.agents if agent.id in kept),
        queues=snapshot.queues,
        contacts=snapshot.contacts,
        splits=snapshot.splits,
        aging_s=snapshot.aging_s,
    )
    assert decide(reduced, NOW) == decide(snapshot, NOW)


def test_the_shortlist_keeps_each_groups_best_k_plus_the_longest_miss_list_and_the_recent_agents() -> None:
    contacts = (
        Contact(1, 1, 0.0, missed_by=frozenset({1, 2})),
        Contact(2, 1, 0.0, preferred_agent_id=40),
    )
    assert kept_per_group(contacts) == 4
    # one group: agents 1..30, the better the smaller the id (all other parts of the key equal)
    group = [((1, 0, 1), 3, 1, 3, 0.0, agent_id) for agent_id in range(30, 0, -1)]
    # a second group: proficiency ranks before occupancy, occupancy before idle time
    other = [
        ((2, 0, 1), 2, 0, 3, 0.0, 101),
        ((2, 0, 1), 4, 2, 3, 0.0, 102),
        ((2, 0, 1), 4, 1, 3, 50.0, 103),
        ((2, 0, 1), 4, 1, 3, 10.0, 104),
        ((2, 0, 1), 5, 2, 3, 90.0, 105),
        ((2, 0, 1), 1, 0, 3, 0.0, 106),
    ]
    assert shortlist(group + other, contacts) == {1, 2, 3, 4, 40, 105, 104, 103, 102}


@PROPERTY_SETTINGS
@given(floors(), st.randoms(use_true_random=False))
def test_the_same_floor_in_any_order_gives_the_same_decision(snapshot: Snapshot, rnd: random.Random) -> None:
    def shuffled(items: tuple) -> tuple:
        items = list(items)
        rnd.shuffle(items)
        return tuple(items)

    permuted = Snapshot(
        agents=shuffled(snapshot.agents),
        queues=shuffled(snapshot.queues),
        contacts=shuffled(snapshot.contacts),
        splits=shuffled(snapshot.splits),
        aging_s=snapshot.aging_s,
    )
    first = decide(snapshot, NOW)
    assert decide(snapshot, NOW) == first
    assert decide(permuted, NOW) == first


@PROPERTY_SETTINGS
@given(floors(), st.data())
def test_a_settled_floor_stays_settled_and_events_decide_what_the_batch_decides(
    snapshot: Snapshot, data: st.DataObject
) -> None:
    """From a settled floor, each event's own decision equals a full batch decision on a copy, so
    the per-event entry points apply the batch's rules."""
    live = Floor(snapshot)
    live.decide_all(NOW)
    assert Floor(live.snapshot()).decide_all(NOW) == []  # settled
    next_id = 1000
    for _ in range(data.draw(st.integers(1, 6))):
        current = live.snapshot()
        queue_ids = [queue.id for queue in current.queues]
        agent_ids = [agent.id for agent in current.agents]
        if agent_ids and data.draw(st.booleans()):
            agent = live.agent(data.draw(st.sampled_from(agent_ids)))
            channel = data.draw(st.sampled_from(CHANNELS))
            if agent.load.get(channel, 0) > 0:
                live.set_load(agent.id, channel, agent.load[channel] - 1)
            else:
                live.set_state(agent.id, Presence.ONLINE, idle_since=NOW)
            before = live.snapshot()
            made = live.decide_for_agent(agent.id, NOW)
        else:
            next_id += 1
            live.add_contact(
                Contact(
                    next_id,
                    data.draw(st.sampled_from(queue_ids)),
                    float(data.draw(st.integers(0, int(NOW)))),
                    preferred_agent_id=data.draw(st.none() | st.sampled_from(agent_ids or [99])),
                )
            )
            before = live.snapshot()
            made = live.decide_for_contact(next_id, NOW)
        assert made == Floor(before).decide_all(NOW)
        assert problems(before, NOW, made) == []
        assert Floor(live.snapshot()).decide_all(NOW) == []


@PROPERTY_SETTINGS
@given(floors(max_contacts=0), st.data())
def test_the_recent_agent_wins_when_eligible_and_free(snapshot: Snapshot, data: st.DataObject) -> None:
    """The customer's recent agent is the weakest candidate on every other count (bare minimum
    skills, busiest, just assigned, highest id) and still gets the contact."""
    queue = data.draw(st.sampled_from(snapshot.queues))
    split = {s.client_id: s for s in snapshot.splits}.get(queue.client_id)
    homes = [
        (team, provider)
        for team, provider in TEAMS.items()
        if (team in queue.teams or provider in queue.providers)
        and (split is None or split.planned.get(provider, 0) > 0)
    ]
    assume(homes)
    team, provider = data.draw(st.sampled_from(homes))
    recent = Agent(
        id=500,
        provider_id=provider,
        team_id=team,
        skills={need.skill: need.min_level for need in queue.needs},
        certifications={queue.client_id: None},
        capacity={queue.channel: 3},
        load={queue.channel: 2},
        idle_since=NOW,
    )
    live = Floor(Snapshot((*snapshot.agents, recent), snapshot.queues, splits=snapshot.splits))
    live.add_contact(Contact(1, queue.id, NOW, preferred_agent_id=recent.id))
    made = live.decide_for_contact(1, NOW)
    assert [(m.agent_id, m.sticky) for m in made] == [(recent.id, True)]
    live.add_contact(Contact(2, queue.id, NOW, preferred_agent_id=recent.id, missed_by=frozenset({500})))
    assert [m.agent_id for m in live.decide_for_contact(2, NOW)] != [recent.id]


@PROPERTY_SETTINGS
@given(
    low=st.integers(0, 5),
    gap=st.integers(1, 5),
    aging_s=st.sampled_from([10.0, 30.0, 60.0]),
    newer_by=st.integers(1, 1000),
    free_slots=st.integers(1, 3),
)
def test_no_contact_starves(low: int, gap: int, aging_s: float, newer_by: int, free_slots: int) -> None:
    """Capacity is scarce (fewer slots than contacts): an old low-priority contact goes first once
    it has waited `aging_s` per point of priority longer than the newer urgent ones."""
    high = low + gap
    urgent = Queue(1, 10, "chat", priority=high, teams=frozenset({1}))
    ordinary = Queue(2, 10, "chat", priority=low, teams=frozenset({1}))
    agent = Agent(1, 1, 1, certifications={10: None}, capacity={"chat": free_slots})
    contacts = [Contact(1, 2, 0.0)] + [Contact(i, 1, float(newer_by)) for i in range(2, 2 + free_slots)]
    made = decide(Snapshot((agent,), (urgent, ordinary), tuple(contacts), aging_s=aging_s), 5000.0)
    assert len(made) == free_slots
    assert (1 in {m.contact_id for m in made}) == (newer_by >= aging_s * gap)


def _split_run(weights: tuple[int, int], start: tuple[int, int], contacts: int) -> list[dict[int, int]]:
    """The client's realised counts after each of `contacts` contacts, with agents of both
    providers always free (each chat ends before the next one arrives)."""
    agents = [
        Agent(agent_id, provider, provider, certifications={10: None}, capacity={"chat": 1})
        for agent_id, provider in [(1, 1), (2, 1), (3, 2), (4, 2)]
    ]
    queue = Queue(1, 10, "chat", providers=frozenset({1, 2}))
    split = TrafficSplit(10, planned={1: weights[0], 2: weights[1]}, realised={1: start[0], 2: start[1]})
    live = Floor(Snapshot(tuple(agents), (queue,), splits=(split,)))
    counts = []
    for contact_id in range(1, contacts + 1):
        live.add_contact(Contact(contact_id, 1, float(contact_id)))
        [made] = live.decide_for_contact(contact_id, float(contact_id))
        live.set_load(made.agent_id, "chat", 0)
        counts.append(live.realised(10))
    return counts


def _gap(counts: dict[int, int], weights: tuple[int, int]) -> float:
    total = sum(counts.values())
    return max(abs(counts[p] - total * w / sum(weights)) for p, w in zip((1, 2), weights, strict=True))


@PROPERTY_SETTINGS
@given(weights=st.tuples(st.integers(1, 99), st.integers(1, 99)), contacts=st.integers(1, 300))
def test_the_realised_split_follows_the_plan_within_one_contact(
    weights: tuple[int, int], contacts: int
) -> None:
    """Deficit round robin: after every contact, each provider is within one contact of its
    planned share of the client's contacts, whatever the plan."""
    for counts in _split_run(weights, (0, 0), contacts):
        assert _gap(counts, weights) <= 1


@PROPERTY_SETTINGS
@given(
    weights=st.tuples(st.integers(1, 99), st.integers(1, 99)),
    start=st.tuples(st.integers(0, 30), st.integers(0, 30)),
)
def test_a_split_behind_plan_catches_up_and_never_drifts_further(
    weights: tuple[int, int], start: tuple[int, int]
) -> None:
    """A plan changed mid-day (20 % → 50 %) starts from counts off the new plan: the gap never
    grows, and closes to one contact as soon as the counts allow."""
    gap = _gap({1: start[0], 2: start[1]}, weights)
    for counts in _split_run(weights, start, 200):
        assert _gap(counts, weights) <= max(gap, 1) + 1e-9
        gap = max(_gap(counts, weights), 1)


AGENT_CHANGES = ("state", "load", "capacity", "agent", "remove_agent")


@PROPERTY_SETTINGS
@given(floors(), st.data())
def test_after_any_changes_the_floor_still_decides_what_the_oracle_decides(
    snapshot: Snapshot, data: st.DataObject
) -> None:
    """The indexes follow every kind of change: presence, load, capacity, agents replaced or
    removed, contacts removed, queue rules and traffic plans changed."""
    live = Floor(snapshot)
    live.decide_all(NOW - 300)
    for _ in range(data.draw(st.integers(1, 8))):
        current = live.snapshot()
        agent_ids = [agent.id for agent in current.agents]
        change = data.draw(st.sampled_from([*AGENT_CHANGES, "contact", "queue", "split"]))
        if change in AGENT_CHANGES and agent_ids:
            agent_id = data.draw(st.sampled_from(agent_ids))
            channel = data.draw(st.sampled_from(CHANNELS))
            if change == "state":
                live.set_state(agent_id, data.draw(st.sampled_from(list(Presence))), idle_since=NOW - 10)
            elif change == "load":
                live.set_load(agent_id, channel, data.draw(st.integers(0, 3)))
            elif change == "capacity":
                live.set_capacity(agent_id, channel, data.draw(st.integers(0, 4)))
            elif change == "agent":
                live.upsert_agent(data.draw(agents(agent_id)))
            else:
                live.remove_agent(agent_id)
        elif change == "contact" and current.contacts:
            live.remove_contact(data.draw(st.sampled_from([c.id for c in current.contacts])))
        elif change == "queue":
            live.upsert_queue(data.draw(queues(data.draw(st.sampled_from([q.id for q in current.queues])))))
        elif change == "split":
            live.set_split(
                TrafficSplit(data.draw(st.sampled_from([10, 20])), {1: data.draw(st.integers(0, 3)), 2: 1})
            )
    before = live.snapshot()
    assert live.decide_all(NOW) == brute_force(before, NOW)
