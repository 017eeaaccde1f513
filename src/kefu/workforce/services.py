"""Writes of workforce management: importing volume history, making forecasts."""

from __future__ import annotations

import math
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import Invalid, NotFound
from kefu.core.scope import Scope
from kefu.tenancy import services as tenancy_services
from kefu.workforce import forecast as forecasting
from kefu.workforce import history_import, selectors
from kefu.workforce.models import ForecastRun, VolumeHistory, VolumeInterval
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
    """Forecast the days after the history; the method is chosen by backtest unless named."""
    scope.require(WorkforcePerm.PLAN)
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise Invalid(
            _("The horizon must be between 1 and %(max)d days.") % {"max": MAX_HORIZON_DAYS},
            field="horizon_days",
        )
    if method != forecasting.AUTO and method not in forecasting.METHODS:
        raise Invalid(_("Unknown forecasting method: %(method)s") % {"method": method}, field="method")
    history = selectors.volume_history_get(scope, history_id=history_id)
    series = selectors.volume_series(scope, history_id=history.pk, queue=queue)
    offered = {_local_naive(start): value for start, value in series}
    if not offered:
        raise Invalid(_("There is no history for this queue."), field="queue")
    calendar = None
    if chinese_holidays:
        days = sorted(moment.date() for moment in offered)
        calendar = forecasting.china_calendar(days[0], days[-1] + timedelta(days=horizon_days + 1))
    try:
        result = forecasting.forecast_volume(
            offered,
            interval_minutes=history.interval_minutes,
            horizon_days=horizon_days,
            calendar=calendar,
            method=method,
        )
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    return ForecastRun.objects.create(
        provider_id=history.provider_id,
        client_id=history.client_id,
        history=history,
        method=result.method,
        interval_minutes=result.interval_minutes,
        first_day=result.first_day,
        horizon_days=result.horizon_days,
        backtest=_finite(result.backtest.as_dict()) if result.backtest else {},
        candidates={name: _finite(accuracy.as_dict()) for name, accuracy in result.candidates.items()},
        points=[[start.isoformat(timespec="minutes"), round(value, 3)] for start, value in result.points],
        created_by_id=scope.user_id,
    )
