"""The routing decision on small floors whose answer is obvious by hand."""

from __future__ import annotations

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
    rules,
)

CLIENT = 10
SALES = Queue(1, CLIENT, "chat", priority=1, needs=(SkillNeed("zh", 2),), teams=frozenset({1}))


def agent(agent_id: int, **changes: object) -> Agent:
    """An online agent of team 1 (provider 1), certified for the client, two chat slots free."""
    fields: dict = {
        "provider_id": 1,
        "team_id": 1,
        "skills": {"zh": 3},
        "certifications": {CLIENT: None},
        "capacity": {"chat": 2},
    }
    fields.update(changes)
    return Agent(agent_id, **fields)


def pairs(made: list) -> list[tuple[int, int]]:
    return [(m.contact_id, m.agent_id) for m in made]


def test_the_more_proficient_agent_wins() -> None:
    # given two free agents, one fluent
    agents = (agent(1, skills={"zh": 2}), agent(2, skills={"zh": 5}))
    floor = Snapshot(agents, (SALES,), (Contact(1, 1, 0.0),))
    # when a contact waits, then the fluent one gets it
    assert pairs(decide(floor, 10.0)) == [(1, 2)]


def test_then_the_less_occupied_then_the_longest_idle_then_the_smaller_id() -> None:
    busier = agent(1, load={"chat": 1})
    idle_shorter = agent(2, idle_since=50.0)
    idle_longer = agent(3, idle_since=20.0)
    same_as_3 = agent(4, idle_since=20.0)
    floor = Snapshot((busier, idle_shorter, idle_longer, same_as_3), (SALES,), (Contact(1, 1, 0.0),))
    assert pairs(decide(floor, 100.0)) == [(1, 3)]
    floor = Snapshot((busier, idle_shorter, same_as_3), (SALES,), (Contact(1, 1, 0.0),))
    assert pairs(decide(floor, 100.0)) == [(1, 4)]
    floor = Snapshot((busier, idle_shorter), (SALES,), (Contact(1, 1, 0.0),))
    assert pairs(decide(floor, 100.0)) == [(1, 2)]


def test_capacity_is_never_exceeded_and_the_oldest_contacts_go_first() -> None:
    floor = Snapshot((agent(1),), (SALES,), tuple(Contact(i, 1, float(10 - i)) for i in range(1, 6)))
    assert pairs(decide(floor, 100.0)) == [(5, 1), (4, 1)]


def test_only_online_skilled_certified_agents_are_offered_contacts() -> None:
    unqualified = agent(1, skills={"zh": 1})
    on_break = agent(2, state=Presence.BREAK)
    expired = agent(3, certifications={CLIENT: 50.0})
    other_client = agent(4, certifications={99: None})
    no_chat = agent(5, capacity={"voice": 1})
    floor = Snapshot((unqualified, on_break, expired, other_client, no_chat), (SALES,), (Contact(1, 1, 0.0),))
    assert decide(floor, 100.0) == []
    still_valid = agent(6, certifications={CLIENT: 150.0})
    floor = Snapshot((*floor.agents, still_valid), floor.queues, floor.contacts)
    assert pairs(decide(floor, 100.0)) == [(1, 6)]


def test_an_agent_who_missed_the_contact_is_not_offered_it_again() -> None:
    floor = Snapshot(
        (agent(1, skills={"zh": 5}), agent(2)), (SALES,), (Contact(1, 1, 0.0, missed_by=frozenset({1})),)
    )
    assert pairs(decide(floor, 10.0)) == [(1, 2)]


def test_the_recent_agent_wins_over_a_better_one_unless_they_missed_it() -> None:
    recent, better = agent(1, skills={"zh": 2}, load={"chat": 1}), agent(2, skills={"zh": 5})
    floor = Snapshot((recent, better), (SALES,), (Contact(1, 1, 0.0, preferred_agent_id=1),))
    [made] = decide(floor, 10.0)
    assert (made.agent_id, made.sticky) == (1, True)
    floor = Snapshot((recent, better), (SALES,), (Contact(1, 1, 0.0, 1, missed_by=frozenset({1})),))
    assert pairs(decide(floor, 10.0)) == [(1, 2)]


def test_aging_lets_an_old_ordinary_contact_beat_a_new_urgent_one() -> None:
    # given one slot, an ordinary contact (priority 1) waiting since 0 and a VIP one (priority 3)
    vip = Queue(2, CLIENT, "chat", priority=3, teams=frozenset({1}))
    one_slot = agent(1, capacity={"chat": 1})
    # 2 points of priority are worth 120 s of waiting at 60 s a point: at 100 s younger the VIP wins,
    # at 130 s younger the ordinary one does
    for vip_at, served in ((100.0, 2), (130.0, 1)):
        floor = Snapshot((one_slot,), (SALES, vip), (Contact(1, 1, 0.0), Contact(2, 2, vip_at)), aging_s=60.0)
        assert [m.contact_id for m in decide(floor, 1000.0)] == [served]
    assert rules.effective_priority(Contact(1, 1, 0.0), SALES, 120.0, 60.0) == 3.0


