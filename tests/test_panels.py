"""Panels held in pandas: a (series id, time) MultiIndex, row order, outputs in the user's terms."""

import warnings

import numpy as np
import pandas as pd
import pytest

from tsforecast import LSTMForecaster, Persistence, backtest
from tsforecast.datasets import load_air_passengers, load_pbc, load_visnights, load_weather

from .conftest import FAST


@pytest.fixture(scope="module")
def visits():
    """Return the PBC visits as a DataFrame indexed by (patient, day), values filled where missing.

    Patient ids as numbers: the series are read in order of their ids (text ids would sort
    "10" before "2").
    """
    frame = load_pbc().to_frame().rename(index=int, level=0)
    return frame.rename_axis(["patient", "day"]).iloc[:600]


def test_a_multiindex_panel_is_the_same_as_groups_and_a_time_index(visits):
    by_index = LSTMForecaster(**FAST).fit(visits)
    patients = visits.index.get_level_values("patient").to_numpy()
    flat = visits.reset_index(level="patient", drop=True)  # indexed by day alone
    by_groups = LSTMForecaster(**FAST).fit(flat, groups=patients)
    assert by_index.n_series_in_ == by_groups.n_series_in_ == len(np.unique(patients))
    np.testing.assert_array_equal(by_index.predict(visits), by_groups.predict(flat, patients))
    forecast = by_index.forecast(visits, 2)
    pd.testing.assert_frame_equal(forecast, by_groups.forecast(flat, 2, groups=patients)
                                  .rename_axis(["patient", "day"]))  # fmt: skip
    # One forecast per patient, indexed in the user's terms: (patient, day) after each history.
    assert forecast.index.names == ["patient", "day"]
    assert forecast.index.get_level_values("patient").unique().tolist() == sorted(set(patients))
    assert len(forecast) == 2 * len(set(patients)) and list(forecast.columns) == list(visits)
    last_day = visits.groupby(level="patient").tail(1).index.get_level_values("day").to_numpy()
    assert (forecast.xs(1, level="patient").index > last_day[0]).all()
    # The ids keep their dtype (int64 here), in forecasts and backtests alike: they merge
    # with the user's own tables.
    assert forecast.index.get_level_values("patient").dtype == np.int64
    table = backtest(by_index, visits, start=5, steps=1)
    assert table["patient"].dtype == np.int64


def test_any_row_order_gives_the_same_model_and_answers_in_the_callers_order(visits):
    shuffled = visits.sample(frac=1.0, random_state=0)
    # A bad value is said at the caller's row, not at its row in the sorted copy.
    broken = shuffled.copy()
    broken.iloc[5, 0] = np.inf
    with pytest.raises(ValueError, match=r"the first is inf, in column '\w+' at row 5\."):
        LSTMForecaster(**FAST).fit(broken)
    model = LSTMForecaster(**FAST).fit(visits)
    again = LSTMForecaster(**FAST).fit(shuffled)
    np.testing.assert_array_equal(model.predict(visits), again.predict(visits))
    position = visits.index.get_indexer(shuffled.index)
    np.testing.assert_array_equal(model.predict(shuffled), model.predict(visits)[position])
    lower, _ = model.predict_interval(shuffled)
    np.testing.assert_array_equal(lower, model.predict_interval(visits)[0][position])
    assert model.score(shuffled) == model.score(visits)
    pd.testing.assert_frame_equal(model.forecast(shuffled, 3), model.forecast(visits, 3))


def test_supervised_targets_follow_the_sorted_rows(visits):
    y = visits["bili"].to_numpy() * 2.0
    model = LSTMForecaster(**FAST).fit(visits, y)
    shuffled = visits.sample(frac=1.0, random_state=1)
    position = visits.index.get_indexer(shuffled.index)
    np.testing.assert_array_equal(model.predict(shuffled), model.predict(visits)[position])
    assert model.score(shuffled, y[position]) == pytest.approx(model.score(visits, y))


