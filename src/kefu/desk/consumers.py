"""Realtime for staff pages: `/ws/agent/` tells the workspace what changed, never renders it.

The group names are those `desk.services._publish` sends to (`desk.inbox.<organisation id>`
for every conversation of a provider or client, `desk.conversation.<id>` per conversation; a
batch of assignments sends each inbox group one hint listing its conversations, which the
socket turns into one frame per visible id);
typing indicators use their own `desk.typing.<id>` groups so a page subscribed to a
conversation does not get every desk event twice. Protocol: docs/web-chat.md.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from kefu.core.errors import NotFound
from kefu.core.fanout import GROUP_KEY, FannedOutConsumer, process_fanout
from kefu.core.scope import Scope
from kefu.desk import selectors
from kefu.desk.permissions import DeskPerm
from kefu.routing import offer_services
from kefu.routing import services as routing_services
from kefu.tenancy import mfa
from kefu.tenancy import selectors as tenancy_selectors

TYPING_INTERVAL_S = 2.0
DESK_EVENTS = frozenset({"conversation.created", "conversation.updated", "message.created"})
OFFER_EVENTS = frozenset({"offer.created", "offer.closed"})  # on the person's own group only
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
MAX_VISIBILITY_CACHE = 5000


def inbox_group(organization_id: int) -> str:
    return f"desk.inbox.{organization_id}"


def conversation_group(conversation_id: int) -> str:
    return f"desk.conversation.{conversation_id}"


def typing_group(conversation_id: int) -> str:
    return f"desk.typing.{conversation_id}"


def typing_event(conversation_id: int, *, side: str, sender: str, user_id: int | None = None) -> dict:
    """The channel-layer message of a typing indicator (same envelope as `core.realtime`, with its
    group for `core.fanout`)."""
    return {
        "type": "kefu.event",
        GROUP_KEY: typing_group(conversation_id),
        "event": {
            "type": "typing",
            "id": conversation_id,
            "from": side,
            "user_id": user_id,
            "sender": sender,
        },
    }


def _mfa_verified(user: Any, session: Any) -> bool:
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.user_id == user.pk and getattr(device, "confirmed", False)


def access_for(user: Any, session: Any) -> Scope | None:
    """The scope of a signed-in user, as `tenancy.middleware.AccessMiddleware` builds it: the
    session's chosen organisation, two-factor state applied; None where a page would redirect
    to two-factor sign-in."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    verified = _mfa_verified(user, session)
    found = tenancy_selectors.session_access(user, session, mfa_verified=verified)
    if found is None:
        return None
    membership, scope = found
    if not verified and mfa.step_required(user, membership.organization) is not None:
        return None
    return scope


def _visible(scope: Scope, conversation_id: int) -> bool:
    try:
        selectors.conversation_get(scope, conversation_id=conversation_id)
    except NotFound:
        return False
    return True


def _last_seq(scope: Scope, conversation_id: int) -> int:
    return selectors.conversation_get(scope, conversation_id=conversation_id).last_message_seq


def _an_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _keyed(event: dict[str, Any]) -> bool:
    """An inbox hint that can be judged in memory: a list of conversations with their tenant
    keys, or one conversation's id with its keys (older publishers send the id alone)."""
    if isinstance(event.get("conversations"), list):
        return True
    return _an_id(event.get("id")) and "provider_id" in event and "client_id" in event


def _visible_ids(access: Scope, event: dict[str, Any]) -> list[int]:
    """The conversations of an inbox hint with tenant keys that this scope sees: a list of
    [id, provider id, client id] (a batch, or hints the server merged: `desk.services._tell`)
    or one conversation's keys, judged in memory by the same rule as the database's
    (`Scope.sees`). A user whose scope leaves a client out (one requiring two-factor) must not
    even learn its ids. Malformed entries are left out."""
    if "conversations" not in event:
        return [event["id"]] if access.sees(event["provider_id"], event["client_id"]) else []
    visible = []
    for item in event["conversations"]:
        if not (isinstance(item, list | tuple) and len(item) == 3):
            continue
        conversation_id, provider_id, client_id = item
        if _an_id(conversation_id) and access.sees(provider_id, client_id):
            visible.append(conversation_id)
    return visible


