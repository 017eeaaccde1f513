"""Sampling rules and fair distribution: deterministic, exact shares, balanced loads."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kefu.quality import sample_rules as rules

POLICY = rules.Policy(percent_by_channel={"chat": 100, "email": 20, "phone": 0}, new_agent_percent=100)


def _candidate(cid: int, **kwargs: object) -> rules.Candidate:
    return rules.Candidate(conversation_id=cid, channel=kwargs.pop("channel", "email"), agent_id=7, **kwargs)  # type: ignore[arg-type]


def test_every_chat_is_reviewed_at_100_percent() -> None:
    chosen = rules.select([_candidate(i, channel="chat") for i in range(1, 201)], POLICY)
    assert len(chosen) == 200
    assert {why for _c, why in chosen} == {"random"}


def test_the_email_share_is_close_to_its_percentage_and_the_same_on_every_run() -> None:
    candidates = [_candidate(i) for i in range(1, 10_001)]
    first = [c.conversation_id for c, _why in rules.select(candidates, POLICY)]
    again = [c.conversation_id for c, _why in rules.select(candidates, POLICY)]
    assert first == again
    assert 1_900 <= len(first) <= 2_100  # 20 % of 10,000, within sampling noise of a fixed hash


def test_complaints_low_ratings_and_new_agents_are_always_in() -> None:
    chosen = dict(
        (c.conversation_id, why)
        for c, why in rules.select(
            [
                _candidate(1, channel="phone", complaint=True),
                _candidate(2, channel="phone", low_rating=True),
                _candidate(3, channel="phone", agent_is_new=True),
                _candidate(4, channel="phone"),
            ],
            POLICY,
        )
    )
    assert chosen == {1: "complaint", 2: "low_rating", 3: "new_agent"}


def test_without_an_agent_there_is_nothing_to_review() -> None:
    candidate = rules.Candidate(conversation_id=1, channel="chat", agent_id=None, complaint=True)
    assert rules.reason(candidate, POLICY) is None


def test_complaints_follow_the_policy_switch() -> None:
    off = rules.Policy(percent_by_channel={}, include_complaints=False, include_low_ratings=False)
    assert rules.reason(_candidate(1, complaint=True, low_rating=True), off) is None


def test_distribution_goes_to_the_least_loaded_and_never_to_the_agent() -> None:
    result = rules.distribute([10, 11, 12, 13], {1: 2, 2: 0, 3: 1}, exclude={10: 2})
    # 10 may not go to 2 (their own conversation): 3 has the least load among 1 and 3
    assert result == {10: 3, 11: 2, 12: 2, 13: 1}


def test_nobody_to_take_the_work_leaves_it_unassigned() -> None:
    assert rules.distribute([1, 2], {}) == {}


@given(st.integers(0, 200), st.lists(st.integers(1, 500), min_size=1, max_size=10, unique=True))
def test_equal_starting_loads_end_within_one(tasks: int, inspectors: list[int]) -> None:
    result = rules.distribute(range(tasks), dict.fromkeys(inspectors, 0))
    counts = [list(result.values()).count(i) for i in inspectors]
    assert sum(counts) == tasks
    assert max(counts) - min(counts) <= 1


@given(st.integers(1, 10**9), st.text(max_size=5))
def test_a_draw_is_fixed_and_in_range(conversation_id: int, salt: str) -> None:
    assert rules.draw(conversation_id, salt) == rules.draw(conversation_id, salt)
    assert 0 <= rules.draw(conversation_id, salt) < rules.BUCKETS
