"""Writes of workforce management: importing volume history, making forecasts."""

from __future__ import annotations

import math
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.analytics import selectors as analytics_selectors
from kefu.core.errors import Invalid, NotFound
from kefu.core.scope import Scope
from kefu.desk import selectors as desk_selectors
from kefu.desk import sla_clock
from kefu.tenancy import services as tenancy_services
from kefu.workforce import erlang, history_import, selectors, staffing
from kefu.workforce import forecast as forecasting
from kefu.workforce.models import Campaign, ForecastRun, StaffingPlan, VolumeHistory, VolumeInterval
from kefu.workforce.permissions import WorkforcePerm

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_HORIZON_DAYS = 92


def _aware(local: datetime) -> datetime:
    return timezone.make_aware(local) if timezone.is_naive(local) else local


def _local_naive(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(tzinfo=None)


def _parse(filename: str, content: bytes, interval_minutes: int | None) -> history_import.VolumeHistory:
    suffix = Path(filename).suffix.lower()
    try:
        if suffix in {".xlsx", ".xlsm"}:
            with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                handle.write(content)
                handle.flush()
                return history_import.load_history(handle.name, interval_minutes=interval_minutes)
        if suffix in {".csv", ".txt", ""}:
            try:
                text = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = content.decode("gb18030")
            return history_import.parse_csv_text(text, interval_minutes=interval_minutes)
    except history_import.HistoryImportError as exc:
        raise Invalid(str(exc), field="file") from None
    except UnicodeDecodeError:
        raise Invalid(_("The file is neither UTF-8 nor GB18030 text."), field="file") from None
    raise Invalid(_("Upload a .csv or .xlsx file."), field="file")


def _finite(values: dict[str, object]) -> dict[str, object]:
    """JSON has no NaN or infinity: an undefined figure (e.g. MAPE over zero actuals) is null."""
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in values.items()}


@transaction.atomic
def volume_history_import(
    scope: Scope,
    *,
    client_id: int,
    name: str,
    filename: str,
    content: bytes,
    interval_minutes: int | None = None,
) -> VolumeHistory:
    """Store a client's past volumes (timestamp, [queue,] offered[, handled, AHT]) for forecasting."""
    scope.require(WorkforcePerm.PLAN)
    if client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."))
    if len(content) > MAX_UPLOAD_BYTES:
        raise Invalid(_("The file is larger than 20 MB."), field="file")
    if interval_minutes is not None and interval_minutes not in {5, 10, 15, 30, 60}:
        raise Invalid(_("The interval must be 5, 10, 15, 30 or 60 minutes."), field="interval_minutes")
    parsed = _parse(filename, content, interval_minutes)
    if not parsed.records:
        raise Invalid(_("The file holds no volume rows."), field="file")
    starts = [record.start for record in parsed.records]
    queues = {record.queue for record in parsed.records}
    history = VolumeHistory.objects.create(
        provider_id=scope.provider_id,
        client_id=client_id,
        name=name.strip() or filename,
        source_filename=filename[:200],
        interval_minutes=parsed.interval_minutes,
        queue=next(iter(queues)) if len(queues) == 1 else "",
        first_start=_aware(min(starts)),
        last_start=_aware(max(starts)),
        interval_count=len(parsed.records),
        total_offered=float(sum(record.offered for record in parsed.records)),
        uploaded_by_id=scope.user_id,
    )
    VolumeInterval.objects.bulk_create(
        [
            VolumeInterval(
                provider_id=history.provider_id,
                client_id=history.client_id,
                history=history,
                start=_aware(record.start),
                queue=record.queue or "",
                offered=record.offered,
                handled=record.handled,
                aht_s=record.aht,
            )
            for record in parsed.records
        ],
        batch_size=2000,
    )
    tenancy_services.audit_record(
        scope,
        action="workforce.history_imported",
        target=history,
        client_id=client_id,
        data={"intervals": history.interval_count, "interval_minutes": history.interval_minutes},
    )
    return history


def _campaigns(scope: Scope, client_id: int) -> tuple[list[forecasting.Campaign], dict[date, str]]:
    """A client's declared campaigns: all as forecast inputs, and their days for the history."""
    declared = list(selectors.campaign_list(scope, client_id=client_id))
    days: dict[date, str] = {}
    for campaign in declared:
        day = campaign.start_date
        while day <= campaign.end_date:
            days[day] = campaign.name
            day += timedelta(days=1)
    campaigns = [
        forecasting.Campaign(start=c.start_date, end=c.end_date, multiplier=c.multiplier, name=c.name)
        for c in declared
    ]
    return campaigns, days


