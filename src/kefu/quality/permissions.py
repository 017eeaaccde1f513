"""Permissions of quality management: satisfaction answers, scorecards, reviews and appeals.

Recording an answer is not a staff permission: the customer answers through a channel,
whose system scope carries `RECORD_SURVEY`.

Reviews (docs/quality-reviews.md, "Who may do what"): the QA inspector (质检员) reviews and
decides appeals; team leads and the provider admin do both too and manage scorecards and
sampling; an agent sees their own submitted reviews and may appeal them; account managers
and the client's managers and viewers read the reviews of their client.
"""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class QualityPerm(StrEnum):
    VIEW_SURVEYS = "quality.view_surveys"
    RECORD_SURVEY = "quality.record_survey"
    OWN_REVIEWS = "quality.view_own_reviews"  # the quality pages; alone: one's own submitted reviews
    VIEW_REVIEWS = "quality.view_reviews"  # every review of the scope
    REVIEW = "quality.review"  # score conversations, take review tasks
    MANAGE_SCORECARDS = "quality.manage_scorecards"  # scorecards, sampling rules, assignment
    APPEAL = "quality.appeal"  # appeal one's own review
    DECIDE_APPEALS = "quality.decide_appeals"  # a second reviewer's decision
    MANAGE_SURVEYS = "quality.manage_surveys"  # survey definitions (the provider's QA and admin)
    SEND_SURVEYS = "quality.send_surveys"  # send a survey link by e-mail or SMS for a conversation
    CALIBRATE = "quality.calibrate"  # score blind in the calibration sessions one is invited to
    COACH = "quality.coach"  # coaching tasks: create, schedule, finish, score the follow-up
    OWN_COACHING = "quality.view_own_coaching"  # one's own coaching tasks, acknowledged


_READERS = {QualityPerm.VIEW_SURVEYS, QualityPerm.VIEW_REVIEWS, QualityPerm.OWN_REVIEWS}
_REVIEWERS = {*_READERS, QualityPerm.REVIEW, QualityPerm.DECIDE_APPEALS}

GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: {*_REVIEWERS, QualityPerm.MANAGE_SCORECARDS},
    Role.SUPERVISOR: {*_REVIEWERS, QualityPerm.MANAGE_SCORECARDS},
    Role.QA_INSPECTOR: {*_REVIEWERS, QualityPerm.MANAGE_SCORECARDS},
    Role.AGENT: {QualityPerm.OWN_REVIEWS, QualityPerm.APPEAL},
    Role.ACCOUNT_MANAGER: set(_READERS),
    Role.CLIENT_ADMIN: set(_READERS),
    Role.CLIENT_MANAGER: set(_READERS),
    Role.CLIENT_VIEWER: {QualityPerm.VIEW_REVIEWS, QualityPerm.OWN_REVIEWS},
}

# Surveys (docs/quality-surveys.md): the provider's QA and admin manage the definitions (the
# client reads them with VIEW_SURVEYS); whoever works conversations may send a link.
for _role in (Role.PROVIDER_ADMIN, Role.QA_INSPECTOR):
    GRANTS[_role].add(QualityPerm.MANAGE_SURVEYS)
for _role in (Role.PROVIDER_ADMIN, Role.SUPERVISOR, Role.QA_INSPECTOR, Role.AGENT):
    GRANTS[_role].add(QualityPerm.SEND_SURVEYS)

# Calibration and coaching (docs/quality-calibration.md): the provider's reviewers score in
# sessions (QA leads, who manage scorecards, run them), the client's QA may be invited; leads,
# inspectors and the admin coach; an agent sees and acknowledges their own tasks.
_CALIBRATION_GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: {QualityPerm.CALIBRATE, QualityPerm.COACH, QualityPerm.OWN_COACHING},
    Role.SUPERVISOR: {QualityPerm.CALIBRATE, QualityPerm.COACH, QualityPerm.OWN_COACHING},
    Role.QA_INSPECTOR: {QualityPerm.CALIBRATE, QualityPerm.COACH, QualityPerm.OWN_COACHING},
    Role.AGENT: {QualityPerm.OWN_COACHING},
    Role.CLIENT_ADMIN: {QualityPerm.CALIBRATE},
    Role.CLIENT_MANAGER: {QualityPerm.CALIBRATE},
}
for _role, _perms in _CALIBRATION_GRANTS.items():
    GRANTS[_role].update(_perms)

# Auto-QA's grants live beside its code (autoqa_permissions.py); merged here, where roles look.
from kefu.quality.autoqa_permissions import AUTOQA_GRANTS  # noqa: E402

for _role, _perms in AUTOQA_GRANTS.items():
    GRANTS.setdefault(_role, set()).update(_perms)

# The complaints register's grants live in its sub-package (complaints/permissions.py).
from kefu.quality.complaints.permissions import COMPLAINT_GRANTS  # noqa: E402

for _role, _perms in COMPLAINT_GRANTS.items():
    GRANTS.setdefault(_role, set()).update(_perms)
