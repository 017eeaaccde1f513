"""Chat widget settings pages: create a widget, configure it (queue, colour, greeting, pre-chat
form, offline form) and copy the tag to embed.

The tag names the server the browser is on (`request.build_absolute_uri`), so the snippet
works on whatever host and port the admin reached Kefu at. Service hours are the client's
(the SLA calendar); the page shows them and links to where the client sets them.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.connectors import selectors, services
from kefu.connectors.forms_widgets import PRE_CHAT, WidgetForm
from kefu.connectors.permissions import ConnectorPerm
from kefu.core.errors import KefuError, NotFound, PermissionDenied
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.desk import selectors as desk_selectors
from kefu.desk.permissions import DeskPerm
from kefu.tenancy import selectors as tenancy_selectors


def snippet_for(request: HttpRequest, widget_key: str) -> str:
    """The tag to put on the shop's pages, pointing at the server this browser reached."""
    src = request.build_absolute_uri(reverse("widget_js", kwargs={"widget_key": widget_key}))
    return f'<script src="{src}" async></script>'


def _hours(request: HttpRequest, client_id: int) -> dict[str, object] | None:
    """The client's service hours as the widget follows them (None: the actor may not read them)."""
    if not request.access.has(DeskPerm.VIEW):
        return None
    view = desk_selectors.service_calendar_view(request.access, client_id=client_id)
    return {
        "open_now": selectors.client_is_open(client_id),
        "is_default": view["is_default"],
        "weekly": view["weekly"],
        "url": f"{reverse('desk_sla')}?client={client_id}",
    }


@access_required(ConnectorPerm.VIEW)
def widget_list_page(request: HttpRequest) -> HttpResponse:
    """Staff see their widgets with the tag to embed, and (admins) create or configure them."""
    widgets = selectors.widget_list(request.access).select_related("client")
    rows = [(w, snippet_for(request, w.widget_key)) for w in widgets]
    return render(
        request,
        "connectors/widget_list.html",
        {"rows": rows, "can_manage": request.access.has(ConnectorPerm.MANAGE)},
    )


@access_required(ConnectorPerm.MANAGE)
def widget_new(request: HttpRequest) -> HttpResponse:
    form = WidgetForm(request.POST or None, clients=tenancy_selectors.client_choices(request.access))
    if request.method == "POST" and form.is_valid():
        try:
            widget = services.widget_create(
                request.access, client_id=form.cleaned_data["client"], **form.settings()
            )
        except KefuError as exc:
            if isinstance(exc, NotFound):
                raise
            form_error(form, exc)
        else:
            messages.success(request, _("Chat widget created: copy its tag onto the shop's pages."))
            return redirect("widget_edit", widget_id=widget.pk)
    return render(request, "connectors/widgets/edit.html", {"form": form}, status=422 if form.errors else 200)


@access_required(ConnectorPerm.VIEW)
def widget_edit(request: HttpRequest, widget_id: int) -> HttpResponse:
    """The widget's settings (admins change them), its tag and the client's service hours."""
    scope = request.access
    widget = selectors.widget_get(scope, widget_id=widget_id)
    can_manage = scope.has(ConnectorPerm.MANAGE)
    form = WidgetForm(request.POST or None, initial=WidgetForm.initial_from(widget))
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied()
        if form.is_valid():
            try:
                services.widget_update(scope, widget_id=widget.pk, **form.settings())
            except KefuError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_error(form, exc)
            else:
                messages.success(request, _("Chat widget saved."))
                return redirect("widget_edit", widget_id=widget.pk)
    context = {
        "form": form,
        "widget": widget,
        "can_manage": can_manage,
        "snippet": snippet_for(request, widget.widget_key),
        "hours": _hours(request, widget.client_id),
        "pre_chat": [(label, (widget.pre_chat_fields or {}).get(name)) for name, label in PRE_CHAT],
    }
    return render(request, "connectors/widgets/edit.html", context, status=422 if form.errors else 200)


@require_POST
@access_required(ConnectorPerm.MANAGE)
def widget_rotate_key(request: HttpRequest, widget_id: int) -> HttpResponse:
    widget = services.widget_rotate_key(request.access, widget_id=widget_id)
    messages.success(request, _("New key: pages with the old tag no longer connect; replace the tag."))
    return redirect("widget_edit", widget_id=widget.pk)
