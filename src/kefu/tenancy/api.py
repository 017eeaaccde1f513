"""Tenancy endpoints: who am I, memberships (admins), audit and access logs."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from kefu.tenancy import selectors, services
from kefu.tenancy.schemas import (
    AccessLogOut,
    AuditEventOut,
    MembershipCreateIn,
    MembershipOut,
    MembershipUpdateIn,
    MeOut,
)

router = Router(tags=["tenancy"])


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict:
    scope = request.access
    user = request.user
    organization = (
        selectors.organization_get(scope, organization_id=scope.organization_id)
        if (scope.organization_id)
        else None
    )
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "organization": organization or {"id": 0, "kind": "platform", "name": "Kefu", "slug": "platform"},
        "role": scope.role,
        "permissions": sorted(scope.permissions),
        "visible_client_ids": sorted(scope.client_ids),
        "organizations": [m.organization for m in selectors.membership_list_for_user(user)],
    }


@router.get("/memberships", response=list[MembershipOut])
@paginate(PageNumberPagination, page_size=50)
def list_memberships(request: HttpRequest, role: str | None = None, q: str = "") -> object:
    return selectors.membership_list(request.access, role=role, search=q)


@router.post("/memberships", response={201: MembershipOut})
def create_membership(request: HttpRequest, payload: MembershipCreateIn) -> Status[object]:
    return Status(201, services.membership_create(request.access, **payload.dict()))


@router.get("/memberships/{membership_id}", response=MembershipOut)
def get_membership(request: HttpRequest, membership_id: int) -> object:
    return selectors.membership_get(request.access, membership_id=membership_id)


@router.patch("/memberships/{membership_id}", response=MembershipOut)
def update_membership(request: HttpRequest, membership_id: int, payload: MembershipUpdateIn) -> object:
    return services.membership_update(request.access, membership_id=membership_id, **payload.dict())


@router.delete("/memberships/{membership_id}", response={204: None})
def delete_membership(request: HttpRequest, membership_id: int) -> Status[None]:
    services.membership_delete(request.access, membership_id=membership_id)
    return Status(204, None)


@router.get("/audit-events", response=list[AuditEventOut])
@paginate(PageNumberPagination, page_size=50)
def list_audit_events(
    request: HttpRequest,
    action: str = "",
    actor: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> object:
    filters = selectors.LogFilter(action=action, actor=actor, since=since, until=until)
    return selectors.audit_event_list(request.access, filters=filters)


@router.get("/access-log", response=list[AccessLogOut])
@paginate(PageNumberPagination, page_size=50)
def list_access_log(
    request: HttpRequest,
    resource: str = "",
    actor: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> object:
    filters = selectors.LogFilter(action=resource, actor=actor, since=since, until=until)
    return selectors.access_log_list(request.access, filters=filters)
