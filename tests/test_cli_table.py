"""``--kind table``: plain CSV tables of periods, one series or a panel with a series id."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from tsforecast import LSTMForecaster
from tsforecast.cli import main
from tsforecast.datasets import load_visnights

PARAMS = {"max_epochs": 2, "hidden_size": 8, "random_state": 0}
FLAGS = ["--max-epochs", "2", "--hidden-size", "8", "--random-state", "0", "--quiet"]


@pytest.fixture(scope="module")
def visnights() -> pd.DataFrame:
    """Return the 20 regions' quarters as a long table: region, quarter, nights."""
    return load_visnights().to_frame().reset_index()


def test_a_panel_table_is_read_as_python_reads_the_frame(visnights, tmp_path, capsys):
    # A long table of 20 regions (rows shuffled): the EHR adapter, the only reader of panels,
    # added its visit feature time_since_previous as a second column to forecast.
    table = tmp_path / "visnights.csv"
    visnights.sample(frac=1.0, random_state=0).to_csv(table, index=False)
    model_dir, written = tmp_path / "model", tmp_path / "forecast.csv"
    read = ["--kind", "table", "--time-col", "quarter", "--id-col", "region"]
    assert main(["fit", str(table), *read, *FLAGS, "--out", str(model_dir)]) == 0
    out = capsys.readouterr().out
    assert "n_series=20, features=['nights']" in out
    assert json.loads((model_dir / "adapter.json").read_text())["kind"] == "table"
    argv = ["predict", str(model_dir), str(table), "--steps", "4", "--out", str(written)]
    assert main([*argv, "--quantiles"]) == 0
    found = pd.read_csv(written, parse_dates=["quarter"]).set_index(["region", "quarter"])
    frame = visnights.set_index(["region", "quarter"])
    expected = LSTMForecaster(**PARAMS).fit(frame).forecast(frame, 4, quantiles=True)
    assert list(found.columns) == ["nights_q0.1", "nights_q0.5", "nights_q0.9"]
    np.testing.assert_allclose(found.to_numpy(), expected.to_numpy(), rtol=1e-5)
    assert list(found.index) == list(expected.index)
    assert main(["backtest", str(table), *read, "--steps", "2", "--start", "-4", *FLAGS]) == 0
    assert "40 origins from start=-4 every 2 rows" in capsys.readouterr().out


def test_one_series_with_missing_cells_and_numeric_periods(visnights, tmp_path):
    one = visnights[visnights["region"] == "QLDMetro"].drop(columns="region")
    one = one.assign(quarter=np.arange(len(one)), nights=one["nights"].astype(object))
    one.iloc[10, 1] = None  # an empty cell: a missing value
    one.iloc[20, 1] = "n/a"
    table = tmp_path / "one.csv"
    one.to_csv(table, index=False)
    read = ["--kind", "table", "--time-col", "quarter", "--na-values", "n/a"]
    assert main(["fit", str(table), *read, *FLAGS, "--out", str(tmp_path / "m")]) == 0
    written = tmp_path / "forecast.csv"
    argv = ["predict", str(tmp_path / "m"), str(table), "--steps", "2", "--out", str(written)]
    assert main(argv) == 0
    assert written.read_text().splitlines()[1].startswith("76,")  # a whole period, not 76.0


