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
import math
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    emit,
    interval_figures,
    lightning_trainer_kwargs,
    median_seconds,
    quiet_lightning,
    run_worker,
)

CONTEXT, HIDDEN, BATCH, LR, HORIZON, THREADS = 168, 64, 64, 1e-3, 24, 2
LEVELS = (0.1, 0.5, 0.9)  # quantile levels of the interval figures (the 80% interval)
SAMPLES = 200  # darts' samples per probabilistic forecast
SEASON = 24  # rows in the seasonal naive baseline's season (a day)
SHORT_BUDGET = 1 / 3  # the time-short setting's budget, a fraction of --budget
RESULTS = Path(__file__).parent / "results"
BARE = "bare PyTorch loop"
BARE_AT_TSFORECAST_BATCH = "bare PyTorch loop, tsforecast's batch size"

# tsforecast is imported inside the functions that use it: a worker measures its baseline
# memory before the library is loaded.


# ---------------------------------------------------------------------------- the task
@dataclass
class Task:
    """The temperature series, its split and its scaling."""

    y: np.ndarray  # degrees C, float32
    index: Any  # local time stamps (naive: the source's fixed UTC-05:00 standard time)
    n_train: int
    n_valid: int  # end of the validation rows; the test rows follow
    mean: float
    std: float

    @property
    def z(self) -> np.ndarray:
        """The series standardised with the training statistics (float32)."""
        return ((self.y - self.mean) / self.std).astype(np.float32)

    @property
    def test_rows(self) -> np.ndarray:
        """Rows forecast one step ahead (each from the rows before it)."""
        return np.arange(self.n_valid, len(self.y))

    @property
    def origins(self) -> np.ndarray:
        """First rows of the 24-step forecasts (every 24 rows, the whole horizon in the test)."""
        return np.arange(self.n_valid, len(self.y) - HORIZON + 1, HORIZON)

    def truth(self, rows: np.ndarray, steps: int) -> np.ndarray:
        """Return what happened at ``rows[i] + h`` for ``h < steps``: ``(len(rows), steps)``."""
        return self.y[np.asarray(rows)[:, None] + np.arange(steps)]

    @property
    def blocks_per_epoch(self) -> int:
        """Blocks in one of tsforecast's epochs on the training rows (protocol settings).

        tsforecast's `BlockSampler` draws ``ceil(positions / (block_length - 1))`` blocks of
        ``CONTEXT + 1`` rows per epoch: one pass over the ``n_train - 1`` target positions.
        """
        return math.ceil((self.n_train - 1) / CONTEXT)

    @property
    def tsforecast_batch(self) -> int:
        """Windows in one of tsforecast's training batches (protocol settings).

        tsforecast's batches hold ``min(BATCH, blocks left in the epoch)`` blocks: fewer than
        ``BATCH`` where one epoch has fewer blocks than that.
        """
        return min(BATCH, self.blocks_per_epoch)


def load_task() -> Task:
    """Load the shipped hourly weather's temperature and split it 70% / 10% / 20%.

    Returns
    -------
    Task
        The series, the end of its training and validation rows, and the training mean and
        standard deviation.
    """
    from tsforecast.datasets import load_weather

    data = load_weather()
    y = data.values[:, data.features.index("Dry-bulb (C)")].astype(np.float32)
    n = len(y)
    n_train, n_valid = int(0.7 * n), int(0.8 * n)
    train = y[:n_train].astype(np.float64)
    index = data.local_time.tz_localize(None)
    return Task(y, index, n_train, n_valid, float(train.mean()), float(train.std()))


def median_latency(forecast_one: Callable[[], Any], repeats: int = 200) -> float:
    """Median seconds of one call, after a few warm-up calls.

    Parameters
    ----------
    forecast_one : callable
        One forecast, called with no arguments.
    repeats : int, default=200
        Timed calls (after 5 untimed ones).

    Returns
    -------
    float
    """
    return median_seconds(forecast_one, repeats, warmup=5)


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    """Call ``function`` once and time it.

    Parameters
    ----------
    function : callable
        Called with no arguments.

    Returns
    -------
    result : object
        What ``function`` returned.
    seconds : float
        Wall-clock seconds of the call.
    """
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


