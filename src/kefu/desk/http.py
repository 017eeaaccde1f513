"""HTTP helpers shared by the desk's API and pages (no models, no business rules)."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from django.http import FileResponse

if TYPE_CHECKING:
    from kefu.desk.models import Attachment


def download_response(attachment: Attachment, handle: IO[bytes]) -> FileResponse:
    """A stored file as a download the browser never renders: `Content-Disposition:
    attachment`, no type sniffing, sandboxed and uncached if opened anyway."""
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
