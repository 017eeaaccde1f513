"""`kefu sales-statement import --contract ID --month 2026-11 FILE [--user NAME] [--json]`.

Reads the shop's sales export (CSV or .xlsx) of a month for a base + commission contract with
the same service as the upload page and the API. With `--user`, the statement is stored as that
user's upload (awaiting the other side's confirmation); without it, the file is only checked and
summarised (an operator's dry run; nothing is stored). A bad file exits with code 2 and names
the row and the field (every bad row on stderr, or in the JSON's `errors`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.core.errors import KefuError
from kefu.engagements.billing import selectors, statement_services
from kefu.engagements.contracts import standing
from kefu.tenancy import selectors as tenancy_selectors


class Command(BaseCommand):
    help = "Import the shop's sales export of a month for a base + commission contract."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("import", help="Check (and with --user, store) a month's sales export.")
        run.add_argument("file", help="The shop's export: .csv (UTF-8 or GB18030) or .xlsx.")
        run.add_argument("--contract", type=int, required=True, help="The contract's id.")
        run.add_argument("--month", required=True, help="The month, YYYY-MM.")
        run.add_argument("--user", default="", help="Store it as this user's upload (else only check).")
        run.add_argument("--organization", default="", help="The user's organisation (short name).")
        run.add_argument("--json", action="store_true", help="Print one JSON object.")

    def _scope(self, options: dict[str, Any]) -> Any:
        if not options["user"]:
            contract = selectors.contract_for_system(options["contract"])
            if contract is None:
                raise CommandError("--contract: no signed contract with this id", returncode=2)
            return standing.pair_scope(contract)
        user = tenancy_selectors.user_get_by_username(options["user"])
        if user is None:
            raise CommandError(f"--user: no user named {options['user']!r}", returncode=2)
        organization_id = None
        if options["organization"]:
            found = tenancy_selectors.organization_by_slug(options["organization"])
            if found is None:
                raise CommandError("--organization: no such organisation", returncode=2)
            organization_id = found.pk
        scope = tenancy_selectors.scope_for_user(user, organization_id=organization_id)
        if scope is None:
            raise CommandError("--user: not a member of this organisation", returncode=2)
        return scope

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"FILE: {exc.strerror or exc}", returncode=2) from None
        scope = self._scope(options)
        store = bool(options["user"])
        try:
            preview = statement_services.statement_import(
                scope,
                contract_id=options["contract"],
                month=options["month"],
                filename=path.name,
                content=content,
                dry_run=not store,
            )
            if preview.errors:
                raise statement_services.StatementInvalid(preview.errors)
        except statement_services.StatementInvalid as exc:
            if options["json"]:
                self.stdout.write(json.dumps({"stored": False, "errors": exc.details}, ensure_ascii=False))
            for error in exc.errors:
                self.stderr.write(statement_services.describe(error))
            raise CommandError(str(exc.message), returncode=2) from None
        except KefuError as exc:
            field = {"contract_id": "--contract", "month": "--month", "period": "--month"}.get(
                exc.field or "", exc.field or "FILE"
            )
            raise CommandError(f"{field}: {exc.message}", returncode=2) from None
        parsed, statement = preview.parsed, preview.statement
        body = {
            "stored": statement is not None,
            "id": statement.pk if statement else None,
            "status": statement.status if statement else None,
            "contract_id": preview.contract.pk,
            "month": preview.month.strftime("%Y-%m"),
            "orders": len(parsed.rows),
            "paid": str(parsed.paid),
            "refunded": str(parsed.refunded),
            "net": str(parsed.net),
            "columns": parsed.columns,
        }
        if options["json"]:
            self.stdout.write(json.dumps(body, ensure_ascii=False))
            return
        verdict = "checked, not stored"
        if statement is not None:
            verdict = f"stored as #{statement.pk}, awaiting the other side"
        self.stdout.write(
            f"{body['month']}  {body['orders']} orders  paid {body['paid']}  refunded {body['refunded']}  "
            f"net {body['net']}  ({verdict})"
        )
