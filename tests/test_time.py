"""Calendar features: encoding, the "auto" choice, and forecasts that read the future's hour."""

from __future__ import annotations

import itertools
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsforecast import LSTMForecaster, Persistence, SequenceData, backtest
from tsforecast._calendar import (
    calendar_grid,
    daily_with_missing_days,
    usual_step,
    weekday_calendar,
)
from tsforecast._seasons import seasonal_period
from tsforecast._time import check_regular, future_times, series_future_times
from tsforecast._time_features import choose_time_features, encode_time
from tsforecast.datasets import load_air_passengers, load_pbc, load_weather

from .conftest import FAST


def test_encoding_is_cyclic():
    times = pd.DatetimeIndex(["2024-03-01 00:00", "2024-03-01 06:00", "2024-03-02 00:00"])
    encoded = encode_time(times, ["hour", "weekday"])
    assert encoded.shape == (3, 4) and encoded.dtype == np.float32
    np.testing.assert_allclose(encoded[1, :2], [1.0, 0.0], atol=1e-6)  # a quarter of the day
    np.testing.assert_allclose(encoded[0, :2], encoded[2, :2], atol=1e-6)  # same hour
    assert not np.allclose(encoded[0, 2:], encoded[2, 2:])  # another day of the week
    yearday = encode_time(pd.DatetimeIndex(["2023-01-01", "2024-01-01"]), ["yearday"])
    np.testing.assert_allclose(yearday[0], yearday[1], atol=1e-6)
    with pytest.raises(ValueError, match="NaT"):
        encode_time(pd.DatetimeIndex(["2024-01-01", None]), ["hour"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.datetimes(pd.Timestamp("1901-01-01"), pd.Timestamp("2099-12-31")), min_size=1),
    st.sampled_from([None, "Europe/Paris", "America/New_York"]),
    st.sampled_from(["ns", "s"]),
)
def test_encoding_follows_the_wall_clock_calendar(stamps, zone, unit):
    times = pd.DatetimeIndex(stamps).as_unit(unit)
    if zone is not None:
        times = times.tz_localize("UTC").tz_convert(zone)
    hours = times.hour + times.minute / 60 + times.second / 3600
    expected = {
        "hour": hours / 24,
        "weekday": (times.day_of_week + hours / 24) / 7,
        "yearday": (times.day_of_year - 1 + hours / 24) / (365 + times.is_leap_year),
        "month": (times.month - 1) / 12,
        "quarter": (times.quarter - 1) / 4,
    }
    encoded = encode_time(times, list(expected)).astype(np.float64)
    for i, fraction in enumerate(expected.values()):
        angle = 2 * np.pi * np.asarray(fraction, dtype=np.float64)
        np.testing.assert_allclose(encoded[:, 2 * i], np.sin(angle), atol=1e-6)
        np.testing.assert_allclose(encoded[:, 2 * i + 1], np.cos(angle), atol=1e-6)


def test_usual_step_is_the_most_common_difference():
    times = pd.DatetimeIndex(["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 03:00",
                              "2024-01-01 04:00", "2024-01-01 06:00"]).as_unit("s")  # fmt: skip
    assert usual_step(times) == pd.Timedelta("1h")  # 1 h and 2 h twice each: the smaller
    assert usual_step(times[:1]) is None
    assert usual_step(pd.DatetimeIndex(["2024-01-01", None, "2024-01-03", "2024-01-04"])) == (
        pd.Timedelta("1D")
    )


def test_auto_takes_the_hour_for_sub_daily_data_only():
    assert choose_time_features("auto", load_weather().local_time) == ["hour"]
    assert choose_time_features("auto", pd.date_range("2024", periods=30, freq="D")) == []
    assert choose_time_features("auto", pd.date_range("2024", periods=30, freq="MS")) == []
    months = pd.date_range("2024-01-01", periods=13, freq="MS")
    encoded = encode_time(months, ["month", "quarter"])
    np.testing.assert_allclose(encoded[0], encoded[12], atol=1e-6)  # January again
    np.testing.assert_allclose(encoded[3, 2:], [1.0, 0.0], atol=1e-6)  # April: 2nd quarter
    np.testing.assert_allclose(encoded[3, 2:], encoded[5, 2:], atol=1e-6)  # ... as June
    assert choose_time_features("auto", None) == []
    assert choose_time_features(["weekday"], pd.date_range("2024", periods=3, freq="h")) == [
        "weekday"
    ]
    assert choose_time_features(None, load_weather().local_time) == []
    assert choose_time_features("auto", load_pbc().local_time) == []  # visits months apart
    assert usual_step(np.array([0.0, 2.0, 4.0, 5.0])) == 2.0


