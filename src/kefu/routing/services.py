"""Routing's writes: queues, skills, presence and capacity, certifications.

Queues are never renamed: a queue's name is the key conversations, the event log, forecasts and
schedules carry, so a new name is a new queue (docs/decisions.md, "Queues keep their names").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core import clock, realtime
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.core.scope import Scope
from kefu.routing import config_cache, selectors
from kefu.routing.models import (
    AgentCapacity,
    AgentPresence,
    AgentSkill,
    BreakReason,
    BusinessType,
    Certification,
    PresenceChange,
    PresenceSource,
    PresenceState,
    Queue,
    QueueChannel,
    QueueProvider,
    QueueSkill,
    Skill,
    SkillKind,
)
from kefu.routing.permissions import RoutingPerm
from kefu.routing.wakeups import wake

QUEUE_FIELDS = (
    "business_type",
    "channel",
    "priority",
    "sl_target_percent",
    "sl_target_seconds",
    "overflow_after_s",
    "overflow_queue_id",
    "overflow_provider_id",
    "default_chat_concurrency",
    "auto_accept",
    "offer_timeout_s",
    "active",
)


def _require_provider(scope: Scope, permission: str) -> None:
    scope.require(permission)
    if not scope.is_provider:
        raise PermissionDenied()


# --- queues --------------------------------------------------------------------------------------
def _clean_queue(scope: Scope, values: dict[str, Any], queue: Queue | None = None) -> dict[str, Any]:
    checks: list[tuple[str, Any, Any]] = [
        ("priority", 1, 10),
        ("sl_target_percent", 1, 100),
        ("sl_target_seconds", 1, 86400),
        ("default_chat_concurrency", 1, 20),
        ("offer_timeout_s", 5, 600),
    ]
    for name, low, high in checks:
        if name in values and not (isinstance(values[name], int) and low <= values[name] <= high):
            raise Invalid(
                _("Must be a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}, field=name
            )
    if "business_type" in values and values["business_type"] not in BusinessType.values:
        raise Invalid(_("Unknown business type."), field="business_type")
    if "channel" in values and values["channel"] not in QueueChannel.values:
        raise Invalid(_("Unknown channel."), field="channel")
    after = values.get("overflow_after_s")
    if after is not None and not (isinstance(after, int) and 1 <= after <= 86400):
        raise Invalid(_("Overflow waits 1 to 86400 seconds."), field="overflow_after_s")
    target = values.get("overflow_queue_id")
    if target is not None:
        other = selectors.queue_get(scope, queue_id=target)  # NotFound for others' queues
        if queue is not None and other.pk == queue.pk:
            raise Invalid(_("A queue cannot overflow into itself."), field="overflow_queue_id")
    provider = values.get("overflow_provider_id")
    if provider is not None and provider != scope.provider_id:
        client_id = queue.client_id if queue is not None else values.get("client_id")
        if client_id is None or provider not in selectors.serving_provider_ids(scope, client_id=client_id):
            raise NotFound(_("That provider does not serve this client."), field="overflow_provider_id")
    return values


@transaction.atomic
def queue_create(
    scope: Scope,
    *,
    client_id: int,
    name: str,
    required_skills: Sequence[tuple[int, int]] = (),
    **fields: Any,
) -> Queue:
    """A client's queue served by the acting provider (100 % of the planned traffic), requiring
    the provider's queue skill of the same name plus `required_skills` ((skill id, least level))."""
    _require_provider(scope, RoutingPerm.MANAGE_QUEUES)
    if client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."), field="client_id")
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise Invalid(_("Give the queue a name of at most 60 characters."), field="name")
    unknown = set(fields) - set(QUEUE_FIELDS)
    if unknown:
        raise Invalid(_("Unknown field."), field=sorted(unknown)[0])
    values = _clean_queue(
        scope, {"client_id": client_id, **{k: v for k, v in fields.items() if v is not None}}
    )
    values.pop("client_id")
    if Queue.all_tenants.filter(client_id=client_id, name=name).exists():
        raise Conflict(_("This client already has a queue of that name."), field="name")
    queue = Queue.objects.create(provider_id=scope.provider_id, client_id=client_id, name=name, **values)
    QueueProvider.objects.create(
        provider_id=scope.provider_id, client_id=client_id, queue=queue, share_percent=100
    )
    _require_skills(
        scope, queue, [(skill_create(scope, kind=SkillKind.QUEUE, name=name).pk, 1), *required_skills]
    )
    return queue


