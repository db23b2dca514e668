"""tsforecast beside its peers on the shipped hourly weather: accuracy, training speed, latency.

One command runs every system in its own process (its memory is its own), several times, and
writes ``benchmarks/results/peers.json`` and ``peers.md``. The peers are optional: install them
with ``pip install -e ".[bench]"`` (darts, neuralforecast); a system whose library is missing
is reported as skipped.

Protocol (issue 6): target temperature, chronological split 70% train / 10% validation / 20%
test, standardised with the training statistics, metrics in degrees C. Context 168, hidden 64,
one recurrent layer, batch 64, Adam lr 1e-3, float32, CPU, 2 threads. Two settings:

- ``work``: every recurrent system trains for the same number of optimiser steps of 64 windows
  (``--steps``), so throughput (target positions per second) compares at equal work; the bare
  loop also runs at tsforecast's batch size (tsforecast's batches hold one epoch's blocks
  where an epoch has fewer than 64), the reference at identical work per step;
- ``time``: a wall-time training budget (``--budget`` seconds, and ``--short-budget`` for
  tsforecast's own defaults): accuracy for the time spent.

Figures per run: test MAE one step ahead (each forecast from the true history), MAE over 24
steps (origins every 24 h, forecasts fed back), training seconds, target positions per second,
seconds to forecast every test row one step ahead, median latency of one forecast from a
168-row history, peak resident memory of the process. For quantile forecasts (tsforecast's
defaults; darts' ``RNNModel`` with ``QuantileRegression([0.1, 0.5, 0.9])`` and 200 samples per
forecast): the coverage and width of the 80% interval and the mean pinball loss over the three
levels, at 1 and 24 steps (the point forecast is then the median). The baselines, the origins
and the errors are those of ``tsforecast.metrics``, as everywhere in the project.

Run: ``python benchmarks/bench_peers.py [--repeats 3] [--budget 60] [--steps 300]``;
``--quick`` runs a few seconds per system (used by the tests).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    emit,
    interval_figures,
    run_worker,
)
from _peers_systems import run_naive, run_ridge, system_table
from _peers_task import (
    BARE,
    BARE_AT_TSFORECAST_BATCH,
    BATCH,
    HORIZON,
    LEVELS,
    RESULTS,
    SHORT_BUDGET,
    THREADS,
    load_task,
)  # fmt: skip


# ---------------------------------------------------------------------------- one process
def setting_budget(setting: str, budget: float) -> float | None:
    """Training seconds of a setting.

    Parameters
    ----------
    setting : str
        ``"time"``, ``"time-short"``, ``"work"`` or ``"once"``.
    budget : float
        The ``--budget`` seconds.

    Returns
    -------
    float or None
        ``budget`` (time), ``SHORT_BUDGET * budget`` (time-short), or None (no time limit).
    """
    return {"time": budget, "time-short": budget * SHORT_BUDGET}.get(setting)


def worker(name: str, setting: str, seed: int, budget: float, steps: int) -> dict[str, Any]:
    """Run one system once, in this process, and measure it.

    Parameters
    ----------
    name : str
        The system (a key of `system_table`).
    setting : str
        ``"work"``, ``"time"``, ``"time-short"`` or ``"once"``.
    seed : int
        The run's seed.
    budget : float
        The ``--budget`` seconds (see `setting_budget`).
    steps : int
        Optimiser steps of the work setting.

    Returns
    -------
    dict
        The run's figures: test MAE one step and 24 steps ahead, the system's own figures,
        positions per second of training, and the peak and baseline resident memory (MB).
    """
    import torch

    torch.set_num_threads(THREADS)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    from tsforecast.metrics import mae

    task = load_task()
    spec = system_table()[name]
    kwargs = dict(spec["kw"])
    if spec["run"] not in (run_naive, run_ridge):
        kwargs["budget"] = setting_budget(setting, budget)
        kwargs["steps"] = steps if setting == "work" else None
        kwargs["seed"] = seed
    result = spec["run"](task, **kwargs)
    figures: dict[str, Any] = {"system": name, "setting": setting, "seed": seed}
    if "one_step" in result:
        one = np.asarray(result.pop("one_step"), dtype=np.float64)
        figures["mae_1"] = mae(task.truth(task.test_rows, 1)[:, 0], one)
    if "multi_step" in result:
        multi = np.asarray(result.pop("multi_step"), dtype=np.float64)
        figures["mae_24"] = mae(task.truth(task.origins, HORIZON), multi)
    for key, steps, rows in (
        ("one_step_q", 1, task.test_rows),
        ("multi_step_q", HORIZON, task.origins),
    ):
        if key in result:
            quantiles = np.asarray(result.pop(key), dtype=np.float64)
            observed = task.truth(rows, steps)[:, 0] if steps == 1 else task.truth(rows, steps)
            shared = interval_figures(quantiles, observed, LEVELS)
            figures.update({
                f"coverage80_{steps}": shared["coverage"], f"width80_{steps}": shared["width"],
                f"pinball_{steps}": shared["pinball"],
            })  # fmt: skip
    figures.update(result)
    if "positions" in figures and figures.get("train_seconds"):
        figures["positions_per_second"] = figures["positions"] / figures["train_seconds"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    figures["peak_rss_mb"] = peak / 2**20
    figures["baseline_rss_mb"] = baseline / 2**20
    return figures


def run_in_process(name: str, setting: str, seed: int, args: argparse.Namespace) -> dict:
    """Run `worker` in a process of its own (see `_common.run_worker`).

    Parameters
    ----------
    name : str
        The system.
    setting : str
        The setting.
    seed : int
        The run's seed.
    args : argparse.Namespace
        The command line's arguments (``budget``, ``steps``).

    Returns
    -------
    dict
        The run's figures, or its system, setting, seed and ``error`` where it failed.
    """
    worker_args = ["--setting", setting, "--seed", seed, "--budget", args.budget,
                   "--steps", args.steps]  # fmt: skip
    return run_worker(
        __file__, name, worker_args, threads=THREADS, env={"TQDM_DISABLE": "1"},
        identity={"system": name, "setting": setting, "seed": seed},
    )  # fmt: skip


# ---------------------------------------------------------------------------- the report
FIGURES = ("mae_1", "mae_24", "train_seconds", "positions_per_second", "predict_seconds",
           "latency_ms", "peak_rss_mb", "positions_per_second_training", "coverage80_1",
           "coverage80_24", "width80_1", "width80_24", "pinball_1", "pinball_24")  # fmt: skip
CONSTANTS = ("batch",)  # the same in every run of a system and setting


def summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Medians per system and setting, and every figure derived from them.

    Parameters
    ----------
    runs : list of dict
        Figures of each run (`worker`), or the ``error`` of a run that failed.

    Returns
    -------
    list of dict
        One row per (system, setting): ``runs`` (successful runs), the median of each of
        ``FIGURES``, throughput and latency relative to the bare loop of the same setting
        (``positions_per_second_vs_bare``, ``latency_ms_vs_bare``), for tsforecast the
        training throughput relative to the bare loop at tsforecast's batch size
        (``training_throughput_vs_matched_bare``, with that batch: ``matched_batch``), and the
        last ``error``, if any.
    """
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for run in runs:
        key = (run["system"], run["setting"])
        row = rows.setdefault(key, {"system": key[0], "setting": key[1], "runs": 0})
        if "error" in run:
            row["error"] = run["error"]
            continue
        row["runs"] += 1
        for figure in FIGURES:
            if run.get(figure) is not None:
                row.setdefault("_" + figure, []).append(run[figure])
        for constant in CONSTANTS:
            if constant in run:
                row[constant] = run[constant]
    for row in rows.values():
        for figure in FIGURES:
            values = row.pop("_" + figure, None)
            if values:
                row[figure] = statistics.median(values)
    for (system, setting), row in rows.items():
        bare = rows.get((BARE, setting), {})
        for figure in ("positions_per_second", "latency_ms"):
            if figure in row and figure in bare:
                row[f"{figure}_vs_bare"] = row[figure] / bare[figure]
        matched = rows.get((BARE_AT_TSFORECAST_BATCH, setting), {})
        if system.startswith("tsforecast") and "positions_per_second" in matched:
            # The issue's throughput target: training positions/s (history_) at equal batches.
            row["training_throughput_vs_matched_bare"] = (
                row["positions_per_second_training"] / matched["positions_per_second"]
            )
            row["matched_batch"] = matched["batch"]
    return list(rows.values())


