"""Data larger than the process's memory: on-disk SequenceData against the same data in memory.

A synthetic panel (``--series`` seasonal hourly series of ``--length`` points, float32) is
written to the on-disk format by the streaming `SequenceWriter`, 1,000 series at a time.
Then, each in a fresh process, the default `LSTMForecaster` (context 64, hidden 64, horizon
24, quantiles) is fitted for a fixed number of training steps (``--epochs`` x
``--batches``), once on the opened (memory-mapped) data and once on the same data loaded
into memory, and forecasts 24 steps for every series.

Memory is the process's *anonymous* resident memory (``RssAnon``: what the process itself
allocated, not the page cache holding the file's pages, which the system reclaims), sampled
every 10 ms; each figure is the peak during the phase minus the value before it (after
torch, the package and the optimiser machinery are loaded). For the in-memory path the data
itself (values and per-row series ids) is counted apart ("data MB").

Run: ``python benchmarks/bench_large.py [--series 100000] [--length 1000] [--compare 10000]``.
Results: ``benchmarks/results/large.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import emit, run_worker

RESULTS = Path(__file__).parent / "results"
THREADS = 2


class AnonPeak:
    """Samples the process's anonymous resident memory (MB) in a background thread."""

    def __init__(self) -> None:
        self.peak = self.now()
        thread = threading.Thread(target=self._watch, daemon=True)
        thread.start()

    @staticmethod
    def now() -> float:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def _watch(self) -> None:
        while True:
            self.peak = max(self.peak, self.now())
            time.sleep(0.01)

    def phase(self) -> float:
        """Reset the peak; return the value it starts from."""
        start = self.now()
        self.peak = start
        return start


def series_chunk(first: int, count: int, length: int) -> np.ndarray:
    """Return ``count`` seasonal series (rows series after series), seeded by their number."""
    rng = np.random.default_rng(first)
    t = np.arange(length)[None, :]
    level = rng.normal(10, 5, (count, 1))
    daily = rng.uniform(1, 5, (count, 1)) * np.sin(
        2 * np.pi * t / 24 + rng.uniform(0, 6, (count, 1))
    )
    weekly = rng.uniform(0, 2, (count, 1)) * np.sin(2 * np.pi * t / 168)
    noise = rng.normal(0, 0.3, (count, length)).cumsum(axis=1) * 0.2
    return (level + daily + weekly + noise).astype(np.float32).reshape(-1, 1)


def worker_write(path: str, n_series: int, length: int) -> dict[str, Any]:
    from tsforecast import SequenceWriter

    memory = AnonPeak()
    start = memory.phase()
    began = time.perf_counter()
    with SequenceWriter(path, overwrite=True) as writer:
        for first in range(0, n_series, 1000):
            count = min(1000, n_series - first)
            ids = np.repeat(np.arange(first, first + count), length)
            writer.append(series_chunk(first, count, length), groups=ids)
    return {"seconds": time.perf_counter() - began, "anon_mb": memory.peak - start,
            "disk_mb": sum(f.stat().st_size for f in Path(path).iterdir()) / 2**20}  # fmt: skip


def worker_fit(path: str, where: str, epochs: int, batches: int) -> dict[str, Any]:
    import torch

    from tsforecast import LSTMForecaster, SequenceData

    torch.set_num_threads(THREADS)
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # torch's lazy imports, before
    memory = AnonPeak()
    start = memory.phase()
    data = SequenceData.open(path)
    if where == "memory":  # the same data as a user holds it: values and one id per row
        values = np.array(data.values)  # read into the process's memory
        groups = np.repeat(data.series_ids, data.series_lengths)
        data = SequenceData(values, groups=groups)
    data_mb = memory.now() - start
    model = LSTMForecaster(batches_per_epoch=batches, max_epochs=epochs, random_state=0)
    start = memory.phase()
    began = time.perf_counter()
    model.fit(data)
    fit = {"fit_s": time.perf_counter() - began, "fit_anon_mb": memory.peak - start,
           "steps": sum(row["n_batches"] for row in model.history_),
           "train_s": model.fit_seconds_}  # fmt: skip
    start = memory.phase()
    began = time.perf_counter()
    forecast = model.forecast(data, 24)
    return {
        "rows": data.n_timesteps, "series": data.n_series, "raw_mb": data.values.nbytes / 2**20,
        "data_mb": data_mb, **fit, "forecast_s": time.perf_counter() - began,
        "forecast_anon_mb": memory.peak - start, "forecasts": int(np.asarray(forecast).size),
    }  # fmt: skip


