"""Permissions of the channel adapters: who may see and set up a client's channels (chat widgets,
mailboxes, phone endpoints, outbound webhooks)."""

from __future__ import annotations

from enum import StrEnum

from kefu.core.roles import Role


class ConnectorPerm(StrEnum):
    VIEW = "connectors.view_channels"
    MANAGE = "connectors.manage_channels"  # create widgets, rotate keys, change origins
    MANAGE_MAILBOXES = "connectors.manage_mailboxes"  # support addresses, their IMAP/SMTP logins


GRANTS: dict[Role, set[str]] = {
    Role.PROVIDER_ADMIN: {ConnectorPerm.VIEW, ConnectorPerm.MANAGE, ConnectorPerm.MANAGE_MAILBOXES},
    Role.CLIENT_ADMIN: {ConnectorPerm.VIEW, ConnectorPerm.MANAGE, ConnectorPerm.MANAGE_MAILBOXES},
    Role.SUPERVISOR: {ConnectorPerm.VIEW, ConnectorPerm.MANAGE_MAILBOXES},  # team leads run the inbox
    Role.ACCOUNT_MANAGER: {ConnectorPerm.VIEW},
    Role.CLIENT_MANAGER: {ConnectorPerm.VIEW},
}
