"""The command line: the demo runs on the embedded data, errors are one line."""

from __future__ import annotations

import subprocess
import sys

from tsforecast.cli import main


def test_demo_windows_and_beats_persistence(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "1461 days" in out
    assert "inputs (1433, 28, 4)" in out and "nothing copied" in out
    persistence = float(out.split("persistence (today's value)")[1].split()[0])
    ridge = float(out.split("LagFeatures(14) + Ridge")[1].split()[0])
    assert ridge < persistence


def test_bad_option_is_one_line_and_non_zero(capsys):
    assert main(["demo", "--context-length", "0"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "tsforecast demo: error: make_blocks: context_length must be an integer >= 1; got 0."
    )


def test_python_dash_m_entry_point_shows_help():
    completed = subprocess.run(
        [sys.executable, "-m", "tsforecast", "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--context-length" in completed.stdout
