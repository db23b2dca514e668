"""The command line: demos on the embedded data, fit, predict and backtest from files."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import warnings
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest

from tsforecast import LSTMForecaster
from tsforecast.cli import main
from tsforecast.datasets import data_path, load_air_passengers, load_weather
from tsforecast.metrics import mase

from .short_training import EPOCHS, short


def table_row(out: str, name: str) -> list[float]:
    line = next(line for line in out.splitlines() if line.strip().startswith(name))
    return [float(value) for value in line[len(line.split(name)[0]) + len(name) :].split()]


def is_png(path) -> bool:
    return path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


DEMO_TABLES = {
    "weather": ("8760 hours x 21 features", ["persistence", "seasonal naive (24 hours)"], 24),
    "speech": ("3859 frames x 14 features", ["persistence"], 10),
    "ehr": ("312 patients, 1945 visits", ["persistence"], None),
}


@pytest.mark.slow
@pytest.mark.parametrize("data", list(DEMO_TABLES))
def test_demo_prints_its_table_and_writes_its_plots(data, tmp_path, capsys, monkeypatch):
    """Each demo runs to the end, with training cut to a few epochs.

    What the demos' fully trained models score (better than the naive forecasts, 80%
    intervals holding 75% to 85% of the test values) is the benchmark command's:
    ``python benchmarks/check.py demo``.
    """
    monkeypatch.setattr(LSTMForecaster, "fit", short(LSTMForecaster.fit))
    argv = ["demo", "--data", data, "--out", str(tmp_path), "--quiet", "--budget", "1e6"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    shape, baselines, steps = DEMO_TABLES[data]
    if data == "weather":  # scored on one column: the others' dips below 0 are not said
        assert "fall below 0" not in err
    assert shape in out
    assert f"Trained {EPOCHS} epochs" in out
    for name in ["LSTMForecaster", *baselines]:  # 1 step and more; PBC: all, and bilirubin
        assert len(table_row(out, name)) == 2, name
    if steps is not None:
        inside = re.search(
            rf"80% intervals: ([\d.]+)% .* at 1 step, ([\d.]+)% at {steps} steps", out
        )
        assert inside and all(0 <= float(share) <= 100 for share in inside.groups())
    assert is_png(tmp_path / f"tsforecast-demo-{data}.png")
    assert is_png(tmp_path / f"tsforecast-demo-{data}-history.png")


def test_fit_and_predict_weather_files(tmp_path, capsys):
    model_dir = tmp_path / "model"
    code = main([
        "fit", str(data_path("tmy3_723170_greensboro.csv")), "--kind", "weather",
        "--columns", "Dry-bulb (C),RHum (%)", "--max-epochs", "3", "--context-length", "24",
        "--random-state", "0", "--out", str(model_dir), "--quiet",
    ])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "Model saved to" in out
    verdict = re.search(r"On the validation data the model (.*) persistence .*\(MAE ([\d.]+) "
                        r"against ([\d.]+) for persistence", out)  # fmt: skip
    assert verdict, out
    ours, naive = float(verdict.group(2)), float(verdict.group(3))
    assert ("does NOT beat" in verdict.group(1)) == (ours >= naive)  # one line, consistent
    assert (model_dir / "adapter.json").is_file()
    out_csv = tmp_path / "forecast.csv"
    code = main([
        "predict", str(model_dir), str(data_path("tmy3_723170_greensboro.csv")),
        "--steps", "24", "--out", str(out_csv),
    ])  # fmt: skip
    assert code == 0
    forecast = pd.read_csv(out_csv)
    assert list(forecast.columns) == ["time", "Dry-bulb (C)", "RHum (%)"]
    assert len(forecast) == 24
    assert forecast["time"].iloc[0].startswith("2002-01-01 01:00:00-05:00")
    # --out - piped to a reader that stops early (| head): no error, the pipe's exit code
    read_end, write_end = os.pipe()
    os.close(read_end)

    class ClosedPipe(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def fileno(self):
            return write_end

    predict = ["predict", str(model_dir), str(data_path("tmy3_723170_greensboro.csv")),
               "--steps", "24", "--out", "-"]  # fmt: skip
    capsys.readouterr()
    with mock.patch.object(sys, "stdout", ClosedPipe()):
        assert main(predict) == 141
    assert capsys.readouterr().err == ""
    assert os.write(write_end, b"more") == 4  # the descriptor now leads to os.devnull
    os.close(write_end)


def test_fit_and_predict_patient_files(tmp_path):
    model_dir = tmp_path / "pbc-model"
    code = main([
        "fit", str(data_path("pbcseq.csv")), "--kind", "ehr", "--id-col", "id",
        "--time-col", "day", "--columns", "bili,albumin", "--max-epochs", "2",
        "--out", str(model_dir), "--quiet",
    ])  # fmt: skip
    assert code == 0
    saved = LSTMForecaster.load(model_dir)  # --context-length left out: "auto", as in Python
    assert saved.context_length == "auto" and saved.context_length_ == 16  # short, no season
    out_csv = tmp_path / "next.csv"
    code = main([
        "predict", str(model_dir), str(data_path("pbcseq.csv")), "--steps", "2",
        "--out", str(out_csv),
    ])  # fmt: skip
    assert code == 0
    forecast = pd.read_csv(out_csv)
    assert list(forecast.columns) == ["id", "day", "bili", "albumin", "time_since_previous"]
    assert len(forecast) == 312 * 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--context-length", "0", "--no-plot"],
         "tsforecast demo: error: LSTMForecaster: context_length must be an integer >= 1; got 0."),
        (["fit", "missing.csv", "--kind", "weather", "--out", "m"],
         "tsforecast fit: error: read_weather: no file at 'missing.csv'"),
        (["fit", "missing.csv", "--kind", "table", "--time-col", "t", "--out", "m"],
         "tsforecast fit: error: --kind table: no file at 'missing.csv' (working directory: "),
        (["fit", "x.csv", "--kind", "ehr", "--out", "m"],
         "tsforecast fit: error: --kind ehr needs --id-col and --time-col."),
        (["predict", "no-model", "x.csv", "--steps", "2", "--out", "f.csv"],
         "tsforecast predict: error: 'no-model' has no adapter.json"),
    ],
)  # fmt: skip
def test_errors_are_one_line_with_a_non_zero_exit(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(message) and "\n" not in err
    assert "DataFrame" not in err  # advice a command line cannot follow


def installed_script() -> str:
    """Return the ``tsforecast`` console script installed with this interpreter's environment.

    Looked for beside the interpreter (a virtual environment's ``bin/`` or ``Scripts/``) and in
    the environment's scripts folder, so found whether or not the environment is activated
    (on PATH); PATH is the last resort.
    """
    folders = [Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))]
    for folder in folders:
        for name in ("tsforecast", "tsforecast.exe"):
            if (folder / name).is_file():
                return str(folder / name)
    found = shutil.which("tsforecast")
    assert found, f"no tsforecast script in {[str(folder) for folder in folders]} or on PATH"
    return found


@pytest.mark.parametrize("sub", ["demo", "fit", "predict", "backtest"])
def test_every_command_shows_its_help(sub, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([sub, "--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: tsforecast {sub}")


def test_context_length_is_auto_or_a_number(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["fit", "x.csv", "--kind", "weather", "--out", "m", "--context-length", "long"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err == (
        "tsforecast fit: error: argument --context-length: expected 'auto' or an integer, got "
        "'long' (see tsforecast fit --help)\n"
    )  # one line, as every failure: not argparse's usage block before it


def test_values_starting_with_a_dash_are_read_as_values(capsys):
    # argparse reads "-5,5" as a flag ("expected one argument") unless glued with "="
    argv = ["fit", "--kind", "table", "--out", "m", "--print-config"]
    assert main([*argv, "--bounds", "-5,5", "--na-values", "-,n/a", "--target", "-x"]) == 0
    out = capsys.readouterr().out
    assert '"bounds": [\n    -5.0,\n    5.0\n  ]' in out and '"na_values": "-,n/a"' in out
    assert '"target": "-x"' in out
    with pytest.raises(SystemExit):  # a flag of the command stays a flag
        main(["fit", "--kind", "table", "--out", "--quiet"])
    assert "argument --out: expected one argument" in capsys.readouterr().err


@pytest.mark.slow
def test_entry_points_show_help():
    """The console script and ``python -m tsforecast``, each a process of its own (side by side)."""
    commands = {"fit": [installed_script()], "predict": [sys.executable, "-m", "tsforecast"]}
    runs = {
        sub: subprocess.Popen([*command, sub, "--help"], stdout=subprocess.PIPE, text=True)
        for sub, command in commands.items()
    }
    for sub, run in runs.items():
        assert run.communicate(timeout=600)[0].startswith(f"usage: tsforecast {sub}")
        assert run.returncode == 0


def test_single_visit_patients_do_not_stop_the_forecast(tmp_path):
    visits = pd.DataFrame(
        {
            "id": ["a"] * 6 + ["b"],
            "date": [f"2024-01-0{day}" for day in range(1, 7)] + ["2024-02-01"],
            "conc": [1.0, 2, 3, 2, 1, 2, 5],
        }
    )
    visits.to_csv(tmp_path / "visits.csv", index=False)
    argv = ["fit", str(tmp_path / "visits.csv"), "--kind", "ehr", "--id-col", "id",
            "--time-col", "date", "--max-epochs", "1", "--context-length", "4",
            "--hidden-size", "4", "--out", str(tmp_path / "model"), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    out = tmp_path / "next.csv"
    argv = ["predict", str(tmp_path / "model"), str(tmp_path / "visits.csv"), "--steps", "2",
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    forecast = pd.read_csv(out)
    assert forecast["id"].tolist() == ["a", "a", "b", "b"]  # the file's own column names
    assert forecast["date"].tolist()[2:] == ["2024-02-02", "2024-02-03"]


def test_fit_and_predict_a_wav_file(tmp_path):
    pytest.importorskip("librosa")
    argv = ["fit", str(data_path("speech_en_us.wav")), "--kind", "audio", "--max-epochs", "1",
            "--context-length", "8", "--hidden-size", "4", "--out", str(tmp_path / "m"),
            "--quiet"]  # fmt: skip
    assert main(argv) == 0
    argv = ["predict", str(tmp_path / "m"), str(data_path("speech_en_us.wav")), "--steps", "3",
            "--out", str(tmp_path / "f.csv")]  # fmt: skip
    assert main(argv) == 0
    forecast = pd.read_csv(tmp_path / "f.csv")
    assert len(forecast) == 3 and "mfcc_0" in forecast.columns


def test_decimal_commas_from_the_command_line(tmp_path):
    rows = "\n".join(f"2024-01-{day:02d};{day},5" for day in range(1, 29))
    (tmp_path / "semi.csv").write_text("date;temp\n" + rows + "\n")
    argv = ["fit", str(tmp_path / "semi.csv"), "--kind", "weather", "--decimal", ",",
            "--max-epochs", "1", "--context-length", "4", "--hidden-size", "4",
            "--out", str(tmp_path / "model"), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    out = tmp_path / "f.csv"
    argv = ["predict", str(tmp_path / "model"), str(tmp_path / "semi.csv"), "--steps", "1",
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0 and len(pd.read_csv(out)) == 1


@pytest.mark.parametrize("dataset", ["weather", "seattle-weather", "speech", "pbc", "quinidine"])
def test_backtest_prints_the_metric_table_on_every_shipped_dataset(dataset, capsys):
    steps = "6" if dataset == "weather" else "1"
    # The long series from their last origins only (the default start, 0.8, on the others):
    # the intervals of each origin adapt along the 1,000 rows before it.
    start = {"weather": ["--start", "-60"], "speech": ["--start", "-100"]}.get(dataset, [])
    argv = ["backtest", dataset, "--steps", steps, "--max-epochs", "2", "--context-length", "8",
            "--hidden-size", "8", *start]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    model, naive = table_row(out, "LSTMForecaster"), table_row(out, "persistence")
    assert len(model) == int(steps) + 2 == len(naive)  # per step, all, MASE
    ratio = table_row(out, "ratio to persistence")
    assert ratio[-1] == pytest.approx(model[-2] / naive[-2], rel=2e-3)
    assert re.search(r"80% intervals: [\d.]+% of the truths inside", out)
    if dataset == "weather":
        assert table_row(out, "seasonal naive (24)")
        assert "MASE (m=24)" in out  # scaled as metrics.mase with that season


def test_backtest_hides_only_the_pooled_losing_warnings_its_table_repeats(monkeypatch, capsys):
    """The table shows a pooled loss; a per-series loss or a diverging forecast still warns."""
    import tsforecast

    said = [
        "LSTMForecaster: on the validation data the network does not beat the best naive",
        "LSTMForecaster: on the validation rows the forecasts (the network's, moved 0.5",
        "LSTMForecaster: on their own validation rows, 1 of 2 series' forecasts err over",
        "backtest: forecasts from 3 origins ran out of the range",
    ]
    real = tsforecast.backtest

    def warning_backtest(model, *args, **kwargs):
        for message in said if isinstance(model, LSTMForecaster) else []:
            warnings.warn(message, RuntimeWarning, stacklevel=2)
        return real(model, *args, **kwargs)

    monkeypatch.setattr(tsforecast, "backtest", warning_backtest)
    argv = ["backtest", "quinidine", "--steps", "1", "--max-epochs", "1", "--hidden-size", "4"]
    assert main(argv) == 0
    shown = capsys.readouterr().err  # warnings are printed one per line
    assert said[2] in shown and said[3] in shown
    assert said[0] not in shown and said[1] not in shown


def test_backtest_of_a_table_and_a_saved_model(tmp_path, capsys):
    model_dir = tmp_path / "model"
    table = str(data_path("tmy3_723170_greensboro.csv"))
    assert main(["fit", table, "--kind", "weather", "--columns", "Dry-bulb (C)",
                 "--max-epochs", "2", "--context-length", "8", "--out", str(model_dir),
                 "--quiet"]) == 0  # fmt: skip
    capsys.readouterr()
    argv = ["backtest", table, "--kind", "weather", "--columns", "Dry-bulb (C)",
            "--model", str(model_dir), "--steps", "3", "--start", "-30"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "10 origins from start=-30 every 3 rows" in out
    written = tmp_path / "frame.csv"  # MASE scaled by the season, as metrics.mase of the frame
    assert main([*argv, "--season", "4", "--out", str(written)]) == 0
    out = capsys.readouterr().out
    assert "seasonal naive (4)" in out and "MASE (m=4)" in out
    assert table_row(out, "LSTMForecaster")[-1] == pytest.approx(mase(pd.read_csv(written)), 2e-3)
    assert main(["backtest", "nowhere.csv"]) == 2
    assert "not a shipped dataset" in capsys.readouterr().err


def test_a_fit_with_roles_forecasts_as_the_python_call_does(tmp_path, capsys):
    """Roles, horizon, quantiles and bounds from the command line: the Python model, exactly."""
    from tsforecast.datasets import load_quinidine, load_weather

    roles = [
        "--target",
        "conc",
        "--future-covariates",
        "dose",
        "--static-covariates",
        "Height,Race=Black,Race=Caucasian,Race=Latin,Ethanol=current,Ethanol=former,Ethanol=none",
        "--horizon",
        "6",
        "--quantiles",
        "0.1,0.5,0.9",
        "--bounds",
        "0,",
        "--max-epochs",
        "3",
        "--hidden-size",
        "8",
        "--random-state",
        "0",
        "--quiet",
    ]
    code = main(["fit", str(data_path("quinidine.csv")), "--kind", "ehr", "--id-col", "Subject",
                 "--time-col", "time", "--columns", "conc,dose,glyco", "--static-cols",
                 "Height,Race,Ethanol", "--event-cols", "dose", "--out", str(tmp_path / "q"),
                 *roles])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    by_cli = LSTMForecaster.load(tmp_path / "q")
    data = load_quinidine()
    static = [name for name in data.features if name.startswith(("Height", "Race", "Ethanol"))]
    by_python = LSTMForecaster(
        target="conc", future_covariates=["dose"], static_covariates=static, horizon=6,
        quantiles=(0.1, 0.5, 0.9), bounds=(0, None), max_epochs=3, hidden_size=8,
        random_state=0,
    ).fit(data)  # fmt: skip
    assert by_cli.get_params() == {**by_python.get_params(), "verbose": 0}  # tuples stay tuples
    doses = np.zeros((data.n_series, 4, 1))
    np.testing.assert_allclose(
        by_cli.forecast(data, 4, future=doses, quantiles=True),
        by_python.forecast(data, 4, future=doses, quantiles=True), rtol=1e-5, atol=1e-6,
    )  # fmt: skip
    # The hourly weather, the temperature forecast from the other columns, to a CSV.
    code = main(["fit", str(data_path("tmy3_723170_greensboro.csv")), "--kind", "weather",
                 "--target", "Dry-bulb (C)", "--max-epochs", "3", "--hidden-size", "8",
                 "--random-state", "0", "--quiet", "--out", str(tmp_path / "w")])  # fmt: skip
    assert code == 0
    code = main(["predict", str(tmp_path / "w"), str(data_path("tmy3_723170_greensboro.csv")),
                 "--steps", "6", "--quantiles", "--out", str(tmp_path / "w.csv")])  # fmt: skip
    assert code == 0
    written = pd.read_csv(tmp_path / "w.csv")
    assert list(written.columns) == [
        "time", "Dry-bulb (C)_q0.1", "Dry-bulb (C)_q0.5", "Dry-bulb (C)_q0.9"
    ]  # fmt: skip
    weather = load_weather()
    expected = (
        LSTMForecaster(target="Dry-bulb (C)", max_epochs=3, hidden_size=8, random_state=0)
        .fit(weather)
        .forecast(weather, 6, quantiles=True)
    )
    np.testing.assert_allclose(written.iloc[:, 1:].to_numpy(), expected.to_numpy(), rtol=1e-5)


def test_a_refusal_advises_only_parameters_the_command_has_flags_for(tmp_path, capsys):
    argv = ["backtest", "weather", "--target", "Dry-bulb (C)", "--steps", "48", "--max-epochs",
            "1", "--hidden-size", "4"]  # fmt: skip
    assert main(argv) == 2
    message = capsys.readouterr().err
    advised = set(re.findall(r"\b([a-z_]+)=", message.split("error:", 1)[1]))
    assert {"horizon", "target"} <= advised, message
    with pytest.raises(SystemExit):
        main(["backtest", "--help"])
    flags = capsys.readouterr().out
    for name in advised - {"steps", "horizon_"}:  # what was given, and a fitted attribute
        assert f"--{name.replace('_', '-')}" in flags, name
    out = tmp_path / "frame.parquet"
    assert main(["backtest", "seattle-weather", "--target", "temp_max", "--steps", "2",
                 "--max-epochs", "1", "--hidden-size", "4", "--out", str(out)]) == 0  # fmt: skip
    frame = pd.read_parquet(out)
    assert {"origin", "step", "truth", "forecast", "q0.1", "q0.9"} <= set(frame.columns)
    assert main(["backtest", "seattle-weather", "--out", str(tmp_path / "frame.txt")]) == 2
    assert "name a .csv or .parquet file" in capsys.readouterr().err


def test_a_printed_config_repeats_the_run(tmp_path, capsys):
    weather = str(data_path("tmy3_723170_greensboro.csv"))
    flags = ["--kind", "weather", "--target", "Dry-bulb (C)", "--bounds=-40,", "--quantiles",
             "0.1,0.9", "--max-epochs", "2", "--hidden-size", "4", "--random-state", "0",
             "--quiet", "--out", str(tmp_path / "first")]  # fmt: skip
    assert main(["fit", weather, *flags, "--print-config"]) == 0
    config = tmp_path / "run.json"
    config.write_text(capsys.readouterr().out)
    assert not (tmp_path / "first").exists()  # printed, nothing fitted
    assert main(["fit", weather, *flags]) == 0
    again = ["fit", weather, "--config", str(config), "--out", str(tmp_path / "again")]
    assert main(again) == 0  # --kind and the rest from the file; --out from the command line
    first, repeated = (LSTMForecaster.load(tmp_path / name) for name in ("first", "again"))
    assert repeated.get_params() == first.get_params()
    np.testing.assert_array_equal(repeated.forecast(load_weather(), 3), first.forecast(
        load_weather(), 3))  # fmt: skip
    config.write_text('{"targett": "x"}')
    assert main(["fit", weather, "--kind", "weather", "--out", "m", "--config", str(config)]) == 2
    assert "['targett'] are not settings of tsforecast fit" in capsys.readouterr().err


def test_config_values_are_read_as_their_flags_read_them(tmp_path, capsys):
    weather = str(data_path("tmy3_723170_greensboro.csv"))
    assert main(["fit", "--kind", "weather", "--out", "m", "--quantiles", "None",
                 "--print-config"]) == 0  # no data needed to print; None as none  # fmt: skip
    assert '"quantiles": null' in capsys.readouterr().out
    for settings, said in (
        ('{"overwrite": "false"}', "--overwrite takes true or false"),
        ('{"kind": "weathr"}', "--kind must be one of"),
        ('{"horizon": "soon"}', "--horizon: expected 'auto' or an integer"),
    ):
        config = tmp_path / "run.json"
        config.write_text(settings)
        argv = ["fit", weather, "--kind", "weather", "--out", "m", "--config", str(config)]
        assert main(argv) == 2
        assert said in capsys.readouterr().err
    assert main(["fit", "--kind", "weather", "--out", str(tmp_path / "m")]) == 2
    assert "fit needs the file to read" in capsys.readouterr().err


def test_a_saved_model_is_not_given_model_flags(tmp_path, capsys):
    assert main(["fit", str(data_path("tmy3_723170_greensboro.csv")), "--kind", "weather",
                 "--target", "Dry-bulb (C)", "--max-epochs", "1", "--hidden-size", "4",
                 "--quiet", "--out", str(tmp_path / "m")]) == 0  # fmt: skip
    argv = ["backtest", "weather", "--model", str(tmp_path / "m"), "--horizon", "48"]
    assert main(argv) == 2
    assert "--model forecasts with the saved model as it was fitted; ['--horizon']" in (
        capsys.readouterr().err
    )


def test_target_transform_flag_takes_one_name_or_a_list(capsys):
    argv = ["fit", "--kind", "weather", "--out", "m", "--print-config"]
    assert main([*argv, "--target-transform", "seasonal_difference,log"]) == 0
    assert '"seasonal_difference",\n    "log"' in capsys.readouterr().out
    assert main([*argv, "--target-transform", "none"]) == 0
    assert '"target_transform": "none"' in capsys.readouterr().out


def test_a_combination_of_transforms_is_fitted_saved_and_said(tmp_path, capsys):
    model_dir, weather = tmp_path / "model", str(data_path("tmy3_723170_greensboro.csv"))
    assert main([
        "fit", weather, "--kind", "weather", "--columns", "RHum (%)", "--max-epochs", "2",
        "--context-length", "24", "--target-transform", "seasonal_difference,difference",
        "--random-state", "0", "--out", str(model_dir), "--quiet",
    ]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert re.search(r"Forecasts are the median of 2 models, one per target transform "
                     r"\((seasonal_difference, difference|difference, seasonal_difference)\)",
                     out), out  # fmt: skip
    assert (model_dir / "transform_members" / "0" / "weights.pt").is_file()
    out_csv = tmp_path / "forecast.csv"
    assert main(["predict", str(model_dir), weather, "--steps", "6", "--out", str(out_csv)]) == 0
    assert len(pd.read_csv(out_csv)) == 6


def test_forecasts_past_the_checked_steps_are_warned_about_in_flags(tmp_path, capsys):
    # 48 months, horizon "auto" (24): the validation rows check steps 1-10, so fit says
    # nothing, and a 24-step forecast names the rest with the flags that check them.
    table = tmp_path / "passengers.csv"
    load_air_passengers().to_frame().iloc[:48].to_csv(table)
    model_dir = tmp_path / "model"
    assert main(["fit", str(table), "--kind", "table", "--time-col", "month", "--max-epochs",
                 "2", "--hidden-size", "4", "--random-state", "0", "--out", str(model_dir),
                 "--quiet"]) == 0  # fmt: skip
    assert "validation row" not in capsys.readouterr().err
    out = tmp_path / "forecast.csv"
    assert main(["predict", str(model_dir), str(table), "--steps", "24", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: LSTMForecaster.forecast: steps 11 to 24 of these 24-step" in err, err
    assert "(a larger --validation-fraction at fit), or forecast --steps 10." in err
    assert main(["predict", str(model_dir), str(table), "--steps", "3", "--out", "-"]) == 0
    printed = capsys.readouterr().out  # "-": the table on stdout, nothing else
    assert printed.splitlines()[0] == "month,passengers"
    assert len(printed.splitlines()) == 4 and not Path("-").exists()
    argv = ["fit", "--kind", "weather", "--out", "m", "--print-config"]
    assert main([*argv, "--validation-fraction", "0.4"]) == 0
    assert '"validation_fraction": 0.4' in capsys.readouterr().out
