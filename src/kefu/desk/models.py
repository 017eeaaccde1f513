"""Customers, conversations and their messages; idempotency records of API writes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel
from kefu.desk.fields import EncryptedTextField

MAX_MESSAGE_LENGTH = 20_000


class Customer(TenantModel):
    """An end customer of one client; owned by the client (provider is empty).

    Contact data is encrypted at rest and shown masked; `*_hash` columns find a
    customer by phone or email without decrypting every row.
    """

    name = EncryptedTextField(_("name"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    email = EncryptedTextField(_("email"), blank=True)
    address = EncryptedTextField(_("address"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    email_hash = models.CharField(max_length=64, blank=True, db_index=True)
    buyer_id = models.CharField(_("marketplace buyer id"), max_length=120, blank=True, db_index=True)
    order_refs = models.JSONField(_("order references"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"customer #{self.pk}"


class Channel(models.TextChoices):
    CHAT = "chat", _("Chat")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    API = "api", _("API")


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING_CUSTOMER = "pending_customer", _("Pending customer")
    PENDING_CLIENT = "pending_client", _("Pending client (L2)")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Tier(models.TextChoices):
    L1 = "l1", _("L1 (provider)")
    L2 = "l2", _("L2 (client staff)")
    L3 = "l3", _("L3 (specialist)")


class Conversation(TenantModel):
    """One contact thread on one channel; provider = the serving provider, client = the brand."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="conversations"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    queue = models.CharField(_("queue"), max_length=60, blank=True)
    tier = models.CharField(_("tier"), max_length=2, choices=Tier.choices, default=Tier.L1)
    category = models.CharField(_("category"), max_length=120, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    order_numbers = models.JSONField(_("order numbers"), default=list, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    last_message_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["provider", "client", "status"], name="conversation_tenant_status"),
            models.Index(fields=["assignee", "status"], name="conversation_assignee_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class Direction(models.TextChoices):
    IN = "in", _("From the customer")
    OUT = "out", _("To the customer")
    NOTE = "note", _("Internal note")


class Delivery(models.TextChoices):
    RECEIVED = "received", _("Received")
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")
    INTERNAL = "internal", _("Internal")


class Message(TenantModel):
    """One message of a conversation; `seq` orders it and lets clients load only what is new.

    The body is redacted before it is stored: card and ID numbers never reach the database.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("text"))
    redactions = models.JSONField(default=list, blank=True)  # rule names found, never the values
    channel_data = models.JSONField(default=dict, blank=True)
    external_id = models.CharField(max_length=200, blank=True, db_index=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    created_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["conversation_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_unique_conversation_seq")
        ]

    def __str__(self) -> str:
        return f"#{self.conversation_id}/{self.seq} {self.direction}"


class IdempotencyKey(TenantModel):
    """The first answer to an API write with an `Idempotency-Key`, replayed on retries.

    Keys are per acting organisation; tenant keys follow that organisation.
    """

    organization = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="idempotency_unique_org_key")
        ]

    def __str__(self) -> str:
        return self.key
