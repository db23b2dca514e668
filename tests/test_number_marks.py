"""Numbers written with a decimal comma or thousands marks ('1,234.5', '1.234,5', "1'234")."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from tsforecast import read_ehr, read_weather
from tsforecast._cli.table_reader import read_table
from tsforecast.adapters.streaming import write_ehr, write_table
from tsforecast.cli import in_flags, main

HOURS = pd.date_range("2024-01-01", periods=4, freq="h").strftime("%Y-%m-%d %H:%M")


def _table(path, values, sep=","):
    """Write a time column and one column of ``values`` exactly as given (quoted)."""
    lines = [f"time{sep}sales", *(f'{t}{sep}"{v}"' for t, v in zip(HOURS, values, strict=True))]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("values", "sep", "advice", "marks"),
    [
        (["1,234.5", "999", "2,000.25", "1,000"], ",", "pass thousands=','", {"thousands": ","}),
        (["1.234,5", "999", "2.000,25", "1.000"], ";", "pass decimal=',' and thousands='.'",
         {"decimal": ",", "thousands": "."}),
        (["1 234.5", "999", "2 000.25", "1 000"], ",", "pass thousands=' '", {"thousands": " "}),
        (["1'234.5", "999", "2'000.25", "1'000"], ",", "pass thousands=\"'\"",
         {"thousands": "'"}),
    ],
)  # fmt: skip
def test_a_file_with_thousands_marks_is_refused_with_the_marks_then_read(
    tmp_path, values, sep, advice, marks
):
    path = _table(tmp_path / "sales.csv", values, sep)
    with pytest.raises(ValueError, match=f"numbers with marks: {advice}"):
        read_weather(path)
    assert read_weather(path, **marks).values.ravel().tolist() == [1234.5, 999, 2000.25, 1000]


def test_a_comma_between_three_digits_is_said_to_read_both_ways(tmp_path):
    path = _table(tmp_path / "sales.csv", ["1,234", "1,300", "999", "1,310"])
    with pytest.raises(
        ValueError,
        match=r"'1,234' .*: pass thousands=',' if the comma separates thousands, decimal=',' if",
    ):
        read_weather(path)
    assert read_weather(path, thousands=",").values.ravel().tolist() == [1234, 1300, 999, 1310]


def test_numbers_with_marks_are_never_encoded_or_dropped_as_labels(tmp_path):
    path = _table(tmp_path / "sales.csv", ["1,234.5", "1,300.0", "1,310.0", "1,000.0"])
    for categorical in ("onehot", "drop"):
        with pytest.raises(ValueError, match=r"'sales' holds numbers that read as text"):
            read_weather(path, categorical=categorical)
    labels = _table(tmp_path / "labels.csv", ["low", "high", "low", "high"])
    assert read_weather(labels, categorical="onehot").features == ("sales=high", "sales=low")


def test_a_dataframe_of_text_numbers_reads_with_the_marks_and_is_not_modified():
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(HOURS),
            "sales": ["1.234,5", None, "2.000", "7,25"],
            "shop": ["a", "b", "a", "b"],
        }
    )
    before = frame.copy()
    data = read_weather(frame, decimal=",", thousands=".", categorical="onehot", max_gap=1)
    assert data.features == ("sales", "shop=a", "shop=b")  # the labels stay text
    assert data.values[:, 0].tolist() == [1234.5, 1617.25, 2000.0, 7.25]  # the gap filled
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize(
    ("marks", "message"),
    [
        ({"thousands": "_"}, r"thousands must be None or one of \[',', '\.', ' ', \"'\"\]"),
        ({"thousands": ",", "decimal": ","}, r"other than the decimal mark ','; got ','"),
    ],
)
def test_thousands_marks_that_cannot_be_read_are_refused(tmp_path, marks, message):
    path = _table(tmp_path / "sales.csv", ["1", "2", "3", "4"])
    for read in (read_weather, lambda p, **k: write_table(p, tmp_path / "out", time="time", **k)):
        with pytest.raises(ValueError, match=message):
            read(path, **marks)


def test_the_writers_of_large_tables_read_thousands_marks(tmp_path):
    path = _table(tmp_path / "sales.csv", ["1,234.5", "999", "2,000.25", "1,000"])
    written = write_table(path, tmp_path / "wide", time="time", thousands=",", chunk_rows=3)
    assert written.values.ravel().tolist() == [1234.5, 999, 2000.25, 1000]
    visits = tmp_path / "visits.csv"
    visits.write_text('id,day,conc,income\n1,0,"1,200.5","40,000"\n1,1,3,"40,000"\n2,0,4,"9,500"\n')
    data = write_ehr(
        visits, tmp_path / "ehr", id_col="id", time_col="day", value_cols=["conc"],
        static_cols=["income"], thousands=",", chunk_rows=2,
    )  # fmt: skip
    assert data.features == ("conc", "time_since_previous", "income")  # a number, not labels
    assert data.values[:, [0, 2]].tolist() == [[1200.5, 40000], [3, 40000], [4, 9500]]
    assert np.array_equal(
        data.values, read_ehr(visits, id_col="id", time_col="day", value_cols=["conc"],
                              static_cols=["income"], thousands=",").values,
    )  # fmt: skip


def test_the_command_line_reads_thousands_marks_at_fit_and_again_at_predict(tmp_path, capsys):
    months = pd.date_range("2015-01-01", periods=60, freq="MS")
    rng = np.random.default_rng(0)
    sales = 1000 + 10 * np.arange(60) + 200 * np.sin(np.arange(60) * np.pi / 6)
    sales += rng.normal(0, 20, 60)
    table = tmp_path / "sales.csv"
    pd.DataFrame(
        {"month": months.strftime("%Y-%m-%d"), "sales": [f"{v:,.1f}" for v in sales]}
    ).to_csv(table, index=False)
    fit = ["fit", str(table), "--kind", "table", "--time-col", "month", "--max-epochs", "2",
           "--quiet", "--out", str(tmp_path / "m")]  # fmt: skip
    assert main(fit) == 2
    assert "Values such as '1,002.5' are numbers with marks: pass --thousands ,." in (
        capsys.readouterr().err
    )
    assert main([*fit, "--thousands", ","]) == 0
    assert json.loads((tmp_path / "m" / "adapter.json").read_text())["options"] == {
        "time_col": "month", "thousands": ","
    }  # fmt: skip
    out = tmp_path / "forecast.csv"
    assert (
        main(["predict", str(tmp_path / "m"), str(table), "--steps", "2", "--out", str(out)]) == 0
    )
    assert pd.read_csv(out)["sales"].between(1000, 2500).all()


def test_advice_is_written_as_the_command_line_flags():
    assert in_flags("pass thousands=',' and decimal=','") == "pass --thousands , and --decimal ,"
    assert in_flags("pass thousands=' '") == 'pass --thousands " "'
    assert in_flags("pass thousands='.'.") == 'pass --thousands ".".'  # not "--thousands .."
    assert in_flags("""pass thousands="'\"""") == """pass --thousands "'\""""
    # a marker holding a comma cannot be given to --na-values, which splits at commas
    assert in_flags("list such markers in na_values=['n/a, see note']") == (
        "list such markers in --na-values (which splits at commas, so not 'n/a, see note')"
    )


