"""Tables read chunk by chunk into the on-disk format: the same data as the in-memory readers."""

import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from tsforecast import SequenceData, read_ehr, write_ehr, write_table
from tsforecast.datasets import data_path

PBC_VALUES = ["ascites", "hepato", "spiders", "edema", "bili", "chol", "albumin", "alk.phos",
              "ast", "platelet", "protime", "stage"]  # fmt: skip


def assert_same(streamed: SequenceData, in_memory: SequenceData) -> None:
    assert streamed.features == in_memory.features
    assert streamed.series_ids.tolist() == in_memory.series_ids.tolist()
    np.testing.assert_array_equal(streamed.offsets, in_memory.offsets)
    np.testing.assert_array_equal(streamed.time, in_memory.time)
    np.testing.assert_array_equal(
        np.ones(streamed.values.shape, bool) if streamed.mask is None else streamed.mask,
        np.ones(in_memory.values.shape, bool) if in_memory.mask is None else in_memory.mask,
    )
    np.testing.assert_allclose(streamed.values, in_memory.values, rtol=1e-6)


@pytest.fixture(scope="module")
def pbc_in_memory():
    return read_ehr(data_path("pbcseq.csv"), id_col="id", time_col="day",
                    value_cols=PBC_VALUES, leading_fill="mean")  # fmt: skip


def test_write_ehr_in_small_chunks_gives_read_ehr(tmp_path, pbc_in_memory):
    """100-row chunks cut through patients' records; the mean fill is the whole table's."""
    streamed = write_ehr(data_path("pbcseq.csv"), tmp_path / "pbc", id_col="id",
                         time_col="day", value_cols=PBC_VALUES, chunk_rows=100)  # fmt: skip
    assert_same(streamed, pbc_in_memory)
    assert streamed.metadata["path"] == str(tmp_path / "pbc")


def test_write_ehr_reads_parquet_in_record_batches(tmp_path, pbc_in_memory):
    pytest.importorskip("pyarrow")
    frame = pd.read_csv(data_path("pbcseq.csv"), dtype={"id": str})
    folder = tmp_path / "parquet"
    folder.mkdir()
    for part, begin in enumerate(range(0, len(frame), 700)):  # a folder of files, in name order
        frame.iloc[begin : begin + 700].to_parquet(folder / f"part-{part:03d}.parquet",
                                                   row_group_size=150)  # fmt: skip
    streamed = write_ehr(folder, tmp_path / "pbc", id_col="id", time_col="day",
                         value_cols=PBC_VALUES, chunk_rows=64)  # fmt: skip
    assert_same(streamed, pbc_in_memory)


def test_static_labels_missing_from_a_chunk_are_still_encoded(tmp_path):
    """Chunks of 20 rows hold a few patients each: most lack one of the Race labels.

    The file lists patients 1, 3, 6, 8, 4, 2, ...: each patient's rows together, so it
    streams; the patients keep the file's order (read_ehr sorts them, which needs the whole
    table), whatever the chunks.
    """
    options = {"id_col": "Subject", "time_col": "time", "value_cols": ["conc", "dose", "glyco"],
               "static_cols": ["Height", "Race"], "event_cols": ["dose"]}  # fmt: skip
    in_memory = read_ehr(data_path("quinidine.csv"), leading_fill="mean", **options)
    streamed = write_ehr(data_path("quinidine.csv"), tmp_path / "q", chunk_rows=20, **options)
    assert streamed.features == in_memory.features
    table_order = pd.unique(pd.read_csv(data_path("quinidine.csv"))["Subject"].astype(str))
    assert streamed.series_ids.tolist() == table_order.tolist()

    def frames(data):
        values = data.to_frame()
        observed = pd.DataFrame(data.mask, index=values.index, columns=values.columns)
        return values, observed

    (values, observed), (expected, expected_observed) = frames(streamed), frames(in_memory)
    values, observed = values.reindex(expected.index), observed.reindex(expected.index)
    pd.testing.assert_frame_equal(observed, expected_observed)
    # Fills too: a measurement's mean over observed rows, a static one's over patients.
    np.testing.assert_allclose(values.to_numpy(), expected.to_numpy(), rtol=1e-6)


