from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.core.errors import KefuError
from kefu.tenancy import selectors, services


class Command(BaseCommand):
    help = "Manage API tokens: `kefu token create --user NAME [--organization SLUG] [--name LABEL]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Print a new API token for a user.")
        create.add_argument("--user", required=True, help="Username.")
        create.add_argument("--organization", default="", help="Short name of the organisation to act for.")
        create.add_argument("--name", default="cli", help="A label for the token.")
        create.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        user = selectors.user_get_by_username(options["user"])
        if user is None:
            raise CommandError(f"No user named {options['user']!r}.", returncode=2)
        organization_id = None
        if options["organization"]:
            membership = (
                selectors.membership_list_for_user(user)
                .filter(organization__slug=options["organization"])
                .first()
            )
            if membership is None:
                raise CommandError(
                    f"{options['user']} is not a member of {options['organization']!r}.", returncode=2
                )
            organization_id = membership.organization_id
        try:
            token, raw = services.api_token_create(
                user=user, organization_id=organization_id, name=options["name"]
            )
        except KefuError as exc:
            raise CommandError(str(exc.message), returncode=2) from None
        if options["json"]:
            self.stdout.write(
                json.dumps({"token": raw, "user": user.username, "organization": token.organization.slug})
            )
        else:
            self.stdout.write(raw)
