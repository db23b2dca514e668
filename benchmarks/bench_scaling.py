"""How fit time and peak memory grow with the data: many synthetic seasonal series.

Series of 500 to 2,000 hourly points (a daily and a weekly cycle of random amplitude and phase,
a level, a slow trend and AR(1) noise), 1,000 to 10,000 of them. Every system trains for the
same wall-time budget (``--budget`` seconds of optimisation, context 168, hidden 64, batch 64),
so what grows with the data is the cost of preparing it and the memory it takes. Each run is
its own process; memory is its peak resident size minus the size after importing the library
and torch (measured in the same process), set against the raw float32 data. The smallest size
shows the fixed cost (torch's kernels paged in, one batch's activations); how memory grows is
the step from one size to the next over the step in raw data ("marginal").

Run: ``python benchmarks/bench_scaling.py [--sizes 10 1000 3000 10000] [--budget 5]``; peers
(darts, neuralforecast) run when installed (``pip install -e ".[bench]"``).
Results: ``benchmarks/results/scaling.{json,md}``.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import emit, lightning_trainer_kwargs, quiet_lightning, run_worker

CONTEXT, HIDDEN, BATCH, THREADS = 168, 64, 64, 2
RESULTS = Path(__file__).parent / "results"


def make_series(n_series: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Make ``n_series`` seasonal series, rows series by series.

    Parameters
    ----------
    n_series : int
        Series to make (500 to 2,000 points each).
    seed : int, default=0
        Seed of the random draws.

    Returns
    -------
    values : ndarray of float32
        The points, series after series.
    groups : ndarray of int32
        The series id of each point.
    """
    rng = np.random.default_rng(seed)
    lengths = rng.integers(500, 2001, n_series)
    groups = np.repeat(np.arange(n_series, dtype=np.int32), lengths)
    t = np.arange(len(groups)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    per_series = {
        name: np.repeat(draw, lengths)
        for name, draw in {
            "level": rng.normal(10, 5, n_series),
            "daily": rng.uniform(1, 5, n_series),
            "weekly": rng.uniform(0, 2, n_series),
            "phase": rng.uniform(0, 2 * np.pi, n_series),
            "trend": rng.normal(0, 1e-3, n_series),
        }.items()
    }
    ar = _ar1(rng.normal(0, 0.3, len(groups)), 0.8, t == 0)
    values = (
        per_series["level"]
        + per_series["daily"] * np.sin(2 * np.pi * t / 24 + per_series["phase"])
        + per_series["weekly"] * np.sin(2 * np.pi * t / 168)
        + per_series["trend"] * t
        + ar
    )
    return values.astype(np.float32), groups


def _ar1(noise: np.ndarray, phi: float, starts: np.ndarray) -> np.ndarray:
    """x[t] = phi * x[t-1] + noise[t], restarting at ``starts`` (a linear filter per series)."""
    from scipy.signal import lfilter

    out = np.empty_like(noise)
    bounds = np.append(np.flatnonzero(starts), len(noise))
    for start, stop in itertools.pairwise(bounds):
        out[start:stop] = lfilter([1.0], [1.0, -phi], noise[start:stop])
    return out


def fit_tsforecast(values: np.ndarray, groups: np.ndarray, budget: float) -> dict[str, Any]:
    """Fit tsforecast's LSTMForecaster on the series for ``budget`` seconds of training.

    Parameters
    ----------
    values : ndarray of float32
        The points, series after series.
    groups : ndarray of int32
        The series id of each point (sorted).
    budget : float
        Training seconds.

    Returns
    -------
    dict
        Figures of the fit to report beside time and memory: why training stopped.
    """
    from tsforecast import LSTMForecaster

    model = LSTMForecaster(
        context_length=CONTEXT, hidden_size=HIDDEN, batch_size=BATCH, max_time=budget,
        time_features=None, random_state=0,
    )  # fmt: skip
    model.fit(values[:, None], groups=groups)
    return {"stopped": model.stopped_}


def fit_darts(values: np.ndarray, groups: np.ndarray, budget: float) -> dict[str, Any]:
    """Fit darts' RNNModel (LSTM) on the series for ``budget`` seconds of training.

    Parameters
    ----------
    values : ndarray of float32
        The points, series after series.
    groups : ndarray of int32
        The series id of each point (sorted).
    budget : float
        Training seconds.

    Returns
    -------
    dict
        Figures of the fit to report beside time and memory (none).
    """
    quiet_lightning()
    from darts import TimeSeries
    from darts.models import RNNModel

    bounds = np.append(np.flatnonzero(np.diff(groups)) + 1, len(groups))
    series, start = [], 0
    for stop in bounds:
        series.append(TimeSeries.from_values(values[start:stop, None]))
        start = stop
    model = RNNModel(
        model="LSTM", input_chunk_length=CONTEXT, training_length=CONTEXT, hidden_dim=HIDDEN,
        batch_size=BATCH, n_epochs=10**6, random_state=0,
        pl_trainer_kwargs=lightning_trainer_kwargs(budget),
    )  # fmt: skip
    model.fit(series, verbose=False)
    return {}


def fit_neuralforecast(values: np.ndarray, groups: np.ndarray, budget: float) -> dict[str, Any]:
    """Fit neuralforecast's LSTM (h=1) on the series for ``budget`` seconds of training.

    Parameters
    ----------
    values : ndarray of float32
        The points, series after series.
    groups : ndarray of int32
        The series id of each point (sorted).
    budget : float
        Training seconds.

    Returns
    -------
    dict
        Figures of the fit to report beside time and memory (none).
    """
    import pandas as pd

    quiet_lightning()
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM

    t = np.arange(len(groups)) - np.searchsorted(groups, groups)  # groups are sorted ids
    frame = pd.DataFrame({"unique_id": groups, "ds": t, "y": values})
    model = LSTM(
        h=1, input_size=CONTEXT, encoder_hidden_size=HIDDEN, encoder_n_layers=1,
        decoder_hidden_size=HIDDEN, batch_size=32, windows_batch_size=BATCH, max_steps=10**9,
        val_check_steps=10**9, scaler_type="identity", random_seed=0,
        **lightning_trainer_kwargs(budget),
    )  # fmt: skip
    NeuralForecast(models=[model], freq=1).fit(frame)
    return {}


def _memory(field: str) -> int:
    """Bytes of a /proc/self/status field.

    VmRSS (now) or VmHWM (peak since exec; getrusage's ru_maxrss is not used because Linux
    carries it over from the parent across exec).
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


SYSTEMS = {
    "tsforecast": (fit_tsforecast, "tsforecast"),
    "darts RNNModel": (fit_darts, "darts"),
    "neuralforecast LSTM": (fit_neuralforecast, "neuralforecast"),
}


def worker(system: str, data: Path, budget: float) -> dict[str, Any]:
    """Fit one system on one data set, in this process, and measure time and memory.

    Parameters
    ----------
    system : str
        A key of ``SYSTEMS``.
    data : Path
        An ``.npz`` file of ``values`` and ``groups`` (`make_series`).
    budget : float
        Training seconds.

    Returns
    -------
    dict
        The data's size, fit seconds and overhead beyond the budget, peak and baseline
        resident memory and their difference (MB, and over the raw data), and the system's own
        figures.
    """
    import torch

    torch.set_num_threads(THREADS)
    fit, module = SYSTEMS[system]
    __import__(module)
    # The first torch.optim optimizer imports torch's compiler stack (torch._dynamo: ~65 MB,
    # ~1 s here), whichever library builds it: part of the torch baseline, loaded before it.
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    baseline = _memory("VmRSS")
    with np.load(data) as saved:  # made by the parent: no temporaries of its making here
        values, groups = saved["values"], saved["groups"]
    n_series = int(groups[-1]) + 1
    started = time.perf_counter()
    extra = fit(values, groups, budget)
    seconds = time.perf_counter() - started
    peak = _memory("VmHWM")
    raw = values.nbytes
    return {
        "system": system, "n_series": n_series, "n_points": len(values),
        "raw_mb": raw / 2**20, "fit_seconds": seconds, "overhead_seconds": seconds - budget,
        "peak_mb": peak / 2**20, "baseline_mb": baseline / 2**20,
        "memory_mb": (peak - baseline) / 2**20, "memory_vs_raw": (peak - baseline) / raw,
        **extra,
    }  # fmt: skip


def add_marginal_memory(runs: list[dict[str, Any]]) -> None:
    """Add to each run how memory grew from the run before it over the raw-data step.

    ``marginal_memory_vs_raw`` (``runs`` is updated) is the memory step from the previous run
    of the same system (sizes in the order run) over the raw-data step; a run after a failed
    run or the first of its system has none.

    Parameters
    ----------
    runs : list of dict
        Figures of each run (`worker`), or the ``error`` of a run that failed, system by system.
    """
    previous = None
    for run in runs:
        if "error" in run:
            previous = None
            continue
        if previous is not None and previous["system"] == run["system"]:
            step = run["raw_mb"] - previous["raw_mb"]
            run["marginal_memory_vs_raw"] = (run["memory_mb"] - previous["memory_mb"]) / step
        previous = run


def markdown(runs: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    """Render the runs as a Markdown report; every figure is already in the runs or meta.

    Parameters
    ----------
    runs : list of dict
        Figures of each run, with ``marginal_memory_vs_raw`` (`add_marginal_memory`).
    meta : dict
        The run's description: ``date``, ``budget``, ``command``.

    Returns
    -------
    str
    """
    lines = [
        f"# Scaling: fit time and peak memory ({meta['date']})", "",
        f"{meta['budget']:g} s of training for every system (context {CONTEXT}, hidden {HIDDEN}, "
        f"batch {BATCH}, {THREADS} threads); 'overhead' is fit time beyond that budget; "
        "'memory' is peak RSS minus the RSS after importing torch and the library (and torch's "
        "optimizer machinery): the data loaded from disk (float32 values and int32 series ids: "
        "2x raw) and everything the fit adds. 'marginal': the memory step from the size above "
        "over the raw-data step.",
        f"Command: `{meta['command']}`", "",
        "| system | series | points | raw MB | fit s | overhead s | memory MB | memory / raw "
        "| marginal memory / raw |",
        "|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for run in runs:
        if "error" in run:
            lines.append(f"| {run['system']} | {run.get('n_series', '')} | error: "
                         f"{run['error'][:100]} |")  # fmt: skip
            continue
        marginal = run.get("marginal_memory_vs_raw")
        lines.append(
            f"| {run['system']} | {run['n_series']:,} | {run['n_points']:,} | "
            f"{run['raw_mb']:.1f} | {run['fit_seconds']:.1f} | {run['overhead_seconds']:.1f} | "
            f"{run['memory_mb']:.0f} | {run['memory_vs_raw']:.1f} | "
            f"{'' if marginal is None else format(marginal, '.1f')} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark from the command line (or, with ``--worker``, one run of it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 1000, 3000, 10000])
    parser.add_argument("--budget", type=float, default=5.0)
    parser.add_argument("--systems", nargs="*", default=list(SYSTEMS))
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        emit(worker(args.worker, args.data, args.budget))
        return
    folder = Path(tempfile.mkdtemp(prefix="tsforecast-scaling-"))
    for n_series in args.sizes:
        values, groups = make_series(n_series)
        np.savez(folder / f"{n_series}.npz", values=values, groups=groups)
    runs = []
    for system in args.systems:
        if importlib.util.find_spec(SYSTEMS[system][1]) is None:
            runs.append({"system": system, "error": "not installed"})
            continue
        for n_series in args.sizes:
            worker_args = ["--data", folder / f"{n_series}.npz", "--budget", args.budget]
            run = run_worker(
                __file__, system, worker_args, threads=THREADS,
                identity={"system": system, "n_series": n_series},
            )  # fmt: skip
            runs.append(run)
            print(json.dumps(run), flush=True)
    add_marginal_memory(runs)
    meta = {
        "date": time.strftime("%Y-%m-%d"), "budget": args.budget,
        "command": f"python benchmarks/bench_scaling.py {' '.join(sys.argv[1:])}",
    }  # fmt: skip
    report = markdown(runs, meta)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scaling.json").write_text(json.dumps(runs, indent=1))
    (args.out / "scaling.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
