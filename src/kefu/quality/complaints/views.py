"""The complaints pages: the register with filters, raising a complaint (from a conversation, a
case, or typed in by the client or staff), a complaint with its triage, workflow and callback,
the trend (ECharts) and the root-cause lists. The same selectors and services as the API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import KefuError, PermissionDenied
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.quality.complaints import forms, selectors, services, workflow
from kefu.quality.complaints.permissions import ComplaintPerm
from kefu.quality.reviews import forms as review_forms
from kefu.tenancy import selectors as tenancy_selectors


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _categories(scope: Any, client_id: int | None = None) -> list[tuple[int, str]]:
    rows = selectors.category_list(scope, client_id=client_id, active_only=True)
    several = len(scope.client_ids) > 1
    return [(c.pk, f"{c.client.name} · {c.name}" if several else c.name) for c in rows]


def _clients(scope: Any) -> list[tuple[int, str]]:
    return tenancy_selectors.client_choices(scope) if scope.is_provider else []


@access_required()
def complaint_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    if not (scope.has(ComplaintPerm.VIEW) or scope.has(ComplaintPerm.RAISE)):
        raise PermissionDenied()
    status = request.GET.get("status", "open")
    severity = request.GET.get("severity", "")
    filters = selectors.ComplaintFilters(
        status="" if status == "all" else status,
        severity=severity if severity in workflow.SEVERITIES else "",
        category_id=_int(request.GET.get("category")),
        client_id=_int(request.GET.get("client")),
        overdue=request.GET.get("overdue") == "1",
        search=request.GET.get("q", "")[:100],
    )
    page = Paginator(selectors.complaint_list(scope, filters=filters), 50).get_page(request.GET.get("page"))
    now = clock.now()
    for row in page:
        row.overdue = workflow.is_overdue(row.status, row.due_at, now)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "quality/complaints/list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "status": status,
            "severity": severity,
            "statuses": forms.STATUS_CHOICES,
            "severities": forms.SEVERITY_CHOICES,
            "categories": _categories(scope),
            "category": _int(request.GET.get("category")),
            "clients": _clients(scope),
            "client": _int(request.GET.get("client")),
            "overdue": request.GET.get("overdue") == "1",
            "q": request.GET.get("q", ""),
            "can_raise": scope.has(ComplaintPerm.RAISE),
            "can_categories": scope.has(ComplaintPerm.CATEGORIES),
        },
    )


@access_required()
def complaint_new(request: HttpRequest) -> HttpResponse:
    scope = request.access
    scope.require(ComplaintPerm.RAISE)
    initial = {"conversation": _int(request.GET.get("conversation")), "case": _int(request.GET.get("case"))}
    owners = selectors.owner_choices(scope) if scope.has(ComplaintPerm.MANAGE) else []
    form = forms.ComplaintForm(
        request.POST or None,
        initial=initial,
        clients=_clients(scope) if len(scope.client_ids) > 1 else None,
        categories=_categories(scope),
        owners=owners,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.complaint_create(
                scope,
                subject=data["subject"],
                severity=data["severity"],
                description=data["description"],
                customer_name=data["customer_name"],
                client_id=data.get("client"),
                category_id=data["category"],
                owner_id=data.get("owner"),
                conversation_id=data["conversation"],
                case_id=data["case"],
            )
        except KefuError as exc:
            form_error(form, _field(exc))
        else:
            messages.success(request, _("Complaint registered."))
            return redirect("quality_complaint", complaint_id=complaint.pk)
    return render(request, "quality/complaints/new.html", {"form": form}, status=422 if form.errors else 200)


def _field(exc: KefuError) -> KefuError:
    """The service names API fields (`conversation_id`); the form's fields drop the suffix."""
    if exc.field == "root_cause_id":
        exc.field = "category"
    elif exc.field and exc.field.endswith("_id"):
        exc.field = exc.field[:-3]
    return exc


def _local(value: Any) -> Any:
    return timezone.localtime(value).replace(tzinfo=None) if value else None


