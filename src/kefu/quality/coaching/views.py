"""Coaching pages: the tasks (the coach's own, the team's, the overdue; an agent's own), a new task
from a review, an appeal or a trend, and a task with its steps (schedule, done, follow-up,
acknowledge)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kefu.core.errors import Invalid, KefuError, NotFound, PermissionDenied
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.quality import scoring
from kefu.quality.coaching import focus, forms, selectors, services
from kefu.quality.permissions import QualityPerm
from kefu.quality.reviews import selectors as review_selectors

TABS = ("mine", "team", "overdue")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@access_required(QualityPerm.OWN_COACHING)
def task_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    coach = selectors.is_coach(scope)
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "mine"
    today = review_selectors.today()
    filters = selectors.CoachingFilter()
    if coach and tab == "mine":
        filters = selectors.CoachingFilter(coach_id=scope.user_id)
    elif coach and tab == "overdue":
        filters = selectors.CoachingFilter(overdue_on=today)
    tasks = selectors.coaching_list(scope, filters=filters).order_by("status", "due_on", "id")
    trend_form = forms.TrendForm(request.GET if "threshold" in request.GET else None)
    suggestions: list[Any] = []
    if coach:
        threshold, last = 80.0, 5
        if trend_form.is_bound and trend_form.is_valid():
            threshold, last = trend_form.cleaned_data["threshold"], trend_form.cleaned_data["last"]
        names = dict(selectors.agent_choices(scope))
        suggestions = [
            (t, names.get(t.agent_id, ""))
            for t in selectors.agents_below(scope, threshold=threshold, last=last)
        ]
        trend_form = (
            trend_form
            if trend_form.is_bound
            else forms.TrendForm(initial={"threshold": threshold, "last": last})
        )
    return render(
        request,
        "quality/coaching_list.html",
        {
            "tasks": tasks[:200],
            "tab": tab,
            "coach": coach,
            "today": today,
            "trend_form": trend_form,
            "suggestions": suggestions,
            "trend_query": f"threshold={trend_form['threshold'].value()}&last={trend_form['last'].value()}",
            "counts": selectors.coaching_counts(scope, today=today),
        },
    )


def _origin(request: HttpRequest) -> dict[str, Any]:
    """What the new task starts from, read from the query: a review, an appeal or a trend."""
    scope = request.access
    review_id, appeal_id, agent_id = (_int(request.GET.get(k)) for k in ("review", "appeal", "agent"))
    if appeal_id is not None:
        appeal = review_selectors.appeal_get(scope, appeal_id=appeal_id)
        review = appeal.review
        return {"appeal_id": appeal.pk, "review": review, "agent": review.agent, "defaults": _failed(review)}
    if review_id is not None:
        review = review_selectors.review_get(scope, review_id=review_id)
        return {"review_id": review.pk, "review": review, "agent": review.agent, "defaults": _failed(review)}
    if agent_id is not None and agent_id in dict(selectors.agent_choices(scope)):
        form = forms.TrendForm(request.GET)
        if not form.is_valid():
            raise NotFound()
        last = form.cleaned_data["last"]
        latest = selectors.trend_reviews(scope, agent_id=agent_id, client_id=None, last=last)
        trend = selectors.agent_trend(scope, agent_id=agent_id, client_id=None, kind="qa", last=last)
        return {
            "agent_id": agent_id,
            "threshold": form.cleaned_data["threshold"],
            "last": last,
            "trend": trend,
            "review": latest[0] if latest else None,
            "agent_name": dict(selectors.agent_choices(scope))[agent_id],
            "defaults": focus.most_failed(
                (review_selectors.definition(r.scorecard), r.answers) for r in latest
            ),
        }
    raise NotFound()


def _failed(review: Any) -> list[str]:
    definition = review_selectors.definition(review.scorecard)
    return [c.id for c in definition.criteria if scoring.is_failed(c, review.answers.get(c.id))]


@access_required(QualityPerm.COACH)
def task_new(request: HttpRequest) -> HttpResponse:
    scope = request.access
    if not scope.is_provider:
        raise PermissionDenied()
    origin = _origin(request)
    review = origin.get("review")
    criteria = (
        [(c.id, c.title) for c in review_selectors.definition(review.scorecard).criteria] if review else []
    )
    initial = {
        "criteria": origin["defaults"],
        "coach_id": scope.user_id,
        "due_on": review_selectors.today() + timedelta(days=7),
    }
    form = forms.TaskForm(
        request.POST or None, criteria=criteria, coaches=selectors.coach_choices(scope), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        source = {
            k: origin[k] for k in ("review_id", "appeal_id", "agent_id", "threshold", "last") if k in origin
        }
        try:
            task = services.coaching_create(
                scope,
                due_on=data["due_on"],
                criteria=data.get("criteria", []),
                notes=data["notes"],
                coach_id=data["coach_id"],
                **source,
            )
        except KefuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Coaching task created. The agent sees it in their list."))
            return redirect("quality_coaching_task", task_id=task.pk)
    return render(
        request,
        "quality/coaching_new.html",
        {"form": form, "origin": origin, "review": review},
        status=422 if form.errors else 200,
    )


@access_required(QualityPerm.OWN_COACHING)
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    scope = request.access
    task = selectors.coaching_get(scope, task_id=task_id)
    coach = selectors.is_coach(scope)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    schedule_form = forms.ScheduleForm(request.POST if action == "schedule" else None)
    done_form = forms.DoneForm(request.POST if action == "done" else None, initial={"notes": task.notes})
    if action:
        try:
            if action == "acknowledge":
                services.coaching_acknowledge(scope, task_id=task.pk)
                messages.success(request, _("Acknowledged. Your coach sees it."))
            elif action == "schedule" and schedule_form.is_valid():
                services.coaching_schedule(scope, task_id=task.pk, at=schedule_form.cleaned_data["at"])
                messages.success(request, _("Coaching scheduled."))
            elif action == "done" and done_form.is_valid():
                services.coaching_done(scope, task_id=task.pk, notes=done_form.cleaned_data["notes"])
                messages.success(request, _("Coaching marked as done."))
            elif action == "follow_up":
                services.coaching_follow_up(
                    scope, task_id=task.pk, review_id=_int(request.POST.get("review_id"))
                )
                messages.success(request, _("Follow-up score linked."))
            elif action in ("schedule", "done"):
                raise Invalid(_("Give a valid date and time."), field="at")
            else:
                raise PermissionDenied()
        except KefuError as exc:
            messages.error(request, str(exc.message))
        else:
            return redirect("quality_coaching_task", task_id=task.pk)
    candidates = selectors.follow_up_candidates(scope, task=task) if coach and task.status == "done" else []
    return render(
        request,
        "quality/coaching_detail.html",
        {
            "task": task,
            "coach": coach,
            "own": task.agent_id == scope.user_id,
            "schedule_form": schedule_form,
            "done_form": done_form,
            "candidates": candidates,
            "overdue": task.status in selectors.OPEN_STATUSES and task.due_on < review_selectors.today(),
            "change": (
                round(task.follow_up_score - task.baseline, 2)
                if task.follow_up_score is not None and task.baseline is not None
                else None
            ),
        },
    )
