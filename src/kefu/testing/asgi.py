"""HTTP requests through the ASGI application the server runs, in process and without a socket.

Django's test client never takes the lean bearer path (`kefu.desk.ingest.http`) nor the ASGI
middleware stack; tests that must see what a real client sees call the application here.
Header names may be written Python-style (`Idempotency_Key="k"` → `idempotency-key: k`).
"""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

Headers = list[tuple[bytes, bytes]]


def http_scope(method: str, path: str, *, token: str | None = None, **headers: str) -> dict[str, Any]:
    """The ASGI scope of one JSON request from 127.0.0.1 to `localhost` (unless `Host` is given)."""
    extra = [(name.lower().replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    raw: Headers = [(b"content-type", b"application/json")]
    raw += [] if any(name == b"host" for name, _value in extra) else [(b"host", b"localhost")]
    raw += extra
    if token:
        raw.append((b"authorization", f"Bearer {token}".encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw,
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }


def encode(body: Any) -> bytes:
    """A body as sent: bytes as they are, nothing as empty, anything else as Python's JSON (which
    writes NaN and lone surrogates as a careless connector would)."""
    if body is None:
        return b""
    return body if isinstance(body, bytes) else json.dumps(body).encode()


async def send(
    application: Any, scope: dict[str, Any], body: bytes = b"", *, timeout: float = 10
) -> tuple[int, Headers, bytes]:
    """Send one request and read the whole answer: status, headers, body."""
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await communicator.receive_output(timeout)
    content = b""
    while True:
        part = await communicator.receive_output(timeout)
        content += part.get("body", b"")
        if not part.get("more_body"):
            break
    return start["status"], list(start["headers"]), content


def request(
    application: Any,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    timeout: float = 10,
    **headers: str,
) -> tuple[int, Headers, bytes]:
    """`send` from synchronous code (a test body)."""
    scope = http_scope(method, path, token=token, **headers)
    return async_to_sync(send)(application, scope, encode(body), timeout=timeout)
