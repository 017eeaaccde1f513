"""After-sales case pages: the list (filters by status, type, owner, due date), one case with
its workflow (the moves the services allow), owner, due date, linked conversations,
resolution, amount and history, and opening a case from a conversation.

Agents, team leads and the client's L2 staff work cases (`DeskPerm.HANDLE`); whoever sees the
client's conversations reads them. Rules live in `desk.services.cases`; their errors come back
on the form that was posted (`core.forms.form_error`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kefu.core.errors import KefuError, NotFound, PermissionDenied
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.desk import labels, selectors, services, workspace
from kefu.desk.forms_cases import (
    CASE_STATUS_LABELS,
    CaseCreateForm,
    CaseEditForm,
    CaseFilterForm,
    CaseLinkForm,
    CaseResolveForm,
    CaseStatusForm,
)
from kefu.desk.permissions import DeskPerm
from kefu.quality.complaints.permissions import ComplaintPerm
from kefu.tenancy import selectors as tenancy_selectors

CASE_PAGE = 25
RESOLUTION_LABELS = dict(workspace.RESOLUTION_CODES)


def _owners(request: HttpRequest, *current: Any) -> list[tuple[int, str]]:
    """Who may own a case: the team (for those who assign work), else the actor; plus the
    current owner, so an edit form never silently drops them."""
    scope = request.access
    owners = list(workspace.transfer_candidates(scope))
    if not owners and scope.user_id is not None:
        owners = [(scope.user_id, str(request.user))]
    known = {pk for pk, _name in owners}
    for user in current:
        if user is not None and user.pk not in known:
            owners.append((user.pk, str(user)))
    return owners


# --- list ------------------------------------------------------------------------------------
@require_GET
@access_required(DeskPerm.VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    clients = tenancy_selectors.client_choices(scope)
    form = CaseFilterForm(request.GET or None, clients=clients, owners=_owners(request))
    data = form.cleaned_data if form.is_valid() else {}
    owner = data.get("owner", "")
    filters = selectors.CaseFilter(
        status=data.get("status", ""),
        type=data.get("type", ""),
        client_id=data.get("client"),
        owner_id=scope.user_id if owner == "me" else (int(owner) if owner.isdigit() else None),
        no_owner=owner == "none",
        due=data.get("due", ""),
    )
    cases = selectors.case_list(scope, filters=filters).select_related("client", "owner", "customer")
    page = Paginator(cases, CASE_PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "desk/cases/list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "now": timezone.now(),
            "status_labels": CASE_STATUS_LABELS,
            "show_client": len(clients) > 1,
        },
    )


# --- one case --------------------------------------------------------------------------------
def _history(request: HttpRequest, case_id: int) -> list[dict[str, object]]:
    """Each logged step of the case as a sentence (codes stay out of sight)."""
    rows = []
    for event in selectors.case_events(request.access, case_id=case_id):
        data = event.data or {}
        if event.type == "case_opened":
            text = _("Case opened from conversation #%(id)s") % {"id": event.conversation_id}
        elif event.type == "case_status":
            text = _("Status: %(old)s → %(new)s") % {
                "old": CASE_STATUS_LABELS.get(data.get("from"), data.get("from")),
                "new": CASE_STATUS_LABELS.get(data.get("to"), data.get("to")),
            }
        elif event.type == "case_resolved":
            code = data.get("code") or ""
            text = _("Resolved: %(resolution)s") % {"resolution": RESOLUTION_LABELS.get(code, code)}
            if data.get("amount"):
                text += " · " + _("amount ¥%(amount)s") % {"amount": data["amount"]}
        elif event.type == "case_linked":
            text = _("Conversation #%(id)s linked") % {"id": event.conversation_id}
        else:
            text = event.get_type_display()
        rows.append({"at": event.at, "text": text, "who": event.actor or event.agent})
    for change in selectors.case_changes(request.access, case_id=case_id):
        data = change.data or {}
        if change.action == "desk.case_owner":
            text = _("Owner: %(old)s → %(new)s") % {
                "old": data.get("from") or "—",
                "new": data.get("to") or "—",
            }
        else:
            text = _("Due: %(old)s → %(new)s") % {
                "old": labels.local_datetime(data.get("from")),
                "new": labels.local_datetime(data.get("to")),
            }
        rows.append({"at": change.at, "text": text, "who": change.actor or change.actor_name})
    rows.sort(key=lambda row: row["at"])
    return rows


def _detail(request: HttpRequest, case: Any, http_status: int = 200, **forms_: forms.Form) -> HttpResponse:
    scope = request.access
    owners = _owners(request, case.owner)
    can_handle = scope.has(DeskPerm.HANDLE)
    moves = [s for s in services.case_transitions(case.status) if s != "resolved"]
    context = {
        "case": case,
        "status_label": CASE_STATUS_LABELS.get(case.status, case.status),
        "resolution_label": RESOLUTION_LABELS.get(case.resolution_code, case.resolution_code),
        "conversations": case.conversations.select_related("client").order_by("pk"),
        "history": _history(request, case.pk),
        "can_handle": can_handle,
        "can_raise_complaint": scope.has(ComplaintPerm.RAISE),  # the register, with this case as source
        "moves": [(s, CASE_STATUS_LABELS[s]) for s in moves],
        "can_resolve": "resolved" in services.case_transitions(case.status),
        "resolution_codes": workspace.RESOLUTION_CODES,
        "now": timezone.now(),
        "edit_form": forms_.get("edit")
        or CaseEditForm(
            owners=owners,
            initial={
                "subject": case.subject,
                "owner": case.owner_id,
                "due_at": timezone.localtime(case.due_at) if case.due_at else None,
            },
        ),
        "resolve_form": forms_.get("resolve") or CaseResolveForm(),
        "link_form": forms_.get("link") or CaseLinkForm(),
        "status_error": forms_.get("status"),
    }
    return render(request, "desk/cases/detail.html", context, status=http_status)


@access_required(DeskPerm.VIEW)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """GET shows the case; POST (`action` edit | status | resolve | link) changes it."""
    scope = request.access
    case = selectors.case_get(scope, case_id=case_id)
    if request.method != "POST":
        return _detail(request, case)
    if not scope.has(DeskPerm.HANDLE):
        raise PermissionDenied()
    action = request.POST.get("action", "")
    form: forms.Form
    try:
        if action == "edit":
            form = CaseEditForm(request.POST, owners=_owners(request, case.owner))
            if form.is_valid():
                data = form.cleaned_data
                services.case_update(
                    scope,
                    case_id=case.pk,
                    subject=data["subject"],
                    owner_id=data["owner"],
                    clear_owner=data["owner"] is None,
                    due_at=data["due_at"],
                    clear_due=data["due_at"] is None,
                )
                done = _("Case saved.")
        elif action == "status":
            form = CaseStatusForm(request.POST)
            if form.is_valid():
                services.case_update_status(scope, case_id=case.pk, status=form.cleaned_data["status"])
                done = _("Status changed.")
        elif action == "resolve":
            form = CaseResolveForm(request.POST)
            if form.is_valid():
                services.case_resolve(
                    scope, case_id=case.pk, code=form.cleaned_data["code"], amount=form.cleaned_data["amount"]
                )
                done = _("Case resolved.")
        elif action == "link":
            form = CaseLinkForm(request.POST)
            if form.is_valid():
                services.case_link_conversation(
                    scope, case_id=case.pk, conversation_id=form.cleaned_data["conversation_id"]
                )
                done = _("Conversation linked.")
        else:
            form = CaseStatusForm()
            form.add_error(None, _("Unknown action."))
    except KefuError as exc:
        if isinstance(exc, NotFound) and action != "link":
            raise
        if isinstance(exc, NotFound):  # another tenant's or a missing conversation number
            form.add_error("conversation_id", _("No such conversation."))
        else:
            form_error(form, exc)
    if form.errors:
        case = selectors.case_get(scope, case_id=case.pk)
        slot = action if action in ("edit", "resolve", "link") else "status"
        return _detail(request, case, http_status=422, **{slot: form})
    messages.success(request, done)
    return redirect("desk_case", case_id=case.pk)


# --- open a case from a conversation ----------------------------------------------------------
@access_required(DeskPerm.HANDLE)
def case_create(request: HttpRequest, conversation_id: int) -> HttpResponse:
    scope = request.access
    conversation = selectors.conversation_get(scope, conversation_id=conversation_id)
    owners = _owners(request)
    initial = {
        "subject": conversation.subject,
        "order_number": (conversation.order_numbers or [""])[0],
        "owner": scope.user_id if scope.user_id in {pk for pk, _n in owners} else None,
    }
    form = CaseCreateForm(request.POST or None, owners=owners, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_create(
                scope,
                conversation_id=conversation.pk,
                type=data["type"],
                subject=data["subject"],
                owner_id=data["owner"],
                due_at=data["due_at"],
                order_number=data["order_number"],
            )
        except KefuError as exc:
            if isinstance(exc, NotFound):
                raise
            form_error(form, exc)
        else:
            messages.success(request, _("Case #%(id)s opened.") % {"id": case.pk})
            return redirect("desk_case", case_id=case.pk)
    return render(
        request,
        "desk/cases/create.html",
        {"form": form, "conversation": conversation, "existing": conversation.cases.order_by("-pk")},
        status=422 if form.errors else 200,
    )
