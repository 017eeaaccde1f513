"""The shell's own pages: each role's home and the health check."""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kefu.analytics import dashboard_links, dashboard_selectors
from kefu.core.http import access_required
from kefu.core.roles import role_label
from kefu.tenancy import selectors as tenancy_selectors
from kefu.web.roles import duty_links, role_home


@access_required()
def home(request: HttpRequest) -> HttpResponse:
    scope = request.access
    summary = tenancy_selectors.home_summary(scope)
    home_page = role_home(scope.role)
    figures = dashboard_selectors.home_dashboard(scope)  # a client's own figures come first
    context = {
        "role_home": home_page,
        "duties": duty_links(scope, home_page),
        "partners": tenancy_selectors.organization_list(scope).exclude(pk=scope.organization_id),
        "recent_audit": summary.recent_audit,
        "member_count": summary.member_count,
        "role_label": role_label(scope.role),
        "figures": figures,
        "figure_cards": dashboard_links.cards(figures) if figures is not None else [],
    }
    return render(request, "web/home.html", context)


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """`/favicon.ico`, which browsers ask for on every site: the SVG icon the pages also link."""
    path = finders.find("kefu/favicon.svg")
    if path is None:  # pragma: no cover - the file ships with the package
        raise Http404
    response = HttpResponse(Path(str(path)).read_bytes(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


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
