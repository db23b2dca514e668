"""Training throughput on one machine: 2 torchrun ranks x 1 thread against 1 process x 2 threads.

The same synthetic panel (``--series`` seasonal series of 1,000 points, on disk, opened by
every process) and the default `LSTMForecaster` (context 64, hidden 64, horizon 24,
quantiles), trained for ``--epochs`` x ``--batches`` steps without validation, in:

- one process, 1 thread, 64 blocks per step (one rank's share of the work);
- one process, 2 threads, 64 blocks per step;
- one process, 2 threads, 128 blocks per step (the two ranks' global batch);
- ``torchrun --nproc_per_node=2`` (gloo), 1 thread per rank, 64 blocks per rank per step.

Throughput is target positions learnt per second of training (every rank's summed, over the
slowest rank's time; ``history_``'s ``n_positions`` of a distributed fit already sums the
ranks). The communication of a step is measured in the ranks themselves: an all-reduce of a
buffer the size of the gradients (what DistributedDataParallel sends), and the all-reduce of
the two stop flags the training loop agrees on before each step.

Run: ``python benchmarks/bench_distributed.py [--series 2000] [--epochs 3] [--batches 50]
[--repeats 3]``; each setup runs ``--repeats`` times, interleaved, and the medians are kept.
Results: ``benchmarks/results/distributed.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import emit, run_worker
from bench_large import series_chunk

RESULTS = Path(__file__).parent / "results"


def train(path: str, epochs: int, batches: int, batch_size: int) -> Any:
    from tsforecast import LSTMForecaster, SequenceData

    model = LSTMForecaster(
        batch_size=batch_size, batches_per_epoch=batches, max_epochs=epochs,
        validation_fraction=0.0, random_state=0,
    )  # fmt: skip
    model.fit(SequenceData.open(path))
    return model


def worker_single(path: str, epochs: int, batches: int, batch_size: int) -> dict[str, Any]:
    model = train(path, epochs, batches, batch_size)
    positions = sum(row["n_positions"] for row in model.history_)
    steps = sum(row["n_batches"] for row in model.history_)
    return {"positions": positions, "seconds": model.fit_seconds_, "steps": steps}


def worker_ddp(path: str, epochs: int, batches: int, batch_size: int) -> dict[str, Any] | None:
    import torch
    import torch.distributed as dist

    from tsforecast._recurrent.distributed import Ranks

    dist.init_process_group("gloo")
    model = train(path, epochs, batches, batch_size)
    ranks = Ranks.current()
    positions = sum(row["n_positions"] for row in model.history_)  # every rank's, summed
    seconds = torch.tensor([model.fit_seconds_], dtype=torch.float64)
    dist.all_reduce(seconds, op=dist.ReduceOp.MAX)
    slowest = float(seconds.item())
    n_params = sum(p.numel() for p in model.module_.parameters())
    gradient = torch.zeros(n_params)
    flags = torch.zeros(2, dtype=torch.float64)

    def median_ms(tensor: torch.Tensor, repeats: int = 200) -> float:
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            dist.all_reduce(tensor)
            times.append(time.perf_counter() - began)
        return float(np.median(times) * 1000)

    figures = {"positions": positions, "seconds": slowest,
               "steps": sum(row["n_batches"] for row in model.history_),
               "parameters": n_params, "gradient_allreduce_ms": median_ms(gradient),
               "flags_allreduce_ms": median_ms(flags)}  # fmt: skip
    dist.destroy_process_group()
    return figures if ranks.rank == 0 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3, help="runs per setup (medians)")
    parser.add_argument("--out", default=str(RESULTS / "distributed.json"))
    parser.add_argument("--worker", default=None)
    args, rest = parser.parse_known_args()
    if args.worker:
        path, epochs, batches, batch_size = rest[0], *map(int, rest[1:4])
        if args.worker == "single":
            emit(worker_single(path, epochs, batches, batch_size))
        else:
            figures = worker_ddp(path, epochs, batches, batch_size)
            if figures is not None:
                emit(figures)
        return

    from tsforecast import SequenceWriter

    path = Path(tempfile.mkdtemp(prefix="tsforecast-ddp-")) / "panel"
    with SequenceWriter(path) as writer:
        for first in range(0, args.series, 1000):
            count = min(1000, args.series - first)
            writer.append(series_chunk(first, count, 1000),
                          groups=np.repeat(np.arange(first, first + count), 1000))  # fmt: skip
    common = [path, args.epochs, args.batches]
    script = Path(__file__)
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
              str(script), "--worker", "ddp", *map(str, [*common, 64])]  # fmt: skip
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}

    def ddp_run() -> dict[str, Any]:
        done = subprocess.run(launch, capture_output=True, text=True, env=environment, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        return json.loads(lines[-1]) if lines else {"error": done.stderr.strip()[-500:]}

    setups = [
        ({"setup": f"1 process x {threads} thread(s), {batch} blocks/step", "processes": 1,
          "threads": threads},
         lambda threads=threads, batch=batch: run_worker(script, "single", [*common, batch],
                                                         threads=threads))
        for threads, batch in [(1, 64), (2, 64), (2, 128)]
    ] + [({"setup": "2 ranks x 1 thread (torchrun, gloo), 64 blocks/rank/step", "processes": 2,
           "threads": 1}, ddp_run)]  # fmt: skip
    runs: list[list[dict[str, Any]]] = [[] for _ in setups]
    for _ in range(args.repeats):  # interleaved: a slow spell of the machine hits every setup
        for index, (identity, run) in enumerate(setups):
            figures = run()
            if "error" not in figures:
                figures["positions_per_s"] = figures["positions"] / figures["seconds"]
                figures["step_ms"] = 1000 * figures["seconds"] / figures["steps"]
            runs[index].append(figures)
            print(json.dumps({**identity, **figures}), flush=True)
    rows = []
    for (identity, _), figures in zip(setups, runs, strict=True):
        good = [f for f in figures if "error" not in f]
        if not good:
            rows.append({**identity, **figures[-1]})
            continue
        median = {key: float(np.median([f[key] for f in good])) for key in good[0]}
        rows.append({**identity, **median, "repeats": len(good)})
    report = {"command": " ".join(["python", "benchmarks/bench_distributed.py", *sys.argv[1:]]),
              "series": args.series, "rows": rows}  # fmt: skip
    Path(args.out).write_text(json.dumps(report, indent=1))
    Path(args.out).with_suffix(".md").write_text(markdown(report))
    print(markdown(report))


def markdown(report: dict[str, Any]) -> str:
    rows = report["rows"]
    base = next((r for r in rows if r.get("threads") == 2 and "positions_per_s" in r), None)
    lines = [
        f"# Distributed training on one machine ({time.strftime('%Y-%m-%d')})",
        "",
        f"{report['series']:,} synthetic series of 1,000 points, on disk; default "
        "LSTMForecaster, no validation; 2 CPU cores. Throughput: target positions learnt per "
        "second of training (all ranks, over the slowest rank's time); medians of "
        f"{rows[0].get('repeats', 1)} runs per setup, interleaved.",
        f"Command: `{report['command']}`",
        "",
        "| setup | steps | step ms | positions / s | vs 1 x 2 threads, 64 |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['setup']} | error: {row['error']} | | | |")
            continue
        ratio = row["positions_per_s"] / base["positions_per_s"] if base else float("nan")
        lines.append(
            f"| {row['setup']} | {row['steps']:.0f} | {row['step_ms']:.1f} | "
            f"{row['positions_per_s']:,.0f} | {ratio:.2f}x |"
        )
    ddp = rows[-1]
    if "gradient_allreduce_ms" in ddp:
        lines += [
            "",
            f"Communication per step (measured in the ranks, median of 200): all-reduce of the "
            f"{ddp['parameters']:,.0f} gradients {ddp['gradient_allreduce_ms']:.2f} ms, of the two "
            f"stop flags {ddp['flags_allreduce_ms']:.2f} ms.",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
