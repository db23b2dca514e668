"""Combined forecasts' intervals, widened where they hold less than stated on validation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tsforecast import LSTMForecaster, backtest
from tsforecast._recurrent.combined_widths import widen, widening_factors

from .test_seasonal_average import rewritten

LEVELS = (0.1, 0.5, 0.9)


def trend_and_season(n: int, seed: int) -> np.ndarray:
    """Return a trending monthly series with a season and noise: the seasonal average lags it."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    level = 500 + 0.2 * t + np.cumsum(rng.normal(0, 0.3, n))
    return (level + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, n))[:, None]


@pytest.fixture(scope="module")
def combined():
    """Return a model of the changes, half way to the seasonal average, on 1,000 months."""
    X = trend_and_season(1000, 2)
    model = LSTMForecaster(
        target_transform="difference", seasonal_period=12, horizon=16, quantiles=(0.1, 0.9),
        context_length=24, hidden_size=16, max_epochs=6, random_state=0,
        validation_fraction=0.3, adaptation_rate=0.0, seasonal_average=0.5,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(X)
    return model, X


def coverage_by_step(model: LSTMForecaster, X: np.ndarray, start: int):
    table = backtest(model, X, start=start, steps=16, stride=1, quantiles=True)
    inside = (table["truth"] >= table["q0.1"]) & (table["truth"] <= table["q0.9"])
    return inside.groupby(table["step"]).mean()


def test_combined_intervals_hold_the_nominal_share_of_the_validation_outcomes(combined):
    # The seasonal average has no trend: moved with the combined point, the 80% intervals
    # held 0.44-0.72 of the validation outcomes at steps 11-14; widened, at least 0.8.
    model, X = combined
    factors = model.interval_widening_
    assert factors.shape == (16, 3, 1) and (factors >= 1).all() and (factors[:, 1] == 1).all()
    assert (factors[:, 0] == factors[:, 2]).all() and factors.max() > 1.2
    widened = coverage_by_step(model, X, 700)  # the validation origins: 700 of 1,000 rows
    assert (widened >= 0.8).all(), widened.round(2).tolist()
    model.interval_widening_ = None  # as the forecasts were before
    try:
        moved = coverage_by_step(model, X, 700)
    finally:
        model.interval_widening_ = factors
    assert moved.min() < 0.7 and (widened >= moved).all()


def test_forecasts_backtests_and_one_step_intervals_are_widened_alike(combined, tmp_path):
    model, X = combined
    forecast = model.forecast(X[:900], 16, quantiles=True)  # (steps, targets, levels)
    table = backtest(model, X[:916], start=900, steps=16, quantiles=True)
    np.testing.assert_allclose(table["q0.9"], forecast[:, 0, 2], rtol=1e-6)
    np.testing.assert_allclose(table["q0.1"], forecast[:, 0, 0], rtol=1e-6)
    upper = model.predict_quantiles(X, quantiles=0.9)  # a level alone: its own factor
    both = model.predict_quantiles(X)
    np.testing.assert_allclose(upper[:, 0, 0], both[:, 0, 2])
    loaded = LSTMForecaster.load(model.save(tmp_path / "model"))
    np.testing.assert_array_equal(loaded.interval_widening_, model.interval_widening_)
    np.testing.assert_array_equal(loaded.forecast(X[:900], 16, quantiles=True), forecast)


def test_a_model_saved_before_widening_loads_without_it_and_a_bad_one_is_refused(
    combined, tmp_path
):
    model, _ = combined
    path = model.save(tmp_path / "model")
    rewritten(path, lambda state: state.update(interval_widening_=[[[0.5, 1.0, 0.5]]] * 16))
    with pytest.raises(ValueError, match=r"interval_widening_ must hold 16 x 3 x 1 finite"):
        LSTMForecaster.load(path)
    rewritten(
        path, lambda state: (state.pop("interval_widening_"), state.update(format_version=10))
    )
    assert LSTMForecaster.load(path).interval_widening_ is None


def test_forecasts_that_combine_nothing_are_not_widened(waves):
    model = LSTMForecaster(hidden_size=8, max_epochs=2, random_state=0, horizon=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(waves)
    assert model.transform_members_ == [] and model.interval_widening_ is None


def test_factors_widen_only_and_nested_pairs_keep_their_order():
    points = np.zeros((20, 1, 1))
    truth = np.linspace(-0.5, 0.5, 20)[:, None, None]  # all within the narrow pair
    levels = np.broadcast_to(np.array([-2.0, -1.0, 0.0, 1.0, 2.0]), (20, 1, 1, 5))
    counted = np.ones((20, 1, 1), bool)
    factors = widening_factors(points, levels, truth, counted, (0.05, 0.25, 0.5, 0.75, 0.95))
    assert (factors == 1).all()  # wider than needed: never narrowed
    # the inner pair needs 3 times its width, the outer none: the levels stay sorted
    widened = widen(
        np.zeros((1, 1)), levels[:1, 0], np.array([[[1.0], [3.0], [1], [3], [1]]]),
        [0.05, 0.25, 0.5, 0.75, 0.95],
    )  # fmt: skip
    assert widened[0, 0].tolist() == [-3.0, -2.0, 0.0, 2.0, 3.0]
    # a step with too few outcomes for the rank (2 < 4) takes the nearest step's factor
    two = np.concatenate([truth * 4, truth * 4], axis=1)  # (20, 2, 1): up to 2 from 0
    seen = np.concatenate([counted, np.arange(20)[:, None, None] < 2], axis=1)
    found = widening_factors(np.zeros((20, 2, 1)), np.repeat(levels[:, :, :, 1:4], 2, 1),
                             two, seen, LEVELS)  # fmt: skip
    assert found[0, 0, 0] > 1 and found[1, 0, 0] == found[0, 0, 0]