def _daily_spike(days: int) -> pd.DataFrame:
    """Zero but at noon each day: unforeseeable from the previous 8 hours, obvious from the hour."""
    index = pd.date_range("2024-01-01", periods=24 * days, freq="h", tz="Europe/Paris")
    return pd.DataFrame({"load": (index.hour == 12).astype(float)}, index=index)


# Without the hour, eight hours of zeros say nothing of the coming spike, however long the
# training: a short fit shows it as well as a long one.
@pytest.mark.parametrize(("features", "epochs"), [("auto", 150), (None, 3)])
def test_forecast_reads_the_future_hour(features, epochs):
    """Rolled forward one step at a time, each step reads its own hour."""
    frame = _daily_spike(40)
    model = LSTMForecaster(
        context_length=8, horizon=1, hidden_size=16, max_epochs=epochs, learning_rate=1e-2,
        validation_fraction=0, loss="mse", time_features=features, random_state=0,
    ).fit(frame)  # fmt: skip
    future = model.forecast(frame, steps=24)["load"]
    noon = future.index.hour == 12
    if features == "auto":
        assert model.time_features_ == ["hour"]
        assert future[noon].iloc[0] > 0.7 and future[~noon].abs().max() < 0.3
    else:  # eight hours of zeros say nothing of the coming spike
        assert model.time_features_ == [] and model.module_.recurrent.input_size == 1
        assert future[noon].iloc[0] < 0.3


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_time_features_need_time_stamps_at_predict_time():
    frame = _daily_spike(5)
    model = LSTMForecaster(**FAST).fit(frame)
    assert model.time_features_ == ["hour"]
    assert model.module_.recurrent.input_size == 3  # the value, then the hour's sine and cosine
    with pytest.raises(ValueError, match="time stamps, but X has none"):
        model.predict(frame.to_numpy())
    data = SequenceData.from_frame(frame.reset_index(), time="index")
    np.testing.assert_allclose(model.predict(data), model.predict(frame), rtol=1e-6)


def test_saved_model_keeps_its_time_features(tmp_path):
    frame = _daily_spike(5)
    model = LSTMForecaster(**FAST, time_features=["hour", "weekday"]).fit(frame)
    loaded = LSTMForecaster.load(model.save(tmp_path / "model"))
    assert loaded.time_features_ == ["hour", "weekday"]
    pd.testing.assert_frame_equal(loaded.forecast(frame, 30), model.forecast(frame, 30))


@pytest.mark.parametrize("bad", ["hours", ["hour", "hour"], ["minute"], 3])
def test_bad_time_features_are_refused(bad):
    with pytest.raises(ValueError, match="time_features must be 'auto', None or a list"):
        LSTMForecaster(**FAST, time_features=bad).fit(np.zeros((20, 1)))


def test_dataframe_forecasts_match_the_sequence_data_path():
    """A float DataFrame named as in fit skips sklearn's validation; same forecasts."""
    frame = _daily_spike(5).assign(other=np.linspace(0, 1, 120))
    model = LSTMForecaster(**FAST).fit(frame)
    data = SequenceData.from_frame(frame.reset_index(), time="index")
    # The same forecasts; the index keeps each input's name (none, then the "index" column).
    by_data = model.forecast(data, 5).rename_axis("time")
    pd.testing.assert_frame_equal(model.forecast(frame, 5), by_data)
    # The training columns in another order are read by name; other names are refused.
    reordered = model.forecast(frame[["other", "load"]], 5)
    pd.testing.assert_frame_equal(reordered, model.forecast(frame, 5))
    with pytest.raises(ValueError, match="feature names should match"):
        model.forecast(frame.rename(columns={"other": "another"}), 5)
    with pytest.raises(ValueError, match="NaN or inf"):
        model.forecast(frame.assign(other=np.inf), 5)


def test_future_times_continue_the_usual_step_for_every_kind_of_stamp():
    hourly = pd.date_range("2024-03-09 22:00", periods=4, freq="h", tz="US/Eastern")
    future = future_times(hourly, 3)
    assert isinstance(future, pd.DatetimeIndex) and future.tz == hourly.tz
    assert (future - hourly[-1]).tolist() == [pd.Timedelta(hours=h) for h in (1, 2, 3)]
    naive = hourly.tz_localize(None).to_numpy()
    assert future_times(naive, 2).tolist() == (naive[-1] + np.array([1, 2]) * np.timedelta64(
        1, "h")).tolist()  # fmt: skip
    np.testing.assert_allclose(future_times(np.array([0.0, 0.01, 0.02, 0.04]), 2), [0.05, 0.06])
    # From a stamp inside the series, stepping as the whole series does.
    np.testing.assert_allclose(future_times(np.array([0.0, 2.0, 4.0, 5.0]), 2, after=2.0), [4, 6])
    with pytest.raises(ValueError, match="fewer than two time stamps has no time step"):
        future_times(hourly[:1], 2)


