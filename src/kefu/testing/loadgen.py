"""Customers' messages posted through the real HTTP server, and the check of what was stored.

Shared by the ingest benchmark (`bench/ingest.py`) and the crash test
(`tests/test_ingest_crash.py`): N connector clients on keep-alive connections, each posting
its next message when the previous one was answered, recording what the server
acknowledged; then `stored_problems` checks the database against the acknowledgements:
every acknowledged message stored exactly once with the body and sequence number it was
answered with, one `message_in` event each, and (when asked) one webhook delivery queued
for each such event. It imports no Django: the checks read the database directly.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

BODY = "您好，我的订单还没有发货，请帮我查一下物流，订单号 2026112512345678，谢谢！" * 2


@dataclass
class Load:
    """What the clients sent and what the server answered."""

    sent: dict[str, int] = field(default_factory=dict)  # external id -> conversation id
    acknowledged: dict[str, dict[str, Any]] = field(default_factory=dict)  # external id -> the 201 body
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # answers other than 201
    broken: int = 0  # requests whose connection broke before an answer (a server killed)


def message_request(conversation_id: int, external_id: str, token: str, body: str = BODY) -> bytes:
    payload = json.dumps(
        {"body": f"{body} #{external_id}", "direction": "in", "external_id": external_id}, ensure_ascii=False
    ).encode()
    head = (
        f"POST /api/conversations/{conversation_id}/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


def post_messages(
    port: int,
    token: str | dict[int, str],
    conversations: list[int],
    external_ids: list[str],
    clients: int,
    *,
    load: Load | None = None,
    deadline_s: float = 120.0,
) -> Load:
    """Post one message per external id (spread over the conversations) from `clients`
    concurrent connections; a client whose connection breaks reconnects and goes on.
    `token` is one bearer token, or a dict of conversation id -> token."""
    load = load or Load()
    asyncio.run(_post(port, token, conversations, external_ids, clients, load, time.monotonic() + deadline_s))
    return load


async def _post(
    port: int,
    token: str | dict[int, str],
    conversations: list[int],
    external_ids: list[str],
    clients: int,
    load: Load,
    deadline: float,
) -> None:
    async def client(index: int) -> None:
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        for n in range(index, len(external_ids), clients):
            if time.monotonic() > deadline:
                return
            external_id = external_ids[n]
            conversation_id = conversations[n % len(conversations)]
            load.sent[external_id] = conversation_id
            try:
                if connection is None:
                    connection = await asyncio.open_connection("127.0.0.1", port)
                reader, writer = connection
                started = time.perf_counter()
                bearer = token if isinstance(token, str) else token[conversation_id]
                writer.write(message_request(conversation_id, external_id, bearer))
                status, raw = await read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ConnectionError):
                load.broken += 1
                if connection is not None:
                    connection[1].close()
                connection = None
                await asyncio.sleep(0.05)
                continue
            load.latencies.append(time.perf_counter() - started)
            if status == 201:
                load.acknowledged[external_id] = json.loads(raw)
            else:
                load.failures.append(f"{status} {raw[:300].decode(errors='replace')}")
        if connection is not None:
            connection[1].close()

    await asyncio.gather(*(client(i) for i in range(clients)))


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one HTTP/1.1 response (Content-Length or chunked)."""
    header = await reader.readuntil(b"\r\n\r\n")
    lines = header.split(b"\r\n")
    try:
        status = int(lines[0].split(b" ", 2)[1])
    except (IndexError, ValueError):
        raise ConnectionError(f"not an HTTP response: {header[:300]!r}") from None
    length, chunked = 0, False
    for line in lines[1:]:
        name, _sep, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
    if not chunked:
        return status, await reader.readexactly(length)
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        chunk = await reader.readexactly(size + 2)  # the data and its CRLF
        if size == 0:
            return status, bytes(body)
        body += chunk[:-2]


