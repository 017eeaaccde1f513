"""What every page's shell needs: the actor, their organisations and the navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kefu.core.roles import role_label
from kefu.tenancy import selectors as tenancy_selectors
from kefu.web.navigation import navigation_for


def shell(request: HttpRequest) -> dict[str, Any]:
    access = getattr(request, "access", None)
    membership = getattr(request, "membership", None)
    if access is None or membership is None:
        return {"access": access}
    return {
        "access": access,
        "current_membership": membership,
        "current_role_label": role_label(membership.role),
        "switchable_memberships": lambda: tenancy_selectors.membership_list_for_user(request.user),
        "navigation": navigation_for(access, request.path),
        "mfa_blocked_clients": lambda: (
            []
            if request.user.is_verified()
            else tenancy_selectors.clients_requiring_mfa(membership.organization)
        ),
    }
