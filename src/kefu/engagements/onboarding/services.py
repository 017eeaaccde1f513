"""Writes of onboarding. Each side works its own checklist items; the provider plans the handover
and the break-in; both sides keep the risk register; the client judges the due diligence.
Quick phrases, the queue split and the break-in sampling belong to knowledge, routing and
quality: this module only calls their services."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, KefuError, PermissionDenied
from kefu.core.roles import Role
from kefu.core.scope import OrgKind, Scope
from kefu.engagements.onboarding import handover, selectors
from kefu.engagements.onboarding.models import (
    ChecklistItem,
    DiligenceArea,
    DiligenceItem,
    DiligenceStatus,
    HandoverPhase,
    ItemKind,
    ItemStatus,
    Risk,
    RiskCategory,
    RiskStatus,
    Side,
)
from kefu.engagements.permissions import EngagementPerm
from kefu.knowledge import services as knowledge_services
from kefu.quality.models import BreakInPeriod
from kefu.quality.reviews import services as quality_services
from kefu.routing import selectors as routing_selectors
from kefu.routing import services as routing_services
from kefu.routing.permissions import RoutingPerm
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy import services as tenancy_services
from kefu.tenancy.models import Engagement

log = logging.getLogger(__name__)

#: The seed's checklist: (kind, who delivers it).
SEED_ITEMS = (
    (ItemKind.PRODUCT_MATERIAL, Side.CLIENT),
    (ItemKind.QUICK_PHRASES, Side.CLIENT),
    (ItemKind.FAQ, Side.CLIENT),
    (ItemKind.AFTER_SALES, Side.CLIENT),
    (ItemKind.ORDER_REMARKS, Side.CLIENT),
    (ItemKind.FLAG_COLOURS, Side.CLIENT),
    (ItemKind.SHIPPING_TIMES, Side.CLIENT),
    (ItemKind.COURIERS, Side.CLIENT),
    (ItemKind.SCHEDULES, Side.CLIENT),
    (ItemKind.ACCOUNT_MANAGERS, Side.PROVIDER),
)
#: The due-diligence questions a client asks of a new provider.
DILIGENCE_QUESTIONS = (
    (
        DiligenceArea.SECURITY,
        gettext_lazy("Staff sign confidentiality agreements; customer data is masked"),
    ),
    (
        DiligenceArea.SECURITY,
        gettext_lazy("Workstations locked: no USB storage, no phones on the floor"),
    ),
    (DiligenceArea.SECURITY, gettext_lazy("Accounts per person, revoked on the day someone leaves")),
    (DiligenceArea.FINANCES, gettext_lazy("Audited accounts for the last two years")),
    (DiligenceArea.FINANCES, gettext_lazy("Social insurance paid for every agent")),
    (DiligenceArea.REFERENCES, gettext_lazy("Two current clients of similar size spoken to")),
)


def _today(now: datetime | None = None) -> date:
    return timezone.localdate(now or clock.now())


def _side(scope: Scope) -> str:
    return Side.PROVIDER if scope.is_provider else Side.CLIENT


def _keys(engagement: Engagement) -> dict[str, int]:
    return {
        "provider_id": engagement.provider_id,
        "client_id": engagement.client_id,
        "engagement": engagement,
    }


def _audit(scope: Scope, *, action: str, target: Any, engagement: Engagement, **data: Any) -> None:
    tenancy_services.audit_record(
        scope, action=action, target=target, client_id=engagement.client_id, data=data or None
    )


# --- checklist -------------------------------------------------------------------------------------
@transaction.atomic
def checklist_seed(scope: Scope, *, engagement_id: int, due_on: date | None = None) -> list[ChecklistItem]:
    """The seed's checklist and due-diligence questions for an engagement (once)."""
    scope.require(EngagementPerm.MANAGE_ONBOARDING)
    engagement = selectors.engagement_get(scope, engagement_id=engagement_id)
    if selectors.checklist(scope, engagement=engagement).exists():
        raise Conflict(_("This engagement already has its checklist."))
    items = [
        ChecklistItem.objects.create(
            **_keys(engagement), kind=kind, owner_side=side, position=n, due_on=due_on
        )
        for n, (kind, side) in enumerate(SEED_ITEMS)
    ]
    for n, (area, question) in enumerate(DILIGENCE_QUESTIONS):
        DiligenceItem.objects.create(**_keys(engagement), area=area, question=str(question), position=n)
    _audit(scope, action="engagements.checklist_seed", target=engagement, engagement=engagement)
    return items


