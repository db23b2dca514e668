"""backtest: forecasts from many origins, exactly those of `forecast` at each origin."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from tsforecast import LSTMForecaster, Persistence, SeasonalNaive, backtest
from tsforecast import metrics as m
from tsforecast.datasets import load_air_passengers, load_pbc, load_quinidine, load_weather

from .conftest import FAST


@pytest.fixture(scope="module")
def weather():
    """Return the first 3,000 hours of the shipped hourly weather, indexed by time."""
    return load_weather().to_frame().iloc[:3000]


def _loop(model, data, starts, stride, steps, quantiles=None, future=False):
    """Call forecast at every origin of every series, as backtest promises to match."""
    points, levels = [], []
    for s in range(data.n_series):
        series = data.series(s)
        for origin in range(starts[s], series.n_timesteps - steps + 1, stride):
            ahead = None
            if future:
                ahead = series.take(np.arange(origin, origin + steps)).to_frame()
            result = model.forecast(
                series.take(np.arange(origin)), steps, quantiles=quantiles, future=ahead
            )
            values = np.asarray(result, dtype=float)
            if quantiles is None:
                points.append(values.reshape(steps, -1))
            else:
                levels.append(values.reshape(steps, len(model.target_names_), -1))
    return np.stack(points) if points else np.stack(levels)


def _tidy(frame, column, steps):
    n_targets = frame["target"].nunique()
    return frame[column].to_numpy().reshape(-1, steps, n_targets)


def test_backtest_is_forecast_at_every_origin_with_calibrated_quantiles(weather):
    data = load_weather().take(np.arange(3000))
    model = LSTMForecaster(**{**FAST, "horizon": 6}, target="Dry-bulb (C)").fit(weather.iloc[:2500])
    # Origins after 2,700 rows: their intervals adapt along the last 1,000 rows only. Eleven
    # origins, 29 rows apart (each of the loop's quantile forecasts adapts along 1,000 rows).
    frame = backtest(model, weather, start=2700, steps=6, stride=29, quantiles=True)
    assert frame["step"].tolist()[:6] == [1, 2, 3, 4, 5, 6]
    loop = _loop(model, data, [2700], 29, 6, quantiles=True)
    assert len(loop) == 11
    levels = np.stack([_tidy(frame, f"q{q:g}", 6) for q in model.quantiles_], axis=-1)
    np.testing.assert_allclose(levels, loop, rtol=0, atol=1e-4)
    np.testing.assert_allclose(_tidy(frame, "forecast", 6), loop[..., 1], atol=1e-4)
    # Truth and time: the rows after each origin.
    first = frame.iloc[0]
    assert first["time"] == weather.index[2700] and first["origin"] == weather.index[2699]
    assert first["truth"] == pytest.approx(weather["Dry-bulb (C)"].iloc[2700])


def test_backtest_feeds_forecasts_back_past_the_horizon_as_forecast_does(weather):
    columns = ["Dry-bulb (C)", "Dew-point (C)", "RHum (%)"]
    model = LSTMForecaster(**{**FAST, "horizon": 3}).fit(weather[columns].iloc[:2000])
    frame = backtest(model, weather[columns], start=2900, steps=8, stride=9)
    loop = _loop(model, _data(weather[columns]), [2900], 9, 8)
    np.testing.assert_allclose(_tidy(frame, "forecast", 8), loop, atol=1e-4)


def _data(frame):
    from tsforecast import SequenceData

    return SequenceData.from_frame(frame)


def test_backtest_of_a_panel_with_future_covariates_and_irregular_visits():
    study = load_quinidine()
    model = LSTMForecaster(**FAST, target="conc", future_covariates=["dose"]).fit(study)
    assert model.time_gaps_
    data = study.take(np.arange(study.offsets[12]))  # the first 12 patients: ~100 origins
    frame = backtest(model, data, start=3, steps=2, quantiles=True)
    starts = [3] * data.n_series
    loop = _loop(model, data, starts, 1, 2, quantiles=True, future=True)
    levels = np.stack([_tidy(frame, f"q{q:g}", 2) for q in model.quantiles_], axis=-1)
    np.testing.assert_allclose(levels, loop, atol=1e-4)
    assert frame.columns[0] == "Subject"  # the series level, named as the input's


def test_naive_backtests_match_their_definitions():
    data = load_pbc()
    bili = data.features.index("bili")
    frame = backtest(Persistence(target="bili"), data, start=-2, steps=2)
    # Every patient with more than 2 visits: its last 2 visits, from the one before them.
    long = data.series_lengths > 2
    assert frame.columns[0] == "id" and frame["id"].nunique() == long.sum()
    before = data.offsets[1:][long] - 3
    np.testing.assert_array_equal(frame["forecast"].to_numpy()[::2], data.values[before, bili])
    np.testing.assert_array_equal(frame["forecast"].to_numpy()[1::2], data.values[before, bili])
    last = data.offsets[1:][long] - 1
    np.testing.assert_array_equal(
        frame["truth"].to_numpy()[1::2],
        np.where(data.mask[last, bili], data.values[last, bili], np.nan),
    )
    longest = data.series(int(np.argmax(data.series_lengths)))
    seasonal = backtest(SeasonalNaive(period=3, target="bili"), longest, start=3, steps=4)
    np.testing.assert_array_equal(
        seasonal["forecast"].to_numpy()[:4], longest.values[[0, 1, 2, 0], bili]
    )


def test_refit_fits_clones_on_the_rows_before_their_origins(weather):
    columns = ["Dry-bulb (C)"]
    X = weather[columns].iloc[:400]
    model = LSTMForecaster(**FAST)
    frame = backtest(model, X, start=300, steps=2, stride=25, refit=2)
    assert not hasattr(model, "module_")  # the model given is never fitted
    origins = list(range(300, 399, 25))  # 300, 325, 350, 375
    for number, origin in enumerate(origins):
        fit_at = origins[number - number % 2]
        refitted = clone(model).fit(_data(X.iloc[:fit_at]))
        expected = np.asarray(refitted.forecast(X.iloc[:origin], 2)).ravel()
        got = frame[frame["time"] == X.index[origin]]["forecast"].iloc[0]
        assert got == pytest.approx(expected[0], abs=1e-4)


def test_an_unfitted_model_is_fitted_once_before_the_first_origins(weather):
    X = weather[["Dry-bulb (C)"]].iloc[:500]
    frame = backtest(LSTMForecaster(**FAST), X, start=0.8, steps=1)
    fitted = LSTMForecaster(**FAST).fit(_data(X.iloc[:400]))
    np.testing.assert_allclose(frame["forecast"], fitted.predict(X)[399:499, 0], atol=1e-4)


def test_metrics_read_the_backtest_frame_per_step(weather):
    frame = backtest(Persistence(target="Dry-bulb (C)"), weather, start=-48, steps=24, stride=24)
    per_step = m.mae(frame, by="step")
    assert list(per_step.index) == list(range(1, 25))
    errors = np.abs(frame["truth"] - frame["forecast"]).to_numpy().reshape(2, 24)
    np.testing.assert_allclose(per_step.to_numpy(), errors.mean(axis=0))
    assert m.mae(frame) == pytest.approx(errors.mean())
    table = m.evaluate(frame)
    assert table.index[-1] == "all" and table.loc["all", "mae"] == pytest.approx(errors.mean())
    # MASE: the scale is the in-sample persistence MAE before the first origin.
    before = weather["Dry-bulb (C)"].to_numpy()[: len(weather) - 48]
    scale = np.abs(np.diff(before)).mean()
    assert m.mase(frame) == pytest.approx(errors.mean() / scale)


def test_time_stamp_start_and_clear_errors(weather):
    frame = backtest(Persistence(), weather[["Dry-bulb (C)"]], start="2001-04-01", steps=1)
    assert frame["time"].min() == pd.Timestamp("2001-04-01", tz=weather.index.tz)
    with pytest.raises(ValueError, match="no series has an origin"):
        backtest(Persistence(), weather, start=-1, steps=2)
    with pytest.raises(ValueError, match="refit must be"):
        backtest(Persistence(), weather, start=-5, steps=1, refit=-1)
    with pytest.raises(ValueError, match="points only"):
        backtest(Persistence().fit(weather), weather, start=-5, steps=1, quantiles=True)
    model = LSTMForecaster(**FAST, target="Dry-bulb (C)", horizon=2).fit(weather.iloc[:300])
    with pytest.raises(ValueError, match="past covariates"):
        backtest(model, weather.iloc[:400], start=-10, steps=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning on a plain run
        backtest(model, weather.iloc[:400], start=-10, steps=2)


def test_quantile_columns_are_named_as_asked_and_other_models_are_refused(weather):
    model = LSTMForecaster(**FAST, horizon=2, target="Dry-bulb (C)").fit(weather.iloc[:500])
    asked = backtest(model, weather.iloc[:700], start=600, steps=1, quantiles=[0.9, 0.5, 0.1])
    ordered = backtest(model, weather.iloc[:700], start=600, steps=1, quantiles=True)
    for level in ("q0.1", "q0.5", "q0.9"):  # the same values under the same names
        np.testing.assert_array_equal(asked[level], ordered[level])
    assert (ordered["q0.1"] <= ordered["q0.9"]).all()
    with pytest.raises(TypeError, match="not a tsforecast forecaster"):
        backtest(_Other().fit(weather), weather, start=-2, steps=1)


class _Other:
    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self


def test_integer_years_come_back_as_integers():
    # Yearly data indexed by integer years came back as 1971.0, 1972.0... in forecasts,
    # baselines and backtests.
    values = load_air_passengers().to_frame().resample("YS").sum().iloc[:, 0].to_numpy(float)
    years = pd.DataFrame({"total": values}, index=pd.Index(np.arange(1949, 1961), name="year"))
    model = LSTMForecaster(**FAST).fit(years)
    for forecaster in (model, Persistence().fit(years)):
        forecast = forecaster.forecast(years, 2)
        assert forecast.index.dtype == np.int64 and forecast.index.tolist() == [1961, 1962]
    frame = backtest(model, years, start=-3, steps=2)
    assert frame["origin"].dtype == np.int64 and frame["time"].tolist()[:2] == [1958, 1959]
    halves = years.set_axis(pd.Index(np.arange(1949, 1961) + 0.5, name="year"))
    assert LSTMForecaster(**FAST).fit(halves).forecast(halves, 1).index.tolist() == [1961.5]


def test_series_without_an_origin_are_named_and_numbers_are_not_read_as_dates():
    # A trial's panel lost its shortest series from the backtest without a word.
    months = load_air_passengers().to_frame().astype(float)
    panel = pd.concat({"long": months, "short": months.iloc[:40]}, names=["series", "month"])
    with pytest.warns(UserWarning, match=r"1 of 2 series have no origin at start=0\.75 with 12 "
                      r"rows after it, and are left out of the backtest: 'short' \(the shortest "
                      r"40 rows\)") as caught:  # fmt: skip
        frame = backtest(SeasonalNaive(12), panel, start=0.75, steps=12)
    assert set(frame["series"]) == {"long"} and caught[0].filename == __file__
    # start=1.5 began at the first row, inside the rows a model was fitted on
    for start in (1.5, 1.0, 0.0):
        with pytest.raises(ValueError, match=r"nor a fraction in \(0, 1\), and X's time stamps"):
            backtest(SeasonalNaive(12), months, start=start, steps=2)
