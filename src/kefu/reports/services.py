"""Writes of the report archive: generate (idempotent), send, edit the recipients, the morning job.

A report is one provider's account to one client: its figures are computed with that pair's
scope (what the provider did for the client), whoever asks for it, so the same period gives
the same report. It is stored once with the day's event-log digests; asking again returns the
stored one. The morning job makes yesterday's report of every active engagement once the day
is sealed, and the previous month's review on the first days of a month, and mails each once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.analytics.metrics import timezones
from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.core.roles import Role, permissions_for
from kefu.core.scope import Scope
from kefu.reports import exports, figure_selectors, selectors, tables
from kefu.reports.models import Report, ReportDelivery, ReportKind, ReportRecipient
from kefu.reports.permissions import ReportPerm
from kefu.tenancy import selectors as tenancy_selectors
from kefu.tenancy import services as tenancy_services

log = logging.getLogger(__name__)
MAX_RECIPIENTS = 20


def pair_scope(provider_id: int, client_id: int) -> Scope:
    """The provider's view of its work for this one client, acting for nobody in particular."""
    return Scope.of_tenant(
        provider_id=provider_id,
        client_id=client_id,
        permissions=permissions_for(Role.PROVIDER_ADMIN),
        role="system",
    )


def digest_sha256(snapshot: dict[str, Any], digests: list[dict[str, Any]]) -> str:
    """The hash of what was sent: figures and digests, canonical JSON (sorted keys, no spaces)."""
    body = json.dumps({"snapshot": snapshot, "digests": digests}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def _check_over(kind: str, client_id: int, start: date) -> tuple[date, date]:
    first, last = selectors.period_of(kind, start)
    today = clock.now().astimezone(timezones.client_time_zone(client_id)).date()
    if last >= today:
        raise Invalid(_("A report covers a period that is over: choose an earlier date."), field="date")
    return first, last


def _names(provider_id: int, client_id: int) -> dict[int, str]:
    everyone = Scope.platform(user_id=None, organization_id=None, permissions=frozenset())
    return dict(
        tenancy_selectors.organization_list(everyone)
        .filter(pk__in=[provider_id, client_id])
        .values_list("pk", "name")
    )


def _make(provider_id: int, client_id: int, kind: str, start: date, *, user_id: int | None) -> Report:
    """Compute and store one report; the stored one when it exists (idempotent, race-safe)."""
    scope = pair_scope(provider_id, client_id)
    found = selectors.report_find(
        scope, provider_id=provider_id, client_id=client_id, kind=kind, period_start=start
    )
    if found is not None:
        return found
    first, last = selectors.period_of(kind, start)
    digests = figure_selectors.period_digests(scope, client_id=client_id, day=last)
    if not digests and figure_selectors.day_has_events(scope, client_id=client_id, day=last):
        raise Conflict(
            _("The events of %(day)s are not sealed yet; the report waits for that day's digest.")
            % {"day": last.isoformat()},
            field="date",
        )
    if kind == ReportKind.DAILY:
        snapshot = figure_selectors.daily_figures(scope, client_id=client_id, day=first)
    else:
        snapshot = figure_selectors.monthly_review(scope, client_id=client_id, month=first)
    names = _names(provider_id, client_id)
    snapshot["client"] = {"id": client_id, "name": names.get(client_id, "")}
    snapshot["provider"] = {"id": provider_id, "name": names.get(provider_id, "")}
    snapshot["generated_at"] = clock.now().isoformat(timespec="seconds")
    try:
        with transaction.atomic():
            return Report.objects.create(
                provider_id=provider_id,
                client_id=client_id,
                kind=kind,
                period_start=first,
                period_end=last,
                tz=snapshot["time_zone"],
                snapshot=snapshot,
                digests=digests,
                sha256=digest_sha256(snapshot, digests),
                created_at=clock.now(),
                created_by_id=user_id,
            )
    except IntegrityError:  # another worker stored it first: theirs is the report
        found = selectors.report_find(
            scope, provider_id=provider_id, client_id=client_id, kind=kind, period_start=start
        )
        if found is None:
            raise
        return found


def _providers_for(scope: Scope, client_id: int) -> list[int]:
    """Whose reports the actor may ask for: its own (a provider), every serving provider (a client)."""
    if not scope.all_tenants and client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."), field="client")
    serving = {p for p, c in selectors.serving_pairs() if c == client_id}
    if scope.is_provider:
        return [scope.provider_id] if scope.provider_id in serving else []
    return sorted(serving)


def report_generate(scope: Scope, *, client_id: int, kind: str, period: str | date) -> list[Report]:
    """The client's report(s) of a period that is over: stored ones are returned unchanged."""
    scope.require(ReportPerm.GENERATE)
    start = selectors.parse_period(kind, period)
    providers = _providers_for(scope, client_id)
    _check_over(kind, client_id, start)
    if not providers:
        raise Invalid(_("No provider serves this client."), field="client")
    made = [_make(p, client_id, kind, start, user_id=scope.user_id) for p in providers]
    tenancy_services.audit_record(
        scope,
        action="reports.generate",
        client_id=client_id,
        data={"kind": kind, "period": start.isoformat(), "reports": [r.pk for r in made]},
    )
    return made


# --- sending ---------------------------------------------------------------------------------------
def _deliver(report: Report, *, user_id: int | None) -> ReportDelivery | None:
    scope = pair_scope(report.provider_id, report.client_id)
    addresses = list(
        selectors.recipient_list(scope, client_id=report.client_id).values_list("email", flat=True)
    )
    if not addresses:
        return None
    snapshot = report.snapshot
    with translation.override(settings.KEFU_REPORTS_LANGUAGE):
        title = _("%(kind)s of %(client)s, %(period)s") % {
            "kind": ReportKind(report.kind).label,
            "client": snapshot["client"]["name"],
            "period": snapshot.get("date") or snapshot.get("month"),
        }
        body = render_to_string("reports/email.txt", {"report": report, "s": snapshot})
        workbook = exports.to_xlsx(tables.report_tables(snapshot, report.digests))
    message = EmailMessage(subject=title, body=body, to=addresses)
    message.attach(
        f"kefu-report-{report.kind}-{report.period_start:%Y%m%d}.xlsx", workbook, exports.XLSX_TYPE
    )
    message.send()
    return ReportDelivery.objects.create(
        provider_id=report.provider_id,
        client_id=report.client_id,
        report=report,
        sent_at=clock.now(),
        recipients=addresses,
        sent_by_id=user_id,
    )


def report_send(scope: Scope, *, report_id: int) -> ReportDelivery:
    """Mail an archived report to its client's recipients (again, if it was sent before)."""
    scope.require(ReportPerm.SEND)
    report = selectors.report_get(scope, report_id=report_id)
    delivery = _deliver(report, user_id=scope.user_id)
    if delivery is None:
        raise Invalid(_("The client has no report recipients yet."), field="recipients")
    tenancy_services.audit_record(
        scope,
        action="reports.send",
        target=report,
        client_id=report.client_id,
        data={"to": delivery.recipients},
    )
    return delivery


# --- recipients --------------------------------------------------------------------------------------
def _require_manage(scope: Scope, client_id: int) -> None:
    scope.require(ReportPerm.MANAGE_RECIPIENTS)
    if not scope.all_tenants and client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."), field="client")


@transaction.atomic
def recipient_add(scope: Scope, *, client_id: int, email: str, name: str = "") -> ReportRecipient:
    _require_manage(scope, client_id)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except Exception:
        raise Invalid(_("Enter a valid e-mail address."), field="email") from None
    if len(email) > 254:
        raise Invalid(_("Enter a valid e-mail address."), field="email")
    name = (name or "").strip()
    if len(name) > 120:
        raise Invalid(_("At most 120 characters."), field="name")
    existing = selectors.recipient_list(scope, client_id=client_id)
    if existing.filter(email=email).exists():
        raise Conflict(_("This address already receives the reports."), field="email")
    if existing.count() >= MAX_RECIPIENTS:
        raise Invalid(_("At most %(count)d recipients.") % {"count": MAX_RECIPIENTS}, field="email")
    recipient = ReportRecipient.objects.create(
        provider_id=None, client_id=client_id, email=email, name=name, created_at=clock.now()
    )
    tenancy_services.audit_record(
        scope, action="reports.recipient_add", target=recipient, client_id=client_id, data={"email": email}
    )
    return recipient


@transaction.atomic
def recipient_remove(scope: Scope, *, recipient_id: int) -> None:
    recipient = selectors.recipient_get(scope, recipient_id=recipient_id)
    if not scope.has(ReportPerm.MANAGE_RECIPIENTS):
        raise PermissionDenied()
    tenancy_services.audit_record(
        scope,
        action="reports.recipient_remove",
        target=recipient,
        client_id=recipient.client_id,
        data={"email": recipient.email},
    )
    recipient.delete()


# --- the morning job ----------------------------------------------------------------------------------
def _due(provider_id: int, client_id: int, kind: str, start: date) -> str:
    """Make (once) and mail (once) one report that is due; a short word for the job's line."""
    try:
        report = _make(provider_id, client_id, kind, start, user_id=None)
    except Conflict:
        return "waiting"
    if report.deliveries.exists():
        return "already sent"
    return "sent" if _deliver(report, user_id=None) is not None else "no recipients"


def reports_due(now: datetime | None = None) -> str:
    """The worker's periodic job: once it is past `KEFU_REPORTS_HOUR` in the client's time zone,
    yesterday's daily report of every engagement (and, in the first week of a month, last
    month's review), each made once and mailed once."""
    now = now or clock.now()
    tally: dict[str, int] = {}
    for provider_id, client_id in selectors.serving_pairs():
        local = now.astimezone(timezones.client_time_zone(client_id))
        if local.hour < settings.KEFU_REPORTS_HOUR:
            continue
        due = [(ReportKind.DAILY, local.date() - timedelta(days=1))]
        if local.day <= 7:
            due.append((ReportKind.MONTHLY, (local.date().replace(day=1) - timedelta(days=1)).replace(day=1)))
        for kind, start in due:
            try:
                word = _due(provider_id, client_id, kind, start)
            except Exception:  # one client's failure (a mail server down) must not stop the others
                log.exception("report %s of %s/%s for %s failed", kind, provider_id, client_id, start)
                word = "failed"
            tally[word] = tally.get(word, 0) + 1
    return "reports: " + (", ".join(f"{n} {word}" for word, n in sorted(tally.items())) or "none due")


def demo_load(*, today: date, days: int) -> int:
    """The demo's archive: the last `days` days' reports of every engagement (not mailed)."""
    made = 0
    for provider_id, client_id in selectors.serving_pairs():
        for back in range(days, 0, -1):
            try:
                _make(provider_id, client_id, ReportKind.DAILY, today - timedelta(days=back), user_id=None)
            except Conflict:
                continue
            made += 1
    return made
