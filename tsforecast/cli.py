"""The ``tsforecast`` command line (also ``python -m tsforecast``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> None:
    """Window the embedded Seattle weather and forecast tomorrow's maximum temperature."""
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    from tsforecast.datasets import load_seattle_weather
    from tsforecast.windowing import BlockSampler, LagFeatures, make_blocks, make_supervised

    data = load_seattle_weather()
    start, stop = (np.datetime_as_string(t, unit="D") for t in data.time[[0, -1]])
    print(
        f"Seattle daily weather {start} .. {stop}: {data.n_timesteps} days, "
        f"features {', '.join(data.features)}"
    )

    context = args.context_length
    inputs, targets = make_blocks(data.values, context)
    shared = np.shares_memory(inputs, data.values) and np.shares_memory(targets, data.values)
    print(f"\nWindowing with context_length={context}:")
    print(
        f"  make_blocks  -> inputs {inputs.shape}, targets {targets.shape}; "
        f"{'views of the data, nothing copied' if shared else 'copies'}"
    )
    print(
        f"  each block of {context + 1} days = {context} one-step examples "
        f"(histories of 1..{context} days): {inputs.shape[0] * context:,} examples in all"
    )
    sampler = BlockSampler(data, context, batch_size=64, random_state=0)
    batch = sampler.sample()
    print(
        f"  BlockSampler -> batch inputs {batch.inputs.shape}, {batch.n_positions:,} target "
        f"positions; one epoch draws {sampler.blocks_per_epoch} random blocks"
    )

    target = data.features.index("temp_max")
    X, y = make_supervised(data.values, target=target)
    split = int(0.8 * len(X))
    model = make_pipeline(LagFeatures(args.lags, fill_value=0.0), Ridge(alpha=1.0))
    model.fit(X[:split], y[:split])
    predicted = model.predict(X)[split:]  # test rows read their real history from the past
    truth = y[split:]
    rows = [
        ("persistence (today's value)", X[split:, target]),
        (f"LagFeatures({args.lags}) + Ridge", predicted),
    ]
    print(f"\nOne-day-ahead forecast of temp_max on the last {len(truth)} days (held out):")
    print(f"  {'model':<30} {'MAE (°C)':>9}")
    for name, forecast in rows:
        print(f"  {name:<30} {np.abs(forecast - truth).mean():>9.3f}")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tsforecast",
        description="Time-series forecasting with recurrent networks as scikit-learn estimators.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="window and forecast the embedded real weather data",
        description=_demo.__doc__,
    )
    demo.add_argument(
        "--context-length", type=int, default=28, help="block length in days (default: 28)"
    )
    demo.add_argument(
        "--lags", type=int, default=14, help="history length of the Ridge baseline (default: 14)"
    )
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _build_parser().parse_args(argv)
    try:
        args.run(args)
    except (ValueError, TypeError, FileNotFoundError) as error:
        print(f"tsforecast {args.command}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