def test_what_a_chunk_lacks_or_holds_alone_reads_as_the_whole_table(tmp_path):
    """A CSV written with spaces after the commas; chunks of 4 rows hold about 2 patients.

    ``stage`` is I or II in the first patients and IV in the last; ``albumin`` has
    no value in the first chunks; ``sex`` has a missing label; the static ``age`` is missing
    for a patient with many visits (its mean fill counts patients, not rows).
    """
    rows = [  # id, day, bili, albumin, sex, stage, age
        ("p1", 0, 1.0, "", "F", "I", 50), ("p1", 5, 1.2, "", "F", "I", 50),
        ("p2", 0, 0.8, "", "M", "II", ""), ("p2", 3, 0.9, "", "M", "II", ""),
        ("p2", 6, 1.1, "", "M", "II", ""), ("p2", 9, 1.4, "", "M", "II", ""),
        ("p2", 12, 1.5, "", "M", "II", ""), ("p3", 0, 2.0, 3.1, "", "IV", 70),
        ("p3", 4, 2.2, 3.3, "", "IV", 70), ("p4", 1, 0.5, 3.9, "F", "IV", 40),
    ]  # fmt: skip
    text = "id,day,bili,albumin,sex,stage,age\n" + "".join(
        ", ".join(map(str, row)) + "\n" for row in rows
    )
    (tmp_path / "visits.csv").write_text(text)
    options = {"id_col": "id", "time_col": "day", "value_cols": ["bili", "albumin"],
               "static_cols": ["sex", "stage", "age"], "leading_fill": "mean"}  # fmt: skip
    in_memory = read_ehr(tmp_path / "visits.csv", **options)
    assert in_memory.features == ("bili", "albumin", "time_since_previous", "sex=F", "sex=M",
                                  "stage=I", "stage=II", "stage=IV", "age")  # fmt: skip
    for chunk_rows in (3, 4, 10):
        streamed = write_ehr(tmp_path / "visits.csv", tmp_path / "out", chunk_rows=chunk_rows,
                             overwrite=True, **options)  # fmt: skip
        assert_same(streamed, in_memory)
        assert streamed.metadata["static"] == ["sex", "stage", "age"]
    age = in_memory.features.index("age")
    assert in_memory.values[2, age] == pytest.approx(160 / 3)  # (50 + 70 + 40) / 3 patients
    mixed = text.replace(", II,", ", 2,")  # numbers in the first chunks, text in the last
    (tmp_path / "mixed.csv").write_text(mixed)
    with pytest.raises(ValueError, match=r"read_ehr: column 'stage' has non-numeric values"):
        read_ehr(tmp_path / "mixed.csv", **options)
    with pytest.raises(ValueError, match=r"write_ehr: static column 'stage' holds numbers \('2'\) "
                       r"and text \('I'\); read_ehr refuses such a column"):  # fmt: skip
        write_ehr(tmp_path / "mixed.csv", tmp_path / "m", chunk_rows=3, **options)


def test_a_measurement_without_any_value_is_refused_over_the_whole_table(tmp_path):
    frame = pd.DataFrame({"id": ["a", "a", "b"], "day": [0, 1, 0], "x": [1.0, 2.0, 3.0],
                          "y": np.nan})  # fmt: skip
    with pytest.raises(ValueError, match=r"write_ehr: column\(s\) \['y'\] have no values at all"):
        write_ehr(frame, tmp_path / "e", id_col="id", time_col="day", value_cols=["x", "y"],
                  chunk_rows=2)  # fmt: skip
    assert not (tmp_path / "e").exists()
    long = pd.DataFrame({"id": ["a", "a", "b", "b"], "day": [0, 0, 0, 1],
                         "variable": ["x", "y", "x", "x"],
                         "value": [1.0, 4.0, 3.0, 2.0]})  # fmt: skip
    options = {"id_col": "id", "time_col": "day", "value_cols": ["x", "y"],
               "variable_col": "variable", "value_col": "value",
               "leading_fill": "mean"}  # fmt: skip
    assert_same(write_ehr(long, tmp_path / "l", chunk_rows=2, **options),  # b has no y
                read_ehr(long, **options))  # fmt: skip


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"time_col": "dya"}, ValueError, r"no such column 'dya'\. Did you mean 'day'\? Columns:"),
        ({"static_cols": ["sexx"]}, ValueError, r"no such column 'sexx'\. Did you mean 'sex'"),
        ({"id_col": "idd"}, ValueError, r"no id column 'idd'\. Did you mean 'id'\?"),
        ({"decimal": ";"}, ValueError, r"decimal must be '\.' or ','; got ';'"),
        ({"chunk_rows": 0}, ValueError, r"chunk_rows must be an integer >= 1; got 0"),
        ({"chunk_rows": 2.5}, TypeError, r"chunk_rows must be an integer >= 1; got 2\.5"),
    ],
)
def test_wrong_options_say_what_is_wrong(tmp_path, change, error, message):
    options = {"id_col": "id", "time_col": "day", "value_cols": ["bili"], **change}
    with pytest.raises(error, match="write_ehr: " + message):
        write_ehr(data_path("pbcseq.csv"), tmp_path / "e", **options)
    assert not (tmp_path / "e").exists()


