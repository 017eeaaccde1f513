"""Support mailboxes: their settings (addresses, IMAP and SMTP servers, the inbound webhook's key)
and the connection test of the settings page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.connectors import selectors
from kefu.connectors.email._common import _failure, key_hash, new_inbound_key
from kefu.connectors.email.polling import _imap_close, _imap_open, _imap_select
from kefu.connectors.email.sending import _smtp_open
from kefu.connectors.models import MailboxConfig, MailSecurity
from kefu.connectors.permissions import ConnectorPerm
from kefu.core.errors import Invalid
from kefu.core.scope import Scope, new_row_keys

MAX_MAILBOXES = 50
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]")


def _address(value: str) -> str:
    value = (value or "").strip()
    try:
        validate_email(value)
    except ValidationError:
        raise Invalid(_("Enter a valid email address."), field="address") from None
    return value


def _host(value: str, field: str) -> str:
    value = (value or "").strip()
    if value and not _HOST.fullmatch(value):
        raise Invalid(_("Enter a host name like imap.example.com."), field=field)
    return value


def _port(value: int | None, field: str, default: int) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or not 1 <= value <= 65535:
        raise Invalid(_("Enter a port between 1 and 65535."), field=field)
    return value


def _security(value: str, field: str) -> str:
    if value not in MailSecurity.values:
        raise Invalid(
            _("Unknown value %(value)s; expected one of: %(choices)s")
            % {"value": value, "choices": ", ".join(MailSecurity.values)},
            field=field,
        )
    return value


def _line(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit or "\r" in value or "\n" in value:
        raise Invalid(_("At most %(length)d characters on one line.") % {"length": limit}, field=field)
    return value


def _apply(mailbox: MailboxConfig, values: dict[str, Any]) -> None:
    """Validate and set the given settings (None leaves a setting as it is)."""
    defaults = {"imap_port": 993, "smtp_port": 465}
    for name, value in values.items():
        if value is None:
            continue
        if name == "address":
            value = _address(value)
        elif name in ("imap_host", "smtp_host"):
            value = _host(value, name)
        elif name in ("imap_port", "smtp_port"):
            value = _port(value, name, defaults[name])
        elif name in ("imap_security", "smtp_security"):
            value = _security(value, name)
        elif name in ("imap_username", "smtp_username", "imap_folder"):
            value = _line(value, name, 255)
        elif name == "from_name":
            value = _line(value, name, 120)
        elif name in ("imap_password", "smtp_password"):
            value = _line(value, name, 500)
        elif name == "active":
            value = bool(value)
        else:
            raise Invalid(_("Unknown setting %(name)s.") % {"name": name}, field=name)
        setattr(mailbox, name, value)
    if not mailbox.imap_folder:
        mailbox.imap_folder = "INBOX"
    if mailbox.imap_host and not (mailbox.imap_username and mailbox.imap_password):
        raise Invalid(_("Polling by IMAP needs a user name and a password."), field="imap_username")


def _address_taken(mailbox: MailboxConfig) -> bool:
    others = MailboxConfig.all_tenants.filter(client_id=mailbox.client_id, address__iexact=mailbox.address)
    return others.exclude(pk=mailbox.pk).exists()


MAILBOX_SETTINGS = (
    "address",
    "from_name",
    "active",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_username",
    "imap_password",
    "imap_folder",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "smtp_password",
)


@transaction.atomic
def mailbox_create(
    scope: Scope, *, client_id: int | None = None, provider_id: int | None = None, **settings: Any
) -> tuple[MailboxConfig, str]:
    """A client's support mailbox answered by the acting provider (or by the client itself);
    returns it and its inbound-webhook key, which is shown only now."""
    scope.require(ConnectorPerm.MANAGE_MAILBOXES)
    provider, client = new_row_keys(scope, client_id=client_id, provider_id=provider_id)
    if selectors.mailbox_list(scope).filter(client_id=client).count() >= MAX_MAILBOXES:
        raise Invalid(_("At most %(count)d mailboxes per client.") % {"count": MAX_MAILBOXES})
    key = new_inbound_key()
    mailbox = MailboxConfig(
        client_id=client, provider_id=provider, inbound_key_hash=key_hash(key), inbound_key_hint=key[:8]
    )
    if not settings.get("address"):
        raise Invalid(_("Enter a valid email address."), field="address")
    _apply(mailbox, settings)
    if _address_taken(mailbox):
        raise Invalid(_("This client already has a mailbox with this address."), field="address")
    mailbox.save()
    return mailbox, key


@transaction.atomic
def mailbox_update(scope: Scope, *, mailbox_id: int, **settings: Any) -> MailboxConfig:
    """Change settings; a password left out (None) is kept. A new IMAP server or folder starts
    reading that folder afresh (receipts keep messages already taken in from repeating)."""
    scope.require(ConnectorPerm.MANAGE_MAILBOXES)
    mailbox = selectors.mailbox_get(scope, mailbox_id=mailbox_id, for_update=True)
    before = (mailbox.imap_host, mailbox.imap_username, mailbox.imap_folder)
    _apply(mailbox, settings)
    if _address_taken(mailbox):
        raise Invalid(_("This client already has a mailbox with this address."), field="address")
    if (mailbox.imap_host, mailbox.imap_username, mailbox.imap_folder) != before:
        mailbox.imap_uidvalidity, mailbox.imap_last_uid = None, 0
    mailbox.save()
    return mailbox


@transaction.atomic
def mailbox_rotate_key(scope: Scope, *, mailbox_id: int) -> tuple[MailboxConfig, str]:
    """A new inbound-webhook key; the old URL stops working at once."""
    scope.require(ConnectorPerm.MANAGE_MAILBOXES)
    mailbox = selectors.mailbox_get(scope, mailbox_id=mailbox_id, for_update=True)
    key = new_inbound_key()
    mailbox.inbound_key_hash, mailbox.inbound_key_hint = key_hash(key), key[:8]
    mailbox.save(update_fields=["inbound_key_hash", "inbound_key_hint", "updated_at"])
    return mailbox, key


@transaction.atomic
def mailbox_delete(scope: Scope, *, mailbox_id: int) -> None:
    """Remove a mailbox and its receipts; conversations stay (switch it off to keep threading)."""
    scope.require(ConnectorPerm.MANAGE_MAILBOXES)
    selectors.mailbox_get(scope, mailbox_id=mailbox_id, for_update=True).delete()


@dataclass(frozen=True)
class ConnectionCheck:
    imap_ok: bool | None  # None: no IMAP server set
    imap_message: str
    smtp_ok: bool | None
    smtp_message: str


def mailbox_test(scope: Scope, *, mailbox_id: int) -> ConnectionCheck:
    """Try the IMAP login (and the folder) and the SMTP greeting (and login), and say how it went."""
    scope.require(ConnectorPerm.MANAGE_MAILBOXES)
    mailbox = selectors.mailbox_get(scope, mailbox_id=mailbox_id)
    imap_ok: bool | None = None
    imap_message = _("No IMAP server set: mail arrives by the inbound webhook only.")
    if mailbox.imap_host:
        try:
            connection = _imap_open(mailbox)
            try:
                count = _imap_select(connection, mailbox.imap_folder)[1]
            finally:
                _imap_close(connection)
            imap_ok = True
            imap_message = _("Signed in; the folder %(folder)s holds %(count)d messages.") % {
                "folder": mailbox.imap_folder,
                "count": count,
            }
        except Exception as exc:
            imap_ok, imap_message = False, _failure(exc)
    smtp_ok: bool | None = None
    smtp_message = _("No SMTP server set: replies cannot be sent.")
    if mailbox.smtp_host:
        try:
            connection = _smtp_open(mailbox)
            code, _greeting = connection.noop()
            connection.quit()
            smtp_ok = True
            smtp_message = _("The server greeted us (EHLO) and answered %(code)d.") % {"code": code}
            if mailbox.smtp_username:
                smtp_message += " " + _("Signed in.")
        except Exception as exc:
            smtp_ok, smtp_message = False, _failure(exc)
    return ConnectionCheck(imap_ok, imap_message, smtp_ok, smtp_message)
