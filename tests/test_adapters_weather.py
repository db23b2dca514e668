"""read_weather on the real TMY3 and Seattle files, variations of them, and bad tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsforecast import read_audio_features, read_weather
from tsforecast.datasets import data_path

TMY3 = data_path("tmy3_723170_greensboro.csv")
SEATTLE = data_path("seattle-weather.csv")


@pytest.fixture(scope="module")
def tmy3_raw() -> pd.DataFrame:
    return pd.read_csv(TMY3, skiprows=1)


def test_tmy3_file_is_one_continuous_local_year(tmy3_raw):
    data = read_weather(TMY3)
    assert data.n_timesteps == 8760 and data.n_series == 1
    local = data.to_frame().index
    assert str(local[0]) == "2001-01-01 01:00:00-05:00"
    assert str(local[-1]) == "2002-01-01 00:00:00-05:00"  # Dec 31 24:00 is midnight
    assert (np.diff(data.time) == np.timedelta64(1, "h")).all()
    meta = data.metadata
    assert meta["name"] == "GREENSBORO PIEDMONT TRIAD INT" and meta["state"] == "NC"
    assert (meta["latitude"], meta["longitude"], meta["utc_offset_hours"]) == (36.1, -79.95, -5.0)
    assert meta["freq"] == "h" and meta["units"]["Dry-bulb (C)"] == "C"
    # AOD and albedo have values flagged '?' (missing): not in the defaults.
    assert "AOD (unitless)" not in data.features and "Alb (unitless)" not in data.features
    assert len(data.features) == 21 and data.mask is None
    temp = data.values[:, data.features.index("Dry-bulb (C)")]
    np.testing.assert_allclose(temp, tmy3_raw["Dry-bulb (C)"].to_numpy(np.float32))


def test_tmy3_flagged_values_are_missing_and_long_gaps_reported(tmy3_raw):
    with pytest.raises(ValueError, match=r"column 'AOD \(unitless\)' misses \d+ steps from"):
        read_weather(TMY3, columns=["Dry-bulb (C)", "AOD (unitless)"])
    with pytest.warns(UserWarning, match="interpolated .* gap"):
        data = read_weather(TMY3, columns=["Dry-bulb (C)", "AOD (unitless)"], long_gaps="warn")
    flagged = (tmy3_raw["AOD source"] == "?").to_numpy()
    np.testing.assert_array_equal(data.mask[:, 1], ~flagged)
    assert data.mask[:, 0].all()
    assert data.metadata["n_filled"] == {"AOD (unitless)": int(flagged.sum())}


def test_tmy3_as_dataframe_and_other_year(tmy3_raw):
    before = tmy3_raw.copy()
    data = read_weather(tmy3_raw, tmy_year=1999)
    pd.testing.assert_frame_equal(tmy3_raw, before)
    assert str(pd.Timestamp(data.time[0])) == "1999-01-01 01:00:00"
    assert data.n_timesteps == 8760 and "name" not in data.metadata
    with pytest.raises(ValueError, match="pass a leap year"):
        shifted = tmy3_raw.copy()
        shifted.loc[0, "Date (MM/DD/YYYY)"] = "02/29/1996"
        read_weather(shifted)


def test_tmy3_from_another_station(tmp_path):
    """Another station's file (other line 1, other offset) loads without code changes."""
    lines = TMY3.read_text().splitlines(keepends=True)
    lines[0] = '725300,"CHICAGO OHARE INTL AP",IL,-6.0,41.983,-87.917,205\n'
    other = tmp_path / "725300TY.csv"
    other.write_text("".join(lines))
    data = read_weather(other, columns=["Dry-bulb (C)", "Wspd (m/s)"])
    assert data.metadata["name"] == "CHICAGO OHARE INTL AP"
    assert data.metadata["time_zone"] == "UTC-06:00"
    assert str(data.to_frame().index[0]) == "2001-01-01 01:00:00-06:00"


