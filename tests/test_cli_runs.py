"""The command line: monthly tables, configs printed without --out, targets in other units."""

import json
import re

import pandas as pd
import pytest

from tsforecast.cli import main
from tsforecast.datasets import data_path


def test_fit_and_predict_a_monthly_table(tmp_path):
    # Seattle's weather as monthly means: read as months, forecast at the next month starts.
    daily = pd.read_csv(data_path("seattle-weather.csv"), parse_dates=["date"])
    monthly = daily.set_index("date")[["temp_max"]].resample("MS").mean()
    table = tmp_path / "monthly.csv"
    monthly.rename_axis("time").to_csv(table)
    model_dir, out_csv = tmp_path / "model", tmp_path / "forecast.csv"
    fitted = ["fit", str(table), "--kind", "weather", "--max-epochs", "2", "--random-state",
              "0", "--out", str(model_dir), "--quiet"]  # fmt: skip
    assert main(fitted) == 0
    assert main(["predict", str(model_dir), str(table), "--steps", "3", "--out", str(out_csv)]) == 0
    forecast = pd.read_csv(out_csv)
    assert forecast["time"].tolist() == ["2016-01-01", "2016-02-01", "2016-03-01"]


def test_a_config_is_printed_without_out_and_repeated_with_it(tmp_path, capsys):
    # The guide's `fit ... --print-config > run.json` stopped at "the following arguments
    # are required: --out", leaving run.json empty.
    seattle = str(data_path("seattle-weather.csv"))
    flags = ["--kind", "weather", "--columns", "temp_max", "--max-epochs", "2", "--quiet"]
    assert main(["fit", seattle, *flags, "--print-config"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["out"] is None and printed["max_epochs"] == 2
    config = tmp_path / "run.json"
    config.write_text(json.dumps(printed))
    assert main(["fit", seattle, "--config", str(config), "--out", str(tmp_path / "m")]) == 0
    with pytest.raises(SystemExit):  # fitting needs --out: argparse says so, before fitting
        main(["fit", seattle, "--config", str(config)])
    assert "the following arguments are required: --out" in capsys.readouterr().err


def test_backtest_scores_each_target_in_its_own_units(capsys):
    # Bilirubin (mg/dl), albumin (g/dl) and days between visits were pooled in one MAE, which
    # the days then made: a model that barely beat persistence on the labs read 0.25 of it.
    argv = ["backtest", str(data_path("pbcseq.csv")), "--kind", "ehr", "--id-col", "id",
            "--time-col", "day", "--columns", "bili,albumin", "--steps", "2", "--start", "0.7",
            "--max-epochs", "1", "--hidden-size", "4", "--context-length", "4"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    heads = re.findall(r"^  MAE of '([^']+)'", out, flags=re.M)
    assert heads == ["bili", "albumin", "time_since_previous"]
    assert out.count("ratio to persistence") == 3
    assert re.search(r"by target: 'bili' [\d.]+% \(mean width [\d.]+\), 'albumin'", out)
    assert "time=0.0..5152.0" in out  # the header spans every patient's visits


def test_long_gaps_of_a_table_are_read_with_the_flags_the_message_names(tmp_path, capsys):
    # The refusal advised long_gaps='warn' or a larger max_gap, which the command line had no
    # flags for: a weekly table with 18 weeks missing could not be read at all.
    daily = pd.read_csv(data_path("seattle-weather.csv"), parse_dates=["date"])
    weekly = daily.set_index("date")[["temp_max"]].resample("W").mean()
    table = tmp_path / "weekly.csv"
    weekly.drop(weekly.index[100:118]).rename_axis("time").to_csv(table)
    flags = ["--kind", "weather", "--max-epochs", "1", "--hidden-size", "4", "--quiet"]
    assert main(["fit", str(table), *flags, "--out", str(tmp_path / "a")]) == 2
    said = capsys.readouterr().err
    assert "Pass --long-gaps warn to interpolate them anyway" in said
    assert "a larger --max-gap" in said and "with --columns" in said
    assert main(["fit", str(table), *flags, "--max-gap", "20", "--out", str(tmp_path / "b")]) == 0
    assert (
        main(["fit", str(table), *flags, "--long-gaps", "warn", "--out", str(tmp_path / "c")]) == 0
    )
    out = tmp_path / "forecast.csv"
    assert (
        main(["predict", str(tmp_path / "c"), str(table), "--steps", "2", "--out", str(out)]) == 0
    )
    assert "interpolated 1 gap(s) longer than max_gap=3" in capsys.readouterr().err  # as fitted
    assert len(pd.read_csv(out)) == 2
    assert main(["fit", str(table), "--kind", "audio", "--max-gap", "5", "--out", "x"]) == 2
    assert "--max-gap is for --kind weather only" in capsys.readouterr().err


def test_static_columns_of_an_ehr_table_are_static_covariates(tmp_path, capsys):
    # --static-cols sex gave the columns sex=f and sex=m, then forecast visit by visit as
    # targets beside the labs (the shipped quinidine's backtest forecast 'Race=Black'...).
    from tsforecast import LSTMForecaster

    argv = ["fit", str(data_path("pbcseq.csv")), "--kind", "ehr", "--id-col", "id",
            "--time-col", "day", "--columns", "bili,albumin", "--static-cols", "sex",
            "--max-epochs", "1", "--hidden-size", "4", "--quiet"]  # fmt: skip
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    assert "Static covariates (the table's static columns): ['sex=f', 'sex=m']" in (
        capsys.readouterr().out
    )
    model = LSTMForecaster.load(tmp_path / "a")
    assert model.target_names_ == ["bili", "albumin", "time_since_previous"]
    given = [*argv, "--static-covariates", "sex=f", "--out", str(tmp_path / "b")]
    assert main(given) == 0  # roles as given, and the others forecast (sex=m too)
    assert LSTMForecaster.load(tmp_path / "b").target_names_[-1] == "sex=m"


def test_static_columns_keep_the_roles_given_to_them():
    from types import SimpleNamespace

    from tsforecast._cli.model_options import adapter_roles

    data = SimpleNamespace(
        metadata={"static": ["age", "sex"]}, features=("bili", "age", "sex=f", "sex=m")
    )
    assert adapter_roles({"static_covariates": None}, data)["static_covariates"] == [
        "age", "sex=f", "sex=m"
    ]  # fmt: skip
    # a column named a future covariate (or a target) is not also made static
    roles = adapter_roles({"static_covariates": None, "future_covariates": ["age"]}, data)
    assert roles["static_covariates"] == ["sex=f", "sex=m"]
    assert adapter_roles({"static_covariates": ["age"]}, data)["static_covariates"] == ["age"]


def test_ratio_to_a_persistence_without_error():
    from tsforecast._cli.backtest import _ratio

    assert (_ratio(0.0, 0.0), _ratio(0.5, 0.0), _ratio(1.0, 4.0)) == ("-", "inf", "0.250")


def test_seasonal_average_flag_is_read_fitted_and_said(tmp_path, capsys):
    argv = ["fit", "--kind", "weather", "--out", "m", "--print-config"]
    assert main([*argv, "--seasonal-average", "0.5"]) == 0
    assert '"seasonal_average": 0.5' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([*argv, "--seasonal-average", "half"])
    assert "expected 'auto' or a number, got 'half'" in capsys.readouterr().err
    table = tmp_path / "days.csv"  # 400 days: a short daily series, its season a week
    pd.read_csv(data_path("seattle-weather.csv"))[["date", "temp_max"]][:400].to_csv(
        table, index=False
    )
    assert main([
        "fit", str(table), "--kind", "weather", "--max-epochs", "2", "--random-state", "0",
        "--seasonal-average", "0.5", "--out", str(tmp_path / "model"), "--quiet",
    ]) == 0  # fmt: skip
    said = capsys.readouterr().out
    assert "Forecasts move 0.5 of the way to the seasonal average" in said
    assert "so the comparison above is the network's alone" in said
