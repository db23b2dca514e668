"""The command line's failures: one line on standard error, exit status 2, nothing written."""

from __future__ import annotations

import pandas as pd
import pytest

from tsforecast.cli import main
from tsforecast.datasets import data_path


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Return a folder with a small weather table and a model fitted on it by the CLI."""
    folder = tmp_path_factory.mktemp("cli")
    table = pd.read_csv(data_path("seattle-weather.csv"))[["date", "temp_max", "wind"]][:200]
    table.to_csv(folder / "daily.csv", index=False)
    code = main([
        "fit", str(folder / "daily.csv"), "--kind", "weather", "--max-epochs", "1",
        "--context-length", "8", "--hidden-size", "4", "--random-state", "0",
        "--out", str(folder / "model"), "--quiet",
    ])  # fmt: skip
    assert code == 0
    (folder / "afile").write_text("not a folder")
    return folder


def damaged_copy(small, name, text):
    import shutil

    copy = small / f"damaged-{name}"
    if not copy.exists():
        shutil.copytree(small / "model", copy)
    (copy / name).write_text(text)
    return str(copy)


BAD_INVOCATIONS = {
    "fit: out under a file": (
        ["fit", "{d}/daily.csv", "--kind", "weather", "--out", "{d}/afile/model"],
        "tsforecast fit: error: cannot write the model in '{d}/afile'",
    ),
    "fit: out exists": (
        ["fit", "{d}/daily.csv", "--kind", "weather", "--out", "{d}/model"],
        "tsforecast fit: error: --out '{d}/model' already exists; pass --overwrite",
    ),
    "fit: out holds other files": (
        ["fit", "{d}/daily.csv", "--kind", "weather", "--out", "{d}", "--overwrite"],
        "tsforecast fit: error: --out '{d}' holds other files than a saved model",
    ),
    "fit: out is a file": (
        ["fit", "{d}/daily.csv", "--kind", "weather", "--out", "{d}/afile"],
        "tsforecast fit: error: --out '{d}/afile' is a file",
    ),
    "fit: text column": (
        ["fit", "{d}/daily.csv", "--kind", "ehr", "--id-col", "wind", "--time-col", "date",
         "--columns", "date", "--out", "{d}/new"],
        "tsforecast fit: error: read_ehr: ",
    ),
    "fit: bad option for a sound file": (
        ["fit", "{d}/sound.wav", "--kind", "audio", "--columns", "rms", "--out", "{d}/new"],
        "tsforecast fit: error: ['columns'] are options of feature tables",
    ),
    "fit: decimal commas": (
        ["fit", "{d}/semi.csv", "--kind", "weather", "--out", "{d}/new"],
        "tsforecast fit: error: read_weather: '{d}/semi.csv' is separated by ';' and its "
        "numbers have commas. Values such as '1,5' are numbers with marks: pass --decimal , if "
        "the comma",
    ),
    "demo: plots under a file": (
        ["demo", "--out", "{d}/afile/plots", "--quiet"],
        "tsforecast demo: error: cannot write the plots in '{d}/afile/plots'",
    ),
    "predict: out is a folder": (
        ["predict", "{d}/model", "{d}/daily.csv", "--steps", "2", "--out", "{d}"],
        "tsforecast predict: error: --out '{d}' is a directory",
    ),
    "predict: out under a file": (
        ["predict", "{d}/model", "{d}/daily.csv", "--steps", "2", "--out", "{d}/afile/f.csv"],
        "tsforecast predict: error: cannot write the forecast in '{d}/afile'",
    ),
    "predict: damaged adapter.json": (
        ["predict", "{damaged_adapter}", "{d}/daily.csv", "--steps", "2", "--out", "{d}/f.csv"],
        "tsforecast predict: error: '{damaged_adapter}/adapter.json' is damaged",
    ),
    "predict: adapter.json of no known kind": (
        ["predict", "{odd_adapter}", "{d}/daily.csv", "--steps", "2", "--out", "{d}/f.csv"],
        "tsforecast predict: error: '{odd_adapter}/adapter.json' is damaged",
    ),
    "predict: damaged model file": (
        ["predict", "{damaged_state}", "{d}/daily.csv", "--steps", "2", "--out", "{d}/f.csv"],
        "tsforecast predict: error: LSTMForecaster.load: '{damaged_state}': state.json does "
        "not match its checksum",
    ),
    "predict: missing data": (
        ["predict", "{d}/model", "{d}/nothing.csv", "--steps", "2", "--out", "{d}/f.csv"],
        "tsforecast predict: error: read_weather: no file at '{d}/nothing.csv'",
    ),
    "predict: zero steps": (
        ["predict", "{d}/model", "{d}/daily.csv", "--steps", "0", "--out", "{d}/f.csv"],
        "tsforecast predict: error: LSTMForecaster.forecast: steps must be an integer >= 1",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_INVOCATIONS))
def test_bad_invocations_exit_2_with_one_line(case, small, capsys):
    argv, message = BAD_INVOCATIONS[case]
    (small / "sound.wav").write_bytes(data_path("speech_en_us.wav").read_bytes()[:4096])
    (small / "semi.csv").write_text("time;temp\n2024-01-01 00:00;1,5\n2024-01-01 01:00;2,5\n")
    places = {
        "d": str(small),
        "damaged_adapter": damaged_copy(small, "adapter.json", "{kind: weather"),
        "odd_adapter": damaged_copy(small, "adapter.json", '{"kind": "sql", "options": {}}'),
        "damaged_state": damaged_copy(small, "state.json", '{"format_version": 2}'),
    }
    before = sorted(path.name for path in small.iterdir())
    assert main([part.format(**places) for part in argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(message.format(**places)), err
    assert "\n" not in err and "Traceback" not in err
    assert not (small / "new").exists()
    assert sorted(path.name for path in small.iterdir()) == before


def test_an_unexpected_failure_is_one_line_too(small, capsys, monkeypatch):
    import tsforecast._cli.fit_predict as cli

    def broken(*args, **kwargs):
        raise RuntimeError("something deep inside")

    monkeypatch.setattr(cli, "_read", broken)
    argv = ["fit", str(small / "daily.csv"), "--kind", "weather", "--out", str(small / "m2")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tsforecast fit: error: unexpected RuntimeError: something deep")
    assert "TSFORECAST_TRACEBACK=1" in err and "\n" not in err
    monkeypatch.setenv("TSFORECAST_TRACEBACK", "1")
    with pytest.raises(RuntimeError, match="something deep inside"):
        main(argv)


def test_overwrite_replaces_a_model(small, capsys):
    argv = [
        "fit", str(small / "daily.csv"), "--kind", "weather", "--max-epochs", "1",
        "--context-length", "8", "--hidden-size", "4", "--out", str(small / "model"), "--quiet",
    ]  # fmt: skip
    assert main([*argv, "--overwrite"]) == 0


def test_warnings_are_one_line_too(small, capsys, monkeypatch):
    import warnings as python_warnings

    import tsforecast._cli.fit_predict as cli

    def warn_then_read(*args, **kwargs):
        python_warnings.warn("No epoch of 3 improved\non the start", RuntimeWarning, stacklevel=1)
        raise ValueError("stop here")

    monkeypatch.setattr(cli, "_read", warn_then_read)
    argv = ["fit", str(small / "daily.csv"), "--kind", "weather", "--out", str(small / "m3")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "tsforecast fit: warning: No epoch of 3 improved on the start",
        "tsforecast fit: error: stop here",
    ]


def test_missing_value_markers_from_the_command_line(tmp_path, capsys):
    rows = "\n".join(f"2024-01-{day:02d},{'M' if day == 5 else day}" for day in range(1, 29))
    (tmp_path / "daily.csv").write_text("date,temp\n" + rows + "\n")
    argv = ["fit", str(tmp_path / "daily.csv"), "--kind", "weather", "--max-epochs", "1",
            "--context-length", "4", "--hidden-size", "4", "--out", str(tmp_path / "m"),
            "--quiet"]  # fmt: skip
    assert main(argv) == 2
    assert "list such markers in --na-values M to read" in capsys.readouterr().err
    assert main([*argv, "--na-values", "M"]) == 0


def test_a_dash_marker_is_advised_as_the_flag_can_take_it(tmp_path, capsys):
    # "--na-values -" is read by argparse as a flag; the advice gave it so (a trial).
    rows = "\n".join(f"2024-01-{day:02d},{'-' if day == 5 else day}" for day in range(1, 29))
    (tmp_path / "daily.csv").write_text("date,temp\n" + rows + "\n")
    argv = ["fit", str(tmp_path / "daily.csv"), "--kind", "weather", "--max-epochs", "1",
            "--context-length", "4", "--hidden-size", "4", "--out", str(tmp_path / "m"),
            "--quiet"]  # fmt: skip
    assert main(argv) == 2
    assert "list such markers in --na-values=- to read" in capsys.readouterr().err
    assert main([*argv, "--na-values=-"]) == 0
