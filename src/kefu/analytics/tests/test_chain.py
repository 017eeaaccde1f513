"""The pure chain: canonical form, links, and the verification walk on hand-built chains."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.analytics import chain


def _event(id: int, **changes: Any) -> dict[str, Any]:
    event = {
        "id": id,
        "type": "message_in",
        "at": datetime(2026, 12, 5, 16, 0, 0, 4, tzinfo=UTC) + timedelta(seconds=id),
        "conversation_id": 7,
        "case_id": None,
        "channel": "chat",
        "queue": "售前",
        "agent_id": None,
        "actor_id": None,
        "value_s": None,
        "value_business_s": None,
        "data": {"seq": id},
        "provider_id": 1,
        "client_id": 2,
    }
    return {**event, **changes}


def _sealed(events: list[dict[str, Any]]) -> list[chain.Seal]:
    seals, previous = [], chain.GENESIS
    for seq, event in enumerate(events, 1):
        body = chain.canonical(event)
        previous = chain.link(previous, body)
        seals.append(chain.Seal(seq, event["id"], chain.event_hash(body), previous))
    return seals


def test_the_canonical_form_is_sorted_compact_ascii_json_of_every_field() -> None:
    body = chain.canonical(_event(1, value_s=0.1, data={"b": [1, 2.5, {"z": None, "a": "退款"}], "a": True}))

    assert body == (
        b'{"actor_id":null,"agent_id":null,"at":"2026-12-05T16:00:01.000004Z","case_id":null,'
        b'"channel":"chat","client_id":2,"conversation_id":7,'
        b'"data":{"a":true,"b":[1,2.5,{"a":"\\u9000\\u6b3e","z":null}]},"id":1,"provider_id":1,'
        b'"queue":"\\u552e\\u524d","type":"message_in","value_business_s":null,"value_s":0.1}'
    )


def test_the_time_is_utc_whatever_the_zone_it_was_read_in() -> None:
    shanghai = timezone(timedelta(hours=8))
    at = datetime(2026, 12, 6, 0, 0, 1, tzinfo=shanghai)

    assert chain.format_at(at) == "2026-12-05T16:00:01.000000Z"
    assert chain.canonical(_event(1, at=at)) == chain.canonical(_event(1, at=at.astimezone(UTC)))
    with pytest.raises(ValueError, match="aware"):
        chain.format_at(datetime(2026, 12, 6))


def test_durations_are_floats_whichever_type_the_database_gave() -> None:
    assert chain.canonical(_event(1, value_s=3)) == chain.canonical(_event(1, value_s=3.0))


def test_a_missing_field_is_refused_rather_than_hashed() -> None:
    event = _event(1)
    del event["actor_id"]
    with pytest.raises(ValueError, match="actor_id"):
        chain.canonical(event)


def test_the_link_is_sha256_of_the_previous_links_bytes_and_the_canonical_event() -> None:
    body = chain.canonical(_event(1))

    assert chain.link(chain.GENESIS, body) == hashlib.sha256(bytes(32) + body).hexdigest()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@given(data=st.dictionaries(st.text(max_size=8), json_values, max_size=5), value=st.floats(allow_nan=False))
def test_an_export_reread_by_any_json_reader_hashes_the_same(data: dict[str, Any], value: float) -> None:
    """What the client does: read the exported event back as JSON and re-encode it."""
    event = _event(1, data=data, value_s=value)
    exported = json.dumps(chain.event_object(event), ensure_ascii=False)

    reread = json.loads(exported)

    assert json.dumps(reread, sort_keys=True, separators=(",", ":")).encode() == chain.canonical(event)
    assert chain.canonical(reread) == chain.canonical(event)


@given(data=st.dictionaries(st.text(max_size=8), json_values, max_size=5))
def test_key_order_does_not_change_the_canonical_form(data: dict[str, Any]) -> None:
    reversed_data = dict(reversed(list(data.items())))

    assert chain.canonical(_event(1, data=data)) == chain.canonical(_event(1, data=reversed_data))


def test_an_intact_chain_verifies_and_reports_its_head_and_pending_events() -> None:
    events = [_event(i) for i in (3, 5, 9)]
    seals = _sealed(events[:2])

    outcome = chain.verify(events, seals, [chain.Checkpoint("d", 2, seals[1].link_hash, 5)])

    assert outcome.broken is None
    assert (outcome.sealed, outcome.head, outcome.last_event_id, outcome.pending) == (
        2,
        seals[1].link_hash,
        5,
        1,
    )


@pytest.mark.parametrize(
    ("tamper", "kind", "seq", "event_id"),
    [
        ("edit", chain.EVENT_EDITED, 2, 5),
        ("delete", chain.EVENT_MISSING, 2, 5),
        ("insert", chain.EVENT_INSERTED, 3, 6),
        ("swap_contents", chain.EVENT_EDITED, 2, 5),
        ("edit_seal_link", chain.SEAL_EDITED, 3, 9),
        ("delete_seal", chain.SEAL_MISSING, 2, 9),
        ("swap_seals", chain.EVENT_INSERTED, 2, 5),  # seq 2 now seals 9: 5 lies unsealed below it
        ("delete_last_seal", chain.SEAL_MISSING, 4, 11),
    ],
)
def test_each_kind_of_tampering_names_the_first_broken_link(
    tamper: str, kind: str, seq: int, event_id: int
) -> None:
    events = [_event(i) for i in (3, 5, 9, 11)]
    seals = _sealed(events)
    checkpoints = [chain.Checkpoint("d", 4, seals[3].link_hash, 11)]
    if tamper == "edit":
        events[1] = _event(5, value_s=12.0)
    elif tamper == "delete":
        del events[1]
    elif tamper == "insert":
        events.insert(2, _event(6))
    elif tamper == "swap_contents":
        events[1], events[2] = {**events[2], "id": 5}, {**events[1], "id": 9}
    elif tamper == "edit_seal_link":
        seals[2] = chain.Seal(3, 9, seals[2].event_hash, "f" * 64)
    elif tamper == "delete_seal":
        del seals[1]
    elif tamper == "swap_seals":
        seals[1], seals[2] = chain.Seal(2, 9, "", ""), chain.Seal(3, 5, "", "")
    elif tamper == "delete_last_seal":
        seals.pop()

    broken = chain.verify(events, seals, checkpoints).broken

    assert broken is not None
    assert (broken.kind, broken.seq, broken.event_id) == (kind, seq, event_id)


def test_a_rewritten_chain_disagrees_with_the_clients_digest() -> None:
    """A provider that edits an event and re-seals everything still cannot match the old head."""
    events = [_event(i) for i in (3, 5, 9)]
    digest = chain.Checkpoint("2026-12-05", 3, _sealed(events)[2].link_hash, 9)
    events[0] = _event(3, type="message_out")

    broken = chain.verify(events, _sealed(events), [digest]).broken

    assert broken is not None and (broken.kind, broken.seq) == (chain.DIGEST_MISMATCH, 3)
