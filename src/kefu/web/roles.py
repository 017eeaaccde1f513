"""What each role's home says it is for: the duties the role holds in an engagement."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from kefu.core.roles import Role


@dataclass(frozen=True)
class RoleHome:
    title: object
    duties: tuple[object, ...]


_HOMES: dict[Role, RoleHome] = {
    Role.AGENT: RoleHome(
        _("Agent workspace"),
        (
            _("Answer chats, calls and emails for the clients you serve"),
            _("Record and classify every problem"),
            _("Escalate by the client's after-sales rules"),
        ),
    ),
    Role.SUPERVISOR: RoleHome(
        _("Team lead"),
        (_("Watch the queues and service levels"), _("Coach agents"), _("Approve schedule changes")),
    ),
    Role.QA_INSPECTOR: RoleHome(
        _("Quality inspection"),
        (
            _("Review yesterday's conversations"),
            _("Score against the scorecards"),
            _("Feed findings into training"),
        ),
    ),
    Role.TRAINER: RoleHome(
        _("Training"),
        (_("Run client-product training"), _("Examine new agents"), _("Follow up on quality findings")),
    ),
    Role.WORKFORCE_PLANNER: RoleHome(
        _("Workforce planning"),
        (_("Forecast volume"), _("Staff to the service level"), _("Publish shift schedules")),
    ),
    Role.ACCOUNT_MANAGER: RoleHome(
        _("Account management"),
        (_("Keep each client's engagement healthy"), _("Report KPIs"), _("Handle onboarding and renewals")),
    ),
    Role.PROVIDER_ADMIN: RoleHome(
        _("Provider administration"),
        (_("Manage staff and roles"), _("Set security policy"), _("Review the audit log")),
    ),
    Role.CLIENT_ADMIN: RoleHome(
        _("Client administration"),
        (
            _("Manage your team"),
            _("Require two-factor sign-in of providers"),
            _("See who read your customers' data"),
        ),
    ),
    Role.CLIENT_MANAGER: RoleHome(
        _("Client manager"),
        (
            _("Watch your providers' KPIs and SLAs"),
            _("Trace every figure to its records"),
            _("See who read your customers' data"),
        ),
    ),
    Role.CLIENT_L2: RoleHome(
        _("After-sales (L2)"),
        (_("Handle the cases your providers escalate"), _("Hand cases back when done")),
    ),
    Role.CLIENT_VIEWER: RoleHome(_("Viewer"), (_("Follow your providers' service figures"),)),
    Role.PLATFORM_ADMIN: RoleHome(
        _("Platform administration"), (_("Manage organisations"), _("Review the audit log of every tenant"))
    ),
}


def role_home(role: str) -> RoleHome:
    try:
        return _HOMES[Role(role)]
    except ValueError:
        return RoleHome(_("Home"), ())
