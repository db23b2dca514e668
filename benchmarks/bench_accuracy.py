"""Accuracy of `LSTMForecaster`'s defaults beside naive baselines, on every shipped dataset.

For each task, seeds 0-2: fit with the defaults (``--params`` overrides some, as JSON) on the
first 80% of each series, forecast the last 20%, and compare the test MAE with persistence
and seasonal naive (a day of hours, a week of days) at each lead time, and the coverage and
pinball loss of the quantile forecasts when the model has them.

Tasks (the protocols of ``tsforecast demo`` and of ``benchmarks/check.py accuracy``, which
checks seed 0 against its targets):

- ``weather``: hourly weather (21 columns, a DataFrame with its time stamps), scored on the
  air temperature ``Dry-bulb (C)``; 1 step (every test hour, from the true history) and
  24 steps (origins every 24 h);
- ``weather_roles``: the same, with the temperature the only target and the 20 other
  columns past covariates (``target="Dry-bulb (C)"``; the hour of the day stays a
  known-future input);
- ``temperature``: the hourly air temperature alone (``Dry-bulb (C)`` with its time stamps,
  no other column): 1 and 24 steps;
- ``speech``: MFCC frames (14 columns), all scored; 1 and 24 steps;
- ``daily``: daily Seattle weather (4 columns, with time stamps), scored on ``temp_max``;
  1 and 7 steps;
- ``pbc``: the PBC visits, each patient's last visit held out, forecast from the visits
  before; MAE over the observed values in standard deviations of each column.

Run: ``python benchmarks/bench_accuracy.py [--tasks weather temperature speech daily pbc]
[--seeds 0 1 2] [--params '{"horizon": 1}'] [--out NAME]``; writes
``benchmarks/results/NAME.json`` and ``.md`` (default ``accuracy``).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tsforecast import LSTMForecaster, Persistence, SeasonalNaive, backtest, metrics
from tsforecast.datasets import load_pbc, load_seattle_weather, load_speech_mfcc, load_weather

RESULTS = Path(__file__).parent / "results"
SERIES_TASKS = {
    "weather": {"load": load_weather, "scored": "Dry-bulb (C)", "horizon": 24, "season": 24},
    "weather_roles": {
        "load": load_weather,
        "scored": "Dry-bulb (C)",
        "horizon": 24,
        "season": 24,
        "target": "Dry-bulb (C)",
    },
    "temperature": {
        "load": load_weather,
        "scored": "Dry-bulb (C)",
        "horizon": 24,
        "season": 24,
        "columns": ["Dry-bulb (C)"],
    },
    "speech": {"load": load_speech_mfcc, "scored": None, "horizon": 24, "season": None},
    "daily": {"load": load_seattle_weather, "scored": "temp_max", "horizon": 7, "season": 7},
}


def _interval_figures(tested: Any) -> dict[str, float]:
    """Coverage and width of the 80% interval, mean pinball loss over the model's levels."""
    return {
        "coverage80": metrics.interval_coverage(tested),
        "width80": metrics.interval_width(tested),
        "pinball": metrics.pinball_loss(tested),
    }


