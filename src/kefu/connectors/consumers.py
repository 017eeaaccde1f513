"""`/ws/widget/<widget_key>/`: the end customer's chat socket (protocol: docs/web-chat.md).

Thin: every read and write goes through `connectors.selectors`/`services`, which use the
desk services, so a widget message is stored, redacted, logged and published like any other.
Delivery is by sequence number: the widget says which seq it has seen (`resume`), the
socket sends what follows, in order, and keeps sending on each `message.created` event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation

from kefu.connectors import selectors, services
from kefu.connectors.selectors import WidgetContext
from kefu.core import json_input
from kefu.core.errors import Invalid, KefuError, NotFound, PermissionDenied
from kefu.desk.consumers import conversation_group, typing_event, typing_group

CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_UNKNOWN_WIDGET = 4404
MAX_FRAME = 32_000  # characters of one incoming frame, before parsing
TYPING_INTERVAL_S = 2.0
MESSAGES_PER_WINDOW = 20  # messages a socket may send …
MESSAGE_WINDOW_S = 10.0  # … in this many seconds

logger = logging.getLogger(__name__)


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


class WidgetConsumer(AsyncJsonWebsocketConsumer):
    ctx: WidgetContext | None = None
    queue_sent: dict[str, Any] | None = None  # the last `queue` frame sent (sent again only if changed)
    queue_task: asyncio.Task | None = None

    async def connect(self) -> None:
        # Accept first so the browser sees the close code (a refused handshake is just 403).
        await self.accept()
        key = self.scope["url_route"]["kwargs"]["widget_key"]
        try:
            self.ctx = await database_sync_to_async(services.widget_open)(
                key, origin=_header(self.scope, b"origin")
            )
        except NotFound:
            await self.close(code=CLOSE_UNKNOWN_WIDGET)
            return
        except PermissionDenied:
            await self.close(code=CLOSE_FORBIDDEN_ORIGIN)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        token = (query.get("visitor") or [""])[0]
        # Error messages in the widget's language (the page's), not the server default.
        self.language = "en" if (query.get("lang") or [""])[0] == "en" else "zh-hans"
        visitor_id = services.visitor_from_token(self.ctx, token)
        new_token = None
        if visitor_id is None:
            visitor_id, new_token = services.visitor_token_issue(self.ctx)
        self.visitor_id = visitor_id
        self.conversation_id: int | None = None
        self.sent_seq: int | None = None  # unknown until the widget says `resume`
        self.groups_joined: set[str] = set()
        self.last_typing = 0.0
        self.sent_times: list[float] = []
        state = await database_sync_to_async(selectors.visitor_state)(self.ctx, visitor_id=visitor_id)
        if state.conversation_id is not None:
            await self._follow(state.conversation_id)
        await self.send_json(
            {
                "type": "hello",
                "visitor": new_token or token,
                "greeting": self.ctx.greeting,
                "open": state.open,
                "conversation_id": state.conversation_id,
                "status": state.status,
                "last_seq": state.last_seq,
                "survey": state.survey_pending,
            }
        )

    async def disconnect(self, code: int) -> None:
        if self.queue_task is not None:
            self.queue_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.queue_task
        for group in getattr(self, "groups_joined", set()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _follow(self, conversation_id: int) -> None:
        """Listen to a conversation (after a new one starts, stop listening to the old one)."""
        if self.conversation_id == conversation_id:
            return
        for group in list(self.groups_joined):
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.discard(group)
        self.conversation_id = conversation_id
        for group in (conversation_group(conversation_id), typing_group(conversation_id)):
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.add(group)

    # --- from the widget ---------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.ctx is None:
            return
        if text_data is None or len(text_data) > MAX_FRAME:
            await self._error("too_long" if text_data else "invalid")
            return
        try:  # a frame that cannot be read or stored is refused; the socket stays open
            content = json_input.loads(text_data)
        except Invalid as exc:  # unpaired surrogates, NaN, numbers beyond 64 bits
            await self._error("invalid", str(exc.message), field=exc.field)
            return
        except ValueError:
            await self._error("bad_json")
            return
        if not isinstance(content, dict):
            await self._error("invalid")
            return
        handler = {
            "resume": self._resume,
            "message": self._message,
            "typing": self._typing,
            "survey": self._survey,
            "ping": self._ping,
        }.get(content.get("type"))
        if handler is None:
            await self._error("unknown_type")
            return
        with translation.override(self.language):
            try:
                await handler(content)
            except KefuError as exc:  # e.g. the conversation left the widget's reach
                await self._error(exc.code, str(exc.message))
            except Exception:  # a bug must not drop the socket: the widget would reconnect forever
                logger.exception("widget frame %r failed", content.get("type"))
                await self._error("server_error")

    async def _error(self, code: str, message: str = "", **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

    async def _ping(self, content: dict[str, Any]) -> None:
        await self.send_json({"type": "pong"})

    async def _resume(self, content: dict[str, Any]) -> None:
        after = content.get("after_seq", 0)
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            await self._error("invalid", field="after_seq")
            return
        if content.get("conversation_id") != self.conversation_id:
            after = 0  # the widget knew another (older) conversation: send this one from the start
        self.sent_seq = after
        await self._catch_up()
        await self._send_queue()

    async def _message(self, content: dict[str, Any]) -> None:
        client_msg_id = content.get("client_msg_id")
        now = time.monotonic()
        self.sent_times = [t for t in self.sent_times if now - t < MESSAGE_WINDOW_S]
        if len(self.sent_times) >= MESSAGES_PER_WINDOW:
            await self._error("rate_limited", client_msg_id=client_msg_id)
            return
        self.sent_times.append(now)
        try:
            conversation_id, seq, _new = await database_sync_to_async(services.widget_message_post)(
                self.ctx,
                visitor_id=self.visitor_id,
                body=content.get("body"),
                client_msg_id=client_msg_id,
                contact=content.get("contact"),
            )
        except KefuError as exc:
            await self._error(exc.code, str(exc.message), client_msg_id=client_msg_id, field=exc.field)
            return
        if conversation_id != self.conversation_id:
            await self._follow(conversation_id)
            self.sent_seq = 0
            await self.send_json(
                {"type": "conversation", "conversation_id": conversation_id, "status": "new"}
            )
        elif self.sent_seq is None:
            self.sent_seq = seq - 1
        await self.send_json(
            {"type": "ack", "client_msg_id": client_msg_id, "conversation_id": conversation_id, "seq": seq}
        )
        await self._catch_up()
        await self._send_queue()

    async def _typing(self, content: dict[str, Any]) -> None:
        now = time.monotonic()
        if self.conversation_id is None or now - self.last_typing < TYPING_INTERVAL_S:
            return
        self.last_typing = now
        await self.channel_layer.group_send(
            typing_group(self.conversation_id),
            typing_event(self.conversation_id, side="customer", sender=self.channel_name),
        )

    async def _survey(self, content: dict[str, Any]) -> None:
        try:
            await database_sync_to_async(services.widget_survey_answer)(
                self.ctx,
                visitor_id=self.visitor_id,
                score=content.get("score"),
                comment=content.get("comment", ""),
                nps=content.get("nps"),
                answers=content.get("answers"),
            )
        except KefuError as exc:
            await self._error(exc.code, str(exc.message), field=exc.field)
            return
        await self.send_json({"type": "survey_thanks", "conversation_id": self.conversation_id})

    # --- to the widget -----------------------------------------------------------------------
    async def _catch_up(self) -> None:
        """Send every customer-visible message after the last one sent, in seq order. Consumer
        handlers run one at a time, so replay and live pushes never interleave or repeat."""
        if self.conversation_id is None or self.sent_seq is None:
            return
        frames, highest = await database_sync_to_async(selectors.message_frames_after)(
            self.ctx, conversation_id=self.conversation_id, after_seq=self.sent_seq
        )
        for frame in frames:
            await self.send_json(frame)
        self.sent_seq = max(self.sent_seq, highest)

    async def kefu_event(self, message: dict[str, Any]) -> None:
        event = message.get("event") or {}
        if event.get("id") != self.conversation_id or self.conversation_id is None:
            return
        try:
            await self._on_event(event)
        except NotFound:  # the conversation left the widget's reach (engagement ended): stay quiet
            return

    async def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "message.created":
            await self._catch_up()
        elif kind == "conversation.updated":
            status = await database_sync_to_async(selectors.conversation_status)(
                self.ctx, conversation_id=self.conversation_id
            )
            await self._catch_up()
            await self.send_json(
                {
                    "type": "status",
                    "conversation_id": self.conversation_id,
                    "status": status["status"],
                    "survey": status["survey_pending"],
                }
            )
            await self._send_queue()
        elif kind == "typing" and event.get("from") == "agent":
            await self.send_json({"type": "typing", "from": "agent"})

    # --- the customer's place in line --------------------------------------------------------
    async def _send_queue(self) -> None:
        """Send the `queue` frame if it changed; while the customer waits, look again every
        `KEFU_WIDGET_QUEUE_EVERY_S` seconds (others ahead are answered without this socket
        hearing of it). Own conversation only (docs/web-chat.md)."""
        if self.conversation_id is None or self.ctx is None:
            return
        frame = await database_sync_to_async(selectors.queue_frame)(
            self.ctx, conversation_id=self.conversation_id
        )
        await self._queue_changed(frame)
        if frame.get("waiting") and (self.queue_task is None or self.queue_task.done()):
            self.queue_task = asyncio.ensure_future(self._queue_refresh())

    async def _queue_refresh(self) -> None:
        every = float(getattr(settings, "KEFU_WIDGET_QUEUE_EVERY_S", 10))
        while self.queue_sent is not None and self.queue_sent.get("waiting"):
            await asyncio.sleep(every)
            try:
                await self.channel_layer.send(self.channel_name, {"type": "kefu.queue_tick"})
            except Exception:  # the socket closed meanwhile
                return

    async def kefu_queue_tick(self, message: dict[str, Any]) -> None:
        """Handled in turn with the other events, so frames never interleave."""
        if self.ctx is None or self.conversation_id is None:
            return
        try:
            frame = await database_sync_to_async(selectors.queue_frame)(
                self.ctx, conversation_id=self.conversation_id
            )
        except NotFound:
            return
        await self._queue_changed(frame)

    async def _queue_changed(self, frame: dict[str, Any]) -> None:
        """Send a `queue` frame when it differs from the last one; "not waiting" only to hide a
        place shown before (a chat nobody queued for never hears of queues)."""
        if frame == self.queue_sent or (
            not frame.get("waiting") and not (self.queue_sent or {}).get("waiting")
        ):
            return
        self.queue_sent = frame
        await self.send_json(frame)
