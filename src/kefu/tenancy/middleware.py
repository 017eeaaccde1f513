"""Builds `request.access` (the Scope) once per request and enforces two-factor policy."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from kefu.tenancy import mfa, selectors

MFA_EXEMPT_PREFIXES = ("/account/mfa/", "/logout/", "/static/", "/healthz", "/i18n/", "/api/")


class AccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.access = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            verified = mfa.is_verified(request)
            found = selectors.session_access(user, request.session, mfa_verified=verified)
            membership = found[0] if found is not None else None
            if found is not None:
                request.membership, request.access = found  # type: ignore[attr-defined]
            if user.preferred_language and not request.COOKIES.get("django_language"):
                translation.activate(user.preferred_language)
                request.LANGUAGE_CODE = translation.get_language()
            blocked = self._mfa_redirect(request, membership, verified)
            if blocked is not None:
                return blocked
        return self.get_response(request)

    def _mfa_redirect(self, request: HttpRequest, membership: object, verified: bool) -> HttpResponse | None:
        if verified or request.path.startswith(MFA_EXEMPT_PREFIXES):
            return None
        step = mfa.step_required(request.user, getattr(membership, "organization", None))
        if step == "verify":
            return redirect(f"{reverse('mfa_verify')}?next={request.get_full_path()}")
        if step == "setup":
            return redirect(f"{reverse('mfa_setup')}?next={request.get_full_path()}")
        return None
