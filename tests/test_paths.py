"""Intervals of models of changes, calibrated on the paths their forecasts add up."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

from tsforecast import LSTMForecaster, backtest
from tsforecast._recurrent.paths import quantile_paths, truth_paths
from tsforecast._recurrent.target_transform import TargetTransform
from tsforecast.sequences import SequenceData

from .test_seasonal_average import rewritten

LEVELS = (0.1, 0.5, 0.9)


def level_plus_noise(n: int, seed: int) -> np.ndarray:
    """Return a slowly wandering level (random walk, sd 0.1 a step) plus unit noise."""
    rng = np.random.default_rng(seed)
    return (np.cumsum(rng.normal(0, 0.1, n)) + rng.normal(0, 1, n))[:, None]


@pytest.fixture(scope="module")
def differenced():
    """Return a model of `level_plus_noise`'s changes, fitted on its first 1,200 rows."""
    X = level_plus_noise(1800, 3)
    model = LSTMForecaster(
        target_transform="difference", horizon=8, quantiles=(0.1, 0.9), context_length=16,
        hidden_size=16, max_epochs=4, random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a few epochs may lose at a step
        model.fit(X[:1200])
    return model, X


def test_intervals_of_changes_hold_the_nominal_share_at_every_step(differenced):
    # The noise of one value enters the change into it and, with the opposite sign, the
    # change out of it: the changes' spreads added in quadrature made the intervals of
    # steps 2-8 hold 0.87-0.91 of the outcomes here; calibrated on the paths, 0.78-0.80.
    model, X = differenced
    assert model.calibration_lag_ == 1
    table = backtest(model, X, start=1200, steps=8, stride=1, quantiles=True)
    inside = (table["truth"] >= table["q0.1"]) & (table["truth"] <= table["q0.9"])
    by_step = inside.groupby(table["step"]).mean()
    assert len(by_step) == 8 and by_step.between(0.74, 0.85).all(), by_step.round(3).tolist()


def test_path_quantiles_add_medians_and_spreads_in_quadrature_and_keep_order():
    quantiles = np.array([[[-1.0, 0.0, 2.0], [-3.0, 1.0, 2.0], [-2.0, 1.0, 3.0]]])[..., None]
    paths = quantile_paths(quantiles, 1, 1)[0, :, :, 0]
    np.testing.assert_allclose(paths[:, 1], [0.0, 1.0, 2.0])  # the medians added up
    np.testing.assert_allclose(paths[1], [1 - np.hypot(1, 4), 1.0, 1 + np.hypot(2, 1)])
    assert (np.diff(paths, axis=1) >= 0).all()
    np.testing.assert_array_equal(quantile_paths(quantiles, 1, 0), quantiles)  # no lag
    truth, counts = truth_paths(np.array([[1.0, np.nan, 3.0, 4.0]]), np.array([[1, 0, 1, 1]]), 2)
    assert counts.tolist() == [[True, False, True, False]] and truth[0, 2] == 4.0


def test_paths_undone_equal_the_changes_undone_in_quadrature():
    data = SequenceData(np.exp(np.linspace(0.0, 1.0, 12))[:, None])
    transform = TargetTransform("log_seasonal_difference", 4, (0,))
    rng = np.random.default_rng(0)
    changes = np.sort(rng.normal(size=(2, 9, 3, 1)), axis=2)  # (n, steps, levels, targets)
    points = changes[:, :, 1]
    firsts, lasts = np.array([0, 0]), np.array([11, 7])
    expected = transform.undo_paths(data, firsts, lasts, points, changes.transpose(0, 1, 3, 2))
    paths = quantile_paths(changes, 1, 4).transpose(0, 1, 3, 2)
    found = transform.undo_paths(data, firsts, lasts, points, paths, added_up=True)
    np.testing.assert_allclose(found[0], expected[0])
    np.testing.assert_allclose(found[1], expected[1])


def _as_format_10(state):
    """Make a saved state as format 10 wrote it: no calibration_lag_."""
    state["format_version"] = 10
    del state["calibration_lag_"]


def test_models_saved_or_pickled_before_paths_keep_their_step_by_step_calibration(
    differenced, tmp_path
):
    model, X = differenced
    history = X[:1200]
    now = model.forecast(history, 8, quantiles=True)
    loaded = LSTMForecaster.load(model.save(tmp_path / "model"))
    assert loaded.calibration_lag_ == 1
    np.testing.assert_array_equal(loaded.forecast(history, 8, quantiles=True), now)
    before = LSTMForecaster.load(rewritten(model.save(tmp_path / "before"), _as_format_10))
    assert before.calibration_lag_ == 0
    then = before.forecast(history, 8, quantiles=True)
    # (steps, targets, levels): the same medians, and at step 1 (a change alone) the same
    # interval; beyond, the changes' calibration added up in quadrature, wider
    np.testing.assert_array_equal(then[:, 0, 1], now[:, 0, 1])
    np.testing.assert_array_equal(then[0], now[0])
    assert (then[1:, 0, 2] - then[1:, 0, 0] > now[1:, 0, 2] - now[1:, 0, 0]).all()
    state = dict(copy.copy(model).__dict__)
    del state["calibration_lag_"]
    pickled = LSTMForecaster.__new__(LSTMForecaster)
    pickled.__setstate__(state)
    assert pickled.calibration_lag_ == 0


def test_a_calibration_lag_other_than_the_transforms_is_refused(differenced, tmp_path):
    model, _ = differenced
    path = model.save(tmp_path / "model")
    rewritten(path, lambda state: state.update(calibration_lag_=12))
    with pytest.raises(ValueError, match=r"calibration_lag_ is 12, not 0 or the lag 1"):
        LSTMForecaster.load(path)
    # a number, but not the integer a fit records
    rewritten(path, lambda state: state.update(calibration_lag_=1.0))
    with pytest.raises(ValueError, match=r"calibration_lag_ is 1.0, not 0 or the lag 1"):
        LSTMForecaster.load(path)
