"""`kefu sla_check`: record SLA breaches of every tenant's unfinished conversations.

The periodic job (`kefu worker` runs it every minute, or cron)
runs this so breaches are on record even when nobody writes to the conversation (reading
timers records nothing; a reply or a status change records what it reveals). Each
provider is checked with a system scope over the clients it serves; conversations a
client runs without a provider with a client system scope. Prints one JSON line with
--json.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from kefu.core import clock
from kefu.core.scope import OrgKind, Scope
from kefu.desk import services
from kefu.desk.permissions import DeskPerm
from kefu.tenancy import selectors as tenancy_selectors


class Command(BaseCommand):
    help = "Record SLA breaches of unfinished conversations, for all tenants."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON summary line")

    def handle(self, *args: Any, **options: Any) -> None:
        now = clock.now()
        permissions = frozenset({DeskPerm.VIEW})
        checked = 0
        breaches: list[dict[str, Any]] = []
        for organization in tenancy_selectors.organization_list_all():
            partners = tenancy_selectors.partner_ids(organization)
            if organization.kind == OrgKind.PROVIDER:
                scope = Scope.system(
                    provider_id=organization.pk, client_ids=partners, permissions=permissions
                )
            elif organization.kind == OrgKind.CLIENT:
                # only what no provider serves: the providers' passes cover the rest
                scope = Scope.of_tenant(
                    provider_id=None, client_id=organization.pk, permissions=permissions, role="system"
                )
            else:
                continue
            result = services.sla_breaches_detect(scope, now)
            checked += result.conversations
            breaches += [
                {
                    "conversation_id": b.conversation_id,
                    "client_id": b.client_id,
                    "kind": b.kind,
                    "party": b.party,
                    "breached_at": b.breached_at.isoformat(),
                }
                for b in result.breaches
            ]
        summary = {"at": now.isoformat(), "conversations": checked, "new_breaches": len(breaches)}
        if options["json"]:
            self.stdout.write(json.dumps({**summary, "breaches": breaches}, ensure_ascii=False))
        else:
            for breach in breaches:
                self.stdout.write(
                    f"#{breach['conversation_id']} {breach['kind']} ({breach['party']}) "
                    f"breached at {breach['breached_at']}"
                )
            self.stdout.write(f"{checked} conversations checked, {len(breaches)} new breaches")
