"""Volume history brought by a client, and the forecasts made from it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel


class VolumeHistory(TenantModel):
    """One import of a client's past contact volumes (from its previous system, CSV or Excel)."""

    name = models.CharField(_("name"), max_length=120)
    source_filename = models.CharField(max_length=200, blank=True)
    interval_minutes = models.PositiveSmallIntegerField()
    queue = models.CharField(_("queue"), max_length=60, blank=True)
    first_start = models.DateTimeField()
    last_start = models.DateTimeField()
    interval_count = models.PositiveIntegerField()
    total_offered = models.FloatField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at"]
        verbose_name_plural = "volume histories"

    def __str__(self) -> str:
        return self.name


class VolumeInterval(TenantModel):
    """Offered contacts in one interval of an imported history (copies its tenant keys)."""

    history = models.ForeignKey(VolumeHistory, on_delete=models.CASCADE, related_name="intervals")
    start = models.DateTimeField()
    queue = models.CharField(max_length=60, blank=True)
    offered = models.FloatField()
    handled = models.FloatField(null=True, blank=True)
    aht_s = models.FloatField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["start"]
        indexes = [models.Index(fields=["history", "start"])]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} {self.offered:g}"


class Campaign(TenantModel):
    """A client's promotion (双11, 618…): days whose volume is a multiple of normal.

    With `multiplier` empty the forecast learns the uplift from past campaign days in the
    history; past campaigns also keep those days out of the normal baseline.
    """

    name = models.CharField(_("name"), max_length=80)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    multiplier = models.FloatField(_("expected multiplier"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering = ["-start_date"]

    def __str__(self) -> str:
        return f"{self.name} {self.start_date:%Y-%m-%d}–{self.end_date:%Y-%m-%d}"


class ForecastRun(TenantModel):
    """A forecast made from an imported history or from Kefu's own event log."""

    class Source(models.TextChoices):
        HISTORY = "history", _("Imported history")
        EVENTS = "events", _("Kefu event log")

    source = models.CharField(max_length=10, choices=Source.choices, default=Source.HISTORY)
    history = models.ForeignKey(
        VolumeHistory, on_delete=models.CASCADE, related_name="forecasts", null=True, blank=True
    )
    queue = models.CharField(max_length=60, blank=True)
    method = models.CharField(max_length=30)
    interval_minutes = models.PositiveSmallIntegerField()
    first_day = models.DateField()
    horizon_days = models.PositiveSmallIntegerField()
    backtest = models.JSONField(default=dict, blank=True)
    candidates = models.JSONField(default=dict, blank=True)
    points = models.JSONField(default=list)  # [[local ISO start, offered], ...]
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.history or self.get_source_display()} · {self.method} · {self.first_day}"


class StaffingPlan(TenantModel):
    """Required agents per interval for a forecast under service targets: the demand schedules meet."""

    forecast = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="staffing_plans")
    aht_s = models.FloatField()
    target_answer_s = models.FloatField()
    target_sl = models.FloatField()
    shrinkage = models.FloatField(default=0.0)
    concurrency = models.PositiveSmallIntegerField(default=1)
    required = models.JSONField(default=list)  # [[local ISO start, raw agents, scheduled heads], ...]
    peak_agents = models.PositiveIntegerField()
    peak_scheduled = models.PositiveIntegerField()
    agent_hours = models.FloatField()
    infeasible_intervals = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.forecast} · {self.target_sl:.0%}/{self.target_answer_s:g}s"
