"""Training throughput: LSTMForecaster against a bare PyTorch loop, same data and settings.

The bare loop is the no-overhead reference: ``nn.LSTM`` + ``nn.Linear``, random blocks of
``context + 1`` points cut by index from one tensor, loss on every next-step position. Both run
in this process, alternating, and the figure is target positions per second of training
(validation excluded: ``validation_fraction=0``). Medians over repeats.

Run: ``python benchmarks/bench_throughput.py [--seconds S] [--repeats R]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from torch import nn

from tsforecast import LSTMForecaster
from tsforecast.datasets import load_weather


def bare_loop(values: np.ndarray, context: int, hidden: int, batch: int, seconds: float) -> float:
    """Positions per second of a hand-written training loop."""
    torch.manual_seed(0)
    data = torch.from_numpy((values - values.mean(0)) / values.std(0)).float()
    lstm = nn.LSTM(data.shape[1], hidden, batch_first=True)
    head = nn.Linear(hidden, data.shape[1])
    optimizer = torch.optim.Adam([*lstm.parameters(), *head.parameters()], lr=1e-3)
    offsets = torch.arange(context + 1)
    positions, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        starts = torch.randint(0, len(data) - context, (batch,))
        blocks = data[starts[:, None] + offsets]
        states, _ = lstm(blocks[:, :-1])
        loss = (head(states) - blocks[:, 1:]).abs().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        positions += batch * context
    return positions / (time.perf_counter() - started)


def tsforecast_loop(
    values: np.ndarray, context: int, hidden: int, batch: int, seconds: float
) -> float:
    """Positions per second of LSTMForecaster's training (history_, no validation)."""
    model = LSTMForecaster(
        context_length=context, hidden_size=hidden, batch_size=batch, learning_rate=1e-3,
        validation_fraction=0.0, max_epochs=100_000, max_time=seconds, random_state=0,
    ).fit(values)  # fmt: skip
    history = model.history_
    return sum(h["n_positions"] for h in history) / sum(h["seconds"] for h in history)


def main() -> None:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--context-length", type=int, default=168)
    parser.add_argument("--hidden-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(2)
    data = load_weather()
    values = data.values[: int(0.7 * len(data.values))]
    settings = (args.context_length, args.hidden_size, args.batch_size, args.seconds)
    bare, ours = [], []
    for _ in range(args.repeats):
        bare.append(bare_loop(values, *settings))
        ours.append(tsforecast_loop(values, *settings))
    bare_median, ours_median = statistics.median(bare), statistics.median(ours)
    print(f"hourly weather, {values.shape[1]} features, context {args.context_length}, hidden "
          f"{args.hidden_size}, batch {args.batch_size}, 2 threads, {args.repeats} x "
          f"{args.seconds:g} s each")  # fmt: skip
    print("| system | target positions/s (median) | runs |")
    print("|---|---|---|")
    print(f"| bare PyTorch loop | {bare_median:,.0f} | {', '.join(f'{v:,.0f}' for v in bare)} |")
    print(f"| LSTMForecaster | {ours_median:,.0f} | {', '.join(f'{v:,.0f}' for v in ours)} |")
    print(f"ratio LSTMForecaster / bare: {ours_median / bare_median:.3f}")


if __name__ == "__main__":
    main()
