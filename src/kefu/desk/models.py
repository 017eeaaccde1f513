"""Customers, conversations and their messages, idempotency records of API writes; service
calendars, SLA policies and breaches; after-sales cases and the clients' after-sales rules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.fields import ClockDateTimeField
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
    created_at = ClockDateTimeField(auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)

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
    category = models.CharField(_("category"), max_length=120, blank=True)  # the path, as chosen
    category_node = models.ForeignKey(
        "desk.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # the node of the client's category tree (when the client has one)
    custom_status = models.ForeignKey(
        "desk.CustomStatus", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )  # the client's own status; it counts only while `status` is the one it maps to
    resolution_code = models.CharField(_("resolution code"), max_length=60, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    order_numbers = models.JSONField(_("order numbers"), default=list, blank=True)
    order_value = models.DecimalField(
        _("order value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    provider_access = models.CharField(
        _("provider access while escalated"), max_length=4, blank=True
    )  # view | edit, copied from the client's settings (or the rule) at escalation
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    last_message_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["provider", "client", "status"], name="conversation_tenant_status"),
            models.Index(fields=["assignee", "status"], name="conversation_assignee_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def current_custom_status(self) -> CustomStatus | None:
        """The custom status if it still applies (a customer's message may have moved the
        standard status on since it was set)."""
        custom = self.custom_status if self.custom_status_id else None
        return custom if custom is not None and custom.maps_to == self.status else None


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

    # No index of its own: the unique (conversation, seq) index serves every lookup by
    # conversation, and each index is one more write per message.
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    seq = models.PositiveIntegerField()
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("text"))
    redactions = models.JSONField(default=list, blank=True)  # rule names found, never the values
    channel_data = models.JSONField(default=dict, blank=True)
    external_id = models.CharField(max_length=200, blank=True)  # indexed with the conversation
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    created_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["conversation_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_unique_conversation_seq"),
            # A connector's retry is found by (conversation, external id), however long the
            # thread, and can never be stored twice, however the retries race.
            models.UniqueConstraint(
                fields=["conversation", "external_id"],
                condition=~models.Q(external_id=""),
                name="message_unique_conversation_external",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.conversation_id}/{self.seq} {self.direction}"


class Attachment(TenantModel):
    """A file of a conversation (optionally of one message), stored under MEDIA_ROOT and
    never served publicly: downloads go through a scoped view that logs the access.

    `content_type` is what the content's magic bytes say, never what the uploader claimed;
    `storage_name` is generated (no part of it comes from the user).
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=300, unique=True)
    created_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["conversation_id", "id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def internal(self) -> bool:
        """Only staff see it: attached to an internal note (or to no message at all)."""
        return self.message is None or self.message.direction == Direction.NOTE


class ReadMarker(TenantModel):
    """How far one staff member has read one conversation: unread badges count the
    customer's messages after `last_read_seq`. Tenant keys copy the conversation's."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="read_markers")
    last_read_seq = models.PositiveIntegerField(default=0)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="readmarker_unique_user")
        ]

    def __str__(self) -> str:
        return f"#{self.conversation_id} read to {self.last_read_seq} by {self.user_id}"


class IdempotencyKey(TenantModel):
    """The first answer to an API write with an `Idempotency-Key`, replayed on retries.

    Keys are per acting organisation; tenant keys follow that organisation.
    """

    organization = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(default=dict, blank=True)
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="idempotency_unique_org_key")
        ]

    def __str__(self) -> str:
        return self.key


# --- service hours and SLA policies ------------------------------------------------------------
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class HolidayMode(models.TextChoices):
    CLOSED = "closed", _("Closed on statutory holidays")
    SPECIAL = "special", _("Special hours on statutory holidays")
    WEEKLY = "weekly", _("Normal weekly hours on statutory holidays")


class ServiceCalendar(TenantModel):
    """A client's service hours (one per client, owned by the client): SLA targets count only
    these hours, and the chat widget offers its offline form outside them.

    `weekly` is {"mon": ["09:00-24:00"], …} (a missing day is closed), `overrides`
    {"2026-01-01": []} (an empty list closes that date); `desk.sla_clock` does the arithmetic.
    """

    tz = models.CharField(_("time zone"), max_length=60, default="Asia/Shanghai")
    weekly = models.JSONField(_("weekly hours"), default=dict)
    chinese_holidays = models.BooleanField(_("Chinese statutory holidays"), default=True)
    holiday_mode = models.CharField(
        _("on holidays"), max_length=10, choices=HolidayMode.choices, default=HolidayMode.CLOSED
    )
    holiday_hours = models.JSONField(_("holiday hours"), default=list, blank=True)
    overrides = models.JSONField(_("date overrides"), default=dict, blank=True)
    meal_breaks = models.JSONField(_("meal breaks"), default=list, blank=True)
    covers_meals = models.BooleanField(_("staffed through meal breaks"), default=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["client"], name="servicecalendar_one_per_client")]

    def __str__(self) -> str:
        return f"calendar of client {self.client_id}"


class SlaPolicy(TenantModel):
    """Business-time targets of one client on one channel (blank channel: every other channel).

    Targets are business seconds of the client's calendar; `l2_resolution_s` is the
    client's own target for items escalated to its L2 team (its clock, not the provider's).
    """

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    first_response_s = models.PositiveIntegerField(_("first response (business seconds)"))
    next_response_s = models.PositiveIntegerField(
        _("next response (business seconds)"), null=True, blank=True
    )
    resolution_s = models.PositiveIntegerField(_("resolution (business seconds)"), null=True, blank=True)
    l2_resolution_s = models.PositiveIntegerField(
        _("L2 resolution (business seconds)"), null=True, blank=True
    )
    warn_ratio = models.FloatField(_("warn when this share of the target is left"), default=0.2)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["client_id", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["client", "channel"], name="slapolicy_unique_client_channel")
        ]

    def __str__(self) -> str:
        return f"SLA {self.client_id}/{self.channel or '*'}"


class ProviderAccess(models.TextChoices):
    VIEW = "view", _("View only")
    EDIT = "edit", _("View and edit")


class DeskSettings(TenantModel):
    """Per-client desk settings the client decides (one row per client, owned by the client)."""

    provider_access_when_escalated = models.CharField(
        _("provider access to escalated items"),
        max_length=4,
        choices=ProviderAccess.choices,
        default=ProviderAccess.VIEW,
    )
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["client"], name="desksettings_one_per_client")]

    def __str__(self) -> str:
        return f"desk settings of client {self.client_id}"


class SlaBreach(TenantModel):
    """A timer that ran past its target, recorded once (the first time anyone or the periodic
    check notices); SLA reports and credits count these rows."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="sla_breaches")
    kind = models.CharField(_("timer"), max_length=20)
    party = models.CharField(_("whose clock"), max_length=10)
    target_s = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    breached_at = models.DateTimeField()
    detected_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["-breached_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "kind", "started_at"], name="slabreach_unique_timer"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.conversation_id} {self.kind} breached {self.breached_at:%Y-%m-%d %H:%M}"


# --- after-sales cases -----------------------------------------------------------------------------
class CaseType(models.TextChoices):
    RETURN = "return", _("Return")
    EXCHANGE = "exchange", _("Exchange")
    REFUND = "refund", _("Refund")
    REPAIR = "repair", _("Repair")
    WARRANTY = "warranty", _("Warranty")
    COMPLAINT = "complaint", _("Complaint")
    DISPUTE = "dispute", _("Dispute")


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer")
    WAITING_CLIENT = "waiting_client", _("Waiting for the client")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Case(TenantModel):
    """After-sales work that outlives a conversation (a return takes days and several contacts)."""

    type = models.CharField(_("type"), max_length=10, choices=CaseType.choices)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    conversations = models.ManyToManyField(Conversation, related_name="cases", blank=True)
    order_number = models.CharField(_("order number"), max_length=120, blank=True)
    tier = models.CharField(_("tier"), max_length=2, choices=Tier.choices, default=Tier.L1)
    resolution_code = models.CharField(_("resolution code"), max_length=60, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["provider", "client", "status"], name="case_tenant_status")]

    def __str__(self) -> str:
        return f"case #{self.pk} {self.type}"


