"""Agreement statistics against Krippendorff's published worked example and hand counts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.quality import agreement

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
# 12 units, values 1–5, missing answers left out (unit 12 has one answer: unpairable).
EXAMPLE = [
    [1, 1, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [5, 5, 5],
    [1, 1],
    [3],
]


def test_nominal_alpha_of_the_published_example() -> None:
    assert round(agreement.krippendorff_alpha(EXAMPLE, level="nominal"), 3) == 0.743  # type: ignore[arg-type]


def test_interval_alpha_of_the_published_example() -> None:
    assert round(agreement.krippendorff_alpha(EXAMPLE, level="interval"), 3) == 0.849  # type: ignore[arg-type]


def test_percent_agreement_counts_agreeing_pairs() -> None:
    # unit 1: 3 pairs all agree; unit 2: (y, y) agree, (y, n) twice disagree → 4 of 6
    assert agreement.percent_agreement([["y", "y", "y"], ["y", "y", "n"]]) == 66.67
    assert agreement.percent_agreement([["y"], []]) is None


def test_alpha_is_undefined_without_pairs_or_variation() -> None:
    assert agreement.krippendorff_alpha([[1], [2]]) is None
    assert agreement.krippendorff_alpha([[1, 1], [1, 1]]) is None
    with pytest.raises(ValueError):
        agreement.krippendorff_alpha(EXAMPLE, level="ratio")  # not offered: no ratio scale


@given(st.lists(st.lists(st.integers(1, 5), min_size=2, max_size=4), min_size=2, max_size=20))
def test_perfect_agreement_gives_alpha_one(units: list[list[int]]) -> None:
    same = [[unit[0]] * len(unit) for unit in units]
    alpha = agreement.krippendorff_alpha(same)
    assert alpha is None or alpha == pytest.approx(1.0)
    assert agreement.percent_agreement(same) == 100.0


@given(st.lists(st.lists(st.integers(1, 5), min_size=2, max_size=4), min_size=2, max_size=20))
def test_alpha_is_at_most_one(units: list[list[int]]) -> None:
    for level in agreement.LEVELS:
        alpha = agreement.krippendorff_alpha(units, level=level)
        assert alpha is None or alpha <= 1.0 + 1e-9
