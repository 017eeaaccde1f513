"""The shell's own pages: each role's home and the health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kefu.core.http import access_required
from kefu.core.roles import role_label
from kefu.tenancy import selectors as tenancy_selectors
from kefu.web.roles import role_home


@access_required()
def home(request: HttpRequest) -> HttpResponse:
    scope = request.access
    summary = tenancy_selectors.home_summary(scope)
    context = {
        "role_home": role_home(scope.role),
        "partners": tenancy_selectors.organization_list(scope).exclude(pk=scope.organization_id),
        "recent_audit": summary.recent_audit,
        "member_count": summary.member_count,
        "role_label": role_label(scope.role),
    }
    return render(request, "web/home.html", context)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database reachability, for load balancers and `kefu serve` checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # the health page reports failures instead of raising
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor, "message": _("Kefu is running.")})