@pytest.mark.parametrize(
    ("stamps", "expected"),
    [
        (
            ["13/02/2020 10:00", "01/03/2020", "05/03/2020"],  # no one format: each read alone
            ["2020-02-13 10:00", "2020-03-01", "2020-03-05"],
        ),
        (
            ["01-02-2020 08:00", "13-02-2020 10:00:00", "02-03-2020 09:00"],  # hyphens
            ["2020-02-01 08:00", "2020-02-13 10:00", "2020-03-02 09:00"],
        ),
        (["13/02/20", "01/03/20", "05/03/20"], ["2020-02-13", "2020-03-01", "2020-03-05"]),
        (["02/13/2020", "03/01/2020 10:00"], ["2020-02-13", "2020-03-01 10:00"]),
        (
            ["31/01/2024", "2024-02-01", "2024-02-02 10:00"],  # ISO stays year-month-day
            ["2024-01-31", "2024-02-01", "2024-02-02 10:00"],
        ),
        (
            ["2024-01-02 10:00 AM +01:00", "2024-07-02 10:00 AM +02:00"],  # offsets, to UTC
            ["2024-01-02 09:00", "2024-07-02 08:00"],
        ),
        (["2024-01-02 10:00 UTC", "2024-07-02 10:00+02"], ["2024-01-02 10:00", "2024-07-02 08:00"]),
        (
            ["2024-01-02 10:00:00+01", "2024-07-02 10:00:00+02"],  # hours-only offsets
            ["2024-01-02 09:00", "2024-07-02 08:00"],
        ),
        (
            ["2024-01-01 00:24:00", "2024-01-01 10:24:00", "2024-01-01 24:00"],  # 24 minutes
            ["2024-01-01 00:24", "2024-01-01 10:24", "2024-01-02 00:00"],
        ),
        (["13/02/24", "2024-03-04"], ["2024-02-13", "2024-03-04"]),  # no format from 13/02/24
        (
            ["2024-02-01 10:00:00,5", "01/02/2024 10:00", "13/02/2024 10:00"],
            ["2024-02-01 10:00:00.5", "2024-02-01 10:00", "2024-02-13 10:00"],
        ),
    ],
)
def test_dates_keep_the_columns_one_day_month_order_in_memory_and_in_chunks(
    tmp_path, stamps, expected
):
    """Pandas, reading stamps of several shapes one by one, would take 01/03 as January 3."""
    frame = pd.DataFrame({"id": ["a"] + ["b"] * (len(stamps) - 1), "t": stamps, "x": 1.0})
    options = {"id_col": "id", "time_col": "t", "value_cols": ["x"]}
    expected = pd.DatetimeIndex(expected).to_numpy()
    np.testing.assert_array_equal(read_ehr(frame, **options).time, expected)
    for chunk_rows in (1, 2, 100):
        written = write_ehr(frame, tmp_path / "e", chunk_rows=chunk_rows, overwrite=True,
                            **options)  # fmt: skip
        np.testing.assert_array_equal(written.time, expected)
        table = write_table(frame, tmp_path / "t", time="t", group="id", chunk_rows=chunk_rows,
                            overwrite=True)  # fmt: skip
        np.testing.assert_array_equal(table.time, expected)


