"""The sealer: appends in id order behind a safe horizon, closes days in the client's time zone,
and `verify` finds every kind of tampering with the first broken link."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from kefu.analytics import chain, chain_selectors, sealing
from kefu.analytics.models import ContactEvent, DailyDigest, EventSeal, SealHorizon
from kefu.analytics.tests.conftest import Emit
from kefu.core.scope import Scope
from kefu.testing.plugin import Tenants

# Shanghai is UTC+8: 2026-12-05 local runs from 12-04 16:00 to 12-05 16:00 UTC.
DAY = date(2026, 12, 5)
MORNING = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def _verify(client_id: int | None = None) -> dict[str, chain.Outcome]:
    return {check.chain_key: check.outcome for check in chain_selectors.chains_verify(client_id=client_id)}


def _key(tenants: Tenants, pair: str = "a") -> str:
    provider, client = (tenants.pa, tenants.ca1) if pair == "a" else (tenants.pb, tenants.cb)
    return chain.chain_key(provider.pk, client.pk)


def test_nothing_is_sealed_before_the_lag_has_passed(tenants: Tenants, emit: Emit) -> None:
    with time_machine.travel(MORNING, tick=False):
        emit("a", MORNING)
        first = sealing.seal_pending(lag=5)
    with time_machine.travel(MORNING + timedelta(seconds=6), tick=False):
        second = sealing.seal_pending(lag=5)

    assert first.sealed == 0
    assert second.sealed == 1


def test_an_event_written_after_the_horizon_waits_for_the_next_one(tenants: Tenants, emit: Emit) -> None:
    with time_machine.travel(MORNING, tick=False):
        emit("a", MORNING)
        sealing.seal_pending(lag=5)  # horizon 1: event 1
    with time_machine.travel(MORNING + timedelta(seconds=3), tick=False):
        later = emit("a", MORNING)  # written after horizon 1 was taken
    with time_machine.travel(MORNING + timedelta(seconds=6), tick=False):
        report = sealing.seal_pending(lag=5)  # horizon 1 usable, horizon 2 (with `later`) not yet

    assert report.sealed == 1
    assert not EventSeal.objects.for_scope(sealing.SYSTEM).filter(event_id=later.pk).exists()
    assert SealHorizon.objects.count() == 2  # the used one (sealed) and the newer one


def test_each_tenant_pair_has_its_own_chain_in_id_order(tenants: Tenants, emit: Emit) -> None:
    written = [emit(pair, MORNING + timedelta(minutes=i)) for i, pair in enumerate("abab")]

    report = sealing.seal_pending(lag=0, batch=3)  # two batches

    assert report.sealed == 4
    seals = EventSeal.objects.for_scope(sealing.SYSTEM).order_by("event_id")
    assert [(s.chain_key, s.seq, s.event_id) for s in seals] == [
        (_key(tenants, "a"), 1, written[0].pk),
        (_key(tenants, "b"), 1, written[1].pk),
        (_key(tenants, "a"), 2, written[2].pk),
        (_key(tenants, "b"), 2, written[3].pk),
    ]
    first = chain.link(chain.GENESIS, chain.canonical(_row(written[0].pk)))
    assert seals[2].link_hash == chain.link(first, chain.canonical(_row(written[2].pk)))
    assert all(o.broken is None and o.sealed == 2 for o in _verify().values())
    assert sealing.seal_pending(lag=0).sealed == 0  # nothing twice


def _row(event_id: int) -> dict[str, object]:
    return ContactEvent.objects.for_scope(sealing.SYSTEM).filter(pk=event_id).values(*chain.FIELDS).get()


def test_a_day_is_closed_in_the_clients_time_zone_once_it_is_over(tenants: Tenants, emit: Emit) -> None:
    before_midnight = datetime(2026, 12, 5, 15, 59, 59, tzinfo=UTC)  # 23:59:59 local
    after_midnight = datetime(2026, 12, 5, 16, 0, 0, tzinfo=UTC)  # 00:00 on the 6th
    with time_machine.travel(after_midnight + timedelta(minutes=1), tick=False):
        first = emit("a", MORNING)
        last = emit("a", before_midnight)
        emit("a", after_midnight)
        sealing.seal_pending(lag=0)
        assert sealing.digests_close() == 1
        assert sealing.digests_close() == 0

    digest = DailyDigest.objects.for_scope(sealing.SYSTEM).get()
    seals = list(EventSeal.objects.for_scope(sealing.SYSTEM).order_by("seq"))
    assert (digest.date, digest.event_count, digest.chain_length, digest.last_event_id, digest.head_hash) == (
        DAY,
        2,
        2,
        last.pk,
        seals[1].link_hash,
    )
    assert digest.tz == "Asia/Shanghai"
    assert seals[0].event_id == first.pk


def test_a_day_without_events_repeats_the_head(tenants: Tenants, emit: Emit) -> None:
    with time_machine.travel(datetime(2026, 12, 8, 0, 0, tzinfo=UTC), tick=False):
        event = emit("a", MORNING)
        sealing.seal_pending(lag=0)
        sealing.digests_close()

    digests = list(DailyDigest.objects.for_scope(sealing.SYSTEM).order_by("date"))
    assert [(d.date.day, d.event_count, d.chain_length, d.last_event_id) for d in digests] == [
        (5, 1, 1, event.pk),
        (6, 0, 1, event.pk),
        (7, 0, 1, event.pk),
    ]
    assert len({d.head_hash for d in digests}) == 1


def test_the_client_time_zone_comes_from_its_service_calendar(tenants: Tenants, emit: Emit) -> None:
    from kefu.desk import services as desk_services

    desk_services.service_calendar_set(tenants.scope("ca1", "client_admin"), tz="Europe/Berlin")
    late_berlin = datetime(2026, 12, 5, 22, 30, tzinfo=UTC)  # 23:30 in Berlin, the 6th in Shanghai
    with time_machine.travel(datetime(2026, 12, 6, 23, 30, tzinfo=UTC), tick=False):
        emit("a", late_berlin)
        sealing.seal_pending(lag=0)
        sealing.digests_close()

    digests = DailyDigest.objects.for_scope(sealing.SYSTEM).order_by("date")
    assert [(d.date, d.tz, d.event_count) for d in digests] == [
        (DAY, "Europe/Berlin", 1),
        (date(2026, 12, 6), "Europe/Berlin", 0),
    ]


def _sealed_chain(emit: Emit, count: int = 4) -> list[ContactEvent]:
    with time_machine.travel(datetime(2026, 12, 6, 0, 0, tzinfo=UTC), tick=False):
        written = [emit("a", MORNING + timedelta(minutes=i), data={"seq": i}) for i in range(count)]
        emit("b", MORNING)
        sealing.seal_pending(lag=0)
        sealing.digests_close()
    return written


def _raw(sql: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _events() -> object:
    return ContactEvent.objects.for_scope(sealing.SYSTEM)


@pytest.mark.parametrize(
    ("field", "value"),
    [("type", "message_out"), ("at", datetime(2026, 12, 5, 2, 0, tzinfo=UTC)), ("value_s", 1.5),
     ("queue", "售前"), ("data", {"seq": 99}), ("conversation_id", 2), ("channel", "email")],
)  # fmt: skip
def test_an_edited_event_breaks_its_link_whatever_the_field(
    tenants: Tenants, emit: Emit, field: str, value: object
) -> None:
    written = _sealed_chain(emit)
    _events().filter(pk=written[1].pk).update(**{field: value})  # bypasses AppendOnly, as raw SQL would

    outcome = _verify()[_key(tenants)]

    assert outcome.broken is not None
    assert (outcome.broken.kind, outcome.broken.seq, outcome.broken.event_id) == (
        chain.EVENT_EDITED,
        2,
        written[1].pk,
    )
    assert _verify()[_key(tenants, "b")].broken is None  # the other tenant's chain is intact


def test_an_event_moved_to_another_client_is_missing_from_its_chain(tenants: Tenants, emit: Emit) -> None:
    written = _sealed_chain(emit)
    _events().filter(pk=written[2].pk).update(client_id=tenants.ca2.pk)

    broken = _verify()[_key(tenants)].broken

    assert broken is not None and (broken.kind, broken.seq) == (chain.EVENT_MISSING, 3)


def test_a_deleted_event_is_named(tenants: Tenants, emit: Emit) -> None:
    written = _sealed_chain(emit)
    _raw("DELETE FROM analytics_contactevent WHERE id = %s", written[2].pk)

    broken = _verify()[_key(tenants)].broken

    assert broken is not None
    assert (broken.kind, broken.seq, broken.event_id) == (chain.EVENT_MISSING, 3, written[2].pk)


def test_an_event_inserted_below_the_head_is_named(tenants: Tenants, emit: Emit) -> None:
    """An unsealed event between two sealed ids: smuggled in, or a commit the sealer's rule missed."""
    with time_machine.travel(datetime(2026, 12, 6, 0, 0, tzinfo=UTC), tick=False):
        first = emit("a", MORNING)
        gap = emit("b", MORNING)  # an id in between, of the other chain
        third = emit("a", MORNING)
        sealing.seal_pending(lag=0)
    _raw("DELETE FROM analytics_contactevent WHERE id = %s", gap.pk)
    EventSeal.objects.for_scope(sealing.SYSTEM).filter(event_id=gap.pk).delete()
    _raw(
        "INSERT INTO analytics_contactevent (id, provider_id, client_id, type, at, conversation_id, channel,"
        " data) VALUES (%s, %s, %s, 'message_in', %s, 1, 'chat', '{}')",
        gap.pk, tenants.pa.pk, tenants.ca1.pk, MORNING,
    )  # fmt: skip

    broken = _verify(tenants.ca1.pk)[_key(tenants)].broken

    assert broken is not None
    assert (broken.kind, broken.seq, broken.event_id) == (chain.EVENT_INSERTED, 2, gap.pk)
    assert first.pk < gap.pk < third.pk


