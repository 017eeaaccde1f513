"""Fixtures of the analytics tests: the metrics' hand-built day, and raw events of two tenants
written as the desk writes them (`events.emit`) for the chain tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from kefu.analytics import events, rollup_selectors
from kefu.analytics.models import ContactEvent
from kefu.analytics.tests.builders import Day, seven_conversations
from kefu.testing.plugin import Tenants

Emit = Callable[..., ContactEvent]


@pytest.fixture
def day(tenants: Tenants) -> Day:
    """Seven conversations around the local day 2026-03-02 (see `builders.seven_conversations`)."""
    return seven_conversations(tenants)


@pytest.fixture
def emit(tenants: Tenants) -> Emit:
    """`emit(org_pair, at, **fields)`: one event of tenant pair "a" (pa → ca1) or "b" (pb → cb)."""
    pairs = {"a": (tenants.pa, tenants.ca1), "b": (tenants.pb, tenants.cb)}

    def write(pair: str, at: datetime, type: str = "message_in", **fields: Any) -> ContactEvent:
        provider, client = pairs[pair]
        conversation = SimpleNamespace(
            pk=fields.pop("conversation_id", 1),
            provider_id=provider.pk,
            client_id=client.pk,
            channel="chat",
            queue="售后",
        )
        return events.emit(None, type, conversation=conversation, at=at, **fields)

    return write


@pytest.fixture(autouse=True)
def _fresh_threshold_sources() -> None:
    """Threshold sources that keep their answer a while (reports' queue thresholds) start afresh in
    each test: a queue of an earlier test must not add a threshold to this one's rollups."""
    for source in rollup_selectors._threshold_sources.values():
        clear = getattr(source, "cache_clear", None)
        if clear is not None:
            clear()