def _require_skills(scope: Scope, queue: Queue, required: Sequence[tuple[int, int]]) -> None:
    for skill_id, least in required:
        skill = selectors.skill_get(scope, skill_id=skill_id)
        if not 1 <= least <= 5:
            raise Invalid(_("Proficiency is 1 to 5."), field="required_skills")
        _queue_skill_put(scope, queue, skill, least)


def _queue_skill_put(scope: Scope, queue: Queue, skill: Skill, least: int) -> None:
    row = QueueSkill.objects.for_scope(scope).filter(queue=queue, skill=skill).first()
    if row is None:
        QueueSkill.objects.create(
            provider_id=scope.provider_id,
            client_id=queue.client_id,
            queue=queue,
            skill=skill,
            min_proficiency=least,
        )
    elif row.min_proficiency != least:
        row.min_proficiency = least
        row.save(update_fields=["min_proficiency"])


@transaction.atomic
def queue_update(
    scope: Scope, *, queue_id: int, required_skills: Sequence[tuple[int, int]] | None = None, **fields: Any
) -> Queue:
    """Change a queue's settings (not its name: see the module's docstring)."""
    _require_provider(scope, RoutingPerm.MANAGE_QUEUES)
    queue = selectors.queue_get(scope, queue_id=queue_id, for_update=True)
    if "name" in fields and fields.pop("name") not in (None, queue.name):
        raise Invalid(_("A queue keeps its name; create a new queue instead."), field="name")
    if "client_id" in fields and fields.pop("client_id") not in (None, queue.client_id):
        raise Invalid(_("A queue stays with its client."), field="client_id")
    unknown = set(fields) - set(QUEUE_FIELDS)
    if unknown:
        raise Invalid(_("Unknown field."), field=sorted(unknown)[0])
    if queue.provider_id != scope.provider_id and set(fields) - {"active"}:
        raise PermissionDenied(_("Only the provider that set this queue up changes its settings."))
    values = _clean_queue(scope, dict(fields), queue)
    for key, value in values.items():
        setattr(queue, key, value)
    if values:
        queue.save(update_fields=[k.removesuffix("_id") if k.endswith("_id") else k for k in values])
    if required_skills is not None:
        keep = {skill_id for skill_id, _least in required_skills}
        own = (
            selectors.skill_list(scope, kind=SkillKind.QUEUE)
            .filter(name=queue.name)
            .values_list("pk", flat=True)
        )
        keep.update(own)
        QueueSkill.objects.for_scope(scope).filter(queue=queue, provider_id=scope.provider_id).exclude(
            skill_id__in=keep
        ).delete()
        _require_skills(scope, queue, required_skills)
    return queue


@transaction.atomic
def queue_providers_set(scope: Scope, *, queue_id: int, shares: Mapping[int, int]) -> list[QueueProvider]:
    """The planned split of a queue's traffic between the providers serving its client (sums to 100)."""
    _require_provider(scope, RoutingPerm.MANAGE_QUEUES)
    queue = selectors.queue_get(scope, queue_id=queue_id, for_update=True)
    if queue.provider_id != scope.provider_id:
        raise PermissionDenied(_("Only the provider that set this queue up plans its split."))
    if not shares or sum(shares.values()) != 100 or any(not 0 <= v <= 100 for v in shares.values()):
        raise Invalid(_("The shares must add up to 100 %."), field="shares")
    if scope.provider_id not in shares:
        raise Invalid(_("Your own share must be listed."), field="shares")
    serving = set(selectors.serving_provider_ids(scope, client_id=queue.client_id))
    if set(shares) - serving - {scope.provider_id}:
        raise NotFound(_("That provider does not serve this client."), field="shares")
    QueueProvider.all_tenants.filter(queue=queue).exclude(provider_id__in=list(shares)).delete()
    rows = []
    for provider_id, share in sorted(shares.items()):
        row = QueueProvider.all_tenants.filter(queue=queue, provider_id=provider_id).first()
        if row is None:
            row = QueueProvider.objects.create(
                provider_id=provider_id, client_id=queue.client_id, queue=queue, share_percent=share
            )
        else:
            row.share_percent = share
            row.save(update_fields=["share_percent"])
        rows.append(row)
    return rows


