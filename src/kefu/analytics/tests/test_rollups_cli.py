"""`kefu analytics fold|rebuild|check`, and tenancy: nobody reads another tenant's rollups."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command

from kefu.analytics import rollup_selectors, rollups
from kefu.analytics.metrics import queries
from kefu.analytics.models import ContactEvent, IntervalRollup
from kefu.analytics.tests.builders import DAY, Day, t
from kefu.core.errors import NotFound
from kefu.testing.plugin import Tenants


def run(*args: str) -> str:
    out = StringIO()
    call_command("analytics", *args, stdout=out)
    return out.getvalue()


def test_rebuild_then_check_finds_the_rollups_equal_to_the_events(tenants: Tenants, day: Day) -> None:
    # given rollups rebuilt from the event log
    rebuilt = json.loads(run("rebuild", "--lag", "0", "--json"))
    assert rebuilt["clients"] == [tenants.ca1.pk] and rebuilt["rows"] > 0

    # when the day is checked, then it is equal (exit 0) and every additive figure was compared
    report = json.loads(run("check", "--client", "ca1", "--from", DAY, "--to", DAY, "--json"))
    assert report["equal"] is True and report["first_difference"] is None
    assert (
        report["rows"]
        == IntervalRollup.all_tenants.filter(bucket__gte=t("16:00:00", "2026-03-01"))
        .filter(bucket__lt=t("16:00:00"))
        .count()
    )
    assert report["figures"] == 15
    assert "rollups equal the events" in run("check", "--client", "ca1", "--from", DAY, "--to", DAY)


def test_check_names_the_first_differing_quarter_hour_and_measure(tenants: Tenants, day: Day) -> None:
    # given folded rollups, one of whose rows is altered behind the folder's back
    rollups.fold(lag=0)
    row = IntervalRollup.all_tenants.get(metric="asa", bucket=t("01:00:00"))
    IntervalRollup.all_tenants.filter(pk=row.pk).update(numerator_micro=row.numerator_micro + 1)

    # when checked, then exit 1, naming the quarter hour, the metric and the measure
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command(
            "analytics", "check", "--client", "ca1", "--from", DAY, "--to", DAY, "--json", stdout=out
        )
    assert exited.value.code == 1
    first = json.loads(out.getvalue())["first_difference"]
    assert (first["bucket"], first["metric"], first["measure"]) == (
        "2026-03-02T01:00:00+00:00",
        "asa",
        "numerator",
    )
    assert (first["rollup"], first["events"]) == (30_000_001, 30_000_000)
    # a rebuild of that client and day repairs it
    run("rebuild", "--client", "ca1", "--from", DAY, "--to", DAY)
    assert json.loads(run("check", "--client", "ca1", "--from", DAY, "--to", DAY, "--json"))["equal"] is True


def test_check_reports_a_missing_row_in_words(tenants: Tenants, day: Day) -> None:
    rollups.fold(lag=0)
    IntervalRollup.all_tenants.filter(metric="offered", bucket=t("03:00:00")).delete()

    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("analytics", "check", "--client", "ca1", "--from", DAY, "--to", DAY, stdout=out)
    assert (
        "quarter hour 2026-03-02T03:00Z offered (queue -, channel phone, agent -) numerator: "
        "rollups 0, events 1000000" in out.getvalue()
    )


def test_fold_prints_how_far_it_folded(tenants: Tenants, day: Day) -> None:
    report = json.loads(run("fold", "--lag", "0", "--json"))

    assert report["events"] == ContactEvent.all_tenants.count() == 39
    assert (
        report["through_event_id"]
        == rollup_selectors.rollups_through()
        == ContactEvent.all_tenants.latest("id").pk
    )
    assert json.loads(run("fold", "--lag", "0", "--json"))["events"] == 0  # nothing new


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--client", "nobody", "--from", DAY, "--to", DAY),
        ("check", "--client", "pa", "--from", DAY, "--to", DAY),  # a provider, not a client
        ("check", "--client", "ca1", "--from", "2026-3-2", "--to", DAY),
        ("check", "--client", "ca1", "--from", "2026-02-30", "--to", DAY),
        ("check", "--client", "ca1", "--from", DAY, "--to", "2026-03-01"),
        ("check", "--client", "ca1", "--from", "2025-01-01", "--to", DAY),
        ("rebuild", "--client", "ca1", "--from", "tomorrow"),
        ("rebuild", "--lag", "-1"),
        ("fold", "--lag", "-1"),
    ],
)
def test_bad_input_exits_2(tenants: Tenants, args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError) as failed:
        run(*args)
    assert failed.value.returncode == 2


def _ask(tenants: Tenants, org: str, role: str, client_id: int | None, metric: str = "offered") -> Any:
    scope = tenants.scope(org, role)
    query = queries.metric_query(scope, metric_id=metric, client_id=client_id, date_from=DAY, date_to=DAY)
    return queries.metric_value(scope, query).result


def test_a_tenant_never_reads_another_tenants_rollups(tenants: Tenants, day: Day) -> None:
    # given rollups of ca1 (provider pa) and of cb (provider pb)
    other = Day(tenants, client=tenants.cb)
    conv = other.conv()
    conv.provider_id = tenants.pb.pk
    other.emit(conv, "offered", t("02:00:00"))
    rollups.fold(lag=0)

    # then each sees its own figure; another client's id is not found
    assert _ask(tenants, "pa", "supervisor", tenants.ca1.pk).value == 5
    assert _ask(tenants, "cb", "client_manager", None).value == 1
    assert _ask(tenants, "pb", "supervisor", tenants.cb.pk).value == 1
    with pytest.raises(NotFound):
        _ask(tenants, "pb", "supervisor", tenants.ca1.pk)
    with pytest.raises(NotFound):
        _ask(tenants, "cb", "client_manager", tenants.ca1.pk)
    # and the rows a scope can read are its own only
    assert set(
        IntervalRollup.objects.for_scope(tenants.scope("pb", "supervisor")).values_list(
            "client_id", flat=True
        )
    ) == {tenants.cb.pk}


def test_two_providers_of_one_client_each_read_their_own_rollups(multi_vendor: Tenants) -> None:
    # given one conversation of ca1 by pa, and one by pc answered within 20 s
    tenants = multi_vendor
    d = Day(tenants)
    mine = d.conv()
    d.emit(mine, "offered", t("02:00:00"))
    theirs = d.conv()
    theirs.provider_id = tenants.pc.pk
    d.emit(theirs, "offered", t("02:00:00"))
    d.emit(theirs, "message_out", t("02:00:10"), tenants.user("pc", "agent"))
    rollups.fold(lag=0)

    # then pa sees its own, pc its own, the client both (as the events say)
    assert (_ask(tenants, "pa", "supervisor", tenants.ca1.pk, "service_level").value) == 0.0
    assert (_ask(tenants, "pc", "supervisor", tenants.ca1.pk, "service_level").value) == 100.0
    assert (_ask(tenants, "ca1", "client_manager", None, "service_level").value) == 50.0


def test_the_worker_folds_the_rollups_periodically(tenants: Tenants, day: Day) -> None:
    from kefu.cli import worker

    jobs = {job.name: job for job in worker.periodic_jobs()}
    assert jobs["analytics.rollups"].target == "kefu.analytics.rollups.fold_due"
    assert worker.resolve(jobs["analytics.rollups"]) is rollups.fold_due
    # the job folds only up to a horizon at least KEFU_EVENT_SEAL_LAG_S (5 s) old
    now = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        assert rollups.fold_due().startswith("folded 0 events")
    with time_machine.travel(now + timedelta(seconds=6), tick=False):
        assert rollups.fold_due().startswith("folded 39 events")
    assert rollup_selectors.rollups_through() == ContactEvent.all_tenants.latest("id").pk
