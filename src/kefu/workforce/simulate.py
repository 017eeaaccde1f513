"""Discrete-event simulation of contact queues (simpy): skills, abandonment, chat concurrency, a schedule.

Pure core (no Django). It checks the Erlang formulas (which assume one queue, steady state,
exponential everything) and answers what-ifs they cannot: a campaign spike, three agents off
sick, agents shared between queues, service times that are not exponential.

Model, per run:
- each queue gets Poisson arrivals, ``calls[i]`` expected in interval i; a contact goes to a free
  agent with the skill (specialists first, then the least-loaded agent), otherwise it waits
  first-come-first-served and, with ``patience_s``, abandons after an exponential patience;
- a freed agent takes the longest-waiting contact among its skills;
- ``AgentGroup.schedule[i]`` agents are on shift in interval i; an agent leaving mid-contact
  finishes it first; after the last interval the last staffing stays until the queues drain;
- chat: an agent holds up to ``concurrency`` contacts. ``slots`` model: each chat lasts its work
  × (1 + slowdown·(k − 1)) whatever the agent's load (the Erlang model's assumption);
  ``shared`` model: the agent's m current chats each progress at 1/(1 + slowdown·(m − 1)).

Statistics count contacts by the interval they arrived in and skip ``warmup_intervals``.
``replicate`` runs independent replications and gives Student-t confidence intervals.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import simpy
from numpy.typing import NDArray

__all__ = [
    "AgentGroup",
    "Estimate",
    "QueueOutcome",
    "QueueSpec",
    "ReplicationSummary",
    "Scenario",
    "SimulationResult",
    "replicate",
    "simulate",
]

ConcurrencyModel = Literal["slots", "shared"]
_WAITING, _SERVED, _ABANDONED = 0, 1, 2
_EPS = 1e-9


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class QueueSpec:
    """One queue: expected arrivals per interval, handle time, SL threshold, patience.

    ``service_cv`` is the coefficient of variation of handle times: 1 exponential (the Erlang
    assumption), 0 constant, anything else lognormal. ``patience_s`` None means nobody abandons.
    """

    name: str
    calls: tuple[float, ...]
    aht_s: float
    answer_time_s: float = 20.0
    patience_s: float | None = None
    service_cv: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "calls", tuple(float(c) for c in self.calls))
        if any(c < 0 or not math.isfinite(c) for c in self.calls):
            raise ValueError(f"queue {self.name}: calls must be finite and >= 0")
        if not self.aht_s > 0:
            raise ValueError(f"queue {self.name}: aht_s must be > 0")
        if self.answer_time_s < 0:
            raise ValueError(f"queue {self.name}: answer_time_s must be >= 0")
        if self.patience_s is not None and not self.patience_s > 0:
            raise ValueError(f"queue {self.name}: patience_s must be > 0 or None")
        if self.service_cv < 0:
            raise ValueError(f"queue {self.name}: service_cv must be >= 0")


@dataclass(frozen=True)
class AgentGroup:
    """Agents sharing one skill set and one schedule (agents on shift per interval)."""

    name: str
    skills: tuple[str, ...]
    schedule: tuple[int, ...]
    concurrency: int = 1
    slowdown: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "skills", tuple(self.skills))
        object.__setattr__(self, "schedule", tuple(int(n) for n in self.schedule))
        if any(n < 0 for n in self.schedule):
            raise ValueError(f"group {self.name}: schedule must be >= 0")
        if self.concurrency < 1:
            raise ValueError(f"group {self.name}: concurrency must be >= 1")
        if not 0 <= self.slowdown <= 1:
            raise ValueError(f"group {self.name}: slowdown must be in [0, 1]")


@dataclass(frozen=True)
class Scenario:
    """Queues, agent groups and the interval grid they share."""

    interval_s: float
    queues: tuple[QueueSpec, ...]
    groups: tuple[AgentGroup, ...]
    concurrency_model: ConcurrencyModel = "slots"
    warmup_intervals: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "queues", tuple(self.queues))
        object.__setattr__(self, "groups", tuple(self.groups))
        if not self.interval_s > 0:
            raise ValueError("interval_s must be > 0")
        if not self.queues:
            raise ValueError("a scenario needs at least one queue")
        names = [q.name for q in self.queues]
        if len(set(names)) != len(names):
            raise ValueError("queue names must be unique")
        n = len(self.queues[0].calls)
        if any(len(q.calls) != n for q in self.queues) or any(len(g.schedule) != n for g in self.groups):
            raise ValueError("every queue's calls and every group's schedule need one value per interval")
        for g in self.groups:
            unknown = set(g.skills) - set(names)
            if unknown:
                raise ValueError(f"group {g.name}: unknown skills {sorted(unknown)}")
        if self.concurrency_model not in ("slots", "shared"):
            raise ValueError("concurrency_model must be 'slots' or 'shared'")
        if not 0 <= self.warmup_intervals < n:
            raise ValueError("warmup_intervals must leave at least one measured interval")

    @property
    def n_intervals(self) -> int:
        return len(self.queues[0].calls)

    @classmethod
    def single_queue(
        cls,
        *,
        calls: float,
        aht_s: float,
        agents: int,
        interval_s: float,
        intervals: int,
        answer_time_s: float = 20.0,
        patience_s: float | None = None,
        concurrency: int = 1,
        slowdown: float = 0.0,
        concurrency_model: ConcurrencyModel = "slots",
        warmup_intervals: int = 1,
        service_cv: float = 1.0,
    ) -> Scenario:
        """Stationary one-queue scenario, the setting of the Erlang formulas."""
        queue = QueueSpec("q", (calls,) * intervals, aht_s, answer_time_s, patience_s, service_cv)
        group = AgentGroup("agents", ("q",), (agents,) * intervals, concurrency, slowdown)
        return cls(interval_s, (queue,), (group,), concurrency_model, warmup_intervals)

    def with_spike(self, queue: str, factor: float, intervals: Iterable[int] | None = None) -> Scenario:
        """What-if: ``queue`` gets ``factor`` × its calls in ``intervals`` (all when None)."""
        if queue not in {q.name for q in self.queues}:
            raise ValueError(f"unknown queue {queue}")
        chosen = set(range(self.n_intervals) if intervals is None else intervals)
        queues = tuple(
            replace(q, calls=tuple(c * factor if i in chosen else c for i, c in enumerate(q.calls)))
            if q.name == queue
            else q
            for q in self.queues
        )
        return replace(self, queues=queues)

    def with_absence(self, group: str, agents: int, intervals: Iterable[int] | None = None) -> Scenario:
        """What-if: ``agents`` of ``group`` are absent in ``intervals`` (all when None)."""
        if group not in {g.name for g in self.groups}:
            raise ValueError(f"unknown group {group}")
        chosen = set(range(self.n_intervals) if intervals is None else intervals)
        groups = tuple(
            replace(
                g, schedule=tuple(max(0, n - agents) if i in chosen else n for i, n in enumerate(g.schedule))
            )
            if g.name == group
            else g
            for g in self.groups
        )
        return replace(self, groups=groups)


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class QueueOutcome:
    """Counts per arrival interval for one queue (warm-up intervals included; totals skip them)."""

    answer_time_s: float
    warmup_intervals: int
    offered: NDArray[np.int64]
    answered: NDArray[np.int64]
    answered_within: NDArray[np.int64]
    abandoned: NDArray[np.int64]
    abandoned_within: NDArray[np.int64]
    waited: NDArray[np.int64]
    unresolved: NDArray[np.int64]
    wait_answered_s: NDArray[np.float64]

    def _total(self, values: NDArray) -> float:
        return float(values[self.warmup_intervals :].sum())

    @property
    def service_level(self) -> float:
        """Answered within T ÷ offered (abandons and contacts never answered count as failures)."""
        return _ratio(self._total(self.answered_within), self._total(self.offered))

    @property
    def service_level_answered(self) -> float:
        """Answered within T ÷ answered."""
        return _ratio(self._total(self.answered_within), self._total(self.answered))

    @property
    def abandon_probability(self) -> float:
        return _ratio(self._total(self.abandoned), self._total(self.offered))

    @property
    def probability_wait(self) -> float:
        """Share of offered contacts that found no free agent."""
        return _ratio(self._total(self.waited), self._total(self.offered))

    @property
    def asa_s(self) -> float:
        """Mean wait of answered contacts."""
        return _ratio(self._total(self.wait_answered_s), self._total(self.answered))

    def interval_service_level(self) -> NDArray[np.float64]:
        """Service level (offered basis) per arrival interval; nan where nothing arrived."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.offered > 0, self.answered_within / np.maximum(self.offered, 1), np.nan)


