"""Auto-QA permissions (gathered through `quality.permissions.GRANTS`).

The provider's QA staff read results and run inspections; admins and QA inspectors edit a
client's rules. Agents and team leads read results (their own coaching material); the client
reads the results of its own conversations.
"""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class AutoQaPerm(StrEnum):
    VIEW = "quality.view_autoqa"
    RUN = "quality.run_autoqa"
    EDIT_RULES = "quality.edit_autoqa_rules"


AUTOQA_GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: {AutoQaPerm.VIEW, AutoQaPerm.RUN, AutoQaPerm.EDIT_RULES},
    Role.QA_INSPECTOR: {AutoQaPerm.VIEW, AutoQaPerm.RUN, AutoQaPerm.EDIT_RULES},
    Role.SUPERVISOR: {AutoQaPerm.VIEW, AutoQaPerm.RUN},
    Role.ACCOUNT_MANAGER: {AutoQaPerm.VIEW},
    Role.TRAINER: {AutoQaPerm.VIEW},
    Role.AGENT: {AutoQaPerm.VIEW},
    Role.CLIENT_ADMIN: {AutoQaPerm.VIEW},
    Role.CLIENT_MANAGER: {AutoQaPerm.VIEW},
}