# --- skills --------------------------------------------------------------------------------------
def skill_create(scope: Scope, *, kind: str, name: str) -> Skill:
    """The provider's skill of that kind and name (the existing one if already there)."""
    if not scope.is_provider:
        raise PermissionDenied()
    if kind not in SkillKind.values:
        raise Invalid(_("Unknown kind of skill."), field="kind")
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise Invalid(_("Give the skill a name of at most 60 characters."), field="name")
    found = (
        Skill.objects.for_scope(scope)
        .filter(provider_id=scope.provider_id, client_id=None, kind=kind, name=name)
        .first()
    )
    return found or Skill.objects.create(provider_id=scope.provider_id, kind=kind, name=name)


@transaction.atomic
def skill_define(scope: Scope, *, kind: str, name: str) -> Skill:
    """A lead's new skill (product line, language, channel, tier). Queue skills come with their
    queue (`queue_create`), so they are not made here; a second skill of one kind and name is 409."""
    _require_provider(scope, RoutingPerm.MANAGE_SKILLS)
    if kind == SkillKind.QUEUE:
        raise Invalid(_("Queue skills come with their queue."), field="kind")
    exists = (
        Skill.objects.for_scope(scope)
        .filter(provider_id=scope.provider_id, kind=kind, name=(name or "").strip())
        .exists()
    )
    if exists:
        raise Conflict(_("There is already a skill of that kind and name."), field="name")
    return skill_create(scope, kind=kind, name=name)


@transaction.atomic
def skill_update(scope: Scope, *, skill_id: int, kind: str | None = None, name: str | None = None) -> Skill:
    """Rename a skill or change its kind; agents keep their levels. A queue skill carries its
    queue's name (the queues an agent serves are read from it), so it is neither renamed nor
    turned into another kind, and no skill becomes a queue skill."""
    _require_provider(scope, RoutingPerm.MANAGE_SKILLS)
    skill = selectors.skill_get(scope, skill_id=skill_id)
    if skill.provider_id != scope.provider_id:
        raise NotFound(field="skill_id")
    kind = skill.kind if kind is None else kind
    name = skill.name if name is None else (name or "").strip()
    if (kind, name) == (skill.kind, skill.name):
        return skill
    if skill.kind == SkillKind.QUEUE:
        raise Invalid(_("A queue skill keeps its queue's name and kind."), field="name")
    if kind == SkillKind.QUEUE:
        raise Invalid(_("Queue skills come with their queue."), field="kind")
    if kind not in SkillKind.values:
        raise Invalid(_("Unknown kind of skill."), field="kind")
    if not name or len(name) > 60:
        raise Invalid(_("Give the skill a name of at most 60 characters."), field="name")
    taken = (
        Skill.objects.for_scope(scope)
        .filter(provider_id=scope.provider_id, kind=kind, name=name)
        .exclude(pk=skill.pk)
        .exists()
    )
    if taken:
        raise Conflict(_("There is already a skill of that kind and name."), field="name")
    skill.kind, skill.name = kind, name
    skill.save(update_fields=["kind", "name"])
    return skill


def _require_staff(scope: Scope, user_id: int) -> None:
    if user_id not in selectors.staff_ids(scope):
        raise NotFound(_("Unknown agent."), field="agent_id")