def series_task(name: str, params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Fit on the first 80%, backtest 1-step and multi-step forecasts on the rest."""
    spec = SERIES_TASKS[name]
    data = spec["load"]()
    frame = data.to_frame()
    if name == "speech":
        frame = frame.reset_index(drop=True)  # frames, not time stamps
    if "columns" in spec:
        frame = frame[spec["columns"]]
    split = int(0.8 * len(frame))
    roles = {"target": spec["target"]} if "target" in spec else {}
    model = LSTMForecaster(random_state=seed, **{**roles, **params})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(frame.iloc[:split])
    scored = spec["scored"] or list(frame.columns)
    horizon, season = spec["horizon"], spec["season"]
    ask = True if model.quantiles_ is not None else None

    def run(forecaster: Any, steps: int, quantiles: Any = None) -> Any:
        tested = backtest(forecaster, frame, start=split, steps=steps, stride=steps,
                          quantiles=quantiles)  # fmt: skip
        return tested[tested["target"].isin([scored] if isinstance(scored, str) else scored)]

    with warnings.catch_warnings(record=True) as forecast_warnings:
        warnings.simplefilter("always")
        one_step = run(model, 1, ask)
        many = run(model, horizon, ask if horizon <= model.horizon_ else None)
    result = {
        "task": name, "seed": seed, "epochs": model.n_epochs_, "seconds": model.fit_seconds_,
        "stopped": model.stopped_,
        "warnings": sorted({str(w.message)[:80] for w in caught}),
        "forecast_warnings": sorted({str(w.message)[:80] for w in forecast_warnings}),
        "model": [metrics.mae(one_step), metrics.mae(many)],
        "persistence": [metrics.mae(run(Persistence(), steps)) for steps in (1, horizon)],
        "horizon": horizon,
    }  # fmt: skip
    if season:
        naive = SeasonalNaive(period=season)
        result["seasonal_naive"] = [metrics.mae(run(naive, steps)) for steps in (1, horizon)]
    if ask:
        result["intervals_1"] = _interval_figures(one_step)
        if "q0.1" in many:
            result[f"intervals_{horizon}"] = _interval_figures(many)
    return result


def pbc_task(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Each patient's last visit, forecast from the visits before (MAE in standard deviations)."""
    data = load_pbc()
    X, groups = data.values, data.groups
    last = data.offsets[1:] - 1
    held_out = last[np.diff(data.offsets) >= 2]
    train = np.ones(len(X), bool)
    train[held_out] = False
    model = LSTMForecaster(random_state=seed, **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X[train], groups=groups[train])

    def error(forecaster: Any) -> float:  # over the observed values, in standard deviations
        tested = backtest(forecaster, X, groups=groups, start=-1, steps=1)  # the last visits
        truth = np.where(data.mask[held_out].ravel(), tested["truth"], np.nan)
        scale = np.tile(X.std(axis=0), len(held_out))
        return metrics.mae(truth / scale, tested["forecast"] / scale)

    return {
        "task": "pbc", "seed": seed, "epochs": model.n_epochs_, "seconds": model.fit_seconds_,
        "stopped": model.stopped_,
        "warnings": sorted({str(w.message)[:80] for w in caught}),
        "model": [error(model)],
        "persistence": [error(Persistence().fit(X, groups=groups))],
        "horizon": 1,
    }  # fmt: skip


def summarise(results: list[dict[str, Any]]) -> str:
    """Markdown table of medians over seeds, ratio to the best baseline per task and step."""
    lines = [
        "| task | steps | model MAE (seeds) | persistence | seasonal naive | model / best "
        "baseline (worst seed) | 80% coverage | pinball | epochs | train s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for task in dict.fromkeys(r["task"] for r in results):
        runs = [r for r in results if r["task"] == task]
        for i, steps in enumerate([1, runs[0]["horizon"]][: len(runs[0]["model"])]):
            model = [r["model"][i] for r in runs]
            persistence = runs[0]["persistence"][i]
            seasonal = runs[0].get("seasonal_naive", [None, None])[i]
            best = min(v for v in (persistence, seasonal) if v is not None)
            key = f"intervals_{steps}"
            cover = [r[key]["coverage80"] for r in runs if key in r]
            pinball = [r[key]["pinball"] for r in runs if key in r]
            lines.append(
                f"| {task} | {steps} | {statistics.median(model):.3f} "
                f"({', '.join(f'{v:.3f}' for v in model)}) | {persistence:.3f} | "
                f"{'-' if seasonal is None else f'{seasonal:.3f}'} | "
                f"{statistics.median(model) / best:.3f} ({max(model) / best:.3f}) | "
                f"{f'{statistics.median(cover):.3f}' if cover else '-'} | "
                f"{f'{statistics.median(pinball):.3f}' if pinball else '-'} | "
                f"{statistics.median(r['epochs'] for r in runs)} | "
                f"{statistics.median(r['seconds'] for r in runs):.1f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=[*SERIES_TASKS, "pbc"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--params", default="{}", help="LSTMForecaster parameters, as JSON")
    parser.add_argument("--out", default="accuracy", help="results file name (no extension)")
    args = parser.parse_args(argv)
    params = json.loads(args.params)
    torch.set_num_threads(2)
    results = []
    for task in args.tasks:
        for seed in args.seeds:
            started = time.perf_counter()
            result = pbc_task(params, seed) if task == "pbc" else series_task(task, params, seed)
            result["wall_seconds"] = time.perf_counter() - started
            print(json.dumps(result), flush=True)
            results.append(result)
    table = summarise(results)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    header = (
        f"# LSTMForecaster accuracy on the shipped data ({time.strftime('%Y-%m-%d')})\n\n"
        f"Machine: {platform.machine()}, {torch.get_num_threads()} threads, Python "
        f"{platform.python_version()}, torch {torch.__version__}. Parameters: defaults"
        f"{' and ' + args.params if params else ''}. Test: the last 20% of each series (PBC: "
        "each patient's last visit). MAE in the data's units (speech: all 14 columns; PBC: "
        "standard deviations). Command: `python benchmarks/bench_accuracy.py "
        f"{' '.join(sys.argv[1:])}`\n\n"
    )
    (RESULTS / f"{args.out}.md").write_text(header + table + "\n")
    (RESULTS / f"{args.out}.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
