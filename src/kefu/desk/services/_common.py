"""Helpers every desk service shares: which client and provider a new row belongs to, input
checks that raise `Invalid`, the provider's access while an item is escalated, live updates."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from kefu.core import realtime
from kefu.core.errors import Invalid, NotFound, PermissionDenied
from kefu.core.scope import Scope, new_row_keys
from kefu.desk.models import Conversation, ProviderAccess, Tier
from kefu.desk.permissions import DeskPerm
from kefu.desk.redaction import RedactionPolicy

MAX_LIST_ITEMS = 50


def _client_for(scope: Scope, client_id: int | None) -> int:
    """The client a new row belongs to: the actor's own, or one the provider serves (the shared
    rule of `core.scope.new_row_keys`: another tenant's client is not found, 404)."""
    return new_row_keys(scope, client_id=client_id).client_id


def _provider_for(scope: Scope, provider_id: int | None) -> int | None:
    """The serving provider: the acting provider, or for a client its only (or named) provider."""
    if scope.is_provider:
        if provider_id not in (None, scope.organization_id):
            raise Invalid(_("Unknown provider."), field="provider_id")
        return scope.organization_id
    if provider_id is not None:
        if provider_id not in scope.provider_ids:
            raise Invalid(_("Unknown provider."), field="provider_id")
        return provider_id
    providers = scope.provider_ids
    return next(iter(providers)) if len(providers) == 1 else None


def _choice(value: str, choices: type[Any], field: str) -> str:
    if value not in choices.values:
        raise Invalid(
            _("Unknown value %(value)s; expected one of: %(choices)s")
            % {"value": value, "choices": ", ".join(choices.values)},
            field=field,
        )
    return value


def _strings(values: list[str] | None, field: str, *, max_length: int = 120) -> list[str]:
    cleaned = [v.strip() for v in (values or []) if v and v.strip()]
    if len(cleaned) > MAX_LIST_ITEMS or any(len(v) > max_length for v in cleaned):
        raise Invalid(
            _("At most %(count)d entries of at most %(length)d characters each.")
            % {"count": MAX_LIST_ITEMS, "length": max_length},
            field=field,
        )
    return list(dict.fromkeys(cleaned))


def _text(value: str, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        raise Invalid(_("At most %(length)d characters.") % {"length": max_length}, field=field)
    if "\x00" in value:
        raise Invalid(_("NUL characters are not allowed."), field=field)
    return value


def channel_data_check(data: Any) -> None:
    """Connector metadata is stored as JSON, which PostgreSQL refuses with NUL characters in it."""
    if data and "\\u0000" in json.dumps(data):
        raise Invalid(_("NUL characters are not allowed."), field="channel_data")


def _redaction_policy(client_id: int | None) -> RedactionPolicy:
    """The client's redaction rules; until clients can configure them, cards and ID cards."""
    return RedactionPolicy()


INBOX_PREFIX = "desk.inbox."


def _publish(conversation: Conversation, event_type: str, **payload: Any) -> None:
    """Tell open pages after commit; they re-fetch their partial."""
    _tell(conversation_hints(conversation, event_type, **payload))


def _tell(hints: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Publish hints after commit. An inbox group's hint goes as a list of [id, provider id,
    client id] that the server may merge with the same group's next hints (`core.realtime`,
    docs/routing.md "Hint storms"): every socket of the organisation hears an inbox group, and
    a busy provider's new chats would otherwise reach each of a thousand agents one by one."""
    for group, kind, data in hints:
        if group.startswith(INBOX_PREFIX):
            items = data.get("conversations") or [[data["id"], data["provider_id"], data["client_id"]]]
            realtime.publish_merged_on_commit(group, kind, "conversations", items)
        else:
            realtime.publish_on_commit(group, kind, **data)


def conversation_hints(
    conversation: Conversation, event_type: str, **payload: Any
) -> list[tuple[str, str, dict[str, Any]]]:
    """The live updates a change of this conversation sends: to its open page and to the
    inboxes of both sides, as (group, event type, payload).

    An inbox hint carries the conversation's tenant keys: every socket of the organisation hears
    it, and each decides in memory whether its person sees the conversation (`Scope.sees`);
    asking the database per socket queued a thousand reads per new chat in the server's one
    database thread, and the offers waited behind them (docs/routing.md, "Offer latency"). The
    keys stay on the server: the socket sends the browser the id only."""
    hints = [(f"desk.conversation.{conversation.pk}", event_type, {"id": conversation.pk, **payload})]
    keys = {"provider_id": conversation.provider_id, "client_id": conversation.client_id}
    for organization_id in {conversation.provider_id, conversation.client_id} - {None}:
        hints.append((f"desk.inbox.{organization_id}", event_type, {"id": conversation.pk, **keys}))
    return hints


def _publish_batch(conversations: list[Conversation], event_type: str) -> None:
    """Tell open pages after commit about a batch of changed conversations (`batch_hints`)."""
    _tell(batch_hints(conversations, event_type))


def batch_hints(conversations: list[Conversation], event_type: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The live updates of a batch (automatic assignment: up to 200 conversations): each
    conversation's open page its own hint, as `conversation_hints`, but each inbox group one
    hint for the whole batch, `conversations`: [id, provider id, client id] of each. Every
    workspace socket of the group judges each entry in memory (`Scope.sees`) and sends its
    browser one frame per visible id, the same frames as single hints (desk consumers). So a
    batch of N costs N + 2 sends, not 3N. An inbox group that one conversation alone reaches
    gets the single hint."""
    hints: list[tuple[str, str, dict[str, Any]]] = []
    by_group: dict[str, list[list[int | None]]] = {}
    for c in conversations:
        hints.append((f"desk.conversation.{c.pk}", event_type, {"id": c.pk}))
        for organization_id in sorted({c.provider_id, c.client_id} - {None}):
            entry = [c.pk, c.provider_id, c.client_id]
            by_group.setdefault(f"desk.inbox.{organization_id}", []).append(entry)
    for group, items in by_group.items():
        if len(items) == 1:
            [(pk, provider_id, client_id)] = items
            hints.append((group, event_type, {"id": pk, "provider_id": provider_id, "client_id": client_id}))
        else:
            hints.append((group, event_type, {"conversations": items}))
    return hints


def _settings_client(scope: Scope, client_id: int | None) -> int:
    """The client whose settings change: only the client itself decides them. Another
    client's id is a 404, as for any object the actor cannot see."""
    if client_id is not None and client_id not in scope.client_ids:
        raise NotFound()
    scope.require(DeskPerm.MANAGE_SETTINGS)
    return _client_for(scope, client_id)


def _require_write(scope: Scope, conversation: Conversation) -> None:
    """While escalated, provider staff may change the item only if the client granted edit."""
    if (
        scope.is_provider
        and conversation.tier != Tier.L1
        and conversation.provider_access != ProviderAccess.EDIT
    ):
        raise PermissionDenied(
            _("This conversation is escalated to the client; the provider may only view it.")
        )