def test_reordered_events_break_at_the_first_of_them(tenants: Tenants, emit: Emit) -> None:
    written = _sealed_chain(emit)
    one, two = written[1].pk, written[2].pk
    _events().filter(pk=two).update(id=-1)
    _events().filter(pk=one).update(id=two)
    _events().filter(pk=-1).update(id=one)

    broken = _verify()[_key(tenants)].broken

    assert broken is not None and (broken.kind, broken.seq, broken.event_id) == (chain.EVENT_EDITED, 2, one)


def test_an_edited_or_deleted_seal_is_named(tenants: Tenants, emit: Emit) -> None:
    _sealed_chain(emit)
    seals = EventSeal.objects.for_scope(sealing.SYSTEM).filter(chain_key=_key(tenants))
    seals.filter(seq=3).update(link_hash="0" * 64)

    broken = _verify()[_key(tenants)].broken
    assert broken is not None and (broken.kind, broken.seq) == (chain.SEAL_EDITED, 3)

    seals.filter(seq=3).delete()  # the queryset delete bypasses AppendOnly
    broken = _verify()[_key(tenants)].broken
    assert broken is not None and (broken.kind, broken.seq) == (chain.SEAL_MISSING, 3)


def test_a_rewritten_tail_disagrees_with_the_days_digest(tenants: Tenants, emit: Emit) -> None:
    """Delete the last event and its seal: the chain looks whole, the digest does not."""
    written = _sealed_chain(emit)
    EventSeal.objects.for_scope(sealing.SYSTEM).filter(event_id=written[-1].pk).delete()
    _raw("DELETE FROM analytics_contactevent WHERE id = %s", written[-1].pk)

    broken = _verify()[_key(tenants)].broken

    assert broken is not None and (broken.kind, broken.seq) == (chain.SEAL_MISSING, 4)