def test_generic_export_with_offsets_shuffled_gappy_and_duplicated(tmy3_raw):
    """The same hours as an ISO-8601 export: other names, shuffled, a missing hour, a repeat."""
    truth = read_weather(TMY3, columns=["Dry-bulb (C)", "RHum (%)"])
    local = truth.to_frame().index
    export = pd.DataFrame(
        {
            "Timestamp": local.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "air_temp_c": truth.values[:, 0].astype(float),
            "rel_humidity": truth.values[:, 1].astype(float),
        }
    )
    export = pd.concat([export.drop(index=[100]), export.iloc[[5]]])
    export = export.sample(frac=1.0, random_state=0)
    data = read_weather(export)  # 'Timestamp' found by name, offsets -> UTC
    assert data.n_timesteps == 8760
    assert data.features == ("air_temp_c", "rel_humidity")
    np.testing.assert_array_equal(data.time, truth.time)
    np.testing.assert_allclose(np.delete(data.values, 100, 0), np.delete(truth.values, 100, 0))
    assert data.mask[:, 0].sum() == 8759 and not data.mask[100].any()
    assert data.values[100, 0] == pytest.approx(truth.values[[99, 101], 0].mean())


def test_seattle_daily_file():
    data = read_weather(SEATTLE, columns=["temp_max", "temp_min"])
    assert data.n_timesteps == 1461 and data.metadata["freq"] == "D"
    with pytest.raises(TypeError, match=r"column 'weather' holds text \('drizzle', 'rain'"):
        read_weather(SEATTLE)
    encoded = read_weather(SEATTLE, categorical="onehot")
    labels = [name for name in encoded.features if name.startswith("weather=")]
    assert labels == [f"weather={w}" for w in ("drizzle", "fog", "rain", "snow", "sun")]
    assert (encoded.to_frame()[labels].sum(axis=1) == 1).all()
    assert read_weather(SEATTLE, categorical="drop").n_features == 4


def seattle_monthly() -> pd.DataFrame:
    """Seattle's daily weather as monthly means, stamped at each month's start."""
    daily = pd.read_csv(SEATTLE, parse_dates=["date"]).set_index("date")
    monthly = daily[["temp_max", "wind"]].resample("MS").mean()
    return monthly.rename_axis("time").reset_index()


def test_monthly_tables_step_by_the_calendar():
    # Months are 28 to 31 days apart: read as months (the missing ones as gaps), not refused
    # with the advice freq='31D', which averaged them onto a 31-day grid and stamped the
    # forecasts 2014-06-04, 2014-07-05...
    table = seattle_monthly()
    data = read_weather(table)
    assert data.n_timesteps == 48 and data.metadata["freq"] == "MS"
    assert data.local_time.equals(pd.date_range("2012-01-01", periods=48, freq="MS"))
    gappy = read_weather(table.drop(index=[10, 11]))
    assert gappy.n_timesteps == 48 and gappy.metadata["n_filled"] == {"temp_max": 2, "wind": 2}
    assert not gappy.mask[10:12].any() and gappy.mask[[9, 12]].all()
    quarters = read_weather(table, freq="QS")  # averaged within each quarter
    assert quarters.n_timesteps == 16 and quarters.metadata["freq"].startswith("QS")
    first = table["temp_max"].iloc[:3].mean()
    assert quarters.values[0, 0] == pytest.approx(first, rel=1e-6)
    # Daily rows from 10 March: the first quarter holds 22 days of its 91, no quarter's mean.
    daily = pd.read_csv(SEATTLE, parse_dates=["date"])[["date", "temp_max"]].iloc[69:]
    from_march = read_weather(daily, freq="QS")
    assert from_march.local_time[0] == pd.Timestamp("2012-01-01")
    assert not from_march.mask[0, 0] and from_march.mask[1:, 0].all()
    assert from_march.metadata["n_filled"] == {"temp_max": 1}


def frame(times, **columns):
    return pd.DataFrame({"time": times, **columns})


HOURS = ["2024-05-01 00:00", "2024-05-01 01:00", "2024-05-01 02:00"]