class AgentConsumer(FannedOutConsumer):
    """One staff browser tab: inbox events of its organisation, typing of the conversations it
    opened, its person's offers; heard through the process's one channel (`core.fanout`)."""

    access: Scope | None = None
    lists_window: asyncio.TimerHandle | None = None  # `_frames`
    lists_pending: dict[str, Any] | None = None

    async def connect(self) -> None:
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.access = await database_sync_to_async(access_for)(user, self.scope.get("session"))
        if self.access is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not self.access.has(DeskPerm.VIEW) or self.access.organization_id is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.subscribed: set[int] = set()
        self.visible_cache: dict[int, bool] = {}  # ids known visible
        self.last_typing: dict[int, float] = {}
        await self.start_hearing(inbox_group(self.access.organization_id))
        if self.access.user_id is not None:  # offers of automatic assignment (docs/routing.md)
            await self.start_hearing(offer_services.agent_group(self.access.user_id))
        # the presence first: once the page hears hello, the connection is on record
        await database_sync_to_async(routing_services.presence_connection)(self.access, connected=True)
        await self.send_json({"type": "hello", "organization_id": self.access.organization_id})

    async def disconnect(self, code: int) -> None:
        if self.lists_window is not None:
            self.lists_window.cancel()
        if self.access is not None:  # a closed workspace goes offline after a grace period (routing)
            await database_sync_to_async(routing_services.presence_connection)(self.access, connected=False)
        await self.stop_hearing_all()

    # --- from the page ---------------------------------------------------------------------
    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self.access is None:
            return
        kind = content.get("type") if isinstance(content, dict) else None
        conversation_id = content.get("conversation_id") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind in ("subscribe", "unsubscribe", "typing") and (
            not isinstance(conversation_id, int) or isinstance(conversation_id, bool)
        ):
            await self.send_json({"type": "error", "code": "invalid", "field": "conversation_id"})
        elif kind == "subscribe":
            await self._subscribe(conversation_id)
        elif kind == "unsubscribe":
            if conversation_id in self.subscribed:
                self.subscribed.discard(conversation_id)
                await self.stop_hearing(typing_group(conversation_id))
            await self.send_json({"type": "unsubscribed", "conversation_id": conversation_id})
        elif kind == "typing":
            await self._typing(conversation_id)
        else:
            await self.send_json({"type": "error", "code": "unknown_type"})

    async def _subscribe(self, conversation_id: int) -> None:
        if not await database_sync_to_async(_visible)(self.access, conversation_id):
            await self.send_json({"type": "error", "code": "not_found", "conversation_id": conversation_id})
            return
        self.visible_cache[conversation_id] = True
        self.subscribed.add(conversation_id)
        await self.start_hearing(typing_group(conversation_id))
        last_seq = await database_sync_to_async(_last_seq)(self.access, conversation_id)
        await self.send_json({"type": "subscribed", "conversation_id": conversation_id, "last_seq": last_seq})

    async def _typing(self, conversation_id: int) -> None:
        if conversation_id not in self.subscribed:
            await self.send_json(
                {"type": "error", "code": "not_subscribed", "conversation_id": conversation_id}
            )
            return
        now = time.monotonic()
        if now - self.last_typing.get(conversation_id, 0.0) < TYPING_INTERVAL_S:
            return
        self.last_typing[conversation_id] = now
        await self.channel_layer.group_send(
            typing_group(conversation_id),
            typing_event(
                conversation_id, side="agent", sender=self.channel_name, user_id=self.access.user_id
            ),
        )

    # --- from the services (channel layer) ---------------------------------------------------
    def hear(self, message: dict[str, Any]) -> None:
        self.hear_all([self], message)

    @classmethod
    def hear_all(cls, sockets: list[AgentConsumer], message: dict[str, Any]) -> None:
        """A message to these sockets of the process. Inbox hints that carry their tenant keys
        are judged here, as the process hands them over, without a turn of each socket's
        queue: most only move a socket's lists window on, and a hint heard by 500 sockets
        queued 500 dispatches (offers waited behind them). The visible ids are worked out once
        per sight (`Scope.sight`: the sockets of one provider's agents share one), not once per
        socket: a merged hint lists dozens of conversations. What a page must be told is queued
        as frames, in order with the rest."""
        event = message.get("event") or {}
        if event.get("type") not in DESK_EVENTS or not _keyed(event):
            for socket in sockets:
                FannedOutConsumer.hear(socket, message)
            return
        kind = event["type"]
        seq = event.get("seq") if "conversations" not in event else None
        by_sight: dict[tuple[Any, ...], tuple[list[int], dict[str, Any] | None]] = {}
        for socket in sockets:
            if socket.access is None:
                FannedOutConsumer.hear(socket, message)  # not yet signed in: its queue decides
                continue
            sight = socket.access.sight
            judged = by_sight.get(sight)
            if judged is None:
                visible = _visible_ids(socket.access, event)
                judged = by_sight[sight] = (visible, {"type": kind, "id": visible[0]} if visible else None)
            visible, listed = judged
            if listed is None:
                continue
            if socket.subscribed.isdisjoint(visible):  # most pages: none of these is open there
                frames = socket._lists_changed(listed)
            else:
                frames = socket._frames(kind, visible, seq=seq)
            for frame in frames:
                FannedOutConsumer.hear(socket, {"type": "kefu.frame", "frame": frame})

    async def kefu_frame(self, message: dict[str, Any]) -> None:
        await self.send_json(message["frame"])

    async def kefu_event(self, message: dict[str, Any]) -> None:
        event = message.get("event") or {}
        kind, conversation_id = event.get("type"), event.get("id")
        if kind in DESK_EVENTS and _keyed(event):
            for frame in self._judge(event):
                await self.send_json(frame)
            return
        if not isinstance(conversation_id, int):
            return
        if kind == "typing":
            if event.get("sender") != self.channel_name and conversation_id in self.subscribed:
                await self.send_json(
                    {"type": "typing", "conversation_id": conversation_id, "from": event.get("from")}
                )
            return
        if kind in OFFER_EVENTS:  # the group is this person's own: the offer is theirs
            # `sent_at`: the server's clock as the frame leaves (epoch seconds), which splits an
            # offer's latency into the server's part and the network's (bench/routing_e2e.py)
            await self.send_json({**event, "type": kind, "sent_at": round(time.time(), 4)})
            return
        if kind not in DESK_EVENTS or not await self._can_see(conversation_id, event):
            return
        for frame in self._frames(kind, [conversation_id], seq=event.get("seq")):
            await self.send_json(frame)

    def _judge(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """The frames for an inbox hint with tenant keys (`_visible_ids`)."""
        seq = event.get("seq") if "conversations" not in event else None
        return self._frames(event["type"], _visible_ids(self.access, event), seq=seq)

    def _frames(self, kind: str, visible: list[int], *, seq: Any = None) -> list[dict[str, Any]]:
        """A frame per visible conversation the page subscribed to (its open one, its own), and
        one for the others, which the page only lists (`_lists_changed`)."""
        frames: list[dict[str, Any]] = []
        others = None
        for conversation_id in visible:
            if conversation_id in self.subscribed:
                frame = {"type": kind, "id": conversation_id}
                if seq is not None:
                    frame["seq"] = seq
                frames.append(frame)
            elif others is None:
                others = conversation_id
        if others is not None:
            frames += self._lists_changed({"type": kind, "id": others})
        return frames

    def _lists_changed(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        """The page re-fetches its lists once however many changed, so their frame goes at most
        once per `KEFU_INBOX_HINT_S`: the first at once (returned), the last of a window at its
        end. A thousand agents' pages then re-fetch at most a thousand times a second, whatever
        the traffic (docs/routing.md, "Hint storms"). The frame is not changed later (`hear_all`
        gives one to every page of a sight)."""
        if self.lists_window is not None:
            self.lists_pending = frame
            return []
        self._open_lists_window()
        return [frame]

    def _open_lists_window(self) -> None:
        self.lists_window = asyncio.get_running_loop().call_later(
            self.lists_window_s(), self._close_lists_window
        )

    def lists_window_s(self) -> float:
        """`KEFU_INBOX_HINT_S`, or longer when many of this process's sockets hear the same inbox:
        together they then ask for at most `KEFU_INBOX_REFETCHES_PER_S` list re-fetches a second
        (500 workspaces on one server: every 2.5 s), since each page re-fetches its lists, a
        request each, when told (bench/README.md: a thousand agents' frames alone cost the
        servers ~20 ms of CPU per chat)."""
        fanout = process_fanout()
        group = inbox_group(self.access.organization_id) if self.access is not None else None
        listeners = len(fanout.listeners.get(group, ())) if fanout is not None else 1
        return max(float(settings.KEFU_INBOX_HINT_S), listeners / float(settings.KEFU_INBOX_REFETCHES_PER_S))

    def _close_lists_window(self) -> None:
        pending, self.lists_pending = self.lists_pending, None
        if pending is None:
            self.lists_window = None
            return
        super().hear({"type": "kefu.frame", "frame": pending})  # in turn with the socket's messages
        self._open_lists_window()

    async def _can_see(self, conversation_id: int, event: dict[str, Any]) -> bool:
        """A hint without tenant keys (older publishers; keyed ones go to `_judge`): looked up
        once per conversation, only positives kept."""
        if conversation_id in self.visible_cache:
            return True
        visible = await database_sync_to_async(_visible)(self.access, conversation_id)
        if visible:  # only positives are kept: a conversation may become visible (escalated to L2)
            if len(self.visible_cache) >= MAX_VISIBILITY_CACHE:
                self.visible_cache.clear()
            self.visible_cache[conversation_id] = True
        return visible
