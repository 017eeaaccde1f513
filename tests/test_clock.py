"""The replay clock sets the time for one block only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.core import clock


def test_at_sets_and_restores_the_time() -> None:
    moment = timezone.make_aware(dt.datetime(2026, 11, 11, 20, 0))
    with clock.at(moment):
        assert clock.now() == moment
        with clock.at(moment + dt.timedelta(minutes=5)):
            assert clock.now() == moment + dt.timedelta(minutes=5)
        assert clock.now() == moment
    assert abs((clock.now() - timezone.now()).total_seconds()) < 5


def test_at_refuses_naive_times() -> None:
    with pytest.raises(ValueError), clock.at(dt.datetime(2026, 1, 1)):
        pass