# --- client after-sales rules --------------------------------------------------------------------
class RuleAction(models.TextChoices):
    PROVIDER_HANDLES = "provider_handles", _("The provider handles it")
    ESCALATE_TO_L2 = "escalate_to_l2", _("Escalate to the client's staff")


class AfterSalesRule(TenantModel):
    """One of a client's ordered rules deciding who answers (first enabled match wins).

    `conditions` (all must hold): {"categories": [...], "min_order_value": "500",
    "keywords": [...], "min_previous_cases": 2, "min_previous_complaints": 1,
    "channels": [...]}; `desk/after_sales_rules.py` evaluates them.
    """

    position = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=120)
    enabled = models.BooleanField(_("enabled"), default=True)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=RuleAction.choices)
    tier = models.CharField(_("tier"), max_length=2, choices=Tier.choices, default=Tier.L2)
    provider_access = models.CharField(
        _("provider access when escalated"), max_length=4, choices=ProviderAccess.choices, blank=True
    )
    created_at = ClockDateTimeField(auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["client_id", "position", "id"]

    def __str__(self) -> str:
        return self.name


# --- the client's own statuses and category tree --------------------------------------------------
CUSTOM_STATUS_BASES = (Status.OPEN, Status.PENDING_CUSTOMER, Status.PENDING_CLIENT)
"""What a custom status may stand for: work in progress. New, resolved and closed keep their
meaning for every client (reports and SLA stops depend on them)."""


class CustomStatus(TenantModel):
    """A client's own name for a state of work ("等快递", "waiting for courier"), mapped onto a
    standard status; `pauses_sla` says whether SLA clocks stand still while it applies."""

    name = models.CharField(_("name"), max_length=60)
    maps_to = models.CharField(_("standard status"), max_length=20, choices=Status.choices)
    pauses_sla = models.BooleanField(_("pauses SLA clocks"), default=False)
    position = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    created_at = ClockDateTimeField(auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["client_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "name"], name="customstatus_unique_client_name")
        ]

    def __str__(self) -> str:
        return self.name


MAX_CATEGORY_DEPTH = 3


class Category(TenantModel):
    """A node of a client's category tree (问题分类), at most three levels deep.

    `path` ("物流/催发货") is kept up to date on renames; conversations keep the path they were
    resolved with as text, so history reads as it was.
    """

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField(_("name"), max_length=40)
    code = models.CharField(_("code"), max_length=40, blank=True)
    path = models.CharField(_("path"), max_length=120)
    depth = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    created_at = ClockDateTimeField(auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["client_id", "path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "parent", "name"], name="category_unique_sibling_name"),
            models.UniqueConstraint(
                fields=["client", "name"],
                condition=models.Q(parent__isnull=True),
                name="category_unique_root_name",
            ),
        ]

    def __str__(self) -> str:
        return self.path