def test_panel_errors(visits):
    model = LSTMForecaster(**FAST).fit(visits)
    with pytest.raises(ValueError) as error:
        model.predict(visits.reset_index(drop=True))
    assert str(error.value) == (
        "LSTMForecaster: this model was fitted on 73 series, but X carries no series ids, so "
        "its rows would be read as one series. Say which rows belong to which series: groups= "
        "(one id per row, or a column name), a DataFrame indexed by (series id, time), or a "
        "SequenceData with groups; for a single series, groups=numpy.zeros(len(X))."
    )
    # a panel of dates indexed by time alone: said, rather than "the DatetimeIndex of X is not
    # in time order" of one series the model was never fitted on (a trial)
    regions = load_visnights().to_frame()
    panel = LSTMForecaster(**FAST).fit(regions)
    by_time = regions.reset_index(level=0, drop=True)
    with pytest.raises(ValueError, match="fitted on 20 series, but X carries no series ids"):
        panel.forecast(by_time, 2)
    with pytest.raises(ValueError) as error:
        model.predict(visits, groups=np.zeros(len(visits)))
    assert str(error.value) == (
        "LSTMForecaster: X is indexed by (series id, time), which says the series already; do "
        "not pass groups= as well."
    )
    # A wide table stacked ((quarter, region): time first) was read as one series per quarter,
    # the regions' numbers as their time.
    wide = regions["nights"].unstack(0).set_axis(range(20), axis=1)
    stacked = wide.stack().rename("nights").to_frame()
    with pytest.raises(ValueError, match=r"X's index is \(time, series id\).*swaplevel"):
        Persistence().fit(stacked)
    swapped = stacked.swaplevel().sort_index()
    assert Persistence().fit(swapped).forecast(swapped, 1).shape == (20, 1)
    deeper = visits.set_index(visits["stage"], append=True)
    with pytest.raises(ValueError) as error:
        LSTMForecaster(**FAST).fit(deeper)
    assert str(error.value) == (
        "LSTMForecaster: X's index has 3 levels (['patient', 'day', 'stage']); a panel is "
        "indexed by two, (series id, time)."
    )


