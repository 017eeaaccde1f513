"""Reads of onboarding: an engagement's checklist, handover plan, break-in periods, risk register
and due diligence; always scoped (both sides of the engagement see them, nobody else)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from django.db.models import QuerySet
from django.utils import timezone

from kefu.core import clock
from kefu.core.errors import NotFound
from kefu.core.scope import Scope
from kefu.engagements.onboarding.models import (
    ChecklistItem,
    DiligenceItem,
    HandoverPhase,
    ItemStatus,
    Risk,
    RiskStatus,
)
from kefu.engagements.permissions import EngagementPerm
from kefu.knowledge.permissions import KnowledgePerm
from kefu.quality.reviews import selectors as quality_selectors
from kefu.routing import selectors as routing_selectors
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy.models import Engagement


def today() -> date:
    return timezone.localdate(clock.now())


def engagement_list(scope: Scope) -> list[Engagement]:
    scope.require(EngagementPerm.VIEW_ONBOARDING)
    return list(tenancy_selectors.engagement_list(scope).order_by("client__name", "provider__name"))


def engagement_get(scope: Scope, *, engagement_id: int) -> Engagement:
    """The engagement if the actor is on either side of it (and may see onboarding), else 404."""
    scope.require(EngagementPerm.VIEW_ONBOARDING)
    found = tenancy_selectors.engagement_list(scope).filter(pk=engagement_id).first()
    if found is None or not scope.sees(found.provider_id, found.client_id):
        raise NotFound()
    return found


def can_import_phrases(scope: Scope) -> bool:
    """The import writes quick phrases, so it also takes knowledge's right to manage them."""
    return scope.has(EngagementPerm.MANAGE_ONBOARDING) and scope.has(KnowledgePerm.MANAGE_PHRASES)


def checklist(scope: Scope, *, engagement: Engagement) -> QuerySet[ChecklistItem]:
    return ChecklistItem.objects.for_scope(scope).filter(engagement=engagement)


Row = TypeVar("Row", ChecklistItem, HandoverPhase, Risk, DiligenceItem)


def _one(scope: Scope, model: type[Row], pk: int, *, for_update: bool) -> Row:
    """One onboarding row the scope may see, with its engagement (404 otherwise). Locked, it is
    its own row only: with the joined engagement locked too, every edit of one engagement's
    items, phases and risks would queue behind the others."""
    scope.require(EngagementPerm.VIEW_ONBOARDING)
    rows = model.objects.for_scope(scope).filter(pk=pk)
    if for_update:
        rows = rows.select_for_update(of=("self",))
    found = rows.select_related("engagement").first()
    if found is None:
        raise NotFound()
    return found


def item_get(scope: Scope, *, item_id: int, for_update: bool = False) -> ChecklistItem:
    return _one(scope, ChecklistItem, item_id, for_update=for_update)


@dataclass(frozen=True)
class Progress:
    done: int
    total: int  # items that are needed (not "not needed")

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def progress(items: list[ChecklistItem]) -> Progress:
    needed = [i for i in items if i.status != ItemStatus.NOT_NEEDED]
    return Progress(done=sum(1 for i in needed if i.status == ItemStatus.DONE), total=len(needed))


def progress_by_engagement(scope: Scope, engagements: list[Engagement]) -> dict[int, Progress]:
    rows: dict[int, list[ChecklistItem]] = {e.pk: [] for e in engagements}
    for item in ChecklistItem.objects.for_scope(scope).filter(engagement__in=engagements):
        rows[item.engagement_id].append(item)
    return {pk: progress(items) for pk, items in rows.items()}


# --- handover ------------------------------------------------------------------------------------
def phase_list(scope: Scope, *, engagement: Engagement) -> list[HandoverPhase]:
    return list(HandoverPhase.objects.for_scope(scope).filter(engagement=engagement))


def phase_get(scope: Scope, *, phase_id: int, for_update: bool = False) -> HandoverPhase:
    return _one(scope, HandoverPhase, phase_id, for_update=for_update)


def phase_current(phases: list[HandoverPhase]) -> HandoverPhase | None:
    """The latest phase already started (by the job or by hand)."""
    started = [p for p in phases if p.started_at is not None]
    return max(started, key=lambda p: (p.starts_on, p.pk)) if started else None


