"""Reads of the report archive and the recipients, always scoped (others' ids are 404)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kefu.core.errors import Invalid, NotFound
from kefu.core.scope import Scope
from kefu.core.tenancy import one_of
from kefu.reports.figure_selectors import month_bounds, monthly_review
from kefu.reports.models import Report, ReportDelivery, ReportKind, ReportRecipient
from kefu.reports.permissions import ReportPerm
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy.models import Engagement

ARCHIVE_PAGE = 50


def parse_period(kind: str, value: str | date) -> date:
    """A day (YYYY-MM-DD) for a daily report, a month (YYYY-MM, or any day of it) for a review."""
    if kind not in ReportKind.values:
        raise Invalid(_("The kind must be daily or monthly."), field="kind")
    if isinstance(value, date):
        return value if kind == ReportKind.DAILY else value.replace(day=1)
    text = (value or "").strip()
    try:
        if kind == ReportKind.MONTHLY and len(text) == 7:
            return date.fromisoformat(text + "-01")
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        message = (
            _("Give a day as YYYY-MM-DD.") if kind == ReportKind.DAILY else _("Give a month as YYYY-MM.")
        )
        raise Invalid(message, field="date")
    return day if kind == ReportKind.DAILY else day.replace(day=1)


def period_of(kind: str, start: date) -> tuple[date, date]:
    return (start, start) if kind == ReportKind.DAILY else month_bounds(start)


def client_in_scope(scope: Scope, client_id: int | None) -> int:
    """The client asked for, if the actor sees it (else 404); without one, the actor's first client."""
    scope.require(ReportPerm.VIEW)
    if client_id is None:
        choices = tenancy_selectors.client_choices(scope)
        if not choices:
            raise NotFound(_("Unknown client."), field="client")
        return choices[0][0]
    if not scope.all_tenants and client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."), field="client")
    return client_id


def monthly_review_live(scope: Scope, *, client_id: int | None, month: str | date) -> dict:
    """A month's review as the actor sees it now (the current month so far included): a client
    sees every provider's work, a provider its own."""
    client = client_in_scope(scope, client_id)
    start = parse_period(ReportKind.MONTHLY, month)
    review = monthly_review(scope, client_id=client, month=start)
    review["client"] = {"id": client, "name": dict(tenancy_selectors.client_choices(scope)).get(client, "")}
    return review


def report_list(
    scope: Scope, *, client_id: int | None = None, kind: str = "", date_from: date | None = None
) -> QuerySet[Report]:
    scope.require(ReportPerm.VIEW)
    reports = Report.objects.for_scope(scope).select_related("client", "provider")
    if client_id is not None:
        reports = reports.filter(client_id=client_id)
    if kind:
        reports = reports.filter(kind=kind)
    if date_from is not None:
        reports = reports.filter(period_start__gte=date_from)
    return reports.order_by("-period_start", "kind", "client_id", "-id")


def report_get(scope: Scope, *, report_id: int) -> Report:
    return one_of(report_list(scope), pk=report_id)


def report_find(
    scope: Scope, *, provider_id: int | None, client_id: int, kind: str, period_start: date
) -> Report | None:
    """The archived report of a period, if any (the generator's idempotence check)."""
    return (
        Report.objects.for_scope(scope)
        .filter(provider_id=provider_id, client_id=client_id, kind=kind, period_start=period_start)
        .first()
    )


def delivery_list(scope: Scope, *, report_id: int) -> QuerySet[ReportDelivery]:
    report = report_get(scope, report_id=report_id)
    return ReportDelivery.objects.for_scope(scope).filter(report=report).select_related("sent_by")


def recipient_list(scope: Scope, *, client_id: int) -> QuerySet[ReportRecipient]:
    scope.require(ReportPerm.VIEW)
    if not scope.all_tenants and client_id not in scope.client_ids:
        raise NotFound(field="client")
    return ReportRecipient.objects.for_scope(scope).filter(client_id=client_id).order_by("email")


def recipient_get(scope: Scope, *, recipient_id: int) -> ReportRecipient:
    scope.require(ReportPerm.VIEW)
    return one_of(ReportRecipient.objects.for_scope(scope), pk=recipient_id)


def serving_pairs() -> list[tuple[int, int]]:
    """(provider, client) of every active engagement: who owes whom a report (a system read)."""
    everyone = Scope.platform(user_id=None, organization_id=None, permissions=frozenset())
    return sorted(
        tenancy_selectors.engagement_list(everyone)
        .filter(status=Engagement.Status.ACTIVE)
        .values_list("provider_id", "client_id")
        .distinct()
    )
