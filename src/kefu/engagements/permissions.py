"""Permissions of engagements: intake and quotes, contracts, onboarding and handover."""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class EngagementPerm(StrEnum):
    """One member per duty; each sub-package adds its own."""


GRANTS: dict[Role, set[str]] = {}
