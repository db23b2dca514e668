"""The task of `bench_peers`: the shipped hourly weather, cut and scaled as its protocol says.

Also the protocol's constants and the timing helpers every system uses.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    median_seconds,
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
