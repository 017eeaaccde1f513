"""Onboarding pages: the engagements in onboarding, one engagement's checklist, handover and
break-in, the quick-phrase import with its preview, and the risk register with due diligence."""

from __future__ import annotations

import base64
import binascii

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kefu.core.errors import Invalid, KefuError, PermissionDenied
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.engagements.onboarding import selectors, services
from kefu.engagements.onboarding.forms import (
    BreakInForm,
    DiligenceForm,
    ImportForm,
    ItemForm,
    PhaseForm,
    RiskForm,
    RiskUpdateForm,
)
from kefu.engagements.permissions import EngagementPerm
from kefu.quality.reviews import selectors as quality_selectors
from kefu.tenancy import selectors as tenancy_selectors


@access_required(EngagementPerm.VIEW_ONBOARDING)
def engagement_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    engagements = selectors.engagement_list(scope)
    progress = selectors.progress_by_engagement(scope, engagements)
    rows = [(e, progress[e.pk]) for e in engagements]
    return render(request, "engagements/onboarding/list.html", {"rows": rows})


def _agents(request: HttpRequest) -> list[tuple[int, str]]:
    scope = request.access
    if not scope.is_provider:
        return []
    ids = quality_selectors.agent_ids(scope)
    members = tenancy_selectors.membership_list(scope)
    return [(m.user_id, m.user.display_name or m.user.username) for m in members if m.user_id in ids]


@access_required(EngagementPerm.VIEW_ONBOARDING)
def engagement_detail(request: HttpRequest, engagement_id: int) -> HttpResponse:
    scope = request.access
    engagement = selectors.engagement_get(scope, engagement_id=engagement_id)
    action = request.POST.get("action", "")
    posted = request.method == "POST"
    phase_form = PhaseForm(request.POST if posted and action == "phase" else None)
    break_in_form = BreakInForm(
        request.POST if posted and action == "break_in" else None, agents=_agents(request)
    )
    if posted:
        try:
            if action == "seed":
                services.checklist_seed(scope, engagement_id=engagement.pk)
                messages.success(request, _("Checklist created."))
                return redirect("onboarding_detail", engagement.pk)
            if action == "phase" and phase_form.is_valid():
                services.phase_create(scope, engagement_id=engagement.pk, **phase_form.cleaned_data)
                messages.success(request, _("Phase added."))
                return redirect("onboarding_detail", engagement.pk)
            if action == "break_in" and break_in_form.is_valid():
                data = break_in_form.cleaned_data
                services.break_in_add(
                    scope,
                    engagement_id=engagement.pk,
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    agent_id=data["agent"],
                )
                messages.success(request, _("Break-in period added."))
                return redirect("onboarding_detail", engagement.pk)
            if action not in ("seed", "phase", "break_in"):
                raise Invalid(_("Unknown action."))
        except KefuError as exc:
            if isinstance(exc, PermissionDenied):
                raise
            form = phase_form if action == "phase" else break_in_form
            form_error(form, exc)
            if action == "seed":
                messages.error(request, str(exc.message))
    items = list(selectors.checklist(scope, engagement=engagement))
    phases = selectors.phase_list(scope, engagement=engagement)
    current = selectors.phase_current(phases)
    can_manage = scope.has(EngagementPerm.MANAGE_ONBOARDING)
    side = "provider" if scope.is_provider else "client"
    can_plan = scope.has(EngagementPerm.PLAN_HANDOVER) and scope.provider_id == engagement.provider_id
    failed = bool(phase_form.errors or break_in_form.errors)
    return render(
        request,
        "engagements/onboarding/detail.html",
        {
            "engagement": engagement,
            "items": [(i, can_manage and i.owner_side == side) for i in items],
            "progress": selectors.progress(items),
            "phases": phases,
            "current": current,
            "split": selectors.realised_split(
                scope, engagement=engagement, since=current.started_at if current else None
            ),
            "break_ins": selectors.break_in_list(scope, engagement=engagement),
            "break_in_share": selectors.break_in_share(scope, engagement=engagement),
            "phase_form": phase_form if can_plan else None,
            "break_in_form": break_in_form if can_plan else None,
            "can_plan": can_plan,
            "can_manage": can_manage,
            "can_import": selectors.can_import_phrases(scope),
        },
        status=422 if failed else 200,
    )


def _item_initial(item: object) -> dict[str, object]:
    return {"status": item.status, "due_on": item.due_on, "link": item.link, "note": item.note}  # type: ignore[attr-defined]


@access_required(EngagementPerm.MANAGE_ONBOARDING)
def item_edit(request: HttpRequest, checklist_item_id: int) -> HttpResponse:
    scope = request.access
    item = selectors.item_get(scope, item_id=checklist_item_id)
    form = ItemForm(request.POST or None, initial=_item_initial(item))
    if request.method == "POST" and form.is_valid():
        try:
            services.item_update(scope, item_id=item.pk, **form.cleaned_data)
        except KefuError as exc:
            if isinstance(exc, PermissionDenied):
                raise
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("onboarding_detail", item.engagement_id)
    return render(
        request,
        "engagements/onboarding/item.html",
        {"item": item, "form": form},
        status=422 if form.errors else 200,
    )