@pytest.mark.parametrize(
    ("source", "kwargs", "error", "words"),
    [
        ("no/such/file.csv", {}, FileNotFoundError, r"no file at 'no/such/file.csv'"),
        (frame([], temp=[]), {}, ValueError, "the table has no rows"),
        (frame(HOURS, temp=[1.0, 2, 3]), {"columns": ["tmp"]}, ValueError,
         r"no  column 'tmp'. Did you mean 'temp'\? Columns: \['time', 'temp'\]"),
        (frame(HOURS, temp=[1.0, 2, 3]), {"time_col": "when"}, ValueError,
         "no time column 'when'"),
        (pd.DataFrame({"stamp": HOURS, "temp": [1.0, 2, 3]}), {}, ValueError,
         r"no time column found .* Name it with time_col="),
        (frame(["2024-05-01 00:00", "yesterday", "2024-05-01 02:00"], temp=[1.0, 2, 3]), {},
         ValueError, r"cannot read the time stamp 'yesterday' in column 'time' at row 1"),
        (frame(HOURS, temp=[1.0, "warm", 3]), {}, ValueError,
         r"column 'temp' has non-numeric values \(e.g. 'warm' at row 1, 1 in all\)"),
        (frame(HOURS, temp=[1.0, 2, 3], empty=[None, None, None]), {}, ValueError,
         r"column\(s\) \['empty'\] have no values at all"),
        (frame(HOURS[:1], temp=[1.0]), {}, ValueError, "single time step"),
        (frame([*HOURS, "2024-05-01 01:00"], temp=[1.0, 2, 3, 5]), {}, ValueError,
         r"2 rows share the time stamp .* values \(rows \[1, 3\]; .* keep='first', 'last' or"),
        (frame(["2024-05-01T00:00+02:00", "2024-05-01T01:00", "2024-05-01T02:00+02:00"],
               temp=[1.0, 2, 3]), {}, ValueError, "mixes stamps with a UTC offset"),
        (frame(["2024-05-01 00:00", "2024-05-01 00:50", "2024-05-01 02:10", "2024-05-01 03:00",
                "2024-05-01 04:20"], temp=[1.0, 2, 3, 4, 5]), {}, ValueError,
         r"not on a regular grid: .* Pass freq="),
        (frame(HOURS, temp=[1.0, 2, 3]), {"freq": "1 month"}, ValueError,
         r"freq '1 month' is not a time step; .*'MS' \(months\)"),
        (frame(HOURS, temp=[1.0, 2, 3]), {"keep": "any"}, ValueError, "keep must be one of"),
        (frame(HOURS, temp=[1.0, 2, 3]), {"max_gap": -1}, ValueError, "max_gap must be"),
        (frame(HOURS, temp=[1.0, 2, 3]), {"columns": "temp"}, TypeError, "must be given as a list"),
        (42, {}, TypeError, "source must be a path to a CSV file or a pandas DataFrame"),
    ],
)  # fmt: skip
def test_bad_tables_get_clear_errors(source, kwargs, error, words):
    with pytest.raises(error, match=words):
        read_weather(source, **kwargs)


def test_bad_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="is empty"):
        read_weather(empty)
    header = tmp_path / "header.csv"
    header.write_text("time,temp\n")
    with pytest.raises(ValueError, match=r"no rows \(columns: \['time', 'temp'\]\)"):
        read_weather(header)
    with pytest.raises(ValueError, match="is a folder"):
        read_weather(tmp_path)


def test_documented_handling():
    table = frame(
        ["2024-05-01 02:00", "2024-05-01 00:00", "2024-05-01 01:00", "2024-05-01 01:00"],
        temp=[3.0, 1.0, 2.0, 4.0],
        wind=["5", "M", "6", "7"],
    )
    before = table.copy()
    merged = read_weather(table, keep="mean", na_values=["M"])
    pd.testing.assert_frame_equal(table, before)  # never modified
    assert merged.values[:, 0].tolist() == [1.0, 3.0, 3.0]  # sorted; 01:00 averaged
    assert merged.mask[:, 1].tolist() == [False, True, True]  # 'M' read as missing
    exact = pd.concat([table.iloc[:3], table.iloc[[0]]])
    assert read_weather(exact, na_values=["M"]).n_timesteps == 3  # exact duplicates dropped
    utc = read_weather(
        frame(
            ["2024-10-27T01:00+02:00", "2024-10-27T02:00+02:00", "2024-10-27T02:00+01:00"],
            temp=[1.0, 2.0, 3.0],
        )
    )
    assert [str(t)[11:16] for t in utc.time] == ["23:00", "00:00", "01:00"]  # DST change, UTC
    finer = frame(["2024-05-01 00:00", "2024-05-01 00:30", "2024-05-01 01:10"], temp=[1.0, 3, 5])
    hourly = read_weather(finer, freq="1h")
    assert hourly.values.ravel().tolist() == [2.0, 5.0]