def test_the_appendonly_models_refuse_orm_edits(tenants: Tenants, emit: Emit) -> None:
    _sealed_chain(emit, count=1)
    seal = EventSeal.objects.for_scope(sealing.SYSTEM).first()
    with pytest.raises(RuntimeError, match="append-only"):
        seal.save()
    with pytest.raises(RuntimeError, match="append-only"):
        DailyDigest.objects.for_scope(sealing.SYSTEM).first().delete()


def test_the_digest_matches_a_recomputation_from_the_export(tenants: Tenants, emit: Emit) -> None:
    import hashlib
    import json

    _sealed_chain(emit)
    scope = tenants.scope("ca1", "client_manager")
    (segment,) = chain_selectors.export_segments(scope, client_id=tenants.ca1.pk, day=DAY)
    exported = [json.loads(json.dumps(line)) for line in segment.lines]  # what the client downloads

    head = segment.header()["previous_head"]
    for line in exported:
        body = json.dumps(line["event"], sort_keys=True, separators=(",", ":")).encode()
        head = hashlib.sha256(bytes.fromhex(head) + body).hexdigest()
        assert head == line["link"]
    digest = chain_selectors.digest_list(scope, client_id=tenants.ca1.pk).get(date=DAY)
    assert (head, len(exported)) == (digest.head_hash, digest.event_count)


def test_the_sealer_job_reports_one_line(tenants: Tenants, emit: Emit) -> None:
    emit("a", MORNING)
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=10), tick=False):
        sealing.seal_pending()
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=20), tick=False):
        line = sealing.seal_due()

    assert line.startswith("sealed 1 events in 1 chains")
    assert Scope  # the system scope is a platform scope, read-only by construction


def test_a_horizon_waits_for_every_transaction_running_when_it_was_taken(
    tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's rule with the open transactions given: the newest horizon old enough whose
    recorded open transactions have all ended is the one used."""
    now = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    old = SealHorizon.objects.create(taken_at=now - timedelta(seconds=60), max_event_id=10, pg_running="")
    newer = SealHorizon.objects.create(
        taken_at=now - timedelta(seconds=30), max_event_id=20, pg_running="41/2026-12-05 00:59:20+00/"
    )
    SealHorizon.objects.create(taken_at=now, max_event_id=30, pg_running="")  # too recent for the lag
    still_open = {"41/2026-12-05 00:59:20+00/"}
    monkeypatch.setattr(
        sealing, "_transactions_ended", lambda running: not (set(running.splitlines()) & still_open)
    )
    with time_machine.travel(now, tick=False):
        assert sealing.horizon_usable(lag=5) == old
        still_open.clear()
        assert sealing.horizon_usable(lag=5) == newer
