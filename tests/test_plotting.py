"""plot_forecast and plot_history: what the axes say, and clear errors."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from tsforecast import (
    LSTMForecaster,
    Persistence,
    SequenceData,
    backtest,
    plot_forecast,
    plot_history,
)
from tsforecast.datasets import load_air_passengers, load_pbc, load_weather
from tsforecast.plotting import plot_panel

from .conftest import FAST

matplotlib.use("Agg")
import matplotlib.pyplot as plt


@pytest.fixture(scope="module")
def weather():
    return load_weather()


def test_forecast_plot_of_weather_reads_well(weather):
    one_step = np.zeros_like(weather.values)
    forecast = np.zeros((24, weather.n_features))
    ax = plot_forecast(
        weather, feature="Dry-bulb (C)", one_step=one_step,
        forecasts=[(weather.n_timesteps - 1, forecast)], last=48, title="last two days",
    )  # fmt: skip
    assert ax.get_ylabel() == "Dry-bulb (C)"  # the unit is in the name already
    assert ax.get_xlabel() == "time (UTC-05:00)"
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["observed", "one-step forecast", "24-step forecasts"]
    observed = ax.get_lines()[0].get_xdata()
    assert len(observed) == 48 and str(observed[-1]).startswith("2002-01-01T00:00")  # local


def test_forecast_plot_draws_interval_bands(weather):
    one_step = np.zeros_like(weather.values)
    lower, upper = one_step - 1, one_step + 1
    levels = np.zeros((24, weather.n_features, 3)) + np.array([-2.0, 0.0, 2.0])
    ax = plot_forecast(
        weather, feature="Dry-bulb (C)", one_step=one_step, interval=(lower, upper),
        forecasts=[(weather.n_timesteps - 1, levels)], last=48,
    )  # fmt: skip
    labels = ax.get_legend_handles_labels()[1]
    assert labels == [
        "observed", "one-step forecast", "one-step interval", "24-step forecasts",
        "forecast intervals",
    ]  # fmt: skip
    band = ax.collections[-1].get_paths()[0].vertices[:, 1]
    assert band.min() == -2.0 and band.max() == 2.0  # between the outer levels
    assert (ax.get_lines()[-1].get_ydata()[1:] == 0).all()  # the middle level is the line
    with pytest.raises(ValueError, match="interval must be"):
        plot_forecast(weather, one_step=one_step, interval=(lower[:3], upper))
    # Levels named: asked-for levels without the median in the middle.
    asked = np.zeros((24, weather.n_features, 4)) + np.array([-3.0, -2.0, 0.0, 2.0])
    ax = plot_forecast(weather, forecasts=[(weather.n_timesteps - 1, asked)],
                       quantiles=(0.05, 0.1, 0.5, 0.9), last=48)  # fmt: skip
    band = ax.collections[-1].get_paths()[0].vertices[:, 1]
    assert band.min() == -2.0 and band.max() == 2.0  # the (0.1, 0.9) pair; 0.05 has none
    assert (ax.get_lines()[-1].get_ydata()[1:] == 0).all()
    with pytest.raises(ValueError, match="quantiles must name the 4 levels"):
        plot_forecast(weather, forecasts=[(8759, asked)], quantiles=(0.1, 0.9))


def test_forecast_plot_of_one_patient_with_units_and_missing_values():
    visits = load_pbc()
    with pytest.raises(ValueError, match=r"the ids are text: group='32'"):
        plot_forecast(visits, feature="chol", group=32)
    numbered = SequenceData(visits.values[:40], groups=np.repeat([1, 2], 20))
    with pytest.raises(ValueError, match=r"the ids are numbers: group=2\)"):  # not group='2'
        plot_forecast(numbered, group="2")
    ax = plot_forecast(visits, feature="chol", group="32")
    assert ax.get_ylabel() == "chol (mg/dl)"
    assert ax.get_xlabel() == "time (days since enrolment)"
    assert "filled (missing)" in ax.get_legend_handles_labels()[1]
    assert len(ax.get_lines()[0].get_xdata()) == 16  # patient 32's visits


def test_forecast_plot_errors(weather):
    with pytest.raises(ValueError, match="no feature 'temp'; features:"):
        plot_forecast(weather, feature="temp")
    with pytest.raises(ValueError, match="no series 9999"):
        plot_forecast(load_pbc(), group=9999)
    with pytest.raises(ValueError, match="one_step has 3 rows; data has 8760"):
        plot_forecast(weather, one_step=np.zeros(3))


def test_history_plot_marks_the_kept_epoch():
    data = SequenceData(np.sin(np.arange(300.0) / 7))
    model = LSTMForecaster(context_length=8, hidden_size=8, max_epochs=5, random_state=0)
    ax = plot_history(model.fit(data))
    labels = ax.get_legend_handles_labels()[1]
    assert labels[:2] == ["training loss", "validation loss"]
    assert labels[2] == f"kept: epoch {model.best_epoch_}"
    assert ax.get_title().startswith("Training: 5 epochs")
    with pytest.raises(ValueError, match="history is empty"):
        plot_history([])


def test_forecasts_are_drawn_at_their_series_steps_and_only_in_their_series():
    times = np.r_[np.arange(0.0, 10.0, 2.0), np.arange(100.0, 103.0)]  # steps of 2, then 1
    data = SequenceData(np.arange(8.0), time=times, groups=[0] * 5 + [1] * 3)
    forecast = np.array([[9.0], [9.5]])
    ax = plot_forecast(data, group=1, forecasts=[(4, forecast), (5, forecast)])
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1  # row 4 ends series 0: not drawn with series 1
    # From the first row of series 1 (one stamp seen): the series' own step of 1.
    assert dashed[0].get_xdata().tolist() == [100.0, 101.0, 102.0]
    single = SequenceData(np.arange(2.0), time=[0.0, 5.0], groups=[0, 1])
    with pytest.raises(ValueError, match="plot_forecast: the series has a single time stamp"):
        plot_forecast(single, group=1, forecasts=[(1, forecast)])


def test_plot_history_of_an_unfitted_model_says_so():
    with pytest.raises(ValueError, match="not fitted yet"):
        plot_history(LSTMForecaster())


def test_backtest_and_forecast_frames_draw_on_dataframes_and_panels():
    frame = load_weather().to_frame().iloc[:600]
    model = LSTMForecaster(**FAST, horizon=6, target="Dry-bulb (C)").fit(frame)
    tested = backtest(model, frame, start=-48, steps=6, stride=6, quantiles=True)
    ax = plot_forecast(frame, feature="Dry-bulb (C)", forecasts=tested, last=72)
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 8  # one path per origin, each from its origin's observed value
    np.testing.assert_allclose(dashed[0].get_ydata()[1:], tested["forecast"].to_numpy()[:6])
    assert ax.collections  # the interval bands
    plt.close(ax.figure)
    ahead = model.forecast(frame, 6, quantiles=True)
    ax = plot_forecast(frame, feature="Dry-bulb (C)", forecasts=ahead, last=24)
    (path,) = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    np.testing.assert_allclose(path.get_ydata()[1:], ahead["Dry-bulb (C)_q0.5"].to_numpy())
    plt.close(ax.figure)
    # Against what happened: data runs past the origin, and the path starts at the origin
    # (the row before its first stamp), not at the last row of data.
    early = model.forecast(frame.iloc[:-24], 6)
    ax = plot_forecast(frame, feature="Dry-bulb (C)", forecasts=early, last=48)
    (path,) = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    origin = frame.index[-25]
    assert pd.Timestamp(path.get_xdata()[0]) == origin.tz_localize(None)  # local time
    assert path.get_ydata()[0] == frame["Dry-bulb (C)"].iloc[-25]
    plt.close(ax.figure)
    visits = load_pbc().to_frame().iloc[:300]
    tested = backtest(Persistence(target="bili"), visits, start=1, steps=1)
    figure = plot_panel(visits, feature="bili", forecasts=tested, max_series=3)
    titles = [ax.get_title() for ax in figure.axes if ax.get_visible()]
    assert titles == [f"id {i}" for i in sorted(set(visits.index.get_level_values(0)))[:3]]
    assert figure.axes[0].get_xlabel() == "day"  # the time level's name: its unit
    plt.close(figure)


def test_periods_and_their_forecasts_are_drawn_at_the_periods_first_instants():
    # A frame indexed by periods (and its forecasts and backtests, in periods) drew nothing:
    # "time must hold datetimes or numbers; got ... Period('1949-01', 'M')".
    periods = load_air_passengers().to_frame().iloc[:48].to_period("M")
    model = LSTMForecaster(**FAST).fit(periods.iloc[:40])
    forecast = model.forecast(periods.iloc[:40], 4, quantiles=True)
    ax = plot_forecast(periods, forecasts=forecast)
    dashed = next(line for line in ax.get_lines() if line.get_linestyle() == "--")
    months = pd.date_range("1952-04-01", periods=5, freq="MS").to_numpy()  # origin, 4 steps
    assert (dashed.get_xdata() == months).all()
    np.testing.assert_allclose(dashed.get_ydata()[1:], forecast["passengers_q0.5"])
    tested = backtest(model, periods, start=40, steps=4, stride=4)
    dashed = [line for line in plot_forecast(periods, forecasts=tested).get_lines()
              if line.get_linestyle() == "--"]  # fmt: skip
    assert len(dashed) == 2 and (dashed[0].get_xdata() == months).all()
