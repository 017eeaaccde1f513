from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kefu.core.errors import KefuError
from kefu.core.roles import ROLES_BY_KIND, Role
from kefu.core.scope import OrgKind
from kefu.tenancy import selectors, services


class Command(BaseCommand):
    help = (
        "Set up organisations on a real installation: "
        "`kefu org create`, `kefu org link`, `kefu org add-user`, `kefu org list`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a provider, client or platform organisation.")
        create.add_argument("--kind", required=True, choices=[k.value for k in OrgKind])
        create.add_argument("--name", required=True)
        create.add_argument("--slug", required=True, help="Short name (letters, digits, -).")
        create.add_argument("--category", default="")
        link = sub.add_parser("link", help="Record that a provider serves a client.")
        link.add_argument("--provider", required=True, help="Provider short name.")
        link.add_argument("--client", required=True, help="Client short name.")
        add_user = sub.add_parser(
            "add-user", help="Create a user (or reuse one) with a role in an organisation."
        )
        add_user.add_argument("--org", required=True, help="Organisation short name.")
        add_user.add_argument("--username", required=True)
        add_user.add_argument("--password", required=True)
        add_user.add_argument("--role", required=True, choices=[r.value for r in Role])
        add_user.add_argument("--email", default="")
        add_user.add_argument("--display-name", default="")
        sub.add_parser("list", help="List organisations and who serves whom.")
        for sub_parser in (create, link, add_user):
            sub_parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = getattr(self, "_" + options["action"].replace("-", "_"))(options)
        except KefuError as exc:
            raise CommandError(str(exc.message), returncode=2) from None
        if options.get("json"):
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        elif result is not None:
            self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))

    def _org(self, slug: str) -> Any:
        organization = selectors.organization_by_slug(slug)
        if organization is None:
            raise CommandError(f"No organisation with short name {slug!r}.", returncode=2)
        return organization

    def _create(self, options: dict[str, Any]) -> dict[str, Any]:
        organization = services.organization_create(
            kind=options["kind"], name=options["name"], slug=options["slug"], category=options["category"]
        )
        return {"id": organization.pk, "kind": organization.kind, "slug": organization.slug}

    def _link(self, options: dict[str, Any]) -> dict[str, Any]:
        engagement = services.engagement_create(
            provider=self._org(options["provider"]), client=self._org(options["client"])
        )
        return {"engagement_id": engagement.pk, "provider": options["provider"], "client": options["client"]}

    @transaction.atomic
    def _add_user(self, options: dict[str, Any]) -> dict[str, Any]:
        organization = self._org(options["org"])
        role = Role(options["role"])
        if role not in ROLES_BY_KIND[OrgKind(organization.kind)]:
            raise CommandError(f"A {organization.kind} has no role {role.value!r}.", returncode=2)
        user = services.user_add_to_organization(
            username=options["username"],
            password=options["password"],
            email=options["email"],
            display_name=options["display_name"],
            organization=organization,
            role=role,
        )
        return {"user_id": user.pk, "username": user.username, "org": organization.slug, "role": role.value}

    def _list(self, options: dict[str, Any]) -> None:
        for organization in selectors.organization_list_all():
            partners = ", ".join(o.slug for o in selectors.organization_partners(organization))
            self.stdout.write(
                f"{organization.kind:<9} {organization.slug:<16} {organization.name}  → {partners}"
            )
