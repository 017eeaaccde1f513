from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.config import env
from kefu.connectors import selectors, services
from kefu.core.errors import KefuError
from kefu.core.roles import all_permissions
from kefu.core.scope import Scope
from kefu.desk import selectors as desk_selectors
from kefu.tenancy import selectors as tenancy_selectors


def base_url(option: str) -> str:
    """Where browsers reach Kefu: --base-url, else KEFU_BASE_URL when set, else the address
    `kefu serve` / `kefu demo` last served on, else the settings' default."""
    if option:
        return option.rstrip("/")
    if env.env_str("KEFU_BASE_URL"):
        return settings.KEFU_BASE_URL.rstrip("/")
    return (env.served_url() or settings.KEFU_BASE_URL).rstrip("/")


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
            "--provider",
            default="",
            help="Provider short name whose agents answer (default: the one provider serving the client; "
            "the client itself when none does).",
        )
        create.add_argument(
            "--origin",
            action="append",
            default=[],
            help="A site allowed to embed it, e.g. https://shop.example.com (repeat; * for any).",
        )
        create.add_argument("--greeting", default="")
        create.add_argument(
            "--queue",
            default="",
            help="The provider's queue its chats wait in (default: the one queue the client's chats "
            "already use with that provider).",
        )
        create.add_argument("--name", default="")
        create.add_argument("--no-survey", action="store_true", help="Do not ask for a rating at the end.")
        base_help = (
            "Public address of Kefu (default: KEFU_BASE_URL, else where `kefu serve` or `kefu demo` last "
            "served, else http://127.0.0.1:8000)."
        )
        create.add_argument("--base-url", default="", help=base_help)
        rotate = sub.add_parser("rotate", help="Give a widget a new key (old embeds stop working).")
        rotate.add_argument("--key", required=True)
        rotate.add_argument("--base-url", default="", help=base_help)
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
        base = base_url(options.get("base_url", ""))
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
        if not options["origin"]:
            raise CommandError("Name at least one --origin allowed to embed the widget.", returncode=2)
        provider = self._provider(client, options["provider"])
        queue = options["queue"].strip()
        if provider is not None and not queue:
            queue = self._default_queue(provider, client)
        scope = services.operator_scope(client_id=client.pk, provider_id=provider.pk if provider else None)
        widget = services.widget_create(
            scope,
            client_id=client.pk,
            provider_id=provider.pk if provider else None,
            allowed_origins=options["origin"],
            greeting=options["greeting"],
            name=options["name"],
            satisfaction_prompt=not options["no_survey"],
            queue=queue,
        )
        self._print(widget, options)

    def _provider(self, client: Any, slug: str) -> Any:
        """The provider named, else the only one serving the client, else none (the client answers)."""
        serving = list(
            tenancy_selectors.organization_list_all().filter(pk__in=tenancy_selectors.partner_ids(client))
        )
        if slug:
            provider = self._org(slug, "provider")
            if provider not in serving:
                raise CommandError(f"{provider.slug} does not serve {client.slug}.", returncode=2)
            return provider
        if len(serving) > 1:
            names = ", ".join(sorted(p.slug for p in serving))
            raise CommandError(
                f"{client.slug} is served by several providers ({names}): name one with --provider.",
                returncode=2,
            )
        return serving[0] if serving else None

    def _default_queue(self, provider: Any, client: Any) -> str:
        """The one queue the client's chats with this provider use (its conversations and widgets);
        exit 2 when there is none or more than one, since agents only see chats of their queues."""
        known = desk_selectors.conversation_queue_names(
            Scope.system(
                provider_id=provider.pk, client_ids=frozenset({client.pk}), permissions=all_permissions()
            ),
            channel="chat",
        )
        known |= {
            w.queue
            for w in selectors.widget_list_all()
            if w.client_id == client.pk and w.provider_id == provider.pk and w.queue
        }
        if len(known) == 1:
            return next(iter(known))
        if known:
            raise CommandError(
                f"{client.slug}'s chats with {provider.slug} use several queues "
                f"({', '.join(sorted(known))}): name one with --queue.",
                returncode=2,
            )
        raise CommandError(
            f"Name the queue {provider.slug}'s agents take {client.slug}'s chats from with --queue "
            "(agents see a chat when its queue is among their skills).",
            returncode=2,
        )

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
