"""Writes of surveys: definitions (a change stores the next version), invitations by e-mail or
SMS link, and the customer's answer through a signed link (docs/quality-surveys.md).

The answer itself is stored by `quality.services.survey_answer_record`, which writes the
`survey_answered` event in the same transaction, so metrics read it from the event log.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core import clock
from kefu.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from kefu.core.scope import Scope, new_row_keys
from kefu.desk import selectors as desk_selectors
from kefu.desk.permissions import DeskPerm
from kefu.quality import services as quality_services
from kefu.quality.models import (
    InvitationStatus,
    SurveyAnswer,
    SurveyDefinition,
    SurveyInvitation,
    SurveyMedium,
)
from kefu.quality.permissions import QualityPerm
from kefu.quality.surveys import links, selectors
from kefu.quality.surveys import questions as core
from kefu.tenancy import services as tenancy_services

CHANNELS = ("chat", "email", "phone", "api")
MAX_NAME = 120
MAX_LINK_HOURS = 24 * 30
MAX_DELAY_MINUTES = 24 * 60
LINK_MEDIA = (SurveyMedium.EMAIL, SurveyMedium.SMS)
AUTO_MEDIA = {"email": SurveyMedium.EMAIL, "phone": SurveyMedium.SMS}  # channel → how it is asked
LINK_PERMISSIONS = frozenset({DeskPerm.VIEW, QualityPerm.RECORD_SURVEY})


class LinkExpired(Conflict):
    code = "link_expired"


class LinkUsed(Conflict):
    code = "already_answered"


def definition_error(exc: core.DefinitionError, *, field: str = "questions") -> Invalid:
    message = _(exc.message) % exc.params if exc.params else _(exc.message)
    if exc.line is not None:
        message = _("Line %(line)d: %(message)s") % {"line": exc.line, "message": message}
    return Invalid(message, field=field)


def _questions(questions: list[dict[str, Any]] | None, text: str | None) -> list[dict[str, Any]]:
    try:
        parsed = core.parse_lines(text) if text is not None else core.parse_questions(questions or [])
    except core.DefinitionError as exc:
        raise definition_error(exc) from None
    return [q.to_json() for q in parsed]


def _line(value: str | None, field: str, *, required: bool, limit: int = 200) -> str:
    value = (value or "").strip()
    if (required and not value) or len(value) > limit:
        raise Invalid(_("A text of 1 to %(n)d characters.") % {"n": limit}, field=field)
    return value


def _values(values: dict[str, Any]) -> dict[str, Any]:
    """The checked fields of a definition (shared by create and update)."""
    channel = values.get("channel") or ""
    if channel not in ("", *CHANNELS):
        raise Invalid(_("Unknown channel."), field="channel")
    link_hours, reminder_hours = values.get("link_hours", 72), values.get("reminder_hours", 24)
    if not isinstance(link_hours, int) or not 1 <= link_hours <= MAX_LINK_HOURS:
        raise Invalid(_("From 1 to %(n)d hours.") % {"n": MAX_LINK_HOURS}, field="link_hours")
    if not isinstance(reminder_hours, int) or not 0 <= reminder_hours < link_hours:
        raise Invalid(_("0 (no reminder) or fewer hours than the link is valid."), field="reminder_hours")
    ask_nps = bool(values.get("ask_nps", True))
    delay = values.get("send_delay_minutes")
    delay = 30 if delay is None else delay
    if not isinstance(delay, int) or not 0 <= delay <= MAX_DELAY_MINUTES:
        raise Invalid(_("From 0 to %(n)d minutes.") % {"n": MAX_DELAY_MINUTES}, field="send_delay_minutes")
    return {
        "name": _line(values.get("name"), "name", required=True, limit=MAX_NAME),
        "channel": channel,
        "csat_text": _line(values.get("csat_text"), "csat_text", required=True),
        "ask_nps": ask_nps,
        "nps_text": _line(values.get("nps_text"), "nps_text", required=ask_nps),
        "questions": _questions(values.get("questions"), values.get("questions_text")),
        "link_hours": link_hours,
        "reminder_hours": reminder_hours,
        "auto_send": bool(values.get("auto_send", False)),
        "send_delay_minutes": delay,
    }


@transaction.atomic
def survey_definition_create(scope: Scope, *, client_id: int | None, **values: Any) -> SurveyDefinition:
    """A provider's survey for one of its clients (version 1, current). `values`: name, channel,
    csat_text, ask_nps, nps_text, questions (JSON) or questions_text (the editor's lines),
    link_hours, reminder_hours, auto_send, send_delay_minutes."""
    scope.require(QualityPerm.MANAGE_SURVEYS)
    if not scope.is_provider:
        raise PermissionDenied()
    keys = new_row_keys(scope, client_id=client_id)
    checked, now = _values(values), clock.now()
    row = SurveyDefinition.objects.create(
        provider_id=keys.provider_id,
        client_id=keys.client_id,
        version=1,
        is_current=True,
        created_by_id=scope.user_id,
        created_at=now,
        auto_since=now if checked["auto_send"] else None,
        **checked,
    )
    row.family = row.pk
    row.save(update_fields=["family"])
    tenancy_services.audit_record(scope, action="quality.survey_create", target=row, client_id=row.client_id)
    return row


@transaction.atomic
def survey_definition_update(scope: Scope, *, definition_id: int, **values: Any) -> SurveyDefinition:
    """The next version of a survey (the given one must be current); answers keep the version
    they were asked with. Fields not given keep their value."""
    scope.require(QualityPerm.MANAGE_SURVEYS)
    old = selectors.definition_get(scope, definition_id=definition_id, for_update=True)
    if old.provider_id != scope.provider_id:
        raise NotFound()
    if not old.is_current:
        raise Invalid(_("Edit the current version of this survey."), field="definition_id")
    merged = {
        name: getattr(old, name)
        for name in (
            "name",
            "channel",
            "csat_text",
            "ask_nps",
            "nps_text",
            "link_hours",
            "reminder_hours",
            "auto_send",
            "send_delay_minutes",
        )
    }
    merged["questions"] = old.questions
    merged.update({k: v for k, v in values.items() if v is not None})
    last = max(v.version for v in selectors.definition_versions(scope, definition=old))
    checked, now = _values(merged), clock.now()
    # automatic links cover conversations finished since they were switched on (kept across versions)
    auto_since = (old.auto_since or now) if checked["auto_send"] else None
    old.is_current = False
    old.save(update_fields=["is_current"])
    row = SurveyDefinition.objects.create(
        provider_id=old.provider_id,
        client_id=old.client_id,
        family=old.family,
        version=last + 1,
        is_current=True,
        created_by_id=scope.user_id,
        created_at=now,
        auto_since=auto_since,
        **checked,
    )
    tenancy_services.audit_record(
        scope,
        action="quality.survey_update",
        target=row,
        client_id=row.client_id,
        data={"version": [old.version, row.version]},
    )
    return row


@transaction.atomic
def survey_invitation_create(scope: Scope, *, conversation_id: int, medium: str) -> SurveyInvitation:
    """Queue a survey link for a finished conversation, by e-mail or SMS; the periodic job sends
    it (`delivery.deliver_due`). One open link per conversation: a second is a conflict."""
    scope.require(QualityPerm.SEND_SURVEYS)
    conversation = desk_selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    if medium not in LINK_MEDIA:
        raise Invalid(_("Send by e-mail or SMS."), field="medium")
    if conversation.status not in quality_services.ANSWERABLE_STATUSES:
        raise quality_services.NotFinished(_("This conversation is not finished yet."))
    if SurveyAnswer.objects.for_scope(scope).filter(conversation_id=conversation.pk).exists():
        raise quality_services.AlreadyAnswered(_("This conversation was already rated."))
    now = clock.now()
    if (
        SurveyInvitation.objects.for_scope(scope)
        .filter(conversation_id=conversation.pk, expires_at__gt=now)
        .exclude(status=InvitationStatus.FAILED)
        .exists()
    ):
        raise Conflict(_("A survey link for this conversation is still open."))
    definition = selectors.definition_for(
        scope,
        provider_id=conversation.provider_id,
        client_id=conversation.client_id,
        channel=conversation.channel,
    )
    if definition is None:
        raise Invalid(_("This client has no survey for this channel yet."), field="conversation_id")
    row = _invitation(conversation, definition, medium=medium, user_id=scope.user_id, now=now)
    tenancy_services.audit_record(
        scope,
        action="quality.survey_send",
        target=conversation,
        client_id=conversation.client_id,
        data={"medium": medium},
    )
    return row


def _invitation(
    conversation: Any, definition: SurveyDefinition, *, medium: str, user_id: int | None, now: datetime
) -> SurveyInvitation:
    return SurveyInvitation.objects.create(
        provider_id=conversation.provider_id,
        client_id=conversation.client_id,
        conversation=conversation,
        definition=definition,
        medium=medium,
        nonce=secrets.token_hex(16),
        created_by_id=user_id,
        created_at=now,
        expires_at=now + timedelta(hours=definition.link_hours),
        remind_at=now + timedelta(hours=definition.reminder_hours) if definition.reminder_hours else None,
    )


@transaction.atomic
def survey_invitation_auto(scope: Scope, *, conversation_id: int) -> SurveyInvitation | None:
    """The automatic link after an e-mail (e-mail link) or phone (SMS link) conversation, when its
    survey has `auto_send` on and the delay since it was resolved has passed; the periodic job
    calls it (`delivery.queue_automatic`). One per conversation, ever: None when the
    conversation was asked or answered already, is not finished or its survey is not automatic."""
    scope.require(QualityPerm.SEND_SURVEYS)
    conversation = desk_selectors.conversation_get(scope, conversation_id=conversation_id, for_update=True)
    medium = AUTO_MEDIA.get(conversation.channel)
    if medium is None or conversation.status not in quality_services.ANSWERABLE_STATUSES:
        return None
    finished_at = conversation.resolved_at or conversation.updated_at  # closed without resolving
    asked = SurveyInvitation.objects.for_scope(scope).filter(conversation_id=conversation.pk).exists()
    if asked or SurveyAnswer.objects.for_scope(scope).filter(conversation_id=conversation.pk).exists():
        return None
    definition = selectors.definition_for(
        scope,
        provider_id=conversation.provider_id,
        client_id=conversation.client_id,
        channel=conversation.channel,
    )
    now = clock.now()
    if (
        definition is None
        or not definition.auto_send
        or definition.auto_since is None
        or finished_at < definition.auto_since
        or finished_at + timedelta(minutes=definition.send_delay_minutes) > now
    ):
        return None
    return _invitation(conversation, definition, medium=medium, user_id=None, now=now)


def link_token(invitation: SurveyInvitation) -> str:
    return links.make_token(invitation.pk, invitation.nonce)


def survey_link_open(token: str) -> SurveyInvitation:
    """The invitation behind a link: NotFound for a bad or tampered one, LinkUsed once
    answered, LinkExpired after its time (checked on the row, not only in the token)."""
    read = links.read_token(token)
    invitation = selectors.invitation_for_link(*read) if read else None
    if invitation is None:
        raise NotFound()
    if invitation.answered_at is not None:
        raise LinkUsed(_("This survey was already answered. Thank you!"))
    if clock.now() >= invitation.expires_at:
        raise LinkExpired(_("This survey link has expired."))
    return invitation


def _link_scope(invitation: SurveyInvitation) -> Scope:
    return Scope.of_tenant(
        provider_id=invitation.provider_id,
        client_id=invitation.client_id,
        permissions=LINK_PERMISSIONS,
        role="channel",
    )


def survey_link_answer(
    token: str, *, score: Any, nps: Any = None, answers: dict[str, Any] | None = None, comment: Any = ""
) -> SurveyAnswer:
    """The customer answers through the link: once, before it expires. The invitation row is
    locked, so two submissions give one answer and a conflict."""
    with transaction.atomic():
        invitation = survey_link_open(token)
        SurveyInvitation.all_tenants.select_for_update().filter(pk=invitation.pk).first()
        invitation = survey_link_open(token)  # re-read under the lock
        answer = survey_answer_checked(
            _link_scope(invitation),
            conversation_id=invitation.conversation_id,
            definition=invitation.definition,
            medium=invitation.medium,
            score=score,
            nps=nps,
            answers=answers or {},
            comment=comment,
        )
        invitation.answered_at = answer.at
        invitation.remind_at = None
        invitation.save(update_fields=["answered_at", "remind_at"])
    return answer


def survey_answer_checked(
    scope: Scope,
    *,
    conversation_id: int,
    definition: SurveyDefinition | None,
    medium: str,
    score: Any,
    nps: Any = None,
    answers: dict[str, Any] | None = None,
    comment: Any = "",
) -> SurveyAnswer:
    """Check an answer against the definition asked and store it (with its event)."""
    if not isinstance(comment, str):
        raise Invalid(_("The input is not valid."), field="comment")
    try:
        csat = core.score_in(score, core.CSAT_SCALE, field="score")
        nps_value = (
            core.score_in(nps, core.NPS_SCALE, field="nps")
            if definition is not None and definition.ask_nps
            else None
        )
        further = core.check_answers(selectors.questions_of(definition), answers or {}) if definition else {}
    except core.AnswerError as exc:
        message = _(exc.message) % exc.params if exc.params else _(exc.message)
        raise Invalid(message, field=exc.field) from None
    return quality_services.survey_answer_record(
        scope,
        conversation_id=conversation_id,
        score=csat,  # type: ignore[arg-type]
        comment=comment,
        channel="",
        nps=nps_value,
        answers=further,
        definition=definition,
        medium=medium,
    )
