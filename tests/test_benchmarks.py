"""The benchmark scripts run (on small sizes) and write their figures."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tsforecast import BlockSampler
from tsforecast.datasets import load_weather

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def test_windowing_benchmark_runs_and_reports(tmp_path):
    """The windowing benchmark times every method, and the block view copies nothing."""
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


def _markdown_cells(report: str, system: str) -> list[str]:
    """Cells of the first table row of ``system`` in a Markdown report."""
    line = next(line for line in report.splitlines() if line.startswith(f"| {system} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_peers_benchmark_runs_each_system_in_its_own_process(tmp_path):
    """Every system runs in a worker; ratios are computed from the figures, then shown."""
    matched = "bare PyTorch loop, tsforecast's batch size"
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_peers.py"), "--quick"]
    command += ["--out", str(tmp_path), "--settings", "once", "work", "--systems"]
    command += ["persistence", "LagFeatures + Ridge", "bare PyTorch loop", matched]
    command += ["tsforecast (protocol)"]
    subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    report = json.loads((tmp_path / "peers_quick.json").read_text())
    rows = {(row["system"], row["setting"]): row for row in report["summary"]}
    assert all("error" not in row for row in rows.values())
    assert rows["persistence", "once"]["mae_1"] == pytest.approx(0.991, abs=1e-3)
    ours = rows["tsforecast (protocol)", "work"]
    assert ours["mae_1"] > 0 and ours["latency_ms"] > 0 and ours["positions_per_second"] > 0
    # tsforecast against the bare loop: the ratio of the two rows' throughputs, computed
    # before rendering, and shown as it is in the report.
    bare = rows["bare PyTorch loop", "work"]
    ratio = ours["positions_per_second_vs_bare"]
    assert math.isfinite(ratio) and ratio > 0
    assert ratio == pytest.approx(ours["positions_per_second"] / bare["positions_per_second"])
    text = (tmp_path / "peers_quick.md").read_text()
    assert _markdown_cells(text, "tsforecast (protocol)")[5] == f"{ratio:.2f}"
    assert "| LagFeatures + Ridge |" in text
    # The matched bare loop runs at tsforecast's own batch: that of its BlockSampler's epoch on
    # the training rows (70% of the weather), fewer windows than batch_size=64.
    n_train = int(0.7 * len(load_weather().values))
    sampler = BlockSampler(np.zeros(n_train, dtype=np.float32), context_length=168)
    batch = len(next(iter(sampler)).inputs)
    assert rows[matched, "work"]["batch"] == batch < 64
    assert ours["matched_batch"] == batch
    throughput = ours["training_throughput_vs_matched_bare"]
    expected = ours["positions_per_second_training"] / rows[matched, "work"]["positions_per_second"]
    assert math.isfinite(throughput) and throughput == pytest.approx(expected)
    assert f"{throughput:.2f}x the bare loop at the same {batch}-window batches" in text


def test_scaling_benchmark_measures_memory_against_the_data(tmp_path):
    """Memory is measured per size, and the marginal memory is the step between two sizes."""
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_scaling.py"), "--sizes", "5", "30"]
    command += ["--budget", "1", "--systems", "tsforecast", "--out", str(tmp_path)]
    subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    small, run = json.loads((tmp_path / "scaling.json").read_text())
    assert run["n_series"] == 30 and 500 * 30 <= run["n_points"] <= 2000 * 30
    assert run["memory_mb"] > run["raw_mb"] > 0 and run["fit_seconds"] >= 1
    step = (run["memory_mb"] - small["memory_mb"]) / (run["raw_mb"] - small["raw_mb"])
    assert run["marginal_memory_vs_raw"] == pytest.approx(step)  # computed, then rendered
    assert "marginal_memory_vs_raw" not in small
    report = (tmp_path / "scaling.md").read_text()
    assert _markdown_cells(report, "tsforecast")[-1] == ""  # the smallest size: no step
    assert report.rstrip().endswith(f"| {run['marginal_memory_vs_raw']:.1f} |")


def test_backtest_benchmark_matches_the_forecast_loop(tmp_path):
    """On 600 hours: every configuration gives the loop's forecasts, and is timed."""
    out = tmp_path / "backtest"
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_backtest.py")]
    command += ["--hours", "600", "--repeats", "1", "--out", str(out)]
    subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    runs = json.loads(out.with_suffix(".json").read_text())
    assert [(run["steps"], run["quantiles"]) for run in runs] == [
        (1, False), (1, True), (24, False), (24, True)
    ]  # fmt: skip
    assert all(run["max_difference"] < 1e-4 and run["backtest_seconds"] > 0 for run in runs)
    assert runs[0]["origins"] == 120 and runs[2]["origins"] == 5


def test_large_data_benchmark_fits_from_disk_without_holding_the_data(tmp_path):
    """bench_large writes a panel with the streaming writer and fits on the memory map."""
    out = tmp_path / "large.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_large.py"), "--series", "300",
               "--compare", "300", "--length", "400", "--epochs", "1", "--batches", "3",
               "--folder", str(tmp_path), "--out", str(out)]  # fmt: skip
    subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    rows = {row["where"]: row for row in json.loads(out.read_text())["rows"]}
    assert set(rows) == {"disk", "memory"}
    for row in rows.values():
        assert row["rows"] == 300 * 400 and row["steps"] == 3 and row["forecasts"] == 300 * 24
    # The map holds nothing in the process; the in-memory copy holds the values at least.
    assert rows["disk"]["data_mb"] < 1 < rows["memory"]["data_mb"]
    assert "| 300 | 120,000 |" in out.with_suffix(".md").read_text()


def test_distributed_benchmark_compares_ranks_with_threads(tmp_path):
    out = tmp_path / "distributed.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_distributed.py"), "--series",
               "100", "--epochs", "1", "--batches", "3", "--repeats", "1",
               "--out", str(out)]  # fmt: skip
    subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    rows = json.loads(out.read_text())["rows"]
    assert [row["processes"] for row in rows] == [1, 1, 1, 2]
    assert all("error" not in row and row["positions_per_s"] > 0 for row in rows)
    assert rows[-1]["gradient_allreduce_ms"] > 0 and rows[-1]["parameters"] > 0
