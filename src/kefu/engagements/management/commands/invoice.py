"""`kefu invoice --contract ID --period 2026-11 [--months N] [--sales-correction 1234 --sales-correction-note
TEXT] --json`: preview an invoice (base + commission bills the months' confirmed sales statements).

Thin: measure the contract's period and price it exactly as a draft invoice would (the same
service code), and print it; nothing is stored. An operator's tool (it reads across tenants).
Bad arguments exit with code 2 and name the wrong one.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.core.errors import KefuError
from kefu.engagements.billing import presentation, selectors, services


class Command(BaseCommand):
    help = (
        "Preview the invoice of a signed contract's period (nothing is stored; docs/engagements-billing.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--contract", type=int, required=True, help="The contract's id.")
        parser.add_argument("--period", required=True, help="The first month of the period, YYYY-MM.")
        parser.add_argument("--months", help="Months in the period (default: the payment terms).")
        parser.add_argument(
            "--sales-correction", help="Base + commission: yuan of sales added to the confirmed statements'."
        )
        parser.add_argument("--sales-correction-note", help="Why the sales are corrected (required with it).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        contract = selectors.contract_for_system(options["contract"])
        if contract is None:
            raise CommandError("--contract: no signed contract with this id", returncode=2)
        try:
            start = services.parse_period(options["period"])
            months = services.months_of(contract, options["months"])
            invoice = services.new_invoice(
                contract,
                start=start,
                months=months,
                user_id=None,
                sales_correction=options["sales_correction"],
                sales_correction_note=options["sales_correction_note"],
            )
        except KefuError as exc:
            field = {
                "period": "--period",
                "months": "--months",
                "sales_correction": "--sales-correction",
                "sales_correction_note": "--sales-correction-note",
            }.get(exc.field or "", exc.field)
            raise CommandError(f"{field}: {exc.message}", returncode=2) from exc
        body = {
            "contract_id": contract.pk,
            "number": invoice.number,
            "period_start": invoice.period_start.isoformat(),
            "period_end": invoice.period_end.isoformat(),
            "pricing_model": invoice.pricing_model,
            "rates": invoice.rates,
            "lines": [
                {k: v for k, v in line.items() if k != "drill"}
                for line in presentation.invoice_lines(invoice)
            ],
            "net": str(invoice.net),
            "vat": str(invoice.vat),
            "total": str(invoice.total),
            "usage": {k: v for k, v in invoice.usage.items() if k != "agent_days"},
            "sla": invoice.sla,
            "reconciliation": presentation.reconciliation_json(invoice)["total"],
        }
        if options["json"]:
            self.stdout.write(json.dumps(body, ensure_ascii=False, default=str))
            return
        self.stdout.write(
            f"{invoice.number}  {body['period_start']} – {body['period_end']}  {invoice.pricing_model}"
        )
        for line in body["lines"]:
            figures = f"{line['quantity']:>10} × {line['unit_price']:>9} = {line['amount']:>11}"
            self.stdout.write(f"  {line['label']:<30} {figures}")
        self.stdout.write(f"  net {body['net']}  VAT {body['vat']}  total {body['total']}")