# ---------------------------------------------------------------- nothing kept that is not data
def test_tmy3_precipitation_missing_code_is_missing_not_rain(tmy3_raw):
    """Lprecip's flag is 'Lprecip source', two columns on; -9900 is the missing code."""
    table = tmy3_raw.copy()
    table.loc[5:6, "Lprecip depth (mm)"] = -9900
    table.loc[5:6, "Lprecip source"] = "?"
    table.loc[20, "Lprecip depth (mm)"] = -9900  # the code alone, without the flag
    data = read_weather(table, columns=["Dry-bulb (C)", "Lprecip depth (mm)"])
    rain = data.features.index("Lprecip depth (mm)")
    assert data.values[:, rain].min() >= 0
    assert not data.mask[[5, 6, 20], rain].any() and data.mask[[4, 7, 19, 21], rain].all()


@pytest.mark.parametrize(
    ("stamps", "first"),
    [
        (["13/01/2024 00:00", "13/01/2024 01:00", "13/01/2024 02:00"], "2024-01-13"),
        (["01/02/2024 00:00", "01/02/2024 01:00", "13/02/2024 02:00"], "2024-02-01"),
    ],
)
def test_day_first_dates_are_read_with_one_day_month_order(stamps, first):
    table = pd.DataFrame({"time": stamps, "v": [1.0, 2, 3]})
    data = read_weather(table, max_gap=10_000)
    assert str(data.time[0])[:10] == first
    shapes = pd.DataFrame({"time": ["11/02/2024", "2024-02-12", "13/02/2024"], "v": [1.0, 2, 3]})
    read = pd.DatetimeIndex(read_weather(shapes).time)  # the column's order; ISO stays Y-M-D
    assert read.equals(pd.date_range("2024-02-11", periods=3, freq="D"))
    clash = pd.DataFrame({"time": ["13/02/2024", "2024-02-14", "02/15/2024"], "v": [1.0, 2, 3]})
    with pytest.raises(ValueError, match=r"do not follow one day/month order \('13/02/2024' at"):
        read_weather(clash)


def test_rows_missing_longer_than_the_data_lasts_are_a_gap_not_a_crash():
    stamps = pd.date_range("2024-01-01", periods=10, freq="h").append(
        pd.DatetimeIndex(["2024-03-01"])
    )
    table = pd.DataFrame({"time": stamps.astype(str), "v": np.arange(11.0)})
    with pytest.raises(ValueError, match=r"misses 1430 steps from 2024-01-01 10:00:00"):
        read_weather(table)
    with pytest.warns(UserWarning, match="interpolated"):
        data = read_weather(table, long_gaps="warn")
    assert data.n_timesteps == 1441 and int(data.mask.sum()) == 11


