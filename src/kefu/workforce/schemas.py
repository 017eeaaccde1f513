"""API shapes of workforce management."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from kefu.workforce.staffing import PLAN_DEFAULTS


class StaffingIn(Schema):
    calls: float = Field(ge=0, description="Contacts offered in the interval.")
    interval: float = Field(gt=0, description="Interval length in seconds.")
    aht: float = Field(gt=0, description="Average handle time in seconds.")
    target_answer: float = Field(ge=0, description="Service-level threshold T in seconds.")
    target_sl: float | None = Field(
        None, ge=0, le=1, description="Solve for agents meeting this service level."
    )
    agents: int | None = Field(None, ge=0, description="Or evaluate this staffing.")
    max_occupancy: float | None = Field(None, gt=0, le=1)
    shrinkage: float = Field(0.0, ge=0, lt=1)
    patience: float | None = Field(None, gt=0, description="Mean patience in seconds: switches to Erlang A.")
    max_abandon: float | None = Field(None, ge=0, le=1)
    max_asa: float | None = Field(None, ge=0)
    sl_basis: Literal["offered", "answered"] = "offered"


class StaffingOut(Schema):
    model: str
    traffic_erlangs: float | None
    feasible: bool
    agents: int | None
    scheduled_agents: int | None
    service_level: float | None
    service_level_answered: float | None = None
    probability_wait: float | None
    asa_seconds: float | None
    occupancy: float | None
    abandon_probability: float | None = None


class VolumeHistoryOut(Schema):
    id: int
    client_id: int | None
    name: str
    source_filename: str
    interval_minutes: int
    first_start: datetime
    last_start: datetime
    interval_count: int
    total_offered: float
    created_at: datetime


class ForecastIn(Schema):
    horizon_days: int = Field(14, ge=1, le=92)
    method: str = "auto"
    queue: str = ""
    chinese_holidays: bool = True


class ForecastOut(Schema):
    id: int
    source: str
    history_id: int | None
    client_id: int | None
    method: str
    interval_minutes: int
    first_day: date
    horizon_days: int
    backtest: dict
    points: list[tuple[str, float]]
    created_at: datetime


class EventForecastIn(Schema):
    client_id: int
    horizon_days: int = Field(14, ge=1, le=92)
    interval_minutes: Literal[15, 30, 60] = 30
    queue: str = ""
    method: str = "auto"
    chinese_holidays: bool = True


class CampaignIn(Schema):
    client_id: int
    name: str = Field(min_length=1, max_length=80)
    start_date: date
    end_date: date
    multiplier: float | None = None


class CampaignOut(Schema):
    id: int
    client_id: int | None
    name: str
    start_date: date
    end_date: date
    multiplier: float | None


class StaffingPlanIn(Schema):
    aht_s: float
    target_answer_s: float = PLAN_DEFAULTS.target_answer_s
    target_sl: float = PLAN_DEFAULTS.target_sl
    shrinkage: float = PLAN_DEFAULTS.shrinkage
    concurrency: int = PLAN_DEFAULTS.concurrency


class StaffingPlanOut(Schema):
    id: int
    forecast_id: int
    client_id: int | None
    aht_s: float
    target_answer_s: float
    target_sl: float
    shrinkage: float
    concurrency: int
    peak_agents: int
    peak_scheduled: int
    agent_hours: float
    infeasible_intervals: int
    required: list[tuple[str, int, int]]


class WhatIfIn(Schema):
    calls: float
    aht: float
    agents: int
    interval: float = 1800.0
    intervals: int = 8
    answer_time: float = 20.0
    patience: float | None = None
    concurrency: int = 1
    spike_factor: float = 1.0
    spike_from: int = 1
    spike_to: int = 1
    absent_agents: int = 0
    absent_from: int = 1
    absent_to: int = 1
    replications: int = 10
    seed: int = 0
