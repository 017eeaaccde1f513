"""Reads of the complaints register; always scoped. Reads never write.

Holders of `VIEW` see every complaint of their scope (a client's staff: their own client's);
anyone else who may raise complaints (an agent) sees the ones they raised or own. Anything
else is 404, like a complaint that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kefu.analytics.metrics import timezones
from kefu.core import clock
from kefu.core.errors import Invalid, NotFound, PermissionDenied
from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.quality.complaints import workflow
from kefu.quality.complaints.permissions import ComplaintPerm
from kefu.quality.models import Complaint, ComplaintCategory
from kefu.tenancy import selectors as tenancy_selectors

TREND_MAX_DAYS = 366


@dataclass(frozen=True)
class ComplaintFilters:
    status: str = ""
    severity: str = ""
    category_id: int | None = None
    client_id: int | None = None
    overdue: bool = False
    search: str = ""


def _require_reader(scope: Scope) -> None:
    if not (scope.has(ComplaintPerm.VIEW) or scope.has(ComplaintPerm.RAISE)):
        raise PermissionDenied()


def complaint_list(scope: Scope, *, filters: ComplaintFilters | None = None) -> QuerySet[Complaint]:
    _require_reader(scope)
    queryset = (
        Complaint.objects.for_scope(scope)
        .select_related("category", "owner", "client", "raised_by")
        .prefetch_related("conversations", "cases")
    )
    if not scope.has(ComplaintPerm.VIEW):
        queryset = queryset.filter(Q(raised_by_id=scope.user_id) | Q(owner_id=scope.user_id))
    f = filters or ComplaintFilters()
    if f.status == "open":
        queryset = queryset.filter(status__in=workflow.OPEN_STATUSES)
    elif f.status:
        queryset = queryset.filter(status=f.status)
    if f.severity:
        queryset = queryset.filter(severity=f.severity)
    if f.category_id is not None:
        queryset = queryset.filter(category_id=f.category_id)
    if f.client_id is not None:
        queryset = queryset.filter(client_id=f.client_id)
    if f.overdue:
        queryset = queryset.filter(status__in=workflow.OPEN_STATUSES, due_at__lt=clock.now())
    if f.search:
        queryset = queryset.filter(Q(subject__icontains=f.search) | Q(customer_name__icontains=f.search))
    return queryset


def complaint_get(scope: Scope, *, complaint_id: int, for_update: bool = False) -> Complaint:
    queryset = complaint_list(scope)
    if for_update:
        queryset = Complaint.objects.for_scope(scope)
        if not scope.has(ComplaintPerm.VIEW):
            queryset = queryset.filter(Q(raised_by_id=scope.user_id) | Q(owner_id=scope.user_id))
    return one_of(queryset, pk=complaint_id, for_update=for_update)


OWNER_ROLES = ("provider_admin", "supervisor", "qa_inspector")


def owner_choices(scope: Scope) -> list[tuple[int, str]]:
    """Who may own a complaint: the acting provider's admins, team leads and QA inspectors."""
    if not scope.is_provider or scope.provider_id is None:
        return []
    organization = tenancy_selectors.organization_get(scope, organization_id=scope.provider_id)
    users = {
        m.user_id: str(m.user)
        for role in OWNER_ROLES
        for m in tenancy_selectors.membership_list_for_role(organization, role=role)
    }
    return sorted(users.items(), key=lambda item: item[1])


def category_list(
    scope: Scope, *, client_id: int | None = None, active_only: bool = False
) -> QuerySet[ComplaintCategory]:
    _require_reader(scope)
    queryset = ComplaintCategory.objects.for_scope(scope).select_related("client")
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    if active_only:
        queryset = queryset.filter(is_active=True)
    return queryset


def category_get(scope: Scope, *, category_id: int) -> ComplaintCategory:
    found = category_list(scope).filter(pk=category_id).first()
    if found is None:
        raise NotFound(_("Unknown category."), field="root_cause_id")
    return found


def complaint_trend(
    scope: Scope, *, first: date, last: date, client_id: int | None = None
) -> dict[str, object]:
    """Complaints registered per ISO week, per root-cause category and per severity (their
    creation day in the client's time zone, the server's when no client is named); every week
    of the period appears."""
    _require_reader(scope)
    if client_id is not None and not scope.all_tenants and client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."), field="client_id")
    tz = timezones.client_time_zone(client_id) if client_id else ZoneInfo(settings.TIME_ZONE)
    if first > last:
        raise Invalid(_("The period ends before it starts."), field="to")
    if (last - first).days + 1 > TREND_MAX_DAYS:
        raise Invalid(_("A period can be at most %(days)s days long.") % {"days": TREND_MAX_DAYS}, field="to")
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(last, datetime.max.time(), tzinfo=tz)
    rows = complaint_list(scope, filters=ComplaintFilters(client_id=client_id)).filter(
        created_at__gte=start, created_at__lte=end
    )
    uncategorised = _("Uncategorised")
    found = [
        (created.astimezone(tz).date(), category or uncategorised, severity)
        for created, category, severity in rows.values_list("created_at", "category__name", "severity")
    ]
    return workflow.trend(found, first=first, last=last)
