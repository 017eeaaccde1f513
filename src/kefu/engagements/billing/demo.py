"""The demo's billing: the live contract (丁卯 → 悦家, base + commission) gets last month's sales
statement (the shop's export, uploaded by the provider and confirmed by the client) and last
month's invoice, issued to the client; this month's draft is measured so far and says that its
month has no confirmed statement yet. Called from the contracts' demo, after the contract is
signed.

The statement holds most of the orders the agents linked on last month's chats (their values),
one of them partly refunded, one left out (the cross-check lists it), and orders the agents did
not link: a shop's 客服销售额 counts every order a customer placed after talking to an agent."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from kefu.analytics import selectors as analytics_selectors
from kefu.analytics.metrics import timezones
from kefu.core.scope import Scope
from kefu.engagements.billing import services, statement_services
from kefu.engagements.contracts import standing
from kefu.tenancy import selectors as tenancy_selectors

AGENTS = ("悦家-小王", "悦家-小李", "悦家-小周", "悦家-阿敏")
PRICES = (59, 129, 299, 899, 1599, 2399, 4999)


def _client_admin(contract: Any) -> Scope | None:
    members = tenancy_selectors.membership_list_for_role(contract.client, role="client_admin")
    if not members:
        return None
    return tenancy_selectors.scope_for_user(members[0].user, organization_id=contract.client_id)


def statement_csv(contract: Any, month: dt.date) -> bytes:
    """The shop's export of the month: the chat-linked orders (one left out, one refunded) and
    orders no agent linked, in order time (deterministic)."""
    zone = timezones.client_time_zone(contract.client_id)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    links = analytics_selectors.order_link_list(
        standing.pair_scope(contract),
        client_id=contract.client_id,
        since=dt.datetime.combine(month, dt.time(), zone),
        until=dt.datetime.combine(following, dt.time(), zone),
    )
    rng = random.Random(f"statement-{contract.pk}-{month:%Y%m}")
    rows: list[tuple[dt.datetime, str, Decimal, Decimal]] = []
    for index, link in enumerate(links):
        if index == 1:
            continue  # the order the shop's export does not list (the cross-check shows it)
        paid = Decimal(link.order_value or rng.choice(PRICES))
        refunded = (paid / 2).quantize(Decimal("0.01")) if index == 2 else Decimal("0.00")
        rows.append((link.at.astimezone(zone).replace(tzinfo=None), link.order_number, paid, refunded))
    days = (following - month).days
    for n in range(36):
        at = dt.datetime.combine(month, dt.time(9)) + dt.timedelta(
            days=rng.randrange(days), minutes=rng.randrange(14 * 60)
        )
        paid = Decimal(rng.choice(PRICES))
        refunded = paid if n % 11 == 5 else Decimal("0.00")  # a few orders refunded in full
        rows.append((at, f"{at:%y%m%d}8{rng.randrange(10**8):08d}", paid, refunded))
    lines = ["订单号,下单时间,实付金额,退款金额,客服昵称"]
    for at, number, paid, refunded in sorted(rows):
        lines.append(f"{number},{at:%Y-%m-%d %H:%M:%S},{paid},{refunded},{rng.choice(AGENTS)}")
    return ("\n".join(lines) + "\n").encode()


def load(provider: Scope, contract: Any, *, today: dt.date) -> None:
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if last_month >= contract.starts_on.replace(day=1):
        if contract.pricing_model == "base_commission":
            preview = statement_services.statement_import(
                provider,
                contract_id=contract.pk,
                month=last_month.strftime("%Y-%m"),
                filename=f"客服销售额_{last_month:%Y%m}.csv",
                content=statement_csv(contract, last_month),
            )
            client = _client_admin(contract)
            if client is not None and preview.statement is not None:
                statement_services.statement_confirm(client, statement_id=preview.statement.pk)
        invoice = services.invoice_create(
            provider, contract_id=contract.pk, period=last_month.strftime("%Y-%m"), months=1
        )
        services.invoice_issue(provider, invoice_id=invoice.pk)
    if today >= contract.starts_on:
        services.invoice_create(provider, contract_id=contract.pk, period=today.strftime("%Y-%m"), months=1)
