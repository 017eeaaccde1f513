"""Writes of scorecards and of each client's sampling and appeal rules.

A scorecard is never changed in place: `scorecard_update` stores the next version and makes it
current, so a review keeps the exact criteria it was scored with (docs/quality-reviews.md).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import Invalid, NotFound, PermissionDenied
from kefu.core.scope import Scope, new_row_keys
from kefu.quality import scoring
from kefu.quality.models import QaPolicy, Scorecard
from kefu.quality.permissions import QualityPerm
from kefu.quality.reviews import selectors
from kefu.tenancy import services as tenancy_services

CHANNELS = ("chat", "email", "phone", "api")
MAX_NAME = 120


def definition_error(exc: scoring.DefinitionError, *, field: str = "definition") -> Invalid:
    """The pure core's error in the reader's language (`line N: …` for the editor's text)."""
    message = _(exc.message) % exc.params if exc.params else _(exc.message)
    if exc.line is not None:
        message = _("Line %(line)d: %(message)s") % {"line": exc.line, "message": message}
    return Invalid(message, field=field)


def _checked(
    definition: dict[str, Any] | None, text: str | None, previous: scoring.Definition | None
) -> dict:
    try:
        if text is not None and text.strip():
            return scoring.parse_lines(text, previous=previous)
        if definition is not None:
            return scoring.definition_to_json(scoring.parse_definition(definition))
    except scoring.DefinitionError as exc:
        raise definition_error(exc) from None
    raise Invalid(_("Add at least one section with one criterion."), field="definition")


def _clean(name: str, channel: str) -> tuple[str, str]:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid(_("A name of 1 to %(n)d characters.") % {"n": MAX_NAME}, field="name")
    if channel not in ("", *CHANNELS):
        raise Invalid(_("Unknown channel."), field="channel")
    return name, channel


@transaction.atomic
def scorecard_create(
    scope: Scope,
    *,
    client_id: int | None,
    name: str,
    channel: str = "",
    definition: dict[str, Any] | None = None,
    text: str | None = None,
) -> Scorecard:
    """A provider's new scorecard for one of its clients (version 1, current)."""
    scope.require(QualityPerm.MANAGE_SCORECARDS)
    if not scope.is_provider:
        raise PermissionDenied()
    keys = new_row_keys(scope, client_id=client_id)
    name, channel = _clean(name, channel)
    row = Scorecard.objects.create(
        provider_id=keys.provider_id,
        client_id=keys.client_id,
        name=name,
        channel=channel,
        version=1,
        is_current=True,
        definition=_checked(definition, text, None),
        created_by_id=scope.user_id,
        created_at=clock.now(),
    )
    row.family = row.pk
    row.save(update_fields=["family"])
    tenancy_services.audit_record(
        scope, action="quality.scorecard_create", target=row, client_id=row.client_id
    )
    return row


@transaction.atomic
def scorecard_update(
    scope: Scope,
    *,
    scorecard_id: int,
    name: str | None = None,
    channel: str | None = None,
    definition: dict[str, Any] | None = None,
    text: str | None = None,
) -> Scorecard:
    """A new version of the scorecard (the given one must be current); the old one stays for
    the reviews that used it. Criteria keep their ids when their title is unchanged."""
    scope.require(QualityPerm.MANAGE_SCORECARDS)
    old = selectors.scorecard_get(scope, scorecard_id=scorecard_id, for_update=True)
    if old.provider_id != scope.provider_id:
        raise NotFound()
    if not old.is_current:
        raise Invalid(_("Edit the current version of this scorecard."), field="scorecard_id")
    name, channel = _clean(old.name if name is None else name, old.channel if channel is None else channel)
    new_definition = (
        _checked(definition, text, selectors.definition(old))
        if definition is not None or text is not None
        else old.definition
    )
    last = max(v.version for v in selectors.scorecard_versions(scope, scorecard=old))
    old.is_current = False
    old.save(update_fields=["is_current"])
    row = Scorecard.objects.create(
        provider_id=old.provider_id,
        client_id=old.client_id,
        name=name,
        channel=channel,
        family=old.family,
        version=last + 1,
        is_current=True,
        definition=new_definition,
        created_by_id=scope.user_id,
        created_at=clock.now(),
    )
    tenancy_services.audit_record(
        scope,
        action="quality.scorecard_update",
        target=row,
        client_id=row.client_id,
        data={"version": [old.version, row.version]},
    )
    return row


@transaction.atomic
def qa_policy_set(
    scope: Scope,
    *,
    client_id: int,
    percent_by_channel: dict[str, int],
    new_agent_days: int = 30,
    new_agent_percent: int = 100,
    include_complaints: bool = True,
    include_low_ratings: bool = True,
    due_days: int = 1,
    appeal_window_days: int = 3,
) -> QaPolicy:
    """The provider's sampling and appeal rules for a client (created or replaced)."""
    scope.require(QualityPerm.MANAGE_SCORECARDS)
    if not scope.is_provider:
        raise PermissionDenied()
    keys = new_row_keys(scope, client_id=client_id)
    percentages = {}
    for channel in CHANNELS:
        value = percent_by_channel.get(channel, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise Invalid(_("A share from 0 to 100 %."), field=f"percent_{channel}")
        percentages[channel] = value
    if set(percent_by_channel) - set(CHANNELS):
        raise Invalid(_("Unknown channel."), field="percent_by_channel")
    limits = {
        "new_agent_days": (0, 365),
        "new_agent_percent": (0, 100),
        "due_days": (0, 30),
        "appeal_window_days": (0, 60),
    }
    values = {
        "new_agent_days": new_agent_days,
        "new_agent_percent": new_agent_percent,
        "due_days": due_days,
        "appeal_window_days": appeal_window_days,
    }
    for field, (low, high) in limits.items():
        value = values[field]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise Invalid(
                _("A whole number from %(low)d to %(high)d.") % {"low": low, "high": high}, field=field
            )
    policy = selectors.qa_policy_get(scope, client_id=keys.client_id)
    policy.provider_id, policy.client_id = keys.provider_id, keys.client_id
    policy.percent_by_channel = percentages
    for field, value in values.items():
        setattr(policy, field, value)
    policy.include_complaints = bool(include_complaints)
    policy.include_low_ratings = bool(include_low_ratings)
    policy.save()
    tenancy_services.audit_record(
        scope,
        action="quality.policy_set",
        target=policy,
        client_id=keys.client_id,
        data={"percent_by_channel": percentages, "appeal_window_days": appeal_window_days},
    )
    return policy
