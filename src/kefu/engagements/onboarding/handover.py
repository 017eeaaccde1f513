"""The planned split of a queue when a provider's handover share changes: pure.

The provider takes its phase's share; the other providers on the queue keep their proportions
of what is left, rounded by largest remainder so the split still adds up to 100. With nobody
else on the queue there is no one to keep the rest, so the provider gets all of it (the caller
reports that the phase could not be honoured there).
"""

from __future__ import annotations

from collections.abc import Mapping


def split(current: Mapping[int, int], *, provider_id: int, share: int) -> dict[int, int]:
    """The new planned shares (provider id → whole percent, summing to 100)."""
    if not 0 <= share <= 100:
        raise ValueError("share out of range")
    others = {p: max(0, v) for p, v in current.items() if p != provider_id}
    if not others:
        return {provider_id: 100}
    rest = 100 - share
    weight = sum(others.values())
    if weight == 0:
        weights = dict.fromkeys(others, 1)
        weight = len(others)
    else:
        weights = others
    exact = {p: rest * w / weight for p, w in weights.items()}
    result = {p: int(v) for p, v in exact.items()}
    left = rest - sum(result.values())
    for p in sorted(exact, key=lambda p: (-(exact[p] - result[p]), p))[:left]:
        result[p] += 1
    result[provider_id] = share
    return {p: v for p, v in result.items() if v > 0 or p == provider_id}
