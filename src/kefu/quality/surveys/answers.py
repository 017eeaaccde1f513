"""Reads of survey answers across conversations: the answers list page, its API and its CSV
(docs/quality-surveys.md, "Answers across conversations"). Scoped like every tenant table: a
provider's QA inspectors, leads and admins see the answers of the clients they serve, a client
its own.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import Invalid
from kefu.core.scope import Scope
from kefu.desk.models import Channel
from kefu.quality.models import SurveyAnswer, SurveyMedium
from kefu.quality.permissions import QualityPerm
from kefu.quality.surveys import selectors

CHANNELS = ("chat", "email", "phone", "api")
NPS_GROUPS = {"promoter": (9, 10), "passive": (7, 8), "detractor": (0, 6)}
CSV_LIMIT = 50_000


@dataclass(frozen=True)
class AnswerFilter:
    client_id: int | None = None
    channel: str = ""
    agent_id: int | None = None  # the conversation's assignee
    score: int | None = None  # 1–5
    nps: str = ""  # promoter | passive | detractor
    date_from: date | None = None  # answered on or after (local day)
    date_to: date | None = None  # answered on or before

    def checked(self) -> AnswerFilter:
        if self.channel and self.channel not in CHANNELS:
            raise Invalid(_("Unknown channel."), field="channel")
        if self.score is not None and not 1 <= self.score <= 5:
            raise Invalid(_("A score from 1 to 5."), field="score")
        if self.nps and self.nps not in NPS_GROUPS:
            raise Invalid(_("Promoter, passive or detractor."), field="nps")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise Invalid(_("The first day is after the last."), field="date_from")
        return self


def day(value: str, *, field: str) -> date | None:
    """A YYYY-MM-DD day from a query string (empty: none)."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise Invalid(_("A day as YYYY-MM-DD."), field=field) from None


def answer_list(scope: Scope, *, filters: AnswerFilter | None = None) -> QuerySet[SurveyAnswer]:
    """The scope's survey answers, newest first, with their conversation, agent and survey."""
    scope.require(QualityPerm.VIEW_SURVEYS)
    f = (filters or AnswerFilter()).checked()
    rows = SurveyAnswer.objects.for_scope(scope).select_related(
        "client", "conversation__assignee", "definition"
    )
    if f.client_id is not None:
        rows = rows.filter(client_id=f.client_id)
    if f.channel:
        rows = rows.filter(channel=f.channel)
    if f.agent_id is not None:
        rows = rows.filter(conversation__assignee_id=f.agent_id)
    if f.score is not None:
        rows = rows.filter(score=f.score)
    if f.nps:
        low, high = NPS_GROUPS[f.nps]
        rows = rows.filter(nps__gte=low, nps__lte=high)
    if f.date_from is not None:
        rows = rows.filter(at__date__gte=f.date_from)
    if f.date_to is not None:
        rows = rows.filter(at__date__lte=f.date_to)
    return rows.order_by("-at", "-id")


def further_answers(answer: SurveyAnswer) -> list[tuple[str, str]]:
    """The further answers with the questions of the version the customer saw."""
    asked = selectors.questions_of(answer.definition) if answer.definition else []
    given = answer.answers or {}
    return [(q.text, str(given[q.id])) for q in asked if q.id in given]


def agent_name(answer: SurveyAnswer) -> str:
    agent = answer.conversation.assignee
    return (agent.display_name or agent.username) if agent else ""


def medium_label(medium: str) -> str:
    return str(dict(SurveyMedium.choices).get(medium, medium))


def channel_label(channel: str) -> str:
    return str(dict(Channel.choices).get(channel, channel))


CSV_TYPE = "text/csv; charset=utf-8"


def to_csv(rows: QuerySet[SurveyAnswer]) -> bytes:
    """The answers as CSV (headers in the active language), UTF-8 with a byte-order mark so Excel
    opens the Chinese headers, like the reports' exports (which a domain app may not import)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            _("Answered at"),
            _("Client"),
            _("Conversation"),
            _("Channel"),
            _("Agent"),
            _("Satisfaction (1–5)"),
            _("Recommendation (0–10)"),
            _("Comment"),
            _("Further answers"),
            _("Answered through"),
            _("Survey version"),
        ]
    )
    for answer in rows[:CSV_LIMIT]:
        writer.writerow(
            [
                timezone.localtime(answer.at).strftime("%Y-%m-%d %H:%M:%S"),
                answer.client.name if answer.client else "",
                answer.conversation_id,
                channel_label(answer.channel),
                agent_name(answer),
                answer.score,
                "" if answer.nps is None else answer.nps,
                answer.comment,
                "、".join(f"{q}: {a}" for q, a in further_answers(answer)),
                medium_label(answer.medium),
                answer.definition.version if answer.definition else "",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