@pytest.mark.parametrize(
    ("stamps", "message"),
    [
        (["2024-01-02", "2024-13-01", "2024-01-03"], r"cannot read the time stamp '2024-13-01'"),
        (["13/13/2024", "01/02/2024"], r"cannot read the time stamp '13/13/2024'"),
        (["01/32/2024", "13/02/2024"], r"cannot read the time stamp '01/32/2024'"),
        (
            ["2024-01-02 10:00 UTC", "2024-01-03 10:00"],
            r"time column .t. mixes stamps with a UTC offset \(row 0: .2024-01-02 10:00 UTC.",
        ),
        (
            ["2024-01-01 24:00:30", "2024-01-02"],
            r"cannot read the time stamp '2024-01-01 24:00:30'",
        ),
        # not read as 00:00:30 of the next day (24:00 is only the day's end)
        (["2024-01-01 24:00:00,5", "2024-01-02"], r"cannot read the time stamp '.*24:00:00,5'"),
        (["2024-01-01 24:00:00.5", "2024-01-02"], r"cannot read the time stamp '.*24:00:00.5'"),
        # times of day, with a decimal comma too, are not dated today
        (
            ["10:00:00,5", "10:00:01,5"],
            r"time column 't' holds times of day without dates \(e.g. '10:00:00,5'",
        ),
        (
            ["2024-01-01 10:00+01:00", "2024-01-02 10:00"],
            r"time column 't' mixes stamps with a UTC offset \(row 0: '2024-01-01 10:00\+01:00'\) "
            r"and without \(row 1: '2024-01-02 10:00'\)",
        ),
    ],
)
def test_unreadable_stamps_are_refused_alike_in_memory_and_in_chunks(tmp_path, stamps, message):
    """One patient per row: with one row a chunk, the stamps meet in no chunk."""
    frame = pd.DataFrame({"id": [f"p{i}" for i in range(len(stamps))], "t": stamps, "x": 1.0})
    options = {"id_col": "id", "time_col": "t", "value_cols": ["x"]}
    with pytest.raises(ValueError, match="read_ehr: " + message):
        read_ehr(frame, **options)
    for chunk_rows in (1, 2, 100):
        with pytest.raises(ValueError, match="write_ehr: " + message):
            write_ehr(frame, tmp_path / "e", chunk_rows=chunk_rows, **options)


def test_dates_in_no_one_day_month_order_are_refused_in_memory_and_in_chunks(tmp_path):
    frame = pd.DataFrame({"id": ["a", "a", "b"], "t": ["13/02/2020", "14/02/2020", "02/13/2020"],
                          "x": 1.0})  # fmt: skip
    options = {"id_col": "id", "time_col": "t", "value_cols": ["x"]}
    message = (r": the time stamps in column 't' do not follow one day/month order "
               r"\('13/02/2020' at row 0 reads only day first, '02/13/2020' at row 2 "
               r"only month")  # fmt: skip
    with pytest.raises(ValueError, match="read_ehr" + message):
        read_ehr(frame, **options)
    for chunk_rows in (1, 2, 100):
        with pytest.raises(ValueError, match="write_ehr" + message):
            write_ehr(frame, tmp_path / "e", chunk_rows=chunk_rows, **options)
    assert not (tmp_path / "e").exists()


def test_a_data_frame_reads_na_values_as_read_ehr_does(tmp_path):
    frame = pd.DataFrame({"id": [1, 1, 2, 3], "day": [0, 1, 0, 0], "x": [1.0, -999, 2.0, 3.0],
                          "sex": ["f", "f", "unknown", "m"]})  # fmt: skip
    options = {"id_col": "id", "time_col": "day", "value_cols": ["x"], "static_cols": ["sex"],
               "na_values": ["unknown", -999], "leading_fill": "mean"}  # fmt: skip
    for chunk_rows in (1, 2, 4):
        streamed = write_ehr(frame, tmp_path / "e", chunk_rows=chunk_rows, overwrite=True,
                             **options)  # fmt: skip
        assert_same(streamed, read_ehr(frame, **options))
        assert streamed.features == ("x", "time_since_previous", "sex=f", "sex=m")
    with pytest.raises(ValueError, match=r"write_ehr: column\(s\) \['x'\] have no values"):
        write_ehr(frame.assign(x=-999), tmp_path / "n", na_values=[-999], chunk_rows=2,
                  **{k: v for k, v in options.items() if k != "na_values"})  # fmt: skip