def test_usual_step_rounds_numeric_steps_when_asked():
    frames = np.array([0.0, 0.0100001, 0.0199999, 0.03, 0.05])
    assert usual_step(frames, decimals=6) == pytest.approx(0.01)
    assert usual_step(frames) != pytest.approx(0.01)  # unrounded steps all differ


def test_a_single_visit_series_steps_as_its_panel_usually_does():
    """One patient with one visit used to stop the forecast of every patient."""
    times = pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-05", "2020-02-01"])
    data = SequenceData(np.zeros((5, 1)), time=times, groups=[1, 1, 1, 1, 2])
    futures = series_future_times(data, 2, owner="test")
    assert list(futures[0].strftime("%m-%d")) == ["01-06", "01-07"]
    assert list(futures[1].strftime("%m-%d")) == ["02-02", "02-03"]
    alone = SequenceData(np.zeros((1, 1)), time=times[:1])
    with pytest.raises(ValueError, match="fewer than two time stamps"):
        series_future_times(alone, 2, owner="test")


@pytest.mark.parametrize(
    ("freq", "expected"),
    [("MS", ["2022-04-01", "2022-05-01"]), ("ME", ["2022-04-30", "2022-05-31"]),
     ("B", ["2021-10-11", "2021-10-12"])],
)  # fmt: skip
def test_calendar_frequencies_step_by_the_calendar(freq, expected):
    """Months are not 31 days, and business days skip weekends."""
    index = pd.date_range("2021-10-01", periods=6, freq=freq)
    assert list(future_times(index, 2).strftime("%Y-%m-%d")) == expected
    unset = pd.DatetimeIndex(list(index))  # no freq attribute: inferred
    assert list(future_times(unset, 2).strftime("%Y-%m-%d")) == expected
    frame = pd.DataFrame({"v": np.arange(6.0)}, index=index)
    model = LSTMForecaster(**{**FAST, "context_length": 4}).fit(frame)
    assert list(model.forecast(frame, 2).index.strftime("%Y-%m-%d")) == expected


@pytest.mark.parametrize(
    ("freq", "expected"),
    [("MS", ["1991-03-01", "1991-04-01"]), ("QS", ["1991-07-01", "1991-10-01"]),
     ("ME", ["1991-03-31", "1991-04-30"]), ("QE", ["1991-09-30", "1991-12-31"]),
     ("YS", ["1993-01-01", "1994-01-01"]), ("W-SUN", ["1991-01-20", "1991-01-27"])],
)  # fmt: skip
def test_two_stamps_step_by_the_calendar_too(freq, expected):
    """Two months were 31 days apart, so the next were 1991-03-04, 04-04 (a trial's find)."""
    index = pd.DatetimeIndex(list(pd.date_range("1991-01-01", periods=2, freq=freq)))
    assert list(future_times(index, 2).strftime("%Y-%m-%d")) == expected
    frame = pd.DataFrame({"v": [1.0, 2.0]}, index=index)
    assert list(Persistence().fit(frame).forecast(frame, 2).index.strftime("%Y-%m-%d")) == (
        expected
    )
    days = pd.DatetimeIndex(["1991-01-30", "1991-03-01"])  # 30 days, not one calendar step
    assert list(future_times(days, 1).strftime("%Y-%m-%d")) == ["1991-03-31"]


