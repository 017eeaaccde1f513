"""What each role's home offers: the things the role can do in Kefu today, each a link.

A duty names the page it leads to and the navigation section that guards it; the home shows a
duty only when that section is in the user's navigation (so the shell imports no app's
permissions) and its page exists. Work Kefu cannot do yet (scorecards, training, KPI reports)
is not promised here; README.md lists it under "Roadmap".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from kefu.core.roles import Role
from kefu.core.scope import Scope
from kefu.web.navigation import navigation_for


@dataclass(frozen=True)
class Duty:
    text: object
    url_name: str
    section: str  # the navigation entry (url name) whose permission guards the page
    query: str = ""


@dataclass(frozen=True)
class RoleHome:
    title: object
    duties: tuple[Duty, ...]


@dataclass(frozen=True)
class DutyLink:
    text: str
    url: str


_INBOX = "desk_inbox"
_PHRASES = "quick_phrases"
_WORKFORCE = "workforce"
_MY_SCHEDULE = "workforce_my_schedule"
_MEMBERS = "members"
_CHANNELS = "channel_settings"
_DASHBOARDS = "dashboards"

_HOMES: dict[Role, RoleHome] = {
    Role.AGENT: RoleHome(
        _("Agent workspace"),
        (
            Duty(_("Answer the chats, emails and calls of the clients you serve"), _INBOX, _INBOX),
            Duty(
                _("Classify and resolve each conversation, or escalate it to the client's after-sales staff"),
                _INBOX,
                _INBOX,
                "view=mine",
            ),
            Duty(_("Reply faster with quick phrases (type / in the reply box)"), _PHRASES, _PHRASES),
            Duty(_("See your shifts"), _MY_SCHEDULE, _MY_SCHEDULE),
            Duty(
                _("See your own figures: replies, response times, satisfaction"), "dashboard_me", _DASHBOARDS
            ),
        ),
    ),
    Role.SUPERVISOR: RoleHome(
        _("Team lead"),
        (
            Duty(_("Watch the conversations at risk of breaching the SLA"), _INBOX, _INBOX, "view=at_risk"),
            Duty(_("Assign and transfer conversations"), _INBOX, _INBOX, "view=unassigned"),
            Duty(_("Keep the quick phrases up to date"), _PHRASES, _PHRASES),
            Duty(_("Decide on shift swap and leave requests"), "workforce_requests", _WORKFORCE),
            Duty(_("Look after the support mailboxes"), _CHANNELS, _CHANNELS),
            Duty(
                _("Watch each team's figures and control charts against the targets"),
                _DASHBOARDS,
                _DASHBOARDS,
            ),
        ),
    ),
    Role.QA_INSPECTOR: RoleHome(
        _("Quality inspection"),
        (
            Duty(
                _("Read the conversations of the clients you serve"),
                _INBOX,
                _INBOX,
                "view=all",
            ),
            Duty(_("See your shifts"), _MY_SCHEDULE, _MY_SCHEDULE),
        ),
    ),
    Role.TRAINER: RoleHome(
        _("Training"),
        (
            Duty(_("Read the quick phrases agents answer with"), _PHRASES, _PHRASES),
            Duty(_("See who is on the team"), _MEMBERS, _MEMBERS),
            Duty(_("See your shifts"), _MY_SCHEDULE, _MY_SCHEDULE),
        ),
    ),
    Role.WORKFORCE_PLANNER: RoleHome(
        _("Workforce planning"),
        (
            Duty(_("Forecast volume from Kefu's records or an imported history"), _WORKFORCE, _WORKFORCE),
            Duty(_("Staff to the service level (Erlang C / A)"), "workforce_staffing", _WORKFORCE),
            Duty(_("Build and publish shift schedules"), "workforce_schedules", _WORKFORCE),
            Duty(_("Check capacity against the plan"), "workforce_capacity", _WORKFORCE),
            Duty(_("Decide on shift swap and leave requests"), "workforce_requests", _WORKFORCE),
        ),
    ),
    Role.ACCOUNT_MANAGER: RoleHome(
        _("Account management"),
        (
            Duty(_("Follow your clients' conversations"), _INBOX, _INBOX, "view=all"),
            Duty(_("See each client's channels and chat widgets"), _CHANNELS, _CHANNELS),
            Duty(_("See the forecasts and staffing plans"), _WORKFORCE, _WORKFORCE),
            Duty(_("Compare your clients' figures with their targets"), _DASHBOARDS, _DASHBOARDS),
        ),
    ),
    Role.PROVIDER_ADMIN: RoleHome(
        _("Provider administration"),
        (
            Duty(_("Manage staff and roles"), _MEMBERS, _MEMBERS),
            Duty(_("Set security policy"), "security", "security"),
            Duty(_("Review the audit log"), "audit_log", "audit_log"),
            Duty(_("Set up mailboxes, phone systems, webhooks and chat widgets"), _CHANNELS, _CHANNELS),
        ),
    ),
    Role.CLIENT_ADMIN: RoleHome(
        _("Client administration"),
        (
            Duty(_("Manage your team"), _MEMBERS, _MEMBERS),
            Duty(_("Require two-factor sign-in of providers"), "security", "security"),
            Duty(_("See who read your customers' data"), "access_log", "access_log"),
            Duty(_("Set your own statuses and problem categories"), "desk_settings", _INBOX),
            Duty(_("Declare campaigns so your providers staff for them"), _WORKFORCE, _WORKFORCE),
        ),
    ),
    Role.CLIENT_MANAGER: RoleHome(
        _("Client manager"),
        (
            Duty(
                _("Follow your conversations, including those at risk of breaching the SLA"),
                _INBOX,
                _INBOX,
                "view=at_risk",
            ),
            Duty(_("See who read your customers' data"), "access_log", "access_log"),
            Duty(_("Declare campaigns so your providers staff for them"), _WORKFORCE, _WORKFORCE),
        ),
    ),
    Role.CLIENT_L2: RoleHome(
        _("After-sales (L2)"),
        (
            Duty(_("Handle the conversations your providers escalate"), _INBOX, _INBOX, "view=pending_l2"),
            Duty(_("Hand them back when done"), _INBOX, _INBOX, "view=pending_l2"),
        ),
    ),
    Role.CLIENT_VIEWER: RoleHome(
        _("Viewer"), (Duty(_("Read your customers' conversations"), _INBOX, _INBOX, "view=all"),)
    ),
    Role.PLATFORM_ADMIN: RoleHome(
        _("Platform administration"),
        (
            Duty(_("Review the audit log of every tenant"), "audit_log", "audit_log"),
            Duty(_("Manage members and roles"), _MEMBERS, _MEMBERS),
        ),
    ),
}


def role_home(role: str) -> RoleHome:
    try:
        return _HOMES[Role(role)]
    except ValueError:
        return RoleHome(_("Home"), ())


def duty_links(scope: Scope, home: RoleHome) -> list[DutyLink]:
    """The home's duties this user can open now: their section is in the navigation, their page exists."""
    visible = {item.url for item in navigation_for(scope, "/")}
    links = []
    for duty in home.duties:
        try:
            section, url = reverse(duty.section), reverse(duty.url_name)
        except NoReverseMatch:
            continue
        if section in visible:
            links.append(DutyLink(str(duty.text), f"{url}?{duty.query}" if duty.query else url))
    return links