def test_long_tables_drop_patients_without_the_chosen_variables_as_read_ehr(tmp_path):
    long = pd.DataFrame({"id": ["1", "2", "3", "3", "4"], "t": [0, 0, 0, 1, 0],
                         "var": ["hr", "temp", "hr", "hr", "temp"],
                         "val": [80.0, 37.0, 70.0, 72.0, 36.5],
                         "age": [50, 60, 70, 70, 20]})  # fmt: skip
    options = {"id_col": "id", "time_col": "t", "variable_col": "var", "value_col": "val",
               "value_cols": ["hr"], "static_cols": ["age"], "leading_fill": "mean"}  # fmt: skip
    in_memory = read_ehr(long, **options)
    assert in_memory.series_ids.tolist() == ["1", "3"]
    for chunk_rows in (1, 2, 3, 10):
        streamed = write_ehr(long, tmp_path / "e", chunk_rows=chunk_rows, overwrite=True,
                             **options)  # fmt: skip
        assert_same(streamed, in_memory)
    with pytest.raises(ValueError, match=r"write_ehr: no variable \['pulse'\] in column 'var'"):
        write_ehr(long, tmp_path / "u", chunk_rows=2, **{**options, "value_cols": ["hr", "pulse"]})


def test_typed_and_numeric_columns_read_as_in_memory(tmp_path):
    """Booleans and decimal commas in static columns; durations and numbers as text for time."""
    text = "id;t;x;smoker;weight\n1;0;1,5;True;70,5\n1;1;2,5;True;70,5\n2;0;3,0;False;60\n"
    (tmp_path / "v.csv").write_text(text)
    options = {"id_col": "id", "time_col": "t", "value_cols": ["x"], "decimal": ",",
               "static_cols": ["smoker", "weight"], "leading_fill": "mean"}  # fmt: skip
    for chunk_rows in (1, 2, 3):
        assert_same(write_ehr(tmp_path / "v.csv", tmp_path / "e", chunk_rows=chunk_rows,
                              overwrite=True, **options),
                    read_ehr(tmp_path / "v.csv", **options))  # fmt: skip
    frame = pd.DataFrame({"id": [1, 1, 2], "x": [1.0, 2.0, 3.0]})
    for time in (pd.to_timedelta([0, 36, 0], unit="h"), ["0", "1.5", "0"]):
        options = {"id_col": "id", "time_col": "t", "value_cols": ["x"]}
        assert_same(write_ehr(frame.assign(t=time), tmp_path / "d", chunk_rows=1,
                              overwrite=True, **options),
                    read_ehr(frame.assign(t=time), **options))  # fmt: skip


def test_empty_tables_and_scattered_patients_are_refused_clearly(tmp_path):
    options = {"id_col": "id", "time_col": "t", "value_cols": ["x"]}
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match=r"write_ehr: '.*empty\.csv' is empty; expected a header"):
        write_ehr(tmp_path / "empty.csv", tmp_path / "e", **options)
    (tmp_path / "header.csv").write_text("id,t,x\n")
    for writer in (write_ehr, write_table):
        names = options if writer is write_ehr else {"time": "t", "group": "id"}
        with pytest.raises(ValueError, match=r": the table .*header\.csv has no rows"):
            writer(tmp_path / "header.csv", tmp_path / "e", **names)
    (tmp_path / "scattered.csv").write_text("id,t,x\n1,0,1\n2,0,2\n1,1,3\n1,2,4\n")
    for chunk_rows in (1, 2, 3, 4, 10):  # read alone, a chunk of all rows would merge them
        with pytest.raises(ValueError, match=r"series '1' appears again after other series"):
            write_ehr(tmp_path / "scattered.csv", tmp_path / "e", chunk_rows=chunk_rows,
                      **options)  # fmt: skip
        with pytest.raises(ValueError, match=r"series '1' appears again after other series"):
            write_table(tmp_path / "scattered.csv", tmp_path / "e", time="t", group="id",
                        chunk_rows=chunk_rows)  # fmt: skip
    assert not (tmp_path / "e").exists()


