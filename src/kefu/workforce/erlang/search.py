"""Staffing search: the smallest agent count meeting service-level, ASA, occupancy and
abandon targets, per cell, under Erlang C (a forward walk) and Erlang A (bisection)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kefu.workforce.erlang.base import (
    INFEASIBLE,
    OCCUPANCY_RTOL,
    FloatArray,
    IntArray,
    QueueMetrics,
    SLBasis,
    Staffing,
    _check,
    _floats,
    search_ceiling,
    traffic_erlangs,
)
from kefu.workforce.erlang.erlang_a import _erlang_a_asa, _erlang_a_core, erlang_a_metrics
from kefu.workforce.erlang.erlang_bc import _erlang_c_measures, log_erlang_b


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