def _forecast(
    scope: Scope,
    *,
    offered: dict[datetime, float],
    interval_minutes: int,
    client_id: int,
    provider_id: int | None,
    history: VolumeHistory | None,
    source: str,
    queue: str,
    horizon_days: int,
    method: str,
    chinese_holidays: bool,
) -> ForecastRun:
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise Invalid(
            _("The horizon must be between 1 and %(max)d days.") % {"max": MAX_HORIZON_DAYS},
            field="horizon_days",
        )
    if method != forecasting.AUTO and method not in forecasting.METHODS:
        raise Invalid(_("Unknown forecasting method: %(method)s") % {"method": method}, field="method")
    if not offered:
        raise Invalid(_("There is no history to forecast from."), field="queue")
    calendar = None
    if chinese_holidays:
        days = sorted(moment.date() for moment in offered)
        calendar = forecasting.china_calendar(days[0], days[-1] + timedelta(days=horizon_days + 1))
    campaigns, campaign_days = _campaigns(scope, client_id)
    try:
        result = forecasting.forecast_volume(
            offered,
            interval_minutes=interval_minutes,
            horizon_days=horizon_days,
            calendar=calendar,
            campaigns=campaigns,
            past_campaigns=campaign_days,
            method=method,
        )
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    return ForecastRun.objects.create(
        provider_id=provider_id,
        client_id=client_id,
        source=source,
        history=history,
        queue=queue,
        method=result.method,
        interval_minutes=result.interval_minutes,
        first_day=result.first_day,
        horizon_days=result.horizon_days,
        backtest=_finite(result.backtest.as_dict()) if result.backtest else {},
        candidates={name: _finite(accuracy.as_dict()) for name, accuracy in result.candidates.items()},
        points=[[start.isoformat(timespec="minutes"), round(value, 3)] for start, value in result.points],
        created_by_id=scope.user_id,
    )


@transaction.atomic
def forecast_run_create(
    scope: Scope,
    *,
    history_id: int,
    horizon_days: int,
    method: str = forecasting.AUTO,
    queue: str = "",
    chinese_holidays: bool = True,
) -> ForecastRun:
    """Forecast the days after an imported history; the method is chosen by backtest unless named."""
    scope.require(WorkforcePerm.PLAN)
    history = selectors.volume_history_get(scope, history_id=history_id)
    series = selectors.volume_series(scope, history_id=history.pk, queue=queue)
    return _forecast(
        scope,
        offered={_local_naive(start): value for start, value in series},
        interval_minutes=history.interval_minutes,
        client_id=history.client_id,
        provider_id=history.provider_id,
        history=history,
        source=ForecastRun.Source.HISTORY,
        queue=queue,
        horizon_days=horizon_days,
        method=method,
        chinese_holidays=chinese_holidays,
    )


@transaction.atomic
def forecast_run_create_from_events(
    scope: Scope,
    *,
    client_id: int,
    horizon_days: int,
    interval_minutes: int = 15,
    queue: str = "",
    method: str = forecasting.AUTO,
    chinese_holidays: bool = True,
) -> ForecastRun:
    """Forecast from the `offered` events Kefu recorded for a client (no import needed)."""
    scope.require(WorkforcePerm.PLAN)
    if client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."))
    if interval_minutes not in {15, 30, 60}:
        raise Invalid(_("The interval must be 15, 30 or 60 minutes."), field="interval_minutes")
    offered = analytics_selectors.offered_per_interval(
        scope, client_id=client_id, interval_minutes=interval_minutes, queue=queue
    )
    return _forecast(
        scope,
        offered=_with_open_zeros(offered, client_id=client_id, interval_minutes=interval_minutes),
        interval_minutes=interval_minutes,
        client_id=client_id,
        provider_id=scope.provider_id,
        history=None,
        source=ForecastRun.Source.EVENTS,
        queue=queue,
        horizon_days=horizon_days,
        method=method,
        chinese_holidays=chinese_holidays,
    )


def _with_open_zeros(
    offered: dict[datetime, int], *, client_id: int, interval_minutes: int
) -> dict[datetime, float]:
    """An open interval with no `offered` event had zero contacts; only closed hours stay absent.

    The event log records what happened, not what did not: the client's service calendar
    tells a quiet open interval (0) from a closed one (no data), as the forecast expects.
    """
    if not offered:
        return {}
    calendar = desk_selectors.service_calendar_for(client_id)
    filled = {start: float(count) for start, count in offered.items()}
    day, last = min(offered).date(), max(offered).date()
    while day <= last:
        midnight = datetime.combine(day, datetime.min.time())
        for slot in range(0, 24 * 60, interval_minutes):
            start = midnight + timedelta(minutes=slot)
            if start not in filled and sla_clock.is_open(calendar, timezone.make_aware(start)):
                filled[start] = 0.0
        day += timedelta(days=1)
    return filled


