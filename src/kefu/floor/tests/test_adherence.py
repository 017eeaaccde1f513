"""The adherence core: exact figures for a worked day, and properties over any day."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kefu.floor import adherence as core

H = 3600.0


def test_a_day_with_a_late_start_and_a_long_lunch_has_the_exact_share() -> None:
    # given a 09:00-18:00 shift with lunch 12:00-13:00; the agent starts at 09:10 and lunches till 13:15
    scheduled = core.scheduled_spans([core.Shift(origin=0.0, segments=((540, 1080),), breaks=((720, 780),))])
    changes = [(9 * H + 600, "online"), (12 * H, "break"), (13 * H + 900, "busy")]

    # when adherence is taken at 14:00
    actual = core.actual_spans(changes, start=0.0, end=14 * H)
    figure = core.adherence(scheduled, actual, start=0.0, end=14 * H)

    # then five scheduled hours, of which 16,500 s in the scheduled activity
    assert (figure.scheduled_s, figure.in_adherence_s) == (5 * H, 10200 + 3600 + 2700)
    assert figure.share == 16500 / 18000
    assert core.out_since(scheduled, actual, now=14 * H - 1) is None


def test_an_agent_still_on_break_after_lunch_is_out_since_lunch_ended() -> None:
    scheduled = core.scheduled_spans([core.Shift(origin=0.0, segments=((540, 1080),), breaks=((720, 780),))])
    actual = core.actual_spans([(9 * H, "online"), (12 * H, "break")], start=0.0, end=13.5 * H)

    assert core.activity_at(scheduled, 13.4 * H) == core.WORK
    assert core.out_since(scheduled, actual, now=13.4 * H) == 13 * H


def test_working_off_shift_is_out_of_adherence_but_does_not_lower_the_share() -> None:
    scheduled = core.scheduled_spans([core.Shift(origin=0.0, segments=((540, 600),))])
    actual = core.actual_spans([(8 * H, "online")], start=0.0, end=11 * H)

    figure = core.adherence(scheduled, actual, start=0.0, end=11 * H)

    assert figure.share == 1.0
    assert core.out_since(scheduled, actual, now=10.5 * H) == 10 * H


def test_no_scheduled_time_has_no_figure() -> None:
    assert core.adherence([], core.actual_spans([], start=0, end=H), start=0, end=H).share is None


def test_a_shift_past_midnight_counts_on_the_next_day() -> None:
    yesterday = core.Shift(origin=-86400.0, segments=((1320, 1560),))  # 22:00 → 02:00
    spans = core.scheduled_spans([yesterday])
    figure = core.adherence(
        spans, core.actual_spans([], start=0, end=6 * H, initial="online"), start=0, end=6 * H
    )
    assert (figure.scheduled_s, figure.in_adherence_s) == (2 * H, 2 * H)


STATES = st.sampled_from(["online", "busy", "after_contact_work", "break", "offline", "missed"])
minutes = st.integers(min_value=0, max_value=1440)


@st.composite
def shifts(draw: st.DrawFn) -> core.Shift:
    start = draw(st.integers(min_value=0, max_value=1200))
    end = draw(st.integers(min_value=start + 15, max_value=start + 600))
    breaks = ()
    if draw(st.booleans()) and end - start > 60:
        b = draw(st.integers(min_value=start, max_value=end - 30))
        breaks = ((b, b + 30),)
    return core.Shift(origin=0.0, segments=((start, end),), breaks=breaks)


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[float, str]]:
    times = sorted(draw(st.lists(minutes, max_size=12)))
    return [(t * 60.0, draw(STATES)) for t in times]


@given(shifts(), histories(), minutes)
def test_adherence_is_a_share_of_the_scheduled_time(shift: core.Shift, history: list, now_min: int) -> None:
    end = now_min * 60.0
    scheduled = core.scheduled_spans([shift])
    figure = core.adherence(scheduled, core.actual_spans(history, start=0.0, end=end), start=0.0, end=end)
    assert 0.0 <= figure.in_adherence_s <= figure.scheduled_s
    assert figure.scheduled_s == sum(min(s.end, end) - min(s.start, end) for s in scheduled)


@given(shifts(), minutes)
def test_following_the_schedule_exactly_is_full_adherence(shift: core.Shift, now_min: int) -> None:
    end = max(now_min, 1) * 60.0
    scheduled = core.scheduled_spans([shift])
    as_states = {core.WORK: "online", core.BREAK: "break"}
    history = []
    for span in scheduled:
        history += [(span.start, as_states[span.activity]), (span.end, "offline")]
    history.sort(key=lambda c: (c[0], c[1] != "offline"))  # a span's start wins over the previous end
    actual = core.actual_spans(history, start=0.0, end=end)
    figure = core.adherence(scheduled, actual, start=0.0, end=end)
    assert figure.in_adherence_s == figure.scheduled_s


@given(shifts(), histories(), minutes, minutes)
def test_adherence_adds_up_over_split_windows(shift: core.Shift, history: list, a: int, b: int) -> None:
    cut, end = sorted((a * 60.0, b * 60.0))
    scheduled = core.scheduled_spans([shift])
    actual = core.actual_spans(history, start=0.0, end=end)
    whole = core.adherence(scheduled, actual, start=0.0, end=end)
    first = core.adherence(scheduled, actual, start=0.0, end=cut)
    second = core.adherence(scheduled, actual, start=cut, end=end)
    assert abs(whole.in_adherence_s - first.in_adherence_s - second.in_adherence_s) < 1e-6
    assert abs(whole.scheduled_s - first.scheduled_s - second.scheduled_s) < 1e-6


@given(shifts(), histories(), st.integers(min_value=1, max_value=1440))
def test_out_since_is_none_exactly_when_the_activities_agree(
    shift: core.Shift, history: list, now_min: int
) -> None:
    now = now_min * 60.0 - 0.5
    scheduled = core.scheduled_spans([shift])
    actual = core.actual_spans(history, start=0.0, end=now_min * 60.0)
    since = core.out_since(scheduled, actual, now=now)
    agree = core.activity_at(scheduled, now) == core.activity_at(actual, now)
    assert (since is None) == agree
    if since is not None:
        assert since <= now
        assert core.activity_at(scheduled, since) != core.activity_at(actual, since)