# ---------------------------------------------------------------------------- systems
# Each returns one-step forecasts of the test rows and 24-step forecasts from the origins (in
# degrees C), with its training figures. ``budget`` is seconds (time setting) or None;
# ``steps`` is optimiser steps (work setting) or None.


def run_naive(task: Task, seasonal: bool, **_: Any) -> dict[str, Any]:
    """Forecast with persistence or the seasonal naive baseline (a day's season).

    Parameters
    ----------
    task : Task
        The series and its split.
    seasonal : bool
        Seasonal naive (each step repeats the value ``SEASON`` rows before it) rather than
        persistence (each step repeats the last value seen).

    Returns
    -------
    dict
        ``one_step`` (forecasts of the test rows) and ``multi_step`` (paths from the origins).
    """
    from tsforecast import Persistence, SeasonalNaive, backtest

    naive = SeasonalNaive(period=SEASON) if seasonal else Persistence()
    series = task.y[:, None]
    one = backtest(naive, series, start=task.n_valid, steps=1)["forecast"].to_numpy()
    multi = backtest(naive, series, start=task.n_valid, steps=HORIZON, stride=HORIZON)
    return {"one_step": one, "multi_step": multi["forecast"].to_numpy().reshape(-1, HORIZON)}


def run_ridge(task: Task, **_: Any) -> dict[str, Any]:
    """Fit a ridge regression on CONTEXT lags of the standardised series and forecast.

    Parameters
    ----------
    task : Task
        The series and its split.

    Returns
    -------
    dict
        Forecasts (``one_step``, ``multi_step``, fed back for 24 steps), training and
        prediction seconds and the latency of one forecast.
    """
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    from tsforecast import LagFeatures

    z = task.z[:, None]
    model = make_pipeline(LagFeatures(CONTEXT, fill_value=0.0), Ridge(alpha=1.0))
    _, seconds = timed(lambda: model.fit(z[: task.n_train - 1], task.z[1 : task.n_train]))
    rows = task.test_rows
    one, predict_seconds = timed(
        lambda: model.predict(z[task.n_valid - CONTEXT : -1])[CONTEXT - 1 :]
    )
    ridge = model[-1]
    history = np.stack([task.z[o - CONTEXT : o] for o in task.origins])
    multi = np.empty((len(history), HORIZON))
    for step in range(HORIZON):  # the last row's lags are the history itself, oldest first
        multi[:, step] = ridge.predict(history)
        history = np.c_[history[:, 1:], multi[:, step]]
    recent = z[task.n_valid - CONTEXT : task.n_valid]
    latency = median_latency(lambda: model.predict(recent)[-1])
    assert len(one) == len(rows)
    return {
        "one_step": one * task.std + task.mean,
        "multi_step": multi * task.std + task.mean,
        "train_seconds": seconds,
        "predict_seconds": predict_seconds,
        "latency_ms": 1e3 * latency,
    }


