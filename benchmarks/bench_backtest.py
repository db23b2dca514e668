"""Speed of `tsforecast.backtest` against calling `forecast` at every origin.

On the shipped hourly weather (a DataFrame, 21 columns, the model's defaults but for the
epochs: training does not change the cost of a forecast), the last 20% held out: 1,752
one-step origins (every test hour) and 73 24-step origins (every 24 hours), points and
calibrated quantiles. The loop cuts the DataFrame at each origin and calls `forecast`, as a
user would without `backtest`; `backtest` must return the same forecasts (the largest
difference is reported) in far less time.

Run: ``python benchmarks/bench_backtest.py [--repeats 3] [--out backtest] [--hours N]``; writes
``benchmarks/results/NAME.json`` and ``.md``. Timings: medians of ``--repeats`` runs for
`backtest`, one full run of the loop; run on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _common import median_seconds

from tsforecast import LSTMForecaster, backtest
from tsforecast.datasets import load_weather

RESULTS = Path(__file__).parent / "results"


def measure(steps: int, quantiles: bool, repeats: int, model: Any, frame: Any) -> dict[str, Any]:
    """Time backtest and the forecast loop over the same origins; compare their forecasts."""
    split = int(0.8 * len(frame))
    ask = True if quantiles else None
    tested = backtest(model, frame, start=split, steps=steps, stride=steps, quantiles=ask)
    seconds = median_seconds(
        lambda: backtest(model, frame, start=split, steps=steps, stride=steps, quantiles=ask),
        repeats,
    )
    origins = np.arange(split, len(frame) - steps + 1, steps)
    start = time.perf_counter()
    looped = [model.forecast(frame.iloc[:origin], steps, quantiles=ask) for origin in origins]
    loop_seconds = time.perf_counter() - start
    columns = [c for c in tested.columns if c.startswith("q")] if quantiles else ["forecast"]
    ours = tested[columns].to_numpy().reshape(len(origins), steps, -1)
    theirs = np.stack([np.asarray(f, dtype=float).reshape(steps, -1) for f in looped])
    if quantiles:  # the loop's columns: target by level; the frame's: one target, levels
        theirs = theirs.reshape(len(origins), steps, len(model.target_names_), -1)[:, :, 0]
    else:
        theirs = theirs[..., :1]
    return {
        "steps": steps, "quantiles": quantiles, "origins": len(origins),
        "backtest_seconds": seconds, "loop_seconds": loop_seconds,
        "speedup": loop_seconds / seconds, "origins_per_second": len(origins) / seconds,
        "max_difference": float(np.abs(ours - theirs).max()),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default="backtest")
    parser.add_argument("--hours", type=int, default=None, help="the first N hours only")
    args = parser.parse_args(argv)
    frame = load_weather().to_frame().iloc[: args.hours]
    split = int(0.8 * len(frame))
    model = LSTMForecaster(max_epochs=5, target="Dry-bulb (C)", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # five epochs: "does not beat the baselines"
        model.fit(frame.iloc[:split])
    runs = [
        measure(steps, quantiles, args.repeats, model, frame)
        for steps in (1, 24)
        for quantiles in (False, True)
    ]
    machine = f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
    lines = [
        "# backtest against a forecast loop (hourly weather, defaults, last 20% held out)",
        "",
        f"Machine: {machine}; torch {torch.__version__}. Medians of {args.repeats} backtests; "
        "one loop.",
        "",
        "| steps | quantiles | origins | backtest (s) | loop (s) | speed-up | origins / s | "
        "max difference |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        lines.append(
            f"| {run['steps']} | {'yes' if run['quantiles'] else 'no'} | {run['origins']} | "
            f"{run['backtest_seconds']:.3f} | {run['loop_seconds']:.2f} | "
            f"{run['speedup']:.0f}x | {run['origins_per_second']:.0f} | "
            f"{run['max_difference']:.1e} |"
        )
    out = RESULTS / args.out if Path(args.out).name == args.out else Path(args.out)
    out.parent.mkdir(exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(runs, indent=2))
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
