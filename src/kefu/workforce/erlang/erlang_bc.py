"""Erlang B and Erlang C (M/M/N): blocking and delay probabilities and the measures of a
given staffing."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from kefu.workforce.erlang.base import FloatArray, IntArray, QueueMetrics, _check, traffic_erlangs
from kefu.workforce.erlang.kernels import _TINY, _log_poisson, _product_series


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