def run_bare(
    task: Task,
    budget: float | None,
    steps: int | None,
    seed: int,
    at_tsforecast_batch: bool = False,
) -> dict[str, Any]:
    """Train the no-overhead reference and forecast with it.

    The reference is nn.LSTM + nn.Linear trained on random blocks cut by index from one tensor.

    Parameters
    ----------
    task : Task
        The series and its split.
    budget : float or None
        Training seconds; None for no time limit.
    steps : int or None
        Training work in optimiser steps of ``BATCH`` windows (equal work whatever the batch);
        None for no limit.
    seed : int
        Seed of torch's generator.
    at_tsforecast_batch : bool, default=False
        Windows per step: tsforecast's batch on this task (`Task.tsforecast_batch`) instead of
        ``BATCH``.

    Returns
    -------
    dict
        Forecasts (``one_step``, ``multi_step``), training seconds, target positions trained
        on, windows per step (``batch``), prediction seconds and the latency of one forecast.
    """
    import torch
    from torch import nn

    batch = task.tsforecast_batch if at_tsforecast_batch else BATCH
    torch.manual_seed(seed)
    data = torch.from_numpy(task.z)
    train = data[: task.n_train]
    lstm = nn.LSTM(1, HIDDEN, batch_first=True)
    head = nn.Linear(HIDDEN, 1)
    optimizer = torch.optim.Adam([*lstm.parameters(), *head.parameters()], lr=LR)
    offsets = torch.arange(CONTEXT + 1)
    n_windows, started = 0, time.perf_counter()
    while (steps is None or n_windows < steps * BATCH) and (
        budget is None or time.perf_counter() - started < budget
    ):
        starts = torch.randint(0, len(train) - CONTEXT, (batch,))
        blocks = train[starts[:, None] + offsets][..., None]
        states, _ = lstm(blocks[:, :-1])
        loss = (head(states) - blocks[:, 1:]).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        n_windows += batch
    seconds = time.perf_counter() - started
    lstm.eval()

    @torch.inference_mode()
    def next_values(windows: torch.Tensor) -> torch.Tensor:
        states, _ = lstm(windows[..., None])
        return head(states[:, -1])[:, 0]

    def one_step() -> np.ndarray:
        windows = data.unfold(0, CONTEXT, 1)[task.test_rows - CONTEXT]
        return torch.cat([next_values(part) for part in windows.split(512)]).numpy()

    one, predict_seconds = timed(one_step)
    history = torch.stack([data[o - CONTEXT : o] for o in task.origins])
    multi = torch.empty(len(history), HORIZON)
    for step in range(HORIZON):
        multi[:, step] = next_values(history)
        history = torch.cat([history[:, 1:], multi[:, step : step + 1]], dim=1)
    recent = task.y[task.n_valid - CONTEXT : task.n_valid]

    def forecast_one() -> float:
        scaled = torch.from_numpy((recent - task.mean) / task.std)
        return float(next_values(scaled[None])[0]) * task.std + task.mean

    return {
        "one_step": one * task.std + task.mean,
        "multi_step": multi.numpy() * task.std + task.mean,
        "train_seconds": seconds,
        "positions": n_windows * CONTEXT,
        "batch": batch,
        "predict_seconds": predict_seconds,
        "latency_ms": 1e3 * median_latency(forecast_one),
    }


