"""The calibration report against a hand-computed case, and the ordinal alpha against Krippendorff's
published example and a hand count. No database."""

from __future__ import annotations

import pytest

from kefu.quality import agreement, scoring
from kefu.quality.calibration import report
from kefu.quality.tests.test_agreement import EXAMPLE

DEFINITION = scoring.parse_definition(
    {
        "sections": [
            {
                "title": "问候",
                "criteria": [
                    {"id": "greet", "title": "报工号", "weight": 10, "scale": "yes_no"},
                    {"id": "solve", "title": "解决问题", "weight": 40, "scale": "one_to_five"},
                ],
            }
        ]
    }
)
# conversation 1: r1 y/5, r2 y/4, r3 n/4; conversation 2: r1 n/2, r2 n/2, r3 n/3
ANSWERS = {
    (1, 1): ("y", 5),
    (1, 2): ("y", 4),
    (1, 3): ("n", 4),
    (2, 1): ("n", 2),
    (2, 2): ("n", 2),
    (2, 3): ("n", 3),
}


def _sheets() -> list[report.Sheet]:
    sheets = []
    for (conversation, reviewer), (greet, solve) in ANSWERS.items():
        answers = {"greet": greet, "solve": solve}
        sheets.append(report.Sheet(conversation, reviewer, answers, scoring.score(DEFINITION, answers).score))
    return sheets


def test_ordinal_alpha_of_the_published_example() -> None:
    # Krippendorff (2011) reports α_ordinal = 0.815 for the same reliability data
    assert round(agreement.krippendorff_alpha(EXAMPLE, level="ordinal"), 3) == 0.815  # type: ignore[arg-type]


def test_ordinal_alpha_by_hand() -> None:
    # pairs (1,1) (1,2) (2,3) (3,3): n₁ = 3, n₂ = 2, n₃ = 3, n = 8; δ²(1,2) = δ²(2,3) = 2.5² = 6.25,
    # δ²(1,3) = (8 − 3)² = 25; D_o = 4 × 6.25 / 8 = 3.125; D_e = 2 (6·6.25 + 6·6.25 + 9·25) / 56
    # = 600 / 56; α = 1 − 3.125 × 56 / 600 = 0.70833
    alpha = agreement.krippendorff_alpha([[1, 1], [1, 2], [2, 3], [3, 3]], level="ordinal")
    assert alpha == pytest.approx(1 - 3.125 * 56 / 600)


def test_agreement_per_criterion_matches_the_hand_count() -> None:
    built = report.build(DEFINITION, _sheets(), expert_id=1)

    greet, solve = built.criteria
    # greet, nominal: pairs agree 1 of 3 and 3 of 3 → 66.67 %; coincidences o(y,y) = 1,
    # o(y,n) = o(n,y) = 1, o(n,n) = 3; n_y = 2, n_n = 4, n = 6; D_o = 2/6, D_e = 2·2·4/30;
    # α = 1 − (1/3) / (16/30) = 0.375
    assert (greet.level, greet.units, greet.percent, greet.alpha) == ("nominal", 2, 66.67, 0.375)
    # solve, ordinal (1–5): 1 of 3 and 1 of 3 → 33.33 %; n₂ = 2, n₃ = 1, n₄ = 2, n₅ = 1;
    # D_o = 4 × 2.25 / 6 = 1.5; D_e = 2 × 99 / 30 = 6.6; α = 1 − 1.5 / 6.6 = 0.773
    assert (solve.level, solve.units, solve.percent, solve.alpha) == ("ordinal", 2, 33.33, 0.773)
    # the expert (reviewer 1): greet matched by 3 of the other 4 answers, solve by 1 of 4
    assert (greet.expert_match, solve.expert_match) == (75.0, 25.0)
    assert built.percent == 50.0  # 6 of 12 pairs
    assert built.mean_alpha == round((0.375 + 0.773) / 2, 3)


def test_spread_per_conversation_and_each_reviewer_against_the_group_and_the_expert() -> None:
    built = report.build(DEFINITION, _sheets(), expert_id=1)

    first, second = built.spreads
    # conversation 1: 100 (y, 5), 80 (y, 4 → 30 of 40), 60 (n, 4)
    assert first.scores == {1: 100.0, 2: 80.0, 3: 60.0}
    assert (first.low, first.high, first.range, first.mean, first.expert) == (60.0, 100.0, 40.0, 80.0, 100.0)
    assert first.deviation == 16.33  # √((20² + 0 + 20²) / 3)
    assert first.split == ("greet", "solve")
    # conversation 2: 20, 20, 40 (n, 3 → 20 of 40 on 50)
    assert second.scores == {1: 20.0, 2: 20.0, 3: 40.0}
    assert second.split == ("solve",)
    r1, r2, r3 = built.reviewers
    assert (r1.mean, r1.off_mean, r1.off_expert, r1.expert_match) == (60.0, 6.67, None, None)
    assert (r2.mean, r2.off_expert, r2.expert_match) == (50.0, -10.0, 75.0)  # 80−100, 20−20; 3 of 4
    assert (r3.mean, r3.off_expert, r3.expert_match) == (50.0, -10.0, 25.0)  # 60−100, 40−20; 1 of 4


def test_na_counts_for_percent_agreement_but_has_no_rank() -> None:
    definition = scoring.parse_definition(
        {
            "sections": [
                {
                    "title": "s",
                    "criteria": [{"id": "c", "title": "t", "scale": "one_to_five", "allow_na": True}],
                }
            ]
        }
    )
    sheets = [
        report.Sheet(1, 1, {"c": "na"}, None),
        report.Sheet(1, 2, {"c": 4}, 75.0),
        report.Sheet(1, 3, {"c": 4}, 75.0),
    ]

    (row,) = report.build(definition, sheets).criteria

    assert row.percent == 33.33  # (na, 4) twice disagree, (4, 4) agrees
    assert row.alpha is None  # without N/A every answer is 4: nothing to expect, α undefined
    assert report.build(definition, []).percent is None
