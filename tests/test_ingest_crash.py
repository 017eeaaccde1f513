"""Nothing acknowledged is lost, nothing is stored twice, whatever happens to the server.

A real `kefu serve` process takes customers' messages from concurrent connector clients and
is killed mid-load, first with SIGKILL (no chance to finish anything), then with SIGTERM
(uvicorn's graceful stop). After each: every message the server answered 201 is stored
exactly once with the id, sequence and body it was answered with, with one `message_in`
event, and every such event has its webhook delivery queued exactly once (the outbox rows
are written in the message's transaction). Then the connector retries everything it sent,
with the same external ids: each message ends up stored once.

Half of the conversations belong to a provider with a webhook endpoint (their messages are
written by the ORM with the outbox rows), half to one without (PostgreSQL's pipeline).
PostgreSQL only: the server process needs the test database, which SQLite keeps in memory.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from kefu.connectors import webhooks
from kefu.core import pgasync
from kefu.desk import services as desk_services
from kefu.tenancy import services as tenancy_services
from kefu.testing import loadgen
from kefu.testing.plugin import Tenants

pytestmark = [
    pytest.mark.skipif(not pgasync.available(), reason="the server process needs a database it can share"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class Server:
    """`kefu serve` on the test database, started and killed at will."""

    def __init__(self, var_dir: Path) -> None:
        self.port = _free_port()
        self.env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
        self.env.update(
            DATABASE_URL=_database_url(),
            DJANGO_SETTINGS_MODULE="kefu.config.settings.base",
            KEFU_SECRET_KEY=settings.SECRET_KEY,
            KEFU_VAR_DIR=str(var_dir),
            KEFU_LOG_LEVEL="ERROR",
            KEFU_ACCESS_LOG="false",
        )
        self.log = var_dir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "kefu.cli.main", "serve", "--port", str(self.port)]
        command += ["--workers", "1", "--no-migrate", "--no-worker"]
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"the server did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        self.process.wait(timeout=30)
        self.process = None


def _kill_when(load: loadgen.Load, server: Server, sig: int, *, after: int) -> threading.Thread:
    """Send `sig` to the server once it has acknowledged `after` messages of this load."""

    def watch() -> None:
        deadline = time.monotonic() + 60
        while len(load.acknowledged) < after and time.monotonic() < deadline:
            time.sleep(0.005)
        server.stop(sig)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _setup(tenants: Tenants) -> tuple[dict[int, str], tuple[int, set[int]]]:
    """Conversations of two providers, one of them listening with a webhook endpoint."""
    targets: dict[int, str] = {}
    listened: set[int] = set()
    for org, client in (("pa", tenants.ca1), ("pb", tenants.cb)):
        agent = tenants.user(org, "agent")
        _row, token = tenancy_services.api_token_create(user=agent, name="connector")
        for _ in range(6):
            conversation = desk_services.conversation_create(
                tenants.scope(org, "agent"), channel="api", client_id=client.pk, message="在吗"
            )
            targets[conversation.pk] = token
            if org == "pa":
                listened.add(conversation.pk)
    endpoint, _secret = webhooks.webhook_create(
        tenants.scope("pa", "provider_admin"), url="https://hooks.example.cn/kefu", event_types=["message_in"]
    )
    return targets, (endpoint.pk, listened)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_a_server_killed_mid_load_loses_and_duplicates_nothing(
    tenants: Tenants, tmp_path: Path, sig: int
) -> None:
    targets, webhook = _setup(tenants)
    conversations = sorted(targets)
    server = Server(tmp_path)
    server.start()
    external_ids = [f"crash-{n}" for n in range(600)]
    load = loadgen.Load()
    killer = _kill_when(load, server, sig, after=100)
    loadgen.post_messages(server.port, targets, conversations, external_ids, 8, load=load, deadline_s=90)
    killer.join(timeout=60)

    url = _database_url()
    assert load.failures == [], load.failures[:3]
    assert load.broken > 0, "the server was stopped after the load ended: nothing was tested"
    assert 100 <= len(load.acknowledged) < len(external_ids)
    assert loadgen.stored_problems(url, load, prefix="crash-", webhook=webhook) == []

    # The connector retries everything it sent, acknowledged or not, with the same external ids.
    server.start()
    try:
        retried = loadgen.post_messages(server.port, targets, conversations, external_ids, 8, deadline_s=90)
    finally:
        server.stop(signal.SIGTERM)
    assert retried.failures == [] and retried.broken == 0
    assert len(retried.acknowledged) == len(external_ids)
    for external_id, answer in load.acknowledged.items():  # a retry is answered with the stored message
        assert retried.acknowledged[external_id]["id"] == answer["id"], external_id
    assert loadgen.stored_problems(url, retried, prefix="crash-", webhook=webhook) == []
    counts: Any = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM desk_message WHERE external_id LIKE 'crash-%%'")
        counts["messages"] = cursor.fetchone()[0]
    assert counts["messages"] == len(external_ids)
