"""Property tests: odd but valid tables lose no row, series or value in any adapter.

Each test writes a random table to a CSV file, reads it with an adapter and with pandas' own
``read_csv``, and checks that every row, every series id (its exact text) and every observed
value of the pandas reading is in the adapter's output, and that nothing else was invented.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsforecast import read_audio_features, read_ehr, read_weather

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Ids as people write them: leading zeros, letters, spaces, a number-like text next to its twin.
IDS = st.sampled_from(["007", "7", "08", "8", "P1", "p1", "A 2", "10", "2", "x-9", "1.0", "1"])
VALUES = st.one_of(
    st.none(), st.floats(-1e6, 1e6, allow_nan=False, width=32), st.integers(-1000, 1000)
)


@st.composite
def visit_tables(draw):
    """Wide patient tables: random ids, unique times per patient, missing cells, any row order."""
    patients = draw(st.lists(IDS, min_size=1, max_size=5, unique=True))
    rows = []
    for patient in patients:
        times = draw(st.lists(st.integers(0, 400), min_size=1, max_size=6, unique=True))
        for time in times:
            rows.append({"id": patient, "day": time, "a": draw(VALUES), "b": draw(VALUES)})
    table = pd.DataFrame(rows)
    for column in ("a", "b"):  # every column has a value somewhere
        if table[column].isna().all():
            table.loc[0, column] = draw(st.integers(-5, 5))
    order = draw(st.permutations(range(len(table))))
    return table.iloc[list(order)].reset_index(drop=True)


def observed_records(data, names):
    """``{(id, time, column): value}`` of every observed value of an adapter's output."""
    records = {}
    for i, (start, stop) in enumerate(data.series_bounds):
        for row in range(start, stop):
            for j, name in enumerate(names):
                if data.mask is None or data.mask[row, j]:
                    key = (data.series_ids[i], float(data.time[row]), name)
                    records[key] = float(data.values[row, j])
    return records


def pandas_records(table, names, id_col="id", time_col="day"):
    records = {}
    for _, row in table.iterrows():
        for name in names:
            if pd.notna(row[name]):
                records[(row[id_col], float(row[time_col]), name)] = float(np.float32(row[name]))
    return records


@SETTINGS
@given(table=visit_tables())
def test_read_ehr_wide_keeps_every_visit_id_and_value(tmp_path, table):
    path = tmp_path / "visits.csv"
    table.to_csv(path, index=False)
    truth = pd.read_csv(path, dtype={"id": str})
    data = read_ehr(path, id_col="id", time_col="day", value_cols=["a", "b"], time_delta=False)
    assert data.n_timesteps == len(truth)
    assert sorted(map(str, data.series_ids)) == sorted(truth["id"].unique())
    assert observed_records(data, ["a", "b"]) == pandas_records(truth, ["a", "b"])


@SETTINGS
@given(table=visit_tables())
def test_read_ehr_long_keeps_every_visit_id_and_value(tmp_path, table):
    long = table.melt(id_vars=["id", "day"], var_name="lab", value_name="value")
    path = tmp_path / "events.csv"
    long.to_csv(path, index=False)
    truth = pd.read_csv(path, dtype={"id": str})
    data = read_ehr(
        path, id_col="id", time_col="day", variable_col="lab", value_col="value",
        value_cols=["a", "b"], time_delta=False,
    )  # fmt: skip
    visits = truth[["id", "day"]].drop_duplicates()
    assert data.n_timesteps == len(visits)  # a visit without any value is kept
    assert sorted(map(str, data.series_ids)) == sorted(truth["id"].unique())
    wide = truth.pivot(index=["id", "day"], columns="lab", values="value").reset_index()
    assert observed_records(data, ["a", "b"]) == pandas_records(wide, ["a", "b"])


@st.composite
def weather_tables(draw):
    """Hourly tables: shuffled rows, single missing cells, an absent row, a negative value."""
    n = draw(st.integers(3, 40))
    start = pd.Timestamp("2024-03-30") + pd.Timedelta(hours=draw(st.integers(0, 100)))
    stamps = pd.date_range(start, periods=n, freq="h")
    temp = draw(st.lists(st.floats(-40, 45, allow_nan=False, width=32), min_size=n, max_size=n))
    table = pd.DataFrame({"time": stamps.strftime("%Y-%m-%d %H:%M"), "temp": temp})
    gaps = draw(st.lists(st.integers(1, n - 2), max_size=n // 4, unique=True))
    for row in gaps[::2]:
        table.loc[row, "temp"] = np.nan
    table = table.drop(index=gaps[1::2])
    order = draw(st.permutations(range(len(table))))
    return table.iloc[list(order)].reset_index(drop=True)


@SETTINGS
@given(table=weather_tables())
def test_read_weather_keeps_every_stamp_and_value(tmp_path, table):
    path = tmp_path / "station.csv"
    table.to_csv(path, index=False)
    truth = pd.read_csv(path).dropna()
    data = read_weather(path, long_gaps="warn", max_gap=100)
    stamps = pd.DatetimeIndex(data.time).as_unit("ns")
    observed = np.ones(len(stamps), bool) if data.mask is None else data.mask[:, 0]
    read = pd.Series(data.values[:, 0], index=stamps)[observed]
    when = pd.DatetimeIndex(pd.to_datetime(truth["time"])).as_unit("ns")
    expected = pd.Series(truth["temp"].to_numpy(np.float32), index=when).sort_index()
    pd.testing.assert_series_equal(read, expected, check_names=False, check_freq=False)
    first, last = pd.to_datetime(pd.read_csv(path)["time"]).agg(["min", "max"])
    assert stamps[0] == first and stamps[-1] == last  # nothing cut at either end


@SETTINGS
@given(
    n=st.integers(2, 60),
    period=st.sampled_from([0.01, 0.016, 0.02321995]),
    seed=st.integers(0, 2**16),
)
def test_read_audio_features_keeps_every_frame(tmp_path, n, period, seed):
    rng = np.random.default_rng(seed)
    frames = pd.DataFrame(
        {"Time (s)": np.round(np.arange(n) * period, 5), "mfcc_0": rng.normal(size=n) * 100}
    )
    path = tmp_path / "frames.csv"
    frames.iloc[rng.permutation(n)].to_csv(path, index=False)
    truth = pd.read_csv(path).sort_values("Time (s)")
    data = read_audio_features(path)
    assert data.features == ("mfcc_0",) and data.n_timesteps == n
    np.testing.assert_array_equal(data.time, truth["Time (s)"].to_numpy())
    np.testing.assert_array_equal(data.values[:, 0], truth["mfcc_0"].to_numpy(np.float32))