def test_missing_calendar_periods_are_named_and_forecasts_stay_on_the_calendar():
    # Quarter starts with two quarters missing: irregular series to the model (time gaps,
    # no season), which says so and how to give them as missing values; the forecasts stay
    # on quarter starts (they drifted by 91 days a step: 1997-04-03, 1997-07-04...).
    quarters = load_air_passengers().to_frame().resample("QS").sum().iloc[:40]
    gappy = quarters.drop(quarters.index[[20, 21]])
    assert str(calendar_grid(gappy.index).freqstr) == "QS-JAN"
    with pytest.warns(UserWarning, match=r"'QS-JAN' with 2 period\(s\) missing.*asfreq") as seen:
        model = LSTMForecaster(**FAST).fit(gappy)
    [said] = [w for w in seen if "period(s) missing" in str(w.message)]
    assert said.filename == __file__  # the line that called fit
    assert model.time_gaps_ and model.seasonal_period_ is None
    assert model.time_step_ is None  # irregular: the time between rows is read, not checked
    expected = pd.date_range("1959-01-01", periods=3, freq="QS")
    assert model.forecast(gappy, 3).index.equals(expected.rename("month"))
    filled = gappy.asfreq("QS")  # the fix the warning gives: the season is read
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # and no warning about periods
        refit = LSTMForecaster(**FAST).fit(filled)
    assert not refit.time_gaps_ and refit.seasonal_period_ == 4
    # Stamps off any calendar (visits) are no calendar with gaps: no such warning; daily
    # data steps by days, not by a calendar (business days are one: the next test).
    visits = pd.DatetimeIndex(["2020-01-01", "2020-02-01", "2020-03-01", "2020-03-15"])
    assert calendar_grid(visits) is None
    assert calendar_grid(pd.date_range("2024-01-01", "2024-12-27").delete([10, 50])) is None
    # Periods are filled by reindexing on their range (asfreq converts them instead).
    # (named by the periods' own frequency, not their first instants' 'QS-JAN')
    with pytest.warns(UserWarning, match=r"'Q-DEC' with 2 period.*X.reindex\(pandas.period_range"):
        LSTMForecaster(**FAST).fit(gappy.to_period("Q"))
    with pytest.warns(UserWarning, match=r"'Q-NOV' with 2 period"):
        LSTMForecaster(**FAST).fit(gappy.to_period("Q-NOV"))


def test_business_days_with_holidays_are_forecast_on_business_days():
    # Closing prices, holidays left out: a day is not their step, and after a Friday the
    # forecasts were stamped Saturday and Sunday, without a word.
    days = pd.bdate_range("2022-01-03", periods=120).delete([10, 50, 90])
    prices = pd.DataFrame({"close": 100 + np.sin(np.arange(117) / 4)}, index=days)
    assert days[-1].day_name() == "Friday"
    with pytest.warns(UserWarning, match=r"'B' \(business days\) with 3 period\(s\) missing.*"
                      r"X.asfreq\('B'\)"):  # fmt: skip
        model = LSTMForecaster(**FAST).fit(prices)
    assert model.time_gaps_
    stamps = model.forecast(prices, 3).index
    assert stamps.equals(pd.DatetimeIndex(["2022-06-20", "2022-06-21", "2022-06-22"]))
    np.testing.assert_array_equal(
        backtest(model, prices, start=100, steps=3)["time"].dt.dayofweek < 5, True
    )
    filled = prices.asfreq("B")  # the fix the warning gives: regular rows, a week's season
    refit = LSTMForecaster(**FAST).fit(filled)
    assert not refit.time_gaps_ and refit.seasonal_period_ == 5
    assert refit.forecast(filled, 3).index.equals(stamps)
    # A week of Sunday to Thursday: its own calendar, named so that asfreq can fill it.
    week = pd.bdate_range("2024-01-07", periods=60, freq="C", weekmask="Sun Mon Tue Wed Thu")
    sales = pd.DataFrame({"sales": np.cos(np.arange(57) / 3)}, index=week.delete([5, 20, 30]))
    fix = "X.asfreq(pandas.offsets.CustomBusinessDay(weekmask='Mon Tue Wed Thu Sun'))"
    with pytest.warns(UserWarning, match=re.escape(fix)):
        shop = LSTMForecaster(**FAST).fit(sales)
    assert set(shop.forecast(sales, 7).index.day_name()) == {
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
    }
    # Filled, such a week is regular as Monday to Friday is (it was read as irregular:
    # no seasonal transform, without a word), and so is a six-day week.
    # Over fewer weeks than the calendar needs, a time held once is no week's pattern: a
    # missing hour of 4 days of hours is a gap (it was taken for a time never held).
    hours = pd.DataFrame({"v": np.sin(np.arange(100) / 4)},
                         index=pd.date_range("2024-01-01", periods=100, freq="h"))  # fmt: skip
    assert LSTMForecaster(**FAST).fit(hours.drop(hours.index[50])).time_gaps_
    # (Stamps without a freq, as read from a file: pandas infers no such week.)
    week = pd.DatetimeIndex(week.to_numpy())
    filled = LSTMForecaster(**FAST).fit(pd.DataFrame({"sales": np.cos(np.arange(60) / 3)}, week))
    assert not filled.time_gaps_ and filled.seasonal_period_ == 5
    six = pd.bdate_range("2024-01-01", periods=60, freq="C", weekmask="Mon Tue Wed Thu Fri Sat")
    six = pd.DatetimeIndex(six.to_numpy())
    six_days = LSTMForecaster(**FAST).fit(pd.DataFrame({"v": np.sin(np.arange(60))}, six))
    assert not six_days.time_gaps_ and six_days.seasonal_period_ == 6
    # A regular business-day model given history with a holiday says how to fill it.
    with pytest.raises(ValueError, match=re.escape("X.asfreq('B')")):
        refit.forecast(prices, 2)
    # Daily data on every weekday, or spanning under two weeks, is no business-day calendar.
    assert weekday_calendar(pd.date_range("2024-01-01", periods=60, freq="D")) is None
    assert weekday_calendar(pd.bdate_range("2024-01-01", periods=8)) is None


