"""Benchmark the volume forecaster on the bank call data: speed and accuracy vs seasonal naive.

    uv run python bench/forecast.py [--data PATH] [--json]

For each interval length (5, 15, 60 min) it times import + auto forecast (all methods
backtested on 4 rolling origins × 14 days), then scores every method on the held-out
final two weeks against seasonal naive. Without the shared data it falls back to a
synthetic series of the same shape, so the script always runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from kefu.workforce import forecast, history_import

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "bank_calls_5min_train.csv"


def synthetic_history() -> history_import.VolumeHistory:
    """26 weeks of weekday 5-minute volumes, 07:00–21:05, Poisson noise: the bank data's shape."""
    rng = np.random.default_rng(0)
    records = []
    start = datetime(2003, 3, 3, 7, 0)
    for day in range(26 * 7):
        if (start + timedelta(days=day)).weekday() >= 5:
            continue
        for slot in range(169):
            stamp = start + timedelta(days=day, minutes=5 * slot)
            mean = 120 + 80 * math.sin(math.pi * slot / 169) * (1.1 if stamp.weekday() == 0 else 1.0)
            records.append(history_import.VolumeRecord(stamp, "", float(rng.poisson(mean))))
    return history_import.VolumeHistory(interval_minutes=5, records=tuple(records))


def held_out(series: dict[datetime, float], last_day, interval: int) -> dict[str, float]:
    """WAPE of each method on the final two weeks, trained on everything before."""
    cut = last_day - timedelta(days=13)
    train = {k: v for k, v in series.items() if k.date() < cut}
    test = {k: v for k, v in series.items() if k.date() >= cut}
    actual = np.array(list(test.values()))
    out = {}
    for method in forecast.METHODS:
        result = forecast.forecast_volume(
            train, interval_minutes=interval, horizon_days=14, method=method, backtest_folds=0
        )
        points = dict(result.points)
        out[method] = forecast.wape(actual, np.array([points.get(k, 0.0) for k in test]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("KEFU_SHARED_DATA", DEFAULT_DATA.parent))
    )
    parser.add_argument("--json", action="store_true", help="print one JSON line only")
    args = parser.parse_args(argv)
    path = args.data if args.data.suffix else args.data / "bank_calls_5min_train.csv"

    started = time.perf_counter()
    if path.is_file():
        raw, source = history_import.load_history(path), str(path)
    else:
        raw, source = synthetic_history(), "synthetic (bank data not found)"
    import_seconds = time.perf_counter() - started

    rows = []
    for interval in (5, 15, 60):
        history = history_import.aggregate(raw, interval)
        series = history.offered()
        started = time.perf_counter()
        result = forecast.forecast_volume(series, interval_minutes=interval, horizon_days=14)
        seconds = time.perf_counter() - started
        scores = held_out(series, history.last_day, interval)
        chosen = scores[result.method]
        assert result.backtest is not None
        rows.append(
            {
                "interval_minutes": interval,
                "forecast_seconds": round(seconds, 3),
                "method": result.method,
                "backtest": result.backtest.as_dict(),
                "holdout_wape": {m: round(w, 4) for m, w in scores.items()},
                "holdout_improvement": round(1 - chosen / scores["seasonal_naive"], 4),
            }
        )
    report = {
        "data": source,
        "rows": len(raw.records),
        "import_seconds": round(import_seconds, 3),
        "results": rows,
    }
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"data: {source} ({len(raw.records)} rows, import {import_seconds:.2f}s)")
    print("interval  method          secs  bt_WAPE  bt_naive  bt_MASE  ho_WAPE  ho_naive  ho_gain")
    for row in rows:
        bt, ho = row["backtest"], row["holdout_wape"]
        print(
            f"{row['interval_minutes']:>5}min  {row['method']:<14} {row['forecast_seconds']:5.2f}  "
            f"{bt['wape']:7.2%}  {bt['baseline_wape']:8.2%}  {bt['mase']:7.3f}  "
            f"{ho[row['method']]:7.2%}  {ho['seasonal_naive']:8.2%}  {row['holdout_improvement']:7.1%}"
        )
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
