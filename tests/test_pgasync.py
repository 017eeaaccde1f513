"""JSON rows carry the values each field's own database preparation gives, whatever path they take."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.db.models import Model
from psycopg.types.json import Jsonb

from kefu.analytics.events import ContactEvent, EventType
from kefu.core import pgasync
from kefu.desk.models import Customer, Delivery, Message


def _prepared_by_each_field(rows: pgasync.JsonRows, objs: list[Model], *, adding: bool) -> str:
    """The reference: every value through `pre_save` and `get_db_prep_save`, as `bulk_create` does."""
    wrapper = pgasync._ops("default")
    expected = []
    for ord, obj in enumerate(objs):
        row: dict[str, Any] = {"ord": ord}
        for field in rows.fields:
            value = field.pre_save(obj, True) if adding else getattr(obj, field.attname)
            value = field.get_db_prep_save(value, connection=wrapper)
            row[field.column] = value.obj if isinstance(value, Jsonb) else value
        expected.append(row)
    return json.dumps(expected, ensure_ascii=False, default=pgasync._json_value, separators=(",", ":"))


@pytest.mark.skipif(
    not pgasync.available(), reason="JSON rows are PostgreSQL's (its backend prepares the values)"
)
def test_json_rows_hold_what_each_fields_database_preparation_gives() -> None:
    at = datetime.datetime(2026, 12, 5, 20, 15, 0, 123456, tzinfo=datetime.UTC)
    messages = [
        Message(
            provider_id=1, client_id=2, conversation_id=3, seq=7, direction="in", author_id=None,
            body="您好，订单 2026112512345678", redactions=[{"kind": "card"}], channel_data={"shop": "悦家"},
            external_id="m-1", delivery=Delivery.RECEIVED, created_at=at,
        ),
        Message(
            provider_id=1, client_id=2, conversation_id=3, seq=True, direction="out", author_id=9,
            body="", redactions=[], channel_data={}, external_id="", delivery="sent", created_at=at,
        ),
    ]  # fmt: skip
    events = [
        ContactEvent(
            type=EventType.MESSAGE_IN, at=at, provider_id=1, client_id=2, conversation_id=3, channel="api",
            queue=None, value_s=1, value_business_s=2.5, data={"seq": 7, "at": at},
        ),
    ]  # fmt: skip
    customers = [
        Customer(provider_id=1, client_id=2, name="王小明", phone="13812345678", email="", address="")
    ]

    for model, objs in [(Message, messages), (ContactEvent, events)]:
        rows = pgasync.JsonRows.for_insert(model)
        assert rows.dumps(objs, adding=True) == _prepared_by_each_field(rows, objs, adding=True)
        rows = pgasync.JsonRows.for_update(model, [f.name for f in rows.fields[:4]])
        assert rows.dumps(objs) == _prepared_by_each_field(rows, objs, adding=False)

    sent = json.loads(pgasync.JsonRows.for_insert(Message).dumps(messages, adding=True))
    assert (
        sent[1]["seq"] == 1
        and sent[0]["delivery"] == "received"
        and sent[0]["created_at"] == "2026-12-05T20:15:00.123456+00:00"
    )
    # A field class of the project's own converts every value (encryption is not reproducible).
    customer = json.loads(pgasync.JsonRows.for_insert(Customer).dumps(customers, adding=True))[0]
    assert customer["phone"] and "13812345678" not in json.dumps(customer, ensure_ascii=False)
    assert customer["client_id"] == 2
