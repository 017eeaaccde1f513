"""Quoting rows for tests, made through the services (so every rule and audit runs)."""

from __future__ import annotations

from typing import Any

from kefu.core.scope import Scope
from kefu.engagements.quoting import services
from kefu.engagements.quoting.models import CostModelRecord, Intake, Quote
from kefu.engagements.quoting.tests.test_estimate import COST, INTAKE


def cost_model(scope: Scope, **data: Any) -> CostModelRecord:
    return services.cost_model_save(scope, name="标准坐席", data=COST | data)


def intake(scope: Scope, *, client_id: int | None = None, **data: Any) -> Intake:
    return services.intake_create(scope, title="", data=INTAKE | data, client_id=client_id)


def quote(scope: Scope, made: Intake, *, options: list[int] | None = None, send: bool = False) -> Quote:
    row = services.quote_create(scope, intake_id=made.pk, cost_model_id=cost_model(scope).pk, options=options)
    return services.quote_send(scope, quote_id=row.pk) if send else row
