"""The floor's data: alarm thresholds, alarms (raised → acknowledged → cleared), emergency plans
and the log of their steps, and notices to one person (a call-in to standby agents).

Every row is the provider's work for a client (both tenant keys): a client's managers read the
alarms of their queues that the provider chose to share (`notify_client`), never a missed offer
(which names an agent) nor a notice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel


class Metric(models.TextChoices):
    WAITING = "waiting", _("Contacts waiting")
    LONGEST_WAIT = "longest_wait_s", _("Longest wait (s)")
    SERVICE_LEVEL = "service_level", _("Service level so far (%)")
    ONLINE_SEATS = "online_seats", _("Agents online")


# raised when the figure is above (waiting, wait) or below (service level, seats) the threshold
BELOW = {Metric.SERVICE_LEVEL, Metric.ONLINE_SEATS}


class AlarmRule(TenantModel):
    """A threshold on one queue's live figure; `plan` is proposed when it fires."""

    queue = models.ForeignKey("routing.Queue", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(_("figure"), max_length=20, choices=Metric.choices)
    threshold = models.FloatField(_("threshold"))
    notify_client = models.BooleanField(_("tell the client's managers"), default=False)
    plan = models.ForeignKey(
        "floor.EmergencyPlan", on_delete=models.SET_NULL, null=True, blank=True, related_name="rules"
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["queue_id", "metric", "id"]

    def __str__(self) -> str:
        return f"{self.queue_id} {self.metric} {self.threshold}"


class AlarmKind(models.TextChoices):
    THRESHOLD = "threshold", _("Threshold crossed")
    MISSED_OFFER = "missed_offer", _("Missed offer")


class AlarmStatus(models.TextChoices):
    RAISED = "raised", _("Raised")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CLEARED = "cleared", _("Cleared")


class Alarm(TenantModel):
    """One alarm, kept after it clears: who acknowledged and cleared it, and when.

    A threshold alarm stays open (raised or acknowledged) while its rule's figure is out of
    bounds; the job clears it (`cleared_by` empty) when the figure comes back, or a lead does.
    A missed-offer alarm points at the event it came from (`event_id`, once per event).
    """

    kind = models.CharField(max_length=20, choices=AlarmKind.choices, default=AlarmKind.THRESHOLD)
    rule = models.ForeignKey(
        AlarmRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="alarms"
    )
    queue = models.ForeignKey(
        "routing.Queue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    metric = models.CharField(max_length=20, choices=Metric.choices, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)  # the figure when it was raised
    last_value = models.FloatField(null=True, blank=True)  # the figure the last evaluation saw
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event_id = models.BigIntegerField(null=True, blank=True, unique=True)
    notify_client = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=AlarmStatus.choices, default=AlarmStatus.RAISED)
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(TenantModel.Meta):
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["provider", "status"], name="floor_alarm_provider_status")]

    def __str__(self) -> str:
        return f"{self.kind} {self.metric} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status != AlarmStatus.CLEARED


class EmergencyPlan(TenantModel):
    """应急预案: ordered steps a lead confirms one by one when a linked alarm fires."""

    name = models.CharField(_("name"), max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class StepKind(models.TextChoices):
    OVERFLOW_ON = "overflow_on", _("Turn on overflow for a queue")
    RAISE_CONCURRENCY = "raise_concurrency", _("Raise chat concurrency")
    CALL_STANDBY = "call_standby", _("Call in standby agents")
    WIDGET_OFFLINE = "widget_offline", _("Switch the chat widget to the message form")


class PlanStep(TenantModel):
    """One step; `params` by kind: overflow_on {queue_id, overflow_queue_id, overflow_after_s};
    raise_concurrency {queue_id, chats}; call_standby {agent_ids, message}; widget_offline
    {widget_id}."""

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    params = models.JSONField(default=dict)

    class Meta(TenantModel.Meta):
        ordering = ["plan_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.plan_id}.{self.position} {self.kind}"


class StepRun(TenantModel):
    """A step a person confirmed (for an alarm, or straight from the plan): what changed, from
    what, by whom and when; undone later with the same detail."""

    step = models.ForeignKey(PlanStep, on_delete=models.SET_NULL, null=True, related_name="runs")
    alarm = models.ForeignKey(Alarm, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs")
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    done_at = models.DateTimeField()
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-done_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.done_at:%H:%M}"


class Notice(TenantModel):
    """A message to one person on the floor (a standby agent called in); shown in their bell."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)  # a person's words, or the system's in reports' language
    # A system notice keeps its message (the English source, marked for translation) and values,
    # so each reader's bell shows it in their own language; a person's words stay as written.
    message = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def shown_text(self) -> str:
        """The notice in the active language: a system message is translated for its reader."""
        if not self.message:
            return self.text
        try:
            return gettext(self.message) % self.params
        except (KeyError, TypeError, ValueError):  # a message whose values no longer fit it
            return self.text
