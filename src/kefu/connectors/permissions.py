"""Permissions of the channel adapters: who may set up a client's web chat widget."""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class ConnectorPerm(StrEnum):
    VIEW = "connectors.view_channels"
    MANAGE = "connectors.manage_channels"  # create widgets, rotate keys, change origins


GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: {ConnectorPerm.VIEW, ConnectorPerm.MANAGE},
    Role.CLIENT_ADMIN: {ConnectorPerm.VIEW, ConnectorPerm.MANAGE},
    Role.SUPERVISOR: {ConnectorPerm.VIEW},
    Role.ACCOUNT_MANAGER: {ConnectorPerm.VIEW},
    Role.CLIENT_MANAGER: {ConnectorPerm.VIEW},
}