@transaction.atomic
def item_update(
    scope: Scope,
    *,
    item_id: int,
    status: str | None = None,
    note: str | None = None,
    link: str | None = None,
    due_on: date | None = None,
) -> ChecklistItem:
    """Change an item of one's own side (the side that delivers it)."""
    scope.require(EngagementPerm.MANAGE_ONBOARDING)
    item = selectors.item_get(scope, item_id=item_id, for_update=True)
    if item.owner_side != _side(scope):
        raise PermissionDenied(_("The other side delivers this item."))
    before = item.status
    if status is not None:
        if status not in ItemStatus.values:
            raise Invalid(_("Unknown status."), field="status")
        item.status = status
        item.done_at = clock.now() if status == ItemStatus.DONE else None
    if note is not None:
        item.note = note.strip()
    if link is not None:
        link = link.strip()
        if link and not link.startswith(("https://", "http://")):
            raise Invalid(_("A link starts with https:// or http://."), field="link")
        item.link = link
    if due_on is not None:
        item.due_on = due_on
    item.updated_by_id = scope.user_id
    item.save()
    _audit(
        scope,
        action="engagements.item_update",
        target=item,
        engagement=item.engagement,
        item_status=[before, item.status],
    )
    return item


def _tick(scope: Scope, engagement: Engagement, kind: str, note: str) -> None:
    item = selectors.checklist(scope, engagement=engagement).filter(kind=kind).first()
    if item is not None and item.status != ItemStatus.DONE:
        item.status, item.done_at = ItemStatus.DONE, clock.now()
        item.note = "\n".join(filter(None, [item.note, note]))
        item.updated_by_id = scope.user_id
        item.save()


@transaction.atomic
def phrases_import(
    scope: Scope,
    *,
    engagement_id: int,
    content: bytes,
    filename: str,
    skip_bad_rows: bool = False,
    preview: bool = False,
) -> knowledge_services.ImportResult:
    """Import the client's quick-phrase export (CSV or .xlsx) into Kefu's quick phrases for the
    engagement's client, through knowledge's import; a stored import ticks the checklist item."""
    scope.require(EngagementPerm.MANAGE_ONBOARDING)
    engagement = selectors.engagement_get(scope, engagement_id=engagement_id)
    result = knowledge_services.quick_phrase_import(
        scope,
        client_id=engagement.client_id,
        content=content,
        filename=filename,
        skip_bad_rows=skip_bad_rows,
        dry_run=preview,
    )
    if result.stored:
        note = _("Imported %(created)d new and %(updated)d updated quick phrases from %(file)s.") % {
            "created": result.created,
            "updated": result.updated,
            "file": filename[:80],
        }
        _tick(scope, engagement, ItemKind.QUICK_PHRASES, note)
        _audit(
            scope,
            action="engagements.phrases_import",
            target=engagement,
            engagement=engagement,
            created=result.created,
            updated=result.updated,
            skipped=len(result.errors),
        )
    return result


# --- handover ----------------------------------------------------------------------------------------
def _require_planner(scope: Scope, engagement: Engagement) -> None:
    scope.require(EngagementPerm.PLAN_HANDOVER)
    if scope.provider_id != engagement.provider_id:
        raise PermissionDenied(_("The engagement's provider plans its handover."))


