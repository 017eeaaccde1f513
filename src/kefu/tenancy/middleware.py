"""Builds `request.access` (the Scope) once per request and enforces two-factor policy."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from kefu.core.scope import OrgKind
from kefu.tenancy import mfa, selectors

SESSION_ORG_KEY = "kefu_organization_id"
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
            memberships = selectors.membership_list_for_user(user)
            wanted = request.session.get(SESSION_ORG_KEY)
            membership = (memberships.filter(organization_id=wanted).first() if wanted else None) or (
                memberships.first()
            )
            if membership is not None:
                request.membership = membership  # type: ignore[attr-defined]
                request.access = selectors.scope_for_membership(membership, mfa_verified=verified)  # type: ignore[attr-defined]
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
        if mfa.has_device(request.user):
            return redirect(f"{reverse('mfa_verify')}?next={request.get_full_path()}")
        organization = getattr(membership, "organization", None)
        required = organization is not None and (
            organization.require_mfa or organization.kind == OrgKind.PLATFORM
        )
        if required:
            return redirect(f"{reverse('mfa_setup')}?next={request.get_full_path()}")
        return None
