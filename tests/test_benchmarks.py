"""The benchmark scripts run (on small sizes) and write their figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_windowing_benchmark_runs_and_reports(tmp_path):
    out = tmp_path / "windowing.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_windowing.py")]
    command += ["--points", "20000", "--context-length", "64", "--batches", "20"]
    command += ["--repeats", "1", "--out", str(out)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    assert "BlockSampler.sample (numpy batches)" in completed.stdout
    report = json.loads(out.read_text())
    rows = {row["what"]: row for row in report["rows"]}
    assert rows["make_blocks (numpy, all windows)"]["peak_mb"] < 0.01  # views, no copy
    assert all(row["seconds"] > 0 for row in rows.values())


def test_peers_benchmark_runs_each_system_in_its_own_process(tmp_path):
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_peers.py"), "--quick"]
    command += ["--out", str(tmp_path), "--settings", "once", "work", "--systems"]
    command += ["persistence", "LagFeatures + Ridge", "bare PyTorch loop", "tsforecast (protocol)"]
    subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    report = json.loads((tmp_path / "peers_quick.json").read_text())
    rows = {(row["system"], row["setting"]): row for row in report["summary"]}
    assert rows["persistence", "once"]["mae_1"] == pytest.approx(0.991, abs=1e-3)
    ours = rows["tsforecast (protocol)", "work"]
    assert ours["mae_1"] > 0 and ours["latency_ms"] > 0 and ours["positions_per_second"] > 0
    assert rows["bare PyTorch loop", "work"]["positions_per_second_vs_bare"] == 1.0
    assert "| LagFeatures + Ridge |" in (tmp_path / "peers_quick.md").read_text()


def test_scaling_benchmark_measures_memory_against_the_data(tmp_path):
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_scaling.py"), "--sizes", "5", "30"]
    command += ["--budget", "1", "--systems", "tsforecast", "--out", str(tmp_path)]
    subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    small, run = json.loads((tmp_path / "scaling.json").read_text())
    assert run["n_series"] == 30 and 500 * 30 <= run["n_points"] <= 2000 * 30
    assert run["memory_mb"] > run["raw_mb"] > 0 and run["fit_seconds"] >= 1
    step = (run["memory_mb"] - small["memory_mb"]) / (run["raw_mb"] - small["raw_mb"])
    assert run["marginal_memory_vs_raw"] == pytest.approx(step, abs=0.05)
    assert "marginal_memory_vs_raw" not in small