def test_errors_name_write_ehr_and_the_row_in_the_file(tmp_path):
    (tmp_path / "bad.csv").write_text("id,t,x\n1,0,1\n1,1,2\n2,0,3\n2,1,oops\n")
    with pytest.raises(ValueError, match=r"^write_ehr: column 'x' has non-numeric values \(e\.g\. "
                       r"'oops' at row 3,"):  # fmt: skip
        write_ehr(tmp_path / "bad.csv", tmp_path / "e", id_col="id", time_col="t",
                  value_cols=["x"], chunk_rows=2)  # fmt: skip
    with pytest.raises(TypeError, match=r"static_cols must be a list of column names, e\.g\. "):
        write_ehr(tmp_path / "bad.csv", tmp_path / "e", id_col="id", time_col="t",
                  value_cols=["x"], static_cols="sex")  # fmt: skip
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['resampel'\]"):
        write_ehr(tmp_path / "bad.csv", tmp_path / "e", id_col="id", time_col="t",
                  value_cols=["x"], resampel=2)  # fmt: skip
    frame = pd.DataFrame({"id": [1, 1, 2], "t": [0, 1, 0], "x": [np.nan, 2.0, 3.0]})
    written = write_ehr(frame, tmp_path / "f", id_col="id", time_col="t", value_cols=["x"],
                        leading_fill=np.float32(-1))  # fmt: skip
    assert written.values[0, 0] == -1.0


def test_more_static_and_long_tables_read_as_in_memory(tmp_path):
    """Booleans among gaps; a text static with decimal commas in a DataFrame; long rows."""
    (tmp_path / "b.csv").write_text("id,t,x,smoker\n1,0,1,True\n1,1,2,True\n2,0,3,\n3,0,4,False\n")
    options = {"id_col": "id", "time_col": "t", "value_cols": ["x"], "static_cols": ["smoker"],
               "leading_fill": "mean"}  # fmt: skip
    for chunk_rows in (1, 2, 3, 10):
        assert_same(write_ehr(tmp_path / "b.csv", tmp_path / "e", chunk_rows=chunk_rows,
                              overwrite=True, **options),
                    read_ehr(tmp_path / "b.csv", **options))  # fmt: skip
    # decimal commas written as text in a DataFrame: numbers, as read_ehr reads them
    frame = pd.DataFrame({"id": [1, 2], "t": [0, 0], "x": [1.0, 2.0], "w": ["70,5", "60"]})
    options = {"id_col": "id", "time_col": "t", "value_cols": ["x"], "static_cols": ["w"],
               "decimal": ","}  # fmt: skip
    written = write_ehr(frame, tmp_path / "w", chunk_rows=1, **options)
    assert_same(written, read_ehr(frame, **options))
    assert written.features[-1] == "w" and written.values[:, -1].tolist() == [70.5, 60.0]
    mixed = frame.assign(w=["70,5", "light"])  # numbers and text: refused, as read_ehr does
    with pytest.raises(ValueError, match=r"write_ehr: static column 'w' holds numbers \(70\.5\) "
                       r"and text \('light'\)"):  # fmt: skip
        write_ehr(mixed, tmp_path / "m", chunk_rows=1, **options)
    long = pd.DataFrame({"id": ["1", "2"], "t": [0, 0], "var": ["hr", None], "val": [80.0, 1.0]})
    options = {"id_col": "id", "time_col": "t", "variable_col": "var", "value_col": "val",
               "value_cols": ["hr"]}  # fmt: skip
    for chunk_rows in (1, 2, 10):
        with pytest.raises(ValueError, match=r"write_ehr: variable column 'var' is empty at row 1"):
            write_ehr(long, tmp_path / "l", chunk_rows=chunk_rows, **options)
    with pytest.raises(ValueError, match=r"write_ehr: no variable \['bp'\] in column 'var'"):
        write_ehr(long.iloc[:1], tmp_path / "l", **{**options, "value_cols": ["bp"]})


