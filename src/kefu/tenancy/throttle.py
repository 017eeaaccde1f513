"""Sign-in throttling by django-axes, configured in settings (`AXES_*`): failures count per
username (the account is paused, not everyone behind one address), in the database, or the
cache when REDIS_URL is set, so every process sees one count and a restart forgets nothing.
`KEFU_LOGIN_THROTTLE_ATTEMPTS` failures within `KEFU_LOGIN_THROTTLE_WINDOW` seconds pause the
account for that window. These are the callables the settings name."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

LOCKED_STATUS = 429


def failure_limit(request: HttpRequest | None = None, credentials: dict | None = None) -> int:
    return settings.LOGIN_THROTTLE_ATTEMPTS


def cooloff(request: HttpRequest | None = None) -> timedelta:
    return timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def username_of(request: HttpRequest, credentials: dict | None) -> str:
    """`Wang` and ` wang` are one account to count against."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(username).strip().lower()[:150]


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def message() -> str:
    minutes = max(1, settings.LOGIN_THROTTLE_WINDOW_SECONDS // 60)
    return ngettext(
        "Too many failed sign-ins. Try again in %(minutes)d minute.",
        "Too many failed sign-ins. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The sign-in page again, saying why, with 429."""
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")[:150]})
    context = {"form": form, "throttled": message(), "next": request.POST.get("next", "")}
    return render(request, "tenancy/login.html", context, status=LOCKED_STATUS)
