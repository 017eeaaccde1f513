"""Quick phrase pages: list and search, create, edit, delete, CSV import and export."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kefu.core.errors import KefuError, PermissionDenied
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.knowledge import selectors, services
from kefu.knowledge.forms import QuickPhraseForm, QuickPhraseImportForm
from kefu.knowledge.permissions import KnowledgePerm
from kefu.tenancy import selectors as tenancy_selectors


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@access_required(KnowledgePerm.VIEW_PHRASES)
def phrase_list(request: HttpRequest) -> HttpResponse:
    scope = request.access
    clients = tenancy_selectors.client_choices(request.access)
    can_manage = scope.has(KnowledgePerm.MANAGE_PHRASES)
    posted = request.method == "POST"
    action = request.POST.get("action", "create")
    form = (
        QuickPhraseForm(request.POST if posted and action == "create" else None, clients=clients)
        if can_manage
        else None
    )
    import_form = (
        QuickPhraseImportForm(
            request.POST if posted and action == "import" else None,
            request.FILES if posted and action == "import" else None,
            clients=clients,
        )
        if can_manage
        else None
    )
    import_errors: list[tuple[int, str]] = []
    if request.method == "POST" and not can_manage:
        raise PermissionDenied()
    if request.method == "POST" and action == "create" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            services.quick_phrase_create(
                scope,
                client_id=data["client"],
                title=data["title"],
                body=data["body"],
                shortcut=data["shortcut"],
                category=data["category"],
            )
        except KefuError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Phrase saved."))
            return redirect("quick_phrases")
    if request.method == "POST" and action == "import" and import_form is not None and import_form.is_valid():
        try:
            result = services.quick_phrase_import_csv(
                scope,
                client_id=import_form.cleaned_data["client"],
                content=import_form.cleaned_data["file"].read(),
            )
        except KefuError as exc:
            form_error(import_form, exc)
        else:
            if result.ok:
                messages.success(
                    request,
                    _("Imported: %(created)d new, %(updated)d updated.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("quick_phrases")
            import_errors = result.errors
    client_id = _int(request.GET.get("client"))
    search = request.GET.get("q", "").strip()
    page = Paginator(selectors.quick_phrase_list(scope, client_id=client_id, search=search), 50).get_page(
        request.GET.get("page")
    )
    rows = [(p, can_manage and selectors.is_owned_by_actor(scope, p)) for p in page]
    failed = (
        bool(import_errors)
        or (form is not None and form.errors)
        or (import_form is not None and import_form.errors)
    )
    return render(
        request,
        "knowledge/phrase_list.html",
        {
            "page": page,
            "rows": rows,
            "form": form,
            "import_form": import_form,
            "import_errors": import_errors,
            "clients": clients,
            "client_id": client_id,
            "q": search,
            "query": urlencode({"q": search, "client": client_id or ""}),
        },
        status=422 if failed else 200,
    )


@access_required(KnowledgePerm.MANAGE_PHRASES)
def phrase_edit(request: HttpRequest, phrase_id: int) -> HttpResponse:
    scope = request.access
    phrase = selectors.quick_phrase_get(scope, phrase_id=phrase_id)
    initial = {
        "title": phrase.title,
        "body": phrase.body,
        "shortcut": f"/{phrase.shortcut}" if phrase.shortcut else "",
        "category": phrase.category,
    }
    form = QuickPhraseForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("delete"):
            services.quick_phrase_delete(scope, phrase_id=phrase.pk)
            messages.success(request, _("Phrase deleted."))
            return redirect("quick_phrases")
        if form.is_valid():
            try:
                services.quick_phrase_update(scope, phrase_id=phrase.pk, **form.cleaned_data)
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Phrase saved."))
                return redirect("quick_phrases")
    return render(
        request,
        "knowledge/phrase_edit.html",
        {"phrase": phrase, "form": form, "can_edit": selectors.is_owned_by_actor(scope, phrase)},
        status=422 if form.errors else 200,
    )


@access_required(KnowledgePerm.VIEW_PHRASES)
def phrase_export(request: HttpRequest) -> HttpResponse:
    text = selectors.quick_phrase_export_csv(request.access, client_id=_int(request.GET.get("client")))
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="quick-phrases.csv"'
    return response
