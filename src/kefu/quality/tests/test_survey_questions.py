"""The pure survey core: question sets in the editor's form, answers checked against them, NPS."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.quality.surveys import questions as core


def test_lines_parse_into_numbered_questions_and_read_back() -> None:
    text = (
        "物流速度满意吗？ | scale | 1-5\n"
        "您从哪里知道我们？ | choice | 淘宝 / 京东 ／ 抖音\n\n"
        "还有什么建议？ | text"
    )
    parsed = core.parse_lines(text)
    assert [(q.id, q.kind) for q in parsed] == [("q1", "scale"), ("q2", "choice"), ("q3", "text")]
    assert (parsed[0].low, parsed[0].high) == (1, 5)
    assert parsed[1].options == ("淘宝", "京东", "抖音")
    assert core.parse_lines(core.to_lines(parsed)) == parsed
    assert core.parse_questions([q.to_json() for q in parsed]) == parsed


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("好吗 | scale | 5-1", 1),
        ("好吗 | scale | 0-11", 1),
        ("ok | text\n颜色 | choice | 红", 2),
        ("问 | slider", 1),
        (" | text", 1),
    ],
)
def test_bad_lines_name_their_line(text: str, line: int) -> None:
    with pytest.raises(core.DefinitionError) as error:
        core.parse_lines(text)
    assert error.value.line == line


def test_too_many_questions() -> None:
    with pytest.raises(core.DefinitionError):
        core.parse_lines("\n".join(f"问题{i} | text" for i in range(core.MAX_QUESTIONS + 1)))


def test_answers_are_checked_per_kind_and_empty_ones_left_out() -> None:
    qs = core.parse_lines("速度 | scale | 0-10\n渠道 | choice | 淘宝/京东\n建议 | text")
    assert core.check_answers(qs, {"q1": "7", "q2": "京东", "q3": "  很好 ", "q9": "x"}) == {
        "q1": 7,
        "q2": "京东",
        "q3": "很好",
    }
    assert core.check_answers(qs, {"q1": "", "q3": "   "}) == {}
    for bad in ({"q1": 11}, {"q1": True}, {"q2": "拼多多"}, {"q3": 5}, {"q3": "长" * 1001}):
        with pytest.raises(core.AnswerError) as error:
            core.check_answers(qs, bad)
        assert error.value.field == next(iter(bad))


def test_scores_on_a_scale() -> None:
    assert core.score_in("0", core.NPS_SCALE, field="nps") == 0
    assert core.score_in(None, core.NPS_SCALE, field="nps", required=False) is None
    for bad in (None, -1, 11, 3.5, True, "七"):
        with pytest.raises(core.AnswerError):
            core.score_in(bad, core.NPS_SCALE, field="nps")


def test_nps_by_hand() -> None:
    # 10, 9, 9 promoters; 8, 7 passives; 6, 3, 0 detractors: (3 − 3) / 8 = 0
    assert core.nps_summary([10, 9, 9, 8, 7, 6, 3, 0]) == core.NpsSummary(0.0, 8, 3, 2, 3)
    # 4 promoters, 1 detractor of 5: 100 × 3 / 5 = 60
    assert core.nps_summary([10, 10, 9, 9, 2]).value == 60.0
    assert core.nps_summary([]).value is None
    assert [core.nps_class(s) for s in range(11)] == [-1] * 7 + [0, 0, 1, 1]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=40))
def test_nps_is_within_bounds_and_the_classes_add_up(scores: list[int]) -> None:
    summary = core.nps_summary(scores)
    assert summary.promoters + summary.passives + summary.detractors == summary.count == len(scores)
    assert summary.value is not None and -100.0 <= summary.value <= 100.0
