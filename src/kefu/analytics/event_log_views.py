"""The client's page of event-log digests: the last 30 days' chain heads, to copy and keep."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kefu.analytics import chain_selectors
from kefu.analytics.permissions import EventLogPerm
from kefu.core import clock
from kefu.core.errors import NotFound
from kefu.core.http import access_required
from kefu.tenancy import selectors as tenancy_selectors

DAYS_SHOWN = 30


@access_required(EventLogPerm.VIEW_DIGESTS)
def event_log_digests(request: HttpRequest) -> HttpResponse:
    scope = request.access
    clients = tenancy_selectors.client_choices(scope)
    ids = [pk for pk, _name in clients]
    wanted = request.GET.get("client")
    if wanted:
        if not wanted.isdigit() or int(wanted) not in ids:
            raise NotFound()
        client_id: int | None = int(wanted)
    else:
        client_id = ids[0] if ids else None
    digests = []
    if client_id is not None:
        since = clock.now().date() - timedelta(days=DAYS_SHOWN + 1)
        digests = list(
            chain_selectors.digest_list(scope, client_id=client_id, date_from=since)[: DAYS_SHOWN * 4]
        )
    names = dict(tenancy_selectors.organization_list(scope).values_list("pk", "name"))
    chains: dict[str, dict[str, object]] = {}
    for digest in digests:
        entry = chains.setdefault(
            digest.chain_key,
            {"key": digest.chain_key, "provider": names.get(digest.provider_id), "digests": []},
        )
        if len(entry["digests"]) < DAYS_SHOWN:  # type: ignore[arg-type]
            entry["digests"].append(digest)  # type: ignore[union-attr]
    return render(
        request,
        "analytics/event_log_digests.html",
        {"clients": clients, "client_id": client_id, "chains": list(chains.values()), "days": DAYS_SHOWN},
    )
