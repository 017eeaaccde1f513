"""The periodic job `quality.surveys` (`KEFU_PERIODIC_JOBS`): sends the queued survey links by
e-mail (the desk's outbound mailbox, `connectors.email.sending.send_notice`) or SMS (`sms`), and
one reminder per unanswered link once its `remind_at` has come, never after an answer or expiry.

The invitation row is the outbox. A failed e-mail is retried on the next runs until the link
expires; a permanent failure (no address, no mailbox) is recorded and not retried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.scope import Scope
from kefu.desk import selectors as desk_selectors
from kefu.desk.permissions import DeskPerm
from kefu.quality.models import InvitationStatus, SurveyInvitation, SurveyMedium
from kefu.quality.surveys import links, sms

log = logging.getLogger(__name__)
BATCH = 200
CLAIM_S = 60


@dataclass(frozen=True)
class Outcome:
    sent: bool
    delivers: bool = True
    error: str = ""
    permanent: bool = False


def _reader(invitation: SurveyInvitation) -> Scope:
    return Scope.of_tenant(
        provider_id=invitation.provider_id,
        client_id=invitation.client_id,
        permissions=frozenset({DeskPerm.VIEW, DeskPerm.VIEW_CUSTOMERS}),
        role="system",
    )


def link_url(invitation: SurveyInvitation) -> str:
    return settings.KEFU_BASE_URL.rstrip("/") + links.link_path(
        links.make_token(invitation.pk, invitation.nonce)
    )


def _text(invitation: SurveyInvitation, *, reminder: bool) -> tuple[str, str]:
    """Subject and body in the reports' language (the customer's language is not known)."""
    shop = invitation.client.name
    with translation.override(settings.KEFU_REPORTS_LANGUAGE):
        if reminder:
            subject = _("Reminder: how did we do? (%(shop)s)") % {"shop": shop}
        else:
            subject = _("How did we do? (%(shop)s)") % {"shop": shop}
        body = _(
            "Thank you for contacting %(shop)s customer service. Please tell us how we did: "
            "%(url)s (the link works once and expires on %(expires)s)."
        ) % {
            "shop": shop,
            "url": link_url(invitation),
            "expires": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M"),
        }
    return subject, body


def _deliver(invitation: SurveyInvitation, *, reminder: bool) -> Outcome:
    from kefu.connectors.email import sending  # connectors imports quality; import late

    reader = _reader(invitation)
    conversation = desk_selectors.conversation_get(reader, conversation_id=invitation.conversation_id)
    customer = (
        desk_selectors.customer_row(reader, customer_id=conversation.customer_id)
        if conversation.customer_id
        else None
    )
    subject, body = _text(invitation, reminder=reminder)
    if invitation.medium == SurveyMedium.EMAIL:
        attempt = sending.send_notice(
            conversation, to_address=customer.email if customer else "", subject=subject, body=body
        )
        return Outcome(attempt.sent, True, attempt.error, attempt.permanent)
    number = customer.phone if customer else ""
    result = sms.send(number, body)
    return Outcome(result.accepted, result.delivers, result.error, permanent=not number)


def _claim(invitation_id: int, now: datetime, **still: object) -> bool:
    """Take one due row for a minute (an UPDATE, no transaction held while sending), so two
    workers never send it twice."""
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    claimed = SurveyInvitation.all_tenants.filter(
        free, pk=invitation_id, answered_at__isnull=True, **still
    ).update(claimed_until=now + timedelta(seconds=CLAIM_S))
    return bool(claimed)


def send_one(invitation: SurveyInvitation, now: datetime) -> SurveyInvitation:
    outcome = _deliver(invitation, reminder=False)
    if outcome.sent:
        invitation.status = InvitationStatus.SENT if outcome.delivers else InvitationStatus.LOGGED
        invitation.sent_at, invitation.last_error = now, ""
    else:
        invitation.last_error = outcome.error[:300]
        if outcome.permanent:
            invitation.status, invitation.remind_at = InvitationStatus.FAILED, None
    invitation.claimed_until = None
    invitation.save(update_fields=["status", "sent_at", "last_error", "remind_at", "claimed_until"])
    return invitation


def remind_one(invitation: SurveyInvitation, now: datetime) -> SurveyInvitation:
    outcome = _deliver(invitation, reminder=True)
    invitation.remind_at = None  # one reminder, whatever its outcome
    invitation.reminded_at = now if outcome.sent else None
    invitation.last_error = "" if outcome.sent else outcome.error[:300]
    invitation.claimed_until = None
    invitation.save(update_fields=["remind_at", "reminded_at", "last_error", "claimed_until"])
    return invitation


def deliver_due(*, limit: int = BATCH) -> str:
    """Send due links and reminders; a summary line for the worker's log."""
    now = clock.now()
    sent = reminded = 0
    pending = SurveyInvitation.all_tenants.select_related("client").filter(
        status=InvitationStatus.PENDING, answered_at__isnull=True, expires_at__gt=now
    )
    for invitation in pending.order_by("created_at", "id")[:limit]:
        if _claim(invitation.pk, now, status=InvitationStatus.PENDING):
            sent += send_one(invitation, now).status != InvitationStatus.PENDING
    due = SurveyInvitation.all_tenants.select_related("client").filter(
        remind_at__lte=now,
        answered_at__isnull=True,
        expires_at__gt=now,
        status__in=(InvitationStatus.SENT, InvitationStatus.LOGGED),
    )
    for invitation in due.order_by("remind_at", "id")[:limit]:
        if _claim(invitation.pk, now, remind_at__lte=now):
            reminded += remind_one(invitation, now).reminded_at is not None
    return f"survey links sent {sent}, reminders {reminded}"
