"""Calibration pages: the sessions, a new session, a session (progress, the actor's sheets), the
blind scoring page (the conversation beside the scorecard) and the closed session's report."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import KefuError, NotFound, PermissionDenied
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.quality import scoring
from kefu.quality.calibration import forms, selectors, services
from kefu.quality.permissions import QualityPerm
from kefu.quality.reviews import selectors as review_selectors
from kefu.quality.reviews.views import criteria_rows, posted_answers
from kefu.tenancy import selectors as tenancy_selectors


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@access_required()
def session_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    status = request.GET.get("status", "")
    sessions = selectors.calibration_list(scope, status=status if status in ("open", "closed") else "")
    return render(
        request,
        "quality/calibration_list.html",
        {"sessions": sessions[:200], "status": status, "lead": selectors.is_lead(scope)},
    )


@access_required(QualityPerm.MANAGE_SCORECARDS)
def session_new(request: HttpRequest) -> HttpResponse:
    scope = request.access
    if not scope.is_provider:
        raise PermissionDenied()
    clients = tenancy_selectors.client_choices(scope)
    client_id = _int(request.GET.get("client")) or (clients[0][0] if clients else None)
    if client_id is None or client_id not in dict(clients):
        raise NotFound()
    conversations = [
        (
            c.pk,
            f"#{c.pk} · {c.get_channel_display()} · {c.assignee or '—'} · "
            f"{timezone.localtime(c.updated_at):%m-%d %H:%M} · {c.subject or ''}",
        )
        for c in selectors.conversation_choices(scope, client_id=client_id)
    ]
    reviewers = selectors.reviewer_choices(scope, client_id=client_id)
    initial = {"due_at": timezone.localtime(clock.now() + timedelta(days=3)).replace(second=0, microsecond=0)}
    form = forms.SessionForm(
        request.POST or None, conversations=conversations, reviewers=reviewers, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = services.calibration_create(scope, client_id=client_id, **form.cleaned_data)
        except KefuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Calibration session opened. The reviewers see it in their list."))
            return redirect("quality_calibration", session_id=session.pk)
    return render(
        request,
        "quality/calibration_new.html",
        {"form": form, "clients": clients, "client_id": client_id},
        status=422 if form.errors else 200,
    )


@access_required()
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    scope = request.access
    session = selectors.calibration_get(scope, session_id=session_id)
    lead = selectors.is_lead(scope)
    if request.method == "POST" and request.POST.get("action") == "close":
        try:
            services.calibration_close(scope, session_id=session.pk)
        except KefuError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Session closed: the report is ready."))
            return redirect("quality_calibration_report", session_id=session.pk)
        return redirect("quality_calibration", session_id=session.pk)
    own = {
        s.conversation_id: s
        for s in selectors.calibration_sheets(scope, session=session)
        if s.reviewer_id == scope.user_id
    }
    conversations = selectors.calibration_conversation_ids(scope, session=session)
    return render(
        request,
        "quality/calibration_detail.html",
        {
            "session": session,
            "lead": lead,
            "progress": selectors.calibration_progress(scope, session=session),
            "rows": [(c, own.get(c)) for c in conversations],
            "invited": bool(own),
            "overdue": session.status == "open" and session.due_at < clock.now(),
        },
    )


@access_required(QualityPerm.CALIBRATE)
def sheet(request: HttpRequest, session_id: int, conversation_id: int) -> HttpResponse:
    """The blind scoring page: the conversation beside the scorecard, as in a review."""
    scope = request.access
    session = selectors.calibration_get(scope, session_id=session_id)
    own = selectors.calibration_sheet_get(scope, session=session, conversation_id=conversation_id)
    definition = review_selectors.definition(session.scorecard)
    answers, comments = own.answers, own.comments
    editable = session.status == "open"
    error, error_field, status = "", "", 200
    action = request.POST.get("action", "")
    if request.method == "POST" and action in ("save", "submit"):
        answers, comments, _anchors, _notes = posted_answers(request, definition)
        try:
            services.calibration_score_save(
                scope,
                session_id=session.pk,
                conversation_id=conversation_id,
                answers=answers,
                comments=comments,
                submit=action == "submit",
            )
        except KefuError as exc:
            error, error_field, status = str(exc.message), exc.field or "", 422
        else:
            if action == "submit":
                messages.success(request, _("Score submitted. Nobody sees it before the session closes."))
                following = _next_open(scope, session, after=conversation_id)
                if following is not None:
                    return redirect(
                        "quality_calibration_sheet", session_id=session.pk, conversation_id=following
                    )
                return redirect("quality_calibration", session_id=session.pk)
            messages.success(request, _("Saved."))
            return redirect(
                "quality_calibration_sheet", session_id=session.pk, conversation_id=conversation_id
            )
    result = scoring.score(definition, {k: v for k, v in answers.items() if v not in ("", None)}, comments)
    return render(
        request,
        "quality/calibration_sheet.html",
        {
            "session": session,
            "sheet": own,
            "conversation_id": conversation_id,
            "messages_list": [
                (m, None)
                for m in selectors.calibration_messages(
                    scope, session=session, conversation_id=conversation_id
                )
            ],
            "rows": criteria_rows(definition, answers, comments, {}),
            "result": result,
            "editable": editable,
            "error": error,
            "error_field": error_field,
        },
        status=status,
    )


def _next_open(scope: object, session: object, *, after: int) -> int | None:
    for s in selectors.calibration_sheets(scope, session=session):  # type: ignore[arg-type]
        if s.reviewer_id == scope.user_id and s.submitted_at is None and s.conversation_id != after:  # type: ignore[attr-defined]
            return s.conversation_id
    return None


@access_required()
def report(request: HttpRequest, session_id: int) -> HttpResponse:
    scope = request.access
    session = selectors.calibration_get(scope, session_id=session_id)
    if session.status != "closed":
        messages.info(request, _("The report is ready when the session is closed."))
        return redirect("quality_calibration", session_id=session.pk)
    built = selectors.calibration_report(scope, session=session)
    names = selectors.reviewer_names(scope, session=session)
    reviewer_ids = [r.reviewer_id for r in built.reviewers]
    titles = {c.id: c.title for c in built.criteria}
    return render(
        request,
        "quality/calibration_report.html",
        {
            "session": session,
            "report": built,
            "names": names,
            "reviewer_columns": [(r, names.get(r, "")) for r in reviewer_ids],
            "spreads": [
                (s, [s.scores.get(r) for r in reviewer_ids], [titles.get(c, c) for c in s.split])
                for s in built.spreads
            ],
            "reviewers": [(r, names.get(r.reviewer_id, "")) for r in built.reviewers],
        },
    )
