"""Channel adapters' data: the web chat widget and its visitors, phone (CTI) endpoints and calls,
outbound webhook endpoints and their delivery outbox."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel
from kefu.desk.fields import EncryptedTextField


class WidgetConfig(TenantModel):
    """One embeddable chat widget of a client.

    `client` is the brand whose site embeds it; `provider` the serving provider whose
    agents receive the chats (empty when the client answers its own chats). The public
    `widget_key` is in the page source, so it identifies and never authorises: the
    allowed origins and the rate limits guard it, and rotating it retires old embeds.
    """

    widget_key = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    allowed_origins = models.JSONField(_("allowed origins"), default=list, blank=True)
    greeting = models.CharField(_("greeting"), max_length=500, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    satisfaction_prompt = models.BooleanField(_("ask for satisfaction at the end"), default=True)
    queue = models.CharField(_("queue"), max_length=60, blank=True)  # where its chats wait
    color = models.CharField(_("colour"), max_length=7, default="#1677ff")  # launcher, header, own bubbles
    # what the visitor is asked before the first message: {"name": "required", "phone": "optional", …}
    pre_chat_fields = models.JSONField(_("pre-chat form"), default=dict, blank=True)
    offline_form = models.BooleanField(_("offer a message form outside service hours"), default=True)
    # an emergency plan's step (floor): the message form now, as if outside service hours
    offline_now = models.BooleanField(_("message form only, for now"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["client_id", "id"]

    def __str__(self) -> str:
        return f"widget #{self.pk} ({self.name or self.client_id})"


class WidgetVisitor(TenantModel):
    """An end customer's browser, known by the random id in its signed visitor token.

    Created at the first message, so page views without a chat leave no row. Points at
    the conversation the widget shows (the latest one; a closed one is followed by a new).
    """

    widget = models.ForeignKey(WidgetConfig, on_delete=models.CASCADE, related_name="visitors")
    visitor_id = models.CharField(max_length=64)
    customer = models.ForeignKey("desk.Customer", on_delete=models.SET_NULL, null=True, related_name="+")
    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["widget", "visitor_id"], name="widget_visitor_unique")]

    def __str__(self) -> str:
        return f"visitor {self.visitor_id[:8]} of widget #{self.widget_id}"


# --- phone (CTI) -----------------------------------------------------------------------------
class CtiEndpoint(TenantModel):
    """Where one telephony system (PBX, cloud call centre) posts a client's call events.

    `provider` answers the calls (empty when the client answers itself). `endpoint_key` is in
    the URL and identifies; `secret` signs every request (HMAC), so a leaked URL is harmless.
    `agent_map` maps the PBX's agent ids (extensions, seat numbers) to Kefu usernames.
    """

    endpoint_key = models.CharField(max_length=64, unique=True)
    secret = EncryptedTextField()
    name = models.CharField(_("name"), max_length=120, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    agent_map = models.JSONField(_("agent ids of the telephony system"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering = ["client_id", "id"]

    def __str__(self) -> str:
        return f"CTI endpoint #{self.pk} ({self.name or self.client_id})"


class CtiCall(TenantModel):
    """One call as the PBX told it; points at the phone conversation showing it."""

    endpoint = models.ForeignKey(CtiEndpoint, on_delete=models.CASCADE, related_name="calls")
    call_id = models.CharField(max_length=120)
    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    offered_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)  # answered | abandoned | ended
    recording_urls = models.JSONField(default=list, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["endpoint", "call_id"], name="cti_call_unique")]

    def __str__(self) -> str:
        return f"call {self.call_id} of endpoint #{self.endpoint_id}"


class CtiEventReceipt(TenantModel):
    """A call event already applied: a PBX retrying the same event changes nothing."""

    endpoint = models.ForeignKey(CtiEndpoint, on_delete=models.CASCADE, related_name="+")
    call_id = models.CharField(max_length=120)
    dedupe_key = models.CharField(max_length=200)  # the type; plus the agent / URL for repeatable types
    received_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "call_id", "dedupe_key"], name="cti_event_unique")
        ]


# --- outbound webhooks -----------------------------------------------------------------------
class WebhookEndpoint(TenantModel):
    """An organisation's URL that receives its contact events, signed with `secret`.

    Owned by one organisation (`organization`): a provider's endpoint has provider = it and no
    client, a client's has client = it and no provider. Selectors also filter by
    `organization`, because tenant rules alone would let a provider see its clients' rows.
    """

    organization = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE, related_name="+")
    url = models.URLField(_("URL"), max_length=500)
    secret = EncryptedTextField()
    event_types = models.JSONField(_("event types"), default=list, blank=True)  # empty: all
    description = models.CharField(_("description"), max_length=200, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["organization_id", "id"]

    def __str__(self) -> str:
        return f"webhook #{self.pk} → {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(TenantModel):
    """The outbox: one event to send to one endpoint, retried with backoff until 2xx or given up."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    uid = models.CharField(max_length=36, unique=True)  # X-Kefu-Delivery: the receiver dedupes on it
    event_type = models.CharField(max_length=30)
    event_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhookdelivery_due")]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhookdelivery_once_per_event")
        ]

    def __str__(self) -> str:
        return f"delivery {self.uid} ({self.event_type}, {self.status})"


