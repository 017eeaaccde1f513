"""Permissions of the knowledge base: quick phrases (快捷短语) so far.

Everybody who works or reads conversations may use the phrases; supervisors, provider
admins and client admins manage them.
"""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class KnowledgePerm(StrEnum):
    VIEW_PHRASES = "knowledge.view_phrases"
    MANAGE_PHRASES = "knowledge.manage_phrases"


_VIEW = {KnowledgePerm.VIEW_PHRASES}
_MANAGE = {*_VIEW, KnowledgePerm.MANAGE_PHRASES}

GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: set(_MANAGE),
    Role.SUPERVISOR: set(_MANAGE),
    Role.AGENT: set(_VIEW),
    Role.QA_INSPECTOR: set(_VIEW),
    Role.TRAINER: set(_VIEW),
    Role.ACCOUNT_MANAGER: set(_VIEW),
    Role.CLIENT_ADMIN: set(_MANAGE),
    Role.CLIENT_MANAGER: set(_VIEW),
    Role.CLIENT_L2: set(_VIEW),
    Role.CLIENT_VIEWER: set(_VIEW),
}
