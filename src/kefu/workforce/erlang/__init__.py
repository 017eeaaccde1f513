"""Staffing math: Erlang C (M/M/N), Erlang A (M/M/N+M) and chat concurrency, vectorised with numpy.

Pure core (no Django) so it is fast to test and to benchmark. Every function broadcasts its
array arguments, so one call can staff a whole week of intervals for every queue. Probabilities
are computed in log space from the regularised incomplete gamma functions of scipy, never from
factorials, so they stay finite from 0.01 to many thousands of Erlangs. Formulas, sources and
definitions: docs/workforce-staffing.md.

One module per subject; callers import this package (`from kefu.workforce import erlang`,
`erlang.erlang_c_staffing(...)`), which re-exports every public name:

- `base`: array types, `QueueMetrics` / `Staffing`, `INFEASIBLE`, input checks, offered load
  (`traffic_erlangs`), the search ceiling and scheduled heads after shrinkage;
- `kernels`: the log-space Poisson / incomplete-gamma kernels both models share;
- `erlang_bc`: Erlang B and C and the measures of a given staffing;
- `erlang_a`: Erlang A (abandons) and its measures;
- `search`: the smallest staffing meeting the targets (Erlang C walk, Erlang A bisection);
- `chat`: chat concurrency (stretched handle time, agents as pooled slots).
"""

from __future__ import annotations

from kefu.workforce.erlang.base import (
    INFEASIBLE,
    OCCUPANCY_RTOL,
    QueueMetrics,
    SLBasis,
    Staffing,
    scheduled_agents,
    search_ceiling,
    traffic_erlangs,
)
from kefu.workforce.erlang.chat import chat_handle_time, chat_staffing
from kefu.workforce.erlang.erlang_a import erlang_a_metrics
from kefu.workforce.erlang.erlang_bc import erlang_b, erlang_c, erlang_c_metrics, log_erlang_b
from kefu.workforce.erlang.search import erlang_a_staffing, erlang_c_staffing, required_agents

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