@dataclass(frozen=True)
class SimulationResult:
    """One run: outcomes per queue and slot occupancy per agent group (measured window)."""

    queues: dict[str, QueueOutcome]
    occupancy: dict[str, float]


@dataclass(frozen=True)
class Estimate:
    """Mean over replications with a two-sided Student-t confidence interval."""

    mean: float
    half_width: float
    samples: tuple[float, ...] = field(repr=False)

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    def contains(self, value: float, *, slack: float = 0.0) -> bool:
        """Whether ``value`` lies in the interval widened by ``slack`` on both sides."""
        return self.low - slack <= value <= self.high + slack


@dataclass(frozen=True)
class ReplicationSummary:
    """Per-queue and per-group estimates over independent replications."""

    queues: dict[str, dict[str, Estimate]]
    occupancy: dict[str, Estimate]
    runs: tuple[SimulationResult, ...] = field(repr=False)


QUEUE_MEASURES = (
    "service_level",
    "service_level_answered",
    "abandon_probability",
    "probability_wait",
    "asa_s",
)


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


# --------------------------------------------------------------------------- engine


class _Customer:
    __slots__ = ("arrival", "interval", "patience", "queue", "state", "work")

    def __init__(self, queue: int, arrival: float, interval: int, work: float, patience: float) -> None:
        self.queue = queue
        self.arrival = arrival
        self.interval = interval
        self.work = work
        self.patience = patience
        self.state = _WAITING


