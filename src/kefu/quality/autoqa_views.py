"""Auto-QA pages: the inspector's list ("every conversation inspected by morning"), the panel on
a conversation (findings linked to their messages; run now), and a client's rules."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kefu.core.errors import Invalid, KefuError, NotFound
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.quality import autoqa_labels
from kefu.quality import autoqa_selectors as selectors
from kefu.quality import autoqa_services as services
from kefu.quality.autoqa_forms import ResultFilterForm, RulesForm
from kefu.quality.autoqa_permissions import AutoQaPerm
from kefu.tenancy import selectors as tenancy_selectors

PAGE = 50


@require_GET
@access_required(AutoQaPerm.VIEW)
def autoqa_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    clients = tenancy_selectors.client_choices(scope)
    form = ResultFilterForm(
        request.GET or None, clients=clients, agents=selectors.autoqa_agent_choices(scope)
    )
    data = form.cleaned_data if form.is_valid() else {}
    date_to = data.get("date_to")
    filters = selectors.ResultFilter(
        client_id=data.get("client"),
        agent_id=data.get("agent"),
        date_from=_day_start(data.get("date_from")),
        date_to=_day_start(date_to + dt.timedelta(days=1)) if date_to else None,
        score_max=data.get("score_max"),
        check_id=data.get("check") or "",
    )
    page = Paginator(selectors.autoqa_result_list(scope, filters=filters), PAGE).get_page(
        request.GET.get("page")
    )
    today = _day_start(timezone.localdate())
    assert today is not None
    coverage = selectors.autoqa_coverage(scope, start=today - dt.timedelta(days=1), end=today)
    return render(
        request,
        "quality/autoqa_list.html",
        {
            "form": form,
            "page": page,
            "query": urlencode({k: v for k, v in request.GET.items() if k != "page" and v}),
            "coverage": coverage,
            "show_client": len(clients) > 1,
            "can_edit_rules": scope.has(AutoQaPerm.EDIT_RULES) and scope.is_provider,
            "first_client": clients[0][0] if clients else None,
        },
    )


def _day_start(day: dt.date | None) -> dt.datetime | None:
    return timezone.make_aware(dt.datetime.combine(day, dt.time())) if day else None


def panel_context(request: HttpRequest, conversation_id: int) -> dict[str, object]:
    scope = request.access
    result = selectors.autoqa_result_for(scope, conversation_id=conversation_id)
    findings = []
    if result is not None:
        findings = [
            {
                "check": f.check_id,
                "label": autoqa_labels.check_label(f.check_id),
                "severity": f.severity,
                "severity_label": autoqa_labels.severity_label(f.severity),
                "seq": f.message_seq,
                "evidence": f.evidence,
                "explanation": autoqa_labels.explanation(f.check_id, f.params),
            }
            for f in selectors.autoqa_finding_list(result)
        ]
    sentiment = [
        {**point, "label_text": str(autoqa_labels.SENTIMENT_LABELS.get(point["label"], point["label"]))}
        for point in (result.sentiment if result else [])
    ]
    return {
        "conversation_id": conversation_id,
        "result": result,
        "findings": findings,
        "sentiment": sentiment,
        "can_run": scope.has(AutoQaPerm.RUN),
    }


@require_http_methods(["GET", "POST"])
@access_required(AutoQaPerm.VIEW)
def autoqa_panel(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The conversation's Auto-QA panel (htmx partial); POST inspects it now."""
    error = ""
    if request.method == "POST":
        request.access.require(AutoQaPerm.RUN)
        try:
            services.autoqa_run(request.access, conversation_id=conversation_id)
        except Invalid as exc:  # nothing to inspect; a conversation out of reach stays a 404
            error = str(exc.message)
    context = panel_context(request, conversation_id)
    return render(request, "quality/_autoqa_panel.html", {**context, "error": error})


@require_GET
@access_required(AutoQaPerm.EDIT_RULES)
def autoqa_rules_index(request: HttpRequest) -> HttpResponse:
    clients = tenancy_selectors.client_choices(request.access)
    if not clients or not request.access.is_provider:
        raise NotFound()
    return redirect("quality_autoqa_rules", client_id=clients[0][0])


@require_http_methods(["GET", "POST"])
@access_required(AutoQaPerm.EDIT_RULES)
def autoqa_rules(request: HttpRequest, client_id: int) -> HttpResponse:
    scope = request.access
    row = selectors.autoqa_rules_get(scope, client_id=client_id)
    if not scope.is_provider:
        raise NotFound()
    rules = selectors.rules_of(row)
    initial = {
        "greeting_template": rules.greeting_template,
        "shop_aliases": "\n".join(rules.shop_aliases),
        "forbidden_words": "\n".join(rules.forbidden_words),
        "forbidden_promises": "\n".join(rules.forbidden_promises),
        "closing_phrases": "\n".join(rules.closing_phrases),
    }
    status = 200
    if request.method == "POST":
        form = RulesForm(request.POST)
        if form.is_valid():
            try:
                services.autoqa_rules_save(scope, client_id=client_id, **form.values())  # type: ignore[arg-type]
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(
                    request, _("Rules saved. Recent closed conversations will be inspected again.")
                )
                return redirect("quality_autoqa_rules", client_id=client_id)
        status = 422
    else:
        form = RulesForm(initial=initial)
    return render(
        request,
        "quality/autoqa_rules.html",
        {
            "form": form,
            "client_id": client_id,
            "clients": tenancy_selectors.client_choices(scope),
            "row": row,
        },
        status=status,
    )