def test_messages_name_the_row_and_the_target_is_checked_first(tmp_path):
    frame = pd.DataFrame({"id": [1, 2, 1], "t": [0, 0, 1], "x": 1.0}, index=[7, 7, 7])
    with pytest.raises(ValueError, match=r"series 1 appears again after other series \(row 7\)"):
        write_ehr(frame, tmp_path / "e", id_col="id", time_col="t", value_cols=["x"])
    gaps = pd.DataFrame({"id": [1.0, np.nan, np.nan], "t": [0, 0, 1], "x": 1.0})
    with pytest.raises(ValueError, match=r"patient id column 'id' is empty at row 1"):
        write_ehr(gaps, tmp_path / "e", id_col="id", time_col="t", value_cols=["x"])
    with pytest.raises(TypeError, match=r"write_ehr: na_values must be a list of markers; got 5"):
        write_ehr(frame, tmp_path / "e", id_col="id", time_col="t", value_cols=["x"], na_values=5)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"taken exists and is not empty"):
        write_ehr(tmp_path / "missing.csv", tmp_path / "taken", id_col="id", time_col="t",
                  value_cols=["x"])  # fmt: skip  # refused before the file is even looked for


def test_patients_out_of_order_are_refused_with_the_fix(tmp_path):
    frame = pd.read_csv(data_path("pbcseq.csv"), dtype={"id": str})
    moved = pd.concat([frame.iloc[5:], frame.iloc[:5]])  # patient 1's first visits at the end
    with pytest.raises(
        ValueError,
        match=r"series '\d+' appears again after other series: the rows "
        r"are not sorted by series\. Sort the table by \(series id, time\)",
    ):
        write_ehr(moved, tmp_path / "pbc", id_col="id", time_col="day", value_cols=["bili"],
                  chunk_rows=50)  # fmt: skip
    assert not (tmp_path / "pbc").exists()


@pytest.mark.skipif(shutil.which("sort") is None, reason="needs the sort command")
def test_the_advised_sort_command_sorts_a_table_write_table_refused(tmp_path):
    frame = pd.read_csv(data_path("pbcseq.csv"), usecols=["id", "day", "bili"])
    frame = frame[frame["id"] <= 12]  # ids 1-12: as text, 10 sorts before 2
    frame.sample(frac=1, random_state=0).to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(ValueError, match="not sorted by series") as refused:
        write_table(tmp_path / "in.csv", tmp_path / "a", time="day", group="id", chunk_rows=20)
    command = re.search(r"e\.g\. `(.*?)`", str(refused.value)).group(1)
    subprocess.run(["bash", "-c", command], cwd=tmp_path, check=True)
    data = write_table(tmp_path / "sorted.csv", tmp_path / "b", time="day", group="id",
                       chunk_rows=20)  # fmt: skip
    assert data.n_series == 12
    assert sorted(data.values[:, 0].tolist()) == sorted(frame["bili"].astype("float32").tolist())


def test_write_ehr_refuses_what_depends_on_the_chunks(tmp_path):
    with pytest.raises(ValueError, match=r"pass value_cols=\[\.\.\.\]; read_ehr's default"):
        write_ehr(data_path("pbcseq.csv"), tmp_path / "a", id_col="id", time_col="day",
                  value_cols=None)  # fmt: skip
    with pytest.raises(ValueError, match=r"leading_fill='median' needs every value"):
        write_ehr(data_path("pbcseq.csv"), tmp_path / "b", id_col="id", time_col="day",
                  value_cols=["bili"], leading_fill="median")  # fmt: skip


def test_write_table_in_chunks_gives_from_frame(tmp_path):
    columns = ["precipitation", "temp_max", "temp_min", "wind"]
    frame = pd.read_csv(data_path("seattle-weather.csv"))
    frame["date"] = pd.to_datetime(frame["date"])
    in_memory = SequenceData.from_frame(frame, time="date", columns=columns)
    streamed = write_table(data_path("seattle-weather.csv"), tmp_path / "w", time="date",
                           columns=columns, chunk_rows=100)  # fmt: skip
    assert_same(streamed, in_memory)


