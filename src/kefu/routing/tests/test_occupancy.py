"""Presence history → time in state, occupancy, utilisation (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.routing.occupancy import time_in_state

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_shift_with_a_break_and_contacts() -> None:
    # Given online 9:00, busy 9:10–9:40, ACW to 9:45, a meal break 10:00–10:30, online to 11:00
    # (55 min online in all).
    changes = [
        (at(0), "online"),
        (at(10), "busy"),
        (at(40), "after_contact_work"),
        (at(45), "online"),
        (at(60), "break"),
        (at(90), "online"),
    ]
    times = time_in_state(changes, start=at(0), end=at(120))
    assert times.seconds == {
        "online": 55 * 60,
        "busy": 30 * 60,
        "after_contact_work": 5 * 60,
        "break": 30 * 60,
    }
    assert times.occupancy == pytest.approx(35 / 90)  # handling over available (break excluded)
    assert times.utilisation == pytest.approx(35 / 120)  # handling over logged in (break included)


def test_the_state_before_the_period_counts_from_its_start() -> None:
    times = time_in_state([(at(30), "offline")], start=at(0), end=at(60), initial="busy")
    assert times.seconds == {"busy": 1800, "offline": 1800}
    assert times.occupancy == 1.0
    times = time_in_state([(at(-30), "online"), (at(90), "busy")], start=at(0), end=at(60))
    assert times.seconds == {"online": 3600}


def test_nobody_online_has_no_occupancy() -> None:
    times = time_in_state([], start=at(0), end=at(60))
    assert times.seconds == {"offline": 3600}
    assert times.occupancy is None and times.utilisation is None


STATES = ["online", "busy", "after_contact_work", "break", "offline", "missed"]


@given(st.lists(st.tuples(st.integers(-60, 180), st.sampled_from(STATES)), max_size=30))
def test_the_states_add_up_to_the_period(raw: list[tuple[int, str]]) -> None:
    changes = sorted((at(m), s) for m, s in raw)
    times = time_in_state(changes, start=at(0), end=at(120))
    assert abs(sum(times.seconds.values()) - 7200) < 1e-6
    for ratio in (times.occupancy, times.utilisation):
        assert ratio is None or 0 <= ratio <= 1
