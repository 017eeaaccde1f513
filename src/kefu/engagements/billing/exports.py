"""An invoice as a file: Excel or CSV through the reports' export helper, or a Chinese PDF
printed by WeasyPrint (as the quote's PDF)."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.core.errors import Invalid
from kefu.engagements.billing import presentation
from kefu.engagements.billing.models import Invoice
from kefu.reports import downloads

FORMATS = ("xlsx", "csv", "pdf")


def filename(invoice: Invoice) -> str:
    return f"{invoice.number}-v{invoice.version}"


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice in Chinese, whatever the reader's language: it goes to a Chinese client."""
    from weasyprint import HTML  # imported on use: it loads Pango, which the rest never needs

    with translation.override("zh-hans"):
        html = render_to_string("engagements/billing/invoice_pdf.html", presentation.invoice_context(invoice))
    return HTML(string=html).write_pdf()


def download(invoice: Invoice, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Invalid(_("The format must be xlsx, csv or pdf."), field="format")
    if fmt == "pdf":
        response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename(invoice)}.pdf"'
        return response
    with translation.override("zh-hans"):
        tables = presentation.invoice_tables(invoice)
    return downloads.download(tables, fmt, filename(invoice))
