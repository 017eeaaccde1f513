"""The agent workspace: inbox views, a conversation with its thread, customer panel,
reply box with quick phrases, and the actions (assign, transfer, status, escalate).

Pages are server-rendered; htmx re-fetches the partials (`_inbox.html`, `_messages.html`,
`_side.html`, `_my_list.html`) when something changes, so each piece of HTML is rendered
in one place. Actions posted by htmx answer with the refreshed side panel (or 204 for a
reply) and the `desk-changed` trigger; without JavaScript they redirect back.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.core.errors import KefuError, NotFound, status_for
from kefu.core.http import access_required
from kefu.desk import http, labels, selectors, services, workspace
from kefu.desk.forms import (
    STATUS_LABELS,
    AssignForm,
    CategoryForm,
    CustomStatusForm,
    InboxFilterForm,
    ReadForm,
    ReasonForm,
    ReplyForm,
    ResolutionCodeForm,
    StatusForm,
    TagsForm,
)
from kefu.desk.permissions import DeskPerm
from kefu.knowledge import services as knowledge_services
from kefu.knowledge.permissions import KnowledgePerm
from kefu.quality.complaints.permissions import ComplaintPerm
from kefu.tenancy import selectors as tenancy_selectors

INBOX_PAGE = 25
CHANGED = json.dumps({"desk-changed": True})


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


# --- inbox -----------------------------------------------------------------------------------
def _inbox_context(request: HttpRequest) -> dict[str, object]:
    scope = request.access
    lead = scope.has(DeskPerm.ASSIGN)
    form = InboxFilterForm(
        request.GET or None,
        clients=tenancy_selectors.client_choices(scope),
        agents=workspace.transfer_candidates(scope) if lead else None,
        queues=workspace.queue_choices(scope) if lead else None,
    )
    data = form.cleaned_data if form.is_valid() else {}
    views = workspace.inbox_views(scope)
    view = request.GET.get("view") or workspace.default_view(scope)
    if view not in {key for key, _label in views}:
        view = workspace.default_view(scope)
    filters = workspace.InboxFilter(
        view=view,
        client_id=data.get("client"),
        channel=data.get("channel", ""),
        status=data.get("status", ""),
        priority=data.get("priority", ""),
        search=data.get("q", ""),
        agent_id=data.get("agent"),
        queue=data.get("queue") or "",
    )
    page = Paginator(workspace.inbox(scope, filters), INBOX_PAGE).get_page(request.GET.get("page"))
    rows = workspace.inbox_rows(scope, page)
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    query["view"] = view
    return {
        "form": form,
        "views": views,
        "view": view,
        "page": page,
        "rows": rows,
        "query": urlencode(query),
        "filter_query": urlencode({k: v for k, v in query.items() if k != "view"}),
        "status_labels": STATUS_LABELS,
    }


@require_GET
@access_required(DeskPerm.VIEW)
def inbox(request: HttpRequest) -> HttpResponse:
    context = _inbox_context(request)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "desk/_inbox.html", context)
    context["mine"] = workspace.my_open(request.access)
    return render(request, "desk/inbox.html", context)


@require_GET
@access_required(DeskPerm.VIEW)
def inbox_partial(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/_inbox.html", _inbox_context(request))


@require_GET
@access_required(DeskPerm.VIEW)
def my_conversations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "desk/_my_list.html",
        {"mine": workspace.my_open(request.access), "current_id": _int(request.GET.get("current"))},
    )


# --- one conversation ------------------------------------------------------------------------
def _conversation(request: HttpRequest, conversation_id: int) -> object:
    return selectors.conversation_get(request.access, conversation_id=conversation_id)


def _view_only(scope: object, conversation: object) -> bool:
    """Escalated to the client, who left the provider view access only."""
    return bool(
        scope.is_provider  # type: ignore[attr-defined]
        and conversation.tier != "l1"  # type: ignore[attr-defined]
        and getattr(conversation, "provider_access", "edit") != "edit"
    )


def _side_context(request: HttpRequest, conversation: object, **extra: object) -> dict[str, object]:
    scope = request.access
    customer = extra.pop("customer", None) or workspace.customer_panel(scope, conversation)
    can_escalate, can_deescalate = workspace.escalation_actions()
    return {
        "conversation": conversation,
        "customer": customer,
        "history": workspace.customer_history(scope, conversation),
        "timers": workspace.timers(scope, conversation),
        "categories": workspace.categories(scope, conversation),
        "candidates": workspace.transfer_candidates(scope),
        "can_handle": scope.has(DeskPerm.HANDLE),
        "can_assign": scope.has(DeskPerm.ASSIGN),
        "can_unmask": scope.has(DeskPerm.UNMASK),
        # the complaints register (quality) opens with this conversation as the source
        "can_raise_complaint": scope.has(ComplaintPerm.RAISE),
        "can_escalate": can_escalate and scope.has(DeskPerm.HANDLE) and scope.is_provider,
        "can_deescalate": can_deescalate
        and scope.has(DeskPerm.HANDLE)
        and (scope.is_client or conversation.provider_access == "edit"),
        "view_only": _view_only(scope, conversation),
        "status_labels": STATUS_LABELS,
        "statuses": [s for s in STATUS_LABELS.items() if s[0] != "new" or conversation.status == "new"],
        "custom_statuses": workspace.custom_statuses(scope, conversation),
        "current_custom": conversation.current_custom_status,
        "resolution_codes": workspace.RESOLUTION_CODES,
        "files": workspace.attachments(scope, conversation),
        "rating": (rating := workspace.rating(scope, conversation)),
        "survey_links": workspace.survey_links(scope, conversation, answered=rating is not None),
        "tags": [(t, labels.tag_label(t)) for t in conversation.tags or []],
        "resolution_label": workspace.resolution_label(conversation.resolution_code),
        **extra,
    }


@require_GET
@access_required(DeskPerm.VIEW)
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    scope = request.access
    conv = _conversation(request, conversation_id)
    thread, has_earlier = workspace.thread_page(scope, conv)
    if thread:  # opening the conversation reads it up to its last message
        services.conversation_mark_read(scope, conversation_id=conv.pk, seq=thread[-1].seq)
    side = _side_context(request, conv)
    agent_name = str(request.user)
    values = workspace.phrase_values(conv, side["customer"], agent_name)
    can_reply = scope.has(DeskPerm.HANDLE) and not side["view_only"]
    phrase_list = workspace.phrases_for_reply(scope, conv, values) if can_reply else []
    return render(
        request,
        "desk/conversation.html",
        {
            **side,
            "thread": thread,
            "has_earlier": has_earlier,
            "first_seq": thread[0].seq if thread else None,
            "last_seq": thread[-1].seq if thread else 0,
            "mine": workspace.my_open(scope),
            "current_id": conv.pk,
            "phrases": phrase_list,
            "reply_form": ReplyForm() if can_reply else None,
            "route": selectors.reply_route(conv, scope=scope),
            "phrase_variables": workspace.phrase_variables(),
            "can_manage_phrases": scope.has(KnowledgePerm.MANAGE_PHRASES),
            "max_upload_mb": services.attachment_max_bytes() // (1024 * 1024),
        },
    )


@require_GET
@access_required(DeskPerm.VIEW)
def messages_partial(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """`?before_seq=N`: the page before N with a new "load earlier" button;
    `?after_seq=N`: what arrived after N (live updates append it)."""
    scope = request.access
    conv = _conversation(request, conversation_id)
    before, after = _int(request.GET.get("before_seq")), _int(request.GET.get("after_seq"))
    if after is not None:
        thread, has_earlier = workspace.messages_after(scope, conv, after_seq=after), False
    else:
        thread, has_earlier = workspace.thread_page(scope, conv, before_seq=before)
    return render(
        request,
        "desk/_messages.html",
        {
            "conversation": conv,
            "thread": thread,
            "has_earlier": has_earlier,
            "first_seq": thread[0].seq if thread else None,
        },
    )


@require_GET
@access_required(DeskPerm.VIEW)
def side_partial(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conv = _conversation(request, conversation_id)
    return render(request, "desk/_side.html", _side_context(request, conv))


# --- actions ---------------------------------------------------------------------------------
def _done(request: HttpRequest, conversation_id: int, message: str, **extra: object) -> HttpResponse:
    if request.htmx:
        conv = _conversation(request, conversation_id)
        response = render(request, "desk/_side.html", _side_context(request, conv, notice=message, **extra))
        response["HX-Trigger"] = CHANGED
        return response
    messages.success(request, message)
    return redirect("desk_conversation", conversation_id=conversation_id)


def _failed(request: HttpRequest, conversation_id: int, error: KefuError | str) -> HttpResponse:
    text = str(error.message) if isinstance(error, KefuError) else error
    status = status_for(error) if isinstance(error, KefuError) else 422
    if request.htmx:
        conv = _conversation(request, conversation_id)
        return render(request, "desk/_side.html", _side_context(request, conv, error=text), status=status)
    messages.error(request, text)
    return redirect("desk_conversation", conversation_id=conversation_id)


@require_POST
@access_required(DeskPerm.HANDLE)
def reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    scope = request.access
    conv = _conversation(request, conversation_id)
    form = ReplyForm(request.POST)
    uploads = [(f.name, f) for f in request.FILES.getlist("files")]
    if uploads and not (request.POST.get("body") or "").strip():
        form = ReplyForm({**request.POST.dict(), "body": " "})  # files alone: their names become the text
    error: KefuError | str | None = None
    if not form.is_valid():
        error = _("A message cannot be empty.")
    else:
        try:
            if uploads:
                message = services.message_post_with_files(
                    scope,
                    conversation_id=conv.pk,
                    body=form.cleaned_data["body"],
                    direction=form.cleaned_data["kind"],
                    uploads=uploads,
                )
            else:
                message = services.message_post(
                    scope,
                    conversation_id=conv.pk,
                    body=form.cleaned_data["body"],
                    direction=form.cleaned_data["kind"],
                )
        except KefuError as exc:
            error = exc
        else:
            services.conversation_mark_read(scope, conversation_id=conv.pk, seq=message.seq)
            if form.cleaned_data["kind"] == "out":
                knowledge_services.quick_phrase_use(scope, phrase_ids=form.used_phrases())
    if request.htmx:
        if error is None:
            return HttpResponse(status=204, headers={"HX-Trigger": CHANGED})
        text = str(error.message) if isinstance(error, KefuError) else error
        status = status_for(error) if isinstance(error, KefuError) else 422
        return render(request, "desk/_reply_error.html", {"error": text}, status=status)
    if error is not None:
        messages.error(request, str(error.message) if isinstance(error, KefuError) else error)
    return redirect("desk_conversation", conversation_id=conv.pk)


@require_POST
@access_required(DeskPerm.HANDLE)
def assign(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conv = _conversation(request, conversation_id)
    form = AssignForm(request.POST)
    form.is_valid()
    try:
        services.conversation_assign(
            request.access, conversation_id=conv.pk, agent_id=form.agent(request.access.user_id)
        )
    except KefuError as exc:
        return _failed(request, conv.pk, exc)
    return _done(request, conv.pk, _("Assignment saved."))


@require_POST
@access_required(DeskPerm.HANDLE)
def set_status(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conv = _conversation(request, conversation_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _failed(request, conv.pk, _("Choose a status."))
    status, custom_id = form.target()
    category_id = form.cleaned_data["category_id"]
    category = form.cleaned_data["category"].strip()
    try:
        services.conversation_set_status(
            request.access,
            conversation_id=conv.pk,
            status=status,
            custom_status_id=custom_id,
            category_id=category_id,
            category=None if category_id is not None else (category or None),
            resolution_code=labels.resolution_code_from_input(form.cleaned_data["resolution_code"]) or None,
        )
    except KefuError as exc:
        return _failed(request, conv.pk, exc)
    return _done(request, conv.pk, _("Status saved."))


@require_POST
@access_required(DeskPerm.HANDLE)
def tags(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Add tags (comma-separated) or remove one (`remove`)."""
    conv = _conversation(request, conversation_id)
    form = TagsForm(request.POST)
    if not form.is_valid():
        return _failed(request, conv.pk, _("A tag is at most 60 characters."))
    remove = (form.cleaned_data.get("remove") or "").strip()
    try:
        services.conversation_change_tags(
            request.access, conversation_id=conv.pk, add=form.added(), remove=[remove] if remove else []
        )
    except KefuError as exc:
        return _failed(request, conv.pk, exc)
    return _done(request, conv.pk, _("Tags saved."))


