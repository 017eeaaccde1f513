"""`kefu qa check --file CONVERSATION.json [--client SLUG] [--json]`: auto-QA of one conversation.

The file's shape is in docs/quality-autoqa.md. With --client, the client's stored rules replace
the file's own, and its name and SLA fill in what the file leaves out. A bad file exits with
code 2 and names the field.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.core.scope import OrgKind
from kefu.desk import selectors as desk_selectors
from kefu.quality import autoqa, autoqa_labels
from kefu.quality import autoqa_selectors as selectors
from kefu.tenancy import selectors as tenancy_selectors


class Command(BaseCommand):
    help = "Quality tools: `check` runs auto-QA on a conversation given as a JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        check = sub.add_parser("check", help="Run auto-QA on one conversation (a JSON file).")
        check.add_argument("--file", required=True, help="The conversation as JSON ('-' for stdin).")
        check.add_argument("--client", help="Use this client's stored rules, name and SLA (its slug).")
        check.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        data = self._read(options["file"])
        rules = None
        if options["client"]:
            client = tenancy_selectors.organization_by_slug(options["client"])
            if client is None or client.kind != OrgKind.CLIENT:
                raise CommandError(f"No client {options['client']!r}.", returncode=2)
            rules = selectors.rules_for_client(client.pk)
            if isinstance(data, dict):
                data.setdefault("shop_name", client.name)
                policy = desk_selectors.sla_policy_for(client.pk, str(data.get("channel", "chat")))
                if policy is not None and "sla" not in data:
                    data["sla"] = {
                        "first_response_s": policy.first_response_s,
                        "next_response_s": policy.next_response_s,
                    }
        try:
            conversation = autoqa.conversation_from(data, rules=rules)
        except autoqa.InputError as exc:
            raise CommandError(f"{exc.field}: {exc.message}", returncode=2) from None
        result = autoqa.inspect_conversation(conversation)
        out = result.as_dict()
        for finding in out["findings"]:  # type: ignore[union-attr]
            finding["label"] = autoqa_labels.check_label(finding["check"])
            finding["explanation"] = autoqa_labels.explanation(finding["check"], finding["params"])
        if options["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        self.stdout.write(f"score {result.score} (rules {result.version})")
        for finding in out["findings"]:  # type: ignore[union-attr]
            evidence = finding["evidence"]["text"]
            shown = f"  「{evidence}」" if evidence else ""
            self.stdout.write(
                f"  #{finding['message_index']} {finding['check']} [{finding['severity']}] "
                f"{finding['explanation']}{shown}"
            )

    def _read(self, path: str) -> Any:
        try:
            if path == "-":
                import sys

                return json.load(sys.stdin)
            with open(path, encoding="utf-8") as handle:
                return json.load(handle)
        except OSError as exc:
            raise CommandError(f"--file: cannot read {path}: {exc.strerror}", returncode=2) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(f"--file: not JSON: {exc}", returncode=2) from None
