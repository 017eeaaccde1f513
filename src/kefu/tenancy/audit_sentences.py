"""Audit records as sentences people read: "陈曦 将 #426 升级给L2（甲方员工）：原因 质量问题".

The one place that maps an audit action code (`desk.conversation_escalate`) to a translatable
sentence template, and a data key (`reason`) to its label and a readable value. The audit
log and the home page's recent activity both render `line(event)`; the raw record (code,
object, data as JSON) stays one click away for auditors.

Apps register the sentences of their own codes (and formatters for values only they can
name, such as the desk's tiers) from `AppConfig.ready()` with `register` and
`register_value`; tenancy's own and those of apps without a `ready()` hook sit here.
`tenancy/tests/test_audit_sentences.py` checks that every action code written in the source
has a sentence.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kefu.core.roles import role_label

#: action code → sentence template with `%(actor)s`, `%(target)s` and the record's data keys.
SENTENCES: dict[str, Promise] = {}
#: data key → its label in the details list.
KEY_LABELS: dict[str, Promise] = {}
#: data key → how its value reads (a code to words).
VALUE_FORMATTERS: dict[str, Callable[[Any], str]] = {}
#: data keys whose two-item lists are a change, [before, after].
CHANGE_KEYS = {"role", "is_active", "require_mfa", "require_provider_mfa"}


#: (action code, data key) → how that key's values read in that action's records.
ACTION_FORMATTERS: dict[tuple[str, str], Callable[[Any], str]] = {}


def register(
    action: str, sentence: Promise, *, values: dict[str, Callable[[Any], str]] | None = None
) -> None:
    """The sentence of an action code; `%(actor)s`, `%(target)s` and data keys are filled.
    `values`: how this action's data values read (`{"to": resolution_label}`)."""
    SENTENCES[action] = sentence
    for key, formatter in (values or {}).items():
        ACTION_FORMATTERS[(action, key)] = formatter


def register_key(key: str, label: Promise, formatter: Callable[[Any], str] | None = None) -> None:
    """The label of a data key, and optionally how its values read."""
    KEY_LABELS[key] = label
    if formatter is not None:
        VALUE_FORMATTERS[key] = formatter


def _yes_no(value: Any) -> str:
    return gettext("yes") if value else gettext("no")


