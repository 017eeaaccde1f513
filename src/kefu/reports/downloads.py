"""Tables and reviews as file responses: the one path every download of the reports takes (pages
and API alike), through `exports` for CSV and Excel and `pdf` for the printed review."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from kefu.core.errors import Invalid
from kefu.reports import exports, pdf, tables

TABLE_FORMATS = ("csv", "xlsx")


def download(tables_: list[exports.Table], fmt: str, filename: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(tables_), content_type=exports.CSV_TYPE)
    elif fmt == "xlsx":
        response = HttpResponse(exports.to_xlsx(tables_), content_type=exports.XLSX_TYPE)
    else:
        raise Invalid(_("The format must be csv or xlsx."), field="format")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def review_download(
    review: dict[str, Any], digests: list[dict[str, Any]], fmt: str, filename: str
) -> HttpResponse:
    """A monthly review as PDF, CSV or Excel."""
    if fmt != "pdf":
        return download(tables.monthly_tables(review, digests), fmt, filename)
    response = HttpResponse(
        pdf.review_pdf(tables.review_context(review, digests)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    return response


def report_download(report: Any, fmt: str) -> HttpResponse:
    name = f"kefu-{report.kind}-{report.period_start:%Y%m%d}"
    if fmt == "pdf" and report.kind != "monthly":
        raise Invalid(_("Only the monthly review is printed as PDF."), field="format")
    if report.kind == "monthly":
        return review_download(report.snapshot, report.digests, fmt, name)
    return download(tables.report_tables(report.snapshot, report.digests), fmt, name)
