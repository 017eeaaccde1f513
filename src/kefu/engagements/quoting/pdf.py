"""The quote as a Chinese PDF: the same labels as the page, printed by WeasyPrint (see reports/pdf.py)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from kefu.engagements.quoting import presentation
from kefu.engagements.quoting.models import Quote


def quote_pdf(quote: Quote) -> bytes:
    """A quote document in Chinese, whatever the reader's language: it goes to a Chinese client."""
    from weasyprint import HTML  # imported on use: it loads Pango, which the rest never needs

    with translation.override("zh-hans"):
        html = render_to_string(
            "engagements/quoting/quote_pdf.html",
            {
                "quote": quote,
                "view": presentation.quote_view(quote.result),
                "facts": presentation.intake_facts(quote.intake.data),
                "provider": quote.provider.name if quote.provider_id else "",
            },
        )
    return HTML(string=html).write_pdf()
