"""One place to ask the time.

Tests move it with time-machine. `clock.at(moment)` sets it for the current context: the
demo loader and history imports replay past activity through the same services, so every
row and event carries the time it happened, not the time it was loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_replayed_now: ContextVar[datetime | None] = ContextVar("kefu_replayed_now", default=None)


def now() -> datetime:
    replayed = _replayed_now.get()
    return replayed if replayed is not None else timezone.now()


@contextmanager
def at(moment: datetime) -> Iterator[datetime]:
    """Act as if it were `moment` (aware) inside the block."""
    if timezone.is_naive(moment):
        raise ValueError("clock.at needs an aware datetime")
    token = _replayed_now.set(moment)
    try:
        yield moment
    finally:
        _replayed_now.reset(token)