def test_write_table_stores_missing_values_as_the_observed_mean(tmp_path):
    frame = pd.DataFrame({
        "station": ["a", "a", "a", "b", "b", "b"], "t": [1.0, 2.0, 3.0, 1.0, 2.0, 3.0],
        "temp": [1.0, np.nan, 3.0, 5.0, 7.0, np.nan], "wind": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
    })  # fmt: skip
    written = write_table(frame, tmp_path / "s", time="t", group="station", allow_missing=True,
                          chunk_rows=2)  # fmt: skip
    assert written.series_ids.tolist() == ["a", "b"]
    assert written.mask[:, 0].tolist() == [True, False, True, True, True, False]
    assert written.values[:, 0].tolist() == [1.0, 4.0, 3.0, 5.0, 7.0, 4.0]  # mean of 1, 3, 5, 7
    # A model reads them in place: nothing is missing any more, so no filled copy is made.
    from tsforecast._recurrent.scaling import Standardizer

    scaler = Standardizer.identity(2)
    assert scaler.fill_missing(written.values, written.mask) is written.values


def test_day_first_dates_are_read_alike_in_every_chunk(tmp_path):
    """Series a holds 01/02..12/02 (month first would read it), b 13/02..: day first."""
    days = [f"{d:02d}/02/2020" for d in range(1, 20)]
    frame = pd.DataFrame({"id": ["a"] * 12 + ["b"] * 7, "date": days, "x": np.arange(19.0)})
    frame.to_csv(tmp_path / "days.csv", index=False)
    whole = write_table(tmp_path / "days.csv", tmp_path / "one", time="date", group="id")
    chunked = write_table(tmp_path / "days.csv", tmp_path / "many", time="date", group="id",
                          chunk_rows=5)  # fmt: skip
    expected = pd.date_range("2020-02-01", periods=19, freq="D").to_numpy()
    np.testing.assert_array_equal(whole.time, expected)
    np.testing.assert_array_equal(chunked.time, expected)


@pytest.mark.parametrize(
    ("start", "text"),
    [("2020-02-13", "%d/%m/%Y"), ("2020-02-13", "%m/%d/%Y"), ("2020-02-01", "%m/%d/%Y %H:%M")],
)
def test_one_date_format_for_the_whole_column_whatever_the_chunks(tmp_path, start, text):
    """With 8 rows a chunk, the last one holds 08/03/2020 and 09/03/2020: either way round."""
    days = pd.date_range(start, periods=26, freq="D")
    frame = pd.DataFrame({"id": np.repeat(["a", "b"], 13), "date": days.strftime(text), "x": 1.0})
    frame.to_csv(tmp_path / "days.csv", index=False)
    for chunk_rows in (8, 13, 26):
        chunked = write_table(tmp_path / "days.csv", tmp_path / "t", time="date", group="id",
                              chunk_rows=chunk_rows, overwrite=True)  # fmt: skip
        np.testing.assert_array_equal(chunked.time, days.to_numpy())
        patients = write_ehr(tmp_path / "days.csv", tmp_path / "e", id_col="id",
                             time_col="date", value_cols=["x"], chunk_rows=chunk_rows,
                             overwrite=True)  # fmt: skip
        in_memory = read_ehr(tmp_path / "days.csv", id_col="id", time_col="date",
                             value_cols=["x"])  # fmt: skip
        np.testing.assert_array_equal(patients.time, in_memory.time)


def test_write_ehr_matches_read_ehr_columns_and_counts_with_static_columns(tmp_path):
    options = {"id_col": "id", "time_col": "day", "value_cols": ["bili", "albumin"],
               "static_cols": ["sex", "trt"]}  # fmt: skip
    in_memory = read_ehr(data_path("pbcseq.csv"), leading_fill="mean", **options)
    streamed = write_ehr(data_path("pbcseq.csv"), tmp_path / "p", chunk_rows=50, **options)
    assert streamed.features == in_memory.features  # sex=f, sex=m, trt: read_ehr's order
    assert streamed.metadata["n_patients"] == in_memory.metadata["n_patients"] == 312


def test_write_table_reads_decimal_commas(tmp_path):
    (tmp_path / "eu.csv").write_text("t;x\n1;1,5\n2;2,25\n3;3,0\n")
    written = write_table(tmp_path / "eu.csv", tmp_path / "eu", time="t", decimal=",",
                          chunk_rows=2)  # fmt: skip
    assert written.values.ravel().tolist() == [1.5, 2.25, 3.0]