def test_overflow_opens_another_team_after_the_wait_and_home_agents_still_come_first() -> None:
    queue = Queue(1, CLIENT, "chat", teams=frozenset({1}), overflow=(OverflowRule(60.0, frozenset({2})),))
    other_team = agent(2, team_id=2, skills={"zh": 5})
    floor = Snapshot((other_team,), (queue,), (Contact(1, 1, 0.0),))
    assert decide(floor, 59.0) == []
    [made] = decide(floor, 60.0)
    assert (made.agent_id, made.tier) == (2, 1)
    home = agent(1, load={"chat": 1}, skills={"zh": 1})
    assert pairs(decide(Snapshot((other_team, home), (queue,), floor.contacts), 60.0)) == [(1, 1)]


def test_a_client_split_20_80_between_two_providers_is_followed_exactly() -> None:
    queue = Queue(1, CLIENT, "chat", providers=frozenset({1, 2}))
    agents = tuple(agent(i, provider_id=1 + i % 2, capacity={"chat": 50}) for i in range(4))
    split = TrafficSplit(CLIENT, planned={1: 20, 2: 80})
    live = Floor(Snapshot(agents, (queue,), tuple(Contact(i, 1, float(i)) for i in range(10)), (split,)))
    made = live.decide_all(100.0)
    assert [m.provider_id for m in made] == [2, 2, 1, 2, 2, 2, 2, 1, 2, 2]
    assert live.realised(CLIENT) == {1: 2, 2: 8}


def test_a_provider_at_zero_percent_takes_nothing_unless_the_queue_overflows_to_it() -> None:
    queue = Queue(
        1,
        CLIENT,
        "chat",
        providers=frozenset({1, 2}),
        overflow=(OverflowRule(120.0, providers=frozenset({1})),),
    )
    old_vendor = agent(1, provider_id=1)
    split = TrafficSplit(CLIENT, planned={1: 0, 2: 100})
    floor = Snapshot((old_vendor,), (queue,), (Contact(1, 1, 0.0),), (split,))
    assert decide(floor, 100.0) == []
    assert pairs(decide(floor, 120.0)) == [(1, 1)]


def test_an_agent_freeing_capacity_takes_the_most_urgent_contact_it_may_serve() -> None:
    vip = Queue(2, CLIENT, "chat", priority=5, teams=frozenset({1}))
    english = Queue(3, CLIENT, "chat", priority=9, needs=(SkillNeed("en"),), teams=frozenset({1}))
    full = agent(1, load={"chat": 2})
    contacts = (Contact(1, 1, 0.0), Contact(2, 2, 50.0), Contact(3, 3, 60.0))
    live = Floor(Snapshot((full,), (SALES, vip, english), contacts))
    assert live.decide_all(100.0) == []
    live.set_load(1, "chat", 1)
    assert pairs(live.decide_for_agent(1, 100.0)) == [(2, 1)]
    live.set_load(1, "chat", 0)
    assert pairs(live.decide_for_agent(1, 100.0)) == [(1, 1)]  # the English one is not its queue
    assert live.waiting(3) == 1 and live.waiting(1) == 0


def test_a_new_contact_goes_to_a_free_agent_at_once() -> None:
    live = Floor(Snapshot((agent(1), agent(2, skills={"zh": 4})), (SALES,)))
    live.add_contact(Contact(7, 1, 10.0))
    assert pairs(live.decide_for_contact(7, 10.0)) == [(7, 2)]
    assert live.agent(2).load == {"chat": 1}
    assert live.agent(2).idle_since == 10.0
    assert live.decide_for_contact(7, 10.0) == []  # assigned, no longer waiting


def test_position_and_next_wakeup_for_the_widget_and_the_timer() -> None:
    queue = Queue(1, CLIENT, "chat", teams=frozenset({1}), overflow=(OverflowRule(60.0, frozenset({2})),))
    live = Floor(Snapshot((), (queue,), (Contact(1, 1, 5.0), Contact(2, 1, 10.0), Contact(3, 1, 20.0))))
    assert [live.position(i) for i in (1, 2, 3)] == [0, 1, 2]
    assert live.next_wakeup(30.0) == 65.0
    assert live.longest_wait(1, 30.0) == 25.0
    live.remove_contact(1)
    assert live.position(3) == 1
    assert live.next_wakeup(30.0) == 70.0
    assert live.longest_wait(1, 30.0) == 20.0
    assert live.longest_wait(2, 30.0) == 0.0


def test_changes_to_capacity_queues_and_plans_reach_the_next_decision() -> None:
    # given an agent who does not work voice, and a voice contact waiting
    voice = Queue(2, CLIENT, "voice", teams=frozenset({1}))
    live = Floor(Snapshot((agent(1),), (SALES, voice), (Contact(1, 2, 0.0),)))
    assert live.decide_all(10.0) == []
    # when a lead gives them a voice line, then the contact goes to them
    live.set_capacity(1, "voice", 1)
    assert pairs(live.decide_for_agent(1, 10.0)) == [(1, 1)]
    # a queue handed to another team no longer reaches them
    live.upsert_queue(Queue(1, CLIENT, "chat", teams=frozenset({2})))
    live.add_contact(Contact(2, 1, 20.0))
    assert live.decide_for_contact(2, 20.0) == []
    # a plan that gives their provider no share takes the client's queues from them
    live.upsert_queue(SALES)
    live.set_split(TrafficSplit(CLIENT, planned={1: 0, 2: 100}))
    assert live.decide_all(30.0) == []
    live.set_split(TrafficSplit(CLIENT, planned={1: 100}))
    assert pairs(live.decide_all(30.0)) == [(2, 1)]
    assert live.realised(CLIENT) == {1: 1}
