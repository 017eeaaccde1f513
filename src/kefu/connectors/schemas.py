"""API shapes of the outbound webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class WebhookIn(Schema):
    url: str = Field(description="http:// or https:// address that receives the POSTs.")
    event_types: list[str] = Field(
        default_factory=list, description="Event types to send (docs/event-log.md, and `ping`); empty: all."
    )
    description: str = ""


class WebhookUpdateIn(Schema):
    url: str | None = None
    event_types: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None


class WebhookOut(Schema):
    id: int
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    created_at: datetime


class WebhookSecretOut(WebhookOut):
    secret: str = Field(description="Signs every delivery (X-Kefu-Signature); shown only now.")


class DeliveryOut(Schema):
    id: int
    webhook_id: int = Field(alias="endpoint_id")
    uid: str = Field(description="The X-Kefu-Delivery header: receivers dedupe on it.")
    event_type: str
    event_id: int | None
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    response_code: int | None
    last_error: str
    created_at: datetime


class DeliveryDetailOut(DeliveryOut):
    payload: dict[str, Any]


# --- email -----------------------------------------------------------------------------------
class MailboxIn(Schema):
    client_id: int | None = Field(None, description="The client whose support address this is.")
    address: str = Field(description="The support address customers write to.")
    from_name: str = Field("", description="Sender name on replies, e.g. the shop's name.")
    active: bool = True
    imap_host: str = Field("", description="Empty: mail arrives by the inbound webhook only.")
    imap_port: int | None = Field(None, description="Default 993.")
    imap_security: str = Field("ssl", description="ssl, starttls or none.")
    imap_username: str = ""
    imap_password: str = Field("", description="Stored encrypted; never returned.")
    imap_folder: str = "INBOX"
    smtp_host: str = Field("", description="Where replies are sent; empty: replies cannot leave.")
    smtp_port: int | None = Field(None, description="Default 465.")
    smtp_security: str = Field("ssl", description="ssl, starttls or none.")
    smtp_username: str = ""
    smtp_password: str = Field("", description="Stored encrypted; never returned.")


class MailboxUpdateIn(Schema):
    address: str | None = None
    from_name: str | None = None
    active: bool | None = None
    imap_host: str | None = None
    imap_port: int | None = None
    imap_security: str | None = None
    imap_username: str | None = None
    imap_password: str | None = Field(None, description="Left out: the stored password is kept.")
    imap_folder: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: str | None = None
    smtp_username: str | None = None
    smtp_password: str | None = Field(None, description="Left out: the stored password is kept.")


class MailboxOut(Schema):
    id: int
    client_id: int | None
    provider_id: int | None
    address: str
    from_name: str
    active: bool
    imap_host: str
    imap_port: int
    imap_security: str
    imap_username: str
    imap_folder: str
    has_imap_password: bool
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str
    has_smtp_password: bool
    inbound_key_hint: str = Field(description="First characters of the inbound-webhook key.")
    last_polled_at: datetime | None
    last_received_at: datetime | None
    last_error: str = Field(description="The last polling problem; empty when the last poll went well.")
    last_error_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_has_imap_password(obj: Any) -> bool:
        if isinstance(obj, dict):  # already dumped (the answers that add the key)
            return bool(obj.get("has_imap_password"))
        return bool(obj.imap_password)

    @staticmethod
    def resolve_has_smtp_password(obj: Any) -> bool:
        if isinstance(obj, dict):  # already dumped (the answers that add the key)
            return bool(obj.get("has_smtp_password"))
        return bool(obj.smtp_password)


class MailboxKeyOut(MailboxOut):
    inbound_key: str = Field(description="The inbound-webhook key; shown only now.")
    inbound_url: str = Field(description="POST raw RFC 822 mail here (docs/email.md).")


class MailboxTestOut(Schema):
    imap_ok: bool | None = Field(description="null: no IMAP server set.")
    imap_message: str
    smtp_ok: bool | None = Field(description="null: no SMTP server set.")
    smtp_message: str
