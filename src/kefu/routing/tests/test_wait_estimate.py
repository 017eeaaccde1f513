"""The customer's estimated wait: drain rate over waiting time, hand-checked and with properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kefu.routing.wait_estimate import Spell, busy_seconds, drain_rate, estimated_wait_s


def test_a_quiet_queue_answered_at_once_estimates_its_average_answer_time() -> None:
    # given three contacts an hour apart in a window, each answered after 20 s
    spells = [Spell(0, 20, True), Spell(600, 620, True), Spell(1200, 1220, True)]

    # when the rate is taken over the whole window (1,800 s, only 60 of them with anybody waiting)
    rate = drain_rate(spells, start=0, end=1800)

    # then idle time does not count: the next customer waits about 20 s, the one behind 40 s
    assert rate == 3 / 60
    assert (estimated_wait_s(0, rate), estimated_wait_s(1, rate)) == (20.0, 40.0)


def test_a_backlog_moves_at_the_answer_rate() -> None:
    # given a line that never emptied: 6 answered in 600 s, 4 still waiting
    spells = [Spell(0, 100.0 * i + 90, True) for i in range(6)] + [Spell(50 * i) for i in range(4)]

    rate = drain_rate(spells, start=0, end=600)

    # then 1 contact per 100 s: the customer with 2 ahead waits about 300 s
    assert rate == 6 / 600
    assert estimated_wait_s(2, rate) == 300.0


def test_abandoned_contacts_are_not_answers_and_no_answer_gives_no_estimate() -> None:
    spells = [Spell(0, 30, False), Spell(10)]
    assert drain_rate(spells, start=0, end=100) is None
    assert estimated_wait_s(3, None) is None


def test_busy_time_counts_overlaps_once_and_clips_to_the_window() -> None:
    spells = [Spell(-50, 10, True), Spell(5, 20), Spell(40, None), Spell(200, 300)]
    assert busy_seconds(spells, start=0, end=100) == 10 + 10 + 60  # [0,10) [10,20) [40,100)


spell = st.builds(
    lambda a, length, done, ok: Spell(a, a + length if done else None, ok and done),
    st.floats(0, 1000),
    st.floats(0, 500),
    st.booleans(),
    st.booleans(),
)


@given(st.lists(spell, max_size=30), st.integers(0, 50))
def test_more_contacts_ahead_never_means_a_shorter_wait(spells: list[Spell], ahead: int) -> None:
    rate = drain_rate(spells, start=0, end=1200)
    here, behind = estimated_wait_s(ahead, rate), estimated_wait_s(ahead + 1, rate)
    assert (here is None) == (behind is None) == (rate is None)
    if here is not None and behind is not None:
        assert 0 < here < behind


@given(st.lists(spell, max_size=30))
def test_busy_time_lies_within_the_window_and_covers_every_single_wait(spells: list[Spell]) -> None:
    busy = busy_seconds(spells, start=100, end=900)
    assert 0 <= busy <= 800
    for s in spells:
        piece = min(900, 900 if s.end is None else s.end) - max(100, s.start)
        assert busy >= piece - 1e-9 or piece <= 0
