"""The shared vocabulary of the staffing math: array types, the result records, the
constants callers compare against, input checks, offered load and scheduled heads."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

SLBasis = Literal["offered", "answered"]
"""Which calls a service-level target counts under Erlang A.

``offered``: answered within T ÷ all offered calls (abandons count as failures).
``answered``: answered within T ÷ answered calls (abandons left out of both sides).
"""

INFEASIBLE = -1
"""Agent count reported for cells where no staffing meets every target."""

OCCUPANCY_RTOL = 1e-12
"""Relative slack on the occupancy cap, so a decimal input lying exactly on the boundary
(8.5 Erlangs at 85 % → 10 agents) is not pushed up by float round-off."""


FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state measures of one staffing per cell (arrays share the broadcast shape).

    Undefined values are non-finite: ``asa_s`` is ``inf`` when an Erlang C queue is unstable
    (N ≤ A), ``occupancy`` is ``nan`` with 0 agents, and every measure is ``nan``
    where a staffing search found no feasible N.
    """

    traffic: FloatArray
    agents: IntArray
    probability_wait: FloatArray
    service_level: FloatArray
    service_level_answered: FloatArray
    asa_s: FloatArray
    occupancy: FloatArray
    abandon_probability: FloatArray
    stable: NDArray[np.bool_]


@dataclass(frozen=True)
class Staffing:
    """Raw agents per cell (``INFEASIBLE`` where no N meets the targets) and the measures there."""

    agents: IntArray
    feasible: NDArray[np.bool_]
    metrics: QueueMetrics


def traffic_erlangs(calls: ArrayLike, aht_s: ArrayLike, interval_s: ArrayLike) -> FloatArray:
    """Offered load A = calls × AHT / interval, in Erlangs."""
    calls_a, aht_a, interval_a = _floats(calls, aht_s, interval_s)
    _check(np.isfinite(calls_a) & np.isfinite(aht_a) & np.isfinite(interval_a), "inputs must be finite")
    _check(calls_a >= 0, "calls must be >= 0")
    _check(aht_a > 0, "aht_s must be > 0")
    _check(interval_a > 0, "interval_s must be > 0")
    return calls_a * aht_a / interval_a


def search_ceiling(traffic: ArrayLike) -> IntArray:
    """Largest N the staffing searches try (A + 40·√A + 100).

    At that N the Erlang C delay probability is below e^-800, so every measure is exhausted in
    double precision; a target still unmet there is reported infeasible rather than answered
    with an absurd N.
    """
    a = np.asarray(traffic, dtype=float)
    return np.ceil(a + 40.0 * np.sqrt(a) + 100.0).astype(np.int64)


def scheduled_agents(raw: ArrayLike, shrinkage: ArrayLike) -> IntArray:
    """Heads to schedule: ceil(raw / (1 − shrinkage)), computed exactly.

    Shrinkage is read as the decimal the user typed (``Fraction(repr(0.3)) == 3/10``), so the
    division has no float round-up at integer boundaries: raw 21 at 30 % gives 30, not 31.
    Negative raw values (``INFEASIBLE``) pass through unchanged.
    """
    raw_a = np.asarray(raw, dtype=np.int64)
    shrink_a = np.asarray(shrinkage, dtype=float)
    _check(np.isfinite(shrink_a) & (shrink_a >= 0) & (shrink_a < 1), "shrinkage must be in [0, 1)")
    values, inverse = np.unique(shrink_a, return_inverse=True)
    raw_b, which = np.broadcast_arrays(raw_a, inverse.reshape(shrink_a.shape))
    out = np.array(raw_b, dtype=np.int64)
    for k, value in enumerate(values):
        share = Fraction(repr(float(value)))  # s = p/q, so raw / (1 − s) = raw·q / (q − p)
        p, q = share.numerator, share.denominator
        cells = (which == k) & (raw_b > 0)
        r = raw_b[cells]
        if r.size == 0:
            continue
        if int(r.max()) * q < 2**62:
            out[cells] = -((-r * q) // (q - p))
        else:  # long decimals: exact Python integers
            out[cells] = [-((-int(x) * q) // (q - p)) for x in r]
    return out


def _floats(*values: ArrayLike) -> list[FloatArray]:
    arrays = [np.asarray(v, dtype=float) for v in values]
    for arr in arrays:
        _check(~np.isnan(arr), "inputs must not be NaN")
    return list(np.broadcast_arrays(*arrays))


def _check(condition: ArrayLike, message: str) -> None:
    if not np.all(condition):
        raise ValueError(message)
