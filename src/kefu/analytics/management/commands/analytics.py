"""`kefu analytics seal|verify|digest`: the tamper-evident event log from the command line.

- `seal [--lag S] [--json]`: seal what is safe now and close the days that are over (what the
  worker's `analytics.seal` job does).
- `verify [--client SLUG] [--json]`: recompute every chain (or one client's) from the events,
  seals and digests. Exit 0 intact, 1 broken (the first broken link of each broken chain is
  named), 2 bad input.
- `digest --client SLUG --date YYYY-MM-DD [--json]`: the day's chain heads, to give the client.
- `fold [--lag S] [--json]`: fold the safe events into the 15-minute rollups (the worker's
  `analytics.rollups` job).
- `rebuild [--client SLUG] [--from YYYY-MM-DD --to YYYY-MM-DD] [--lag S] [--json]`: recompute
  rollups from the event log (everything, from scratch, when nothing is named).
- `check --client SLUG --from YYYY-MM-DD --to YYYY-MM-DD [--json]`: recompute a period from the
  events and compare with the rollups. Exit 0 equal, 1 different (the first differing quarter
  hour and measure is named), 2 bad input.
"""

from __future__ import annotations

import json
import re
from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kefu.analytics import chain_selectors, rollups, sealing
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
        fold = commands.add_parser("fold", help="fold the safe events into the 15-minute rollups")
        fold.add_argument(
            "--lag", type=float, help="seconds an event must be old (default KEFU_EVENT_SEAL_LAG_S)"
        )
        fold.add_argument("--json", action="store_true")
        rebuild = commands.add_parser("rebuild", help="recompute the rollups from the event log")
        rebuild.add_argument("--client", help="the client's short name (slug); default: every client")
        rebuild.add_argument("--from", dest="date_from", help="YYYY-MM-DD, the client's calendar day")
        rebuild.add_argument("--to", dest="date_to", help="YYYY-MM-DD, included")
        rebuild.add_argument("--lag", type=float, help="a full rebuild folds events at least this old")
        rebuild.add_argument("--json", action="store_true")
        check = commands.add_parser(
            "check", help="compare the rollups with the events; exit 1 if they differ"
        )
        check.add_argument("--client", required=True, help="the client's short name (slug)")
        check.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        check.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD, included")
        check.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "seal":
            self._seal(options)
        elif action == "verify":
            self._verify(options)
        elif action == "fold":
            self._fold(options)
        elif action == "rebuild":
            self._rebuild(options)
        elif action == "check":
            self._check(options)
        else:
            self._digest(options)

    def _client_id(self, slug: str) -> int:
        organization = tenancy_selectors.organization_by_slug(slug)
        if organization is None or organization.kind != "client":
            raise CommandError(f"no client with the short name {slug!r}", returncode=2)
        return organization.pk

    @staticmethod
    def _lag(options: dict[str, Any]) -> float | None:
        lag = options.get("lag")
        if lag is not None and lag < 0:
            raise CommandError("--lag must be 0 or more seconds", returncode=2)
        return lag

    @staticmethod
    def _day(value: str | None, flag: str) -> date | None:
        if value is None:
            return None
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"{flag} must be YYYY-MM-DD", returncode=2) from None

    def _period(self, options: dict[str, Any]) -> tuple[date | None, date | None]:
        first, last = self._day(options.get("date_from"), "--from"), self._day(options.get("date_to"), "--to")
        if first is not None and last is not None and first > last:
            raise CommandError("--to is before --from", returncode=2)
        return first, last

    def _fold(self, options: dict[str, Any]) -> None:
        report = rollups.fold(lag=self._lag(options))
        if options["json"]:
            self.stdout.write(json.dumps({
                "events": report.events, "quarters": report.quarters, "rows": report.rows,
                "through_event_id": report.through_event_id,
            }))  # fmt: skip
        else:
            self.stdout.write(report.line())

    def _rebuild(self, options: dict[str, Any]) -> None:
        client_id = self._client_id(options["client"]) if options.get("client") else None
        first, last = self._period(options)
        report = rollups.rebuild(client_id=client_id, first=first, last=last, lag=self._lag(options))
        if options["json"]:
            self.stdout.write(json.dumps({
                "clients": report.clients, "rows": report.rows, "through_event_id": report.through_event_id,
            }))  # fmt: skip
        else:
            self.stdout.write(
                f"rebuilt {report.rows} rollup rows for {len(report.clients)} clients "
                f"from the events up to event {report.through_event_id}"
            )

    def _check(self, options: dict[str, Any]) -> None:
        client_id = self._client_id(options["client"])
        first, last = self._period(options)
        assert first is not None and last is not None  # required arguments
        if (last - first).days >= 366:
            raise CommandError("a check covers at most 366 days", returncode=2)
        report = rollups.check(client_id=client_id, first=first, last=last)
        first_difference = report.differences[0] if report.differences else None
        if options["json"]:
            self.stdout.write(json.dumps({
                "equal": first_difference is None,
                "client_id": report.client_id,
                "from": first.isoformat(),
                "to": last.isoformat(),
                "through_event_id": report.through_event_id,
                "rows": report.rows,
                "figures": report.figures,
                "differences": len(report.differences),
                "first_difference": None if first_difference is None else _difference_json(first_difference),
            }, ensure_ascii=False))  # fmt: skip
        elif first_difference is None:
            self.stdout.write(
                f"rollups equal the events: {report.rows} rows and {report.figures} figures of "
                f"{first}..{last} (events up to {report.through_event_id})"
            )
        else:
            self.stdout.write(
                f"rollups DIFFER from the events ({len(report.differences)} differences); the first: "
                f"{_difference_text(first_difference)}"
            )
        if first_difference is not None:
            raise SystemExit(1)

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


def _difference_json(d: rollups.Difference) -> dict[str, Any]:
    key = d.key
    return {
        "bucket": d.bucket.isoformat() if d.bucket else None,
        "metric": d.metric,
        "measure": d.measure,
        "rollup": d.rollup,
        "events": d.events,
        "provider_id": key.provider_id if key else None,
        "queue": key.queue if key else None,
        "channel": key.channel if key else None,
        "agent_id": key.agent_id if key else None,
    }


def _difference_text(d: rollups.Difference) -> str:
    if d.key is None:
        return f"the period's {d.metric} {d.measure}: rollups {d.rollup}, events {d.events}"
    key = d.key
    where = f"queue {key.queue or '-'}, channel {key.channel or '-'}, agent {key.agent_id or '-'}"
    return (
        f"quarter hour {d.bucket:%Y-%m-%dT%H:%MZ} {d.metric} ({where}) {d.measure}: "
        f"rollups {d.rollup}, events {d.events}"
    )
