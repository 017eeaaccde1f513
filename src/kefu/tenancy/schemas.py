"""API shapes of the tenancy app."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field


class OrganizationOut(Schema):
    id: int
    kind: str
    name: str
    slug: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    organization: OrganizationOut
    role: str
    permissions: list[str]
    visible_client_ids: list[int]
    organizations: list[OrganizationOut]


class MembershipOut(Schema):
    id: int
    user_id: int
    username: str = Field(alias="user.username")
    display_name: str = Field(alias="user.display_name")
    email: str = Field(alias="user.email")
    organization_id: int
    role: str
    is_active: bool
    created_at: datetime


class MembershipCreateIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    role: str
    email: str = ""
    display_name: str = Field("", max_length=80)
    password: str | None = None


class MembershipUpdateIn(Schema):
    role: str | None = None
    is_active: bool | None = None


class AuditEventOut(Schema):
    id: int
    at: datetime
    actor_name: str
    actor_organization_id: int | None
    action: str
    target_type: str
    target_id: str
    target_repr: str
    provider_id: int | None
    client_id: int | None
    data: dict


class AccessLogOut(Schema):
    id: int
    at: datetime
    actor_name: str
    actor_organization_id: int | None
    resource_type: str
    resource_id: str
    fields: str
    reason: str
    provider_id: int | None
    client_id: int | None
