"""Fixtures shared by the test files: real data, a small wave table, a small fitted model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tsforecast import LSTMForecaster
from tsforecast.datasets import load_seattle_weather

# One torch thread per test process: the tests' models are small, and on a machine with other
# work a second thread mostly waits (the fast subset took 461 s at 2 threads beside other work,
# 48 s at one). No verdict depends on the thread count or on the clock; tests that are about
# threads set their own and restore this one.
torch.set_num_threads(1)

# A model small enough to fit in well under a second.
FAST = {"context_length": 8, "hidden_size": 8, "max_epochs": 3, "random_state": 0}


@pytest.fixture(scope="session")
def seattle() -> pd.DataFrame:
    """Real daily Seattle weather 2012-2015, the raw table shipped in ``datasets/``."""
    return load_seattle_weather(return_frame=True)[1]


@pytest.fixture(scope="session")
def waves() -> np.ndarray:
    """Two noisy waves, 600 rows."""
    t = np.arange(600.0)
    rng = np.random.default_rng(0)
    return np.c_[np.sin(t / 9), np.cos(t / 13)] + 0.05 * rng.standard_normal((600, 2))


@pytest.fixture(scope="session")
def fitted(waves) -> LSTMForecaster:
    """`FAST` fitted on `waves`."""
    return LSTMForecaster(**FAST).fit(waves)
