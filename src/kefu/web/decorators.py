"""Moved to `kefu.core.http`; re-exported until the workforce views import it from there."""

from kefu.core.http import access_required

__all__ = ["access_required"]
