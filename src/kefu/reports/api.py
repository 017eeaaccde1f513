"""Report endpoints: the archive, reports made on demand, sending, recipients, the month's live
review, and downloads (CSV, Excel, PDF) of reports and of the records behind any metric."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from kefu.analytics.api import MetricFilters
from kefu.analytics.metrics import queries
from kefu.core.errors import Invalid
from kefu.reports import calibration_tables, downloads, selectors, services, tables

router = Router(tags=["reports"])


class ReportOut(Schema):
    id: int
    kind: str
    client_id: int
    provider_id: int | None
    period_from: str = Field(..., alias="period_start")
    period_to: str = Field(..., alias="period_end")
    time_zone: str = Field(..., alias="tz")
    sha256: str
    created_at: datetime

    @staticmethod
    def resolve_period_start(obj: Any) -> str:
        return obj.period_start.isoformat()

    @staticmethod
    def resolve_period_end(obj: Any) -> str:
        return obj.period_end.isoformat()


class ReportDeliveryOut(Schema):
    sent_at: datetime
    recipients: list[str]
    sent_by_id: int | None


class ReportDetailOut(ReportOut):
    snapshot: dict[str, Any]
    digests: list[dict[str, Any]]
    deliveries: list[ReportDeliveryOut]

    @staticmethod
    def resolve_deliveries(obj: Any) -> list[Any]:
        return list(obj.deliveries.all())


class GenerateIn(Schema):
    client: int
    kind: str
    date: str = Field(..., description="YYYY-MM-DD for a daily report, YYYY-MM for a monthly review")


class RecipientIn(Schema):
    client: int
    email: str
    name: str = ""


class RecipientOut(Schema):
    id: int
    client_id: int
    email: str
    name: str


@router.get("/reports", response=list[ReportOut])
@paginate(PageNumberPagination, page_size=50)
def list_reports(request: HttpRequest, client: int | None = None, kind: str = "") -> Any:
    return selectors.report_list(request.access, client_id=client, kind=kind)


@router.post("/reports", response={201: list[ReportDetailOut]})
def generate_report(request: HttpRequest, body: GenerateIn) -> Status:
    made = services.report_generate(request.access, client_id=body.client, kind=body.kind, period=body.date)
    return Status(201, made)


@router.get("/reports/{report_id}", response=ReportDetailOut)
def get_report(request: HttpRequest, report_id: int) -> Any:
    return selectors.report_get(request.access, report_id=report_id)


@router.post("/reports/{report_id}/send", response={201: ReportDeliveryOut})
def send_report(request: HttpRequest, report_id: int) -> Status:
    return Status(201, services.report_send(request.access, report_id=report_id))


@router.get("/reports/{report_id}/export")
def export_report(request: HttpRequest, report_id: int, format: str = "xlsx") -> HttpResponse:
    report = selectors.report_get(request.access, report_id=report_id)
    return downloads.report_download(report, format)


@router.get("/quality/calibrations/{session_id}/report/export")
def export_calibration(request: HttpRequest, session_id: int, format: str = "csv") -> HttpResponse:
    """A closed calibration session's report as CSV or Excel (409 while it is open)."""
    session, tables_ = calibration_tables.calibration_tables(request.access, session_id=session_id)
    return downloads.download(tables_, format, f"kefu-calibration-{session.pk}")


@router.get("/monthly-review")
def monthly_review(request: HttpRequest, month: str, client: int | None = None, format: str = "json") -> Any:
    """The month's review as the actor sees it now (live; the archive holds the sent ones)."""
    review = selectors.monthly_review_live(request.access, client_id=client, month=month)
    if format == "json":
        return review
    return downloads.review_download(review, [], format, f"kefu-monthly-{review['month']}")


@router.get("/report-recipients", response=list[RecipientOut])
def list_recipients(request: HttpRequest, client: int | None = None) -> Any:
    client_id = selectors.client_in_scope(request.access, client)
    return list(selectors.recipient_list(request.access, client_id=client_id))


@router.post("/report-recipients", response={201: RecipientOut})
def add_recipient(request: HttpRequest, body: RecipientIn) -> Status:
    recipient = services.recipient_add(
        request.access, client_id=body.client, email=body.email, name=body.name
    )
    return Status(201, recipient)


@router.delete("/report-recipients/{recipient_id}", response={204: None})
def remove_recipient(request: HttpRequest, recipient_id: int) -> Status:
    services.recipient_remove(request.access, recipient_id=recipient_id)
    return Status(204, None)


@router.get("/metrics/{metric}/items/export", url_name="metric_items_export")
def export_metric_items(
    request: HttpRequest, metric: str, filters: Query[MetricFilters], format: str = "xlsx"
) -> HttpResponse:
    """The records behind a figure (the same as `/api/metrics/{id}/items`, every page) as a file."""
    query = queries.metric_query(
        request.access,
        metric_id=metric,
        client_id=filters.client,
        date_from=filters.date_from,
        date_to=filters.date_to,
        queue=filters.queue,
        channel=filters.channel,
        agent_id=filters.agent,
        interval=filters.interval,
        threshold_s=filters.threshold_s,
    )
    if format not in downloads.TABLE_FORMATS:
        raise Invalid(_("The format must be csv or xlsx."), field="format")
    items = [
        {
            "key": i.key,
            "at": i.at.astimezone(query.tz),
            "conversation_id": i.conversation_id,
            "conversation_ids": list(i.conversation_ids),
            "agent_id": i.agent_id,
            "numerator": i.numerator,
            "denominator": i.denominator,
        }
        for i in queries.metric_items(request.access, query)
    ]
    name = f"kefu-{query.metric.id}-{query.first:%Y%m%d}-{query.last:%Y%m%d}"
    return downloads.download([tables.metric_items_table(query.metric, items)], format, name)