def test_a_short_series_of_a_panel_follows_the_panels_calendar():
    # One month, or three business days, show no calendar of their own: a month stepped by
    # 30.4 days (12-02, 01-02, 02-02, 03-05...) and business days through the weekend.
    months = load_air_passengers().to_frame().iloc[:48]
    panel = pd.concat({"long": months, "new": months.iloc[10:11]}, names=["id", "month"])
    stamps = Persistence().fit(panel).forecast(panel, 4).loc["new"].index
    assert stamps.equals(pd.date_range("1949-12-01", periods=4, freq="MS", name="month"))
    days = pd.bdate_range("2024-01-01", periods=60)
    values = pd.DataFrame({"v": np.arange(60.0)}, index=days)
    shops = pd.concat({"old": values, "new": values.iloc[10:13]}, names=["shop", "day"])
    assert days[12].day_name() == "Wednesday"
    model = Persistence().fit(shops)
    after = model.forecast(shops, 4).loc["new"].index
    assert list(after.day_name()) == ["Thursday", "Friday", "Monday", "Tuesday"]
    # future= stamps of those days are the next steps: accepted (they were refused)
    shops["promo"] = np.arange(len(shops)) % 2.0
    ahead = {"old": pd.bdate_range(days[-1], periods=5)[1:], "new": after}
    future = pd.DataFrame({"promo": np.arange(8) % 2.0}, index=pd.MultiIndex.from_tuples(
        [(shop, stamp) for shop, index in ahead.items() for stamp in index], names=["shop", "day"]
    ))  # fmt: skip
    regular = LSTMForecaster(**{**FAST, "horizon": 4, "future_covariates": "promo"}).fit(shops)
    assert regular.forecast(shops, 4, future=future).loc["new"].index.equals(after)
    # a short series off the panel's calendar keeps its own step: quarters in a monthly panel
    quarters = months.iloc[::3].iloc[:4]
    mixed = pd.concat({"long": months, "q": quarters}, names=["id", "month"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # mixed spacings: warned about
        next_quarters = Persistence().fit(mixed).forecast(mixed, 2).loc["q"].index
    assert next_quarters.equals(pd.DatetimeIndex(["1950-01-01", "1950-04-01"], name="month"))


def test_daily_data_with_days_missing_is_warned_about_as_months_are():
    # Three days left out: read as irregular (no weekly season, no seasonal transform),
    # which fit did not say; it now names the days missing and the fix.
    days = pd.date_range("2023-01-01", periods=120, freq="D")
    sales = pd.DataFrame({"sales": 50 + 10 * (days.day_of_week >= 5)}, index=days)
    gappy = sales.drop(days[[30, 70, 100]])
    with pytest.warns(UserWarning, match=r"'D' with 3 period\(s\) missing.*X.asfreq\('D'\)"):
        model = LSTMForecaster(**FAST).fit(gappy)
    assert model.time_gaps_
    assert model.forecast(gappy, 2).index.equals(pd.date_range("2023-05-01", periods=2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert not LSTMForecaster(**FAST).fit(gappy.asfreq("D")).time_gaps_
    # Daily visits over more than twice the days they hold are irregular: nothing to fill.
    visits = days[::3].union(days[1::9])
    assert daily_with_missing_days(visits) is None
    assert daily_with_missing_days(days) is None  # none missing


def test_periods_stamped_mid_period_are_read_as_their_calendar():
    # Months stamped on the 15th were read as irregular steps of 31 days: no season, and
    # forecasts stamped 2009-03-18, 2009-04-18... They are months, as month starts are.
    starts = load_air_passengers().to_frame().iloc[:72]
    mid = starts.set_axis(starts.index + pd.Timedelta(days=14))
    assert seasonal_period(mid.index) == 12
    quarters = pd.date_range("2001-02-10", periods=12, freq=pd.DateOffset(months=3))
    assert seasonal_period(quarters) == 4
    assert list(future_times(mid.index, 2).day) == [15, 15]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = LSTMForecaster(**FAST).fit(mid)
    assert not model.time_gaps_ and model.seasonal_period_ == 12
    forecast = model.forecast(mid, 3)
    assert [str(t.date()) for t in forecast.index] == ["1955-01-15", "1955-02-15", "1955-03-15"]
    same = LSTMForecaster(**FAST).fit(starts).forecast(starts, 3)
    np.testing.assert_array_equal(forecast.to_numpy(), same.to_numpy())
    # with two months missing: the calendar, its gaps named, and the fix that works
    gappy = mid.drop(mid.index[[30, 31]])
    assert calendar_grid(gappy.index) == pd.DateOffset(months=1)
    with pytest.warns(UserWarning, match=r"every 1 month\(s\) on day 15 with 2 period"):
        LSTMForecaster(**FAST).fit(gappy)
    assert LSTMForecaster(**FAST).fit(gappy.asfreq(pd.DateOffset(months=1))).seasonal_period_ == 12
    # stamps on changing days of the month are no such calendar
    assert calendar_grid(pd.DatetimeIndex(["2020-01-15", "2020-02-15", "2020-03-16"])) is None


def test_history_at_another_spacing_than_fit_is_refused(tmp_path):
    # A model fitted on months reads rows as months: quarterly history was forecast as its
    # next "months", stamped as quarters, without a word.
    months = load_air_passengers().to_frame().iloc[:60]
    model = LSTMForecaster(**FAST).fit(months)
    assert model.time_step_ == 31 * 24  # the median month, in hours
    quarters = months.resample("QS").sum()
    with pytest.raises(ValueError, match=r"rows of X are about 91 days apart, but the model "
                       r"was fitted on rows about 31 days apart.*resample"):  # fmt: skip
        model.forecast(quarters, 2)
    with pytest.raises(ValueError, match=r"rows of X are 1 day apart"):
        model.predict(months.resample("D").interpolate())
    loaded = LSTMForecaster.load(model.save(tmp_path / "model"))
    assert loaded.time_step_ == model.time_step_
    with pytest.raises(ValueError, match=r"about 91 days apart"):
        loaded.forecast(quarters, 2)
    model.forecast(months.iloc[-30:], 2)  # the same spacing, any length: read
    # One series at another spacing in a panel is named (a monthly series beside quarterly
    # ones was forecast as quarters, without a word).
    by_month = pd.concat({"a": months, "b": 2 * months}, names=["id", "month"])
    fitted = LSTMForecaster(**FAST).fit(by_month)
    beside = pd.concat({"a": months, "q": quarters}, names=["id", "month"])
    with pytest.raises(ValueError, match=r"rows of X of series 'q' are about 91 days apart"):
        fitted.forecast(beside, 2)
    with pytest.raises(ValueError, match=r"rows of X are about 91 days apart"):  # all of them
        fitted.forecast(pd.concat({"a": quarters, "q": quarters}, names=["id", "month"]), 2)
    # A panel of months and quarters keeps no one step: each series may be forecast alone.
    panel = pd.concat({"months": months, "quarters": quarters}, names=["id", "month"])
    # The season and transforms read from the first series (months: 12) apply to both, and
    # which series sorted first decided them: said at fit.
    said = r"series 'months' has rows about 31 days apart, series 'quarters' about 91.* apart"
    with pytest.warns(UserWarning, match=said):
        mixed = LSTMForecaster(**FAST).fit(panel)
    assert mixed.time_step_ is None
    mixed.forecast(pd.concat({"quarters": quarters}, names=["id", "month"]), 2)
    # A short history is judged by its least step: two quarters were forecast a month on,
    # stamped a quarter on, without a word.
    with pytest.raises(ValueError, match=r"rows of X are about 9\d days apart"):
        model.forecast(quarters.iloc[-2:], 1)
    with pytest.raises(ValueError, match=r"series 'q' are about 9\d days apart"):
        fitted.forecast(pd.concat({"a": months, "q": quarters.iloc[-2:]}, names=["id", "month"]), 1)
    # A few rows are not judged: Friday, Monday, Tuesday of a business-day model.
    days = pd.bdate_range("2024-01-01", periods=82)  # ends on a Tuesday
    weekdays = pd.DataFrame({"v": np.sin(np.arange(82) / 5)}, index=days)
    business = LSTMForecaster(**FAST).fit(weekdays)
    assert business.forecast(weekdays.iloc[-3:], 2).index.day_name().tolist() == [
        "Wednesday", "Thursday"
    ]  # fmt: skip
    # A Friday and a Monday alone: a step over the weekend the data never holds, not a
    # spacing of 3 days.
    assert business.forecast(weekdays.iloc[-3:-1], 2).index.day_name().tolist() == [
        "Tuesday", "Wednesday"
    ]  # fmt: skip
    # Visits stamped in days since entry (numbers) and arrays have no datetime step to keep.
    visits = LSTMForecaster(**FAST).fit(load_pbc().to_frame().iloc[:300])
    assert visits.time_step_ is None
    assert LSTMForecaster(**FAST).fit(months.to_numpy()).time_step_ is None


def test_history_that_skips_steps_is_refused_by_a_model_fitted_on_regular_rows(tmp_path):
    # One month left out of the history was read as the next step: the forecasts were of
    # other months (104.0, 113.8, 125.0 for 112.0, 122.1, 129.5), stamped right, and a
    # backtest scored them against the following months' truths, without a word.
    months = load_air_passengers().to_frame().iloc[:72]
    model = LSTMForecaster(**FAST).fit(months)
    assert model.time_gaps_ is False
    gappy = months.drop(months.index[60])
    said = r"skip steps: the series goes from 1953-12-01 to 1954-02-01 .*X.asfreq\('MS'\)"
    for call in (
        lambda data: model.forecast(data, 2),
        model.predict,
        lambda data: backtest(model, data, start=50, steps=2),
        lambda data: LSTMForecaster.load(model.save(tmp_path / "m")).forecast(data, 2),
    ):
        with pytest.raises(ValueError, match=said):
            call(gappy)
    filled = gappy.asfreq("MS")  # the fix said: the month is a missing value
    assert model.forecast(filled, 2).index[0] == pd.Timestamp("1955-01-01")
    # Periods are said as periods, with the fix that fills them (asfreq converts periods).
    by_period = LSTMForecaster(**FAST).fit(months.to_period("M"))
    fix = "X.reindex(pandas.period_range(X.index[0], X.index[-1], freq=X.index.freq))"
    with pytest.raises(ValueError, match=r"goes from 1953-12 to 1954-02 .*" + re.escape(fix)):
        by_period.forecast(gappy.to_period("M"), 2)
    filled = gappy.to_period("M")
    filled = filled.reindex(
        pd.period_range(filled.index[0], filled.index[-1], freq=filled.index.freq)
    )
    assert by_period.forecast(filled, 2).index[0] == pd.Period("1955-01", "M")
    model.forecast(months.iloc[:40], 2)  # a shorter history skips no step
    # A panel names the series; a model of irregular series reads the gap.
    panel = pd.concat({"a": months, "b": 2 * months}, names=["id", "month"])
    fitted = LSTMForecaster(**FAST).fit(panel)
    with pytest.raises(ValueError, match=r"series 'b' goes from 1953-12-01 to 1954-02-01"):
        fitted.forecast(panel.drop(("b", months.index[60])), 2)
    irregular = LSTMForecaster(**{**FAST, "time_gaps": True}).fit(months)
    irregular.forecast(gappy, 2)
    # time_gaps=False asks to read the rows as they come: nothing refused
    LSTMForecaster(**{**FAST, "time_gaps": False}).fit(gappy).forecast(gappy, 2)
    # A panel with a new series of 1 or 2 rows skips nothing (it was refused as irregular).
    short = pd.concat({"a": months, "b": months.iloc[:2]}, names=["id", "month"])
    fitted.forecast(short, 2)
    # Business days skip weekends, office hours the night, which they never hold: read; a
    # holiday is a skipped business day, named.
    days = pd.bdate_range("2022-09-01", periods=100)
    weekdays = pd.DataFrame({"v": np.sin(np.arange(100) / 3)}, index=days)
    business = LSTMForecaster(**FAST).fit(weekdays.iloc[:60])
    assert business.time_gaps_ is False and business.seasonal_period_ == 5
    business.forecast(weekdays, 2)
    with pytest.raises(ValueError, match=r"the series goes from 2022-11-04 to 2022-11-08 \(1 "):
        business.forecast(weekdays.drop(pd.Timestamp("2022-11-07")), 2)
    hours = pd.date_range("2024-01-01", periods=24 * 28, freq="h")
    office = hours[(hours.hour >= 9) & (hours.hour <= 17) & (hours.day_of_week < 5)]
    calls = SequenceData(np.cos(np.arange(len(office)) / 2), time=office.to_numpy())
    check_regular(calls, "forecast")  # (fit reads such rows as irregular: time gaps)
    with pytest.raises(ValueError, match=r"goes from 2024-01-02 10:00:00 to 2024-01-02 12:00"):
        check_regular(calls.take(np.delete(np.arange(len(office)), 11)), "forecast")


@pytest.mark.parametrize(
    ("freq", "season"),
    [("MS", 12), ("BME", 12), ("QS-NOV", 4), ("W-WED", 52), ("2W-SUN", 26), ("4W-SUN", 13),
     ("SME", 24), ("SMS", 24), ("2MS", 6), ("2QE", 2), ("3W", None), ("5MS", None),
     ("YS", None), ("52W", None)],
)  # fmt: skip
def test_multiples_of_weeks_and_months_that_divide_a_year_have_its_season(freq, season):
    # Two-weekly, semi-monthly and two-monthly stamps had no season (None), without a word.
    assert seasonal_period(pd.date_range("2001-01-01", periods=40, freq=freq)) == season


def test_business_days_and_hours_have_a_season_of_the_rows_they_keep():
    # Business days were read as a season of 7 rows: each row was compared with another
    # weekday's (seasonal naive MAE 12.2 against 1.3 for the 5-day week on a weekday pattern).
    days = pd.bdate_range("2024-01-01", periods=120)
    assert seasonal_period(days) == 5
    assert seasonal_period(pd.date_range("2024-01-01", periods=120, freq="D")) == 7
    assert seasonal_period(days[:9]) == 7  # under two weeks: no weekday told missing
    saturday = days.append(pd.DatetimeIndex(["2024-01-06"])).sort_values()
    assert seasonal_period(saturday) == 5  # a rare Saturday opening keeps the 5-day week
    every_other = pd.date_range("2024-01-06", periods=8, freq="14D")  # Saturdays, half of them
    assert seasonal_period(days.append(every_other).sort_values()) == 5
    hours = pd.date_range("2024-01-01", periods=24 * 40, freq="h")
    office = hours[(hours.hour >= 9) & (hours.hour <= 17)]
    assert seasonal_period(office) == 9
    assert seasonal_period(office[office.day_of_week < 5]) == 9
    assert seasonal_period(hours.delete([30, 31])) == 24  # hours missing: still a day of 24
    missing = np.random.default_rng(0).choice(len(hours), 40, replace=False)
    assert seasonal_period(hours.delete(missing)) == 24  # an hour missing on most days
    # a panel whose first series is short: the weekdays and hours of every series are read
    assert seasonal_period(days[:6].append(days), np.array([0, 6, 126])) == 5
    both = office[:30].append(office)
    assert seasonal_period(both, np.array([0, 30, len(both)])) == 9
    closed = pd.date_range("2024-01-01", periods=120, freq="D")
    assert seasonal_period(closed[closed.day_of_week != 6]) == 6  # closed on Sundays
    weekday = np.array([10.0, 12.0, 11.0, 15.0, 20.0])
    frame = pd.DataFrame({"sales": np.resize(weekday, 120)}, index=days)
    model = LSTMForecaster(**FAST).fit(frame)
    assert model.seasonal_period_ == 5
    assert max(model.baseline_scores_["seasonal_naive"]) < 1e-6  # the week repeats exactly


def test_stamps_past_2262_are_refused():
    hours = pd.date_range("2021-01-01", periods=5, freq="h")
    with pytest.raises(ValueError, match=r"go past the last date time stamps can hold"):
        future_times(hours, 10**7)


@given(
    lengths=st.lists(st.integers(1, 7), min_size=1, max_size=10),
    seed=st.integers(0, 2**16),
)
@settings(max_examples=100, deadline=None)
def test_usual_gaps_is_each_series_most_common_gap(lengths, seed):
    from tsforecast._calendar import most_common
    from tsforecast._time import gaps_of, usual_gaps

    rng = np.random.default_rng(seed)
    offsets = np.r_[0, np.cumsum(lengths)]
    stamps = np.concatenate([np.cumsum(rng.choice([0.5, 1.0, 2.0, 3.0], n)) for n in lengths])
    gaps = gaps_of(stamps, offsets)
    within = np.ones(len(gaps), bool)
    within[offsets[:-1]] = False
    panel = most_common(gaps[within]) if within.any() else 1.0
    expected = [
        most_common(gaps[start + 1 : stop]) if stop - start >= 2 else panel
        for start, stop in itertools.pairwise(offsets)
    ]
    np.testing.assert_array_equal(usual_gaps(stamps, offsets), expected)


def test_one_series_forecast_keeps_its_frequency():
    # The forecast's index had freq None (a trial's find): .to_period() and asfreq failed.
    months = pd.DataFrame({"v": np.arange(30.0)}, index=pd.date_range("2000-01", periods=30,
                                                                      freq="MS"))  # fmt: skip
    assert Persistence().fit(months).forecast(months, 3).index.freq == "MS"
    hours = load_weather().to_frame().iloc[:48][["Dry-bulb (C)"]]
    ahead = Persistence().fit(hours).forecast(hours, 3).index
    assert ahead.freq == "h" and str(ahead.tz) == str(hours.index.tz)
