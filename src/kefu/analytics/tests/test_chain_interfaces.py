"""The chain's interfaces: `kefu analytics` (exit codes), the API (scoping, export), the page."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from kefu.analytics import sealing
from kefu.analytics.tests.conftest import Emit
from kefu.cli import worker
from kefu.tenancy import services as tenancy_services
from kefu.testing.plugin import Tenants

DAY = date(2026, 12, 5)
MORNING = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)


@pytest.fixture
def sealed(tenants: Tenants, emit: Emit) -> list[Any]:
    with time_machine.travel(datetime(2026, 12, 6, 0, 0, tzinfo=UTC), tick=False):
        written = [
            emit("a", MORNING + timedelta(minutes=i), data={"i": i, "备注": "退款 0.1"}) for i in range(3)
        ]
        emit("b", MORNING)
        sealing.seal_pending(lag=0)
        sealing.digests_close()
    return written


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("analytics", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def test_verify_exits_0_when_intact_and_1_naming_the_first_broken_link(
    tenants: Tenants, sealed: list[Any]
) -> None:
    code, out = _run("verify")
    assert code == 0 and out.count("intact") == 2

    with connection.cursor() as cursor:
        cursor.execute("UPDATE analytics_contactevent SET value_s = 9 WHERE id = %s", [sealed[1].pk])
    code, out = _run("verify", "--client", "ca1")
    assert code == 1
    assert f"BROKEN at link 2 (event {sealed[1].pk}): event_edited" in out

    code, out = _run("verify", "--json")
    report = json.loads(out)
    assert code == 1 and report["intact"] is False
    broken = [c["broken"] for c in report["chains"] if c["broken"]]
    assert broken == [
        {
            "kind": "event_edited",
            "seq": 2,
            "event_id": sealed[1].pk,
            "detail": "the event differs from what was sealed",
        }
    ]
    assert _run("verify", "--client", "cb")[0] == 0  # the other client's chain is intact


def test_bad_input_exits_2(tenants: Tenants, sealed: list[Any]) -> None:
    assert _run("verify", "--client", "nobody")[0] == 2
    assert _run("verify", "--client", "pa")[0] == 2  # a provider is not a client
    assert _run("digest", "--client", "ca1", "--date", "5 Dec")[0] == 2
    assert _run("digest", "--client", "ca1", "--date", "2030-01-01")[0] == 2
    assert _run("seal", "--lag", "-1")[0] == 2


def test_digest_prints_the_days_head(tenants: Tenants, sealed: list[Any]) -> None:
    code, out = _run("digest", "--client", "ca1", "--date", "2026-12-05", "--json")

    (row,) = json.loads(out)
    assert code == 0
    assert (row["date"], row["event_count"], row["chain_length"], row["tz"]) == (
        "2026-12-05",
        3,
        3,
        "Asia/Shanghai",
    )
    assert _run("digest", "--client", "ca1", "--date", "2026-12-05")[1].startswith(
        f"2026-12-05 chain {row['chain']}"
    )


def test_seal_command_and_the_worker_job(tenants: Tenants, emit: Emit) -> None:
    emit("a", MORNING)
    code, out = _run("seal", "--lag", "0", "--json")
    assert code == 0 and json.loads(out)["sealed"] == 1

    jobs = {job.name: job for job in worker.periodic_jobs()}
    assert jobs["analytics.seal"].target == "kefu.analytics.sealing.seal_due"
    assert worker.resolve(jobs["analytics.seal"]) is sealing.seal_due


def _api(tenants: Tenants, org: str, role: str) -> Client:
    _token, raw = tenancy_services.api_token_create(user=tenants.user(org, role), name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_api_lists_a_clients_digests_to_its_people_and_its_provider(
    tenants: Tenants, sealed: list[Any]
) -> None:
    for org, role in [("ca1", "client_manager"), ("ca1", "client_admin"), ("pa", "provider_admin")]:
        response = _api(tenants, org, role).get(
            f"/api/event-log/digests?client={tenants.ca1.pk}&from=2026-12-01"
        )
        assert response.status_code == 200, (org, role)
        (digest,) = response.json()
        assert (digest["date"], digest["event_count"], digest["client_id"]) == (
            "2026-12-05",
            3,
            tenants.ca1.pk,
        )

    as_client = _api(tenants, "ca1", "client_manager")
    assert as_client.get("/api/event-log/digests").status_code == 200  # its only client by default
    assert as_client.get("/api/event-log/digests?to=2026-12-04").json() == []
    assert as_client.get(f"/api/event-log/digests?client={tenants.cb.pk}").status_code == 404
    assert as_client.get("/api/event-log/digests?from=yesterday").status_code == 422
    assert _api(tenants, "ca1", "client_viewer").get("/api/event-log/digests").status_code == 403
    assert (
        _api(tenants, "pa", "agent").get(f"/api/event-log/digests?client={tenants.ca1.pk}").status_code == 403
    )
    provider = _api(tenants, "pa", "provider_admin")
    assert (
        provider.get("/api/event-log/digests").json()["error"]["code"] == "invalid"
    )  # pa serves two clients
    assert provider.get(f"/api/event-log/digests?client={tenants.cb.pk}").status_code == 404


def test_the_export_recomputes_to_the_digest_with_the_documented_script(
    tenants: Tenants, sealed: list[Any]
) -> None:
    client = _api(tenants, "ca1", "client_admin")
    digest = client.get("/api/event-log/digests").json()[0]

    response = client.get(f"/api/event-log/export?date={DAY}")
    lines = b"".join(response.streaming_content).decode().splitlines()

    assert response.status_code == 200 and response["Content-Type"].startswith("application/x-ndjson")
    head = _documented_check(lines)
    assert head == digest["head_hash"]
    assert client.get("/api/event-log/export?date=2026-12-06").status_code == 404  # not over yet
    assert client.get(f"/api/event-log/export?date={DAY}&client={tenants.cb.pk}").status_code == 404


def _documented_check(lines: list[str]) -> str:
    """The snippet of docs/event-log.md, verbatim in substance: the client's own recomputation."""
    head = None
    for raw in lines:
        line = json.loads(raw)
        if "header" in line:
            head = line["header"]["previous_head"]
            expected = line["header"]["head"]
            continue
        body = json.dumps(line["event"], sort_keys=True, separators=(",", ":")).encode()
        head = hashlib.sha256(bytes.fromhex(head) + body).hexdigest()
        assert head == line["link"]
    assert head == expected
    return head


def test_the_page_lists_the_digests_with_copy_buttons(tenants: Tenants, sealed: list[Any]) -> None:
    page = tenants.client_for("ca1", "client_manager").get("/analytics/event-log/")

    assert page.status_code == 200
    text = page.content.decode()
    digest = _api(tenants, "ca1", "client_manager").get("/api/event-log/digests").json()[0]
    assert digest["head_hash"] in text and f'data-copy="{digest["head_hash"]}"' in text
    assert tenants.client_for("ca1", "client_viewer").get("/analytics/event-log/").status_code == 403
    provider = tenants.client_for("pa", "provider_admin")
    assert provider.get(f"/analytics/event-log/?client={tenants.ca1.pk}").status_code == 200
    assert provider.get(f"/analytics/event-log/?client={tenants.cb.pk}").status_code == 404
    assert provider.get("/analytics/event-log/?client=x").status_code == 404
