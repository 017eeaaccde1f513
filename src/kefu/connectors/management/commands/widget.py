from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.connectors import selectors, services
from kefu.core.errors import KefuError
from kefu.tenancy import selectors as tenancy_selectors


class Command(BaseCommand):
    help = (
        "Web chat widgets: `kefu widget create --client SLUG [--provider SLUG] --origin URL…` prints "
        "the <script> tag to embed; `kefu widget rotate --key KEY`; `kefu widget list`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a client's chat widget and print its embed snippet.")
        create.add_argument("--client", required=True, help="Client short name (the site's owner).")
        create.add_argument(
            "--provider", default="", help="Provider short name whose agents answer (default: the client)."
        )
        create.add_argument(
            "--origin",
            action="append",
            default=[],
            help="A site allowed to embed it, e.g. https://shop.example.com (repeat; * for any).",
        )
        create.add_argument("--greeting", default="")
        create.add_argument("--queue", default="", help="the provider's queue its chats wait in")
        create.add_argument("--name", default="")
        create.add_argument("--no-survey", action="store_true", help="Do not ask for a rating at the end.")
        create.add_argument("--base-url", default="", help="Public address of Kefu (default KEFU_BASE_URL).")
        rotate = sub.add_parser("rotate", help="Give a widget a new key (old embeds stop working).")
        rotate.add_argument("--key", required=True)
        rotate.add_argument("--base-url", default="")
        sub.add_parser("list", help="List widgets.")
        for sub_parser in (create, rotate):
            sub_parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["action"])(options)
        except KefuError as exc:
            raise CommandError(str(exc.message), returncode=2) from None

    def _org(self, slug: str, kind: str) -> Any:
        organization = tenancy_selectors.organization_by_slug(slug)
        if organization is None or organization.kind != kind:
            raise CommandError(f"No {kind} with short name {slug!r}.", returncode=2)
        return organization

    def _print(self, widget: Any, options: dict[str, Any]) -> None:
        base = (options.get("base_url") or settings.KEFU_BASE_URL).rstrip("/")
        snippet = f'<script src="{base}/widget/{widget.widget_key}.js" async></script>'
        if options.get("json"):
            self.stdout.write(
                json.dumps(
                    {
                        "id": widget.pk,
                        "widget_key": widget.widget_key,
                        "client_id": widget.client_id,
                        "provider_id": widget.provider_id,
                        "allowed_origins": widget.allowed_origins,
                        "queue": widget.queue,
                        "snippet": snippet,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            self.stdout.write(snippet)

    def _create(self, options: dict[str, Any]) -> None:
        client = self._org(options["client"], "client")
        provider = self._org(options["provider"], "provider") if options["provider"] else None
        if not options["origin"]:
            raise CommandError("Name at least one --origin allowed to embed the widget.", returncode=2)
        scope = services.operator_scope(client_id=client.pk, provider_id=provider.pk if provider else None)
        if provider is not None and client.pk not in tenancy_selectors.partner_ids(provider):
            raise CommandError(f"{provider.slug} does not serve {client.slug}.", returncode=2)
        widget = services.widget_create(
            scope,
            client_id=client.pk,
            provider_id=provider.pk if provider else None,
            allowed_origins=options["origin"],
            greeting=options["greeting"],
            name=options["name"],
            satisfaction_prompt=not options["no_survey"],
            queue=options["queue"],
        )
        self._print(widget, options)

    def _rotate(self, options: dict[str, Any]) -> None:
        found = selectors.widget_by_key(options["key"])
        if found is None:
            raise CommandError("No enabled widget with this key.", returncode=2)
        scope = services.operator_scope(client_id=found.client_id, provider_id=found.provider_id)
        self._print(services.widget_rotate_key(scope, widget_id=found.pk), options)

    def _list(self, options: dict[str, Any]) -> None:
        for widget in selectors.widget_list_all():
            origins = ", ".join(widget.allowed_origins)
            state = "on" if widget.enabled else "off"
            self.stdout.write(
                f"#{widget.pk} client={widget.client_id} provider={widget.provider_id} {state} "
                f"{widget.widget_key}  {origins}"
            )
