"""Permissions of analytics: the tamper-evident event log's digests and exports.

The digests are the client's own evidence against its provider, so the people who answer for
the relationship read them: the client's admins and managers, and the provider's admins.
"""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class EventLogPerm(StrEnum):
    VIEW_DIGESTS = "analytics.view_event_log_digests"  # the daily heads, and the day's export


GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: {EventLogPerm.VIEW_DIGESTS},
    Role.CLIENT_ADMIN: {EventLogPerm.VIEW_DIGESTS},
    Role.CLIENT_MANAGER: {EventLogPerm.VIEW_DIGESTS},
    Role.PLATFORM_ADMIN: {EventLogPerm.VIEW_DIGESTS},
}
