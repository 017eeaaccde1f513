"""Helpers of the channel tests: a widget of client ca1 answered by provider pa, sockets, and real
mail servers (aiosmtpd for SMTP, Dovecot for IMAP) for the email channel."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.routing import URLRouter

from kefu.config.websocket import websocket_urlpatterns
from kefu.connectors import services
from kefu.connectors.models import WidgetConfig
from kefu.connectors.tests.communicator import WebsocketCommunicator
from kefu.testing.plugin import Tenants

ORIGIN = "https://shop.example.cn"
# The consumers under test, without the host-header origin check asgi.py puts in front.
APP = URLRouter(websocket_urlpatterns)


@pytest.fixture
def widget(tenants: Tenants) -> WidgetConfig:
    return services.widget_create(
        tenants.scope("pa", "provider_admin"),
        client_id=tenants.ca1.pk,
        allowed_origins=[ORIGIN],
        greeting="您好，有什么可以帮您？",
    )


T = TypeVar("T")


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    """Run an async scenario from a sync test, in its own thread: the session's browser
    (Playwright's sync API) may keep an event loop running in the test thread. Its
    `database_sync_to_async` calls run in that thread, hence `django_db(transaction=True)`."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(async_to_sync(scenario)).result()


def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a service that publishes on commit outside the test thread, for the same reason."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


@pytest.fixture(autouse=True)
def _fresh_layer() -> None:
    run(get_channel_layer().flush)


def widget_socket(key: str, *, origin: str | None = ORIGIN, visitor: str = "") -> WebsocketCommunicator:
    headers = [(b"origin", origin.encode())] if origin else []
    return WebsocketCommunicator(APP, f"/ws/widget/{key}/?visitor={visitor}", headers=headers)


def staff_socket(user: object, path: str = "/ws/agent/") -> WebsocketCommunicator:
    """A signed-in staff socket (the workspace by default, or `/ws/floor/`) for `user`."""
    socket = WebsocketCommunicator(APP, path)
    socket.scope["user"] = user
    socket.scope["session"] = {}
    return socket


def redis_layer(prefix: str, **options: Any) -> Any:
    """A Redis channel layer on database 14 under `prefix`, or skip the test when no Redis runs."""
    core = pytest.importorskip("channels_redis.core")
    url = "redis://127.0.0.1:6379/14"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except Exception:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return core.RedisChannelLayer(hosts=[url], prefix=prefix, **options)


async def open_widget(key: str, *, visitor: str = "") -> tuple[WebsocketCommunicator, dict[str, Any]]:
    socket = widget_socket(key, visitor=visitor)
    connected, _ = await socket.connect(timeout=5)
    assert connected
    hello = await socket.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return socket, hello


async def frames_until(socket: WebsocketCommunicator, kind: str, timeout: float = 5) -> list[dict[str, Any]]:
    """Frames received up to and including the first of `kind`."""
    received = []
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        received.append(frame)
        if frame["type"] == kind:
            return received


# --- real mail servers for the email channel ---------------------------------------------------
@dataclass
class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 that keeps what it gets; it answers `fail_with` (e.g.
    "451 try later") to the next `failures` messages, and `refuse_rcpt` to every recipient."""

    port: int = 0
    messages: list[Any] = field(default_factory=list)
    failures: int = 0
    fail_with: str = "451 4.3.0 try again later"
    refuse_rcpt: str = ""

    async def handle_RCPT(  # noqa: N802 (aiosmtpd calls it by this name)
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.failures > 0:
            self.failures -= 1
            return self.fail_with
        self.messages.append(envelope)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    from aiosmtpd.controller import Controller

    state = SmtpServer(port=free_port())
    controller = Controller(state, hostname="127.0.0.1", port=state.port)
    controller.start()
    yield state
    controller.stop()


@dataclass
class ImapServer:
    """A real Dovecot IMAP server on 127.0.0.1 with one mailbox user."""

    port: int
    username: str
    password: str

    def connect(self) -> imaplib.IMAP4:
        connection = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        connection.login(self.username, self.password)
        return connection

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a message as a mail server would (IMAP APPEND, unread)."""
        connection = self.connect()
        try:
            status, data = connection.append(folder, None, None, raw)
            assert status == "OK", data
        finally:
            connection.logout()

    def unseen(self) -> list[int]:
        connection = self.connect()
        try:
            connection.select("INBOX")
            _status, data = connection.uid("SEARCH", None, "UNSEEN")
            return [int(u) for u in data[0].split()]
        finally:
            connection.logout()


DOVECOT = "/usr/sbin/dovecot"


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    """Dovecot started with a throwaway configuration: a passwd-file user, maildir under a
    temporary directory, plaintext login on a free local port. Skips (only the tests using it)
    when Dovecot is not installed or does not start. As root, Dovecot refuses root for its
    login and mail processes, so those run as dovenull/nobody."""
    if not os.path.exists(DOVECOT):
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd); skipping the IMAP round trip")
    root = Path(tempfile.mkdtemp(prefix="kefu-dovecot-"))
    os.chmod(root, 0o755)
    port = free_port()
    me = pwd.getpwuid(os.getuid())
    if os.geteuid() == 0:
        mail_user = pwd.getpwnam("nobody")
        try:
            login_user = pwd.getpwnam("dovenull").pw_name
        except KeyError:
            login_user = "nobody"
    else:
        mail_user, login_user = me, me.pw_name
    mail = root / "mail"
    mail.mkdir()
    if os.geteuid() == 0:
        os.chown(mail, mail_user.pw_uid, mail_user.pw_gid)
    (root / "passwd").write_text("support:{PLAIN}s3cret-imap::::::\n")
    config = root / "dovecot.conf"
    config.write_text(
        f"""protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {me.pw_name}
default_internal_group = {grp.getgrgid(me.pw_gid).gr_name}
default_login_user = {login_user}
first_valid_uid = 0
mail_location = maildir:{mail}/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""
    )
    process = subprocess.Popen(
        [DOVECOT, "-c", str(config), "-F"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    server = ImapServer(port=port, username="support", password="s3cret-imap")
    deadline = time.monotonic() + 10
    while True:
        try:
            server.connect().logout()
            break
        except (OSError, imaplib.IMAP4.error) as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                log_file = root / "dovecot.log"
                log = log_file.read_text(errors="replace") if log_file.exists() else ""
                shutil.rmtree(root, ignore_errors=True)
                pytest.skip(f"Dovecot did not start ({exc}): {output} {log}"[:800])
            time.sleep(0.2)
    yield server
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(root, ignore_errors=True)
