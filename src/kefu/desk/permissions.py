"""Permissions of the service desk.

Unmasking customer contact data is separate from handling conversations: agents see
masked data by default; supervisors and provider admins may unmask, and every unmask
is written to the client's access log.

A client's service hours, SLA policies, after-sales rules and the provider's access to
escalated items are the client's decisions: only client admins change them; everyone
who sees the client's conversations may read them.
"""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class DeskPerm(StrEnum):
    VIEW = "desk.view_conversations"
    HANDLE = "desk.handle_conversations"  # create, reply, add notes, change status, claim
    ASSIGN = "desk.assign_conversations"  # assign to anybody
    VIEW_CUSTOMERS = "desk.view_customers"  # masked
    MANAGE_CUSTOMERS = "desk.manage_customers"
    UNMASK = "desk.unmask_contact"
    # service hours, SLA policies, after-sales rules, access to escalated items: the client's call
    MANAGE_SETTINGS = "desk.manage_client_settings"


_READ = {DeskPerm.VIEW, DeskPerm.VIEW_CUSTOMERS}
_WORK = {*_READ, DeskPerm.HANDLE, DeskPerm.MANAGE_CUSTOMERS}

GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: {*_WORK, DeskPerm.ASSIGN, DeskPerm.UNMASK},
    Role.SUPERVISOR: {*_WORK, DeskPerm.ASSIGN, DeskPerm.UNMASK},
    Role.AGENT: set(_WORK),
    Role.QA_INSPECTOR: set(_READ),
    Role.ACCOUNT_MANAGER: set(_READ),
    Role.CLIENT_ADMIN: {*_WORK, DeskPerm.MANAGE_SETTINGS},
    Role.CLIENT_MANAGER: set(_READ),
    Role.CLIENT_L2: {*_READ, DeskPerm.HANDLE},
    Role.CLIENT_VIEWER: set(_READ),
}