@pytest.mark.parametrize(
    ("change", "flags", "message"),
    [
        (None, ["--id-col", "region"], "--kind table needs --time-col: the column of periods"),
        (None, ["--time-col", "day"], r"has no column 'day'; its columns are \['region', "),
        (lambda t: t.assign(nights=t["nights"].astype(object)).assign(
            nights=lambda u: u["nights"].where(u.index != 7, "12,5")),
         ["--time-col", "quarter", "--id-col", "region"],
         r"column 'nights' has non-numeric values \(e.g. '12,5' at row 7, 1 in all\); "
         r"expected numbers\. Values such as '12,5' are numbers with marks: pass --decimal , "
         r"if the comma is the decimal mark\.$"),
        (None, ["--time-col", "quarter", "--id-col", "region", "--columns", "quarter"],
         r"--columns names \['quarter'\], the time or id column"),
        (lambda t: pd.concat([t, t.iloc[[3]]]), ["--time-col", "quarter", "--id-col", "region"],
         r"1 repeated row\(s\) of the same region and quarter, such as \{'region': 'NSWMetro'"),
        (lambda t: t.assign(quarter=t["quarter"].astype(str).where(t.index != 2, "soon")),
         ["--time-col", "quarter", "--id-col", "region"],
         r"cannot read the time stamp 'soon' in column 'quarter' at row 2; expected a date .* "
         r"name the right column with --time-col\."),
        (None, ["--time-col", "quarter", "--static-cols", "region"],
         r"--static-cols is for --kind ehr only"),
    ],
)  # fmt: skip
def test_bad_tables_and_flags_are_refused_with_the_fix(
    visnights, tmp_path, capsys, change, flags, message
):
    table = tmp_path / "bad.csv"
    (visnights if change is None else change(visnights)).to_csv(table, index=False)
    argv = ["fit", str(table), "--kind", "table", *flags, *FLAGS, "--out", str(tmp_path / "m")]
    assert main(argv) == 2
    assert re.search(message, capsys.readouterr().err)
    weather = ["fit", str(table), "--kind", "weather", "--id-col", "region", "--out", "x"]
    assert main(weather) == 2
    assert "--id-col is for --kind ehr (patients) and table (series) only" in (
        capsys.readouterr().err
    )
    assert main(["fit", str(table), "--kind", "weather", "--dayfirst", "--out", "x"]) == 2
    assert "--dayfirst is for --kind table only" in capsys.readouterr().err


def test_dates_are_read_in_one_format_day_first_only_when_they_must_be(visnights, tmp_path):
    # Weekly dd/mm/yyyy dates: cell by cell, pandas' "mixed" format read 13/01/2020 day first
    # and 06/01/2020 month first (1 June), and the sort scrambled the weeks.
    from tsforecast._cli.table_reader import read_table

    weeks = pd.date_range("2020-01-06", periods=30, freq="W-MON")
    table = tmp_path / "weeks.csv"
    frame = pd.DataFrame({"week": weeks.strftime("%d/%m/%Y"), "sales": np.arange(30.0)})
    frame.to_csv(table, sep=";", index=False, decimal=",")
    data = read_table(str(table), time_col="week", decimal=",")
    assert data.values[:, 0].tolist() == list(range(30)) and data.local_time.equals(weeks)
    months = tmp_path / "months.csv"  # 01/02/2020: 2 January or 1 February
    pd.DataFrame({"month": ["01/02/2020", "01/03/2020", "01/04/2020"], "v": [1.0, 2.0, 3.0]}
                 ).to_csv(months, index=False)  # fmt: skip
    with pytest.raises(
        ValueError,
        match=r"read both month first and day first \('01/02/2020': "
        r"2020-01-02 or 2020-02-01\); pass --dayfirst or --no-dayfirst",
    ):
        read_table(str(months), time_col="month")
    assert read_table(str(months), time_col="month", dayfirst=True).local_time[0].month == 2
    assert read_table(str(months), time_col="month", dayfirst=False).local_time[0].day == 2
    with pytest.raises(ValueError, match=r"read day first only .* not as --no-dayfirst says"):
        read_table(str(table), time_col="week", decimal=",", dayfirst=False)
    same = tmp_path / "same.csv"  # 01/01/2020, 02/02/2020: the same dates either way
    pd.DataFrame({"day": ["01/01/2020", "02/02/2020", "03/03/2020"], "v": [1.0, 2.0, 3.0]}
                 ).to_csv(same, index=False)  # fmt: skip
    assert read_table(str(same), time_col="day").local_time[1] == pd.Timestamp("2020-02-02")
    mixed = tmp_path / "mixed.csv"  # 13/01 reads only day first, 01/13 only month first
    pd.DataFrame({"day": ["13/01/2020", "01/14/2020"], "v": [1.0, 2.0]}).to_csv(mixed, index=False)
    with pytest.raises(ValueError, match=r"do not follow one day/month order"):
        read_table(str(mixed), time_col="day")


