"""Rolling-origin evaluation and the naive baselines, on real hourly weather."""

from __future__ import annotations

import numpy as np
import pytest

from tsforecast._evaluation import (
    mean_absolute_error,
    persistence,
    rolling_forecasts,
    rolling_origins,
    seasonal_naive,
    truth,
)
from tsforecast.datasets import load_weather


def test_origins_leave_room_for_the_whole_horizon():
    assert rolling_origins(10, 20, 3).tolist() == [10, 13, 16]
    assert rolling_origins(10, 20, 3, every=4).tolist() == [10, 14]
    assert rolling_origins(10, 12, 3).tolist() == []
    with pytest.raises(ValueError, match="start must be >= 1"):
        rolling_origins(0, 10, 1)


def test_baselines_read_only_rows_before_the_origin():
    values = np.arange(100.0)
    origins = np.array([30, 50])
    assert persistence(values, origins, 3).tolist() == [[29, 29, 29], [49, 49, 49]]
    assert seasonal_naive(values, origins, 5, season=4).tolist() == [
        [26, 27, 28, 29, 26], [46, 47, 48, 49, 46]
    ]  # fmt: skip
    assert truth(values, origins, 2).tolist() == [[30, 31], [50, 51]]
    assert (seasonal_naive(values, origins, 24, season=24) < origins[:, None]).all()
    with pytest.raises(ValueError, match="fewer than one season"):
        seasonal_naive(values, [3], 2, season=4)


def test_weather_baselines_match_the_figures_the_project_quotes():
    """Persistence and 24-hour seasonal naive on the last 20% of the hourly temperature."""
    data = load_weather()
    temp = data.values[:, data.features.index("Dry-bulb (C)")]
    split = int(0.8 * len(temp))
    one_step = np.arange(split, len(temp))  # forecast each test row from the rows before it
    observed = truth(temp, one_step, 1)
    assert mean_absolute_error(persistence(temp, one_step, 1), observed) == pytest.approx(
        0.991, abs=1e-3
    )
    origins = rolling_origins(split, len(temp), 24)
    assert len(origins) == 73
    paths = truth(temp, origins, 24)
    assert mean_absolute_error(persistence(temp, origins, 24), paths) == pytest.approx(
        4.13, abs=0.01
    )
    assert mean_absolute_error(seasonal_naive(temp, origins, 24, 24), paths) == pytest.approx(
        3.99, abs=0.01
    )
    # A "forecast" that knows the answer scores 0 through the same rolling loop.
    oracle = rolling_forecasts(lambda origin: temp[origin : origin + 24], origins)
    assert mean_absolute_error(oracle, paths) == 0.0
