"""Chat concurrency: handle time when an agent runs several chats at once, and agents for
a chat queue as pooled slots (Erlang C or A)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from kefu.workforce.erlang.base import INFEASIBLE, FloatArray, SLBasis, Staffing, _check, _floats
from kefu.workforce.erlang.erlang_a import erlang_a_metrics
from kefu.workforce.erlang.erlang_bc import erlang_c_metrics
from kefu.workforce.erlang.search import _mask_infeasible, erlang_a_staffing, erlang_c_staffing


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