def test_series_ids_are_read_as_text(visnights, tmp_path):
    # Numbers as ids were ints, and text once a new series had a name: the model's ids of fit
    # (and its weights per series) then matched none. "01" and "1" were merged too.
    from tsforecast._cli.table_reader import read_table

    two = visnights[visnights["region"].isin(["NSWMetro", "QLDMetro"])]
    two = two.assign(region=two["region"].map({"NSWMetro": "01", "QLDMetro": "1"}))
    table = tmp_path / "ids.csv"
    two.to_csv(table, index=False)
    data = read_table(str(table), time_col="quarter", id_col="region")
    assert list(data.series_ids) == ["01", "1"] and data.n_series == 2


@pytest.mark.parametrize("form", ["{year} Q{q}", "{year}-Q{q}", "{year}Q{q}", "Q{q} {year}"])
def test_quarters_as_r_and_spreadsheets_write_them_are_read(visnights, tmp_path, form):
    # "1998 Q1" (R's tsibble) was refused as an unreadable time stamp.
    from tsforecast._cli.table_reader import read_table

    stamps = visnights["quarter"]
    written = visnights.assign(quarter=[
        form.format(year=t.year, q=t.quarter) for t in stamps
    ])  # fmt: skip
    table = tmp_path / "quarters.csv"
    written.to_csv(table, index=False)
    data = read_table(str(table), time_col="quarter", id_col="region")
    iso = tmp_path / "iso.csv"
    visnights.to_csv(iso, index=False)
    expected = read_table(str(iso), time_col="quarter", id_col="region")
    assert data.local_time.equals(expected.local_time)
    np.testing.assert_array_equal(data.values, expected.values)
    written.loc[5, "quarter"] = "soon"
    written.to_csv(table, index=False)
    with pytest.raises(ValueError, match=r"'soon' .* where the other stamps are quarters such"):
        read_table(str(table), time_col="quarter", id_col="region")


