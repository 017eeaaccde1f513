"""The errors services raise; each interface maps them once (API, views, CLI)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class KefuError(Exception):
    """Base of every business error. `message` is user-facing and translatable."""

    code = "error"
    default_message = _("The request could not be completed.")

    def __init__(self, message: object = None, *, field: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.field = field
        super().__init__(str(self.message))


class NotFound(KefuError):
    """Also raised for rows the actor may not see, so ids never leak."""

    code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(KefuError):
    code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class Conflict(KefuError):
    code = "conflict"
    default_message = _("This conflicts with the current state.")


class Invalid(KefuError):
    code = "invalid"
    default_message = _("The input is not valid.")


class UnscopedQuery(RuntimeError):
    """A tenant-owned table was queried without a scope: a programming error, never user input."""


HTTP_STATUS: dict[type[KefuError], int] = {
    NotFound: 404,
    PermissionDenied: 403,
    Conflict: 409,
    Invalid: 422,
}


def status_for(error: KefuError) -> int:
    """The HTTP status of a service error, the same in the API, the pages and htmx partials."""
    for error_type, status in HTTP_STATUS.items():
        if isinstance(error, error_type):
            return status
    return 400