def readable(key: str, value: Any, action: str = "") -> str:
    """A data value as words: registered formatter, lists joined, booleans as yes/no."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, (list, tuple)):
        # a change is recorded as [before, after]
        joiner = " → " if key in CHANGE_KEYS and len(value) == 2 else "、"
        return joiner.join(readable(key, v, action) for v in value)
    formatter = ACTION_FORMATTERS.get((action, key)) or VALUE_FORMATTERS.get(key)
    if formatter is not None:
        try:
            return formatter(value)
        except (TypeError, ValueError, KeyError):
            return str(value)
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, dict):
        return "；".join(f"{label_of(k)}: {readable(k, v)}" for k, v in value.items())
    return str(value)


def choice_label(choices: Any) -> Callable[[Any], str]:
    """How a stored choice value reads: its translated label, or the value itself if the choices
    no longer hold it (an old record outlives a removed choice)."""

    def label(value: Any) -> str:
        try:
            return str(choices(value).label)
        except ValueError:
            return str(value)

    return label


def label_of(key: str) -> str:
    label = KEY_LABELS.get(key)
    return str(label) if label is not None else key


@dataclass(frozen=True)
class AuditLine:
    """One audit record as shown: the sentence, readable details, and the raw record."""

    at: datetime
    actor: str
    sentence: str
    details: list[tuple[str, str]]
    raw: str


class _Values(dict):  # type: ignore[type-arg]
    """Fills a sentence; a key the record lacks reads as a dash instead of failing."""

    def __missing__(self, key: str) -> str:
        return "—"


def actor_of(event: Any) -> str:
    """The actor's display name (the username only when no display name is set or the
    account is gone)."""
    actor = getattr(event, "actor", None)
    if actor is not None:
        return str(actor)
    return event.actor_name or gettext("someone")


def target_of(event: Any) -> str:
    if event.target_type == "Conversation" and event.target_id:
        return f"#{event.target_id}"
    if event.target_type == "Case" and event.target_id:  # its repr carries the raw type code
        return gettext("case #%(id)s") % {"id": event.target_id}
    return event.target_repr or "—"


def line(event: Any) -> AuditLine:
    """The audit record `event` (an `AuditEvent`) as people read it."""
    data = event.data if isinstance(event.data, dict) else {}
    actor = actor_of(event)
    values = _Values({key: readable(key, value, event.action) for key, value in data.items()})
    values.update(actor=actor, target=target_of(event))
    template = SENTENCES.get(event.action)
    if template is None:
        sentence = gettext("%(actor)s: an action this version does not describe (%(target)s)") % values
    else:
        sentence = str(template) % values
    details = [(label_of(key), readable(key, value, event.action)) for key, value in data.items()]
    raw = json.dumps(
        {
            "action": event.action,
            "actor": event.actor_name,
            "target": {"type": event.target_type, "id": event.target_id, "repr": event.target_repr},
            "ip_address": event.ip_address,
            "data": data,
        },
        ensure_ascii=False,
        indent=1,
        default=str,
    )
    return AuditLine(at=event.at, actor=actor, sentence=sentence, details=details, raw=raw)


# --- tenancy's own codes, and the codes of apps that register nothing themselves ---------------
for _code, _sentence in {
    "login": _("%(actor)s signed in"),
    "login.failed": _("A sign-in as %(username)s failed"),
    "login.throttled": _("A sign-in as %(username)s was blocked after too many attempts"),
    "logout": _("%(actor)s signed out"),
    "mfa.enabled": _("%(actor)s turned on two-factor sign-in"),
    "mfa.failed": _("%(actor)s entered a wrong two-factor code"),
    "membership.created": _("%(actor)s added the member %(target)s as %(role)s"),
    "membership.changed": _("%(actor)s changed the member %(target)s"),
    "membership.deleted": _("%(actor)s removed the member %(target)s (%(role)s)"),
    "organization.created": _("The organisation %(target)s was created"),
    "organization.security_changed": _("%(actor)s changed the security settings of %(target)s"),
    "engagement.created": _("The service engagement %(target)s was created"),
    "engagement.proposed": _("%(actor)s invited %(provider)s to quote (proposed engagement %(target)s)"),
    "engagement.awarded": _("%(actor)s chose %(provider)s: the engagement %(target)s is active"),
    "engagement.declined": _(
        "%(actor)s passed over %(provider)s: the proposed engagement %(target)s is closed"
    ),
    "api_token.created": _("%(actor)s created the API token %(name)s"),
    "api_token.revoked": _("%(actor)s revoked the API token %(target)s"),
    "export.conversations": _("%(actor)s exported conversations"),
    "workforce.history_imported": _("%(actor)s imported contact history (%(intervals)s intervals)"),
    "workforce.campaign_created": _("%(actor)s added the campaign %(target)s"),
    "workforce.campaign_deleted": _("%(actor)s deleted the campaign %(target)s"),
    "workforce.schedule_created": _("%(actor)s created the schedule %(target)s"),
    "workforce.schedule_solved": _("The schedule %(target)s was solved: %(shifts)s shifts"),
    "workforce.schedule_published": _("%(actor)s published the schedule %(target)s"),
    "workforce.published_shift_edited": _("%(actor)s changed a published shift on %(date)s"),
    "workforce.schedule_request_pending": _("%(actor)s asked for a schedule change on %(date)s"),
    "workforce.schedule_request_approved": _("%(actor)s approved a schedule request for %(date)s"),
    "workforce.schedule_request_rejected": _("%(actor)s turned down a schedule request for %(date)s"),
}.items():
    register(_code, _sentence)

for _key, _label, _formatter in (
    ("role", _("Role"), lambda v: str(role_label(v))),
    ("username", _("User name"), None),
    ("name", _("Name"), None),
    ("prefix", _("Token prefix"), None),
    ("from", _("Before"), None),
    ("to", _("After"), None),
    ("reason", _("Reason"), None),
    ("added", _("Added"), None),
    ("removed", _("Removed"), None),
    ("path", _("Path"), None),
    ("date", _("Date"), None),
    ("week_start", _("Week from"), None),
    ("intervals", _("Intervals"), None),
    ("interval_minutes", _("Minutes per interval"), None),
    ("shifts", _("Shifts"), None),
    ("status", _("Status"), None),
    ("kind", _("Kind"), None),
    ("agent_id", _("Agent (id)"), None),
    ("template", _("Shift"), None),
    ("solve", _("Solve now"), None),
    ("is_active", _("Active"), None),
    ("require_mfa", _("Two-factor required"), None),
    ("require_provider_mfa", _("Two-factor required of providers"), None),
):
    register_key(_key, _label, _formatter)
