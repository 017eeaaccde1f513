"""Survey pages: the definitions (list, a survey's versions and its editor), sending a link from
the conversation, and the public answer page at the signed link (no sign-in, mobile-first)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.errors import Conflict, Invalid, KefuError, NotFound, PermissionDenied
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.quality.coaching import selectors as coaching_selectors
from kefu.quality.permissions import QualityPerm
from kefu.quality.reviews.forms import CHANNEL_CHOICES
from kefu.quality.surveys import answers, forms, selectors, services
from kefu.quality.surveys import questions as core
from kefu.tenancy import selectors as tenancy_selectors

FIELDS = (
    "name",
    "channel",
    "csat_text",
    "ask_nps",
    "nps_text",
    "questions_text",
    "link_hours",
    "reminder_hours",
    "auto_send",
    "send_delay_minutes",
)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _channel_label(channel: str) -> str:
    return str(dict(CHANNEL_CHOICES).get(channel, channel))


def _values(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data.get(name) for name in FIELDS}


@access_required(QualityPerm.VIEW_SURVEYS)
def survey_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    can_manage = scope.has(QualityPerm.MANAGE_SURVEYS) and scope.is_provider
    clients = tenancy_selectors.client_choices(scope)
    initial = {"ask_nps": True, "csat_text": _("How satisfied are you with our service?"),
               "nps_text": _("How likely are you to recommend us to a friend?")}  # fmt: skip
    form = (
        forms.SurveyDefinitionForm(request.POST or None, clients=clients, initial=initial)
        if can_manage
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied()
        if form.is_valid():
            data = form.cleaned_data
            try:
                row = services.survey_definition_create(scope, client_id=data["client"], **_values(data))
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Survey saved."))
                return redirect("quality_survey", survey_id=row.pk)
    rows = list(
        selectors.definition_list(scope, client_id=_int(request.GET.get("client"))).order_by(
            "client__name", "name"
        )
    )
    for row in rows:
        row.channel_label = _channel_label(row.channel)
        row.question_count = len(row.questions or []) + 1 + (1 if row.ask_nps else 0)
    return render(
        request,
        "quality/survey_list.html",
        {"rows": rows, "form": form},
        status=422 if form is not None and form.errors else 200,
    )


@access_required(QualityPerm.VIEW_SURVEYS)
def survey_detail(request: HttpRequest, survey_id: int) -> HttpResponse:
    scope = request.access
    row = selectors.definition_get(scope, definition_id=survey_id)
    can_edit = (
        scope.has(QualityPerm.MANAGE_SURVEYS) and row.provider_id == scope.provider_id and row.is_current
    )
    initial = {name: getattr(row, name) for name in FIELDS if hasattr(row, name)}
    initial["questions_text"] = core.to_lines(selectors.questions_of(row))
    form = forms.SurveyDefinitionForm(request.POST or None, initial=initial) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied()
        if form.is_valid():
            try:
                newer = services.survey_definition_update(
                    scope, definition_id=row.pk, **_values(form.cleaned_data)
                )
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Version %(version)d saved.") % {"version": newer.version})
                return redirect("quality_survey", survey_id=newer.pk)
    return render(
        request,
        "quality/survey_detail.html",
        {
            "survey": row,
            "channel_label": _channel_label(row.channel),
            "questions": selectors.questions_of(row),
            "versions": selectors.definition_versions(scope, definition=row),
            "form": form,
        },
        status=422 if form is not None and form.errors else 200,
    )


@require_POST
@access_required(QualityPerm.SEND_SURVEYS)
def survey_send(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """From the conversation's side panel: queue an e-mail or SMS link, back to the conversation."""
    try:  # another tenant's conversation is a 404 before the medium is looked at
        services.survey_invitation_create(
            request.access, conversation_id=conversation_id, medium=request.POST.get("medium", "")
        )
    except NotFound:
        raise
    except KefuError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The survey link is on its way."))
    return redirect("desk_conversation", conversation_id=conversation_id)


# --- the customer's page ------------------------------------------------------------------------
def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "quality/survey_public.html", context, status=status)


def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link's page: no sign-in; a bad link is a 404, an answered or expired one says so."""
    try:
        invitation = services.survey_link_open(token)
    except NotFound:
        return _page(request, {"state": "invalid"}, status=404)
    except services.LinkUsed:
        return _page(request, {"state": "answered"}, status=410)
    except services.LinkExpired:
        return _page(request, {"state": "expired"}, status=410)
    definition = invitation.definition
    asked = selectors.questions_of(definition)
    error, error_field, values = "", "", {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            services.survey_link_answer(
                token,
                score=values.get("score"),
                nps=values.get("nps"),
                answers={q.id: values.get(q.id, "") for q in asked},
                comment=values.get("comment", ""),
            )
        except (services.LinkUsed, services.LinkExpired, Conflict):
            return _page(request, {"state": "answered"}, status=410)
        except Invalid as exc:
            error, error_field = str(exc.message), exc.field or ""
        else:
            return _page(request, {"state": "thanks", "shop": invitation.client.name})
    return _page(
        request,
        {
            "state": "form",
            "shop": invitation.client.name,
            "survey": definition,
            "questions": asked,
            "csat_range": range(1, 6),
            "nps_range": range(0, 11),
            "values": values,
            "error": error,
            "error_field": error_field,
        },
        status=422 if error else 200,
    )


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@access_required(QualityPerm.VIEW_SURVEYS)
def answer_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    get = request.GET
    score = _int(get.get("score"))
    filters = answers.AnswerFilter(
        client_id=_int(get.get("client")),
        channel=get.get("channel", "") if get.get("channel", "") in answers.CHANNELS else "",
        agent_id=_int(get.get("agent")),
        score=score if score in range(1, 6) else None,
        nps=get.get("nps", "") if get.get("nps", "") in answers.NPS_GROUPS else "",
        date_from=_day(get.get("from")),
        date_to=_day(get.get("to")),
    )
    error = ""
    try:
        rows = answers.answer_list(scope, filters=filters)
    except Invalid as exc:  # the days the wrong way round
        error, rows = exc.message, answers.answer_list(scope)
    if get.get("format") == "csv" and not error:
        response = HttpResponse(answers.to_csv(rows), content_type=answers.CSV_TYPE)
        response["Content-Disposition"] = 'attachment; filename="survey-answers.csv"'
        return response
    page = Paginator(rows, 50).get_page(get.get("page"))
    for row in page:
        row.further = answers.further_answers(row)
        row.agent_name = answers.agent_name(row)
        row.channel_label = answers.channel_label(row.channel)
        row.medium_label = answers.medium_label(row.medium)
        row.stars = "★" * row.score + "☆" * (5 - row.score)
    query = get.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "quality/survey_answers.html",
        {
            "page": page,
            "query": query.urlencode(),
            "f": filters,
            "error": error,
            "clients": tenancy_selectors.client_choices(scope) if scope.is_provider else [],
            "agents": coaching_selectors.agent_choices(scope) if scope.is_provider else [],
            "channels": [c for c in CHANNEL_CHOICES if c[0]],
            "nps_groups": [
                ("promoter", _("Promoters (9–10)")),
                ("passive", _("Passives (7–8)")),
                ("detractor", _("Detractors (0–6)")),
            ],
            "scores": range(5, 0, -1),
        },
        status=422 if error else 200,
    )