@transaction.atomic
def phase_create(scope: Scope, *, engagement_id: int, share_percent: int, starts_on: date) -> HandoverPhase:
    """A handover phase; shares rise with the dates (20 % → 50 % → 100 %)."""
    engagement = selectors.engagement_get(scope, engagement_id=engagement_id)
    _require_planner(scope, engagement)
    if isinstance(share_percent, bool) or not isinstance(share_percent, int) or not 1 <= share_percent <= 100:
        raise Invalid(_("A share from 1 to 100 %."), field="share_percent")
    phases = selectors.phase_list(scope, engagement=engagement)
    if any(p.starts_on == starts_on for p in phases):
        raise Conflict(_("A phase already starts on that day."), field="starts_on")
    earlier = [p.share_percent for p in phases if p.starts_on < starts_on]
    later = [p.share_percent for p in phases if p.starts_on > starts_on]
    if (earlier and max(earlier) >= share_percent) or (later and min(later) <= share_percent):
        raise Invalid(_("Each phase takes a larger share than the one before."), field="share_percent")
    phase = HandoverPhase.objects.create(
        **_keys(engagement), share_percent=share_percent, starts_on=starts_on
    )
    _audit(
        scope,
        action="engagements.phase_create",
        target=phase,
        engagement=engagement,
        share=share_percent,
        starts_on=str(starts_on),
    )
    return phase


@transaction.atomic
def phase_delete(scope: Scope, *, phase_id: int) -> None:
    phase = selectors.phase_get(scope, phase_id=phase_id, for_update=True)
    _require_planner(scope, phase.engagement)
    if phase.started_at is not None:
        raise Conflict(_("A phase that has started stays in the record."))
    _audit(
        scope,
        action="engagements.phase_delete",
        target=phase,
        engagement=phase.engagement,
        share=phase.share_percent,
    )
    phase.delete()


def _provider_scope(engagement: Engagement) -> Scope:
    """The engagement's provider with nobody signed in: who the job's audit records name."""
    return Scope.system(
        provider_id=engagement.provider_id,
        client_ids=frozenset({engagement.client_id}),
        permissions=frozenset(),
    )


def _client_scope(engagement: Engagement) -> Scope:
    """The client's view of its routing queues (every provider's), to find where a share applies."""
    return Scope(
        user_id=None,
        organization_id=engagement.client_id,
        organization_kind=OrgKind.CLIENT,
        role="system",
        permissions=frozenset({RoutingPerm.VIEW_QUEUES}),
        partner_ids=frozenset(tenancy_selectors.partner_ids(engagement.client)),
    )


def _apply(phase: HandoverPhase) -> list[dict[str, Any]]:
    """Set the phase's share on each of the client's active queues through routing's planned split
    (the share is of the client's traffic). The queue's owner changes its split (routing's rule),
    acting on the plan both sides agreed."""
    engagement = phase.engagement
    applied = []
    for queue in selectors.handover_queues(_client_scope(engagement), engagement=engagement):
        if queue.provider_id is None:
            continue
        owner = Scope.system(
            provider_id=queue.provider_id,
            client_ids=frozenset({engagement.client_id}),
            permissions=frozenset({RoutingPerm.VIEW_QUEUES, RoutingPerm.MANAGE_QUEUES}),
        )
        plan = routing_selectors.queue_providers(owner, queue_id=queue.pk)
        current = {p.provider_id: p.share_percent for p in plan} or {queue.provider_id: 100}
        shares = handover.split(current, provider_id=engagement.provider_id, share=phase.share_percent)
        shares.setdefault(queue.provider_id, 0)
        routing_services.queue_providers_set(owner, queue_id=queue.pk, shares=shares)
        applied.append({"queue": queue.name, "share": shares[engagement.provider_id]})
    return applied


@transaction.atomic
def phase_start(scope: Scope, *, phase_id: int) -> HandoverPhase:
    """Start a phase now ("start phase now"): its share goes to routing's split at once."""
    phase = selectors.phase_get(scope, phase_id=phase_id, for_update=True)
    _require_planner(scope, phase.engagement)
    return _start(scope, phase)


def _start(scope: Scope, phase: HandoverPhase) -> HandoverPhase:
    applied = _apply(phase)
    phase.started_at = clock.now()
    phase.queue_ids = [a["queue"] for a in applied]
    phase.save(update_fields=["started_at", "queue_ids"])
    _audit(
        scope,
        action="engagements.phase_start",
        target=phase,
        engagement=phase.engagement,
        share=phase.share_percent,
        queues=", ".join(f"{a['queue']} {a['share']}%" for a in applied) or "—",
    )
    return phase