def test_marks_never_touch_dates_codes_or_numbers_given_as_numbers(tmp_path):
    # a German export: dates 25.01.2024 would be 25012024 with pandas' own thousands='.'
    days = ["25.01.2024", "28.01.2024", "01.02.2024", "10.02.2024"]
    path = tmp_path / "de.csv"
    path.write_text("id;visit;weight\n" + "".join(
        f"A;{day};{1000 + k},5\n" for k, day in enumerate(days)))  # fmt: skip
    visits = read_ehr(path, id_col="id", time_col="visit", decimal=",", thousands=".")
    assert visits.values[:, 0].tolist() == [1000.5, 1001.5, 1002.5, 1003.5]
    assert visits.values[:, 1].tolist() == [0, 3, 4, 9]  # days since the previous visit
    table = read_table(str(path), time_col="visit", id_col="id", decimal=",", thousands=".")
    assert pd.DatetimeIndex(table.time).strftime("%d.%m.%Y").tolist() == days
    # numbers already numbers in a DataFrame's object column are kept as they are
    frame = pd.DataFrame({"time": pd.to_datetime(HOURS), "v": [1234.5, "2.345,5", 0.5, None]},
                         index=[3, 3, 4, 4])  # fmt: skip  # repeated labels too
    read = read_weather(frame, decimal=",", thousands=".", max_gap=1)
    assert read.values.ravel().tolist() == [1234.5, 2345.5, 0.5, 0.5]
    # a comma that groups no three digits is no thousands mark: refused, not read as 5
    path = _table(tmp_path / "half.csv", ["0,5", "1,234", "2", "3"])
    with pytest.raises(ValueError, match=r"column 'sales' has non-numeric values \(e\.g\. '0,5'"):
        read_weather(path, thousands=",")


def test_points_grouping_thousands_in_a_semicolon_file_are_said(tmp_path):
    # a German export read without marks: valid decimals, a thousandth of what was meant
    sales = ["15.136", "16.733", "20.016", "17.708", "18.019", "21.345"]
    days = pd.date_range("2024-01-01", periods=6, freq="D").strftime("%Y-%m-%d")
    path = tmp_path / "wein.csv"
    path.write_text(
        "Tag;Absatz\n" + "".join(f"{d};{v}\n" for d, v in zip(days, sales, strict=True))
    )
    with pytest.warns(UserWarning, match=r"every value of column 'Absatz' has a point before "
                      r"groups of three digits \(such as '15.136'\).* read as decimals \(15.136, "
                      r"not 15136\)\. If the point separates thousands, pass decimal=',' and "
                      r"thousands='\.'"):  # fmt: skip
        assert read_weather(path, time_col="Tag", freq="D").values[0, 0] == pytest.approx(15.136)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        marked = read_weather(path, time_col="Tag", freq="D", decimal=",", thousands=".")
        assert marked.values[:, 0].tolist() == [15136, 16733, 20016, 17708, 18019, 21345]
        # decimals of three digits (a value below 1), and a comma-separated file: not said
        path.write_text(path.read_text().replace("15.136", "0.125"))
        read_weather(path, time_col="Tag", freq="D")
        path.write_text(path.read_text().replace(";", ","))
        read_weather(path, time_col="Tag", freq="D")
