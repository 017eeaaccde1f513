"""Routing's data: queues, skills, agents' presence and capacity, certifications.

A queue's identity on conversations, events, forecasts and schedules stays its *name* (the
string `desk.Conversation.queue` carries); a `Queue` row is the configuration behind that name,
unique per client (docs/decisions.md, "Queues keep their names"). Routing imports neither the
desk nor workforce: the client's business hours are the desk's service calendar, which callers
read through the desk's selectors.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel
from kefu.tenancy.models import AppendOnly


class BusinessType(models.TextChoices):
    PRE_SALES = "pre_sales", _("Pre-sales")
    AFTER_SALES = "after_sales", _("After-sales")
    COMPLAINTS = "complaints", _("Complaints")
    GENERAL = "general", _("General")


class QueueChannel(models.TextChoices):
    """The desk's channels (a copy: routing does not import the desk)."""

    CHAT = "chat", _("Chat")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    API = "api", _("API")


class Queue(TenantModel):
    """Where a client's contacts of one business type and channel wait (e.g. 悦家-售前-在线).

    `provider` is the provider that set it up; `QueueProvider` rows list every provider serving
    it with the planned share of its traffic.
    """

    name = models.CharField(_("name"), max_length=60)
    business_type = models.CharField(
        _("business type"), max_length=20, choices=BusinessType.choices, default=BusinessType.GENERAL
    )
    channel = models.CharField(_("channel"), max_length=10, choices=QueueChannel.choices, default="chat")
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=5, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    sl_target_percent = models.PositiveSmallIntegerField(_("service level target (%)"), default=80)
    sl_target_seconds = models.PositiveIntegerField(_("answered within (s)"), default=30)
    overflow_after_s = models.PositiveIntegerField(_("overflow after (s)"), null=True, blank=True)
    overflow_queue = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    overflow_provider = models.ForeignKey(
        "tenancy.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    default_chat_concurrency = models.PositiveSmallIntegerField(_("chats at once"), default=3)
    auto_accept = models.BooleanField(_("auto-accept offers"), default=False)
    offer_timeout_s = models.PositiveIntegerField(_("offer timeout (s)"), default=30)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["client", "name"], name="routing_queue_unique_name")]

    def __str__(self) -> str:
        return self.name


class QueueProvider(TenantModel):
    """A provider serving a queue and its planned share of the traffic (the handover's 20 → 50 → 100 %)."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="serving")
    share_percent = models.PositiveSmallIntegerField(
        _("planned share (%)"), default=100, validators=[MaxValueValidator(100)]
    )

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["queue", "provider"], name="routing_queueprovider_unique")
        ]


class SkillKind(models.TextChoices):
    PRODUCT = "product", _("Product line")
    LANGUAGE = "language", _("Language")
    CHANNEL = "channel", _("Channel")
    TIER = "tier", _("Tier")
    QUEUE = "queue", _("Queue")


class Skill(TenantModel):
    """A provider's skill; a "queue" skill is named after the queue it qualifies for."""

    kind = models.CharField(_("kind"), max_length=10, choices=SkillKind.choices)
    name = models.CharField(_("name"), max_length=60)

    class Meta(TenantModel.Meta):
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "kind", "name"], name="routing_skill_unique")
        ]

    def __str__(self) -> str:
        return self.name


class QueueSkill(TenantModel):
    """A skill a queue requires, with the least proficiency an agent needs."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="required")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    min_proficiency = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["queue", "skill"], name="routing_queueskill_unique")]


class AgentSkill(TenantModel):
    """How well one agent of the provider masters one skill (1–5)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="holders")
    proficiency = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["user", "skill"], name="routing_agentskill_unique")]


class PresenceState(models.TextChoices):
    ONLINE = "online", _("Online")
    BUSY = "busy", _("Busy")
    AFTER_CONTACT_WORK = "after_contact_work", _("After-contact work")
    BREAK = "break", _("Break")
    OFFLINE = "offline", _("Offline")
    MISSED = "missed", _("Missed an offer")


class BreakReason(models.TextChoices):
    NONE = "", _("No reason")
    MEAL = "meal", _("Meal")
    TRAINING = "training", _("Training")
    COACHING = "coaching", _("Coaching")
    WELLBEING = "wellbeing", _("Wellbeing")
    OTHER = "other", _("Other")


class PresenceSource(models.TextChoices):
    AGENT = "agent", _("Agent")
    LEAD = "lead", _("Team lead")
    AUTO = "auto", _("Automatic")


class PresenceChange(AppendOnly, TenantModel):
    """One change of an agent's state: the history occupancy and adherence are computed from."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=20, choices=PresenceState.choices)
    reason = models.CharField(max_length=10, choices=BreakReason.choices, blank=True)
    at = models.DateTimeField()
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=5, choices=PresenceSource.choices)

    class Meta(TenantModel.Meta):
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["provider", "user", "at"], name="routing_presence_user_at")]


class AgentPresence(TenantModel):
    """An agent's current state (one row per agent of a provider), kept with the history."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=20, choices=PresenceState.choices, default=PresenceState.OFFLINE)
    reason = models.CharField(max_length=10, choices=BreakReason.choices, blank=True)
    since = models.DateTimeField()
    disconnected_at = models.DateTimeField(null=True, blank=True)  # the workspace socket closed

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["provider", "user"], name="routing_presence_one")]


class AgentCapacity(TenantModel):
    """An agent's own capacity on one channel, overriding the queues' default."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=QueueChannel.choices)
    max_concurrent = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["provider", "user", "channel"], name="routing_capacity_unique")
        ]


class Certification(TenantModel):
    """An agent of the provider is certified for a client's queues from `valid_from` to `valid_until`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)  # empty: open-ended
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-valid_from"]


class OfferState(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


class Offer(TenantModel):
    """A waiting contact offered to one agent by automatic assignment (docs/routing.md, "Offers").

    `conversation_id` is a plain integer, as in the event log: routing does not import the desk.
    The provider is the agent's (who was offered it), the client the conversation's. A live offer
    (`offered`) reserves a place in the agent's capacity until it is accepted, declined, missed or
    cancelled; at most one offer of a conversation is live at a time (a database constraint).
    """

    conversation_id = models.BigIntegerField(_("conversation"))
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="offers")
    channel = models.CharField(max_length=10, choices=QueueChannel.choices)
    offered_at = models.DateTimeField(_("offered at"))
    expires_at = models.DateTimeField(_("expires at"))
    decided_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=OfferState.choices, default=OfferState.OFFERED)
    auto = models.BooleanField(default=False)  # accepted at once by the queue's auto-accept
    tier = models.PositiveSmallIntegerField(default=0)  # 0: the queue's own agents; n: n-th overflow

    class Meta(TenantModel.Meta):
        ordering = ["offered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation_id"],
                condition=models.Q(state="offered"),
                name="routing_offer_one_live",
            )
        ]
        indexes = [
            models.Index(fields=["state", "expires_at"], name="routing_offer_state_expiry"),
            models.Index(fields=["agent", "state"], name="routing_offer_agent_state"),
            # each agent's latest offer (idle time), without reading their whole history
            models.Index(fields=["agent", "offered_at"], name="routing_offer_agent_latest"),
            models.Index(fields=["conversation_id", "state"], name="routing_offer_conversation"),
        ]


class RoutingConfigVersion(models.Model):
    """One row: a stamp every write of routing's cached configuration (queues, planned shares,
    required and held skills, certifications, capacity overrides) changes in its own transaction,
    so every server process knows when its cache is stale (`routing.config_cache`). Random, not a
    counter: a rolled-back bump is never reused."""

    stamp = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.stamp:x}"
