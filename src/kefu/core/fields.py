"""Model fields that follow `core.clock`, so replayed history carries its own times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models

from kefu.core import clock


class ClockDateTimeField(models.DateTimeField):
    """`auto_now` / `auto_now_add` stamped from `clock.now()` instead of the system clock."""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        if self.auto_now or (self.auto_now_add and add):
            value: datetime = clock.now()
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)