def test_a_grid_too_large_for_memory_is_refused_before_allocating():
    table = pd.DataFrame({"time": ["2000-01-01", "2024-01-01"], "v": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"every 0 days 00:00:01 .* would have 7\.57e\+08 rows"):
        read_weather(table, freq="1s")


def test_time_column_with_a_unit_and_semicolon_files(tmp_path):
    table = pd.DataFrame({"Time (UTC)": ["2024-01-01 00:00", "2024-01-01 01:00"], "v": [1.0, 2]})
    assert read_weather(table).features == ("v",)
    path = tmp_path / "station.csv"
    path.write_text("time;temp\n2024-01-01 00:00;1,5\n2024-01-01 01:00;-2,5\n")
    with pytest.raises(ValueError, match=r"separated by ';' .* pass decimal=',' if the comma"):
        read_weather(path)
    assert read_weather(path, decimal=",").values.ravel().tolist() == [1.5, -2.5]


def test_tmy3_fields_without_a_flag_do_not_take_the_next_fields_flag(tmy3_raw):
    table = tmy3_raw.copy()
    table["GHI source"] = table["GHI source"].astype(str)
    table.loc[[3, 4], "GHI source"] = "?"
    data = read_weather(table, columns=["ETR (W/m^2)", "GHI (W/m^2)"], long_gaps="warn")
    assert data.mask is not None
    assert data.mask[:, 0].all() and not data.mask[[3, 4], 1].any()
    assert "ETR (W/m^2)" in read_weather(table, long_gaps="warn").features


def test_only_time_units_make_a_time_column_and_exact_names_come_first():
    table = pd.DataFrame(
        {"timestamp": ["2024-01-01 00:00", "2024-01-01 01:00"], "time (s)": [0, 3600],
         "t (degC)": [5.0, 7.0]}
    )  # fmt: skip
    assert read_weather(table).features == ("time (s)", "t (degC)")
    frames = pd.DataFrame({"t (degC)": [5.0, 7.0, 3.0], "rms": [0.1, 0.2, 0.3]})
    data = read_audio_features(frames)  # no time column: consecutive frames
    assert data.features == ("t (degC)", "rms") and data.values[:, 0].tolist() == [5, 7, 3]


def test_one_stray_row_off_the_grid_is_refused_not_a_finer_grid():
    daily = pd.read_csv(SEATTLE)[["date", "temp_max"]][:60]
    stray = pd.concat([daily, pd.DataFrame({"date": ["2012-01-10 12:00"], "temp_max": [9.0]})])
    with pytest.raises(ValueError, match=r"not on a regular grid: most are D apart.*freq="):
        read_weather(stray)
    assert read_weather(stray, freq="1D").n_timesteps == 60  # averaged into its day


def test_times_of_day_without_dates_are_refused_not_dated_today():
    table = pd.DataFrame({"time": ["00:00", "01:00", "02:00"], "v": [1.0, 2, 3]})
    with pytest.raises(ValueError, match=r"times of day without dates .* Join them"):
        read_weather(table)


def test_values_too_large_for_float32_and_unflagged_tmy3_rows(tmy3_raw):
    table = pd.DataFrame({"time": ["2024-01-01 00:00", "2024-01-01 01:00"], "v": [1.0, 1e40]})
    with pytest.raises(ValueError, match=r"column 'v' holds 1e\+40 at row 1, too large"):
        read_weather(table)
    cut = tmy3_raw.iloc[:50].copy()
    cut["Dry-bulb source"] = cut["Dry-bulb source"].astype(object)
    cut.loc[49, "Dry-bulb source"] = None  # a file cut in the middle of its last line
    data = read_weather(cut, columns=["Dry-bulb (C)"])
    assert not data.mask[-1, 0] and data.mask[:-1, 0].all()


def test_compressed_files_and_a_comma_inside_a_semicolon_header(tmp_path):
    daily = pd.read_csv(SEATTLE)[["date", "temp_max"]][:30]
    daily.to_csv(tmp_path / "daily.csv.gz", index=False)
    assert read_weather(tmp_path / "daily.csv.gz").n_timesteps == 30
    (tmp_path / "semi.csv").write_text("date;temp, max\n2024-01-01;1\n2024-01-02;2\n")
    assert read_weather(tmp_path / "semi.csv").features == ("temp, max",)


def test_a_numeric_time_column_is_refused_with_the_way_to_numeric_time():
    hours = pd.DataFrame({"hour": np.arange(48), "temp": np.sin(np.arange(48) / 4)})
    with pytest.raises(ValueError, match=r"'hour' holds numbers \(0, 1, 2, \.\.\.\).*DataFrame"):
        read_weather(hours, time_col="hour")
    digits = pd.DataFrame({"date": [20240130, 20240131, 20240201], "temp": [1.0, 2.0, 3.0]})
    read = read_weather(digits, time_col="date")  # dates written as digits are dates
    assert str(read.local_time[-1].date()) == "2024-02-01"


def test_twelve_digit_stamps_are_dates_with_their_time():
    table = pd.DataFrame({"MESS_DATUM": [202401311300, 202401311310, 202401311320],
                          "temp": [1.0, 2.0, 3.0]})  # fmt: skip
    read = read_weather(table, time_col="MESS_DATUM")
    assert str(read.local_time[1]) == "2024-01-31 13:10:00"