class _Agent:
    __slots__ = ("chats", "generation", "group", "last_update", "leaving", "load")

    def __init__(self, group: _Group) -> None:
        self.group = group
        self.load = 0
        self.leaving = False
        self.chats: list[list] = []  # shared model: [remaining work, customer]
        self.last_update = 0.0
        self.generation = 0


class _Group:
    __slots__ = (
        "active",
        "busy",
        "busy_area",
        "k",
        "last_change",
        "leaving",
        "name",
        "queues",
        "slowdown",
        "stretch",
        "vacant",
    )

    def __init__(self, spec: AgentGroup, queue_index: dict[str, int]) -> None:
        self.name = spec.name
        self.k = spec.concurrency
        self.slowdown = spec.slowdown
        self.stretch = 1.0 + spec.slowdown * (spec.concurrency - 1)
        self.queues = tuple(queue_index[s] for s in spec.skills)
        # vacant[m]: on-shift agents with load m < k, in insertion order (dict as ordered set)
        self.vacant: list[dict[_Agent, None]] = [{} for _ in range(self.k)]
        self.active: dict[_Agent, None] = {}  # on shift and not leaving
        self.leaving: dict[_Agent, None] = {}  # shift over, finishing their contacts
        self.busy = 0
        self.busy_area = 0.0
        self.last_change = 0.0


