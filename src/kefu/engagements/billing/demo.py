"""The demo's invoices: the live contract (丁卯 → 悦家) billed for last month, issued to the client,
and this month's draft measured so far from the replayed history. Called from the contracts'
demo, after the contract is signed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kefu.core.scope import Scope
from kefu.engagements.billing import services


def load(provider: Scope, contract: Any, *, today: dt.date) -> None:
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if last_month >= contract.starts_on.replace(day=1):
        invoice = services.invoice_create(
            provider, contract_id=contract.pk, period=last_month.strftime("%Y-%m"), months=1
        )
        services.invoice_issue(provider, invoice_id=invoice.pk)
    if today >= contract.starts_on:
        services.invoice_create(provider, contract_id=contract.pk, period=today.strftime("%Y-%m"), months=1)