def handover_due(now: datetime | None = None) -> str:
    """The worker's periodic job: start every engagement's phase whose day has come."""
    today = _today(now)
    started = failed = 0
    for phase in selectors.phases_due(today):
        try:
            with transaction.atomic():
                _start(_provider_scope(phase.engagement), phase)
        except KefuError:
            log.exception("handover phase %s could not start", phase.pk)
            failed += 1
            continue
        started += 1
    return f"handover: {started} phases started, {failed} failed"


# --- break-in ----------------------------------------------------------------------------------------
def break_in_add(
    scope: Scope, *, engagement_id: int, starts_on: date, ends_on: date, agent_id: int | None = None
) -> BreakInPeriod:
    """A break-in period (1 week – 1 month) for the engagement's client, in quality's sampling."""
    engagement = selectors.engagement_get(scope, engagement_id=engagement_id)
    _require_planner(scope, engagement)
    return quality_services.break_in_create(
        scope,
        client_id=engagement.client_id,
        starts_on=starts_on,
        ends_on=ends_on,
        agent_id=agent_id,
        note=_("Onboarding"),
    )


# --- risks -----------------------------------------------------------------------------------------
def _risk_values(values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name == "category" and value not in RiskCategory.values:
            raise Invalid(_("Unknown category."), field=name)
        if name in ("likelihood", "impact") and (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5
        ):
            raise Invalid(_("A whole number from %(low)d to %(high)d.") % {"low": 1, "high": 5}, field=name)
        if name == "review_every_days" and (not isinstance(value, int) or not 1 <= value <= 365):
            raise Invalid(_("A whole number from %(low)d to %(high)d.") % {"low": 1, "high": 365}, field=name)
        if name == "owner_side" and value not in Side.values:
            raise Invalid(_("Unknown side."), field=name)
        if name == "status" and value not in RiskStatus.values:
            raise Invalid(_("Unknown status."), field=name)
        if name in ("title", "owner_name", "mitigations"):
            value = str(value).strip()
            limit = {"title": 160, "owner_name": 60, "mitigations": 4000}[name]
            if name != "mitigations" and not value:
                raise Invalid(_("This field is required."), field=name)
            if len(value) > limit:
                raise Invalid(_("At most %(length)d characters.") % {"length": limit}, field=name)
        clean[name] = value
    return clean


@transaction.atomic
def risk_create(
    scope: Scope,
    *,
    engagement_id: int,
    category: str,
    title: str,
    likelihood: int,
    impact: int,
    owner_side: str,
    owner_name: str,
    mitigations: str = "",
    next_review_on: date | None = None,
    review_every_days: int = 30,
) -> Risk:
    scope.require(EngagementPerm.MANAGE_ONBOARDING)
    engagement = selectors.engagement_get(scope, engagement_id=engagement_id)
    values = _risk_values(
        {
            "category": category,
            "title": title,
            "likelihood": likelihood,
            "impact": impact,
            "owner_side": owner_side,
            "owner_name": owner_name,
            "mitigations": mitigations,
            "review_every_days": review_every_days,
        }
    )
    review = next_review_on or _today() + timedelta(days=values["review_every_days"])
    risk = Risk.objects.create(**_keys(engagement), next_review_on=review, **values)
    _audit(
        scope,
        action="engagements.risk_create",
        target=risk,
        engagement=engagement,
        risk_category=category,
        risk_score=risk.score,
    )
    return risk


@transaction.atomic
def risk_update(scope: Scope, *, risk_id: int, reviewed: bool = False, **changes: Any) -> Risk:
    """Change a risk; `reviewed` records a review today and sets the next one."""
    scope.require(EngagementPerm.MANAGE_ONBOARDING)
    risk = selectors.risk_get(scope, risk_id=risk_id, for_update=True)
    unknown = set(changes) - {
        "category", "title", "likelihood", "impact", "owner_side", "owner_name", "mitigations", "status",
        "review_every_days", "next_review_on",
    }  # fmt: skip
    if unknown:
        raise Invalid(_("Unknown field."), field=sorted(unknown)[0])
    review_on = changes.pop("next_review_on", None)
    before = risk.score
    for name, value in _risk_values(changes).items():
        setattr(risk, name, value)
    if review_on is not None:
        risk.next_review_on = review_on
    if reviewed:
        risk.next_review_on = _today() + timedelta(days=risk.review_every_days)
    risk.save()
    _audit(
        scope,
        action="engagements.risk_update",
        target=risk,
        engagement=risk.engagement,
        risk_score=[before, risk.score],
    )
    return risk


def risk_reviews_due(now: datetime | None = None) -> str:
    """The worker's periodic job: remind both sides (in the audit trail and on the register, once
    per review date) of each open risk whose review date has come, and e-mail its owner."""
    today = _today(now)
    reminded = 0
    for risk in selectors.risks_due_for_review(today):
        with transaction.atomic():
            risk.reminded_on = risk.next_review_on
            risk.save(update_fields=["reminded_on"])
            tenancy_services.audit_record(
                Scope.system(
                    provider_id=risk.provider_id,
                    client_ids=frozenset({risk.client_id}),
                    permissions=frozenset(),
                ),
                action="engagements.risk_review_due",
                target=risk,
                client_id=risk.client_id,
                data={"review": str(risk.next_review_on)},
            )
        _mail_risk_owner(risk)
        reminded += 1
    return f"risks: {reminded} reviews due"


def _risk_owner_addresses(risk: Risk) -> list[str]:
    """Where a risk's review reminder goes: its owner (the member of the owner's side named as
    owner), else, when no single member answers to that name or has an address, the people who
    answer for the relationship on that side (as for contract reminders: the provider's admins
    and account managers, the client's admins)."""
    side_is_provider = risk.owner_side == Side.PROVIDER
    organization = risk.engagement.provider if side_is_provider else risk.engagement.client
    owner = tenancy_selectors.member_named(organization, name=risk.owner_name)
    if owner is not None and owner.email:
        return [owner.email]
    roles = (Role.PROVIDER_ADMIN, Role.ACCOUNT_MANAGER) if side_is_provider else (Role.CLIENT_ADMIN,)
    found: list[str] = []
    for role in roles:
        for membership in tenancy_selectors.membership_list_for_role(organization, role=role):
            if membership.user.email and membership.user.email not in found:
                found.append(membership.user.email)
    return found


def _mail_risk_owner(risk: Risk) -> None:
    """The reminder by mail, the way contract reminders go (Django's mail; a failure is logged,
    the reminder stays recorded and shown in Kefu)."""
    recipients = _risk_owner_addresses(risk)
    if not recipients:
        return
    subject = _("Risk review due: %(title)s") % {"title": risk.title}
    body = _(
        "%(owner)s: the risk “%(title)s” (%(provider)s for %(client)s) is due for review on "
        "%(day)s. Review it on the onboarding page's risk register."
    ) % {
        "owner": risk.owner_name,
        "title": risk.title,
        "provider": risk.engagement.provider.name,
        "client": risk.engagement.client.name,
        "day": risk.next_review_on.isoformat(),
    }
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # the reminder is recorded and shown in Kefu; the mail is a courtesy
        log.exception("risk review mail for %s failed", risk.pk)


@transaction.atomic
def diligence_update(
    scope: Scope, *, item_id: int, status: str | None = None, note: str | None = None
) -> DiligenceItem:
    """The client records its finding on one due-diligence question about its provider."""
    scope.require(EngagementPerm.MANAGE_ONBOARDING)
    item = selectors.diligence_get(scope, item_id=item_id, for_update=True)
    if not scope.is_client:
        raise PermissionDenied(_("The client checks its provider."))
    if status is not None:
        if status not in DiligenceStatus.values:
            raise Invalid(_("Unknown status."), field="status")
        item.status = status
    if note is not None:
        item.note = note.strip()
    item.save()
    _audit(
        scope,
        action="engagements.diligence_update",
        target=item,
        engagement=item.engagement,
        finding=item.status,
    )
    return item