class _Engine:
    """One replication; all randomness drawn up front with numpy for speed and reproducibility."""

    def __init__(self, scenario: Scenario, rng: np.random.Generator) -> None:
        self.sc = scenario
        self.rng = rng
        self.env = simpy.Environment()
        self.iv = scenario.interval_s
        self.window = (scenario.warmup_intervals * self.iv, scenario.n_intervals * self.iv)
        names = {q.name: i for i, q in enumerate(scenario.queues)}
        self.groups = [_Group(g, names) for g in scenario.groups]
        # groups serving each queue, specialists (fewest skills) first
        self.servers: list[list[_Group]] = [
            sorted((g for g in self.groups if qi in g.queues), key=lambda g: len(g.queues))
            for qi in range(len(names))
        ]
        self.waiting: list[deque[_Customer]] = [deque() for _ in scenario.queues]
        n_q, n_i = len(scenario.queues), scenario.n_intervals
        self.counts = {
            k: np.zeros((n_q, n_i), dtype=np.int64)
            for k in ("offered", "answered", "answered_within", "abandoned", "abandoned_within", "waited")
        }
        self.wait_sum = np.zeros((n_q, n_i))
        self.threshold = [q.answer_time_s + _EPS for q in scenario.queues]
        self.shared = scenario.concurrency_model == "shared"

    # ---- setup
    def _draw_arrivals(self) -> Iterator[_Customer]:
        customers: list[_Customer] = []
        for qi, q in enumerate(self.sc.queues):
            counts = self.rng.poisson(np.asarray(q.calls))
            total = int(counts.sum())
            interval = np.repeat(np.arange(len(q.calls)), counts)
            times = (interval + self.rng.random(total)) * self.iv
            work = _draw_service(self.rng, q.aht_s, q.service_cv, total)
            patience = (
                self.rng.exponential(q.patience_s, total)
                if q.patience_s is not None
                else np.full(total, np.inf)
            )
            customers.extend(
                _Customer(qi, float(t), int(i), float(w), float(p))
                for t, i, w, p in zip(times, interval, work, patience, strict=True)
            )
        customers.sort(key=lambda c: c.arrival)
        return iter(customers)

    def run(self) -> SimulationResult:
        self.env.process(self._shifts())
        self.env.process(self._arrivals(self._draw_arrivals()))
        self.env.run()
        end = max(self.env.now, self.window[1])
        for g in self.groups:
            self._account(g, end)
        return self._result()

    def _arrivals(self, customers: Iterator[_Customer]):
        env = self.env
        for c in customers:
            yield env.timeout(c.arrival - env.now)
            self._arrive(c)

    def _shifts(self):
        for i in range(self.sc.n_intervals):
            for g, spec in zip(self.groups, self.sc.groups, strict=True):
                self._staff(g, spec.schedule[i])
            yield self.env.timeout(self.iv)

    # ---- bookkeeping
    def _account(self, g: _Group, now: float) -> None:
        lo, hi = self.window
        overlap = min(now, hi) - max(g.last_change, lo)
        if overlap > 0:
            g.busy_area += g.busy * overlap
        g.last_change = now

    def _set_load(self, agent: _Agent, load: int) -> None:
        g = agent.group
        if agent.load < g.k:
            g.vacant[agent.load].pop(agent, None)
        self._account(g, self.env.now)
        g.busy += load - agent.load
        agent.load = load
        if not agent.leaving and load < g.k:
            g.vacant[load][agent] = None

    # ---- staffing
    def _staff(self, g: _Group, target: int) -> None:
        current = len(g.active)
        if target > current:
            # agents still finishing their last contacts stay on rather than new ones log on
            back = list(g.leaving)[: target - current]
            for a in back:
                del g.leaving[a]
                a.leaving = False
                g.active[a] = None
                if a.load < g.k:
                    g.vacant[a.load][a] = None
                self._fill(a)
            for _ in range(target - current - len(back)):
                a = _Agent(g)
                a.last_update = self.env.now
                g.active[a] = None
                g.vacant[0][a] = None
                self._fill(a)
        elif target < current:
            # idle agents go first; busy ones finish their contacts, then leave
            for a in sorted(g.active, key=lambda a: a.load)[: current - target]:
                del g.active[a]
                if a.load < g.k:
                    g.vacant[a.load].pop(a, None)
                if a.load > 0:
                    a.leaving = True
                    g.leaving[a] = None

    def _fill(self, agent: _Agent) -> None:
        """Give a free agent waiting contacts until its slots are full or the queues are empty."""
        while not agent.leaving and agent.load < agent.group.k:
            c = self._next_waiting(agent.group)
            if c is None:
                return
            self._start(c, agent)

    def _next_waiting(self, g: _Group) -> _Customer | None:
        best: _Customer | None = None
        best_q: deque[_Customer] | None = None
        for qi in g.queues:
            dq = self.waiting[qi]
            while dq and dq[0].state != _WAITING:
                dq.popleft()
            if dq and (best is None or dq[0].arrival < best.arrival):
                best, best_q = dq[0], dq
        if best_q is not None:
            best_q.popleft()
        return best

    # ---- contacts
    def _arrive(self, c: _Customer) -> None:
        self.counts["offered"][c.queue, c.interval] += 1
        for g in self.servers[c.queue]:
            for bucket in g.vacant:
                if bucket:
                    self._start(c, next(iter(bucket)))
                    return
        self.counts["waited"][c.queue, c.interval] += 1
        self.waiting[c.queue].append(c)
        if math.isfinite(c.patience):
            self.env.timeout(c.patience).callbacks.append(lambda _ev, c=c: self._abandon(c))

    def _abandon(self, c: _Customer) -> None:
        if c.state != _WAITING:
            return
        c.state = _ABANDONED
        self.counts["abandoned"][c.queue, c.interval] += 1
        if c.patience <= self.threshold[c.queue]:
            self.counts["abandoned_within"][c.queue, c.interval] += 1

    def _start(self, c: _Customer, agent: _Agent) -> None:
        c.state = _SERVED
        wait = self.env.now - c.arrival
        self.counts["answered"][c.queue, c.interval] += 1
        self.wait_sum[c.queue, c.interval] += wait
        if wait <= self.threshold[c.queue]:
            self.counts["answered_within"][c.queue, c.interval] += 1
        g = agent.group
        if self.shared and g.k > 1:
            self._advance(agent)
            self._set_load(agent, agent.load + 1)
            agent.chats.append([c.work, c])
            self._reschedule(agent)
        else:
            self._set_load(agent, agent.load + 1)
            self.env.timeout(c.work * g.stretch).callbacks.append(lambda _ev, a=agent: self._finish(a))

    def _finish(self, agent: _Agent) -> None:
        self._set_load(agent, agent.load - 1)
        if agent.leaving:
            if agent.load == 0:
                del agent.group.leaving[agent]
            return
        self._fill(agent)

    # ---- shared concurrency (processor-sharing-like progress)
    def _speed(self, agent: _Agent) -> float:
        m = len(agent.chats)
        return 1.0 / (1.0 + agent.group.slowdown * (m - 1)) if m else 0.0

    def _advance(self, agent: _Agent) -> None:
        now = self.env.now
        if agent.chats:
            done = (now - agent.last_update) * self._speed(agent)
            for chat in agent.chats:
                chat[0] -= done
        agent.last_update = now

    def _reschedule(self, agent: _Agent) -> None:
        agent.generation += 1
        if not agent.chats:
            return
        remaining = min(chat[0] for chat in agent.chats)
        delay = max(remaining, 0.0) / self._speed(agent)
        generation = agent.generation
        self.env.timeout(delay).callbacks.append(lambda _ev: self._shared_done(agent, generation))

    def _shared_done(self, agent: _Agent, generation: int) -> None:
        if generation != agent.generation:
            return
        self._advance(agent)
        k = min(range(len(agent.chats)), key=lambda i: agent.chats[i][0])
        agent.chats.pop(k)
        self._reschedule(agent)
        self._finish(agent)

    # ---- results
    def _result(self) -> SimulationResult:
        outcomes: dict[str, QueueOutcome] = {}
        for qi, q in enumerate(self.sc.queues):
            unresolved = np.zeros(self.sc.n_intervals, dtype=np.int64)
            for c in self.waiting[qi]:
                if c.state == _WAITING:
                    unresolved[c.interval] += 1
            outcomes[q.name] = QueueOutcome(
                answer_time_s=q.answer_time_s,
                warmup_intervals=self.sc.warmup_intervals,
                offered=self.counts["offered"][qi].copy(),
                answered=self.counts["answered"][qi].copy(),
                answered_within=self.counts["answered_within"][qi].copy(),
                abandoned=self.counts["abandoned"][qi].copy(),
                abandoned_within=self.counts["abandoned_within"][qi].copy(),
                waited=self.counts["waited"][qi].copy(),
                unresolved=unresolved,
                wait_answered_s=self.wait_sum[qi].copy(),
            )
        occupancy: dict[str, float] = {}
        w = self.sc.warmup_intervals
        for g, spec in zip(self.groups, self.sc.groups, strict=True):
            staffed = sum(spec.schedule[w:]) * spec.concurrency * self.iv
            occupancy[g.name] = _ratio(g.busy_area, staffed)
        return SimulationResult(queues=outcomes, occupancy=occupancy)