def drop_page_cache() -> None:
    """Write dirty pages and drop the page cache (Linux, root), so files are read from disk."""
    import os

    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--length", type=int, default=1000)
    parser.add_argument("--compare", type=int, default=10_000,
                        help="series of the size both paths are compared at too")  # fmt: skip
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--folder", default=None, help="where to write (default: a temp dir)")
    parser.add_argument("--cold", action="store_true",
                        help="drop the page cache before each fit (needs root): data read "
                        "from disk, not from memory")  # fmt: skip
    parser.add_argument("--out", default=str(RESULTS / "large.json"))
    parser.add_argument("--worker", default=None)
    args, rest = parser.parse_known_args()
    if args.worker == "write":
        emit(worker_write(rest[0], int(rest[1]), int(rest[2])))
        return
    if args.worker == "fit":
        emit(worker_fit(rest[0], rest[1], int(rest[2]), int(rest[3])))
        return

    folder = Path(args.folder or tempfile.mkdtemp(prefix="tsforecast-large-"))
    rows = []
    for n_series in sorted({args.compare, args.series}):
        path = folder / f"panel-{n_series}"
        script = Path(__file__)
        written = run_worker(script, "write", [path, n_series, args.length], threads=THREADS)
        print(f"{n_series:,} series written: {json.dumps(written)}", flush=True)
        for where in ("disk", "memory"):
            if args.cold:
                drop_page_cache()
            fitted = run_worker(script, "fit", [path, where, args.epochs, args.batches],
                                threads=THREADS)  # fmt: skip
            row = {"series": n_series, "where": where, "cold": args.cold, "write": written,
                   **fitted}  # fmt: skip
            print(json.dumps(row), flush=True)
            rows.append(row)
        shutil.rmtree(path, ignore_errors=True)
    report = {"command": " ".join(["python", "benchmarks/bench_large.py", *sys.argv[1:]]),
              "length": args.length, "epochs": args.epochs, "batches": args.batches,
              "rows": rows}  # fmt: skip
    Path(args.out).write_text(json.dumps(report, indent=1))
    Path(args.out).with_suffix(".md").write_text(markdown(report))
    print(markdown(report))


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Large data: on disk against in memory ({time.strftime('%Y-%m-%d')})",
        "",
        f"Synthetic hourly panel, {report['length']:,} points per series, float32. Default "
        f"LSTMForecaster (context 64, hidden 64, horizon 24, quantiles 0.1/0.5/0.9), "
        f"{report['epochs']} x {report['batches']} training steps of 64 blocks, "
        f"{THREADS} threads, then `forecast(data, 24)` for every series. Memory: peak "
        "anonymous resident memory (RssAnon, not the page cache) added by each phase; "
        "'data MB' is what holding the data took before the fit (the memory map: ~0).",
        f"Command: `{report['command']}`",
        "",
        "| series | points | raw MB | where | write s | write MB | data MB | fit s | fit MB | "
        "forecast s | forecast MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        if "error" in row:
            lines.append(f"| {row['series']:,} | | | {row['where']} | error: {row['error']} |")
            continue
        write = {"seconds": float("nan"), "anon_mb": float("nan"), **row["write"]}
        lines.append(
            f"| {row['series']:,} | {row['rows']:,} | {row['raw_mb']:.0f} | "
            f"{row['where']}{' (cold cache)' if row.get('cold') else ''} | "
            f"{write['seconds']:.1f} | {write['anon_mb']:.0f} | "
            f"{row['data_mb']:.0f} | {row['fit_s']:.1f} | {row['fit_anon_mb']:.0f} | "
            f"{row['forecast_s']:.1f} | {row['forecast_anon_mb']:.0f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
