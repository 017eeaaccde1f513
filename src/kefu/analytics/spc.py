"""Statistical process control: is today's figure an ordinary day or a signal? (pure, no Django)

A control chart draws a process's points around its centre line with limits at ±3 sigma.
Points outside the limits, or runs and clusters that chance alone rarely makes, are *signals*
worth a look (Shewhart; the Western Electric Statistical Quality Control Handbook, 1956). A
dashboard shows them so a supervisor reacts to the day that is different, not to every wobble.

Two charts, both built from daily points:

- `individuals_chart` (XmR, I-chart): one value per day (a day's mean AHT, its CSAT). Sigma is
  estimated from the average moving range: sigma = MR-bar / d2 with d2 = 1.128 (subgroups of
  two), the estimate that is not inflated by a shift in the process (Montgomery, *Introduction
  to Statistical Quality Control*, §6.4; Wheeler, *Understanding Variation*).
- `xbar_chart`: one subgroup of values per day (the handle times of that day's conversations),
  plotted as the subgroup mean. Sigma of the process is the pooled within-subgroup standard
  deviation, so subgroups of different sizes are allowed; a subgroup of n values has limits at
  centre ± 3 sigma / sqrt(n) (Montgomery §6.3.1, variable sample size with s).

`western_electric` flags the four classic rules on the points and the chart's centre and sigma:

1. one point beyond 3 sigma;
2. two of three consecutive points beyond 2 sigma on the same side;
3. four of five consecutive points beyond 1 sigma on the same side;
4. eight consecutive points on the same side of the centre line.

A rule flags the point that completes the pattern (and, for 2-4, the other points of the
window that take part in it), so each flag is visible on the day it became a signal.
Points with no value (a day without data) are skipped: they neither break nor extend a run.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

D2_N2 = 1.128  # the expected range of two normal values, in sigmas (d2 for n = 2)
RULES = (1, 2, 3, 4)


@dataclass(frozen=True)
class Point:
    """One plotted point: its value, the limits that apply to it, and the rules it triggers."""

    value: float | None
    lcl: float | None
    ucl: float | None
    sigma: float | None  # the sigma of this point's value (xbar: sigma / sqrt(n))
    rules: tuple[int, ...] = ()


@dataclass(frozen=True)
class Chart:
    centre: float | None
    sigma: float | None  # process sigma (per value)
    points: list[Point] = field(default_factory=list)

    @property
    def signals(self) -> list[int]:
        """Indices of the points that at least one rule flags."""
        return [i for i, point in enumerate(self.points) if point.rules]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def individuals_chart(values: Sequence[float | None]) -> Chart:
    """An XmR chart of daily values; None is a day without data (drawn as a gap)."""
    present = [v for v in values if v is not None]
    if not present:
        return Chart(None, None, [Point(None, None, None, None) for _ in values])
    centre = _mean(present)
    ranges = [abs(b - a) for a, b in itertools.pairwise(present)]
    sigma = _mean(ranges) / D2_N2 if ranges else 0.0
    points = [
        Point(v, centre - 3 * sigma, centre + 3 * sigma, sigma)
        if v is not None
        else Point(None, None, None, None)
        for v in values
    ]
    return Chart(centre, sigma, _flag(points, centre))


def xbar_chart(subgroups: Sequence[Sequence[float]]) -> Chart:
    """An X-bar chart of daily subgroups (sizes may differ); an empty subgroup is a gap."""
    filled = [list(group) for group in subgroups if group]
    total = sum(len(group) for group in filled)
    if not filled:
        return Chart(None, None, [Point(None, None, None, None) for _ in subgroups])
    centre = sum(sum(group) for group in filled) / total
    # pooled within-subgroup variance: sum of squared deviations from each subgroup's own mean
    squares = sum(sum((x - _mean(group)) ** 2 for x in group) for group in filled)
    freedom = total - len(filled)
    sigma = math.sqrt(squares / freedom) if freedom > 0 else 0.0
    points = []
    for group in subgroups:
        if not group:
            points.append(Point(None, None, None, None))
            continue
        s = sigma / math.sqrt(len(group))
        points.append(Point(_mean(group), centre - 3 * s, centre + 3 * s, s))
    return Chart(centre, sigma, _flag(points, centre))


def _zone(point: Point, centre: float) -> float:
    """The point's distance from the centre in its own sigmas (signed); 0 when sigma is 0."""
    assert point.value is not None
    if not point.sigma:  # every value equal (up to rounding of the mean): nothing stands out
        return (
            0.0
            if math.isclose(point.value, centre, rel_tol=1e-9, abs_tol=1e-9)
            else math.copysign(math.inf, point.value - centre)
        )
    return (point.value - centre) / point.sigma


def western_electric(zones: Sequence[float]) -> list[set[int]]:
    """The rules each point triggers, from the points' signed distances in sigmas."""
    flags: list[set[int]] = [set() for _ in zones]
    for i, z in enumerate(zones):
        if abs(z) > 3:
            flags[i].add(1)
        for rule, window, need, beyond in ((2, 3, 2, 2.0), (3, 5, 4, 1.0)):
            if i + 1 < window:
                continue
            span = range(i - window + 1, i + 1)
            for sign in (1, -1):
                hits = [j for j in span if sign * zones[j] > beyond]
                if len(hits) >= need and i in hits:
                    for j in hits:
                        flags[j].add(rule)
        if i + 1 >= 8:
            span = range(i - 7, i + 1)
            for sign in (1, -1):
                if all(sign * zones[j] > 0 for j in span):
                    for j in span:
                        flags[j].add(4)
    return flags


def _flag(points: list[Point], centre: float) -> list[Point]:
    present = [i for i, point in enumerate(points) if point.value is not None]
    flags = western_electric([_zone(points[i], centre) for i in present])
    out = list(points)
    for i, rules in zip(present, flags, strict=True):
        point = points[i]
        out[i] = Point(point.value, point.lcl, point.ucl, point.sigma, tuple(sorted(rules)))
    return out