@transaction.atomic
def agent_skill_set(
    scope: Scope, *, user_id: int, skill_id: int, proficiency: int | None
) -> AgentSkill | None:
    """Give an agent a skill at a level 1–5, or take it away (`proficiency=None`)."""
    _require_provider(scope, RoutingPerm.MANAGE_SKILLS)
    _require_staff(scope, user_id)
    skill = selectors.skill_get(scope, skill_id=skill_id)
    row = AgentSkill.objects.for_scope(scope).filter(user_id=user_id, skill=skill).first()
    if proficiency is None:
        if row is not None:
            row.delete()
        return None
    if not isinstance(proficiency, int) or not 1 <= proficiency <= 5:
        raise Invalid(_("Proficiency is 1 to 5."), field="proficiency")
    if row is None:
        return AgentSkill.objects.create(
            provider_id=scope.provider_id, user_id=user_id, skill=skill, proficiency=proficiency
        )
    row.proficiency = proficiency
    row.save(update_fields=["proficiency"])
    return row


@transaction.atomic
def agent_skills_put(scope: Scope, *, user_id: int, levels: Mapping[int, int | None]) -> list[AgentSkill]:
    """Set several of an agent's skills at once (skill id → level 1–5, or None to take it away);
    skills not listed stay as they are. All or nothing. Returns the agent's skills afterwards."""
    _require_provider(scope, RoutingPerm.MANAGE_SKILLS)
    _require_staff(scope, user_id)
    for skill_id, level in sorted(levels.items()):
        agent_skill_set(scope, user_id=user_id, skill_id=skill_id, proficiency=level)
    return list(selectors.agent_skill_list(scope, user_id=user_id))


@transaction.atomic
def agent_capacity_put(scope: Scope, *, user_id: int, limits: Mapping[str, int | None]) -> dict[str, int]:
    """Set an agent's own limits per channel (None: back to the queues' default). All or nothing.
    Returns the agent's overrides afterwards, channel → limit."""
    _require_provider(scope, RoutingPerm.MANAGE_SKILLS)
    _require_staff(scope, user_id)
    for channel, limit in sorted(limits.items()):
        agent_capacity_set(scope, user_id=user_id, channel=channel, max_concurrent=limit)
    return dict(
        selectors.agent_capacity_list(scope, user_id=user_id).values_list("channel", "max_concurrent")
    )


@transaction.atomic
def skill_grid_save(
    scope: Scope,
    *,
    levels: Mapping[tuple[int, int], int | None],
    capacity: Mapping[tuple[int, str], int | None],
) -> int:
    """The lead's grid in one go: (agent, skill) → level or None, (agent, channel) → own limit or
    None. Only cells that differ from what is stored are written; returns how many changed."""
    _require_provider(scope, RoutingPerm.MANAGE_SKILLS)
    grid = selectors.skill_grid(scope)
    staff = {user.pk for user in grid.agents}
    skills = {skill.pk for skill in grid.skills}
    changed = 0
    for (user_id, skill_id), level in sorted(levels.items()):
        if user_id not in staff or skill_id not in skills:
            raise NotFound(field="skill_id" if user_id in staff else "agent_id")
        if grid.levels.get((user_id, skill_id)) != level:
            agent_skill_set(scope, user_id=user_id, skill_id=skill_id, proficiency=level)
            changed += 1
    for (user_id, channel), limit in sorted(capacity.items()):
        if user_id not in staff:
            raise NotFound(field="agent_id")
        if grid.capacity.get((user_id, channel)) != limit:
            agent_capacity_set(scope, user_id=user_id, channel=channel, max_concurrent=limit)
            changed += 1
    return changed


@transaction.atomic
def agent_queue_skills_set(scope: Scope, *, user_id: int, queues: Sequence[str]) -> list[str]:
    """The queues an agent serves, exactly: queue skills added at proficiency 3, the others removed
    (levels of kept ones unchanged). Workforce's profile form writes skills through this."""
    if not (scope.has(RoutingPerm.MANAGE_SKILLS) or scope.has("workforce.plan")):
        raise PermissionDenied()
    if not scope.is_provider:
        raise PermissionDenied()
    names = sorted({q.strip()[:60] for q in queues if q and q.strip()})
    held = {
        row.skill.name: row
        for row in AgentSkill.objects.for_scope(scope)
        .filter(user_id=user_id, provider_id=scope.provider_id, skill__kind=SkillKind.QUEUE)
        .select_related("skill")
    }
    for name, row in held.items():
        if name not in names:
            row.delete()
    for name in names:
        if name not in held:
            skill = skill_create(scope, kind=SkillKind.QUEUE, name=name)
            AgentSkill.objects.create(
                provider_id=scope.provider_id, user_id=user_id, skill=skill, proficiency=3
            )
    return names