def run_tsforecast(
    task: Task, budget: float | None, steps: int | None, seed: int, own_defaults: bool
) -> dict[str, Any]:
    """Train tsforecast's LSTMForecaster and forecast with it.

    Parameters
    ----------
    task : Task
        The series and its split.
    budget : float or None
        Training seconds (``max_time``); None for no time limit.
    steps : int or None
        Training work in optimiser steps of ``BATCH`` windows, rounded up to whole epochs;
        None for no limit (protocol settings only).
    seed : int
        The model's ``random_state``.
    own_defaults : bool
        The model as users get it (context and hidden size given), fed a DataFrame with its
        time stamps; otherwise the protocol's settings on a plain array.

    Returns
    -------
    dict
        Forecasts (``one_step``, ``multi_step``), training seconds, target positions trained
        on (and per second of training, from ``history_``), prediction seconds, the latency
        of one forecast, epochs run and why training stopped.
    """
    import pandas as pd

    from tsforecast import LSTMForecaster

    frame = pd.DataFrame({"temperature": task.y}, index=task.index)
    valid_fraction = (task.n_valid - task.n_train) / task.n_valid
    if own_defaults:
        model = LSTMForecaster(
            context_length=CONTEXT, hidden_size=HIDDEN, max_time=budget,
            validation_fraction=valid_fraction, random_state=seed,
        )  # fmt: skip
        data: Any = frame
    else:
        epochs = 10**9 if steps is None else math.ceil(steps * BATCH / task.blocks_per_epoch)
        model = LSTMForecaster(
            context_length=CONTEXT, hidden_size=HIDDEN, batch_size=BATCH, learning_rate=LR,
            loss="mse", time_features=None, validation_fraction=valid_fraction, patience=None,
            max_time=budget, random_state=seed,
            max_epochs=epochs,
        )  # fmt: skip
        data = task.y[:, None]
    fit_rows = data[: task.n_valid]
    _, seconds = timed(lambda: model.fit(fit_rows))
    since = task.n_valid - CONTEXT  # predict reads exactly the last CONTEXT rows of each row
    one, predict_seconds = timed(lambda: model.predict(data[since:-1])[CONTEXT - 1 :, 0])
    origins = task.origins
    groups = np.repeat(np.arange(len(origins)), CONTEXT)
    rows = (origins[:, None] - CONTEXT + np.arange(CONTEXT)).ravel()
    intervals = {}
    if own_defaults:
        future = model.forecast(frame.iloc[rows], HORIZON, groups=groups)
        multi = future["temperature"].to_numpy().reshape(len(origins), HORIZON)
        if model.quantiles_ is not None and set(LEVELS) <= set(model.quantiles_):
            levels = list(LEVELS)
            quantiles = model.forecast(frame.iloc[rows], HORIZON, groups=groups, quantiles=levels)
            intervals = {
                "one_step_q": model.predict_quantiles(data[since:-1], quantiles=levels)[
                    CONTEXT - 1 :, 0
                ],
                "multi_step_q": quantiles.to_numpy().reshape(len(origins), HORIZON, len(levels)),
            }
    else:
        multi = model.forecast(data[rows], HORIZON, groups=groups)[..., 0]
    recent = data[task.n_valid - CONTEXT : task.n_valid]
    history = model.history_
    return {
        **intervals,
        "one_step": one,
        "multi_step": multi,
        "train_seconds": seconds,
        "positions": sum(h["n_positions"] for h in history),
        "positions_per_second_training": sum(h["n_positions"] for h in history)
        / sum(h["seconds"] for h in history),
        "predict_seconds": predict_seconds,
        "latency_ms": 1e3 * median_latency(lambda: model.forecast(recent, 1)),
        "epochs": model.n_epochs_,
        "stopped": model.stopped_,
    }


def _batch_counter() -> Any:
    import pytorch_lightning as pl

    class BatchCounter(pl.Callback):
        batches = 0  # on the class: libraries may copy the callback object

        def on_train_batch_end(self, *args: Any, **kwargs: Any) -> None:
            type(self).batches += 1

    return BatchCounter()


