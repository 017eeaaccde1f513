"""PostgreSQL commits sequence ids out of order: the sealer must not seal past a transaction
that still holds a lower id (the reason for the horizon). Run with DATABASE_URL=postgres://…"""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from django.db import connection

from kefu.analytics import chain_selectors, sealing
from kefu.analytics.models import EventSeal
from kefu.analytics.tests.conftest import Emit
from kefu.testing.plugin import Tenants

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="sequence ids commit out of order on PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]

AT = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)


def _other_session() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"] or None,
        port=settings["PORT"] or None, password=settings["PASSWORD"] or None,
    )  # fmt: skip


def test_a_lower_id_still_in_flight_holds_the_sealer_back(tenants: Tenants, emit: Emit) -> None:
    emit("a", AT)
    with _other_session() as other:
        # given: another transaction draws the next id and has not committed
        other.execute(
            "INSERT INTO analytics_contactevent (provider_id, client_id, type, at, conversation_id,"
            " channel, data) VALUES (%s, %s, 'message_in', %s, 1, 'chat', '{}') RETURNING id",
            (tenants.pa.pk, tenants.ca1.pk, AT),
        )
        # and a higher id commits before it
        higher = emit("a", AT)

        # when the sealer runs with no lag, it seals nothing: the other transaction was running
        held = sealing.seal_pending(lag=0)
        assert held.sealed == 0
        other.commit()

    # then, once the lower id committed, what gets sealed is in id order with nothing below the head.
    # (Sealing may still wait here: any transaction of the cluster that was running when the horizon
    # was taken holds it back, and other test databases share this server, so only the invariant is
    # asserted: whatever is sealed verifies.)
    sealing.seal_pending(lag=0)
    sealing.seal_pending(lag=0)
    sealed = list(
        EventSeal.objects.for_scope(sealing.SYSTEM).order_by("seq").values_list("event_id", flat=True)
    )
    assert sealed == sorted(sealed)
    assert all(check.outcome.broken is None for check in chain_selectors.chains_verify())
    if higher.pk in sealed:
        assert len(sealed) == 3