@transaction.atomic
def agent_capacity_set(scope: Scope, *, user_id: int, channel: str, max_concurrent: int | None) -> None:
    """An agent's own limit on a channel (None: back to the queue's default)."""
    _require_provider(scope, RoutingPerm.MANAGE_SKILLS)
    _require_staff(scope, user_id)
    if channel not in QueueChannel.values:
        raise Invalid(_("Unknown channel."), field="channel")
    rows = AgentCapacity.objects.for_scope(scope).filter(user_id=user_id, channel=channel)
    if max_concurrent is None:
        rows.delete()
        return
    if not isinstance(max_concurrent, int) or not 1 <= max_concurrent <= 20:
        raise Invalid(
            _("Must be a whole number from %(low)s to %(high)s.") % {"low": 1, "high": 20},
            field="max_concurrent",
        )
    if rows.update(max_concurrent=max_concurrent):
        config_cache.bump()  # `update()` sends no signal
    else:
        AgentCapacity.objects.create(
            provider_id=scope.provider_id, user_id=user_id, channel=channel, max_concurrent=max_concurrent
        )


# --- presence ------------------------------------------------------------------------------------
def presence_group(provider_id: int) -> str:
    """The realtime group told when an agent of the provider changes state (wallboards listen)."""
    return f"routing.presence.{provider_id}"


SETTABLE = {
    PresenceState.ONLINE,
    PresenceState.BUSY,
    PresenceState.AFTER_CONTACT_WORK,
    PresenceState.BREAK,
    PresenceState.OFFLINE,
}


def _presence_write(
    *,
    provider_id: int,
    user_id: int,
    state: str,
    reason: str,
    source: str,
    set_by: int | None,
    at: datetime,
) -> AgentPresence:
    current = (
        AgentPresence.all_tenants.select_for_update().filter(provider_id=provider_id, user_id=user_id).first()
    )
    if current is not None and current.state == state and current.reason == reason:
        return current
    PresenceChange.objects.create(
        provider_id=provider_id,
        user_id=user_id,
        state=state,
        reason=reason,
        at=at,
        set_by_id=set_by,
        source=source,
    )
    if current is None:
        try:
            with transaction.atomic():
                current = AgentPresence.objects.create(
                    provider_id=provider_id, user_id=user_id, state=state, reason=reason, since=at
                )
        except IntegrityError:  # another request created it first
            current = AgentPresence.all_tenants.select_for_update().get(
                provider_id=provider_id, user_id=user_id
            )
    current.state, current.reason, current.since = state, reason, at
    current.save(update_fields=["state", "reason", "since"])
    if state == PresenceState.ONLINE:
        wake(agent_id=user_id)
    realtime.publish_on_commit(presence_group(provider_id), "presence.updated", user_id=user_id, state=state)
    return current


@transaction.atomic
def presence_set(scope: Scope, *, agent_id: int, state: str, reason: str = "") -> AgentPresence:
    """Set an agent's state: the agent for themself, a team lead or provider admin for their agents.

    Who may (403), then whose agent (404), then the input (422): another tenant's agent is not
    found whatever the body says."""
    if not scope.is_provider or scope.provider_id is None:
        raise PermissionDenied()
    own = agent_id == scope.user_id
    if own:
        scope.require(RoutingPerm.PRESENCE_OWN)
    else:
        scope.require(RoutingPerm.PRESENCE_TEAM)
        _require_staff(scope, agent_id)
    if state not in SETTABLE:
        raise Invalid(_("Unknown state."), field="state")
    reason = reason or ""
    if reason not in BreakReason.values:
        raise Invalid(_("Unknown reason."), field="reason")
    if reason and state != PresenceState.BREAK:
        raise Invalid(_("Only a break has a reason."), field="reason")
    return _presence_write(
        provider_id=scope.provider_id,
        user_id=agent_id,
        state=state,
        reason=reason,
        source=PresenceSource.AGENT if own else PresenceSource.LEAD,
        set_by=scope.user_id,
        at=clock.now(),
    )


