"""Seats from an intake: per channel, per hour of the service day, normal and campaign days.

Pure, no Django. The queueing is the workforce cores' (`kefu.workforce.erlang`): Erlang C for the
phone, the pooled-slot chat model for chat with its concurrency, and a workload with an
occupancy cap for email (a reply within hours, not seconds). Shrinkage turns agents on the line
into agents to schedule (`erlang.scheduled_agents`); a seat is one agent for one shift, so the
seats of a day are its scheduled agent-hours over the shift length.

Options (8 vs 10 seats) are evaluated the other way round: the seats' agent-hours are spread over
the hours in proportion to the need, and the Erlang measures at those agents give the service
level a client can expect, weighted by the contacts of each hour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kefu.engagements.quoting.intake import ChannelDemand, Intake
from kefu.workforce import erlang
from kefu.workforce.capacity import DAYS_PER_MONTH

HOUR_S = 3600.0
EMAIL_OCCUPANCY = 0.85
# Share of a Chinese online shop's daily inquiries by hour (relative weights, 00–23): a morning rise,
# the after-lunch and the evening peaks (20–22 h is the busiest). Cut to the service hours and
# rescaled, so inquiries outside them are taken as answered inside them.
DEFAULT_PROFILE = (
    2.0, 1.0, 0.5, 0.3, 0.3, 0.3, 0.5, 1.5, 3.0, 5.0, 6.5, 6.0,
    5.0, 5.5, 6.5, 6.5, 6.0, 5.0, 4.5, 5.5, 6.5, 7.0, 6.0, 4.0,
)  # fmt: skip


@dataclass(frozen=True)
class HourNeed:
    hour: int
    channel: str
    contacts: float
    agents: int  # on the line
    scheduled: int  # with shrinkage


@dataclass(frozen=True)
class Estimate:
    """The staffing a quote rests on."""

    hours: list[int]
    normal: list[HourNeed]
    campaign: list[HourNeed]
    seats_normal: int
    seats_campaign: int
    seats_average: float
    seats_recommended: int
    seats_after_growth: int
    monthly_contacts: float


def profile(intake: Intake) -> list[float]:
    """Share of the day's inquiries per service hour (sums to 1)."""
    weights = [DEFAULT_PROFILE[h] for h in intake.service_hours]
    total = sum(weights)
    return [w / total for w in weights]


def _agents(channel: ChannelDemand, contacts: np.ndarray, intake: Intake) -> np.ndarray:
    if channel.channel == "email":
        return np.ceil(np.round(contacts * channel.aht_s / HOUR_S / EMAIL_OCCUPANCY, 9)).astype(np.int64)
    targets = {"answer_time_s": intake.target_answer_s, "service_level": intake.target_service_level}
    if channel.channel == "chat":
        found = erlang.chat_staffing(
            contacts, channel.aht_s, HOUR_S, concurrency=channel.concurrency, **targets
        )
    else:
        found = erlang.erlang_c_staffing(contacts, channel.aht_s, HOUR_S, **targets)
    return np.maximum(found.agents, 0)


def _day(intake: Intake, volume: float) -> list[HourNeed]:
    shares = np.asarray(profile(intake))
    needs: list[HourNeed] = []
    for channel in intake.channels:
        contacts = volume * channel.share * shares
        agents = _agents(channel, contacts, intake)
        # at least one agent on a channel with contacts in the hour: someone must be there to answer
        agents = np.where(contacts > 0, np.maximum(agents, 1), agents)
        scheduled = erlang.scheduled_agents(agents, intake.shrinkage)
        needs.extend(
            HourNeed(hour, channel.channel, round(float(c), 2), int(a), int(s))
            for hour, c, a, s in zip(intake.service_hours, contacts, agents, scheduled, strict=True)
        )
    return needs


def _seats(needs: list[HourNeed], shift_hours: float) -> int:
    return math.ceil(round(sum(n.scheduled for n in needs) / shift_hours, 9))


def estimate(intake: Intake, *, shift_hours: float = 8.0) -> Estimate:
    normal = _day(intake, intake.daily_inquiries)
    campaign = _day(intake, intake.daily_inquiries * intake.campaign_multiplier)
    grown = _day(intake, intake.daily_inquiries * (1 + intake.expected_growth))
    seats_normal, seats_campaign = _seats(normal, shift_hours), _seats(campaign, shift_hours)
    days = intake.campaign_days_per_month
    average = ((DAYS_PER_MONTH - days) * seats_normal + days * seats_campaign) / DAYS_PER_MONTH
    monthly = intake.daily_inquiries * ((DAYS_PER_MONTH - days) + days * intake.campaign_multiplier)
    return Estimate(
        hours=intake.service_hours,
        normal=normal,
        campaign=campaign,
        seats_normal=seats_normal,
        seats_campaign=seats_campaign,
        seats_average=round(average, 2),
        seats_recommended=math.ceil(round(average, 9)),
        seats_after_growth=_seats(grown, shift_hours),
        monthly_contacts=round(monthly, 2),
    )


def expected_service_level(
    intake: Intake, needs: list[HourNeed], seats: int, *, shift_hours: float = 8.0
) -> float | None:
    """Contact-weighted share answered within the target with `seats` spread like the need.

    None when no channel has a seconds-scale target (email only).
    """
    total_scheduled = sum(n.scheduled for n in needs)
    if total_scheduled == 0:
        return 1.0
    scale = seats * shift_hours / total_scheduled
    answered = weight = 0.0
    by_name = {c.channel: c for c in intake.channels}
    for need in needs:
        channel = by_name[need.channel]
        if channel.channel == "email" or need.contacts <= 0:
            continue
        on_line = math.floor(round(math.floor(round(need.scheduled * scale, 9)) * (1 - intake.shrinkage), 9))
        if channel.channel == "chat":
            aht = float(erlang.chat_handle_time(channel.aht_s, channel.concurrency, 0.0))
            servers = on_line * channel.concurrency
        else:
            aht, servers = channel.aht_s, on_line
        sl = float(
            erlang.erlang_c_metrics(servers, need.contacts, aht, HOUR_S, intake.target_answer_s).service_level
        )
        answered += sl * need.contacts
        weight += need.contacts
    return round(answered / weight, 4) if weight else None
