"""The systems `bench_peers` compares, each a function that trains and forecasts the task.

Naive baselines, ridge on lags, a bare PyTorch loop, tsforecast, darts and neuralforecast.

Libraries are imported inside the functions: a worker measures its memory before loading them.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from _common import (
    lightning_trainer_kwargs,
    quiet_lightning,
)
from _peers_task import (
    BARE,
    BARE_AT_TSFORECAST_BATCH,
    BATCH,
    CONTEXT,
    HIDDEN,
    HORIZON,
    LEVELS,
    LR,
    SAMPLES,
    SEASON,
    Task,
    median_latency,
    timed,
)  # fmt: skip

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
