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

    # then, once the lower id committed, everything is sealed in id order and verifies
    # (transactions of other databases on the same server are not waited for)
    sealing.seal_pending(lag=0)
    sealed = list(
        EventSeal.objects.for_scope(sealing.SYSTEM).order_by("seq").values_list("event_id", flat=True)
    )
    assert len(sealed) == 3 and sealed == sorted(sealed) and higher.pk == sealed[-1]
    assert all(check.outcome.broken is None for check in chain_selectors.chains_verify())


def test_a_horizon_waits_for_a_running_transaction_of_this_database(tenants: Tenants) -> None:
    """Any transaction of this database might hold an id of its sequence, even before writing."""
    with _other_session() as other:
        other.execute("SELECT 1")  # an open transaction, which might have drawn an id already
        horizon = sealing.horizon_take()
        assert not sealing._transactions_ended(horizon.pg_running)  # waited for
        other.rollback()
        assert sealing._transactions_ended(horizon.pg_running)
        other.execute("SELECT 1")  # the same session's next transaction is another one
        assert sealing._transactions_ended(horizon.pg_running)
        other.rollback()
