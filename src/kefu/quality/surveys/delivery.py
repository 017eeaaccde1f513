"""The periodic job `quality.surveys` (`KEFU_PERIODIC_JOBS`): queues the automatic links after
e-mail and phone conversations (surveys with `auto_send`, `queue_automatic`), sends the queued survey links by
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
from django.db.models import DateTimeField, Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.scope import Scope
from kefu.desk import selectors as desk_selectors
from kefu.desk.permissions import DeskPerm
from kefu.quality.models import (
    InvitationStatus,
    SurveyAnswer,
    SurveyDefinition,
    SurveyInvitation,
    SurveyMedium,
)
from kefu.quality.permissions import QualityPerm
from kefu.quality.services import ANSWERABLE_STATUSES
from kefu.quality.surveys import links, services, sms
from kefu.tenancy.models import Organization
from kefu.tenancy.selectors import partner_ids

log = logging.getLogger(__name__)
BATCH = 200
CLAIM_S = 60
AUTO_LOOKBACK = timedelta(days=2)  # a survey switched on never asks about older conversations
AUTO_PERMISSIONS = frozenset({DeskPerm.VIEW, QualityPerm.SEND_SURVEYS})


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


def queue_automatic(*, limit: int = BATCH) -> int:
    """Queue the automatic link of every e-mail and phone conversation resolved (or closed) since
    its survey's `auto_send` was switched on, `send_delay_minutes` ago or more, and never asked
    nor answered. Idempotent: a conversation gets one link, ever (the service checks again under
    the conversation's lock)."""
    now = clock.now()
    queued = 0
    automatic = SurveyDefinition.all_tenants.filter(
        is_current=True, auto_send=True, auto_since__isnull=False, provider_id__isnull=False
    ).exclude(channel__in=("chat", "api"))
    serving: dict[int, frozenset[int]] = {}
    for definition in automatic.order_by("pk"):
        provider_id = definition.provider_id
        if provider_id not in serving:
            provider = Organization.objects.filter(pk=provider_id).first()
            serving[provider_id] = partner_ids(provider) if provider else frozenset()
        if definition.client_id not in serving[provider_id]:
            continue  # no longer served: nothing to ask for
        scope = Scope.system(
            provider_id=provider_id,
            client_ids=frozenset({definition.client_id}),
            permissions=AUTO_PERMISSIONS,
        )
        channels = [definition.channel] if definition.channel else list(services.AUTO_MEDIA)
        asked = SurveyInvitation.objects.for_scope(scope).filter(conversation_id=OuterRef("pk"))
        answered = SurveyAnswer.objects.for_scope(scope).filter(conversation_id=OuterRef("pk"))
        due = (
            desk_selectors.conversation_list(scope)
            .filter(
                provider_id=provider_id,
                client_id=definition.client_id,
                channel__in=channels,
                status__in=ANSWERABLE_STATUSES,
            )
            # a conversation closed without being resolved counts from its last change
            .annotate(finished_at=Coalesce("resolved_at", "updated_at", output_field=DateTimeField()))
            .filter(
                finished_at__gte=max(definition.auto_since, now - AUTO_LOOKBACK),
                finished_at__lte=now - timedelta(minutes=definition.send_delay_minutes),
            )
            .exclude(Exists(asked))
            .exclude(Exists(answered))
            .order_by("finished_at", "pk")
            .values_list("pk", flat=True)
        )
        for conversation_id in list(due[: limit - queued]):
            queued += services.survey_invitation_auto(scope, conversation_id=conversation_id) is not None
        if queued >= limit:
            break
    return queued


def deliver_due(*, limit: int = BATCH) -> str:
    """Queue the automatic links, send due links and reminders; a summary line for the worker's
    log."""
    queued = queue_automatic(limit=limit)
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
    return f"survey links queued {queued}, sent {sent}, reminders {reminded}"
