"""Windowing micro-benchmark: zero-copy blocks and batch gathering against naive copies.

Measures, on one series of 10 million float32 points with context 512:

- ``make_blocks`` (NumPy ``sliding_window_view`` and torch ``unfold``): time and peak extra
  memory, against a naive loop that copies every window (timed on a prefix and extrapolated:
  materialising all windows would need ~20 GB);
- drawing 1,000 batches of 64 blocks with `BlockSampler` (NumPy and torch batches), against a
  per-sample Python loop that slices and stacks each window, and against one contiguous copy
  of a batch's bytes from a random place in the series (the floor for any gather).

Run: ``python benchmarks/bench_windowing.py [--points N] [--repeats R] [--out FILE]``. Prints a
Markdown table and writes ``benchmarks/results/windowing.json``. Times are medians over repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tracemalloc
from pathlib import Path

import numpy as np
import torch
from _common import median_seconds

from tsforecast import BlockSampler, make_blocks

RESULTS = Path(__file__).parent / "results" / "windowing.json"


def rss_growth_bytes(function) -> int:
    """Growth of the process's resident memory while ``function`` runs (counts torch too)."""
    page = os.sysconf("SC_PAGE_SIZE")

    def rss() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * page

    before = rss()
    function()
    return rss() - before


def peak_bytes(function) -> int:
    """Peak memory allocated through NumPy/Python while ``function`` runs (tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--context-length", type=int, default=512)
    parser.add_argument("--batches", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON file for the figures")
    args = parser.parse_args()
    torch.set_num_threads(2)

    L, B, n_batches = args.context_length, args.batch_size, args.batches
    values = np.random.default_rng(0).standard_normal((args.points, 1), dtype=np.float32)
    tensor = torch.from_numpy(values)
    n_blocks = args.points - L
    data_mb = values.nbytes / 1e6
    rows = []

    def add(name, seconds, peak=None, note="", rss=None):
        rows.append(
            {"what": name, "seconds": seconds, "peak_mb": peak, "rss_mb": rss, "note": note}
        )

    # -- make_blocks ------------------------------------------------------------------------
    add(
        "make_blocks (numpy, all windows)",
        median_seconds(lambda: make_blocks(values, L), args.repeats),
        peak_bytes(lambda: make_blocks(values, L)) / 1e6,
        f"{n_blocks:,} windows as views",
    )
    add(
        "make_blocks (torch unfold, all windows)",
        median_seconds(lambda: make_blocks(tensor, L), args.repeats),
        None,
        "views of the tensor's storage",
    )
    prefix = 20_000

    def naive_windows():
        return [values[i : i + L + 1].copy() for i in range(prefix)]

    naive_prefix = median_seconds(naive_windows, 3)
    add(
        "naive copy of every window (extrapolated)",
        naive_prefix * n_blocks / prefix,
        n_blocks * (L + 1) * 4 / 1e6,
        f"timed on {prefix:,} windows; memory computed, not allocated",
    )

    # -- batches ----------------------------------------------------------------------------
    sampler_np = BlockSampler(values, L, B, random_state=0)
    sampler_torch = BlockSampler(values, L, B, random_state=0, device="cpu")

    def draw(sampler):
        for _ in range(n_batches):
            sampler.sample()

    rng = np.random.default_rng(1)
    starts = rng.integers(0, n_blocks, size=(n_batches, B))

    def naive_batches():
        for batch_starts in starts:
            blocks = np.stack([values[s : s + L + 1] for s in batch_starts])
            _ = blocks[:, :-1], blocks[:, 1:]

    # The floor: copy the same number of bytes as one batch, contiguous, from a random place in
    # the series (the memory traffic any gather must pay; a cache-hot copy would flatter it).
    batch_items = B * (L + 1) * values.shape[1]
    flat = values.reshape(-1)
    copy_from = rng.integers(0, flat.size - batch_items, size=n_batches)
    destination = np.empty(batch_items, np.float32)

    def memcpy_batches():
        for offset in copy_from:
            np.copyto(destination, flat[offset : offset + batch_items])

    naive_name = "naive per-sample loop (slice + stack)"
    floor_name = "contiguous copy of a batch's bytes (floor)"
    batch_rows = [
        ("BlockSampler.sample (numpy batches)", lambda: draw(sampler_np)),
        ("BlockSampler.sample (torch batches)", lambda: draw(sampler_torch)),
        (naive_name, naive_batches),
        (floor_name, memcpy_batches),
    ]
    for name, function in batch_rows:
        add(
            f"{n_batches:,} batches of {B}: {name}",
            median_seconds(function, args.repeats),
            peak_bytes(function) / 1e6,
            rss=rss_growth_bytes(function) / 1e6,
        )
    add(
        "BlockSampler construction",
        median_seconds(lambda: BlockSampler(values, L, B, random_state=0), args.repeats),
        peak_bytes(lambda: BlockSampler(values, L, B, random_state=0)) / 1e6,
        rss=rss_growth_bytes(lambda: BlockSampler(values, L, B, random_state=0)) / 1e6,
    )

    seconds = {row["what"]: row["seconds"] for row in rows}
    floor = seconds[f"{n_batches:,} batches of {B}: {floor_name}"]
    naive = seconds[f"{n_batches:,} batches of {B}: {naive_name}"]
    for row in rows:
        if row["what"].startswith(f"{n_batches:,} batches"):
            row["vs_floor"] = row["seconds"] / floor
            row["vs_naive"] = row["seconds"] / naive

    print(
        f"\n{args.points:,} float32 points ({data_mb:.0f} MB), context {L}, "
        f"{torch.get_num_threads()} torch threads, {platform.processor() or platform.machine()}\n"
    )
    print(
        "| what | median time | peak extra (tracemalloc) | RSS growth | x floor | x naive | note |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        peak = "" if row["peak_mb"] is None else f"{row['peak_mb']:.2f} MB"
        rss = "" if row["rss_mb"] is None else f"{row['rss_mb']:.2f} MB"
        ratio_copy = f"{row['vs_floor']:.2f}" if "vs_floor" in row else ""
        ratio_naive = f"{row['vs_naive']:.3f}" if "vs_naive" in row else ""
        print(
            f"| {row['what']} | {row['seconds'] * 1e3:.3f} ms | {peak} | {rss} | {ratio_copy} | "
            f"{ratio_naive} | {row['note']} |"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "points": args.points,
                "context_length": L,
                "batch_size": B,
                "batches": n_batches,
                "repeats": args.repeats,
                "torch": torch.__version__,
                "numpy": np.__version__,
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