@access_required(EngagementPerm.PLAN_HANDOVER)
def phase_action(request: HttpRequest, phase_id: int) -> HttpResponse:
    """POST only: start the phase now, or delete it (before it starts)."""
    scope = request.access
    phase = selectors.phase_get(scope, phase_id=phase_id)
    if request.method != "POST":
        return redirect("onboarding_detail", phase.engagement_id)
    try:
        if request.POST.get("action") == "delete":
            services.phase_delete(scope, phase_id=phase.pk)
            messages.success(request, _("Phase deleted."))
        else:
            services.phase_start(scope, phase_id=phase.pk)
            messages.success(request, _("Phase started: routing's planned split is updated."))
    except KefuError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        messages.error(request, str(exc.message))
    return redirect("onboarding_detail", phase.engagement_id)


@access_required(EngagementPerm.MANAGE_ONBOARDING)
def phrases_import(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """Preview first (nothing stored), then import the same file (carried in the page)."""
    scope = request.access
    engagement = selectors.engagement_get(scope, engagement_id=engagement_id)
    if not selectors.can_import_phrases(scope):
        raise PermissionDenied()
    form = ImportForm(request.POST or None, request.FILES or None)
    result, carried, filename = None, "", ""
    if request.method == "POST":
        content: bytes | None = None
        if request.POST.get("carried"):
            try:
                content = base64.b64decode(request.POST["carried"], validate=True)
                filename = request.POST.get("filename", "phrases.csv")[:120]
            except (binascii.Error, ValueError):
                form.add_error(None, _("The file could not be read; choose it again."))
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            content, filename = upload.read(), upload.name
        if content is not None:
            preview = request.POST.get("step") != "import"
            try:
                result = services.phrases_import(
                    scope,
                    engagement_id=engagement.pk,
                    content=content,
                    filename=filename,
                    skip_bad_rows=bool(request.POST.get("skip_bad_rows")),
                    preview=preview,
                )
            except KefuError as exc:
                if isinstance(exc, PermissionDenied):
                    raise
                form = ImportForm()
                form_error(form, exc)
            else:
                if result.stored:
                    messages.success(
                        request,
                        _("Imported: %(created)d new, %(updated)d updated, %(skipped)d rows skipped.")
                        % {
                            "created": result.created,
                            "updated": result.updated,
                            "skipped": len(result.errors),
                        },
                    )
                    return redirect("onboarding_detail", engagement.pk)
                carried = base64.b64encode(content).decode()
    failed = bool(form.errors) or bool(result and result.errors)
    return render(
        request,
        "engagements/onboarding/phrases.html",
        {"engagement": engagement, "form": form, "result": result, "carried": carried, "filename": filename},
        status=422 if failed else 200,
    )


@access_required(EngagementPerm.VIEW_ONBOARDING)
def risk_register(request: HttpRequest, engagement_id: int) -> HttpResponse:
    scope = request.access
    engagement = selectors.engagement_get(scope, engagement_id=engagement_id)
    can_manage = scope.has(EngagementPerm.MANAGE_ONBOARDING)
    form = RiskForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied()
        if form.is_valid():
            try:
                services.risk_create(scope, engagement_id=engagement.pk, **form.cleaned_data)
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Risk added."))
                return redirect("onboarding_risks", engagement.pk)
    risks = selectors.risk_list(scope, engagement=engagement)
    return render(
        request,
        "engagements/onboarding/risks.html",
        {
            "engagement": engagement,
            "risks": risks,
            "grid": selectors.heat_grid(risks),
            "form": form,
            "diligence": selectors.diligence_list(scope, engagement=engagement),
            "can_judge": can_manage and scope.is_client,
            "today": selectors.today(),
        },
        status=422 if form is not None and form.errors else 200,
    )


@access_required(EngagementPerm.MANAGE_ONBOARDING)
def risk_edit(request: HttpRequest, risk_id: int) -> HttpResponse:
    scope = request.access
    risk = selectors.risk_get(scope, risk_id=risk_id)
    initial = {f: getattr(risk, f) for f in RiskUpdateForm.base_fields}
    form = RiskUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("reviewed"):
            services.risk_update(scope, risk_id=risk.pk, reviewed=True)
            messages.success(request, _("Review recorded."))
            return redirect("onboarding_risks", risk.engagement_id)
        if form.is_valid():
            try:
                services.risk_update(scope, risk_id=risk.pk, **form.cleaned_data)
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("onboarding_risks", risk.engagement_id)
    return render(
        request,
        "engagements/onboarding/risk.html",
        {"risk": risk, "form": form},
        status=422 if form.errors else 200,
    )


@access_required(EngagementPerm.MANAGE_ONBOARDING)
def diligence_edit(request: HttpRequest, diligence_id: int) -> HttpResponse:
    scope = request.access
    item = selectors.diligence_get(scope, item_id=diligence_id)
    form = DiligenceForm(request.POST or None, initial={"status": item.status, "note": item.note})
    if request.method == "POST" and form.is_valid():
        services.diligence_update(scope, item_id=item.pk, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("onboarding_risks", item.engagement_id)
    return render(
        request,
        "engagements/onboarding/diligence.html",
        {"item": item, "form": form},
        status=422 if form.errors else 200,
    )
