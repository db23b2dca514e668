"""The benchmark scripts run (on small sizes) and write their figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
