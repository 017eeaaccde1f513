"""A client's own statuses (each stands for a standard one and may pause the SLA clocks)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core.errors import Conflict, Invalid
from kefu.core.scope import Scope
from kefu.desk import selectors
from kefu.desk.models import CUSTOM_STATUS_BASES, CustomStatus
from kefu.desk.permissions import DeskPerm
from kefu.desk.services._common import _settings_client, _text
from kefu.tenancy import services as tenancy_services


def _custom_status_values(*, name: str, maps_to: str, pauses_sla: bool) -> dict[str, Any]:
    name = _text(name, "name", 60)
    if not name:
        raise Invalid(_("Name the status."), field="name")
    if maps_to not in CUSTOM_STATUS_BASES:
        raise Invalid(
            _("A custom status stands for one of: %(choices)s.")
            % {"choices": ", ".join(str(s.label) for s in CUSTOM_STATUS_BASES)},
            field="maps_to",
        )
    return {"name": name, "maps_to": maps_to, "pauses_sla": bool(pauses_sla)}


def _unique_status_name(scope: Scope, client_id: int, name: str, exclude: int | None = None) -> None:
    others = selectors.custom_status_list(scope, client_id=client_id).filter(name=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise Conflict(_("This client already has a status with this name."), field="name")


@transaction.atomic
def custom_status_create(
    scope: Scope,
    *,
    client_id: int | None = None,
    name: str,
    maps_to: str,
    pauses_sla: bool = False,
    position: int | None = None,
    active: bool = True,
) -> CustomStatus:
    """A client's own status (client admins decide; everyone serving the client sees it)."""
    client = _settings_client(scope, client_id)
    values = _custom_status_values(name=name, maps_to=maps_to, pauses_sla=pauses_sla)
    _unique_status_name(scope, client, values["name"])
    if position is None:
        last = selectors.custom_status_list(scope, client_id=client).last()
        position = (last.position + 1) if last is not None else 0
    row = CustomStatus.objects.create(
        provider_id=None, client_id=client, position=max(0, position), active=active, **values
    )
    tenancy_services.audit_record(scope, action="desk.custom_status_create", target=row, client_id=client)
    return row


@transaction.atomic
def custom_status_update(
    scope: Scope,
    *,
    status_id: int,
    name: str,
    maps_to: str,
    pauses_sla: bool = False,
    position: int | None = None,
    active: bool = True,
) -> CustomStatus:
    """Rename, remap or retire (active=False) a status; conversations that have it keep it."""
    scope.require(DeskPerm.MANAGE_SETTINGS)
    row = selectors.custom_status_get(scope, status_id=status_id, for_update=True)
    _settings_client(scope, row.client_id)
    values = _custom_status_values(name=name, maps_to=maps_to, pauses_sla=pauses_sla)
    _unique_status_name(scope, row.client_id, values["name"], exclude=row.pk)  # type: ignore[arg-type]
    for key, value in values.items():
        setattr(row, key, value)
    if position is not None:
        row.position = max(0, position)
    row.active = active
    row.save()
    tenancy_services.audit_record(
        scope, action="desk.custom_status_update", target=row, client_id=row.client_id, data=values
    )
    return row


@transaction.atomic
def custom_status_delete(scope: Scope, *, status_id: int) -> None:
    """Delete a status no conversation has; one in use can only be retired (active=False)."""
    scope.require(DeskPerm.MANAGE_SETTINGS)
    row = selectors.custom_status_get(scope, status_id=status_id, for_update=True)
    _settings_client(scope, row.client_id)
    if selectors.custom_status_in_use(row):
        raise Conflict(_("Conversations have this status; make it inactive instead."))
    tenancy_services.audit_record(
        scope, action="desk.custom_status_delete", target=row, client_id=row.client_id
    )
    row.delete()