def markdown(summary: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    """Render the summary as a Markdown report; every figure is already in its rows or meta.

    Parameters
    ----------
    summary : list of dict
        Rows of `summarise`.
    meta : dict
        The run's description: ``date``, ``machine``, ``torch``, ``repeats``, ``budget``,
        ``short_budget``, ``steps``, ``n_test``, ``n_origins``, ``command``.

    Returns
    -------
    str
    """

    def cell(row: dict[str, Any], figure: str, fmt: str) -> str:
        value = row.get(figure)
        return "" if value is None else format(value, fmt)

    titles = {
        "work": f"Equal work: {meta['steps']} optimiser steps of {BATCH} windows",
        "time": f"Equal time: {meta['budget']:g}-second training budget",
        "time-short": f"Short budget: {meta['short_budget']:g} seconds",
        "once": "Baselines (no training budget)",
    }
    lines = [
        f"# Peers on hourly weather temperature ({meta['date']})", "",
        f"Machine: {meta['machine']}; torch {meta['torch']}, {THREADS} threads; "
        f"{meta['repeats']} runs per system and setting (medians). MAE in degrees C on the "
        f"last 20% (1-step: {meta['n_test']} forecasts; 24-step: {meta['n_origins']} origins).",
        f"Command: `{meta['command']}`", "",
    ]  # fmt: skip
    for setting, title in titles.items():
        part = [row for row in summary if row["setting"] == setting]
        if not part:
            continue
        lines += [f"## {title}", "",
                  "| system | 1-step MAE | 24-step MAE | train s | positions/s | vs bare | "
                  "1-step test forecasts s | latency ms | latency vs bare | peak RSS MB |",
                  "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for row in part:
            if "error" in row and not row["runs"]:
                lines.append(f"| {row['system']} | skipped: {row['error'][:80]} |")
                continue
            lines.append(
                f"| {row['system']} | {cell(row, 'mae_1', '.3f')} | {cell(row, 'mae_24', '.2f')} "
                f"| {cell(row, 'train_seconds', '.1f')} "
                f"| {cell(row, 'positions_per_second', ',.0f')} "
                f"| {cell(row, 'positions_per_second_vs_bare', '.2f')} "
                f"| {cell(row, 'predict_seconds', '.2f')} | {cell(row, 'latency_ms', '.2f')} "
                f"| {cell(row, 'latency_ms_vs_bare', '.2f')} | {cell(row, 'peak_rss_mb', ',.0f')} |"
            )
        lines.append("")
        probabilistic = [row for row in part if "pinball_1" in row]
        if probabilistic:
            lines += ["Quantile forecasts (levels 0.1, 0.5, 0.9): coverage and width of the 80% "
                      "interval, mean pinball loss over the levels (degrees C).", "",
                      "| system | coverage 1 step | coverage 24 steps | width 1 | width 24 | "
                      "pinball 1 | pinball 24 |", "|---|---|---|---|---|---|---|"]  # fmt: skip
            for row in probabilistic:
                lines.append(
                    f"| {row['system']} | {cell(row, 'coverage80_1', '.3f')} "
                    f"| {cell(row, 'coverage80_24', '.3f')} | {cell(row, 'width80_1', '.2f')} "
                    f"| {cell(row, 'width80_24', '.2f')} | {cell(row, 'pinball_1', '.3f')} "
                    f"| {cell(row, 'pinball_24', '.3f')} |"
                )
            lines.append("")
        for row in part:
            if "training_throughput_vs_matched_bare" in row:
                lines.append(
                    f"- {row['system']}: {row['positions_per_second_training']:,.0f} target "
                    "positions/s while training (history_, validation excluded), "
                    f"{row['training_throughput_vs_matched_bare']:.2f}x the bare loop at the same "
                    f"{row['matched_batch']}-window batches."
                )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark from the command line (or, with ``--worker``, one run of it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--budget", type=float, default=60.0,
                        help="training seconds, time setting (time-short: a third)")  # fmt: skip
    parser.add_argument("--steps", type=int, default=300, help="optimiser steps, work setting")
    parser.add_argument("--systems", nargs="*", help="names to run (default: all)")
    parser.add_argument("--settings", nargs="*", default=["once", "work", "time", "time-short"])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--quick", action="store_true", help="3-second budgets, 1 run (tests)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--setting", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        emit(worker(args.worker, args.setting, args.seed, args.budget, args.steps))
        return
    if args.quick:
        args.repeats, args.budget, args.steps = 1, 3.0, 10
    table = system_table()
    names = args.systems or list(table)
    unknown = sorted(set(names) - set(table))
    if unknown:
        parser.error(f"unknown systems {unknown}; choose from {list(table)}")
    runs = []
    for setting in args.settings:
        for name in names:
            spec = table[name]
            if setting not in spec["settings"]:
                continue
            needed = spec.get("needs")
            if needed and not _importable(needed):
                missing = f"{needed} not installed (pip install -e '.[bench]')"
                runs.append({"system": name, "setting": setting, "seed": 0, "error": missing})
                continue
            repeats = 1 if setting == "once" else args.repeats
            for seed in range(repeats):
                run = run_in_process(name, setting, seed, args)
                runs.append(run)
                shown = {k: round(v, 4) if isinstance(v, float) else v for k, v in run.items()}
                print(json.dumps(shown), flush=True)
    import torch

    task = load_task()
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "torch": torch.__version__, "repeats": args.repeats, "budget": args.budget,
        "short_budget": setting_budget("time-short", args.budget), "steps": args.steps,
        "n_test": len(task.test_rows), "n_origins": len(task.origins),
        "command": "python benchmarks/bench_peers.py " + " ".join(sys.argv[1:]),
    }  # fmt: skip
    summary = summarise(runs)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "peers_quick" if args.quick else "peers"
    (args.out / f"{stem}.json").write_text(
        json.dumps({"meta": meta, "summary": summary, "runs": runs}, indent=1)
    )
    report = markdown(summary, meta)
    (args.out / f"{stem}.md").write_text(report + "\n")
    print(report)


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


if __name__ == "__main__":
    main()
