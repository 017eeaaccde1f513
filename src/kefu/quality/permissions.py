"""Permissions of quality management; so far only reading satisfaction answers.

Recording an answer is not a staff permission: the customer answers through a channel,
whose system scope carries `RECORD_SURVEY`.
"""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class QualityPerm(StrEnum):
    VIEW_SURVEYS = "quality.view_surveys"
    RECORD_SURVEY = "quality.record_survey"


GRANTS: dict[Role, set[str]] = {
    role: {QualityPerm.VIEW_SURVEYS}
    for role in (
        Role.PROVIDER_ADMIN,
        Role.SUPERVISOR,
        Role.QA_INSPECTOR,
        Role.ACCOUNT_MANAGER,
        Role.CLIENT_ADMIN,
        Role.CLIENT_MANAGER,
    )
}

# Auto-QA's grants live beside its code (autoqa_permissions.py); merged here, where roles look.
from kefu.quality.autoqa_permissions import AUTOQA_GRANTS  # noqa: E402

for _role, _perms in AUTOQA_GRANTS.items():
    GRANTS.setdefault(_role, set()).update(_perms)
