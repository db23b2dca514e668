"""read_ehr on the real PBC visits, a long MIMIC-style variation of them, and bad tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsforecast import read_ehr
from tsforecast.datasets import data_path

PBC = data_path("pbcseq.csv")
LABS = ["bili", "chol", "albumin", "alk.phos", "ast", "platelet", "protime"]


@pytest.fixture(scope="module")
def pbc() -> pd.DataFrame:
    return pd.read_csv(PBC)


def test_real_visits_one_series_per_patient(pbc):
    data = read_ehr(PBC, id_col="id", time_col="day")
    assert data.n_series == 312 and data.n_timesteps == 1945
    lengths = data.series_lengths
    assert lengths.min() == 1 and lengths.max() == 16  # one-visit patients are kept
    assert data.metadata["left_out"] == ["futime", "status", "trt", "age", "sex"]
    assert "futime" not in data.features and "status" not in data.features  # no outcome leak
    assert data.features[-1] == "time_since_previous"
    measured = [name for name in data.features if name != "time_since_previous"]
    raw = pbc[measured].to_numpy()
    np.testing.assert_array_equal(data.mask[:, : len(measured)], ~np.isnan(raw))
    assert np.isfinite(data.values).all()
    # Observed values are kept as they are.
    observed = ~np.isnan(raw)
    np.testing.assert_allclose(data.values[:, : len(measured)][observed], raw[observed], rtol=1e-6)
    # time since the previous visit, 0 at each first visit
    delta = data.values[:, -1]
    expected = pbc.groupby("id")["day"].diff().fillna(0).to_numpy()
    np.testing.assert_array_equal(delta, expected)


def test_missing_values_are_carried_forward_then_median(pbc):
    data = read_ehr(PBC, id_col="id", time_col="day", value_cols=["chol"], time_delta=False)
    chol = data.values[:, 0]
    # Patient 1: 261 at the first visit, missing at the second: carried forward.
    assert chol[:2].tolist() == [261.0, 261.0] and data.mask[:2, 0].tolist() == [True, False]
    # A patient whose chol is missing from the start gets the table's median.
    first_rows = data.offsets[:-1]
    leading = first_rows[~data.mask[first_rows, 0]]
    assert len(leading) > 0
    assert np.allclose(chol[leading], pbc["chol"].median())
    zero = read_ehr(PBC, id_col="id", time_col="day", value_cols=["chol"], leading_fill="zero")
    assert (zero.values[leading, 0] == 0).all()


def test_static_columns_and_resampling():
    data = read_ehr(PBC, id_col="id", time_col="day", static_cols=["sex", "trt", "age"])
    frame = data.to_frame()
    assert {"sex=f", "sex=m", "trt", "age"} <= set(frame.columns)
    assert (frame[["sex=f", "sex=m"]].sum(axis=1) == 1).all()
    assert (frame.groupby(level="id")["age"].nunique() == 1).all()
    grid = read_ehr(PBC, id_col="id", time_col="day", resample=365)
    for series in list(grid.iter_series())[:20]:
        steps = np.diff(series.time)
        assert (steps == 365).all()
    assert grid.n_series == 312 and grid.n_timesteps > 1945 * 0.5
    assert not grid.mask.all()  # years without a visit are missing, filled


@pytest.fixture(scope="module")
def chart_events(pbc) -> pd.DataFrame:
    """Return the PBC labs as a long MIMIC-style table: dates, other names, shuffled rows."""
    enrolment = pd.Timestamp("1990-01-01") + pd.to_timedelta(pbc["id"] * 3, unit="D")
    long = pbc.assign(charttime=enrolment + pd.to_timedelta(pbc["day"], unit="D"))
    long = long.melt(
        id_vars=["id", "charttime"], value_vars=LABS, var_name="label", value_name="valuenum"
    ).rename(columns={"id": "subject_id"})
    long["charttime"] = long["charttime"].dt.strftime("%Y-%m-%d %H:%M")
    return long.dropna(subset=["valuenum"]).sample(frac=1.0, random_state=0)


def test_long_table_with_dates_matches_the_wide_one(chart_events):
    before = chart_events.copy()
    data = read_ehr(
        chart_events,
        id_col="subject_id",
        time_col="charttime",
        variable_col="label",
        value_col="valuenum",
        value_cols=LABS,
    )
    pd.testing.assert_frame_equal(chart_events, before)
    wide = read_ehr(PBC, id_col="id", time_col="day", value_cols=LABS)
    assert data.features == wide.features
    assert data.metadata["time_unit"] == "days"
    assert data.time.dtype.kind == "M"
    # Visits where every lab is missing do not exist in a long table; compare the rest.
    kept = wide.mask[:, : len(LABS)].any(axis=1)
    np.testing.assert_allclose(data.values[:, :-1], wide.values[kept, :-1], rtol=1e-6)
    np.testing.assert_array_equal(data.mask[:, :-1], wide.mask[kept, :-1])
    all_labels = read_ehr(
        chart_events, id_col="subject_id", time_col="charttime", variable_col="label",
        value_col="valuenum",
    )  # fmt: skip
    assert all_labels.features[:-1] == tuple(sorted(LABS))


def visits(**columns):
    return pd.DataFrame({"id": [1, 1, 2], "day": [0, 30, 0], **columns})


@pytest.mark.parametrize(
    ("source", "kwargs", "error", "words"),
    [
        ("nope.csv", {}, FileNotFoundError, "no file at 'nope.csv'"),
        (visits(bili=[1.0, 2, 3]).iloc[:0], {}, ValueError, "has no rows"),
        (visits(bili=[1.0, 2, 3]), {"id_col": "patient"}, ValueError,
         r"no id column 'patient'. Columns: \['id', 'day', 'bili'\]"),
        (visits(bili=[1.0, 2, 3]), {"value_cols": ["bilirubin"]}, ValueError,
         "no value column 'bilirubin'. Did you mean 'bili'"),
        (visits(bili=[1.0, "high", 3]), {"value_cols": ["bili"]}, ValueError,
         r"column 'bili' has non-numeric values \(e.g. 'high' at row 1"),
        (visits(bili=[1.0, 2, 3], chol=[None] * 3), {"value_cols": ["bili", "chol"]}, ValueError,
         r"\['chol'\] have no values at all"),
        (visits(bili=[1.0, 2, 3]).assign(day=["2020-01-01", "someday", "2020-02-01"]), {},
         ValueError, r"cannot read the time stamp 'someday' in column 'day' at row 1"),
        (visits(bili=[1.0, 2, 3]).assign(day=["2020-01-01T00:00+01:00", "2020-02-01",
                                              "2020-02-01"]), {},
         ValueError, "mixes stamps with a UTC offset"),
        (visits(bili=[1.0, 2, 3]).assign(day=[0, 0, 0]), {}, ValueError,
         r"2 rows share the patient and time \(1, 0.0\)"),
        (visits(bili=[1.0, 2, 3], sex=["f", "m", "m"]), {"static_cols": ["sex"]}, ValueError,
         r"static column 'sex' changes within patient 1 \('f', 'm'\)"),
        (visits(bili=[1.0, 2, 3]), {"variable_col": "bili"}, ValueError,
         "needs both variable_col and value_col"),
        (visits(bili=[1.0, 2, 3]), {"leading_fill": "ffill"}, ValueError, "leading_fill must be"),
        (visits(bili=[1.0, 2, 3]), {"resample": "90D"}, ValueError, "positive number"),
        (visits(bili=[1.0, 2, 3]).assign(id=[1, None, 2]), {}, ValueError,
         "patient id column 'id' is empty at row 1"),
        (visits(sex=["f", "f", "m"]), {}, ValueError, "no numeric column changes"),
    ],
)  # fmt: skip
def test_bad_tables_get_clear_errors(source, kwargs, error, words):
    kwargs = {"id_col": "id", "time_col": "day", **kwargs}
    with pytest.raises(error, match=words):
        read_ehr(source, **kwargs)


def test_documented_handling():
    table = pd.DataFrame(
        {
            "id": ["b", "a", "a", "a", "b"],
            "day": [0, 60, 0, 60, 10],
            "bili": [5.0, 2.0, 1.0, 4.0, 6.0],
        }
    )
    before = table.copy()
    data = read_ehr(table, id_col="id", time_col="day", keep="mean")
    pd.testing.assert_frame_equal(table, before)
    assert data.series_ids.tolist() == ["a", "b"]  # sorted by patient, then time
    assert data.values[:, 0].tolist() == [1.0, 3.0, 5.0, 6.0]  # a@60 averaged
    assert data.values[:, 1].tolist() == [0.0, 60.0, 0.0, 10.0]
    exact = pd.concat([table.iloc[:3], table.iloc[[0]]])
    assert read_ehr(exact, id_col="id", time_col="day").n_timesteps == 3  # exact copy dropped


# ---------------------------------------------------------------- nothing merged, dropped or bent
def test_file_ids_keep_their_exact_text(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("id,day,bili\n007,0,1\n007,1,2\n7,0,3\n7,1,4\n008,0,5\n")
    data = read_ehr(path, id_col="id", time_col="day")
    assert data.series_ids.tolist() == ["007", "7", "008"]  # numeric order, text kept
    assert data.values[:, 0].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_ids_of_different_types_that_read_alike_are_refused():
    table = pd.DataFrame({"id": [1, "1", 1, "1"], "day": [0, 0, 1, 1], "bili": [1.0, 2, 3, 4]})
    with pytest.raises(ValueError, match=r"1 \(int\), '1' \(str\).*one patient or two"):
        read_ehr(table, id_col="id", time_col="day")
    mixed = table.assign(id=[1, "a", 1, "a"])  # different types, different text: two patients
    assert read_ehr(mixed, id_col="id", time_col="day").n_series == 2


def test_long_layout_keeps_visits_and_patients_without_any_value():
    long = pd.DataFrame(
        {
            "id": [1, 1, 2, 2, 3],
            "day": [0, 1, 0, 1, 0],
            "var": ["a"] * 5,
            "val": [1.0, np.nan, 2.0, 3.0, np.nan],
        }
    )
    data = read_ehr(long, id_col="id", time_col="day", variable_col="var", value_col="val")
    assert data.series_ids.tolist() == [1, 2, 3]
    assert data.n_timesteps == 5
    assert data.mask[:, 0].tolist() == [True, False, True, True, False]


def test_datetime64_and_timedelta_time_columns_are_read_as_times():
    stamps = pd.to_datetime(["2020-01-01 00:00", "2020-01-01 02:00", "2020-01-01 05:00"])
    table = pd.DataFrame({"id": [1, 1, 1], "t": stamps, "bili": [1.0, 2, 3]})
    data = read_ehr(table, id_col="id", time_col="t")
    as_text = read_ehr(table.assign(t=stamps.astype(str)), id_col="id", time_col="t")
    assert data.metadata["time_unit"] == "days" and data.time.dtype.kind == "M"
    np.testing.assert_allclose(data.values[:, 1], [0, 2 / 24, 3 / 24], rtol=1e-6)
    np.testing.assert_array_equal(data.values, as_text.values)
    assert read_ehr(table, id_col="id", time_col="t", resample="1h").n_timesteps == 6
    offsets = table.assign(t=stamps - stamps[0])
    data = read_ehr(offsets, id_col="id", time_col="t")
    np.testing.assert_allclose(data.time, [0, 2 / 24, 5 / 24])


def test_event_columns_are_zero_where_nothing_was_given_and_add_up_in_a_step():
    table = pd.DataFrame(
        {
            "id": [1, 1, 1, 1],
            "day": [0, 1, 2, 3],
            "dose": [25.0, np.nan, 10.0, np.nan],
            "conc": [np.nan, 2.0, np.nan, 1.5],
        }
    )
    carried = read_ehr(table, id_col="id", time_col="day", value_cols=["dose", "conc"])
    assert carried.values[:, 0].tolist() == [25.0, 25.0, 10.0, 10.0]  # a measurement
    data = read_ehr(
        table, id_col="id", time_col="day", value_cols=["dose", "conc"], event_cols=["dose"]
    )
    assert data.values[:, 0].tolist() == [25.0, 0.0, 10.0, 0.0]
    assert data.mask[:, 0].all() and data.values[:, 1].tolist() == [1.75, 2.0, 2.0, 1.5]
    binned = read_ehr(
        table, id_col="id", time_col="day", value_cols=["dose", "conc"], event_cols=["dose"],
        resample=3,
    )  # fmt: skip
    assert binned.values[:, 0].tolist() == [35.0, 0.0]  # 25 + 10 in the first 3 days
    with pytest.raises(ValueError, match=r"event column\(s\) \['pain'\] are not among"):
        read_ehr(table, id_col="id", time_col="day", event_cols=["pain"])


@pytest.mark.parametrize(
    ("time", "step"),
    [([0, 1e9], 1e-3), (["2020-01-01", "2040-01-01"], "1s")],
)
def test_a_resample_grid_too_large_for_memory_is_refused_before_allocating(time, step):
    table = pd.DataFrame({"id": [1, 1], "day": time, "bili": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"would put 2 visits on a grid of .* coarser step"):
        read_ehr(table, id_col="id", time_col="day", resample=step)


def test_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("id;day;bili\n1;0;1,5\n1;1;2,5\n2;0;3,0\n")
    with pytest.raises(
        ValueError, match=r"have commas\. Values such as '1,5' .*: pass decimal=',' if"
    ):
        read_ehr(path, id_col="id", time_col="day")
    data = read_ehr(path, id_col="id", time_col="day", decimal=",")
    assert data.values[:, 0].tolist() == [1.5, 2.5, 3.0]
    table = pd.DataFrame({"id": [1, 1], "day": [0, 1], "bili": ["1,5", "2,5"]})
    with pytest.raises(ValueError, match=r"'bili' holds numbers that read as text \('1,5', "):
        read_ehr(table, id_col="id", time_col="day", value_cols=["bili"])
    data = read_ehr(table, id_col="id", time_col="day", value_cols=["bili"], decimal=",")
    assert data.values[:, 0].tolist() == [1.5, 2.5]
    assert table["bili"].tolist() == ["1,5", "2,5"]  # the caller's frame is not modified


def test_advice_names_only_parameters_read_ehr_has():
    table = pd.DataFrame({"id": [1, 1], "day": [0, 1], "note": ["ok", "bad"]})
    with pytest.raises(TypeError) as error:
        read_ehr(table, id_col="id", time_col="day", value_cols=["note"])
    assert "value_cols=[...]" in str(error.value) and "categorical" not in str(error.value)
    with pytest.raises(ValueError, match=r"infinite value at row 1"):
        read_ehr(table.assign(note=[1.0, np.inf]), id_col="id", time_col="day")


def test_spaces_around_file_ids_are_not_part_of_them(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("id,day,bili\n 1,0,1\n1,1,2\n1 ,2,3\n")
    data = read_ehr(path, id_col="id", time_col="day")
    assert data.series_ids.tolist() == ["1"] and data.n_timesteps == 3


def test_long_layout_rows_come_from_the_chosen_variables_only():
    long = pd.DataFrame(
        {
            "id": [1] * 11,
            "t": [0, 10, *range(1, 10)],
            "var": ["HR", "HR"] + ["Temp"] * 9,
            "val": [60.0, 70.0] + [37.0] * 9,
        }
    )
    data = read_ehr(
        long, id_col="id", time_col="t", variable_col="var", value_col="val", value_cols=["HR"]
    )
    assert data.values[:, 0].tolist() == [60.0, 70.0]
    assert data.values[:, 1].tolist() == [0.0, 10.0]  # time since the previous HR visit


def test_dataframe_ids_differing_only_by_spaces_are_refused():
    table = pd.DataFrame({"id": [" 1", "1 ", " 1"], "day": [0, 0, 1], "bili": [1.0, 2, 3]})
    with pytest.raises(ValueError, match=r"differ only in type or in spaces"):
        read_ehr(table, id_col="id", time_col="day")


def test_infinite_numeric_time_is_named():
    table = pd.DataFrame({"id": [1, 1], "day": [0.0, np.inf], "bili": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"read_ehr: time column 'day' holds inf at row 1"):
        read_ehr(table, id_col="id", time_col="day")


def test_a_hyphenated_date_is_not_read_as_a_utc_offset():
    """13-02-2020 ends like an offset (-20:20) but has no time of day: a date, no zone."""
    visits = pd.DataFrame({"id": [1, 1], "t": ["13-02-2020", "14-02-2020 10:00"], "x": 1.0})
    data = read_ehr(visits, id_col="id", time_col="t", value_cols=["x"])
    assert data.local_time.tz is None
    expected = pd.DatetimeIndex(["2020-02-13", "2020-02-14 10:00"]).to_numpy()
    np.testing.assert_array_equal(data.time, expected)
