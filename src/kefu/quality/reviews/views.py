"""Quality pages: the review list, the review workspace (conversation beside the scorecard,
keyboard-driven), scorecards and their versions, sampling rules and workload, appeals."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.errors import KefuError, PermissionDenied
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.quality import scoring
from kefu.quality.permissions import QualityPerm
from kefu.quality.reviews import forms, selectors, services
from kefu.tenancy import selectors as tenancy_selectors

ANSWER_LABELS = {
    "y": gettext_lazy("Yes"),
    "p": gettext_lazy("Partly"),
    "n": gettext_lazy("No"),
    "na": gettext_lazy("N/A"),
}
KEYS = {"y": "y", "p": "p", "n": "n", "na": "a"}
SCALE_LABELS = {
    "yes_no": gettext_lazy("Yes / no"),
    "yes_no_partial": gettext_lazy("Yes / partly / no"),
    "one_to_five": gettext_lazy("1–5"),
}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _can_review(request: HttpRequest) -> bool:
    return request.access.has(QualityPerm.REVIEW) or request.access.has(QualityPerm.VIEW_REVIEWS)


def _with_channel_label(row: Any) -> Any:
    row.channel_label = dict(forms.CHANNEL_CHOICES).get(row.channel, row.channel)
    return row


def answer_label(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return str(ANSWER_LABELS.get(value, value))


# --- reviews ---------------------------------------------------------------------------------


@access_required()
def review_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    if not (scope.has(QualityPerm.VIEW_REVIEWS) or scope.has(QualityPerm.OWN_REVIEWS)):
        raise PermissionDenied()
    reviewer = scope.has(QualityPerm.REVIEW)
    tab = request.GET.get("tab") or ("queue" if reviewer else "all")
    status = request.GET.get("status", "")
    client_id = _int(request.GET.get("client"))
    filters = selectors.ReviewFilter(
        status="pending" if tab == "queue" else status,
        inspector_id=scope.user_id if tab == "queue" else None,
        client_id=client_id,
    )
    queryset = selectors.review_list(scope, filters=filters)
    queryset = (
        queryset.order_by("due_at", "id") if tab == "queue" else queryset.order_by("-submitted_at", "-id")
    )
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "quality/review_list.html",
        {
            "page": page,
            "tab": tab,
            "status": status,
            "client_id": client_id,
            "clients": tenancy_selectors.client_choices(scope) if scope.has(QualityPerm.VIEW_REVIEWS) else [],
            "reviewer": reviewer,
            "manager": scope.has(QualityPerm.MANAGE_SCORECARDS),
            "open_appeals": selectors.open_appeal_count(scope),
            "next_review": selectors.review_next(scope),
            "query": f"tab={tab}&status={status}&client={client_id or ''}",
        },
    )


@access_required(QualityPerm.REVIEW)
def review_next(request: HttpRequest) -> HttpResponse:
    after = _int(request.GET.get("after"))
    current = None
    if after is not None:
        try:
            current = selectors.review_get(request.access, review_id=after)
        except KefuError:
            current = None
    found = selectors.review_next(request.access, after=current)
    if found is None:
        messages.success(request, _("Your review list is empty. Well done."))
        return redirect("quality_reviews")
    return redirect("quality_review", review_id=found.pk)


def _criteria_rows(
    definition: scoring.Definition, answers: dict, comments: dict, anchors: dict
) -> list[dict[str, Any]]:
    rows = []
    total = sum(c.weight for c in definition.criteria)
    for section in definition.sections:
        for criterion in section.criteria:
            values: list[Any] = list(scoring.ANSWERS_BY_SCALE[criterion.scale])
            if criterion.allow_na:
                values.append(scoring.NA)
            answer = answers.get(criterion.id)
            rows.append(
                {
                    "section": section,
                    "first_in_section": criterion is section.criteria[0],
                    "c": criterion,
                    "choices": [
                        (str(v), answer_label(v), KEYS.get(v, str(v)), str(answer) == str(v)) for v in values
                    ],
                    "answer": answer,
                    "answer_label": answer_label(answer),
                    "comment": comments.get(criterion.id, ""),
                    "anchor": anchors.get(criterion.id),
                    "failed": answer is not None and scoring.is_failed(criterion, answer),
                    "share": round(100 * criterion.weight / total, 1) if total else 0,
                    "scale_label": SCALE_LABELS[criterion.scale],
                }
            )
    return rows


def _posted_answers(request: HttpRequest, definition: scoring.Definition) -> tuple[dict, dict, dict, list]:
    answers, comments, anchors = {}, {}, {}
    for criterion in definition.criteria:
        answers[criterion.id] = request.POST.get(f"answer_{criterion.id}", "")
        comments[criterion.id] = request.POST.get(f"comment_{criterion.id}", "")
        anchors[criterion.id] = request.POST.get(f"anchor_{criterion.id}", "")
    notes = []
    for key, text in request.POST.items():
        if key.startswith("note_") and text.strip():
            seq = _int(key.removeprefix("note_"))
            notes.append({"seq": seq, "text": text})
    return answers, comments, anchors, notes


@access_required()
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    scope = request.access
    review = selectors.review_get(scope, review_id=review_id)
    definition = selectors.definition(review.scorecard)
    editable = (
        scope.has(QualityPerm.REVIEW)
        and scope.is_provider
        and review.status == "pending"
        and review.agent_id != scope.user_id
        and (review.inspector_id in (None, scope.user_id) or scope.has(QualityPerm.MANAGE_SCORECARDS))
    )
    answers, comments, anchors = review.answers, review.comments, review.anchors
    notes = {n["seq"]: n["text"] for n in review.notes}
    error = ""
    error_field = ""
    appeal_form = None
    status = 200
    action = request.POST.get("action", "")
    if request.method == "POST" and action in ("save", "submit"):
        if not editable:
            raise PermissionDenied()
        answers, comments, anchors, posted_notes = _posted_answers(request, definition)
        notes = {n["seq"]: n["text"] for n in posted_notes}
        try:
            services.review_save(
                scope,
                review_id=review.pk,
                answers=answers,
                comments=comments,
                anchors=anchors,
                notes=posted_notes,
                submit=action == "submit",
            )
        except KefuError as exc:
            error, error_field, status = str(exc.message), exc.field or "", 422
        else:
            if action == "submit":
                messages.success(request, _("Review submitted."))
                following = selectors.review_next(scope, after=review)
                if following is not None and request.POST.get("then") != "stay":
                    return redirect("quality_review", review_id=following.pk)
                return redirect("quality_review", review_id=review.pk)
            messages.success(request, _("Answers saved."))
            return redirect("quality_review", review_id=review.pk)
    can_appeal = (
        scope.has(QualityPerm.APPEAL)
        and review.agent_id == scope.user_id
        and review.status == "submitted"
        and not hasattr(review, "appeal")
    )
    deadline = selectors.appeal_deadline(scope, review)
    if can_appeal:
        appeal_form = forms.AppealForm(request.POST if action == "appeal" else None)
        if action == "appeal" and appeal_form.is_valid():
            try:
                services.appeal_create(scope, review_id=review.pk, reason=appeal_form.cleaned_data["reason"])
            except KefuError as exc:
                form_error(appeal_form, exc)
            else:
                messages.success(request, _("Appeal sent. A second reviewer will decide."))
                return redirect("quality_review", review_id=review.pk)
        if appeal_form.errors:
            status = 422
    elif action == "appeal":
        raise PermissionDenied()
    result = scoring.score(definition, {k: v for k, v in answers.items() if v not in ("", None)}, comments)
    message_rows = selectors.review_messages(scope, review=review)
    return render(
        request,
        "quality/review_detail.html",
        {
            "review": review,
            "editable": editable,
            "can_coach": scope.is_provider and scope.has(QualityPerm.COACH),
            "rows": _criteria_rows(definition, answers, comments, anchors),
            "messages_list": [(m, notes.get(m.seq, "")) for m in message_rows],
            "anchored": {seq: True for seq in anchors.values() if seq},
            "result": result,
            "error": error,
            "error_field": error_field,
            "rating": selectors.review_conversation_rating(scope, review=review),
            "appeal_form": appeal_form,
            "deadline": deadline,
            "appeal": getattr(review, "appeal", None),
            "reviewer": scope.has(QualityPerm.REVIEW),
        },
        status=status,
    )


# --- scorecards ------------------------------------------------------------------------------


@access_required(QualityPerm.VIEW_REVIEWS)
def scorecard_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    can_manage = scope.has(QualityPerm.MANAGE_SCORECARDS) and scope.is_provider
    clients = tenancy_selectors.client_choices(scope)
    form = forms.ScorecardForm(request.POST or None, clients=clients) if can_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied()
        if form.is_valid():
            data = form.cleaned_data
            try:
                row = services.scorecard_create(
                    scope,
                    client_id=data["client"],
                    name=data["name"],
                    channel=data["channel"],
                    text=data["text"],
                )
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Scorecard saved."))
                return redirect("quality_scorecard", scorecard_id=row.pk)
    rows = [
        _with_channel_label(row)
        for row in selectors.scorecard_list(scope, client_id=_int(request.GET.get("client"))).order_by(
            "client__name", "name"
        )
    ]
    return render(
        request,
        "quality/scorecard_list.html",
        {"rows": rows, "form": form, "clients": clients},
        status=422 if form is not None and form.errors else 200,
    )


@access_required(QualityPerm.VIEW_REVIEWS)
def scorecard_detail(request: HttpRequest, scorecard_id: int) -> HttpResponse:
    scope = request.access
    row = _with_channel_label(selectors.scorecard_get(scope, scorecard_id=scorecard_id))
    definition = selectors.definition(row)
    can_edit = (
        scope.has(QualityPerm.MANAGE_SCORECARDS) and row.is_current and row.provider_id == scope.provider_id
    )
    initial = {"name": row.name, "channel": row.channel, "text": scoring.to_lines(definition)}
    form = forms.ScorecardForm(request.POST or None, initial=initial) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied()
        if form.is_valid():
            data = form.cleaned_data
            try:
                new = services.scorecard_update(
                    scope, scorecard_id=row.pk, name=data["name"], channel=data["channel"], text=data["text"]
                )
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Saved as version %(version)d.") % {"version": new.version})
                return redirect("quality_scorecard", scorecard_id=new.pk)
    return render(
        request,
        "quality/scorecard_detail.html",
        {
            "row": row,
            "rows": _criteria_rows(definition, {}, {}, {}),
            "versions": selectors.scorecard_versions(scope, scorecard=row),
            "form": form,
            "help": forms.SCORECARD_HELP,
        },
        status=422 if form is not None and form.errors else 200,
    )


# --- sampling and workload -------------------------------------------------------------------


@access_required(QualityPerm.MANAGE_SCORECARDS)
def sampling(request: HttpRequest) -> HttpResponse:
    scope = request.access
    if not scope.is_provider:
        raise PermissionDenied()
    clients = tenancy_selectors.client_choices(scope)
    client_id = _int(request.POST.get("client") or request.GET.get("client")) or (
        clients[0][0] if clients else None
    )
    if client_id is not None and client_id not in {c for c, _n in clients}:
        client_id = clients[0][0] if clients else None
    action = request.POST.get("action", "")
    policy = selectors.qa_policy_get(scope, client_id=client_id) if client_id else None
    initial = {}
    if policy is not None:
        initial = {f"percent_{k}": v for k, v in policy.percent_by_channel.items()}
        for field in ("new_agent_days", "new_agent_percent", "include_complaints", "include_low_ratings"):
            initial[field] = getattr(policy, field)
        initial.update(due_days=policy.due_days, appeal_window_days=policy.appeal_window_days)
    policy_form = forms.PolicyForm(request.POST if action == "policy" else None, initial=initial)
    sample_form = forms.SampleForm(
        request.POST if action == "sample" else None, initial={"day": selectors.today().isoformat()}
    )
    result = None
    if request.method == "POST" and client_id is not None:
        if action == "policy" and policy_form.is_valid():
            data = dict(policy_form.cleaned_data)
            percentages = {k: data.pop(f"percent_{k}") for k in ("chat", "email", "phone", "api")}
            try:
                services.qa_policy_set(scope, client_id=client_id, percent_by_channel=percentages, **data)
            except KefuError as exc:
                form_error(policy_form, exc)
            else:
                messages.success(request, _("Rules saved."))
                return redirect(f"{request.path}?client={client_id}")
        if action == "sample" and sample_form.is_valid():
            try:
                result = services.sample_day(scope, client_id=client_id, day=sample_form.cleaned_data["day"])
            except KefuError as exc:
                form_error(sample_form, exc)
    failed = bool(policy_form.errors or sample_form.errors)
    return render(
        request,
        "quality/sampling.html",
        {
            "clients": clients,
            "client_id": client_id,
            "policy_form": policy_form,
            "sample_form": sample_form,
            "result": result,
            "workload": selectors.workload(scope, day=selectors.today()),
        },
        status=422 if failed else 200,
    )


# --- appeals ---------------------------------------------------------------------------------


@access_required()
def appeal_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    if not (scope.has(QualityPerm.VIEW_REVIEWS) or scope.has(QualityPerm.OWN_REVIEWS)):
        raise PermissionDenied()
    status = request.GET.get("status", "")
    page = Paginator(selectors.appeal_list(scope, status=status), 50).get_page(request.GET.get("page"))
    return render(
        request, "quality/appeal_list.html", {"page": page, "status": status, "query": f"status={status}"}
    )


@access_required()
def appeal_detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    scope = request.access
    appeal = selectors.appeal_get(scope, appeal_id=appeal_id)
    review = appeal.review
    definition = selectors.definition(review.scorecard)
    can_decide = (
        scope.has(QualityPerm.DECIDE_APPEALS)
        and scope.is_provider
        and appeal.status == "open"
        and scope.user_id not in (review.inspector_id, review.agent_id)
    )
    form = forms.DecideForm(request.POST or None) if can_decide else None
    answers, comments = dict(review.answers), dict(review.comments)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied()
        answers, comments, _anchors, _notes = _posted_answers(request, definition)
        if form.is_valid():
            try:
                services.appeal_decide(
                    scope,
                    appeal_id=appeal.pk,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                    answers={k: v for k, v in answers.items() if v},
                    comments=comments,
                )
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Decision saved."))
                return redirect("quality_appeal", appeal_id=appeal.pk)
    return render(
        request,
        "quality/appeal_detail.html",
        {
            "appeal": appeal,
            "review": review,
            "rows": _criteria_rows(definition, answers, comments, review.anchors),
            "form": form,
            "first_reviewer": scope.user_id == review.inspector_id,
            "can_coach": scope.is_provider and scope.has(QualityPerm.COACH),
        },
        status=422 if form is not None and form.errors else 200,
    )


# Shared with the calibration pages, which score with the same scorecard form.
criteria_rows = _criteria_rows
posted_answers = _posted_answers
