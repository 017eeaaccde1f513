"""Who reads the report archive, who asks for a report, who sends it and who edits its recipients.

The reports are the provider's account to the client: the people who answer for the relationship
read them on both sides (not agents, not the client's L2 staff); provider admins, team leads and
account managers make and send them; the client's recipients are edited by the admins of both.
"""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class ReportPerm(StrEnum):
    VIEW = "reports.view"
    GENERATE = "reports.generate"
    SEND = "reports.send"
    MANAGE_RECIPIENTS = "reports.manage_recipients"


_READ = {ReportPerm.VIEW}
_MAKE = {ReportPerm.VIEW, ReportPerm.GENERATE, ReportPerm.SEND}

GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: {*_MAKE, ReportPerm.MANAGE_RECIPIENTS},
    Role.SUPERVISOR: set(_MAKE),
    Role.ACCOUNT_MANAGER: set(_MAKE),
    Role.CLIENT_ADMIN: {*_READ, ReportPerm.GENERATE, ReportPerm.MANAGE_RECIPIENTS},
    Role.CLIENT_MANAGER: {*_READ, ReportPerm.GENERATE},
    Role.CLIENT_VIEWER: set(_READ),
    Role.PLATFORM_ADMIN: {*_MAKE, ReportPerm.MANAGE_RECIPIENTS},
}
