"""Permissions of analytics: reading figures (everybody's or one's own) and the event log's digests.

Everyone who works for a client may read its figures; an agent (or a client's L2 staff
member) reads only the figures of their own work, so the agent filter is forced to them.
The digests are the client's own evidence against its provider, so the people who answer for
the relationship read them: the client's admins and managers, and the provider's admins.
"""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class AnalyticsPerm(StrEnum):
    VIEW_METRICS = "analytics.view_metrics"
    VIEW_TEAM_METRICS = "analytics.view_team_metrics"  # everybody's figures, not only one's own


_OWN = {AnalyticsPerm.VIEW_METRICS}
_TEAM = {AnalyticsPerm.VIEW_METRICS, AnalyticsPerm.VIEW_TEAM_METRICS}


class EventLogPerm(StrEnum):
    VIEW_DIGESTS = "analytics.view_event_log_digests"  # the daily heads, and the day's export


GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: {*_TEAM, EventLogPerm.VIEW_DIGESTS},
    Role.SUPERVISOR: set(_TEAM),
    Role.AGENT: set(_OWN),
    Role.QA_INSPECTOR: set(_TEAM),
    Role.TRAINER: set(_TEAM),
    Role.WORKFORCE_PLANNER: set(_TEAM),
    Role.ACCOUNT_MANAGER: set(_TEAM),
    Role.CLIENT_ADMIN: {*_TEAM, EventLogPerm.VIEW_DIGESTS},
    Role.CLIENT_MANAGER: {*_TEAM, EventLogPerm.VIEW_DIGESTS},
    Role.CLIENT_L2: set(_OWN),
    Role.CLIENT_VIEWER: set(_TEAM),
    Role.PLATFORM_ADMIN: {*_TEAM, EventLogPerm.VIEW_DIGESTS},
}
