"""State of the periodic jobs `kefu worker` runs: when each is due and which worker holds it.

System data acting for nobody (no tenant columns): one row per job name of `KEFU_PERIODIC_JOBS`.
"""

from __future__ import annotations

from django.db import models


class PeriodicJobState(models.Model):
    """One periodic job's schedule and lease; the lease keeps two workers from running it at once."""

    name = models.CharField(max_length=100, primary_key=True)
    next_due_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=100, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_ok = models.BooleanField(null=True, blank=True)
    last_result = models.CharField(max_length=500, blank=True)
    last_error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