def test_years_and_months_as_a_panel_and_elapsed_time_are_said():
    # A monthly table indexed by (year, month) numbers was read as one series a year, of 12
    # rows stamped 1 to 12, forecasting "month 13"; a TimedeltaIndex as row labels.
    passengers = load_air_passengers().to_frame()
    by_year = passengers.set_index(
        [passengers.index.year.astype(int), passengers.index.month.astype(int)]
    )  # fmt: skip
    with pytest.warns(UserWarning, match=r"looks like \(year, month\).*1949 to 1960") as seen:
        Persistence().fit(by_year)
    assert [w.filename for w in seen if "looks like" in str(w.message)] == [__file__]
    dates = pd.to_datetime(pd.DataFrame({
        "year": by_year.index.get_level_values(0), "month": by_year.index.get_level_values(1),
        "day": 1,
    }))  # fmt: skip  # the fix the warning gives
    assert (pd.DatetimeIndex(dates) == passengers.index).all()
    stores = by_year.set_axis(by_year.index.set_levels([range(1, 13)] * 2), axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # store numbers are no years: nothing said
        Persistence().fit(stores)
    elapsed = passengers.set_axis(pd.timedelta_range("0h", periods=144, freq="h"), axis=0)
    with pytest.raises(ValueError, match=r"TimedeltaIndex.*X.index / pandas.Timedelta\(hours=1\)"):
        Persistence().fit(elapsed)


def test_forecasts_are_frames_for_any_index_and_arrays_for_arrays():
    weather = load_weather().to_frame()[["Dry-bulb (C)", "Dew-point (C)"]].iloc[:400]
    hourly = LSTMForecaster(**FAST, time_features=None).fit(weather)
    by_time = hourly.forecast(weather, 3)
    assert by_time.index.equals(pd.date_range(weather.index[-1], periods=4, freq="h")[1:])
    numbered = weather.reset_index(drop=True)  # a RangeIndex: the next row numbers
    frame = hourly.forecast(numbered, 3)
    assert frame.index.tolist() == [400, 401, 402] and frame.index.name == "time"
    hours = numbered.set_axis(pd.Index(np.arange(400) * 0.5, name="hours"), axis=0)
    assert hourly.forecast(hours, 2).index.tolist() == [200.0, 200.5]
    assert hourly.forecast(hours, 2).index.name == "hours"
    np.testing.assert_array_equal(frame.to_numpy(), hourly.forecast(numbered.to_numpy(), 3))
    # Missing stamps (NaN) in a numeric time index are refused: read as row labels, its
    # time was dropped without a word.
    gappy = hours.set_axis(hours.index.where(hours.index != 100.0), axis=0)
    with pytest.raises(
        ValueError, match=r"missing stamps \(1 NaN or inf; the first at row 200, after 99.5"
    ):
        hourly.forecast(gappy, 2)
    panel = pd.concat({"a": hours, "b": gappy}, names=["id", "hours"])
    with pytest.raises(ValueError, match=r"missing stamps.*X\[X.index.notna\(\)\]"):
        hourly.forecast(panel, 2)
    shuffled = panel.iloc[::-1]  # said at the caller's row
    with pytest.raises(ValueError, match=rf"the first at row {len(panel) - 1 - 600}\)"):
        hourly.forecast(shuffled, 2)
    # A numeric index that is not in order is row labels, not time: the output is positional.
    labels = numbered.set_axis(np.arange(400)[::-1], axis=0)
    assert isinstance(hourly.forecast(labels, 3), np.ndarray)


def test_periods_are_read_as_their_first_instants_and_forecasts_come_back_as_periods():
    # statsmodels and to_period() index monthly data by periods: the model reads the season
    # and the calendar from them as from time stamps, and answers in periods. (A PeriodIndex
    # was once read as row labels: no season, no stamps, a bare array; in a panel, refused.)
    stamps = load_air_passengers().to_frame().iloc[:48]
    periods = stamps.to_period("M")
    kept = periods.copy()
    by_stamps = LSTMForecaster(**FAST).fit(stamps)
    by_periods = LSTMForecaster(**FAST).fit(periods)
    pd.testing.assert_frame_equal(periods, kept)  # the caller's frame is not modified
    assert by_periods.seasonal_period_ == by_stamps.seasonal_period_ == 12
    forecast = by_periods.forecast(periods, 3, quantiles=True)
    assert forecast.index.equals(pd.period_range("1953-01", periods=3, freq="M", name="month"))
    expected = by_stamps.forecast(stamps, 3, quantiles=True)
    np.testing.assert_array_equal(forecast.to_numpy(), expected.to_numpy())
    table = backtest(by_periods, periods, start=40, steps=2)
    by_period = backtest(by_periods, periods, start=pd.Period("1952-05", "M"), steps=2)
    pd.testing.assert_frame_equal(by_period, table)  # a period as the first forecast time
    assert table["origin"].iloc[0] == pd.Period("1952-04", "M")
    assert table["time"].iloc[0] == pd.Period("1952-05", "M")
    # A quarter written as text is read as the quarter (pandas deprecates reading it as a
    # date: a warning from inside pandas, and an error to come).
    quarters = periods.resample("Q").mean()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for data in (quarters, quarters.to_timestamp()):
            first = backtest(Persistence().fit(data), data, start="1951Q3", steps=1)["time"]
            assert first.iloc[0] in (pd.Period("1951Q3", "Q"), pd.Timestamp("1951-07-01"))
    gap = periods.set_axis(periods.index.insert(5, pd.NaT)[:-1], axis=0)
    with pytest.raises(ValueError, match=r"the PeriodIndex of X has missing periods \(NaT\)"):
        LSTMForecaster(**FAST).fit(gap)
    panel = pd.concat({"small": periods, "large": periods * 1000}, names=["id", "month"])
    both = LSTMForecaster(**FAST).fit(panel).forecast(panel, 2)
    assert both.index.get_level_values("month").equals(
        pd.PeriodIndex(["1953-01", "1953-02"] * 2, freq="M", name="month")
    )


def test_a_column_that_ended_long_before_the_table_is_named_at_forecast():
    # A wide table of series of different spans (AirPassengers ends in 1960, the other goes
    # on to 1982): each column was forecast from the table's last row without a word, the
    # passengers 22 years after their last value.
    passengers = load_air_passengers().to_frame().iloc[:, 0].astype(float)
    later = pd.Series(
        np.sin(np.arange(400) / 2) * 10 + 100,
        index=pd.date_range("1949-01-01", periods=400, freq="MS"),
    )  # fmt: skip
    wide = pd.concat({"air": passengers, "other": later}, axis=1).asfreq("MS")
    model = LSTMForecaster(**FAST).fit(wide.iloc[:144])  # both observed throughout
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing said where every column is read
        model.forecast(wide.iloc[:150], 2)
    stale = r"target 'air' has no observed value in the last 256 rows of X \(last at 1960-12-01\)"
    with pytest.warns(RuntimeWarning, match=stale + r", more than the \d+ rows the model reads"):
        model.forecast(wide, 2)
    panel = wide.stack().dropna().swaplevel().sort_index().to_frame("value")  # the fix
    panel.index.names = ["series", "time"]
    fitted = LSTMForecaster(**FAST).fit(panel)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fitted.forecast(panel, 2)
