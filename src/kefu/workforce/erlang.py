"""Staffing math: Erlang C (M/M/N), Erlang A (M/M/N+M) and chat concurrency, vectorised with numpy.

Pure core (no Django) so it is fast to test and to benchmark. Every function broadcasts its
array arguments, so one call can staff a whole week of intervals for every queue. Probabilities
are computed in log space from the regularised incomplete gamma functions of scipy, never from
factorials, so they stay finite from 0.01 to many thousands of Erlangs. Formulas, sources and
definitions: docs/workforce-staffing.md.

One module on purpose (about 800 lines): Erlang C, Erlang A and chat concurrency share the
log-space probability kernels and the staffing search, and are read and tested together
against the same published tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = [
    "INFEASIBLE",
    "OCCUPANCY_RTOL",
    "QueueMetrics",
    "SLBasis",
    "Staffing",
    "chat_handle_time",
    "chat_staffing",
    "erlang_a_metrics",
    "erlang_a_staffing",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "erlang_c_staffing",
    "log_erlang_b",
    "required_agents",
    "scheduled_agents",
    "search_ceiling",
    "traffic_erlangs",
]

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

_TINY = 1e-280  # below this a regularised gamma value is replaced by its series form
_SERIES_EPS = 1e-17
_SERIES_MAX_TERMS = 5_000_000

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


# --------------------------------------------------------------------------- results


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


# --------------------------------------------------------------------------- helpers


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


def _log_poisson(x: FloatArray, y: FloatArray) -> FloatArray:
    """log(e^-y · y^x / Γ(x+1)) for real x ≥ 0, y ≥ 0 (the continuous Poisson 'pmf')."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return special.xlogy(x, y) - y - special.gammaln(x + 1.0)


def _product_series(ratio: Callable[[int], FloatArray], shape: tuple[int, ...]) -> FloatArray:
    """Σ_{j≥0} Π_{i=1..j} ratio(i), for ratios that fall below 1 and keep falling."""
    total = np.ones(shape)
    term = np.ones(shape)
    for i in range(1, _SERIES_MAX_TERMS):
        term = term * ratio(i)
        total += term
        if not np.any(term > _SERIES_EPS * total):
            break
    return total


