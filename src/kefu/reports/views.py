"""Pages of the reports: the archive, one report, the month's review, the recipients."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kefu.analytics.metrics import timezones
from kefu.core import clock
from kefu.core.errors import Invalid, KefuError, NotFound
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.reports import calibration_tables, downloads, selectors, services, tables
from kefu.reports.permissions import ReportPerm
from kefu.tenancy import selectors as tenancy_selectors

KIND_CHOICES = [("daily", gettext_lazy("Daily report")), ("monthly", gettext_lazy("Monthly KPI review"))]


class GenerateForm(forms.Form):
    client = forms.TypedChoiceField(label=gettext_lazy("Client"), coerce=int)
    kind = forms.ChoiceField(label=gettext_lazy("Report"), choices=KIND_CHOICES)
    date = forms.CharField(
        label=gettext_lazy("Day or month"),
        max_length=10,
        help_text=gettext_lazy("YYYY-MM-DD for a day, YYYY-MM for a month"),
    )

    def __init__(self, *args: object, clients: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = clients


class RecipientForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120, required=False)


def _client(request: HttpRequest, clients: list[tuple[int, str]]) -> int | None:
    wanted = request.GET.get("client", "")
    if wanted:
        if not wanted.isdigit() or int(wanted) not in dict(clients):
            raise NotFound()
        return int(wanted)
    return clients[0][0] if clients else None


@access_required(ReportPerm.VIEW)
def archive(request: HttpRequest) -> HttpResponse:
    scope = request.access
    clients = tenancy_selectors.client_choices(scope)
    client_id = _client(request, clients) if request.GET.get("client") else None
    kind = request.GET.get("kind", "")
    if kind not in ("", "daily", "monthly"):
        raise NotFound()
    form = None
    if scope.has(ReportPerm.GENERATE) and clients:
        form = GenerateForm(request.POST or None, clients=clients)
        if request.method == "POST" and form.is_valid():
            try:
                made = services.report_generate(
                    scope,
                    client_id=form.cleaned_data["client"],
                    kind=form.cleaned_data["kind"],
                    period=form.cleaned_data["date"],
                )
            except KefuError as exc:
                form_error(form, exc)
            else:
                return redirect("reports_detail", report_id=made[0].pk)
    reports = selectors.report_list(scope, client_id=client_id, kind=kind)
    page = Paginator(reports.prefetch_related("deliveries"), selectors.ARCHIVE_PAGE).get_page(
        request.GET.get("page")
    )
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "reports/archive.html",
        {
            "page": page,
            "query": query,
            "clients": clients,
            "client_id": client_id,
            "kind": kind,
            "kinds": KIND_CHOICES,
            "form": form,
            "show_client": len(clients) > 1,
        },
        status=422 if form is not None and form.errors else 200,
    )


@access_required(ReportPerm.VIEW)
def detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.report_get(request.access, report_id=report_id)
    s = report.snapshot
    context: dict[str, object] = {
        "report": report,
        "s": s,
        "deliveries": list(selectors.delivery_list(request.access, report_id=report_id)),
        "metrics": tables.metric_rows(s["metrics"]),
        "can_send": request.access.has(ReportPerm.SEND),
        "items_query": urlencode(
            {"client": report.client_id, "from": report.period_start, "to": report.period_end}
        ),
    }
    if report.kind == "daily":
        context["channels"] = [
            {"label": tables.channel_label(r["channel"]), "count": r["count"]}
            for r in s["contacts"]["by_channel"]
        ]
        context["cases"] = [
            {
                **c,
                "type_label": tables.case_type_label(c["type"]),
                "status_label": tables.case_status_label(c["status"]),
                "today_labels": [str(tables.CASE_HAPPENED.get(w, w)) for w in c["today"]],
            }
            for c in s["after_sales"]["items"]
        ]
        context["orders"] = [
            {**o, "channel_label": tables.channel_label(o["channel"])} for o in s["orders"]["items"]
        ]
    else:
        context.update(tables.review_context(s, report.digests))
    return render(request, "reports/detail.html", context)


@access_required(ReportPerm.VIEW)
def export(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.report_get(request.access, report_id=report_id)
    try:
        return downloads.report_download(report, request.GET.get("format", "xlsx"))
    except Invalid:
        raise NotFound() from None


@access_required()
def calibration_export(request: HttpRequest, session_id: int) -> HttpResponse:
    """The calibration report's download (the page is quality's; the export helper is here)."""
    session, tables_ = calibration_tables.calibration_tables(request.access, session_id=session_id)
    try:
        return downloads.download(tables_, request.GET.get("format", "csv"), f"kefu-calibration-{session.pk}")
    except Invalid:
        raise NotFound() from None


@require_POST
@access_required(ReportPerm.SEND)
def send(request: HttpRequest, report_id: int) -> HttpResponse:
    try:
        delivery = services.report_send(request.access, report_id=report_id)
    except Invalid as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Sent to %(to)s.") % {"to": ", ".join(delivery.recipients)})
    return redirect("reports_detail", report_id=report_id)


@access_required(ReportPerm.VIEW)
def monthly(request: HttpRequest) -> HttpResponse:
    scope = request.access
    clients = tenancy_selectors.client_choices(scope)
    client_id = _client(request, clients)
    if client_id is None:
        return render(request, "reports/monthly.html", {"clients": clients, "review": None})
    today = clock.now().astimezone(timezones.client_time_zone(client_id)).date()
    month = request.GET.get("month") or today.replace(day=1).isoformat()[:7]
    try:
        review = selectors.monthly_review_live(scope, client_id=client_id, month=month)
    except Invalid:
        raise NotFound() from None
    fmt = request.GET.get("format", "")
    if fmt:
        if fmt not in ("pdf", *downloads.TABLE_FORMATS):
            raise NotFound()
        return downloads.review_download(review, [], fmt, f"kefu-monthly-{review['month']}")
    first = today.replace(day=1)
    months = []
    for _n in range(12):
        months.append(first.isoformat()[:7])
        first = (first - timedelta(days=1)).replace(day=1)
    if review["month"] not in months:
        months.insert(0, review["month"])
    archived = list(
        selectors.report_list(scope, client_id=client_id, kind="monthly").filter(period_start=review["from"])
    )
    return render(
        request,
        "reports/monthly.html",
        {
            **tables.review_context(review, []),
            "clients": clients,
            "client_id": client_id,
            "months": months,
            "month": review["month"],
            "archived": archived,
            "query": urlencode({"client": client_id, "month": review["month"]}),
            "items_query": urlencode({"client": client_id, "from": review["from"], "to": review["to"]}),
        },
    )


@access_required(ReportPerm.VIEW)
def recipients(request: HttpRequest) -> HttpResponse:
    scope = request.access
    clients = tenancy_selectors.client_choices(scope)
    client_id = _client(request, clients)
    if client_id is None:
        raise NotFound()
    can_manage = scope.has(ReportPerm.MANAGE_RECIPIENTS)
    form = RecipientForm(request.POST or None) if can_manage else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise NotFound()
        if form.is_valid():
            try:
                services.recipient_add(scope, client_id=client_id, **form.cleaned_data)
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Added %(email)s.") % {"email": form.cleaned_data["email"]})
                return redirect(f"{request.path}?client={client_id}")
        status = 422
    return render(
        request,
        "reports/recipients.html",
        {
            "clients": clients,
            "client_id": client_id,
            "recipients": list(selectors.recipient_list(scope, client_id=client_id)),
            "form": form,
        },
        status=status,
    )


@require_POST
@access_required(ReportPerm.MANAGE_RECIPIENTS)
def recipient_remove(request: HttpRequest, recipient_id: int) -> HttpResponse:
    recipient = selectors.recipient_get(request.access, recipient_id=recipient_id)
    services.recipient_remove(request.access, recipient_id=recipient_id)
    messages.success(request, _("Removed %(email)s.") % {"email": recipient.email})
    return redirect(f"/reports/recipients/?client={recipient.client_id}")