@require_POST
@access_required(DeskPerm.HANDLE)
def resolution_code(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conv = _conversation(request, conversation_id)
    form = ResolutionCodeForm(request.POST)
    form.is_valid()
    try:
        services.conversation_set_resolution_code(
            request.access,
            conversation_id=conv.pk,
            code=labels.resolution_code_from_input(form.cleaned_data.get("code", "")),
        )
    except KefuError as exc:
        return _failed(request, conv.pk, exc)
    return _done(request, conv.pk, _("Resolution code saved."))


@require_POST
@access_required(DeskPerm.VIEW)
def mark_read(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The page saw messages up to `seq` (sent by the workspace script while visible)."""
    conv = _conversation(request, conversation_id)
    form = ReadForm(request.POST)
    seq = form.cleaned_data.get("seq") if form.is_valid() else None
    services.conversation_mark_read(request.access, conversation_id=conv.pk, seq=seq)
    return HttpResponse(status=204)


@require_GET
@access_required(DeskPerm.VIEW)
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A file of a conversation the actor may see, as a download; logged."""
    attachment, handle = services.attachment_open(
        request.access, attachment_id=attachment_id, ip_address=request.META.get("REMOTE_ADDR")
    )
    return http.download_response(attachment, handle)


@require_POST
@access_required(DeskPerm.UNMASK)
def unmask(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Shows the clear contact data once, in this response only; the read is audited."""
    conv = _conversation(request, conversation_id)
    if conv.customer_id is None:
        raise NotFound()
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        clear = services.customer_unmask(
            request.access,
            customer_id=conv.customer_id,
            reason=form.cleaned_data.get("reason", ""),
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except KefuError as exc:
        return _failed(request, conv.pk, exc)
    context = _side_context(request, conv, customer=clear, unmasked=True)
    if request.htmx:
        return render(request, "desk/_side.html", context)
    return render(request, "desk/unmasked.html", context)


def _escalation(request: HttpRequest, conversation_id: int, name: str, done: str) -> HttpResponse:
    conv = _conversation(request, conversation_id)
    action = getattr(services, name, None)
    if action is None:
        raise NotFound()
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        action(request.access, conversation_id=conv.pk, reason=form.cleaned_data.get("reason", ""))
    except KefuError as exc:
        return _failed(request, conv.pk, exc)
    return _done(request, conv.pk, done)


@require_POST
@access_required(DeskPerm.HANDLE)
def escalate(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _escalation(request, conversation_id, "conversation_escalate", _("Escalated to the client."))


@require_POST
@access_required(DeskPerm.HANDLE)
def deescalate(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _escalation(request, conversation_id, "conversation_deescalate", _("Handed back to the provider."))


# --- the client's settings: custom statuses and category tree ----------------------------------
def _settings_clients(request: HttpRequest) -> tuple[list[tuple[int, str]], int | None]:
    clients = tenancy_selectors.client_choices(request.access)
    wanted = _int(request.GET.get("client") or request.POST.get("client"))
    ids = [pk for pk, _name in clients]
    if wanted is not None and wanted not in ids:
        raise NotFound()
    return clients, wanted if wanted is not None else (ids[0] if ids else None)


def _settings_context(request: HttpRequest, client_id: int | None, **extra: object) -> dict[str, object]:
    scope = request.access
    statuses = list(selectors.custom_status_list(scope, client_id=client_id)) if client_id else []
    nodes = selectors.category_tree(scope, client_id=client_id) if client_id else []
    parents = [(n.pk, n.path) for n in nodes if n.depth < 3 and n.active]
    return {
        "client_id": client_id,
        "status_labels": STATUS_LABELS,
        "custom_statuses": statuses,
        "nodes": nodes,
        "status_form": extra.pop("status_form", None) or CustomStatusForm(initial={"active": True}),
        "category_form": extra.pop("category_form", None)
        or CategoryForm(parents=parents, initial={"active": True}),
        "can_manage": scope.has(DeskPerm.MANAGE_SETTINGS) and scope.is_client,
        **extra,
    }


@access_required(DeskPerm.VIEW)
def desk_settings(request: HttpRequest) -> HttpResponse:
    """The client's own statuses and category tree: client admins edit, everyone else reads."""
    clients, client_id = _settings_clients(request)
    context: dict[str, object] = {"clients": clients}
    if request.method == "POST":
        scope = request.access
        action = request.POST.get("action")
        try:
            if action == "add_status":
                form = CustomStatusForm(request.POST)
                if not form.is_valid():
                    context["status_form"] = form
                    raise _FormInvalid()
                services.custom_status_create(scope, client_id=client_id, **form.cleaned_data)
                messages.success(request, _("Status added."))
            elif action == "add_category":
                parents = [(n.pk, n.path) for n in selectors.category_tree(scope, client_id=client_id)]
                form = CategoryForm(request.POST, parents=parents)
                if not form.is_valid():
                    context["category_form"] = form
                    raise _FormInvalid()
                services.category_create(scope, client_id=client_id, **form.cleaned_data)
                messages.success(request, _("Category added."))
            else:
                raise NotFound()
        except _FormInvalid:
            return render(
                request, "desk/settings.html", _settings_context(request, client_id, **context), status=422
            )
        except KefuError as exc:
            if isinstance(exc, NotFound):
                raise
            messages.error(request, str(exc.message))
            return render(
                request,
                "desk/settings.html",
                _settings_context(request, client_id, **context),
                status=status_for(exc),
            )
        return redirect(f"{reverse('desk_settings')}?client={client_id}")
    return render(request, "desk/settings.html", _settings_context(request, client_id, **context))


class _FormInvalid(Exception):
    pass


@require_POST
@access_required(DeskPerm.MANAGE_SETTINGS)
def custom_status_edit(request: HttpRequest, status_id: int) -> HttpResponse:
    """Save or delete (`delete`) one of the client's statuses."""
    scope = request.access
    row = selectors.custom_status_get(scope, status_id=status_id)
    try:
        if request.POST.get("delete"):
            services.custom_status_delete(scope, status_id=row.pk)
            messages.success(request, _("Status deleted."))
        else:
            form = CustomStatusForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Check the status: %(errors)s") % {"errors": form.errors.as_text()})
            else:
                services.custom_status_update(scope, status_id=row.pk, **form.cleaned_data)
                messages.success(request, _("Status saved."))
    except KefuError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, str(exc.message))
    return redirect(f"{reverse('desk_settings')}?client={row.client_id}")


@require_POST
@access_required(DeskPerm.MANAGE_SETTINGS)
def category_edit(request: HttpRequest, category_id: int) -> HttpResponse:
    """Rename, reorder, retire or delete (`delete`) a category."""
    scope = request.access
    row = selectors.category_get(scope, category_id=category_id)
    try:
        if request.POST.get("delete"):
            services.category_delete(scope, category_id=row.pk)
            messages.success(request, _("Category deleted."))
        else:
            form = CategoryForm(request.POST)
            if not form.is_valid():
                messages.error(
                    request, _("Check the category: %(errors)s") % {"errors": form.errors.as_text()}
                )
            else:
                values = {k: v for k, v in form.cleaned_data.items() if k != "parent_id"}
                services.category_update(scope, category_id=row.pk, **values)
                messages.success(request, _("Category saved."))
    except KefuError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, str(exc.message))
    return redirect(f"{reverse('desk_settings')}?client={row.client_id}")
