"""SequenceData: validation, series access, pandas round trips."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsforecast import SequenceData
from tsforecast.sequences import series_offsets


def test_float32_values_are_not_copied():
    values = np.zeros((10, 3), np.float32)
    data = SequenceData(values)
    assert data.values is values
    assert SequenceData(values[:, 1]).values.base is not None  # a view, reshaped
    assert np.shares_memory(data.series(0).values, values)


def test_other_dtypes_become_float32_and_input_is_untouched():
    values = np.arange(6, dtype=np.int64).reshape(3, 2)
    data = SequenceData(values)
    assert data.values.dtype == np.float32
    assert data.features == ("x0", "x1")
    assert values.dtype == np.int64


def test_series_access_with_groups():
    data = SequenceData(
        np.arange(7.0), time=np.array([0, 1, 2, 0, 5, 6, 9.0]), groups=list("aaabbbb")
    )
    assert data.n_series == 2
    assert data.series_ids.tolist() == ["a", "b"]
    assert data.series_bounds.tolist() == [[0, 3], [3, 7]]
    assert data.series_lengths.tolist() == [3, 4]
    last = data.series(-1)
    assert last.values.ravel().tolist() == [3.0, 4.0, 5.0, 6.0]
    assert last.time.tolist() == [0.0, 5.0, 6.0, 9.0]
    assert [len(s) for s in data.iter_series()] == [3, 4]
    with pytest.raises(IndexError, match="out of range for 2 series"):
        data.series(2)


def test_repr_spans_the_earliest_to_the_latest_stamp_of_all_series():
    # It showed the first row's and the last row's stamps: "time=0.0..9.0" here, and for
    # the PBC visits "time=0.0..1075.0" where the visits run to day 5152.
    time = np.array([0, 20, 30, 0, 5, 9.0])
    data = SequenceData(np.arange(6.0), time=time, groups=list("aaabbb"))
    assert "time=0.0..30.0" in repr(data)
    days = pd.to_datetime(["2001-03-01", "2001-03-05", "2000-01-01", "2000-01-02"])
    dated = SequenceData(np.arange(4.0), time=days, groups=list("aabb"))
    assert "time=2000-01-01..2001-03-05" in repr(dated)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=6))
def test_series_offsets_match_lengths(lengths):
    groups = np.repeat(np.arange(len(lengths)) * 3 + 1, lengths)
    offsets, ids = series_offsets(groups)
    assert offsets.tolist() == np.concatenate([[0], np.cumsum(lengths)]).tolist()
    assert ids.tolist() == (np.arange(len(lengths)) * 3 + 1).tolist()


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"values": np.array([["a"], ["b"]])}, TypeError, "values must be numeric"),
        ({"values": np.zeros((0, 2))}, ValueError, "values is empty"),
        ({"values": np.zeros((3, 0))}, ValueError, "values has no features"),
        ({"values": np.zeros((2, 2, 2))}, ValueError, r"got shape \(2, 2, 2\)"),
        ({"values": np.zeros((3, 2)), "features": ["a"]}, ValueError, "names 1 columns"),
        ({"values": np.zeros((3, 2)), "features": ["a", "a"]}, ValueError, r"repeated: \['a'\]"),
        ({"values": np.zeros((3, 1)), "features": "a"}, TypeError, "not the string 'a'"),
        ({"values": np.zeros(3), "groups": [1, 1]}, ValueError, "groups has 2 entries"),
        ({"values": np.zeros(4), "groups": [1, 2, 2, 1]}, ValueError, "series 1 is split"),
        ({"values": np.zeros(2), "groups": [1, None]}, ValueError, "missing series id at row 1"),
        (
            {"values": np.zeros(4), "groups": [1, 1, "1", "1"]},
            ValueError,
            r"differ only in type \(1 \(int\) and '1' \(str\)\).*astype\(str\)",
        ),
        (
            {"values": np.zeros(4), "groups": np.array([2, 2, "2", "2"], object)},
            ValueError,
            "differ only in type",
        ),
        ({"values": np.zeros(3), "time": [1.0, 3.0, 2.0]}, ValueError, "time goes back at row 2"),
        ({"values": np.zeros(3), "time": [1.0, 1.0, 2.0]}, ValueError, "time repeats at row 1"),
        ({"values": np.zeros(2), "time": [1.0, np.nan]}, ValueError, "time is missing at row 1"),
        ({"values": np.zeros(2), "time": ["a", "b"]}, TypeError, "pandas.to_datetime"),
        ({"values": np.zeros(3), "time": [1.0, 2.0]}, ValueError, r"one entry per row \(3\)"),
        ({"values": [1.0, np.nan]}, ValueError, "in column 'x0' at row 1"),
        ({"values": [1.0, np.inf]}, ValueError, "the first is inf"),
        ({"values": [1.0, 2.0], "mask": [1, 1]}, TypeError, "mask must be boolean"),
        ({"values": np.zeros((2, 2)), "mask": np.ones(2, bool)}, ValueError, "shape of values"),
    ],
)
def test_bad_input_gets_a_clear_error(kwargs, error, words):
    with pytest.raises(error, match=words):
        SequenceData(**kwargs)


def test_time_only_has_to_increase_inside_each_series():
    SequenceData(np.zeros(4), time=[5.0, 6.0, 1.0, 2.0], groups=[0, 0, 1, 1])
    with pytest.raises(ValueError, match="time goes back at row 3 in series 1"):
        SequenceData(np.zeros(4), time=[5.0, 6.0, 2.0, 1.0], groups=[0, 0, 1, 1])


def test_nan_is_allowed_where_mask_says_missing():
    data = SequenceData([1.0, np.nan, 3.0], mask=np.array([True, False, True]))
    assert data.mask.shape == (3, 1)
    with pytest.raises(ValueError, match="contains NaN or inf: 1 entries"):
        SequenceData([1.0, np.nan, 3.0], mask=np.array([True, True, True]))


def test_frozen():
    data = SequenceData(np.zeros(3))
    with pytest.raises(AttributeError):
        data.values = np.ones(3)


def test_from_frame_real_weather_round_trip(seattle):
    before = seattle.copy()
    data = SequenceData.from_frame(
        seattle, time="date", columns=["temp_max", "temp_min", "precipitation", "wind"]
    )
    pd.testing.assert_frame_equal(seattle, before)
    assert data.n_timesteps == 1461 and data.n_features == 4
    assert data.time.dtype == np.dtype("datetime64[ns]")
    assert str(data.time[0]).startswith("2012-01-01")
    frame = data.to_frame()
    assert isinstance(frame.index, pd.DatetimeIndex) and frame.index.name == "date"
    back = SequenceData.from_frame(frame)
    np.testing.assert_array_equal(back.values, data.values)
    np.testing.assert_array_equal(back.time, data.time)
    assert back.features == data.features


def test_integer_years_stay_integers_through_from_frame():
    # They came back as 2012.0 from to_frame, forecast and backtest (a frame given to the
    # estimator directly kept them).
    from tsforecast import Persistence, backtest

    years = pd.DataFrame({"year": np.arange(1990, 2013), "v": np.arange(23.0)})
    data = SequenceData.from_frame(years, time="year")
    assert data.to_frame().index.dtype == np.int64
    assert Persistence().fit(data).forecast(data, 2).index.tolist() == [2013, 2014]
    assert backtest(Persistence(), data, start=20, steps=1)["time"].dtype == np.int64
    decimal = SequenceData.from_frame(years.assign(year=years["year"] + 0.5), time="year")
    assert decimal.to_frame().index.dtype == np.float64


def test_from_frame_refuses_text_columns_with_an_example(seattle):
    with pytest.raises(TypeError, match=r"'weather' has non-numeric values \(e.g. 'drizzle'"):
        SequenceData.from_frame(seattle, time="date")


def test_from_frame_missing_columns_list_what_exists(seattle):
    with pytest.raises(ValueError, match=r"no column named \['temp'\]. Columns: \['date'"):
        SequenceData.from_frame(seattle, columns=["temp"])
    with pytest.raises(ValueError, match="time 'day' is neither a column nor an index level"):
        SequenceData.from_frame(seattle, time="day")


def test_from_frame_missing_values_need_allow_missing():
    frame = pd.DataFrame({"id": [1, 1, 2], "day": [0, 5, 0], "bili": [1.0, None, 2.0]})
    with pytest.raises(ValueError, match="column 'bili' is missing a value at row 1"):
        SequenceData.from_frame(frame, time="day", group="id")
    data = SequenceData.from_frame(frame, time="day", group="id", allow_missing=True)
    assert data.mask.ravel().tolist() == [True, False, True]
    assert data.n_series == 2
    frame_back = data.to_frame(missing_as_nan=True)
    assert frame_back.index.names == ["id", "day"]  # the names it came with
    assert np.isnan(frame_back["bili"].iloc[1])
    again = SequenceData.from_frame(frame_back, time="day", group="id", allow_missing=True)
    np.testing.assert_array_equal(again.mask, data.mask)


def test_time_zone_is_kept():
    index = pd.date_range("2024-03-30", periods=3, freq="D", tz="Europe/Paris")
    frame = pd.DataFrame({"temp": [1.0, 2.0, 3.0]}, index=index)
    data = SequenceData.from_frame(frame)
    assert data.metadata["time_zone"] == "Europe/Paris"
    assert data.to_frame().index.equals(index)
    assert data.local_time.equals(index) and str(data.time[0]) == "2024-03-29T23:00:00.000000000"
    assert SequenceData([1.0, 2.0], time=[0.0, 1.0]).local_time is None


def test_from_frame_type_errors():
    with pytest.raises(TypeError, match="expects a pandas DataFrame; got ndarray"):
        SequenceData.from_frame(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="has no rows"):
        SequenceData.from_frame(pd.DataFrame({"a": []}))


@pytest.mark.parametrize(
    "time",
    [
        pd.DatetimeIndex(np.array(["2020-01-01", "2300-01-01"], dtype="datetime64[us]")),
        # a sentinel read as seconds (pandas 3 infers the unit; pandas 2 refuses to parse it
        # into nanoseconds, but holds it in a Series of datetime64[s])
        pd.Series(np.array(["2020-01-01", "9999-12-31"], dtype="datetime64[s]")),
        np.array(["2020-01-01", "1500-01-01"], dtype="datetime64[D]"),
    ],
    ids=["after 2262", "9999-12-31 sentinel", "before 1677"],
)
def test_dates_nanoseconds_cannot_hold_are_refused_not_wrapped(time):
    with pytest.raises(ValueError, match=r"nanosecond time can hold \(dates from 1677"):
        SequenceData(np.zeros(2), time=time)
    frame = pd.DataFrame({"t": pd.Series(time).to_numpy(), "v": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"row 1.*9999-12-31"):
        SequenceData.from_frame(frame, time="t")


def test_coarse_dates_inside_the_range_are_kept_exactly():
    time = np.array(["2020-01-01", "2262-04-10"], dtype="datetime64[D]")
    data = SequenceData(np.zeros(2), time=time)
    assert list(data.time.astype("datetime64[D]")) == list(time)


def test_integer_times_beyond_float64_precision_are_refused_not_rounded():
    SequenceData(np.zeros(2), time=np.array([2**53 - 1, 2**53]))
    with pytest.raises(ValueError, match=r"too large to keep exactly as float64"):
        SequenceData(np.zeros(2), time=np.array([2**60, 2**60 + 1]))


def test_head_tail_and_split_work_per_series():
    from tsforecast.datasets import load_pbc

    visits = load_pbc()
    lengths = visits.series_lengths
    assert visits.head(2).n_timesteps == np.minimum(lengths, 2).sum()
    last = visits.tail(1)
    assert last.n_series == visits.n_series
    np.testing.assert_array_equal(last.values, visits.values[visits.offsets[1:] - 1])
    past, future = visits.split(2)  # the last 2 visits of every patient, one kept in the past
    assert past.n_series == visits.n_series
    assert past.n_timesteps + future.n_timesteps == visits.n_timesteps
    assert (future.series_lengths <= 2).all() and future.n_timesteps == np.minimum(
        lengths - 1, 2
    ).sum()
    kept = np.isin(np.arange(visits.n_timesteps), past_rows(visits, past))
    np.testing.assert_array_equal(future.mask, visits.mask[~kept])
    assert past.to_frame().index.names == ["id", "day"]  # read_ehr's id and time columns


def past_rows(data, past):
    """Return the rows of ``data`` kept in ``past`` (by series id and time)."""
    keys = set(zip(past.groups.tolist(), past.time.tolist(), strict=True))
    pairs = zip(data.groups.tolist(), data.time.tolist(), strict=True)
    return [i for i, key in enumerate(pairs) if key in keys]


def test_split_and_between_by_time_in_local_time():
    from tsforecast.datasets import load_weather

    weather = load_weather()
    past, future = weather.split("2001-11-01")  # local time (UTC-05:00)
    assert str(future.local_time[0]) == "2001-11-01 00:00:00-05:00"
    assert past.local_time[-1] < future.local_time[0]
    assert weather.between("2001-03-01", "2001-03-02").n_timesteps == 24
    train, test = weather.split(0.2)
    assert (train.n_timesteps, test.n_timesteps) == (7008, 1752)
    with pytest.raises(ValueError, match=r"split: at='2030-01-01' leaves nothing after"):
        weather.split("2030-01-01")
    with pytest.raises(ValueError, match="row positions must be increasing"):
        weather.take([3, 1])


def test_to_frame_keeps_the_index_names_it_came_with():
    frame = pd.DataFrame({"site": [1, 1, 2], "hour": [0.0, 1.0, 0.0], "v": [1.0, 2.0, 3.0]})
    data = SequenceData.from_frame(frame, time="hour", group="site")
    assert data.to_frame().index.names == ["site", "hour"]


def test_whole_numbers_float32_cannot_hold_are_warned_about_once_per_column():
    seconds = 1704067217.0 + 86400.0 * np.arange(100)  # Unix seconds as a feature column
    values = np.c_[seconds, np.sin(np.arange(100)), 16777217.0 + np.arange(100)]
    with pytest.warns(UserWarning, match=r"column 0 holds whole numbers.*Subtract an offset") as w:
        SequenceData(values)
    said = [str(item.message) for item in w if "whole numbers" in str(item.message)]
    assert len(said) == 2 and "column 2" in said[1]  # not the measured column 1
    assert all(item.filename == __file__ for item in w)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SequenceData(values[:, 1:2])  # measured values: their rounding is not a concern
        SequenceData(np.arange(100.0))  # small whole numbers are exact
    from tsforecast._boundary import as_float32  # what estimators read X and y through

    with pytest.warns(UserWarning, match=r"Input X: column 'stamp' holds whole numbers"):
        as_float32(values[:, :2], ["stamp", "wave"], "X")
