"""Log-space probability kernels (Poisson, regularised incomplete gamma and the slowly
converging series that replace them where they underflow), shared by Erlang C and Erlang A."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special

from kefu.workforce.erlang.base import FloatArray

_TINY = 1e-280  # below this a regularised gamma value is replaced by its series form
_SERIES_EPS = 1e-17
_SERIES_MAX_TERMS = 5_000_000


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
