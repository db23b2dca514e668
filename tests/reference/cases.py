"""The models whose forecasts are pinned across behaviour-preserving changes.

Each case fits a small model with a fixed seed on shipped real data and returns the arrays to
compare: one-step forecasts on chosen rows, multi-step forecasts, and a few fitted numbers.
``demo_weather`` is the model of ``tsforecast demo`` (its table: 0.740 / 3.678); it is checked by
``python benchmarks/check.py demo``, not by the suite (it trains for about a minute).

`run` runs a case on one torch thread: the order of a multi-threaded reduction depends on the
thread count, so values recorded at another count differ in the last float32 bits, and over
many epochs of training by more. Pinned to one thread, the recording holds on every machine
whatever the caller's thread setting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import torch

from tsforecast import LSTMForecaster, SequenceData
from tsforecast.datasets import load_pbc, load_speech_mfcc, load_weather


def demo_weather() -> dict[str, np.ndarray]:
    X = load_weather().values
    split = int(0.8 * len(X))
    model = LSTMForecaster(context_length=64, random_state=0).fit(X[:split])
    rows = np.arange(split - 1, len(X) - 1, 97)
    return {
        "one_step": model.predict(X)[rows],
        "forecast": model.forecast(X[: split + 5], 24),
        "n_epochs": [model.n_epochs_],
    }


def weather_frame_calendar() -> dict[str, np.ndarray]:
    frame = load_weather().to_frame().iloc[:2000]
    model = LSTMForecaster(
        context_length=24, hidden_size=16, max_epochs=8, validation_fraction=0.2, random_state=1
    ).fit(frame)
    forecast = model.forecast(frame, 6)
    return {
        "one_step": model.predict(frame)[::50],
        "forecast": forecast.to_numpy(),
        "stamps": forecast.index.asi8,
        "score": [model.score(frame)],
        "quantiles": model.predict_quantiles(frame)[::50],
        "forecast_quantiles": model.forecast(frame, 6, quantiles=True).to_numpy(),
        "baseline_scores": [
            model.baseline_scores_[name] for name in sorted(model.baseline_scores_)
        ],
    }


def pbc_masked_groups() -> dict[str, np.ndarray]:
    data = load_pbc()
    model = LSTMForecaster(
        context_length=8, hidden_size=16, max_epochs=6, cell="gru", random_state=2
    ).fit(data)
    return {
        "one_step": model.predict(data)[::40],
        # A DataFrame indexed by (patient, day): the values as (patients, steps, features).
        "forecast": model.forecast(data, 3).to_numpy().reshape(data.n_series, 3, -1)[:20],
        "quantiles": model.predict_quantiles(data)[::40],
    }


def speech_supervised() -> dict[str, np.ndarray]:
    X = load_speech_mfcc().values[:1500]
    y = np.r_[X[1:, :2], X[-1:, :2]]
    model = LSTMForecaster(
        context_length=16, hidden_size=16, max_epochs=5, cell="rnn", loss="mse", random_state=3
    ).fit(X, y)
    groups = np.repeat([0, 1, 2], 500)
    other = LSTMForecaster(
        context_length=16, hidden_size=8, num_layers=2, max_epochs=4, target=[0, 3],
        validation_fraction=0.0, random_state=4,
    ).fit(X, groups=groups)  # fmt: skip
    return {
        "one_step": model.predict(X)[::30],
        "target_one_step": other.predict(X, groups=groups)[::30],
        "score": [model.score(X, y), other.score(X, groups=groups)],
    }


def masked_sequence() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    t = np.arange(600.0)
    values = np.c_[np.sin(t / 9), np.cos(t / 13)] + 0.05 * rng.normal(size=(600, 2))
    mask = rng.random(values.shape) > 0.1
    values = np.where(mask, values, np.nan)
    times = pd.date_range("2020-01-01", periods=600, freq="h")
    data = SequenceData(values, time=times, mask=mask, groups=np.repeat([5, 6], 300))
    model = LSTMForecaster(context_length=12, hidden_size=8, max_epochs=7, random_state=5)
    model.fit(data)
    forecast = model.forecast(data, 4)
    return {
        "one_step": model.predict(data)[::25],
        "forecast": forecast.to_numpy(),
        "input_mean": model.input_scaler_.mean,
    }


CASES: dict[str, Callable[[], dict[str, np.ndarray]]] = {
    "demo_weather": demo_weather,
    "weather_frame_calendar": weather_frame_calendar,
    "pbc_masked_groups": pbc_masked_groups,
    "speech_supervised": speech_supervised,
    "masked_sequence": masked_sequence,
}


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one thread inside the block, then restore the caller's setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def run(name: str) -> dict[str, np.ndarray]:
    """Return the arrays of case ``name``, computed on one torch thread."""
    with one_thread():
        return CASES[name]()
