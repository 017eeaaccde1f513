"""The contact event log: every metric is computed from these rows, never typed in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel
from kefu.tenancy.models import AppendOnly


class EventType(models.TextChoices):
    """What happened to a contact; docs/event-log.md says when each is written."""

    OFFERED = "offered", _("Offered")
    QUEUED = "queued", _("Queued")
    ASSIGNED = "assigned", _("Assigned")
    FIRST_RESPONSE = "first_response", _("First response")
    MESSAGE_IN = "message_in", _("Message in")
    MESSAGE_OUT = "message_out", _("Message out")
    TRANSFERRED = "transferred", _("Transferred")
    ESCALATED = "escalated", _("Escalated")
    DEESCALATED = "deescalated", _("De-escalated")
    HELD = "held", _("Held")
    RESUMED = "resumed", _("Resumed")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    ABANDONED = "abandoned", _("Abandoned")
    SURVEY_ANSWERED = "survey_answered", _("Survey answered")
    CASE_OPENED = "case_opened", _("Case opened")
    CASE_STATUS = "case_status", _("Case status changed")
    CASE_RESOLVED = "case_resolved", _("Case resolved")
    CASE_LINKED = "case_linked", _("Conversation linked to a case")
    STATUS_CHANGED = "status_changed", _("Custom status changed")
    ACCEPTED = "accepted", _("Offer accepted")
    MISSED = "missed", _("Offer missed")
    OVERFLOWED = "overflowed", _("Overflowed")
    ORDER_LINKED = "order_linked", _("Order linked")
    # quality (docs/quality-complaints.md): written in the same transaction as the quality write
    COMPLAINT_REGISTERED = "complaint_registered", _("Complaint registered")
    COMPLAINT_STATUS = "complaint_status", _("Complaint status changed")
    REVIEW_FINALISED = "review_finalised", _("Quality review finalised")
    REVIEW_RESCORED = "review_rescored", _("Quality review re-scored on appeal")
    AUTOQA_SCORED = "autoqa_scored", _("Auto-QA scored")


class ContactEvent(AppendOnly, TenantModel):
    """One thing that happened to one conversation, written in the same transaction as the change.

    `conversation_id` and `case_id` are plain integers, not foreign keys: analytics reads
    the log without depending on the desk app, and the log outlives archived conversations.
    """

    type = models.CharField(_("type"), max_length=20, choices=EventType.choices)
    at = models.DateTimeField(_("at"))
    conversation_id = models.BigIntegerField(_("conversation"))  # indexed with `at`, see Meta
    case_id = models.BigIntegerField(_("case"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    queue = models.CharField(_("queue"), max_length=60, null=True, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    value_s = models.FloatField(_("value (wall seconds)"), null=True, blank=True)
    value_business_s = models.FloatField(_("value (business seconds)"), null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["provider", "client", "type", "at"], name="contactevent_tenant_type_at"),
            models.Index(fields=["conversation_id", "at"], name="contactevent_conversation_at"),
            # a client's own reads and the platform's (rollup rebuild, reports) name no provider,
            # so the tenant index above cannot serve them (bench/README.md, "reports": 1M run);
            # it carries what the monthly review's cohort and agent-day counts read, so those are
            # index-only scans and do not visit the month's table pages (docs/reports.md)
            models.Index(
                fields=["client", "type", "at"],
                include=["conversation_id", "channel", "agent", "provider"],
                name="contactevent_client_type_cover",
            ),
            # "was this conversation ever escalated to the client's L2": the review asks it per
            # offer of the month, read from this small index alone
            models.Index(
                fields=["client", "conversation_id"],
                include=["provider"],
                condition=models.Q(type="escalated", data__tier="l2"),
                name="contactevent_l2_escalation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.type} #{self.conversation_id}"


class SealHorizon(models.Model):
    """What the event log held when the sealer looked: a bound it may seal up to later.

    Every event with `id <= max_event_id` that will ever commit had drawn its id when this was
    taken; once `lag` has passed and (PostgreSQL) every transaction running then has ended
    (`pg_running`: the transactions open in this database just after the id was read, as
    ``pid/xact_start/backend_xid`` lines), the ones that committed are visible and the rest never
    will be. docs/event-log.md, "When events are sealed".
    """

    taken_at = models.DateTimeField()
    max_event_id = models.BigIntegerField()
    pg_running = models.TextField(blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)  # every event up to it is sealed

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M:%S} ≤ {self.max_event_id}"


class EventSeal(AppendOnly, TenantModel):
    """One link of a tenant pair's hash chain (`analytics.chain`): appended by the sealer only.

    `at` copies the event's time so daily digests are cut without reading the events.
    """

    chain_key = models.CharField(max_length=40)
    seq = models.BigIntegerField()
    event_id = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    event_hash = models.CharField(max_length=64)
    link_hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["chain_key", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain_key", "seq"], name="eventseal_chain_seq")]
        indexes = [models.Index(fields=["chain_key", "at"], name="eventseal_chain_at")]

    def __str__(self) -> str:
        return f"{self.chain_key} #{self.seq} event {self.event_id}"


class DailyDigest(AppendOnly, TenantModel):
    """A chain's head after the last event of a day in the client's time zone: given to the client.

    The segment of day `date` is the links after the previous day's `chain_length` up to this
    one's; `event_count` is its length. A provider that rewrote history would have to change
    heads the client already holds.
    """

    chain_key = models.CharField(max_length=40)
    date = models.DateField(_("date"))
    tz = models.CharField(max_length=64)
    head_hash = models.CharField(_("chain head"), max_length=64)
    event_count = models.IntegerField(_("events that day"))
    chain_length = models.BigIntegerField(_("links in the chain"))
    last_event_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["chain_key", "-date"]
        constraints = [models.UniqueConstraint(fields=["chain_key", "date"], name="dailydigest_chain_date")]

    def __str__(self) -> str:
        return f"{self.chain_key} {self.date} {self.head_hash[:12]}"


class IntervalRollup(TenantModel):
    """The additive measures of one metric over 15 minutes (UTC) × client × queue × channel × agent.

    `bucket` is the UTC start of the quarter hour holding the items' anchor (the event that puts a
    record into a period: the offer, the first customer message, the first resolution, the survey
    answer); `queue` and `channel` are the anchor's, `agent` the one the metric's definition names
    (the first reply's author, the resolver, the assignee when surveyed; none for team metrics).
    Measures are kept in millionths, as exact integers, so sums never depend on their order
    (`compute.MicroTotals`): a period's figure from these rows equals the figure recomputed from the
    events exactly. Written only by `analytics.rollups` (docs/metrics.md, "Rollups").
    """

    bucket = models.DateTimeField()
    metric = models.CharField(max_length=40)
    queue = models.CharField(max_length=60, blank=True, default="")
    channel = models.CharField(max_length=20, blank=True, default="")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    numerator_micro = models.BigIntegerField()
    denominator_micro = models.BigIntegerField()
    items = models.IntegerField()

    class Meta(TenantModel.Meta):
        ordering = ["bucket", "metric"]
        indexes = [
            # with every column the readers sum and filter on: reads are index-only scans
            models.Index(
                fields=["client", "metric", "bucket"],
                include=[
                    "queue", "channel", "agent", "provider", "numerator_micro", "denominator_micro", "items",
                ],
                name="rollup_client_metric_cover",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.bucket:%Y-%m-%d %H:%M} {self.metric} {self.numerator_micro}/{self.denominator_micro}"


class RollupFillState(models.Model):
    """How far the rollups have folded the event log (Zulip's FillState, by event id, not by time).

    Every event with `id <= through_event_id` is in the rollups and no such event can still
    commit (a sealing horizon vouched for it); events above it are the *tail* that readers add
    from the raw log. One row, `name="interval_rollups"`, locked by whoever folds or rebuilds.
    """

    name = models.CharField(max_length=40, unique=True)
    through_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} ≤ {self.through_event_id}"
