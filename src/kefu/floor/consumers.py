"""`/ws/floor/`: tells an open wallboard (and the bell in the header) that something changed; the
page re-fetches its partial, so nothing is rendered here and no figure travels on the socket.

The scope is built in `connect()` as for the workspace. Groups by who connects:
- provider staff with the wallboard: their desk inbox, their agents' presence, their floor group;
- a client's managers: their own desk inbox (their conversations only), the presence groups of
  the providers serving them (a hint, no identities: the frame carries no payload) and the
  client's floor group (alarms shared with them);
- everyone with notices: their own user group (a call-in, a whisper).
Bursts are coalesced: the first hint opens a `THROTTLE_S` window and one `wallboard.changed`
goes out at its end, so a busy floor makes each open board re-fetch at most twice a second.
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async

from kefu.core.fanout import FannedOutConsumer
from kefu.core.scope import Scope
from kefu.desk.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED, access_for, inbox_group
from kefu.floor import services
from kefu.floor.permissions import FloorPerm
from kefu.routing import services as routing_services

THROTTLE_S = 0.5
BOARD_EVENTS = frozenset(
    {
        "conversation.created",
        "conversation.updated",
        "message.created",
        "presence.updated",
        "floor.changed",
        "alarm.raised",
    }
)
STATS_EVENTS = frozenset({"conversation.created", "conversation.updated", "presence.updated"})


def groups_for(scope: Scope) -> list[str]:
    """The groups a floor socket of this actor joins (tested: a client never joins a provider's
    floor group, nor another client's)."""
    groups: list[str] = []
    if scope.user_id is not None and scope.has(FloorPerm.NOTICES):
        groups.append(services.user_group(scope.user_id))
    if not scope.has(FloorPerm.VIEW_WALLBOARD) or scope.organization_id is None:
        return groups
    groups.append(inbox_group(scope.organization_id))
    if scope.is_provider:
        groups += [
            routing_services.presence_group(scope.organization_id),
            services.provider_group(scope.organization_id),
        ]
    elif scope.is_client:
        groups += [routing_services.presence_group(p) for p in sorted(scope.provider_ids)]
        groups.append(services.client_group(scope.organization_id))
    return groups


class FloorConsumer(FannedOutConsumer):
    """An open wallboard or header bell; its groups heard through the process's one channel."""

    access: Scope | None = None

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
        self.joined = groups_for(self.access)
        if not self.joined:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        for group in self.joined:
            await self.start_hearing(group)
        self.pending: asyncio.TimerHandle | None = None
        self.stats_moved = False
        await self.send_json({"type": "hello", "board": self.access.has(FloorPerm.VIEW_WALLBOARD)})

    async def disconnect(self, code: int) -> None:
        if getattr(self, "pending", None) is not None:
            self.pending.cancel()
        await self.stop_hearing_all()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "code": "unknown_type"})

    async def kefu_event(self, message: dict[str, Any]) -> None:
        kind = (message.get("event") or {}).get("type")
        if kind in ("notice.created", "whisper", "alarm.raised"):
            await self.send_json({"type": "bell.changed"})
        if kind in BOARD_EVENTS and self.access is not None and self.access.has(FloorPerm.VIEW_WALLBOARD):
            self.stats_moved = self.stats_moved or kind in STATS_EVENTS
            self._schedule()

    def _schedule(self) -> None:
        if self.pending is not None:
            return
        # the first hint opens a window; everything within it goes out as one frame at its end
        self.pending = asyncio.get_running_loop().call_later(
            THROTTLE_S, lambda: asyncio.ensure_future(self._flush())
        )

    async def _flush(self) -> None:
        self.pending = None
        if self.stats_moved and self.access is not None and self.access.is_provider:
            # figures moved: judge the alarms now rather than at the job's next turn (once per
            # provider per `services.EVALUATE_EVERY_S` in this process, however many boards)
            self.stats_moved = False
            await database_sync_to_async(services.alarms_evaluate_due)(self.access.organization_id)
        await self.send_json({"type": "wallboard.changed"})
