"""Fit judges the forecasts it gives: combined with the seasonal average, not the network's."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from tsforecast import LSTMForecaster, Persistence, SeasonalNaive
from tsforecast._boundary import check_X
from tsforecast._recurrent import combined_check
from tsforecast._recurrent.combined_check import jointly, losing_message, naive_forecasts
from tsforecast._recurrent.naive_scores import NOISE_MARGIN, losing_overall
from tsforecast._recurrent.transform_choice import validation_error
from tsforecast._segments import carried_forward
from tsforecast.datasets import load_air_passengers, load_visnights

FAST = {"hidden_size": 8, "max_epochs": 3, "random_state": 0, "target_transform": "none"}


@pytest.fixture(scope="module")
def passengers() -> pd.DataFrame:
    return load_air_passengers().to_frame().astype(float)


def test_naive_forecasts_are_the_public_baselines(passengers):
    # missing values carried forward, as the public baselines read them
    holey = passengers.copy()
    holey.iloc[[49, 50, 61, 62], 0] = np.nan
    data = check_X(SeasonalNaive(period=12).fit(holey), holey, None, reset=False)
    values = carried_forward(data.values.astype(np.float64), data.offsets)
    lasts = np.array([11, 12, 50, 62, 143])
    firsts = np.zeros_like(lasts)
    for baseline, lag in ((SeasonalNaive(period=12), 12), (Persistence(), 1)):
        expected = baseline.fit(holey)._backtest_forecasts(data, firsts, lasts, 30, None)[0]
        np.testing.assert_array_equal(naive_forecasts(values, firsts, lasts, 30, lag), expected)
    # under a season of history (rows before the series' first do not count): NaN
    short = naive_forecasts(values, np.array([0, 40]), np.array([10, 50]), 3, 12)
    assert np.isnan(short).all()


def test_the_forecasts_are_scored_on_the_rows_all_of_them_forecast():
    calls = []

    def one(firsts, lasts, steps):
        calls.append("one")
        return np.array([[[1.0], [np.nan]], [[2.0], [3.0]]])

    def other(firsts, lasts, steps):
        calls.append("other")
        return np.array([[[np.nan], [5.0]], [[6.0], [7.0]]])

    first, second = jointly([one, other])
    lasts = np.array([3, 4])
    assert np.isnan(first(None, lasts, 2)[0]).all() and first(None, lasts, 2)[1].tolist() == [
        [2.0], [3.0]
    ]  # fmt: skip
    assert second(None, lasts, 2)[1].tolist() == [[6.0], [7.0]]
    assert calls == ["one", "other"]  # computed once for these origins
    second(None, np.array([5, 6]), 2)
    assert calls == ["one", "other"] * 2  # and again for others


def test_the_message_names_the_best_naive_forecaster_the_forecasts_lose_to():
    naive = {"persistence": 1.2, "seasonal naive": 0.9}
    assert losing_message(0.5, 0.9, naive) is None  # a tie does not lose
    message = losing_message(0.5, 1.0, naive)
    assert "moved 0.5 of the way to the seasonal average) do not beat seasonal naive" in message
    assert "is 1 against 0.9" in message and "seasonal_average_scores_" in message
    assert losing_message(0.5, 1.0, {"persistence": 0.9, "seasonal naive": np.nan}) is not None
    # within 10%: not told apart on the few values of a short series' validation rows
    assert losing_message(0.5, 1.0, {"persistence": 0.95, "seasonal naive": np.nan}) is None
    assert losing_message(0.5, 1.0, {"persistence": np.nan}) is None  # nothing scored
    assert losing_message(0.5, np.nan, naive) is None


def fitted(X, monkeypatch, **params):
    """Fit, returning the model, the warnings about beating baselines, and what was judged."""
    judged = []

    def spy(weight, combined, naive, some):
        assert not some  # one series: one weight
        judged.append((weight, combined, naive))
        return losing_message(weight, combined, naive)

    monkeypatch.setattr(combined_check, "losing_message", spy)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = LSTMForecaster(**{**FAST, **params}).fit(X)
    said = [str(w.message) for w in caught if "not beat" in str(w.message)]
    assert all(w.filename == __file__ for w in caught if "not beat" in str(w.message))
    return model, said, judged


def test_a_combination_that_beats_the_baselines_is_not_called_a_loser(monkeypatch):
    # The trial's case: the network alone loses to seasonal naive on the validation data, so
    # fit advised forecasting with the baseline, while the forecasts it gives (half the
    # seasonal average) beat it. The combination is judged instead, on the same rows.
    regions = load_visnights()
    model, said, judged = fitted(
        regions, monkeypatch, seasonal_average=0.5, target_transform="auto"
    )
    assert losing_overall(model.baseline_scores_) is not None  # the network alone loses
    [(weight, combined, naive)] = judged
    assert weight == 0.5 and combined < 0.95 * min(naive.values()) and said == []
    # scored from the origins of the validation rows alone, on the rows both forecast
    fraction, horizon = model.validation_fraction_, model.horizon_
    model_error = validation_error(
        regions, [0], fraction, horizon, 4,
        lambda f, l, s: model._backtest_forecasts(regions, f, l, s, None)[0], at_least=0,  # noqa: E741
    )  # fmt: skip
    assert combined == pytest.approx(model_error)
    for name, baseline in (("seasonal naive", SeasonalNaive()), ("persistence", Persistence())):
        baseline.fit(regions)
        error = validation_error(
            regions, [0], fraction, horizon, 4,
            lambda f, l, s, b=baseline: b._backtest_forecasts(regions, f, l, s, None)[0],  # noqa: E741
            at_least=0,
        )  # fmt: skip
        assert naive[name] == pytest.approx(error)
    # The network alone, as fitted: judged by its own check, where 8% over seasonal naive's
    # summed MAE is within what the few validation values tell apart (`NOISE_MARGIN`).
    alone, said, judged = fitted(regions, monkeypatch, seasonal_average=0, target_transform="auto")
    scores = alone.baseline_scores_
    assert not judged and said == []
    assert losing_overall(scores)[0] == "seasonal_naive"
    assert losing_overall(scores, NOISE_MARGIN) is None


def test_a_combination_that_loses_is_said_to(passengers, monkeypatch):
    # The seasonal average beats persistence and seasonal naive on every shipped seasonal
    # series; here it is made to err (60 passengers too low), and the forecasts all the way
    # to it lose. What is said is their verdict, not the network's.
    from tsforecast._estimator import forecasting

    shifted = forecasting.seasonal_average
    monkeypatch.setattr(forecasting, "seasonal_average", lambda *a, **k: shifted(*a, **k) - 60)
    model, said, [(weight, combined, naive)] = fitted(passengers, monkeypatch, seasonal_average=1)
    assert weight == 1.0 and combined > naive["seasonal naive"] > 0
    assert said == [losing_message(1.0, combined, naive)]
    assert "moved 1 of the way to the seasonal average) do not beat seasonal naive" in said[0]
    assert "on the validation rows" in said[0]
    assert not hasattr(model, "_network_losing")
