"""Scorecard arithmetic: weights, N/A redistribution, fatal items, comments; with properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.quality import scoring

CARD = scoring.parse_definition(
    {
        "sections": [
            {
                "title": "问候",
                "criteria": [
                    {"id": "greet", "title": "报店铺名和工号", "weight": 10, "scale": "yes_no"},
                    {
                        "id": "name",
                        "title": "称呼客户",
                        "weight": 10,
                        "scale": "yes_no_partial",
                        "allow_na": True,
                    },
                ],
            },
            {
                "title": "解决",
                "criteria": [
                    {"id": "solve", "title": "问题解决", "weight": 20, "scale": "one_to_five"},
                    {"id": "leak", "title": "未泄露客户信息", "fatal": True},
                ],
            },
        ]
    }
)


def test_weighted_score_of_mixed_scales() -> None:
    # given yes (10 of 10), partly (5 of 10), 4 on 1–5 (0.75 × 20 = 15 of 20), fatal item passed
    answers = {"greet": "y", "name": "p", "solve": 4, "leak": "y"}

    result = scoring.score(CARD, answers, {"name": "没有称呼“亲”"})

    # then 30 of 40 points
    assert result.score == 75.0
    assert result.fatal is False
    assert result.failed == ("name",)
    assert result.complete
    assert result.section_scores == {"s1": 75.0, "s2": 75.0}


def test_na_gives_the_weight_to_the_others_in_proportion() -> None:
    # given "name" is N/A: 10 + 15 of the remaining 30 points
    result = scoring.score(CARD, {"greet": "y", "name": "na", "solve": 4, "leak": "y"})

    assert result.score == 83.33
    assert result.complete


def test_na_where_not_allowed_is_invalid() -> None:
    result = scoring.score(CARD, {"greet": "na", "name": "y", "solve": 5, "leak": "y"})

    assert result.invalid == ("greet",)
    assert not result.complete


def test_a_failed_fatal_item_makes_the_score_zero() -> None:
    result = scoring.score(
        CARD, {"greet": "y", "name": "y", "solve": 5, "leak": "n"}, {"leak": "报出了完整手机号"}
    )

    assert result.score == 0.0
    assert result.fatal is True
    assert result.complete


def test_a_failed_criterion_needs_a_comment() -> None:
    result = scoring.score(CARD, {"greet": "n", "name": "y", "solve": 2, "leak": "y"}, {"greet": " "})

    assert result.failed == ("greet", "solve")
    assert result.missing_comments == ("greet", "solve")
    assert not result.complete


def test_unanswered_criteria_are_listed() -> None:
    result = scoring.score(CARD, {"greet": "y"})

    assert result.unanswered == ("name", "solve", "leak")


def test_everything_na_has_no_score() -> None:
    card = scoring.parse_definition(
        {"sections": [{"title": "A", "criteria": [{"id": "a", "title": "a", "allow_na": True}]}]}
    )

    assert scoring.score(card, {"a": "na"}).score is None
    assert not scoring.score(card, {"a": "na"}).complete


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"sections": []}, "A scorecard needs at least one section."),
        ({"sections": [{"title": "A", "criteria": []}]}, "Each section needs at least one criterion."),
        (
            {"sections": [{"title": "A", "criteria": [{"title": "x", "weight": 0}]}]},
            "A weight is from 1 to 1000.",
        ),
        ({"sections": [{"title": "A", "criteria": [{"title": "x", "scale": "stars"}]}]}, "Unknown scale."),
        (
            {
                "sections": [
                    {"title": "A", "criteria": [{"title": "x", "fatal": True, "scale": "one_to_five"}]}
                ]
            },
            "A fatal item is answered yes or no.",
        ),
        (
            {"sections": [{"title": "A", "criteria": [{"title": "x", "fatal": True}]}]},
            "A scorecard needs at least one weighted (non-fatal) criterion.",
        ),
        (
            {
                "sections": [
                    {"title": "A", "criteria": [{"id": "a", "title": "x"}, {"id": "a", "title": "y"}]}
                ]
            },
            "Criterion ids must be unique.",
        ),
    ],
)
def test_bad_definitions_are_refused(definition: dict, message: str) -> None:
    with pytest.raises(scoring.DefinitionError) as error:
        scoring.parse_definition(definition)
    assert str(error.value) == message


def test_the_editor_text_round_trips_and_keeps_ids_of_unchanged_titles() -> None:
    text = "# 问候\n报店铺名和工号 | 10 | yn\n称呼客户 | 10 | ynp | na\n# 红线\n未泄露客户信息 | fatal\n"
    first = scoring.parse_definition(scoring.parse_lines(text))

    assert [(c.id, c.weight, c.scale, c.allow_na, c.fatal) for c in first.criteria] == [
        ("c1", 10, "yes_no", False, False),
        ("c2", 10, "yes_no_partial", True, False),
        ("c3", 0, "yes_no", False, True),
    ]
    assert scoring.to_lines(first) == text.strip()
    second = scoring.parse_definition(
        scoring.parse_lines("# 问候\n结束语 | 5 | 1-5\n称呼客户 | 20 | ynp", previous=first)
    )
    assert [(c.id, c.title) for c in second.criteria] == [("c4", "结束语"), ("c2", "称呼客户")]


def test_the_editor_text_names_the_faulty_line() -> None:
    with pytest.raises(scoring.DefinitionError) as error:
        scoring.parse_lines("# A\nx | 10 | stars")
    assert (error.value.line, error.value.params) == (2, {"word": "stars"})


# --- properties ------------------------------------------------------------------------------

criteria = st.lists(
    st.tuples(
        st.integers(1, 50),
        st.sampled_from(scoring.SCALES),
        st.booleans(),  # allow N/A
        st.booleans(),  # fatal
    ),
    min_size=1,
    max_size=8,
)


def _card(spec: list[tuple[int, str, bool, bool]]) -> scoring.Definition:
    rows = [
        {
            "id": f"c{i}",
            "title": f"c{i}",
            "weight": w,
            "scale": "yes_no" if fatal else scale,
            "allow_na": na,
            "fatal": fatal,
        }
        for i, (w, scale, na, fatal) in enumerate(spec)
    ]
    rows.append({"id": "base", "title": "base", "weight": 1})  # always one weighted criterion
    return scoring.parse_definition({"sections": [{"title": "S", "criteria": rows}]})


@st.composite
def answered(draw: st.DrawFn) -> tuple[scoring.Definition, dict]:
    card = _card(draw(criteria))
    answers = {}
    for c in card.criteria:
        options = list(scoring.ANSWERS_BY_SCALE[c.scale]) + ([scoring.NA] if c.allow_na else [])
        answers[c.id] = draw(st.sampled_from(options))
    return card, answers


@given(answered())
def test_the_score_is_between_0_and_100_or_none(case: tuple[scoring.Definition, dict]) -> None:
    card, answers = case
    result = scoring.score(card, answers)
    assert result.score is None or 0 <= result.score <= 100


@given(answered())
def test_any_failed_fatal_item_gives_zero(case: tuple[scoring.Definition, dict]) -> None:
    card, answers = case
    fatal = [c.id for c in card.criteria if c.fatal]
    if not fatal:
        return
    answers[fatal[0]] = "n"
    assert scoring.score(card, answers).score == 0.0


@given(answered())
def test_na_equals_leaving_the_criterion_out(case: tuple[scoring.Definition, dict]) -> None:
    card, answers = case
    na = [c.id for c in card.criteria if answers[c.id] == scoring.NA]
    without = scoring.Definition(
        sections=tuple(
            scoring.Section(s.id, s.title, tuple(c for c in s.criteria if c.id not in na))
            for s in card.sections
        )
    )
    kept = {k: v for k, v in answers.items() if k not in na}
    assert scoring.score(card, answers).score == scoring.score(without, kept).score


def _better(criterion: scoring.Criterion, answer: object) -> object:
    order = list(scoring.ANSWERS_BY_SCALE[criterion.scale])
    if criterion.scale != "one_to_five":
        order = list(reversed(order))  # n, (p,) y: worst to best
    position = order.index(answer)
    return order[min(position + 1, len(order) - 1)]


@given(answered(), st.data())
def test_a_better_answer_never_lowers_the_score(
    case: tuple[scoring.Definition, dict], data: st.DataObject
) -> None:
    card, answers = case
    choices = [c for c in card.criteria if answers[c.id] != scoring.NA]
    criterion = data.draw(st.sampled_from(choices))
    improved = {**answers, criterion.id: _better(criterion, answers[criterion.id])}
    before, after = scoring.score(card, answers), scoring.score(card, improved)
    if before.score is not None:
        assert after.score is not None and after.score >= before.score