def _rows(database_url: str, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    if database_url.startswith("sqlite"):
        db = sqlite3.connect(urlsplit(database_url).path)
        try:
            return db.execute(sql.replace("%s", "?"), params).fetchall()
        finally:
            db.close()
    import psycopg

    with psycopg.connect(database_url) as db:
        return db.execute(sql, params).fetchall()


def stored_problems(
    database_url: str,
    load: Load,
    *,
    prefix: str,
    webhook: tuple[int, set[int]] | None = None,
    limit: int = 10,
) -> list[str]:
    """What the database holds that contradicts the acknowledgements (empty when all is well).

    Every acknowledged message: exactly one row under its external id, with the answered id,
    sequence number and body; exactly one `message_in` event for its (conversation, seq); and,
    with `webhook` = (endpoint id, the conversations it listens to), exactly one delivery of
    each of their events to the endpoint. Every
    message stored under the prefix (acknowledged or not: a server may die after the commit and
    before the answer) at most once, and its event's delivery queued once.
    """
    like = prefix.replace("%", r"\%") + "%"
    messages = _rows(
        database_url,
        "SELECT external_id, id, conversation_id, seq, body FROM desk_message WHERE external_id LIKE %s",
        (like,),
    )
    events = _rows(
        database_url,
        "SELECT e.id, m.external_id, m.conversation_id FROM analytics_contactevent e JOIN desk_message m "
        "ON m.conversation_id = e.conversation_id AND e.type = 'message_in' "
        "AND CAST(" + json_seq_sql(database_url) + " AS INTEGER) = m.seq WHERE m.external_id LIKE %s",
        (like,),
    )
    problems: list[str] = []
    stored: dict[str, list[tuple[Any, ...]]] = {}
    for row in messages:
        stored.setdefault(row[0], []).append(row)
    logged: dict[str, list[int]] = {}
    listened: dict[int, str] = {}  # event id -> external id, for the events the endpoint wants
    for event_id, external_id, conversation_id in events:
        logged.setdefault(external_id, []).append(event_id)
        if webhook is not None and conversation_id in webhook[1]:
            listened[event_id] = external_id
    for external_id, rows in stored.items():
        if len(rows) != 1:
            problems.append(f"{external_id}: stored {len(rows)} times")
        if len(logged.get(external_id, [])) != 1:
            problems.append(f"{external_id}: {len(logged.get(external_id, []))} message_in events")
    for external_id, answer in load.acknowledged.items():
        rows = stored.get(external_id, [])
        if not rows:
            problems.append(f"{external_id}: acknowledged (201) but not stored")
            continue
        _external, message_id, conversation_id, seq, body = rows[0]
        answered = (answer.get("id"), answer.get("conversation_id"), answer.get("seq"), answer.get("body"))
        if (message_id, conversation_id, seq, body) != answered:
            problems.append(
                f"{external_id}: stored {(message_id, conversation_id, seq)} != answered {answered[:3]}"
            )
    if webhook is not None:
        queued = _rows(
            database_url,
            "SELECT event_id, COUNT(*) FROM connectors_webhookdelivery "
            "WHERE endpoint_id = %s GROUP BY event_id",
            (webhook[0],),
        )
        deliveries = dict(queued)
        if not listened:
            problems.append("no event of the listened conversations was stored: nothing to check")
        for event_id, external_id in listened.items():
            if deliveries.get(event_id, 0) != 1:
                problems.append(
                    f"{external_id}: {deliveries.get(event_id, 0)} deliveries of event {event_id}"
                )
    return problems[:limit] + ([f"… and {len(problems) - limit} more"] if len(problems) > limit else [])


def json_seq_sql(database_url: str) -> str:
    """The SQL of a `message_in` event's sequence number (`e.data.seq`) on this database."""
    if database_url.startswith("sqlite"):
        return "json_extract(e.data, '$.seq')"
    return "e.data->>'seq'"
