"""Fixtures of the analytics tests."""

from __future__ import annotations

import pytest

from kefu.analytics.tests.builders import Day, seven_conversations
from kefu.testing.plugin import Tenants


@pytest.fixture
def day(tenants: Tenants) -> Day:
    """Seven conversations around the local day 2026-03-02 (see `builders.seven_conversations`)."""
    return seven_conversations(tenants)
