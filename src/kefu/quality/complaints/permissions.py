"""Complaint permissions (gathered through `quality.permissions.GRANTS`).

Everyone on the provider's floor may raise a complaint from a conversation or a case; the
client's admin and managers lodge theirs directly. QA staff, team leads and the provider admin
work the register (owner, status, resolution, callback); the client reads every complaint of
its own and manages its root-cause list with the provider. An agent sees the complaints they
raised or own.
"""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class ComplaintPerm(StrEnum):
    RAISE = "quality.raise_complaint"
    VIEW = "quality.view_complaints"  # the whole register of the scope
    MANAGE = "quality.manage_complaints"  # owner, status, resolution, callback
    CATEGORIES = "quality.manage_complaint_categories"


_WORKERS = {ComplaintPerm.RAISE, ComplaintPerm.VIEW, ComplaintPerm.MANAGE, ComplaintPerm.CATEGORIES}

COMPLAINT_GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: set(_WORKERS),
    Role.SUPERVISOR: set(_WORKERS),
    Role.QA_INSPECTOR: set(_WORKERS),
    Role.AGENT: {ComplaintPerm.RAISE},
    Role.ACCOUNT_MANAGER: {ComplaintPerm.RAISE, ComplaintPerm.VIEW},
    Role.CLIENT_ADMIN: {ComplaintPerm.RAISE, ComplaintPerm.VIEW, ComplaintPerm.CATEGORIES},
    Role.CLIENT_MANAGER: {ComplaintPerm.RAISE, ComplaintPerm.VIEW},
    Role.CLIENT_VIEWER: {ComplaintPerm.VIEW},
}
