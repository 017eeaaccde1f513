"""Volume history brought by a client, and the forecasts made from it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.tenancy import TenantModel
from kefu.workforce.labels import method_label


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
        return f"{self.history or self.get_source_display()} · {self.method_label} · {self.first_day}"

    @property
    def method_label(self) -> str:
        """The method in words (the code stays in `method`)."""
        return method_label(self.method)


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


# --- schedules (rostering) --------------------------------------------------------------------------
class ShiftTemplateDef(TenantModel):
    """A shift shape planners may schedule: work segments (two for a split shift) and meal breaks.

    `segments` is ``[["09:00", "18:00"]]`` (an end past "24:00" runs into the next day);
    `breaks` is ``[{"length": 60, "earliest": "11:00", "latest": "13:30"}]`` (unpaid, placed by the
    solver inside the window); `days` are the weekdays (0 = Monday) the shape may be used.
    """

    name = models.CharField(_("name"), max_length=40)
    segments = models.JSONField(default=list)
    breaks = models.JSONField(default=list, blank=True)
    days = models.JSONField(default=list, blank=True)
    paid_minutes = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering = ["name"]

    def __str__(self) -> str:
        spans = " + ".join(f"{a}–{b}" for a, b in self.segments)
        return f"{self.name} {spans}"


class AgentWorkProfile(TenantModel):
    """What the scheduler knows of one agent of the provider: skills, contract, rules, availability.

    `client` is the client the agent is dedicated to (empty: the shared pool). `skills` are planning
    queue names; `unavailable` is ``[{"weekday": 0-6 | null, "date": "YYYY-MM-DD" | null,
    "start": "HH:MM", "end": "HH:MM"}]``; `leave` is a list of ISO dates. Empty rule fields fall back
    to the labour-rule defaults.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    skills = models.JSONField(default=list)
    min_hours_per_week = models.FloatField(default=0)
    max_hours_per_week = models.FloatField(default=40)
    hourly_cost = models.FloatField(default=1.0)
    max_consecutive_days = models.PositiveSmallIntegerField(null=True, blank=True)
    min_rest_hours = models.FloatField(null=True, blank=True)
    days_off_per_week = models.PositiveSmallIntegerField(null=True, blank=True)
    templates = models.JSONField(default=list, blank=True)  # allowed template names; empty: all
    unavailable = models.JSONField(default=list, blank=True)
    leave = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering = ["user__username"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "user"], name="agent_work_profile_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {', '.join(self.skills)}"


class Schedule(TenantModel):
    """One week's roster for a client (or several, client empty), solved from required heads."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class SolveState(models.TextChoices):
        NONE = "", _("Not solved")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Solving")
        DONE = "done", _("Solved")
        FAILED = "failed", _("Failed")

    week_start = models.DateField(_("week starting"))
    queues = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    demand_source = models.JSONField(default=dict)  # {"plans": {queue: plan_id}} or {"uploaded": true}
    interval_minutes = models.PositiveSmallIntegerField(default=30)
    rules = models.JSONField(default=dict)  # the labour rules the solver used
    templates = models.JSONField(default=list)  # snapshot of the shift shapes used
    coverage = models.JSONField(default=dict)  # {"required": {q: [...]}, "scheduled": {q: [...]}}
    solver_status = models.CharField(max_length=12, blank=True)
    problems = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    objective = models.FloatField(null=True, blank=True)
    under_staffed_share = models.FloatField(null=True, blank=True)
    solve_seconds = models.FloatField(null=True, blank=True)
    # The background solve (a django-tasks task): its state, times and the solver's figures.
    solve_state = models.CharField(max_length=10, choices=SolveState.choices, default="", blank=True)
    solve_message = models.CharField(max_length=500, blank=True)
    solve_time_limit_s = models.FloatField(default=30.0)
    solve_task_id = models.CharField(max_length=64, blank=True)
    solve_queued_at = models.DateTimeField(null=True, blank=True)
    solve_started_at = models.DateTimeField(null=True, blank=True)
    solve_finished_at = models.DateTimeField(null=True, blank=True)
    solve_stats = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["-week_start", "-created_at"]

    def __str__(self) -> str:
        return f"{self.week_start:%Y-%m-%d} · {', '.join(self.queues)}"


class ScheduledShift(TenantModel):
    """One agent's shift on one day of a schedule (copies the schedule's tenant keys).

    Times are minutes since midnight of `date` (an end past 1440 runs into the next day); `breaks` is
    ``[[start, end], ...]`` and `spells` ``[[start, end, queue], ...]``.
    """

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="shifts")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    template = models.CharField(max_length=40)
    start_minute = models.PositiveIntegerField()
    end_minute = models.PositiveIntegerField()
    segments = models.JSONField(default=list)
    breaks = models.JSONField(default=list, blank=True)
    spells = models.JSONField(default=list, blank=True)
    paid_minutes = models.PositiveIntegerField(default=0)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        ordering = ["date", "start_minute"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "agent", "date"], name="scheduled_shift_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.date:%Y-%m-%d} {self.template}"


class ScheduleRequest(TenantModel):
    """An agent asks to swap a shift, take leave or change a shift; a team lead decides."""

    class Kind(models.TextChoices):
        SWAP = "swap", _("Swap with a colleague")
        LEAVE = "leave", _("Leave")
        CHANGE = "change", _("Change my shift")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="requests")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    date = models.DateField()
    target_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_template = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.agent} {self.kind} {self.date:%Y-%m-%d} ({self.status})"