def run_darts(
    task: Task,
    budget: float | None,
    steps: int | None,
    seed: int,
    block: bool,
    quantiles: bool = False,
) -> dict[str, Any]:
    """Train a darts LSTM and forecast with it.

    Parameters
    ----------
    task : Task
        The series and its split.
    budget : float or None
        Training seconds; None for no time limit.
    steps : int or None
        Optimiser steps of ``BATCH`` windows; None for no limit.
    seed : int
        The model's ``random_state``.
    block : bool
        BlockRNNModel (a window in, the next value out) rather than RNNModel (teacher-forced,
        a target at every position).
    quantiles : bool, default=False
        Train with ``QuantileRegression(LEVELS)`` and forecast ``SAMPLES`` samples: the
        quantiles of the samples (``one_step_q``, ``multi_step_q``), their median the point
        forecast.

    Returns
    -------
    dict
        Forecasts (``one_step``, ``multi_step``), training seconds, target positions trained
        on, prediction seconds and the latency of one forecast.
    """
    quiet_lightning()
    from darts import TimeSeries
    from darts.models import BlockRNNModel, RNNModel
    from darts.utils.likelihood_models import QuantileRegression

    series = TimeSeries.from_times_and_values(task.index, task.z[:, None])
    counter = _batch_counter()
    common = {
        "model": "LSTM", "input_chunk_length": CONTEXT, "hidden_dim": HIDDEN,
        "n_rnn_layers": 1, "batch_size": BATCH, "n_epochs": 10**6,
        "optimizer_kwargs": {"lr": LR}, "random_state": seed,
        "pl_trainer_kwargs": lightning_trainer_kwargs(budget, steps, (counter,)),
    }  # fmt: skip
    if quantiles:
        common["likelihood"] = QuantileRegression(list(LEVELS))
    samples = SAMPLES if quantiles else 1
    if block:  # a window of 168 in, the next value out: one target position per window
        model = BlockRNNModel(output_chunk_length=1, **common)
        per_window = 1
    else:  # teacher-forced over 168 steps: a target at every position
        model = RNNModel(training_length=CONTEXT, **common)
        per_window = CONTEXT
    train = series[: task.n_train]
    _, seconds = timed(lambda: model.fit(train, verbose=False))
    start = series.time_index[task.n_valid]

    def one_step() -> np.ndarray:
        forecasts = model.historical_forecasts(
            series, start=start, forecast_horizon=1, stride=1, retrain=False,
            last_points_only=True, verbose=False, num_samples=samples,
        )  # fmt: skip
        return forecasts.all_values()[:, 0, :]  # (forecasts, samples)

    one, predict_seconds = timed(one_step)
    multi_series = model.historical_forecasts(
        series, start=start, forecast_horizon=HORIZON, stride=HORIZON, retrain=False,
        last_points_only=False, verbose=False, num_samples=samples,
    )  # fmt: skip
    multi = np.stack([s.all_values()[:, 0, :] for s in multi_series])[: len(task.origins)]
    recent = series[task.n_valid - CONTEXT : task.n_valid]
    latency = median_latency(
        lambda: model.predict(n=1, series=recent, verbose=False, num_samples=samples), 30
    )
    intervals = {}
    if quantiles:  # the samples' quantiles, in degrees
        intervals = {
            "one_step_q": np.quantile(one, LEVELS, axis=-1).T * task.std + task.mean,
            "multi_step_q": np.moveaxis(np.quantile(multi, LEVELS, axis=-1), 0, -1) * task.std
            + task.mean,
        }
    return {
        **intervals,
        "one_step": np.median(one, axis=-1) * task.std + task.mean,
        "multi_step": np.median(multi, axis=-1) * task.std + task.mean,
        "train_seconds": seconds,
        "positions": counter.batches * BATCH * per_window,
        "predict_seconds": predict_seconds,
        "latency_ms": 1e3 * latency,
    }


