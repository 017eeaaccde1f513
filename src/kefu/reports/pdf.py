"""The monthly review as PDF: the same template the page uses, printed by WeasyPrint.

Chinese text needs a CJK font on the machine (Debian's fonts-noto-cjk, installed by .ci/run).
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def review_pdf(context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported on use: it loads Pango, which the rest never needs

    html = render_to_string("reports/monthly_pdf.html", context)
    return HTML(string=html).write_pdf()