@transaction.atomic
def presence_connection(scope: Scope, *, connected: bool) -> None:
    """The agent's workspace socket opened or closed: a closed one goes offline after the grace
    period (`presence_sweep`), unless the agent comes back first."""
    if not scope.is_provider or scope.user_id is None or not scope.has(RoutingPerm.PRESENCE_OWN):
        return
    rows = AgentPresence.objects.for_scope(scope).filter(provider_id=scope.provider_id, user_id=scope.user_id)
    if connected:  # a second tab, or a reload within the grace period: nothing to write
        rows.filter(disconnected_at__isnull=False).update(disconnected_at=None)
    else:
        rows.update(disconnected_at=clock.now())


def presence_sweep(now: datetime | None = None) -> dict[str, int]:
    """The periodic job: after-contact work ends after `KEFU_ACW_SECONDS` (back online), and an
    agent whose workspace closed `KEFU_PRESENCE_GRACE_S` ago goes offline. A system job over every
    provider; each change is recorded as automatic."""
    now = now or clock.now()
    acw_end = now - timedelta(seconds=settings.KEFU_ACW_SECONDS)
    grace_end = now - timedelta(seconds=settings.KEFU_PRESENCE_GRACE_S)
    done = {"acw_ended": 0, "went_offline": 0}
    stale = AgentPresence.all_tenants.filter(disconnected_at__lte=grace_end).exclude(
        state=PresenceState.OFFLINE
    )
    for row in stale.values_list("provider_id", "user_id"):
        with transaction.atomic():
            _presence_write(
                provider_id=row[0],
                user_id=row[1],
                state=PresenceState.OFFLINE,
                reason="",
                source=PresenceSource.AUTO,
                set_by=None,
                at=now,
            )
        done["went_offline"] += 1
    ended = AgentPresence.all_tenants.filter(state=PresenceState.AFTER_CONTACT_WORK, since__lte=acw_end)
    for row in ended.values_list("provider_id", "user_id"):
        with transaction.atomic():
            _presence_write(
                provider_id=row[0],
                user_id=row[1],
                state=PresenceState.ONLINE,
                reason="",
                source=PresenceSource.AUTO,
                set_by=None,
                at=now,
            )
        done["acw_ended"] += 1
    return done


# --- certification -------------------------------------------------------------------------------
def _aware(at: datetime | None) -> datetime | None:
    """A time without a zone is the local time (the API accepts both)."""
    if at is None or at.tzinfo is not None:
        return at
    return timezone.make_aware(at)


@transaction.atomic
def certification_create(
    scope: Scope,
    *,
    user_id: int,
    client_id: int,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    note: str = "",
) -> Certification:
    """Certify an agent of the provider for a client's queues over a period."""
    _require_provider(scope, RoutingPerm.CERTIFY)
    _require_staff(scope, user_id)
    if client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."), field="client_id")
    valid_from = _aware(valid_from) or clock.now()
    valid_until = _aware(valid_until)
    if valid_until is not None and valid_until <= valid_from:
        raise Invalid(_("The certification must end after it starts."), field="valid_until")
    return Certification.objects.create(
        provider_id=scope.provider_id,
        client_id=client_id,
        user_id=user_id,
        valid_from=valid_from,
        valid_until=valid_until,
        granted_by_id=scope.user_id,
        note=(note or "")[:200],
    )


@transaction.atomic
def certification_revoke(scope: Scope, *, certification_id: int) -> Certification:
    _require_provider(scope, RoutingPerm.CERTIFY)
    found = selectors.certification_get(scope, certification_id=certification_id)
    if found.revoked_at is None:
        found.revoked_at = clock.now()
        found.save(update_fields=["revoked_at"])
    return found
