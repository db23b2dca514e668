"""Rolling-origin evaluation with the public pieces: the figures the project quotes."""

from __future__ import annotations

import numpy as np
import pytest

from tsforecast import Persistence, SeasonalNaive, backtest
from tsforecast import metrics as m
from tsforecast.datasets import load_weather


def test_origins_leave_room_for_the_whole_horizon():
    X = np.arange(20.0)[:, None]
    frame = backtest(Persistence(), X, start=10, steps=3, stride=3)
    assert frame["origin"].unique().tolist() == [9, 12, 15]  # the last rows seen
    assert frame["time"].max() == 18  # origin 19 would need rows 19 to 21
    assert backtest(Persistence(), X, start=10, steps=3, stride=4)["origin"].nunique() == 2


def test_baselines_read_only_rows_before_the_origin():
    X = np.arange(100.0)[:, None]
    persistence = backtest(Persistence(), X, start=30, steps=3, stride=20)
    assert persistence["forecast"].tolist() == [29, 29, 29, 49, 49, 49, 69, 69, 69, 89, 89, 89]
    seasonal = backtest(SeasonalNaive(period=4), X, start=30, steps=5, stride=20)
    assert seasonal["forecast"].tolist()[:10] == [26, 27, 28, 29, 26, 46, 47, 48, 49, 46]
    assert (seasonal["forecast"] < seasonal["origin"] + 1).all()
    with pytest.raises(ValueError, match="at least 4 rows"):
        backtest(SeasonalNaive(period=4), X, start=3, steps=2)


def test_weather_baselines_match_the_figures_the_project_quotes():
    """Persistence and 24-hour seasonal naive on the last 20% of the hourly temperature."""
    frame = load_weather().to_frame()[["Dry-bulb (C)"]]
    split = int(0.8 * len(frame))
    one_step = backtest(Persistence(), frame, start=split, steps=1)
    assert len(one_step) == 1752 and m.mae(one_step) == pytest.approx(0.991, abs=1e-3)
    paths = backtest(Persistence(), frame, start=split, steps=24, stride=24)
    assert paths["origin"].nunique() == 73
    assert m.mae(paths) == pytest.approx(4.13, abs=0.01)
    seasonal = backtest(SeasonalNaive(), frame, start=split, steps=24, stride=24)
    assert m.mae(seasonal) == pytest.approx(3.99, abs=0.01)
    # A "forecast" that knows the answer scores 0 through the same metric.
    assert m.mae(paths["truth"], paths["truth"]) == 0.0
