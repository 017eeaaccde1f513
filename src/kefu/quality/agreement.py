"""Agreement between reviewers who scored the same conversations (calibration): pairwise %
agreement and Krippendorff's alpha, nominal, ordinal or interval. Pure, so the figures are checked
against the published worked example (Krippendorff 2011, "Computing Krippendorff's
Alpha-Reliability": nominal 0.743, interval 0.849) and a hand-computed ordinal case.

Ordinal (yes/partly/no, 1–5): the distance between two ranks c < k grows with how many answers lie
between them, δ²(c, k) = (Σ_{g=c..k} n_g − (n_c + n_k) / 2)², n_g the answers of rank g.

A unit is one conversation's answers to one criterion by the reviewers who answered it
(missing answers left out). Units with fewer than two answers cannot be paired and count
for nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from itertools import permutations

LEVELS = ("nominal", "ordinal", "interval")


def percent_agreement(units: Iterable[Sequence[Hashable]]) -> float | None:
    """Share of agreeing pairs among all pairs of answers within units, 0–100; None without pairs."""
    agreeing = pairs = 0
    for unit in units:
        values = list(unit)
        for i in range(len(values)):
            for j in range(i + 1, len(values)):
                pairs += 1
                agreeing += values[i] == values[j]
    return None if pairs == 0 else round(100 * agreeing / pairs, 2)


def _distance(level: str, a: Hashable, b: Hashable, totals: Counter[Hashable]) -> float:
    if level == "nominal":
        return 0.0 if a == b else 1.0
    if level == "ordinal":
        if a == b:
            return 0.0
        low, high = sorted((a, b))  # type: ignore[type-var]
        between = sum(count for value, count in totals.items() if low <= value <= high)  # type: ignore[operator]
        return (between - (totals[low] + totals[high]) / 2) ** 2
    return (float(a) - float(b)) ** 2  # type: ignore[arg-type]


def krippendorff_alpha(units: Iterable[Sequence[Hashable]], *, level: str = "nominal") -> float | None:
    """α = 1 − D_o / D_e from the coincidence matrix; None when nothing can be paired or every
    answer is the same value (no expected disagreement: α is undefined)."""
    if level not in LEVELS:
        raise ValueError(f"level is one of {LEVELS}")
    coincidences: Counter[tuple[Hashable, Hashable]] = Counter()
    for unit in units:
        values = list(unit)
        if len(values) < 2:
            continue
        weight = 1 / (len(values) - 1)
        for a, b in permutations(values, 2):
            coincidences[(a, b)] += weight
    totals: Counter[Hashable] = Counter()
    for (a, _b), count in coincidences.items():
        totals[a] += count
    n = sum(totals.values())
    if n <= 1:
        return None
    observed = sum(count * _distance(level, a, b, totals) for (a, b), count in coincidences.items()) / n
    expected = sum(totals[a] * totals[b] * _distance(level, a, b, totals) for a in totals for b in totals) / (
        n * (n - 1)
    )
    if expected == 0:
        return None
    return 1 - observed / expected
