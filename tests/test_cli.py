"""The command line: demos on the embedded data, fit and predict from files, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from tsforecast.cli import main
from tsforecast.datasets import data_path


def table_row(out: str, name: str) -> list[float]:
    line = next(line for line in out.splitlines() if line.strip().startswith(name))
    return [float(value) for value in line[len(line.split(name)[0]) + len(name) :].split()]


def is_png(path) -> bool:
    return path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_weather_demo_beats_naive_forecasts_and_writes_plots(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "8760 hours x 21 features" in out
    model = table_row(out, "LSTMForecaster")
    persistence = table_row(out, "persistence")
    seasonal = table_row(out, "seasonal naive (24 hours)")
    assert model[0] < persistence[0]  # one step
    assert model[1] < min(persistence[1], seasonal[1])  # 24 steps
    assert is_png(tmp_path / "tsforecast-demo-weather.png")
    assert is_png(tmp_path / "tsforecast-demo-weather-history.png")


@pytest.mark.slow
@pytest.mark.parametrize("data", ["speech", "ehr"])
def test_other_demos(data, tmp_path, capsys):
    assert main(["demo", "--data", data, "--out", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    model, persistence = table_row(out, "LSTMForecaster"), table_row(out, "persistence")
    assert model[0] < persistence[0]
    assert is_png(tmp_path / f"tsforecast-demo-{data}.png")


def test_fit_and_predict_weather_files(tmp_path, capsys):
    model_dir = tmp_path / "model"
    code = main([
        "fit", str(data_path("tmy3_723170_greensboro.csv")), "--kind", "weather",
        "--columns", "Dry-bulb (C),RHum (%)", "--max-epochs", "3", "--context-length", "24",
        "--random-state", "0", "--out", str(model_dir), "--quiet",
    ])  # fmt: skip
    assert code == 0
    assert "Model saved to" in capsys.readouterr().out
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


def test_fit_and_predict_patient_files(tmp_path):
    model_dir = tmp_path / "pbc-model"
    code = main([
        "fit", str(data_path("pbcseq.csv")), "--kind", "ehr", "--id-col", "id",
        "--time-col", "day", "--columns", "bili,albumin", "--max-epochs", "2",
        "--out", str(model_dir), "--quiet",
    ])  # fmt: skip
    assert code == 0
    out_csv = tmp_path / "next.csv"
    code = main([
        "predict", str(model_dir), str(data_path("pbcseq.csv")), "--steps", "2",
        "--out", str(out_csv),
    ])  # fmt: skip
    assert code == 0
    forecast = pd.read_csv(out_csv)
    assert list(forecast.columns) == ["group", "step", "bili", "albumin", "time_since_previous"]
    assert len(forecast) == 312 * 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--context-length", "0", "--no-plot"],
         "tsforecast demo: error: LSTMForecaster: context_length must be an integer >= 1; got 0."),
        (["fit", "missing.csv", "--kind", "weather", "--out", "m"],
         "tsforecast fit: error: read_weather: no file at 'missing.csv'"),
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


@pytest.mark.slow
def test_entry_points_show_help():
    for command in (["tsforecast"], [sys.executable, "-m", "tsforecast"]):
        for sub in ("demo", "fit", "predict"):
            completed = subprocess.run(
                [*command, sub, "--help"], capture_output=True, text=True, check=True
            )
            assert "usage: tsforecast" in completed.stdout
