"""A floor for tenant A: queues of both its clients (家居 and 美妆), one of provider B's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from kefu.routing import services as routing_services
from kefu.testing.plugin import Tenants


@dataclass
class Floor:
    t: Tenants
    home_chat: Any  # ca1
    home_after: Any  # ca1
    beauty_chat: Any  # ca2
    other_chat: Any  # provider B's client

    @property
    def lead(self) -> Any:
        return self.t.scope("pa", "supervisor")


@pytest.fixture
def floor(tenants: Tenants) -> Floor:
    lead = tenants.scope("pa", "supervisor")
    make = routing_services.queue_create
    return Floor(
        t=tenants,
        home_chat=make(lead, client_id=tenants.ca1.pk, name="家居-在线", sl_target_seconds=30),
        home_after=make(lead, client_id=tenants.ca1.pk, name="家居-售后"),
        beauty_chat=make(lead, client_id=tenants.ca2.pk, name="美妆-在线"),
        other_chat=make(tenants.scope("pb", "supervisor"), client_id=tenants.cb.pk, name="乙-在线"),
    )
