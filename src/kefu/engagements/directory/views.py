"""Pages of the provider directory: a provider admin's own profile; the listed profiles a client
may invite to quote."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kefu.core.errors import KefuError, PermissionDenied
from kefu.core.forms import form_error
from kefu.core.http import access_required
from kefu.engagements.directory import forms, selectors, services
from kefu.engagements.permissions import EngagementPerm


@access_required()
def directory(request: HttpRequest) -> HttpResponse:
    scope = request.access
    if scope.has(EngagementPerm.DIRECTORY_LIST) and scope.is_provider:
        own = selectors.listing_own(scope)
        form = forms.ListingForm(request.POST or None, initial=forms.ListingForm.initial_from(own))
        if request.method == "POST" and form.is_valid():
            try:
                services.listing_save(scope, **form.cleaned_data)
            except KefuError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Your directory profile is saved."))
                return redirect("directory")
        return render(request, "engagements/directory/own.html", {"form": form, "own": own})
    if scope.is_client and scope.has(EngagementPerm.QUOTE_COMPARE):
        rows = [_labelled(row) for row in selectors.listing_list(scope)]
        return render(
            request, "engagements/directory/list.html", {"rows": rows, "serving": scope.provider_ids}
        )
    raise PermissionDenied()


@access_required()
def profile(request: HttpRequest, provider_id: int) -> HttpResponse:
    row = selectors.listing_get(request.access, provider_id=provider_id)
    return render(request, "engagements/directory/profile.html", {"row": _labelled(row)})


def _labelled(row: Any) -> Any:
    """The row with its services and channels as words in the request's language."""
    labels = {**forms.BUSINESS_TYPE_LABELS, **forms.CHANNEL_LABELS}
    sep = "、" if (get_language() or "").startswith("zh") else ", "
    row.services_text = sep.join(str(labels.get(k, k)) for k in row.services)
    row.channels_text = sep.join(str(labels.get(k, k)) for k in row.channels)
    return row