# --- email ---------------------------------------------------------------------------------
class MailSecurity(models.TextChoices):
    SSL = "ssl", _("SSL/TLS from the start")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (local test servers only)")


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class MailboxConfig(TenantModel):
    """A client's support address: mail to it becomes email conversations served by `provider`.

    Mail comes in by IMAP polling (`imap_*`) and/or by the inbound webhook, whose key is
    in the URL and authorises: only its SHA-256 is stored, the key is shown once. Replies
    leave by SMTP (`smtp_*`). Passwords are encrypted at rest. `imap_uidvalidity` and
    `imap_last_uid` mark how far the folder has been read, so polling never reads a
    message twice; receipts (`InboundEmail`) catch what a marker reset would repeat.
    """

    address = models.EmailField(_("support address"), max_length=254)
    from_name = models.CharField(_("sender name"), max_length=120, blank=True)
    active = models.BooleanField(_("active"), default=True)
    imap_host = models.CharField(_("IMAP server"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP encryption"), max_length=10, choices=MailSecurity.choices, default=MailSecurity.SSL
    )
    imap_username = models.CharField(_("IMAP user name"), max_length=255, blank=True)
    imap_password = EncryptedTextField(_("IMAP password"), blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    smtp_host = models.CharField(_("SMTP server"), max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=465)
    smtp_security = models.CharField(
        _("SMTP encryption"), max_length=10, choices=MailSecurity.choices, default=MailSecurity.SSL
    )
    smtp_username = models.CharField(_("SMTP user name"), max_length=255, blank=True)
    smtp_password = EncryptedTextField(_("SMTP password"), blank=True)
    inbound_key_hash = models.CharField(max_length=64, unique=True)
    inbound_key_hint = models.CharField(max_length=8, blank=True)  # first characters, to tell keys apart
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True)
    imap_last_uid = models.BigIntegerField(default=0)
    poll_claimed_until = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_received_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["client_id", "address", "id"]
        constraints = [models.UniqueConstraint(fields=["client", "address"], name="mailbox_unique_address")]

    def __str__(self) -> str:
        return f"mailbox {self.address}"


class InboundEmail(TenantModel):
    """A received email, once per mailbox and Message-ID: a message fetched again or posted
    twice changes nothing. Remembers the conversation it went to and its threading headers,
    which later mails and our replies thread on."""

    mailbox = models.ForeignKey(MailboxConfig, on_delete=models.CASCADE, related_name="received")
    message_key = models.CharField(max_length=64)  # SHA-256 of the Message-ID
    message_id = models.CharField(max_length=998)
    references = models.JSONField(default=list, blank=True)
    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    source = models.CharField(max_length=10)  # imap | webhook
    size = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "message_key"], name="inboundemail_once_per_mailbox")
        ]
        indexes = [models.Index(fields=["client", "message_key"], name="inboundemail_client_key")]

    def __str__(self) -> str:
        return f"{self.message_id} → #{self.conversation_id}"


class OutgoingEmail(TenantModel):
    """The email outbox: one agent reply to send by SMTP, retried with backoff.

    The headers are fixed when the reply is queued, so every retry sends the same
    Message-ID; a customer answering it threads back by that id.
    """

    mailbox = models.ForeignKey(MailboxConfig, on_delete=models.SET_NULL, null=True, related_name="sent")
    reply = models.OneToOneField("desk.Message", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey("desk.Conversation", on_delete=models.CASCADE, related_name="+")
    message_id = models.CharField(max_length=255, unique=True)
    message_key = models.CharField(max_length=64, db_index=True)  # SHA-256 of message_id
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outgoingemail_due")]

    def __str__(self) -> str:
        return f"email {self.message_id} ({self.status})"
