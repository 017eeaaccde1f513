"""`kefu analytics seal|verify|digest`: the tamper-evident event log from the command line.

- `seal [--lag S] [--json]`: seal what is safe now and close the days that are over (what the
  worker's `analytics.seal` job does).
- `verify [--client SLUG] [--json]`: recompute every chain (or one client's) from the events,
  seals and digests. Exit 0 intact, 1 broken (the first broken link of each broken chain is
  named), 2 bad input.
- `digest --client SLUG --date YYYY-MM-DD [--json]`: the day's chain heads, to give the client.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kefu.analytics import chain_selectors, sealing
from kefu.tenancy import selectors as tenancy_selectors


class Command(BaseCommand):
    help = "The tamper-evident event log: seal, verify, show a day's digest."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        seal = commands.add_parser("seal", help="seal committed events and close finished days")
        seal.add_argument(
            "--lag", type=float, help="seconds an event must be old (default KEFU_EVENT_SEAL_LAG_S)"
        )
        seal.add_argument("--json", action="store_true")
        verify = commands.add_parser("verify", help="recompute the chains; exit 1 at the first broken link")
        verify.add_argument("--client", help="the client's short name (slug); default: every chain")
        verify.add_argument("--json", action="store_true")
        digest = commands.add_parser("digest", help="a client's chain heads at the end of a day")
        digest.add_argument("--client", required=True, help="the client's short name (slug)")
        digest.add_argument("--date", required=True, help="YYYY-MM-DD, the client's calendar day")
        digest.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "seal":
            self._seal(options)
        elif action == "verify":
            self._verify(options)
        else:
            self._digest(options)

    def _client_id(self, slug: str) -> int:
        organization = tenancy_selectors.organization_by_slug(slug)
        if organization is None or organization.kind != "client":
            raise CommandError(f"no client with the short name {slug!r}", returncode=2)
        return organization.pk

    def _seal(self, options: dict[str, Any]) -> None:
        lag = options.get("lag")
        if lag is not None and lag < 0:
            raise CommandError("--lag must be 0 or more seconds", returncode=2)
        report = sealing.seal_pending(lag=lag)
        report.digests = sealing.digests_close()
        if options["json"]:
            summary = {
                "sealed": report.sealed,
                "chains": len(report.chains),
                "through_event_id": report.through_event_id,
                "digests": report.digests,
            }
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(report.line())

    def _verify(self, options: dict[str, Any]) -> None:
        client_id = self._client_id(options["client"]) if options.get("client") else None
        checks = chain_selectors.chains_verify(client_id=client_id)
        broken = [check for check in checks if check.outcome.broken is not None]
        if options["json"]:
            self.stdout.write(json.dumps({"intact": not broken, "chains": [_as_json(c) for c in checks]}))
        else:
            for check in checks:
                self.stdout.write(_as_text(check))
            self.stdout.write(
                f"{len(checks)} chains, {len(broken)} broken" if checks else "no events, nothing to verify"
            )
        if broken:
            raise SystemExit(1)

    def _digest(self, options: dict[str, Any]) -> None:
        client_id = self._client_id(options["client"])
        try:
            day = date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD", returncode=2) from None
        digests = chain_selectors.digest_get(client_id=client_id, day=day)
        if not digests:
            raise CommandError(f"no digest for {day}: the day is not over and sealed yet", returncode=2)
        rows = [
            {
                "chain": d.chain_key,
                "provider_id": d.provider_id,
                "client_id": d.client_id,
                "date": d.date.isoformat(),
                "tz": d.tz,
                "head_hash": d.head_hash,
                "event_count": d.event_count,
                "chain_length": d.chain_length,
                "last_event_id": d.last_event_id,
            }
            for d in digests
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows))
            return
        for row in rows:
            self.stdout.write(
                f"{row['date']} chain {row['chain']}: {row['head_hash']} "
                f"({row['event_count']} events that day, {row['chain_length']} in the chain)"
            )


def _as_json(check: chain_selectors.ChainCheck) -> dict[str, Any]:
    outcome = check.outcome
    broken = outcome.broken
    return {
        "chain": check.chain_key,
        "provider_id": check.provider_id,
        "client_id": check.client_id,
        "sealed": outcome.sealed,
        "head": outcome.head,
        "pending": outcome.pending,
        "digests_checked": outcome.checkpoints,
        "broken": None
        if broken is None
        else {"kind": broken.kind, "seq": broken.seq, "event_id": broken.event_id, "detail": broken.detail},
    }


def _as_text(check: chain_selectors.ChainCheck) -> str:
    outcome = check.outcome
    if outcome.broken is None:
        return (
            f"chain {check.chain_key}: intact, {outcome.sealed} links, head {outcome.head}, "
            f"{outcome.checkpoints} digests agree, {outcome.pending} events not sealed yet"
        )
    b = outcome.broken
    return f"chain {check.chain_key}: BROKEN at link {b.seq} (event {b.event_id}): {b.kind}: {b.detail}"
