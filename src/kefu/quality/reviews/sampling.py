"""The day's review tasks: sample each client's finished conversations, hand them to inspectors.

`sample_day` is idempotent: draws are fixed per conversation (`sample_rules.draw`) and a
conversation has at most one review per provider (a unique constraint), so the periodic job
(`sample_due`, settings `KEFU_PERIODIC_JOBS["quality.sample"]`) and a person pressing the
button can both run it as often as they like.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.core.roles import Role
from kefu.core.scope import Scope
from kefu.desk import selectors as desk_selectors
from kefu.desk.permissions import DeskPerm
from kefu.quality import sample_rules
from kefu.quality.models import Review, ReviewStatus, SampleReason, Scorecard, SurveyAnswer
from kefu.quality.permissions import QualityPerm
from kefu.quality.reviews import selectors
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy import services as tenancy_services

COMPLAINT_MARKERS = ("投诉", "complaint")  # a tag, or the first level of the category
LOW_RATING = 2  # CSAT at or below this is always reviewed
FINISHED = ("resolved", "closed")
INSPECTOR_ROLES = (Role.QA_INSPECTOR,)  # who gets sampled work; leads and admins review by hand


@dataclass(frozen=True)
class SampleResult:
    day: date
    client_id: int
    finished: int  # conversations finished that day
    sampled: int  # chosen by the rules
    created: int  # new review tasks (a rerun creates none)
    unassigned: int  # no inspector to take them
    without_scorecard: int  # the client has no scorecard for the channel


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    return start, start + timedelta(days=1)


def _is_complaint(conversation: object) -> bool:
    tags = [str(t).casefold() for t in (getattr(conversation, "tags", None) or [])]
    category = (getattr(conversation, "category", "") or "").split("/")[0].casefold()
    return any(marker in tags or marker == category for marker in COMPLAINT_MARKERS)


def inspector_ids(scope: Scope) -> list[int]:
    organization = tenancy_selectors.organization_get(scope, organization_id=scope.provider_id)
    found: list[int] = []
    for role in INSPECTOR_ROLES:
        found += [m.user_id for m in tenancy_selectors.membership_list_for_role(organization, role=role)]
    return sorted(set(found))


def _agent_start_dates(scope: Scope) -> dict[int, date]:
    organization = tenancy_selectors.organization_get(scope, organization_id=scope.provider_id)
    return {
        m.user_id: timezone.localtime(m.created_at).date()
        for m in tenancy_selectors.membership_list_for_role(organization, role=Role.AGENT)
    }


@transaction.atomic
def sample_day(scope: Scope, *, client_id: int, day: date) -> SampleResult:
    """Create the review tasks for the conversations of a client that finished on `day`."""
    scope.require(QualityPerm.MANAGE_SCORECARDS)
    if not scope.is_provider:
        raise PermissionDenied()
    if client_id not in scope.client_ids:
        raise NotFound()
    selectors.check_day(day)
    policy = selectors.qa_policy_get(scope, client_id=client_id)
    start, end = day_bounds(day)
    conversations = list(
        desk_selectors.conversation_list(
            scope, filters=desk_selectors.ConversationFilter(client_id=client_id)
        )
        .filter(
            provider_id=scope.provider_id, status__in=FINISHED, resolved_at__gte=start, resolved_at__lt=end
        )
        .order_by("id")
    )
    ids = [c.pk for c in conversations]
    low = set(
        SurveyAnswer.objects.for_scope(scope)
        .filter(conversation_id__in=ids, score__lte=LOW_RATING)
        .values_list("conversation_id", flat=True)
    )
    starts = _agent_start_dates(scope)
    break_in = timedelta(days=policy.new_agent_days)
    periods = list(
        selectors.break_in_list(scope, client_id=client_id).filter(
            provider_id=scope.provider_id, starts_on__lte=day, ends_on__gte=day
        )
    )
    candidates = [
        sample_rules.Candidate(
            conversation_id=c.pk,
            channel=c.channel,
            agent_id=c.assignee_id,
            agent_is_new=(c.assignee_id in starts and timedelta(0) <= day - starts[c.assignee_id] < break_in)
            or selectors.break_in_covers(periods, agent_id=c.assignee_id, day=day),
            complaint=_is_complaint(c),
            low_rating=c.pk in low,
        )
        for c in conversations
    ]
    rules = sample_rules.Policy(
        percent_by_channel=policy.percent_by_channel,
        new_agent_percent=policy.new_agent_percent,
        include_complaints=policy.include_complaints,
        include_low_ratings=policy.include_low_ratings,
    )
    chosen = sample_rules.select(candidates, rules)
    existing = set(
        Review.objects.for_scope(scope)
        .filter(provider_id=scope.provider_id, conversation_id__in=[c.conversation_id for c, _why in chosen])
        .values_list("conversation_id", flat=True)
    )
    scorecards: dict[str, Scorecard | None] = {}
    fresh: list[tuple[sample_rules.Candidate, str, Scorecard]] = []
    without = 0
    for candidate, why in chosen:
        if candidate.conversation_id in existing:
            continue
        if candidate.channel not in scorecards:
            scorecards[candidate.channel] = selectors.scorecard_for(
                scope, client_id=client_id, channel=candidate.channel
            )
        scorecard = scorecards[candidate.channel]
        if scorecard is None:
            without += 1
            continue
        fresh.append((candidate, why, scorecard))
    inspectors = inspector_ids(scope)
    assignment = sample_rules.distribute(
        [c.conversation_id for c, _w, _s in fresh],
        selectors.open_loads(scope, inspector_ids=inspectors),
        exclude={c.conversation_id: c.agent_id for c, _w, _s in fresh if c.agent_id is not None},
    )
    now = clock.now()
    due = end + timedelta(days=policy.due_days) - timedelta(minutes=1)  # 23:59 of the last day
    rows = [
        Review(
            provider_id=scope.provider_id,
            client_id=client_id,
            conversation_id=c.conversation_id,
            scorecard=scorecard,
            agent_id=c.agent_id,
            inspector_id=assignment.get(c.conversation_id),
            reason=why,
            sample_day=day,
            due_at=due,
            created_at=now,
        )
        for c, why, scorecard in fresh
    ]
    created = Review.objects.bulk_create(rows, ignore_conflicts=True)
    return SampleResult(
        day=day,
        client_id=client_id,
        finished=len(conversations),
        sampled=len(chosen),
        created=len(created),
        unassigned=sum(1 for r in rows if r.inspector_id is None),
        without_scorecard=without,
    )


def _job_scope(provider_id: int, client_ids: frozenset[int]) -> Scope:
    permissions = frozenset(
        {
            DeskPerm.VIEW,
            QualityPerm.VIEW_REVIEWS,
            QualityPerm.VIEW_SURVEYS,
            QualityPerm.MANAGE_SCORECARDS,
        }
    )
    return Scope.system(provider_id=provider_id, client_ids=client_ids, permissions=permissions)


def sample_due(now: datetime | None = None) -> dict[str, int]:
    """The periodic job: yesterday's sample for every provider–client pair with a current
    scorecard. A system job across tenants (each pair in its own scope and transaction)."""
    now = now or clock.now()
    yesterday = timezone.localtime(now).date() - timedelta(days=1)
    pairs = sorted(
        set(
            Scorecard.all_tenants.filter(is_current=True, provider__isnull=False).values_list(
                "provider_id", "client_id"
            )
        )
    )
    done = {"pairs": 0, "created": 0}
    for provider_id, client_id in pairs:
        result = sample_day(
            _job_scope(provider_id, frozenset({client_id})), client_id=client_id, day=yesterday
        )
        done["pairs"] += 1
        done["created"] += result.created
    return done


@transaction.atomic
def review_create(
    scope: Scope, *, conversation_id: int, inspector_id: int | None = None, scorecard_id: int | None = None
) -> Review:
    """A review chosen by hand (a lead or an inspector picks a conversation); to the actor
    unless another inspector is named."""
    scope.require(QualityPerm.REVIEW)
    if not scope.is_provider:
        raise PermissionDenied()
    conversation = desk_selectors.conversation_get(scope, conversation_id=conversation_id)
    if conversation.provider_id != scope.provider_id:
        raise NotFound()
    if conversation.assignee_id is None:
        raise Invalid(_("This conversation has no agent to review."), field="conversation_id")
    if scorecard_id is not None:
        scorecard = selectors.scorecard_get(scope, scorecard_id=scorecard_id)
        if not scorecard.is_current or scorecard.client_id != conversation.client_id:
            raise Invalid(_("Choose a current scorecard of this client."), field="scorecard_id")
    else:
        found = selectors.scorecard_for(scope, client_id=conversation.client_id, channel=conversation.channel)
        if found is None:
            raise Invalid(_("This client has no scorecard for this channel yet."), field="scorecard_id")
        scorecard = found
    inspector = scope.user_id if inspector_id is None else inspector_id
    if inspector != scope.user_id:
        scope.require(QualityPerm.MANAGE_SCORECARDS)
        if inspector not in inspector_ids(scope):
            raise NotFound(_("Unknown inspector."), field="inspector_id")
    if (
        Review.objects.for_scope(scope)
        .filter(provider_id=scope.provider_id, conversation_id=conversation.pk)
        .exists()
    ):
        raise Conflict(_("This conversation already has a review."))
    now = clock.now()
    review = Review.objects.create(
        provider_id=scope.provider_id,
        client_id=conversation.client_id,
        conversation_id=conversation.pk,
        scorecard=scorecard,
        agent_id=conversation.assignee_id,
        inspector_id=inspector,
        reason=SampleReason.MANUAL,
        due_at=now + timedelta(days=1),
        created_at=now,
    )
    tenancy_services.audit_record(
        scope, action="quality.review_create", target=review, client_id=review.client_id
    )
    return review


@transaction.atomic
def review_assign(scope: Scope, *, review_id: int, inspector_id: int) -> Review:
    """Hand an open review task to another inspector."""
    scope.require(QualityPerm.MANAGE_SCORECARDS)
    review = selectors.review_get(scope, review_id=review_id, for_update=True)
    if review.provider_id != scope.provider_id:
        raise NotFound()
    if inspector_id not in inspector_ids(scope) or inspector_id == review.agent_id:
        raise NotFound(_("Unknown inspector."), field="inspector_id")
    if review.status != ReviewStatus.PENDING:
        raise Conflict(_("This review is already submitted."))
    before = review.inspector_id
    review.inspector_id = inspector_id
    review.save(update_fields=["inspector"])
    tenancy_services.audit_record(
        scope,
        action="quality.review_assign",
        target=review,
        client_id=review.client_id,
        data={"inspector": [before, inspector_id]},
    )
    return review
