"""Side-by-side scoring of providers' quotes on one RFQ, with the client's weights (pure, no Django).

Every criterion becomes a score in [0, 1] where 1 is the best among the candidates: price as
cheapest / this (a quote twice as dear scores half), expected and measured service level as this /
best, and the client's own 0–5 ratings (qualifications, references, data-security posture) as
rating / 5. A criterion no candidate has a figure for (no incumbent has a measured record) drops
out and the other weights are rescaled, so a missing figure neither helps nor hurts anyone; a
single candidate without the figure others have scores 0 on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CRITERIA = ("price", "service_level", "qualifications", "references", "security", "measured")
DEFAULT_WEIGHTS = {
    "price": 35,
    "service_level": 20,
    "qualifications": 10,
    "references": 10,
    "security": 15,
    "measured": 10,
}
RATING_MAX = 5


@dataclass(frozen=True)
class Candidate:
    key: int
    monthly_price: float | None  # None: no quote sent yet
    service_level: float | None
    qualifications: float | None = None
    references: float | None = None
    security: float | None = None
    measured: float | None = None  # measured service level of an incumbent, 0–1


@dataclass(frozen=True)
class Scored:
    key: int
    scores: dict[str, float | None]
    total: float | None
    rank: int | None = None
    used: dict[str, float] = field(default_factory=dict)


def _raw(c: Candidate, criterion: str) -> float | None:
    return {
        "price": c.monthly_price,
        "service_level": c.service_level,
        "qualifications": c.qualifications,
        "references": c.references,
        "security": c.security,
        "measured": c.measured,
    }[criterion]


def score(candidates: list[Candidate], weights: dict[str, float]) -> list[Scored]:
    """Scores per criterion, the weighted total in [0, 100] and a rank (1 best; ties share)."""
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights must not be negative")
    quoted = [c for c in candidates if c.monthly_price is not None]
    per: dict[int, dict[str, float | None]] = {c.key: {} for c in candidates}
    present: list[str] = []
    for criterion in CRITERIA:
        values = [_raw(c, criterion) for c in quoted]
        known = [v for v in values if v is not None]
        if not known:
            for c in candidates:
                per[c.key][criterion] = None
            continue
        present.append(criterion)
        for c in candidates:
            v = _raw(c, criterion)
            if c.monthly_price is None or v is None:
                per[c.key][criterion] = 0.0 if c.monthly_price is not None else None
            elif criterion == "price":
                per[c.key][criterion] = min(known) / v if v > 0 else 1.0
            elif criterion in ("service_level", "measured"):
                best = max(known)
                per[c.key][criterion] = v / best if best > 0 else 1.0
            else:
                per[c.key][criterion] = min(v, RATING_MAX) / RATING_MAX
    weight_sum = sum(weights.get(k, 0) for k in present)
    used = {k: weights.get(k, 0) / weight_sum for k in present} if weight_sum > 0 else {}
    scored = []
    for c in candidates:
        if c.monthly_price is None or not used:
            scored.append(Scored(c.key, per[c.key], None, None, used))
            continue
        total = 100 * sum(used[k] * (per[c.key][k] or 0.0) for k in used)
        scored.append(Scored(c.key, per[c.key], round(total, 1), None, used))
    totals = sorted({s.total for s in scored if s.total is not None}, reverse=True)
    return [
        Scored(
            s.key,
            s.scores,
            s.total,
            None if s.total is None else 1 + sum(t > s.total for t in totals),
            s.used,
        )
        for s in scored
    ]


def compared_option(options: list[dict], target_sl: float) -> dict | None:
    """The option a client compares: the cheapest one expected to meet its target service level,
    else the one with the highest expected level."""
    if not options:
        return None
    meeting = [o for o in options if (o.get("expected_service_level") or 0) >= target_sl]
    if meeting:
        return min(meeting, key=lambda o: float(o["prices"]["seat_month"]["monthly"]))
    return max(options, key=lambda o: o.get("expected_service_level") or 0)
