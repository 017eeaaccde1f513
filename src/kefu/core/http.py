"""The guard every app's views share: signed in, acting for an organisation, holding a permission.

Part of the toolkit in `core` (with `errors.status_for`, `forms` and `navigation`): apps import
these and never the shell (`kefu.web`), so the shell can grow without every app depending on it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kefu.core.errors import PermissionDenied


def access_required(permission: str | None = None) -> Callable:
    """Sign-in page for anonymous users, a 403 page without a membership, `PermissionDenied`
    (a 403 page through the error middleware) without `permission`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.access is None:
                return render(request, "web/no_membership.html", status=403)
            if permission is not None and not request.access.has(permission):
                raise PermissionDenied()
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
