from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.connectors import cti, selectors, services
from kefu.core.errors import KefuError
from kefu.tenancy import selectors as tenancy_selectors


class Command(BaseCommand):
    help = (
        "Phone (CTI) endpoints: `kefu cti create --client SLUG [--provider SLUG]` prints the URL, "
        "key and secret the telephony system signs its call events with (the secret only once); "
        "`kefu cti list`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a client's CTI endpoint; prints its key and secret.")
        create.add_argument("--client", required=True, help="Client short name (whose customers call).")
        create.add_argument("--provider", default="", help="Provider short name whose agents answer.")
        create.add_argument("--name", default="")
        create.add_argument(
            "--agent", action="append", default=[], help="PBX agent id=Kefu username (repeat)."
        )
        create.add_argument("--base-url", default="", help="Public address of Kefu (default KEFU_BASE_URL).")
        create.add_argument("--json", action="store_true")
        sub.add_parser("list", help="List CTI endpoints (never their secrets).")

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

    def _create(self, options: dict[str, Any]) -> None:
        client = self._org(options["client"], "client")
        provider = self._org(options["provider"], "provider") if options["provider"] else None
        if provider is not None and client.pk not in tenancy_selectors.partner_ids(provider):
            raise CommandError(f"{provider.slug} does not serve {client.slug}.", returncode=2)
        agent_map = {}
        for pair in options["agent"]:
            external, sep, username = pair.partition("=")
            if not sep or not external or not username:
                raise CommandError(f"--agent takes PBX_ID=USERNAME, not {pair!r}.", returncode=2)
            agent_map[external] = username
        scope = services.operator_scope(client_id=client.pk, provider_id=provider.pk if provider else None)
        endpoint, secret = cti.cti_endpoint_create(
            scope,
            client_id=client.pk,
            provider_id=provider.pk if provider else None,
            name=options["name"],
            agent_map=agent_map,
        )
        base = (options.get("base_url") or settings.KEFU_BASE_URL).rstrip("/")
        url = f"{base}/connectors/cti/{endpoint.endpoint_key}/events"
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {"id": endpoint.pk, "endpoint_key": endpoint.endpoint_key, "secret": secret, "url": url}
                )
            )
            return
        self.stdout.write(f"url:    {url}\nkey:    {endpoint.endpoint_key}\nsecret: {secret}")
        self.stdout.write("Keep the secret now: it is not shown again.")

    def _list(self, options: dict[str, Any]) -> None:
        for endpoint in selectors.cti_endpoint_list_all():
            state = "on" if endpoint.enabled else "off"
            self.stdout.write(
                f"#{endpoint.pk} client={endpoint.client_id} provider={endpoint.provider_id} {state} "
                f"{endpoint.endpoint_key} {endpoint.name}"
            )