def run_neuralforecast(
    task: Task, budget: float | None, steps: int | None, seed: int, horizon: int
) -> dict[str, Any]:
    """Train neuralforecast's LSTM and forecast with it.

    neuralforecast's LSTM forecasts ``horizon`` values at once: h=1 for the one-step figure,
    h=24 for the 24-step figure (two models, trained separately).

    Parameters
    ----------
    task : Task
        The series and its split.
    budget : float or None
        Training seconds; None for no time limit.
    steps : int or None
        Optimiser steps of ``BATCH`` windows; None for no limit.
    seed : int
        The model's ``random_seed``.
    horizon : int
        Values forecast at once: 1 (one-step forecasts) or ``HORIZON`` (24-step ones).

    Returns
    -------
    dict
        Training seconds, target positions trained on, the latency of one forecast, and
        ``one_step`` forecasts and prediction seconds (h=1) or ``multi_step`` ones (h=24).
    """
    quiet_lightning()
    import pandas as pd
    from neuralforecast import NeuralForecast
    from neuralforecast.losses.pytorch import MSE
    from neuralforecast.models import LSTM

    counter = _batch_counter()
    model = LSTM(
        h=horizon, input_size=CONTEXT, encoder_hidden_size=HIDDEN, encoder_n_layers=1,
        decoder_hidden_size=HIDDEN, loss=MSE(), learning_rate=LR, batch_size=1,
        windows_batch_size=BATCH, scaler_type="identity", random_seed=seed,
        max_steps=steps if steps is not None else 10**9, val_check_steps=10**9,
        **lightning_trainer_kwargs(budget, None, (counter,)),
    )  # fmt: skip
    forecaster = NeuralForecast(models=[model], freq="h")
    frame = pd.DataFrame({"unique_id": 0, "ds": task.index, "y": task.z})
    _, seconds = timed(lambda: forecaster.fit(frame.iloc[: task.n_train]))

    def histories(ends: np.ndarray) -> pd.DataFrame:
        rows = (ends[:, None] - CONTEXT + np.arange(CONTEXT)).ravel()
        part = frame.iloc[rows].copy()
        part["unique_id"] = np.repeat(np.arange(len(ends)), CONTEXT)
        return part

    def predict(ends: np.ndarray) -> np.ndarray:
        output = forecaster.predict(df=histories(ends))
        return output["LSTM"].to_numpy().reshape(len(ends), horizon)

    result: dict[str, Any] = {
        "train_seconds": seconds,
        "positions": counter.batches * BATCH * horizon,
    }
    if horizon == 1:
        one, result["predict_seconds"] = timed(lambda: predict(task.test_rows)[:, 0])
        result["one_step"] = one * task.std + task.mean
    else:
        result["multi_step"] = predict(task.origins) * task.std + task.mean
    ends = np.array([task.n_valid])
    result["latency_ms"] = 1e3 * median_latency(lambda: predict(ends), 30)
    return result


def system_table() -> dict[str, dict[str, Any]]:
    """Describe the systems compared.

    Returns
    -------
    dict
        System name -> ``run`` (the function that runs it), ``kw`` (its keyword arguments),
        ``settings`` (those it runs in) and, for an optional peer, ``needs`` (its module).
    """
    both = ("work", "time")
    return {
        "tsforecast (own defaults)": {"run": run_tsforecast, "kw": {"own_defaults": True},
                                      "settings": ("time", "time-short")},
        "tsforecast (protocol)": {"run": run_tsforecast, "kw": {"own_defaults": False},
                                  "settings": both},
        BARE: {"run": run_bare, "kw": {}, "settings": both},
        # tsforecast's epoch is one pass over the training rows (Task.blocks_per_epoch windows
        # of CONTEXT + 1), so where that is fewer than batch_size=64 its batches hold that many
        # windows; the same loop at that batch size is the reference at identical work per step.
        BARE_AT_TSFORECAST_BATCH: {"run": run_bare, "kw": {"at_tsforecast_batch": True},
                                   "settings": both},
        "darts RNNModel": {"run": run_darts, "kw": {"block": False}, "settings": both,
                           "needs": "darts"},
        "darts BlockRNNModel": {"run": run_darts, "kw": {"block": True}, "settings": both,
                                "needs": "darts"},
        "darts RNNModel, quantile regression": {
            "run": run_darts, "kw": {"block": False, "quantiles": True}, "settings": ("time",),
            "needs": "darts"},
        "neuralforecast LSTM h=1": {"run": run_neuralforecast, "kw": {"horizon": 1},
                                    "settings": both, "needs": "neuralforecast"},
        "neuralforecast LSTM h=24": {"run": run_neuralforecast, "kw": {"horizon": 24},
                                     "settings": both, "needs": "neuralforecast"},
        "LagFeatures + Ridge": {"run": run_ridge, "kw": {}, "settings": ("once",)},
        "persistence": {"run": run_naive, "kw": {"seasonal": False}, "settings": ("once",)},
        "seasonal naive (24 h)": {"run": run_naive, "kw": {"seasonal": True},
                                  "settings": ("once",)},
    }  # fmt: skip


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