def _log_gammainc(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(log P(x, y), log M(x, y)) with P the regularised lower incomplete gamma function.

    M(x, y) = P(x, y) / poisson(x; y) = Σ_j y^j / ((x+1)…(x+j)) ≥ 1, the ratio Erlang A needs.
    Where P underflows (y far below x) M comes from its series, which then converges fast.
    """
    x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    p = special.gammainc(x, y)
    lpois = _log_poisson(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p = np.array(np.log(p), dtype=float)  # 0-d arrays stay arrays, so masks can assign
        log_m = np.array(log_p - lpois, dtype=float)
    small = (p < _TINY) & (y > 0)
    if np.any(small):
        xs, ys = x[small], y[small]
        series = _product_series(lambda i: ys / (xs + i), xs.shape)
        log_m[small] = np.log(series)
        log_p[small] = lpois[small] + log_m[small]
    log_m = np.where(y > 0, np.maximum(log_m, 0.0), 0.0)
    return log_p, log_m


# --------------------------------------------------------------------------- Erlang B / C


def log_erlang_b(agents: ArrayLike, traffic: ArrayLike) -> FloatArray:
    """log of the Erlang B blocking probability B(N, A) = poisson(N; A) / P(Poisson(A) ≤ N).

    Stable for any N and A: the Poisson tail comes from ``gammaincc``; where it underflows
    (N far below A) 1/B is summed as Σ_j N!/((N−j)!·A^j), a fast-converging series there.
    """
    n, a = np.broadcast_arrays(np.asarray(agents, dtype=float), np.asarray(traffic, dtype=float))
    q = special.gammaincc(n + 1.0, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.array(_log_poisson(n, a) - np.log(q), dtype=float)
    small = (q < _TINY) & (a > 0)
    if np.any(small):
        ns, as_ = n[small], a[small]
        inv_b = _product_series(lambda i: np.maximum(ns - i + 1.0, 0.0) / as_, ns.shape)
        out[small] = -np.log(inv_b)
    out = np.where(a <= 0, np.where(n <= 0, 0.0, -np.inf), out)
    return np.minimum(out, 0.0)


def erlang_b(agents: ArrayLike, traffic: ArrayLike) -> FloatArray:
    """Erlang B: probability that all N servers are busy in the loss system M/M/N/N."""
    return np.exp(log_erlang_b(agents, traffic))


def _log_erlang_c(n: FloatArray, a: FloatArray, log_b: FloatArray | None = None) -> FloatArray:
    """log C(N, A) for N > A > 0; C = B / (1 − ρ(1 − B)), ρ = A/N."""
    if log_b is None:
        log_b = log_erlang_b(n, a)
    rho = a / n
    return log_b - np.log1p(-rho * (-np.expm1(log_b)))


def erlang_c(agents: ArrayLike, traffic: ArrayLike) -> FloatArray:
    """Erlang C: probability an arrival waits, C(N, A); 1 when N ≤ A (unstable), 0 when A = 0."""
    n, a = np.broadcast_arrays(np.asarray(agents, dtype=float), np.asarray(traffic, dtype=float))
    stable = n > a
    out = np.ones(n.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[stable] = np.exp(_log_erlang_c(n[stable], a[stable]))
    out[a <= 0] = 0.0
    return out


def erlang_c_metrics(
    agents: ArrayLike,
    calls: ArrayLike,
    aht_s: ArrayLike,
    interval_s: ArrayLike,
    answer_time_s: ArrayLike,
) -> QueueMetrics:
    """Erlang C measures for a given staffing.

    SL = 1 − C·exp(−(N − A)·T/AHT), ASA = C·AHT/(N − A), occupancy A/N. With N ≤ A the queue
    grows without bound: SL 0, P(wait) 1, ASA inf, occupancy 1 (nan with no agent at all).
    """
    traffic = traffic_erlangs(calls, aht_s, interval_s)
    n_i, a, aht, t = np.broadcast_arrays(
        np.asarray(agents, dtype=np.int64),
        traffic,
        np.asarray(aht_s, float),
        np.asarray(answer_time_s, float),
    )
    _check(n_i >= 0, "agents must be >= 0")
    _check(t >= 0, "answer_time_s must be >= 0")
    return _erlang_c_measures(n_i, a, aht, t)


def _erlang_c_measures(
    n_i: IntArray, a: FloatArray, aht: FloatArray, t: FloatArray, log_b: FloatArray | None = None
) -> QueueMetrics:
    """QueueMetrics from same-shape arrays; ``log_b`` (log Erlang B at n) when already known."""
    n = n_i.astype(float)
    stable = n > a
    busy = stable & (a > 0)
    pw = np.where(a > 0, 1.0, 0.0)
    sl = np.where(a > 0, 0.0, 1.0)
    asa = np.where(a > 0, np.inf, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        occupancy = np.where(n > 0, np.minimum(a / n, 1.0), np.nan)
        if np.any(busy):
            nb, ab, ahtb, tb = n[busy], a[busy], aht[busy], t[busy]
            log_c = _log_erlang_c(nb, ab, None if log_b is None else log_b[busy])
            pw[busy] = np.exp(log_c)
            sl[busy] = -np.expm1(log_c - (nb - ab) * tb / ahtb)
            asa[busy] = np.exp(log_c) * ahtb / (nb - ab)
    return QueueMetrics(
        traffic=np.array(a, dtype=float),
        agents=np.array(n_i, dtype=np.int64),
        probability_wait=pw,
        service_level=sl,
        service_level_answered=sl.copy(),
        asa_s=asa,
        occupancy=occupancy,
        abandon_probability=np.zeros(n.shape),
        stable=stable | (a <= 0),
    )


# --------------------------------------------------------------------------- Erlang A


@dataclass(frozen=True)
class _ErlangACore:
    """Log-space building blocks of M/M/N+M at one N per cell (see the doc for the algebra)."""

    log_pw: FloatArray  # log P(V > 0)
    p_ab_given_wait: FloatArray  # P(abandon | V > 0)
    log_served_late_given_wait: FloatArray  # log P(served, V > T | V > 0)

    @property
    def log_abandon(self) -> FloatArray:
        with np.errstate(divide="ignore"):
            return self.log_pw + np.log(self.p_ab_given_wait)

    @property
    def log_served_late(self) -> FloatArray:
        return self.log_pw + self.log_served_late_given_wait


def _erlang_a_core(
    n: FloatArray, lam: FloatArray, mu: FloatArray, theta: FloatArray, t: FloatArray
) -> _ErlangACore:
    """Exact M/M/N+M measures for λ > 0 (arrays of one shape)."""
    a = lam / mu
    x = n * mu / theta  # N·μ/θ
    y = lam / theta  # λ/θ
    log_b = log_erlang_b(n, a)
    log_p_xy, log_j = _log_gammainc(x, y)  # J = Σ_j Π_i λ/(Nμ + iθ) = M(x, y) ≥ 1
    with np.errstate(divide="ignore", invalid="ignore"):
        log_pw = log_b + log_j - np.logaddexp(np.log1p(-np.exp(log_b)), log_b + log_j)
        log_pw = np.minimum(log_pw, 0.0)
        ratio = x / y
        p_ab = np.clip(1.0 - ratio * (-np.expm1(-log_j)), 0.0, 1.0)
        log_p_late, _ = _log_gammainc(x + 1.0, y * np.exp(-theta * t))
        log_late = np.log(ratio) + log_p_late - log_p_xy
        # P(served | V>0) bounds P(served, V>T | V>0); clip round-off.
        log_late = np.minimum(log_late, np.log1p(-p_ab))
    log_pw = np.where(n <= 0, 0.0, log_pw)
    p_ab = np.where(n <= 0, 1.0, p_ab)
    log_late = np.where(n <= 0, -np.inf, log_late)
    return _ErlangACore(log_pw=log_pw, p_ab_given_wait=p_ab, log_served_late_given_wait=log_late)


def _erlang_a_wait_served_given_wait(n: float, lam: float, mu: float, theta: float) -> float:
    """E[V · 1{served} | V > 0] for M/M/N+M, summed over the queue length an arrival sees.

    An arrival that finds j waiting is served with probability x/(x+j+1) (x = Nμ/θ), after a
    mean (1/θ)·Σ_{i≤j} 1/(x+i+1); the queue length seen has weights y^j/((x+1)…(x+j)),
    y = λ/θ. The sum runs over a window of ±12·√y around the mode, beyond which terms vanish.
    """
    x, y = n * mu / theta, lam / theta
    mode = max(0.0, y - x)
    width = 12.0 * math.sqrt(y + 1.0) + 20.0
    lo, hi = int(max(0.0, mode - width)), int(mode + width) + 1
    j = np.arange(lo, hi, dtype=float)
    log_t = j * math.log(y) - (special.gammaln(x + 1.0 + j) - special.gammaln(x + 1.0))
    w = np.exp(log_t - log_t.max())
    base = (special.digamma(x + lo + 1.0) - special.digamma(x + 1.0)) if lo > 0 else 0.0
    harmonic = base + np.cumsum(1.0 / (x + j + 1.0))
    served = x / (x + j + 1.0)
    return float(np.sum(w * served * harmonic) / np.sum(w)) / theta


def _erlang_a_asa(
    n: FloatArray, lam: FloatArray, mu: FloatArray, theta: FloatArray, pw: FloatArray, p_ab: FloatArray
) -> FloatArray:
    """ASA over answered calls: P(V>0)·E[V; served | V>0] / (1 − P(abandon)); nan with no agent."""
    out = np.full(n.shape, np.nan)
    for k in np.flatnonzero(n > 0):
        given = _erlang_a_wait_served_given_wait(float(n[k]), float(lam[k]), float(mu[k]), float(theta[k]))
        out[k] = pw[k] * given / (1.0 - p_ab[k])
    return out


def erlang_a_metrics(
    agents: ArrayLike,
    calls: ArrayLike,
    aht_s: ArrayLike,
    interval_s: ArrayLike,
    answer_time_s: ArrayLike,
    patience_s: ArrayLike,
    *,
    with_asa: bool = True,
) -> QueueMetrics:
    """Erlang A (M/M/N+M, exponential patience with mean ``patience_s``) measures.

    ``service_level`` counts abandons as failures (answered within T ÷ offered);
    ``service_level_answered`` leaves abandons out (answered within T ÷ answered); ASA is over
    answered calls; occupancy is carried load A·(1 − P(abandon)) / N. Always stable. The ASA
    needs a per-cell sum (slow for huge arrays): pass ``with_asa=False`` to skip it (``nan``).
    """
    traffic = traffic_erlangs(calls, aht_s, interval_s)
    calls_a, aht, interval, t, patience = _floats(calls, aht_s, interval_s, answer_time_s, patience_s)
    n_i, a, aht, interval, t, patience, calls_a = np.broadcast_arrays(
        np.asarray(agents, dtype=np.int64), traffic, aht, interval, t, patience, calls_a
    )
    _check(n_i >= 0, "agents must be >= 0")
    _check(t >= 0, "answer_time_s must be >= 0")
    _check((patience > 0) & np.isfinite(patience), "patience_s must be > 0 and finite (use Erlang C)")
    n = n_i.astype(float)
    shape = n.shape
    pw = np.zeros(shape)
    p_ab = np.zeros(shape)
    sl = np.ones(shape)
    sl_ans = np.ones(shape)
    asa = np.zeros(shape)
    busy = a > 0
    if np.any(busy):
        nb = n[busy]
        lam = calls_a[busy] / interval[busy]
        mu = 1.0 / aht[busy]
        theta = 1.0 / patience[busy]
        core = _erlang_a_core(nb, lam, mu, theta, t[busy])
        pw_b = np.exp(core.log_pw)
        ab_b = pw_b * core.p_ab_given_wait
        late_b = np.exp(core.log_served_late)
        pw[busy] = pw_b
        p_ab[busy] = ab_b
        sl[busy] = np.clip(1.0 - ab_b - late_b, 0.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            sl_ans[busy] = np.where(ab_b < 1.0, np.clip(1.0 - late_b / (1.0 - ab_b), 0.0, 1.0), np.nan)
        if with_asa:
            asa[busy] = _erlang_a_asa(nb, lam, mu, theta, pw_b, ab_b)
        else:
            asa[busy] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        occupancy = np.where(n > 0, a * (1.0 - p_ab) / n, np.nan)
    return QueueMetrics(
        traffic=a.copy(),
        agents=n_i.copy(),
        probability_wait=pw,
        service_level=sl,
        service_level_answered=sl_ans,
        asa_s=asa,
        occupancy=occupancy,
        abandon_probability=p_ab,
        stable=np.ones(shape, dtype=bool),
    )


# --------------------------------------------------------------------------- staffing search


def _validate_targets(
    service_level: FloatArray | None,
    max_occupancy: FloatArray | None,
    max_asa_s: FloatArray | None,
    max_abandon: FloatArray | None = None,
) -> None:
    if service_level is not None:
        _check((service_level >= 0) & (service_level <= 1), "service_level must be in [0, 1]")
    if max_occupancy is not None:
        _check((max_occupancy > 0) & (max_occupancy <= 1), "max_occupancy must be in (0, 1]")
    if max_asa_s is not None:
        _check(max_asa_s >= 0, "max_asa_s must be >= 0")
    if max_abandon is not None:
        _check((max_abandon >= 0) & (max_abandon <= 1), "max_abandon must be in [0, 1]")


def _occupancy_floor(a: FloatArray, max_occupancy: FloatArray | None) -> FloatArray:
    """Smallest N with A/N ≤ cap (with ``OCCUPANCY_RTOL`` slack), as float."""
    if max_occupancy is None:
        return np.zeros(a.shape)
    return np.ceil(a / max_occupancy * (1.0 - OCCUPANCY_RTOL))


def _bisect(
    lo: IntArray, hi: IntArray, ok: Callable[[IntArray, NDArray[np.bool_]], NDArray[np.bool_]]
) -> tuple[IntArray, NDArray[np.bool_]]:
    """Smallest N in [lo, hi] with ok(N), per cell, for predicates monotone in N.

    ``ok(n, mask)`` evaluates the cells in ``mask`` only. Cells where ``ok(hi)`` fails are
    infeasible (returned as ``INFEASIBLE``).
    """
    lo, hi = lo.copy(), np.maximum(hi, lo)
    feasible = np.zeros(lo.shape, dtype=bool)
    idx = np.flatnonzero(np.ones(lo.shape, dtype=bool))
    if idx.size:
        feasible.ravel()[idx] = ok(hi.ravel()[idx], idx)
    active = feasible.ravel() & (lo.ravel() < hi.ravel())
    lo_f, hi_f = lo.ravel(), hi.ravel()
    while np.any(active):
        cells = np.flatnonzero(active)
        mid = (lo_f[cells] + hi_f[cells]) // 2
        good = ok(mid, cells)
        hi_f[cells[good]] = mid[good]
        lo_f[cells[~good]] = mid[~good] + 1
        active[cells] = lo_f[cells] < hi_f[cells]
    agents = np.where(feasible, hi_f.reshape(lo.shape), INFEASIBLE).astype(np.int64)
    return agents, feasible


def _log_target(value: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore"):
        return np.log(value)


def _log_room(service_level: FloatArray | None) -> FloatArray | None:
    """log(1 − target SL), flat; −inf for a target of 1, which no finite N meets."""
    if service_level is None:
        return None
    with np.errstate(divide="ignore"):
        return np.log1p(-service_level.ravel())


def erlang_c_staffing(
    calls: ArrayLike,
    aht_s: ArrayLike,
    interval_s: ArrayLike,
    *,
    answer_time_s: ArrayLike = 20.0,
    service_level: ArrayLike | None = None,
    max_occupancy: ArrayLike | None = None,
    max_asa_s: ArrayLike | None = None,
) -> Staffing:
    """Smallest N ≥ 1 meeting every given target per cell (0 with no calls), Erlang C.

    Targets: SL ≥ ``service_level`` within ``answer_time_s``, A/N ≤ ``max_occupancy``,
    ASA ≤ ``max_asa_s``. The search starts at max(floor(A)+1, the occupancy floor) and walks
    up in log space to ``search_ceiling``; cells whose targets cannot be met (SL 1, ASA 0) get
    ``INFEASIBLE``.
    """
    a = traffic_erlangs(calls, aht_s, interval_s)
    optional = [service_level, max_occupancy, max_asa_s]
    arrays = np.broadcast_arrays(
        *_floats(a, aht_s, answer_time_s),
        *[np.asarray(o, float) for o in optional if o is not None],
    )
    a, aht, t = arrays[:3]
    rest = iter(arrays[3:])
    sl_t, occ_t, asa_t = (next(rest) if o is not None else None for o in optional)
    _check(t >= 0, "answer_time_s must be >= 0")
    _validate_targets(sl_t, occ_t, asa_t)

    lo = np.maximum(np.floor(a) + 1.0, _occupancy_floor(a, occ_t))
    agents = np.zeros(a.shape, dtype=np.int64)
    feasible = np.ones(a.shape, dtype=bool)
    log_b = np.full(a.shape, -np.inf)
    cells = np.flatnonzero(a.ravel() > 0)
    if cells.size:
        found, ok, log_b_found = _erlang_c_walk(
            a.ravel()[cells],
            aht.ravel()[cells],
            t.ravel()[cells],
            lo.ravel()[cells],
            None if sl_t is None else _log_room(sl_t)[cells],
            None if asa_t is None else _log_target(asa_t.ravel()[cells]),
        )
        agents.ravel()[cells] = found
        feasible.ravel()[cells] = ok
        log_b.ravel()[cells] = log_b_found
    metrics = _erlang_c_measures(np.maximum(agents, 0), a, aht, t, log_b)
    return Staffing(agents=agents, feasible=feasible, metrics=_mask_infeasible(metrics, feasible))


def _erlang_c_walk(
    a: FloatArray,
    aht: FloatArray,
    t: FloatArray,
    start: FloatArray,
    log_room: FloatArray | None,
    log_asa: FloatArray | None,
) -> tuple[IntArray, NDArray[np.bool_], FloatArray]:
    """Walk N up from ``start`` (≥ floor(A)+1) to the first N meeting the targets, per cell.

    log B comes once from the gamma functions at ``start``, then from the forward Erlang B
    recursion B(N+1) = A·B / (N + 1 + A·B) (stable, and cheap) in log space, so one pass costs
    a few flops per cell and step. The targets are monotone in N, so the first N that meets
    them is the smallest. Cells still short at ``search_ceiling`` are infeasible.
    """
    n = start.astype(float)
    log_b = log_erlang_b(n, a)
    log_a = np.log(a)
    ceiling = np.maximum(search_ceiling(a), start).astype(float)
    agents = np.full(a.shape, INFEASIBLE, dtype=np.int64)
    feasible = np.zeros(a.shape, dtype=bool)
    impossible = np.zeros(a.shape, dtype=bool)
    if log_room is not None:
        impossible |= log_room == -np.inf  # SL 1: every finite N leaves some wait
    if log_asa is not None:
        impossible |= log_asa == -np.inf  # ASA 0: likewise
    active = np.flatnonzero(~impossible)
    while active.size:
        nn, aa, lb = n[active], a[active], log_b[active]
        log_c = lb - np.log1p(-(aa / nn) * -np.expm1(lb))
        good = np.ones(active.shape, dtype=bool)
        if log_room is not None:
            good &= log_c - (nn - aa) * t[active] / aht[active] <= log_room[active]
        if log_asa is not None:
            good &= log_c + np.log(aht[active]) - np.log(nn - aa) <= log_asa[active]
        done = active[good]
        agents[done] = n[done].astype(np.int64)
        feasible[done] = True
        rest = active[~good]
        rest = rest[n[rest] < ceiling[rest]]
        if rest.size:
            lb_r = log_b[rest]
            step = np.exp(log_a[rest] + lb_r)  # A·B, may underflow to 0 harmlessly
            log_b[rest] = log_a[rest] + lb_r - np.log(n[rest] + 1.0 + step)
            n[rest] += 1.0
        active = rest
    return agents, feasible, np.where(feasible, log_b, np.nan)


def required_agents(
    calls: ArrayLike,
    aht_s: ArrayLike,
    interval_s: ArrayLike,
    *,
    answer_time_s: ArrayLike = 20.0,
    service_level: ArrayLike | None = None,
    max_occupancy: ArrayLike | None = None,
    max_asa_s: ArrayLike | None = None,
) -> IntArray:
    """Erlang C raw agents per cell (``INFEASIBLE`` = −1 where no N works); see erlang_c_staffing."""
    return erlang_c_staffing(
        calls,
        aht_s,
        interval_s,
        answer_time_s=answer_time_s,
        service_level=service_level,
        max_occupancy=max_occupancy,
        max_asa_s=max_asa_s,
    ).agents


def erlang_a_staffing(
    calls: ArrayLike,
    aht_s: ArrayLike,
    interval_s: ArrayLike,
    *,
    patience_s: ArrayLike,
    answer_time_s: ArrayLike = 20.0,
    service_level: ArrayLike | None = None,
    sl_basis: SLBasis = "offered",
    max_abandon: ArrayLike | None = None,
    max_occupancy: ArrayLike | None = None,
    max_asa_s: ArrayLike | None = None,
) -> Staffing:
    """Smallest N ≥ 1 meeting every given target per cell under Erlang A (0 with no calls).

    With abandonment the queue is stable for any N, so the search starts at 1 (or the occupancy
    floor), not at A. ``sl_basis`` says whether the SL target counts abandons as failures
    (``offered``) or leaves them out (``answered``). Occupancy is carried load / N.
    """
    if sl_basis not in ("offered", "answered"):
        raise ValueError("sl_basis must be 'offered' or 'answered'")
    a = traffic_erlangs(calls, aht_s, interval_s)
    base = _floats(a, calls, aht_s, interval_s, answer_time_s, patience_s)
    optional = [service_level, max_abandon, max_occupancy, max_asa_s]
    arrays = np.broadcast_arrays(*base, *[np.asarray(o, float) for o in optional if o is not None])
    a, calls_a, aht, interval, t, patience = arrays[:6]
    rest = iter(arrays[6:])
    sl_t, ab_t, occ_t, asa_t = (next(rest) if o is not None else None for o in optional)
    _check(t >= 0, "answer_time_s must be >= 0")
    _check((patience > 0) & np.isfinite(patience), "patience_s must be > 0 and finite (use Erlang C)")
    _validate_targets(sl_t, occ_t, asa_t, ab_t)

    flat = {k: v.ravel() for k, v in {"a": a, "calls": calls_a, "aht": aht, "iv": interval, "t": t}.items()}
    flat_theta = 1.0 / patience.ravel()
    log_sl_room = _log_room(sl_t)
    log_ab = _log_target(ab_t.ravel()) if ab_t is not None else None
    occ_flat = occ_t.ravel() if occ_t is not None else None
    asa_flat = asa_t.ravel() if asa_t is not None else None

    def ok(n: IntArray, cells: IntArray) -> NDArray[np.bool_]:
        nf = n.astype(float)
        lam = flat["calls"][cells] / flat["iv"][cells]
        mu = 1.0 / flat["aht"][cells]
        core = _erlang_a_core(nf, lam, mu, flat_theta[cells], flat["t"][cells])
        good = np.ones(nf.shape, dtype=bool)
        with np.errstate(divide="ignore", invalid="ignore"):
            if log_sl_room is not None:
                if sl_basis == "offered":
                    log_miss = np.logaddexp(core.log_abandon, core.log_served_late)
                else:
                    p_ab = np.exp(core.log_abandon)
                    log_miss = core.log_served_late - np.log1p(-p_ab)
                good &= log_miss <= log_sl_room[cells]
            if log_ab is not None:
                good &= core.log_abandon <= log_ab[cells]
            if occ_flat is not None:
                carried = flat["a"][cells] * (1.0 - np.exp(core.log_abandon))
                good &= carried <= occ_flat[cells] * nf * (1.0 + OCCUPANCY_RTOL)
        if asa_flat is not None and np.any(good):
            idx = np.flatnonzero(good)
            pw = np.exp(core.log_pw[idx])
            asa = _erlang_a_asa(
                nf[idx], lam[idx], mu[idx], flat_theta[cells][idx], pw, pw * core.p_ab_given_wait[idx]
            )
            good[idx] = asa <= asa_flat[cells][idx]
        return good

    lo = np.ones(a.shape, dtype=np.int64)
    hi = np.maximum(search_ceiling(a), _occupancy_floor(a, occ_t).astype(np.int64))
    busy = a > 0
    agents = np.zeros(a.shape, dtype=np.int64)
    feasible = np.ones(a.shape, dtype=bool)
    if np.any(busy):
        cells = np.flatnonzero(busy.ravel())
        sub_agents, sub_feasible = _bisect(lo.ravel()[cells], hi.ravel()[cells], lambda n, c: ok(n, cells[c]))
        agents.ravel()[cells] = sub_agents
        feasible.ravel()[cells] = sub_feasible
    metrics = erlang_a_metrics(np.maximum(agents, 0), calls_a, aht, interval, t, patience)
    return Staffing(agents=agents, feasible=feasible, metrics=_mask_infeasible(metrics, feasible))


def _mask_infeasible(metrics: QueueMetrics, feasible: NDArray[np.bool_]) -> QueueMetrics:
    if np.all(feasible):
        return metrics

    def nan_where(values: FloatArray) -> FloatArray:
        return np.where(feasible, values, np.nan)

    return QueueMetrics(
        traffic=metrics.traffic,
        agents=np.where(feasible, metrics.agents, INFEASIBLE),
        probability_wait=nan_where(metrics.probability_wait),
        service_level=nan_where(metrics.service_level),
        service_level_answered=nan_where(metrics.service_level_answered),
        asa_s=nan_where(metrics.asa_s),
        occupancy=nan_where(metrics.occupancy),
        abandon_probability=nan_where(metrics.abandon_probability),
        stable=metrics.stable & feasible,
    )


# --------------------------------------------------------------------------- chat


def chat_handle_time(aht_s: ArrayLike, concurrency: ArrayLike, slowdown: ArrayLike) -> FloatArray:
    """Mean chat duration when an agent runs ``concurrency`` chats at once.

    ``aht_s`` is the duration of a chat handled alone; each extra parallel chat stretches every
    chat by ``slowdown`` of it: AHT_k = AHT·(1 + slowdown·(k − 1)). slowdown 0: chats mostly
    wait on the customer, parallelism is free; slowdown 1: no gain over one chat at a time.
    """
    aht, k, s = _floats(aht_s, concurrency, slowdown)
    _check(aht > 0, "aht_s must be > 0")
    _check((k >= 1) & (k == np.floor(k)), "concurrency must be an integer >= 1")
    _check((s >= 0) & (s <= 1), "slowdown must be in [0, 1]")
    return aht * (1.0 + s * (k - 1.0))


def chat_staffing(
    chats: ArrayLike,
    aht_s: ArrayLike,
    interval_s: ArrayLike,
    *,
    concurrency: int,
    slowdown: float = 0.0,
    answer_time_s: ArrayLike = 20.0,
    service_level: ArrayLike | None = None,
    max_occupancy: ArrayLike | None = None,
    max_asa_s: ArrayLike | None = None,
    patience_s: ArrayLike | None = None,
    sl_basis: SLBasis = "offered",
    max_abandon: ArrayLike | None = None,
) -> Staffing:
    """Agents for a chat queue where each agent handles up to ``concurrency`` chats.

    Model: each agent is ``concurrency`` slots, each slot a server whose handle time is the
    stretched ``chat_handle_time``; slots are pooled across agents (a chat goes to any free
    slot). The queue of slots is Erlang C (or Erlang A with ``patience_s``); agents =
    ceil(slots / concurrency). ``metrics`` describe the slots actually staffed (agents ×
    concurrency); occupancy there is slot occupancy. Conservative when agents often run below
    full concurrency (their chats then go faster); see simulate.py for the validation.
    """
    k = int(concurrency)
    aht_k = chat_handle_time(aht_s, k, slowdown)
    if patience_s is None:
        if max_abandon is not None:
            raise ValueError("max_abandon needs patience_s (Erlang A)")
        slots = erlang_c_staffing(
            chats,
            aht_k,
            interval_s,
            answer_time_s=answer_time_s,
            service_level=service_level,
            max_occupancy=max_occupancy,
            max_asa_s=max_asa_s,
        )
    else:
        slots = erlang_a_staffing(
            chats,
            aht_k,
            interval_s,
            patience_s=patience_s,
            answer_time_s=answer_time_s,
            service_level=service_level,
            sl_basis=sl_basis,
            max_abandon=max_abandon,
            max_occupancy=max_occupancy,
            max_asa_s=max_asa_s,
        )
    agents = np.where(slots.feasible, -(-slots.agents // k), INFEASIBLE).astype(np.int64)
    staffed_slots = np.maximum(agents, 0) * k
    if patience_s is None:
        metrics = erlang_c_metrics(staffed_slots, chats, aht_k, interval_s, answer_time_s)
    else:
        metrics = erlang_a_metrics(staffed_slots, chats, aht_k, interval_s, answer_time_s, patience_s)
    return Staffing(agents=agents, feasible=slots.feasible, metrics=_mask_infeasible(metrics, slots.feasible))
