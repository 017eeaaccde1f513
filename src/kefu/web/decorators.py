"""View guards: signed in, acting for an organisation, holding a permission."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kefu.core.errors import PermissionDenied


def access_required(permission: str | None = None) -> Callable:
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
