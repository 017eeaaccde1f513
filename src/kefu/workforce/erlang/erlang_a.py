"""Erlang A (M/M/N+M, exponential patience): the measures of a given staffing, abandons
included."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from kefu.workforce.erlang.base import FloatArray, QueueMetrics, _check, _floats, traffic_erlangs
from kefu.workforce.erlang.erlang_bc import log_erlang_b
from kefu.workforce.erlang.kernels import _log_gammainc


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