@access_required()
def complaint_detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    scope = request.access
    complaint = selectors.complaint_get(scope, complaint_id=complaint_id)
    manage = scope.has(ComplaintPerm.MANAGE) and complaint.status not in (workflow.CLOSED, workflow.WITHDRAWN)
    action = request.POST.get("action") if request.method == "POST" else None
    if action and not manage:
        raise PermissionDenied()
    categories = _categories(scope, complaint.client_id)
    owners = selectors.owner_choices(scope) if manage else []
    triage = status_form = callback = None
    if manage:
        triage = forms.TriageForm(
            request.POST if action == "triage" else None,
            categories=categories,
            owners=owners,
            initial={
                "severity": complaint.severity,
                "category": complaint.category_id,
                "owner": complaint.owner_id,
                "due_at": _local(complaint.due_at),
            },
        )
        status_form = forms.StatusForm(
            request.POST if action == "status" else None,
            allowed=workflow.TRANSITIONS[complaint.status],
            initial={"resolution": complaint.resolution},
        )
        callback = forms.CallbackForm(
            request.POST if action == "callback" else None,
            initial={"planned_at": _local(complaint.callback_planned_at)},
        )
    bound = {"triage": triage, "status": status_form, "callback": callback}.get(action or "")
    if bound is not None and bound.is_valid():
        data = bound.cleaned_data
        try:
            if action == "triage":
                services.complaint_update(
                    scope,
                    complaint_id=complaint.pk,
                    severity=data["severity"],
                    category_id=data["category"],
                    clear_category=data["category"] is None,
                    owner_id=data["owner"],
                    due_at=data["due_at"],
                )
            elif action == "status":
                services.complaint_transition(
                    scope, complaint_id=complaint.pk, status=data["status"], resolution=data["resolution"]
                )
            else:
                services.complaint_callback(
                    scope,
                    complaint_id=complaint.pk,
                    planned_at=data["planned_at"],
                    outcome=data["outcome"],
                    note=data["note"],
                )
        except KefuError as exc:
            form_error(bound, _field(exc))
        else:
            messages.success(request, _("Complaint saved."))
            return redirect("quality_complaint", complaint_id=complaint.pk)
    return render(
        request,
        "quality/complaints/detail.html",
        {
            "complaint": complaint,
            "overdue": workflow.is_overdue(complaint.status, complaint.due_at, clock.now()),
            "channel_label": dict(review_forms.CHANNEL_CHOICES).get(complaint.channel, "")
            if complaint.channel
            else "",
            "conversations": sorted(c.pk for c in complaint.conversations.all()),
            "cases": sorted(c.pk for c in complaint.cases.all()),
            "triage": triage,
            "status_form": status_form,
            "callback": callback,
            "can_open_contacts": scope.is_provider or scope.has("desk.view_conversations"),
        },
        status=422 if bound is not None and bound.errors else 200,
    )


@access_required()
def complaint_trend(request: HttpRequest) -> HttpResponse:
    scope = request.access
    if not (scope.has(ComplaintPerm.VIEW) or scope.has(ComplaintPerm.RAISE)):
        raise PermissionDenied()
    weeks = {"4": 4, "12": 12, "26": 26, "52": 52}.get(request.GET.get("weeks", "12"), 12)
    client_id = _int(request.GET.get("client"))
    if client_id is None and scope.is_client:
        client_id = scope.organization_id
    last = timezone.localdate(clock.now())
    first = last - timedelta(weeks=weeks) + timedelta(days=1)
    trend = selectors.complaint_trend(scope, first=first, last=last, client_id=client_id)
    labels = dict(forms.SEVERITY_CHOICES)
    chart = {
        "weeks": [date.fromisoformat(w).strftime("%m-%d") for w in trend["weeks"]],  # type: ignore[union-attr]
        "severity": [
            {"name": str(labels[s]), "data": values}
            for s, values in trend["severity_by_week"].items()  # type: ignore[union-attr]
        ],
        "categories": [{"name": name, "value": count} for name, count in trend["by_category"]],  # type: ignore[union-attr]
    }
    return render(
        request,
        "quality/complaints/trend.html",
        {
            "trend": trend,
            "chart": chart,
            "weeks": weeks,
            "clients": _clients(scope),
            "client": client_id,
            "total": sum(trend["by_week"]),  # type: ignore[arg-type]
            "by_severity": [(labels[s], n) for s, n in trend["by_severity"]],  # type: ignore[union-attr]
        },
    )


@access_required()
def category_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    if not (scope.has(ComplaintPerm.VIEW) or scope.has(ComplaintPerm.RAISE)):
        raise PermissionDenied()
    can_add = scope.has(ComplaintPerm.CATEGORIES)
    clients = _clients(scope) if len(scope.client_ids) > 1 else None
    form = forms.CategoryForm(request.POST or None, clients=clients) if can_add else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied()
        if form.is_valid():
            try:
                services.category_create(
                    scope, name=form.cleaned_data["name"], client_id=form.cleaned_data.get("client")
                )
            except KefuError as exc:
                form_error(form, _field(exc))
            else:
                messages.success(request, _("Category added."))
                return redirect("quality_complaint_categories")
    rows = selectors.category_list(scope).order_by("client__name", "name")
    return render(
        request,
        "quality/complaints/categories.html",
        {"rows": rows, "form": form},
        status=422 if form is not None and form.errors else 200,
    )
