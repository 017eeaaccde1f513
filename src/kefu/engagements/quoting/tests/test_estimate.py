"""The staffing estimate from an intake, and the intake's field checks (pure, no database)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kefu.engagements.quoting import estimate, quote_core
from kefu.engagements.quoting.intake import QuoteInputError, intake_as_dict, parse_cost_model, parse_intake
from kefu.workforce import erlang

INTAKE: dict[str, Any] = {
    "client_name": "杭州悦衣服饰旗舰店",
    "business_types": ["pre_sales", "after_sales"],
    "shop_category": "女装",
    "channels": [
        {"channel": "chat", "share": 0.8, "aht_s": 360, "concurrency": 3},
        {"channel": "phone", "share": 0.2, "aht_s": 240},
    ],
    "service_hours": {"start": "09:00", "end": "24:00"},
    "current_agents": 6,
    "daily_inquiries": 1500,
    "campaigns": {"days_per_month": 3, "multiplier": 3},
    "expected_growth": 0.2,
    "quality_targets": {"service_level": 0.8, "answer_time_s": 30},
    "start_date": "2027-01-04",
    "term": {"length": 1, "unit": "years"},
    "scope": "full",
}
COST = {"monthly_per_seat": {"salary": 5200, "social_insurance": 1560}, "margin": 0.18}


def test_email_only_hour_is_plain_workload_arithmetic() -> None:
    # given 100 e-mails in the one service hour, 306 s each, 85 % occupancy, 50 % shrinkage
    data = INTAKE | {
        "channels": [{"channel": "email", "share": 1, "aht_s": 306}],
        "service_hours": {"start": "10:00", "end": "11:00"},
        "daily_inquiries": 100,
        "shrinkage": 0.5,
        "campaigns": {},
        "expected_growth": 0,
    }
    est = estimate.estimate(parse_intake(data), shift_hours=8)
    # then 100 × 306 / 3600 / 0.85 = 10 agents, 20 scheduled, ceil(20 / 8) = 3 seats
    assert [(n.agents, n.scheduled) for n in est.normal] == [(10, 20)]
    assert (est.seats_normal, est.seats_recommended, est.monthly_contacts) == (3, 3, 3000.0)


def test_phone_hours_use_erlang_c_of_the_workforce_core() -> None:
    intake = parse_intake(INTAKE)
    est = estimate.estimate(intake)
    phone = [n for n in est.normal if n.channel == "phone"]
    share = estimate.profile(intake)
    for need, s in zip(phone, share, strict=True):
        direct = erlang.erlang_c_staffing(1500 * 0.2 * s, 240, 3600, answer_time_s=30, service_level=0.8)
        assert need.agents == max(1, int(direct.agents))
        assert need.scheduled == int(erlang.scheduled_agents(need.agents, 0.3))


def test_campaign_days_and_growth_need_more_seats() -> None:
    est = estimate.estimate(parse_intake(INTAKE))
    assert est.seats_campaign > est.seats_normal
    assert est.seats_after_growth >= est.seats_normal
    # the month's average weighs 27 normal and 3 campaign days
    assert est.seats_average == round((27 * est.seats_normal + 3 * est.seats_campaign) / 30, 2)
    assert est.monthly_contacts == 1500 * 27 + 4500 * 3


def test_more_seats_never_lower_the_expected_service_level() -> None:
    quote = quote_core.build_quote(parse_intake(INTAKE), parse_cost_model(COST), options=[6, 10, 14, 20, 30])
    levels = [row["expected_service_level"] for row in quote["options"]]
    assert levels == sorted(levels)
    assert levels[0] < 0.8 < levels[-1]


def test_the_profile_covers_the_service_hours_and_sums_to_one() -> None:
    shares = estimate.profile(parse_intake(INTAKE))
    assert len(shares) == 15
    assert sum(shares) == pytest.approx(1)


def test_intake_round_trips_through_its_json_shape() -> None:
    intake = parse_intake(INTAKE)
    assert parse_intake(intake_as_dict(intake)) == intake


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("channels", 0, "aht_s"), 0, "channels[0].aht_s"),
        (("channels", 1, "share"), 0.5, "channels"),
        (("channels", 0, "channel"), "fax", "channels[0].channel"),
        (("service_hours", "end"), "08:00", "service_hours.end"),
        (("service_hours", "start"), "9点", "service_hours.start"),
        (("term", "unit"), "weeks", "term.unit"),
        (("daily_inquiries",), -1, "daily_inquiries"),
        (("daily_inquiries",), "many", "daily_inquiries"),
        (("start_date",), "2027-13-01", "start_date"),
        (("business_types",), [], "business_types"),
    ],
)
def test_a_wrong_field_is_named(path: tuple[Any, ...], value: Any, field: str) -> None:
    data = copy.deepcopy(INTAKE)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(QuoteInputError) as caught:
        parse_intake(data)
    assert caught.value.field == field


def test_cost_model_errors_name_the_field() -> None:
    with pytest.raises(QuoteInputError) as caught:
        parse_cost_model({"monthly_per_seat": {"coffee": 10}, "margin": 0.1})
    assert caught.value.field == "monthly_per_seat.coffee"
    with pytest.raises(QuoteInputError) as caught:
        parse_cost_model({"monthly_per_seat": {"salary": 10}, "margin": 1.5})
    assert caught.value.field == "margin"


def test_options_are_checked() -> None:
    with pytest.raises(QuoteInputError) as caught:
        quote_core.build_quote(parse_intake(INTAKE), parse_cost_model(COST), options=[8, 0])
    assert caught.value.field == "options[1]"