def _draw_service(rng: np.random.Generator, mean: float, cv: float, size: int) -> NDArray[np.float64]:
    if cv == 0:
        return np.full(size, mean)
    if cv == 1:
        return rng.exponential(mean, size)
    sigma2 = math.log1p(cv * cv)
    return rng.lognormal(math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2), size)


# --------------------------------------------------------------------------- API


def simulate(scenario: Scenario, *, seed: int | np.random.SeedSequence = 0) -> SimulationResult:
    """Run one replication of ``scenario``; the same seed gives the same result."""
    return _Engine(scenario, np.random.default_rng(seed)).run()


def replicate(
    scenario: Scenario, *, replications: int = 10, seed: int = 0, confidence: float = 0.95
) -> ReplicationSummary:
    """Independent replications (seeds spawned from ``seed``) with Student-t intervals."""
    if replications < 2:
        raise ValueError("replications must be >= 2 for a confidence interval")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be in (0, 1)")
    seeds = np.random.SeedSequence(seed).spawn(replications)
    runs = tuple(simulate(scenario, seed=s) for s in seeds)
    queues = {
        q.name: {
            m: _estimate([getattr(r.queues[q.name], m) for r in runs], confidence) for m in QUEUE_MEASURES
        }
        for q in scenario.queues
    }
    occupancy = {g.name: _estimate([r.occupancy[g.name] for r in runs], confidence) for g in scenario.groups}
    return ReplicationSummary(queues=queues, occupancy=occupancy, runs=runs)


def _estimate(samples: Sequence[float], confidence: float) -> Estimate:
    values = np.asarray([s for s in samples if math.isfinite(s)], dtype=float)
    if len(values) < 2:
        mean = float(values.mean()) if len(values) else math.nan
        return Estimate(mean, math.inf, tuple(samples))
    from scipy import stats  # here, not at import: scipy.stats costs a second of every start

    sd = float(values.std(ddof=1))
    t = float(stats.t.ppf(0.5 + confidence / 2.0, len(values) - 1))
    return Estimate(float(values.mean()), t * sd / math.sqrt(len(values)), tuple(samples))