def phases_due(today: date) -> list[HandoverPhase]:
    """Every engagement's latest phase whose day has come and that has not started yet: the
    periodic job's work list (cross-tenant, so through `all_tenants`)."""
    due: dict[int, HandoverPhase] = {}
    for phase in HandoverPhase.all_tenants.filter(starts_on__lte=today).order_by("starts_on", "id"):
        due[phase.engagement_id] = phase
    return [p for p in due.values() if p.started_at is None]


def handover_queues(scope: Scope, *, engagement: Engagement) -> list:
    """The client's routing queues the engagement's provider set up or serves: where its share
    applies. A client actor reads them through its own scope."""
    return [q for q in routing_selectors.queue_list(scope, client_id=engagement.client_id) if q.active]


@dataclass(frozen=True)
class RealisedSplit:
    queue_name: str
    planned: int  # the provider's planned share now
    realised: float | None  # its share of the contacts since the phase started
    contacts: int


def realised_split(
    scope: Scope, *, engagement: Engagement, since: datetime | None, now: datetime | None = None
) -> list[RealisedSplit]:
    """Per queue: the engagement provider's planned share and the share its agents took since
    `since` (routing's realised-against-planned report)."""
    now = now or clock.now()
    since = since or now - timedelta(days=7)
    rows = []
    for queue in handover_queues(scope, engagement=engagement):
        report = routing_selectors.queue_split(scope, queue_id=queue.pk, start=since, end=now)
        mine = next((r for r in report.rows if r.provider_id == engagement.provider_id), None)
        rows.append(
            RealisedSplit(
                queue_name=queue.name,
                planned=mine.planned_percent if mine else 0,
                realised=mine.realised_percent if mine else (0.0 if report.total else None),
                contacts=report.total,
            )
        )
    return rows


def break_in_list(scope: Scope, *, engagement: Engagement) -> list:
    """The quality break-in periods for the engagement's client by its provider."""
    return [
        p
        for p in quality_selectors.break_in_list(scope, client_id=engagement.client_id)
        if p.provider_id == engagement.provider_id
    ]


def break_in_share(scope: Scope, *, engagement: Engagement) -> int | None:
    """The QA share in a break-in period (the provider's sampling rule), when the actor may read it."""
    if not scope.is_provider:
        return None
    return quality_selectors.qa_policy_get(scope, client_id=engagement.client_id).new_agent_percent


# --- risks ----------------------------------------------------------------------------------------
def risk_list(scope: Scope, *, engagement: Engagement) -> list[Risk]:
    return list(Risk.objects.for_scope(scope).filter(engagement=engagement))


def risk_get(scope: Scope, *, risk_id: int, for_update: bool = False) -> Risk:
    return _one(scope, Risk, risk_id, for_update=for_update)


@dataclass(frozen=True)
class HeatCell:
    likelihood: int
    impact: int
    risks: list[Risk]

    @property
    def level(self) -> str:
        """The cell's colour band by likelihood × impact: low < 4 ≤ mid < 8 ≤ high < 15 ≤ top."""
        score = self.likelihood * self.impact
        return "top" if score >= 15 else "high" if score >= 8 else "mid" if score >= 4 else "low"


def heat_grid(risks: list[Risk]) -> list[tuple[int, list[HeatCell]]]:
    """Open risks in a 5 × 5 grid: rows impact 5 → 1, columns likelihood 1 → 5."""
    rows = []
    for impact in range(5, 0, -1):
        cells = [
            HeatCell(
                likelihood=likelihood,
                impact=impact,
                risks=[
                    r
                    for r in risks
                    if r.status == RiskStatus.OPEN and r.likelihood == likelihood and r.impact == impact
                ],
            )
            for likelihood in range(1, 6)
        ]
        rows.append((impact, cells))
    return rows


def risks_due_for_review(today: date) -> list[Risk]:
    """Open risks whose review date has come and that were not reminded of for that date yet."""
    rows = Risk.all_tenants.filter(status=RiskStatus.OPEN, next_review_on__lte=today).order_by("id")
    return [r for r in rows if r.reminded_on != r.next_review_on]


def diligence_list(scope: Scope, *, engagement: Engagement) -> list[DiligenceItem]:
    return list(DiligenceItem.objects.for_scope(scope).filter(engagement=engagement))


def diligence_get(scope: Scope, *, item_id: int, for_update: bool = False) -> DiligenceItem:
    return _one(scope, DiligenceItem, item_id, for_update=for_update)
