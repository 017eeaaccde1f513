"""The focus score a coaching follow-up is judged by. No database."""

from __future__ import annotations

from kefu.quality import scoring
from kefu.quality.coaching import focus

DEFINITION = scoring.parse_definition(
    {
        "sections": [
            {
                "title": "s",
                "criteria": [
                    {"id": "a", "title": "报工号", "weight": 10, "scale": "yes_no"},
                    {"id": "b", "title": "礼貌", "weight": 30, "scale": "yes_no_partial"},
                    {"id": "c", "title": "解决", "weight": 60, "scale": "one_to_five", "allow_na": True},
                ],
            }
        ]
    }
)


def test_focus_criteria_count_equally_and_na_leaves_out() -> None:
    answers = {"a": "n", "b": "p", "c": 4}
    assert focus.focus_score(DEFINITION, answers, ["a", "b"], 50.0) == 25.0  # (0 + 0.5) / 2
    assert focus.focus_score(DEFINITION, answers, ["b", "c"], 50.0) == 62.5  # (0.5 + 0.75) / 2
    assert focus.focus_score(DEFINITION, {"c": "na"}, ["c"], 50.0) is None
    assert focus.focus_score(DEFINITION, answers, ["gone"], 50.0) is None
    assert focus.focus_score(DEFINITION, answers, [], 71.5) == 71.5  # a whole-score trend task


def test_a_follow_up_must_answer_a_focus_criterion() -> None:
    assert focus.covers(DEFINITION, {"a": "y"}, ["a", "x"])
    assert not focus.covers(DEFINITION, {"c": "na"}, ["c"])
    assert focus.covers(DEFINITION, {}, [])


def test_most_failed_criteria_lead_a_trend_task() -> None:
    reviews = [(DEFINITION, {"a": "n", "b": "y", "c": 2}), (DEFINITION, {"a": "n", "b": "p", "c": 5})]
    assert focus.most_failed(reviews) == ["a", "b", "c"]  # a twice; b and c once, in scorecard order
    assert focus.most_failed(reviews, limit=1) == ["a"]
    assert focus.trend_average([80.0, None, 60.0]) == 70.0
