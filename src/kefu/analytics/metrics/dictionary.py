"""The metric dictionary: the one definition of every figure Kefu shows.

The API (`/api/metrics`), the dictionary page, the CLI, reports, dashboards and (later)
contract SLA terms read `METRICS`; nobody writes a metric's name, unit or formula anywhere
else. Names and definitions are English source strings translated in the .po (zh-Hans);
`formula` is the exact computation over the event log (docs/event-log.md), in a notation
docs/metrics.md explains, and is not translated. `kefu.analytics.metrics.compute` implements
each formula; its tests check them on hand-computed cases.

Notation in formulas: P is the period (calendar days `from`..`to` of the client's time zone,
inclusive); `E(type)` are the events of that type; "person reply" is a `message_out` event
with an agent (a public message written by a signed-in person: notes write no event,
automatic and system messages have no agent).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kefu.analytics.metrics.compute import COUNT, INTERVALS, MEAN, RATIO

HIGHER, LOWER, NEUTRAL = "higher", "lower", "neutral"
DIRECTION_LABELS = {HIGHER: _("Higher is better"), LOWER: _("Lower is better"), NEUTRAL: _("Neither")}
UNIT_LABELS = {
    "conversations": _("conversations"),
    "%": "%",
    "s": _("seconds"),
    "conversations/agent-day": _("conversations per agent per day"),
    "points": _("points"),
    "conversations at once": _("conversations held at once"),
}
FILTER_LABELS = {"client": _("Client"), "queue": _("Queue"), "channel": _("Channel"), "agent": _("Agent")}

# Which events put a conversation into the period (queries.py fetches one row per conversation)
OFFERED, FIRST_IN, FIRST_RESOLVED, SURVEY, MESSAGES, AGENT_DAY = (
    "offered", "first_in", "first_resolved", "survey", "messages", "agent_day",
)  # fmt: skip
# Records beside the event log (metrics/sources.py): agent-days of presence, decided SLA timers
PRESENCE_DAY, SLA_TIMERS = "presence_day", "sla_timers"
REVIEWS, AUTOQA = "reviews", "autoqa"  # quality: one item per review / per auto-scored conversation
ALL_FILTERS = ("client", "queue", "channel", "agent")
# How a metric rolls up (docs/metrics.md, "Rollups"): ADDITIVE metrics keep Σ numerator,
# Σ denominator and the number of items per 15-minute interval × client × queue × channel × agent
# (`analytics.rollups`), and a period's figure is summed from those rows plus the events not
# folded yet; EVENTS metrics are computed from the events every time (their records are not
# confined to one interval, or their measure is not a sum).
ADDITIVE, EVENTS = "additive", "events"
ROLLUP_LABELS = {
    ADDITIVE: _("Summed from 15-minute rollups"),
    EVENTS: _("Computed from the events each time"),
}
NO_AGENT = ("client", "queue", "channel")


@dataclass(frozen=True)
class Metric:
    id: str
    name: Promise
    definition: Promise
    formula: str
    unit: str
    direction: str
    kind: str  # compute.COUNT | RATIO | MEAN
    anchor: str = OFFERED
    filters: tuple[str, ...] = ALL_FILTERS
    intervals: tuple[str, ...] = INTERVALS
    median: bool = False  # the API also reports the median of the per-record values
    params: tuple[str, ...] = ()
    available: bool = True
    unavailable_reason: Promise | None = None
    rollup: str = EVENTS  # ADDITIVE | EVENTS
    rollup_note: Promise | None = None  # what stays on the events, and why
    count_items: bool = False  # `count` is the number of items (agent-days), not Σ denominator
    channel: str = ""  # the metric is about this channel only (conversion: chats)

    @property
    def rolls_up(self) -> bool:
        return self.available and self.rollup == ADDITIVE

    @property
    def rollup_label(self) -> str:
        return str(ROLLUP_LABELS[self.rollup])

    @property
    def unit_label(self) -> str:
        return str(UNIT_LABELS[self.unit])

    @property
    def direction_label(self) -> str:
        return str(DIRECTION_LABELS[self.direction])


_PRESENCE_NOTE = _(
    "Computed each time from the agents' presence history (kept by routing) and, for adherence, "
    "the published schedule: presence is not in the event log, so it has no 15-minute rollups."
)
_SLA_NOTE = _(
    "Computed each time by replaying the conversations' events through the SLA clock: whether a "
    "timer was met depends on the client's business hours and the whole conversation."
)
PRESENCE_FILTERS = ("client", "agent")
DAY_INTERVALS = ("day", "week", "month")

_MEDIAN_NOTE = _(
    "The mean and the count are summed from the rollups; the median is not additive and is "
    "computed from the events of the period."
)
_THRESHOLD_NOTE = _(
    "The rollups hold the default threshold (20 seconds); another threshold is computed from the events."
)
_TURNS_NOTE = _(
    "Computed from the events: a turn's wait depends on the conversation's whole order of messages, "
    "and the queue and channel filters pick conversations by any customer message in the period."
)
_AGENT_DAY_NOTE = _(
    "Computed from the events: distinct conversations per agent and local day cannot be summed "
    "from 15-minute intervals."
)

_METRICS = (
    Metric(
        id="offered",
        name=_("Contacts offered"),
        definition=_(
            "Conversations created in the period for the client, on every channel: each new "
            "conversation counts once, on the day it was created, whether or not anybody answered it."
        ),
        formula="count(E(offered) with at in P)",
        unit="conversations",
        direction=NEUTRAL,
        kind=COUNT,
        filters=NO_AGENT,
        rollup=ADDITIVE,
    ),
    Metric(
        id="handled",
        name=_("Contacts handled"),
        definition=_(
            "Conversations created in the period that received at least one public reply written "
            "by a person (so far). With the agent filter: those whose first such reply that agent wrote."
        ),
        formula="count(c in offered(P) : exists person reply of c)",
        unit="conversations",
        direction=HIGHER,
        kind=COUNT,
        rollup=ADDITIVE,
    ),
    Metric(
        id="answer_rate",
        name=_("Answer rate"),
        definition=_(
            "Share of the conversations created in the period that received at least one public "
            "reply written by a person."
        ),
        formula="100 × handled(P) / offered(P)",
        unit="%",
        direction=HIGHER,
        kind=RATIO,
        filters=NO_AGENT,
        rollup=ADDITIVE,
    ),
    Metric(
        id="abandon_rate",
        name=_("Abandon rate"),
        definition=_(
            "Share of the conversations created in the period whose customer hung up before an "
            "answer (an abandoned event; today only phone calls record one), short abandons included."
        ),
        formula="100 × count(c in offered(P) : exists E(abandoned) of c) / offered(P)",
        unit="%",
        direction=LOWER,
        kind=RATIO,
        filters=NO_AGENT,
        rollup=ADDITIVE,
    ),
    Metric(
        id="abandon_rate_excl_short",
        name=_("Abandon rate without short abandons"),
        definition=_(
            "As the abandon rate, but contacts abandoned after waiting 5 seconds or less (misdials, "
            "instant hang-ups) are left out of both the abandons and the contacts offered."
        ),
        formula=(
            "100 × count(c in offered(P) : abandoned, wait > 5 s) / "
            "count(c in offered(P) : not (abandoned with wait ≤ 5 s))"
        ),
        unit="%",
        direction=LOWER,
        kind=RATIO,
        filters=NO_AGENT,
        rollup=ADDITIVE,
    ),
    Metric(
        id="asa",
        name=_("Average speed of answer"),
        definition=_(
            "For conversations created in the period that were answered, the mean wall-clock seconds "
            "from the conversation's creation to its first public reply written by a person."
        ),
        formula="mean over c in offered(P) with a person reply of (first person reply.at − offered.at)",
        unit="s",
        direction=LOWER,
        kind=MEAN,
        median=True,
        rollup=ADDITIVE,
        rollup_note=_MEDIAN_NOTE,
    ),
    Metric(
        id="service_level",
        name=_("Service level"),
        definition=_(
            "Share of the conversations created in the period that were answered by a person within "
            "the threshold (threshold_s, 20 seconds unless given) of their creation; short abandons "
            "(5 seconds or less) are left out. Compare it with the target share of the client's SLA."
        ),
        formula=(
            "100 × count(c : first person reply.at − offered.at ≤ threshold_s) / "
            "count(c in offered(P) : not short abandon)"
        ),
        unit="%",
        direction=HIGHER,
        kind=RATIO,
        filters=NO_AGENT,
        params=("threshold_s",),
        rollup=ADDITIVE,
        rollup_note=_THRESHOLD_NOTE,
    ),
    Metric(
        id="first_response_time",
        name=_("First response time"),
        definition=_(
            "For conversations whose first customer message falls in the period, the wall-clock "
            "seconds from that message to the first public reply written by a person (not a note, "
            "not an automatic or system message); the mean over the conversations that have such a "
            "reply, with the median and the count. The agent filter keeps the replies that agent wrote."
        ),
        formula=(
            "mean over c with min(E(message_in) of c).at in P and a person reply at or after it of "
            "(first person reply.at − first message_in.at)"
        ),
        unit="s",
        direction=LOWER,
        kind=MEAN,
        anchor=FIRST_IN,
        median=True,
        rollup=ADDITIVE,
        rollup_note=_MEDIAN_NOTE,
    ),
    Metric(
        id="next_response_time",
        name=_("Next response time"),
        definition=_(
            "After the first reply, each time the customer writes again following a person's reply, "
            "the wall-clock seconds until the next public reply written by a person; the mean over "
            "such customer turns that start in the period and were answered."
        ),
        formula=(
            "Σ waits / count(waits); a wait = next person reply.at − t, for each E(message_in) at t in P "
            "whose previous message event in the conversation is a person reply"
        ),
        unit="s",
        direction=LOWER,
        kind=MEAN,
        anchor=MESSAGES,
        rollup_note=_TURNS_NOTE,
    ),
    Metric(
        id="aht",
        name=_("Average handle time"),
        definition=_(
            "For conversations first resolved in the period, the mean wall-clock seconds from their "
            "first assignment to a person to that resolution. Waiting on the customer or the client is "
            "included (the event log records no talk time); the agent is the one who resolved it."
        ),
        formula=(
            "mean over c with first E(resolved) in P and an E(assigned) of (resolved.at − first assigned.at)"
        ),
        unit="s",
        direction=LOWER,
        kind=MEAN,
        anchor=FIRST_RESOLVED,
        median=True,
        rollup=ADDITIVE,
        rollup_note=_MEDIAN_NOTE,
    ),
    Metric(
        id="concurrency",
        name=_("Concurrency"),
        definition=_(
            "The average number of the client's conversations an agent held at once while available "
            "(online, busy or in after-contact work), over the agent-days of the period on which the "
            "agent held or answered one of the client's conversations. An agent holds a conversation "
            "from its assignment to them until it is transferred, put back in the queue, resolved or "
            "closed; a reopening gives it back to its assignee."
        ),
        formula=(
            "Σ over agent-days d of Σ seconds(c held by the agent ∩ available spans of d) / "
            "Σ available seconds of d"
        ),
        unit="conversations at once",
        direction=NEUTRAL,
        kind=MEAN,
        anchor=PRESENCE_DAY,
        filters=PRESENCE_FILTERS,
        intervals=DAY_INTERVALS,
        rollup_note=_PRESENCE_NOTE,
        count_items=True,
    ),
    Metric(
        id="fcr",
        name=_("First contact resolution"),
        definition=_(
            "Share of the conversations first resolved in the period that were never reopened and "
            "never escalated to the client (at any tier), up to now."
        ),
        formula=(
            "100 × count(c first resolved in P : no E(reopened), no E(escalated)) / count(c "
            "first resolved in P)"
        ),
        unit="%",
        direction=HIGHER,
        kind=RATIO,
        anchor=FIRST_RESOLVED,
        rollup=ADDITIVE,
    ),
    Metric(
        id="resolution_rate",
        name=_("Resolution rate"),
        definition=_("Share of the conversations created in the period that have been resolved (so far)."),
        formula="100 × count(c in offered(P) : exists E(resolved) of c) / offered(P)",
        unit="%",
        direction=HIGHER,
        kind=RATIO,
        filters=NO_AGENT,
        rollup=ADDITIVE,
    ),
    Metric(
        id="escalation_rate",
        name=_("Escalation rate"),
        definition=_(
            "Conversations created in the period that were escalated to the client's L2 at least "
            "once, divided by the conversations created in the period."
        ),
        formula="100 × count(c in offered(P) : exists E(escalated) of c with tier = l2) / offered(P)",
        unit="%",
        direction=LOWER,
        kind=RATIO,
        filters=NO_AGENT,
        rollup=ADDITIVE,
    ),
    Metric(
        id="reopen_rate",
        name=_("Reopen rate"),
        definition=_(
            "Share of the conversations first resolved in the period that were reopened afterwards "
            "(by the customer writing again or by staff), up to now."
        ),
        formula="100 × count(c first resolved in P : exists E(reopened) of c) / count(c first resolved in P)",
        unit="%",
        direction=LOWER,
        kind=RATIO,
        anchor=FIRST_RESOLVED,
        rollup=ADDITIVE,
    ),
    Metric(
        id="sla_compliance",
        name=_("SLA compliance"),
        definition=_(
            "Share of the SLA timers of the client's policy (first response, each next response, "
            "resolution, L2 resolution) decided in the period that were met. A timer is decided when "
            "it stops (met if by its deadline, counted at the stop) or when its deadline passes "
            "first (breached, counted at the deadline); deadlines run in the client's business hours "
            "and pause while the conversation waits on the customer, as the desk's SLA clock does."
        ),
        formula=(
            "100 × count(timer cycles decided in P : met) / count(timer cycles decided in P); "
            "decided at = stop if stop ≤ deadline, else deadline"
        ),
        unit="%",
        direction=HIGHER,
        kind=RATIO,
        anchor=SLA_TIMERS,
        filters=("client",),
        rollup_note=_SLA_NOTE,
    ),
    Metric(
        id="csat",
        name=_("Customer satisfaction (CSAT)"),
        definition=_(
            "Survey answers given in the period with a score of 4 or 5 on the 1–5 scale, divided by "
            "all survey answers given in the period (top-2 box), with the number of answers. The "
            "agent is the conversation's assignee when the customer answered."
        ),
        formula="100 × count(E(survey_answered) in P : score ∈ {4, 5}) / count(E(survey_answered) in P)",
        unit="%",
        direction=HIGHER,
        kind=RATIO,
        anchor=SURVEY,
        rollup=ADDITIVE,
    ),
    Metric(
        id="nps",
        name=_("Net promoter score (NPS)"),
        definition=_(
            "Per cent of promoters (9 or 10) minus per cent of detractors (0 to 6) among the answers "
            "to the 0–10 likelihood-to-recommend question given in the period, with the number of "
            "answers; from −100 to 100. The agent is the conversation's assignee when the customer "
            "answered."
        ),
        formula="100 × (count(E(survey_answered) in P : nps ≥ 9) − count(… : nps ≤ 6)) / count(… : nps set)",
        unit="points",
        direction=HIGHER,
        kind=RATIO,
        anchor=SURVEY,
        rollup_note=_(
            "Computed from the events each time: the 0–10 answers were added to the event log after "
            "the rollups of earlier periods were folded."
        ),
    ),
    Metric(
        id="complaint_rate",
        name=_("Complaint rate"),
        definition=_(
            "Share of the conversations created in the period that are linked to a complaint of the "
            "complaints register (so far), whether it was raised from the conversation, from a case "
            "or by the client. A complaint-type case that nobody registered does not count."
        ),
        formula="100 × count(c in offered(P) : exists E(complaint_registered) of c) / offered(P)",
        unit="%",
        direction=LOWER,
        kind=RATIO,
        filters=NO_AGENT,
        rollup=ADDITIVE,
    ),
    Metric(
        id="qa_score",
        name=_("Quality score"),
        definition=_(
            "The mean final score (0–100) of the human quality reviews submitted in the period: "
            "a review amended on appeal counts with its amended score, in the period it was "
            "submitted. The agent is the reviewed agent. Auto-QA scores are not included."
        ),
        formula=(
            "mean over r with E(review_finalised) of r in P of (score of r's last E(review_rescored), "
            "else of its E(review_finalised))"
        ),
        unit="points",
        direction=HIGHER,
        kind=MEAN,
        anchor=REVIEWS,
        rollup_note=_(
            "Computed from the events: an appeal decided later changes the score of the period the "
            "review was submitted in."
        ),
    ),
    Metric(
        id="autoqa_score",
        name=_("Auto-QA score"),
        definition=_(
            "The mean automatic quality score (0–100) of the conversations auto-QA inspected in the "
            "period, each conversation once with its last score of the period. Kept apart from the "
            "human quality score and never averaged with it. The agent is the conversation's assignee."
        ),
        formula="mean over c with E(autoqa_scored) of c in P of (score of c's last E(autoqa_scored) in P)",
        unit="points",
        direction=HIGHER,
        kind=MEAN,
        anchor=AUTOQA,
        rollup_note=_("Computed from the events: a conversation inspected again replaces its score."),
    ),
    Metric(
        id="occupancy",
        name=_("Occupancy"),
        definition=_(
            "Share of the agents' available time (online, busy, after-contact work) spent handling "
            "conversations (busy or after-contact work), over the agent-days of the period on which "
            "the agent held or answered one of the client's conversations; a day counts all of the "
            "agent's presence that local day, whichever client the agent served."
        ),
        formula="100 × Σ (busy + after-contact work s) / Σ (online + busy + after-contact work s)",
        unit="%",
        direction=NEUTRAL,
        kind=RATIO,
        anchor=PRESENCE_DAY,
        filters=PRESENCE_FILTERS,
        intervals=DAY_INTERVALS,
        rollup_note=_PRESENCE_NOTE,
        count_items=True,
    ),
    Metric(
        id="utilisation",
        name=_("Utilisation"),
        definition=_(
            "Share of the agents' signed-in time (every state but offline, breaks included) spent "
            "handling conversations (busy or after-contact work), over the same agent-days as "
            "occupancy. The same definition as the routing pages' utilisation."
        ),
        formula="100 × Σ (busy + after-contact work seconds) / Σ (seconds in any state but offline)",
        unit="%",
        direction=NEUTRAL,
        kind=RATIO,
        anchor=PRESENCE_DAY,
        filters=PRESENCE_FILTERS,
        intervals=DAY_INTERVALS,
        rollup_note=_PRESENCE_NOTE,
        count_items=True,
    ),
    Metric(
        id="adherence",
        name=_("Schedule adherence"),
        definition=_(
            "Share of the agents' scheduled time (work and breaks of the published schedule) in "
            "which their presence matched it: working (online, busy, after-contact work, a missed "
            "offer) during work, on a break during a break. The floor's real-time adherence rule, "
            "over the same agent-days as occupancy; agent-days with nothing scheduled are left out."
        ),
        formula="100 × Σ seconds whose presence matches the schedule / Σ scheduled (work + break) seconds",
        unit="%",
        direction=HIGHER,
        kind=RATIO,
        anchor=PRESENCE_DAY,
        filters=PRESENCE_FILTERS,
        intervals=DAY_INTERVALS,
        rollup_note=_PRESENCE_NOTE,
        count_items=True,
    ),
    Metric(
        id="conversion_rate",
        name=_("Conversion rate"),
        definition=_(
            "Share of the pre-sales chats created in the period on which an agent linked the order "
            "the customer placed (so far). A chat is a pre-sales chat when it was created in a "
            "pre-sales queue or first resolved with a category of the pre-sales branch (a queue or "
            "first-level category whose name says 售前 or pre-sales)."
        ),
        formula=(
            "100 × count(c in offered(P), channel = chat, pre-sales : exists E(order_linked) of c) / "
            "count(c in offered(P), channel = chat, pre-sales); pre-sales = offered.queue or the first "
            "E(resolved).data.category names 售前 / pre-sales"
        ),
        unit="%",
        direction=HIGHER,
        kind=RATIO,
        filters=("client", "queue"),
        channel="chat",
        rollup_note=_(
            "Computed from the events each time: whether a chat was a pre-sales chat is known only "
            "once it is resolved with its category."
        ),
    ),
    Metric(
        id="contacts_per_agent_day",
        name=_("Contacts per agent per day"),
        definition=_(
            "For each agent and each day of the period on which the agent wrote at least one public "
            "reply, the number of distinct conversations the agent replied to that day (接待数); "
            "the mean over those agent-days."
        ),
        formula=(
            "mean over (agent, local day) in P of count(distinct c with a person reply by agent that day)"
        ),
        unit="conversations/agent-day",
        direction=NEUTRAL,
        kind=MEAN,
        anchor=AGENT_DAY,
        intervals=("day", "week", "month"),
        rollup_note=_AGENT_DAY_NOTE,
    ),
)

METRICS: dict[str, Metric] = {metric.id: metric for metric in _METRICS}