# --- campaigns ---------------------------------------------------------------------------------
@transaction.atomic
def campaign_create(
    scope: Scope,
    *,
    client_id: int,
    name: str,
    start_date: date,
    end_date: date,
    multiplier: float | None = None,
) -> Campaign:
    """Declare a promotion; planners (provider) and the client's own managers may both do it."""
    scope.require(WorkforcePerm.PLAN if scope.is_provider else WorkforcePerm.VIEW)
    if client_id not in scope.client_ids:
        raise NotFound(_("Unknown client."))
    if not name.strip():
        raise Invalid(_("Give the campaign a name."), field="name")
    if end_date < start_date:
        raise Invalid(_("The campaign ends before it starts."), field="end_date")
    if (end_date - start_date).days > 60:
        raise Invalid(_("A campaign lasts at most 61 days."), field="end_date")
    if multiplier is not None and not (0 < multiplier <= 50):
        raise Invalid(_("The multiplier must be between 0 and 50."), field="multiplier")
    campaign = Campaign.objects.create(
        provider_id=None,
        client_id=client_id,
        name=name.strip(),
        start_date=start_date,
        end_date=end_date,
        multiplier=multiplier,
    )
    tenancy_services.audit_record(
        scope, action="workforce.campaign_created", target=campaign, client_id=client_id
    )
    return campaign


@transaction.atomic
def campaign_delete(scope: Scope, *, campaign_id: int) -> None:
    scope.require(WorkforcePerm.PLAN if scope.is_provider else WorkforcePerm.VIEW)
    campaign = selectors.campaign_get(scope, campaign_id=campaign_id)
    tenancy_services.audit_record(
        scope, action="workforce.campaign_deleted", target=campaign, client_id=campaign.client_id
    )
    campaign.delete()


# --- staffing plans ------------------------------------------------------------------------------
@transaction.atomic
def staffing_plan_create(
    scope: Scope,
    *,
    forecast_id: int,
    aht_s: float = staffing.PLAN_DEFAULTS.aht_s,
    target_answer_s: float = staffing.PLAN_DEFAULTS.target_answer_s,
    target_sl: float = staffing.PLAN_DEFAULTS.target_sl,
    shrinkage: float = staffing.PLAN_DEFAULTS.shrinkage,
    concurrency: int = staffing.PLAN_DEFAULTS.concurrency,
) -> StaffingPlan:
    """Required agents per forecast interval (Erlang C; chat concurrency when > 1) and scheduled heads."""
    scope.require(WorkforcePerm.PLAN)
    checks = [
        ("aht_s", 0 < aht_s <= 7200, _("The handle time must be between 1 second and 2 hours.")),
        ("target_answer_s", 0 <= target_answer_s <= 3600, _("The answer time must be between 0 and 3600 s.")),
        ("target_sl", 0 < target_sl < 1, _("The service level must be between 0 and 1.")),
        ("shrinkage", 0 <= shrinkage < 1, _("Shrinkage must be at least 0 and below 1.")),
        ("concurrency", 1 <= concurrency <= 10, _("Concurrency must be between 1 and 10.")),
    ]
    for field, ok, message in checks:
        if not ok:
            raise Invalid(message, field=field)
    run = selectors.forecast_run_get(scope, forecast_id=forecast_id)
    starts = [start for start, _value in run.points]
    calls = np.array([value for _start, value in run.points], dtype=float)
    interval_s = run.interval_minutes * 60.0
    if concurrency > 1:
        result = erlang.chat_staffing(
            calls,
            aht_s,
            interval_s,
            concurrency=concurrency,
            answer_time_s=target_answer_s,
            service_level=target_sl,
        )
    else:
        result = erlang.erlang_c_staffing(
            calls, aht_s, interval_s, answer_time_s=target_answer_s, service_level=target_sl
        )
    raw = np.where(result.feasible, result.agents, 0)
    scheduled = erlang.scheduled_agents(raw, shrinkage)
    plan = StaffingPlan.objects.create(
        provider_id=run.provider_id,
        client_id=run.client_id,
        forecast=run,
        aht_s=aht_s,
        target_answer_s=target_answer_s,
        target_sl=target_sl,
        shrinkage=shrinkage,
        concurrency=concurrency,
        required=[[start, int(a), int(h)] for start, a, h in zip(starts, raw, scheduled, strict=True)],
        peak_agents=int(raw.max(initial=0)),
        peak_scheduled=int(scheduled.max(initial=0)),
        agent_hours=round(float(raw.sum()) * run.interval_minutes / 60.0, 2),
        infeasible_intervals=int((~result.feasible).sum()),
        created_by_id=scope.user_id,
    )
    return plan