def test_excel_csv_empty_tables_and_panels_without_ids(visnights, tmp_path):
    from tsforecast._cli.table_reader import read_table

    one = visnights[visnights["region"] == "QLDMetro"].drop(columns="region")
    table = tmp_path / "excel.csv"  # Excel's "CSV UTF-8": a byte order mark, CRLF lines
    one.to_csv(table, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    assert table.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert read_table(str(table), time_col="quarter").n_timesteps == len(one)
    table.write_text("quarter,nights\n")  # a header alone: an IndexError from inside before
    with pytest.raises(ValueError, match=r"the table has no rows \(columns: \['quarter', "):
        read_table(str(table), time_col="quarter")
    visnights.to_csv(table, index=False)  # a long panel read without --id-col
    with pytest.raises(TypeError, match=r"holds text .* the series of a long table, pass it as "):
        read_table(str(table), time_col="quarter")
    visnights.assign(region=visnights["region"].factorize()[0]).to_csv(table, index=False)
    with pytest.raises(ValueError, match=r"repeated row.* or name the column of series ids with "):
        read_table(str(table), time_col="quarter")


def test_backtest_from_a_quarter_and_against_persistence_alone(visnights, tmp_path, capsys):
    # --start "2015 Q1" was refused on a file of such stamps; --season none, which --help
    # offers, was refused as "invalid int value".
    one = visnights[visnights["region"] == "QLDMetro"].drop(columns="region")
    one = one.assign(quarter=[f"{t.year} Q{t.quarter}" for t in one["quarter"]])
    table = tmp_path / "quarters.csv"
    one.to_csv(table, index=False)
    argv = ["backtest", str(table), "--kind", "table", "--time-col", "quarter", "--steps", "2",
            *FLAGS]  # fmt: skip
    assert main([*argv, "--start", "2015 Q1", "--season", "none"]) == 0
    out = capsys.readouterr().out
    assert "4 origins from start=2015 Q1" in out and "MASE (m=1)" in out
    assert "seasonal naive" not in out
    assert main([*argv, "--start", "2015 Q1", "--season", "4"]) == 0
    assert "seasonal naive (4)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([*argv, "--season", "0"])
    assert "--season: takes a number of rows (4 for quarters) or none" in capsys.readouterr().err


@pytest.mark.parametrize(
    "write", [lambda t: t.year * 100 + t.month, lambda t: t.year + t.month / 100]
)
def test_years_and_months_written_as_numbers_are_read_as_months(tmp_path, write):
    # 194901 (or 1949.01) was read as numeric time: steps of 1 and 89, no season, forecasts
    # stamped 196013 (a trial's AirPassengers: MASE 2.99 against 1.26 with dates).
    from tsforecast._cli.table_reader import read_table
    from tsforecast.datasets import load_air_passengers

    months = load_air_passengers().to_frame().iloc[:, 0]
    table = tmp_path / "numbers.csv"
    pd.DataFrame({"month": write(months.index), "passengers": months.to_numpy()}).to_csv(
        table, index=False
    )
    data = read_table(str(table), time_col="month")
    assert data.local_time.equals(pd.DatetimeIndex(months.index, freq=None))


def test_missing_periods_are_advised_in_the_command_lines_terms(visnights, tmp_path, capsys):
    # The warning's fix was Python's (X.asfreq('QS'), time_gaps=True), which a user of the
    # command line cannot follow.
    one = visnights[visnights["region"] == "QLDMetro"].drop(columns="region")
    table = tmp_path / "gaps.csv"
    one.drop(index=one.index[[10, 20, 30]]).to_csv(table, index=False)
    argv = ["fit", str(table), "--kind", "table", "--time-col", "quarter", *FLAGS]
    assert main([*argv, "--out", str(tmp_path / "m")]) == 0
    err = capsys.readouterr().err
    assert "3 period(s) missing between them" in err and "asfreq" not in err
    assert "give them as rows with empty cells in the table, a row per missing period" in err
    assert "Pass --time-gaps true to read irregular series" in err
    assert main([*argv, "--time-gaps", "true", "--out", str(tmp_path / "m2")]) == 0
    assert "missing between them" not in capsys.readouterr().err


def test_two_digit_years_read_in_the_future_are_said_to_be(tmp_path):
    # 'Jan-49' was read as January 2049, with no word but the dates in the "Read" line.
    from tsforecast._cli.table_reader import read_table

    table = tmp_path / "yy.csv"
    pd.DataFrame({"month": ["Jan-49", "Feb-49", "Mar-49"], "v": [1.0, 2.0, 3.0]}).to_csv(
        table, index=False
    )
    said = r"'Jan-49' have two-digit years, read as 2049 \(3 stamp\(s\) in the future\). If they"
    with pytest.warns(UserWarning, match=said + r" are 1949, write the years"):
        read_table(str(table), time_col="month")
    pd.DataFrame({"month": ["Jan-2049", "Feb-2049"], "v": [1.0, 2.0]}).to_csv(table, index=False)
    with warnings.catch_warnings():  # four digits: meant as written
        warnings.simplefilter("error")
        assert read_table(str(table), time_col="month").local_time[0].year == 2049


def test_backtest_reports_every_interval_its_quantiles_make(visnights, tmp_path, capsys):
    # --quantiles 0.05,0.95 printed no coverage at all: only 80% intervals were reported.
    one = visnights[visnights["region"] == "QLDMetro"].drop(columns="region")
    table = tmp_path / "one.csv"
    one.to_csv(table, index=False)
    argv = ["backtest", str(table), "--kind", "table", "--time-col", "quarter", "--steps", "2",
            "--start", "-8", *FLAGS]  # fmt: skip
    assert main([*argv, "--quantiles", "0.05,0.5,0.95"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^90% intervals: [\d.]+% of the truths inside", out, re.M)
    assert "80% intervals" not in out
    assert main([*argv, "--quantiles", "0.05,0.1,0.5,0.9,0.95"]) == 0
    out = capsys.readouterr().out
    assert out.index("90% intervals:") < out.index("80% intervals:")
