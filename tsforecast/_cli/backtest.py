"""``tsforecast backtest``: forecasts from many origins, scored per step beside naive ones."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from typing import Any

import pandas as pd

from tsforecast._cli.inputs import adapter_options, read_data
from tsforecast._cli.model_options import adapter_roles, model_params
from tsforecast._cli.outputs import writable_folder
from tsforecast._recurrent.intervals import level_pairs
from tsforecast._warnings import ignoring
from tsforecast.adapters._stamps import quarters

SHIPPED = {
    "weather": "load_weather",
    "seattle-weather": "load_seattle_weather",
    "speech": "load_speech_mfcc",
    "pbc": "load_pbc",
    "quinidine": "load_quinidine",
}


# The start of the fit's pooled warnings that the network (or the combination) does not beat
# a naive forecaster on the validation data (`naive_scores.losing_message`,
# `combined_check.losing_message`).
LOSING_POOLED = "LSTMForecaster: on the validation (data|rows)"


def run_backtest(args: argparse.Namespace) -> None:
    """Backtest a model on a table or shipped dataset, beside persistence and seasonal naive."""
    from tsforecast import LSTMForecaster, Persistence, SeasonalNaive, backtest, datasets

    if args.data in SHIPPED and not Path(args.data).exists():
        data = getattr(datasets, SHIPPED[args.data])()
    elif args.kind is None:
        raise ValueError(
            f"'{args.data}' is not a shipped dataset ({', '.join(SHIPPED)}); to read a table, "
            "say which adapter reads it with --kind weather|audio|ehr|table."
        )
    else:
        data = read_data(args.kind, args.data, adapter_options(args))
    start = _start(args.start)
    stride = args.stride or args.steps
    if args.model:
        defaults = LSTMForecaster().get_params()
        given = [f"--{name.replace('_', '-')}" for name, value in model_params(args).items()
                 if value != defaults[name]]  # fmt: skip
        if given:
            raise ValueError(
                f"--model forecasts with the saved model as it was fitted; {given} set the "
                "parameters of a model fitted here. Leave them out, or leave out --model."
            )
        model = LSTMForecaster.load(args.model)
    else:
        verbose = 0 if args.quiet else 1  # as fit: a progress bar unless --quiet
        model = LSTMForecaster(**adapter_roles(model_params(args), data), verbose=verbose)
    options = {"start": start, "steps": args.steps, "stride": stride}
    levels = getattr(model, "quantiles_", None) if args.model else args.quantiles
    out = None if args.out is None else Path(args.out)
    if out is not None:
        if out.suffix.lower() not in (".csv", ".parquet"):
            raise ValueError(f"--out '{out}': name a .csv or .parquet file to write the frame to.")
        writable_folder(out.parent, "the backtest frame")
        if out.suffix.lower() == ".parquet" and importlib.util.find_spec("pyarrow") is None:
            raise ValueError(
                f"--out '{out}': writing Parquet needs pyarrow (pip install "
                "'tsforecast[large]'); or name a .csv file."
            )
    print(f"Backtest of {args.data}: {data}")
    chosen = args.seasonal_period if isinstance(args.seasonal_period, int) else None
    season = None if args.season == 0 else (args.season or chosen or _season(model, data))
    # MASE divides by the in-sample MAE of seasonal naive of this season (persistence without)
    options["season"] = season or 1
    # The pooled "does not beat" warnings of a refit: the table below says it. Every other
    # warning (a per-series loss, forecasts that diverge, a loss gone NaN) still shows.
    with ignoring(RuntimeWarning, LOSING_POOLED):
        frame = backtest(
            model, data, refit=args.refit or False, quantiles=True if levels else None, **options
        )
    frames = {"LSTMForecaster": frame}
    names = list(frame["target"].unique())
    frames["persistence"] = backtest(Persistence(target=names), data, **options)
    if season:
        naive = SeasonalNaive(period=season, target=names)
        frames[f"seasonal naive ({season})"] = backtest(naive, data, **options)
    origins = frame.drop_duplicates(["origin", frame.columns[0]]).shape[0]
    print(
        f"{origins} origins from start={args.start} every {stride} rows, {args.steps} step(s) "
        f"each; target(s) {names}."
    )
    print(_metric_tables(frames, args.steps, names, options["season"]))
    if data.n_series > 1:
        print(
            f"  (MAE pools the {data.n_series} series, each in its own units: large series "
            "weigh most; MASE divides each series' errors by its own naive error.)"
        )
    if out is not None:
        if out.suffix.lower() == ".parquet":
            frame.to_parquet(out, index=False)
        else:
            frame.to_csv(out, index=False)
        print(f"Backtest frame ({len(frame)} rows) written to {out}")
    for coverage in _interval_coverages(frame):
        print(_interval_line(frame, names, coverage))


def _start(text: str) -> Any:
    """Read --start: a row count, a fraction, or else a time stamp (text; 2006 Q3 as a date)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    quarter = quarters(pd.Series([text.strip()]), "--start", "--start")
    return text if quarter is None else f"{quarter[0]:%Y-%m-%d}"


def season_flag(text: str) -> int:
    """Read --season: a number of rows (at least 1), or none (0: persistence alone)."""
    if text.strip().lower() == "none":
        return 0
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"takes a number of rows (4 for quarters) or none (persistence); got {text!r}"
        )
    return value


def _season(model: Any, data: Any) -> int | None:
    from tsforecast import _seasons

    period = getattr(model, "seasonal_period_", None)
    return period or _seasons.seasonal_period(data.local_time, data.offsets)


def _metric_tables(
    frames: dict[str, pd.DataFrame], steps: int, names: list[Any], season: int
) -> str:
    """One table of `_metric_table` per target: errors of targets in other units never pool."""
    if len(names) == 1:
        return _metric_table(frames, steps, season)
    blocks = []
    for name in names:
        picked = {model: frame[frame["target"] == name] for model, frame in frames.items()}
        blocks.append(_metric_table(picked, steps, season, title=f"MAE of {name!r}"))
    return "\n".join(blocks)


def _metric_table(
    frames: dict[str, pd.DataFrame], steps: int, season: int, title: str = "MAE"
) -> str:
    """MAE per step of each model, its ratio to persistence, and the overall MAE and MASE.

    MASE: the frames' scale, the in-sample MAE of seasonal naive of ``season`` (named in the
    column's head; 1: persistence).
    """
    from tsforecast import metrics as m

    shown = list(range(1, steps + 1))
    if steps > 8:
        shown = sorted({1, 2, 3, max(1, steps // 4), steps // 2, steps})
    per_step = {name: m.mae(frame, by="step") for name, frame in frames.items()}
    overall = {name: (m.mae(frame), m.mase(frame)) for name, frame in frames.items()}
    width = max(len(name) for name in [*frames, title, "ratio to persistence"]) + 2
    head = f"  {title:<{width}}" + "".join(f"{f'step {k}':>10}" for k in shown)
    lines = [head + f"{'all':>10}{f'MASE (m={season})':>14}"]
    for name in frames:
        row = "".join(f"{per_step[name][k]:>10.4g}" for k in shown)
        lines.append(f"  {name:<{width}}{row}{overall[name][0]:>10.4g}{overall[name][1]:>14.3f}")
    ratio = "".join(
        f"{_ratio(per_step['LSTMForecaster'][k], per_step['persistence'][k]):>10}" for k in shown
    )
    total = _ratio(overall["LSTMForecaster"][0], overall["persistence"][0])
    lines.append(f"  {'ratio to persistence':<{width}}{ratio}{total:>10}")
    return "\n".join(lines)


def _ratio(error: float, naive: float) -> str:
    """Format ``error / naive``: a dash where neither erred, inf where only the model did."""
    if naive == 0:
        return "-" if error == 0 else "inf"
    return f"{error / naive:.3f}"


def _interval_coverages(frame: pd.DataFrame) -> list[float]:
    """Return the nominal coverage of each interval the frame's quantile columns pair up."""
    from tsforecast.metrics import _quantile_columns

    levels = tuple(sorted(_quantile_columns(frame)))
    return [round(levels[high] - levels[low], 9) for low, high in level_pairs(levels)]


def _interval_line(frame: pd.DataFrame, names: list[Any], coverage: float = 0.8) -> str:
    """Return the intervals' coverage, and their width in each target's own units."""
    from tsforecast import metrics as m

    def both(part: pd.DataFrame) -> tuple[float, float]:
        inside = m.interval_coverage(part, coverage=coverage)
        return inside, m.interval_width(part, coverage=coverage)

    inside, width = both(frame)
    line = f"{coverage:.0%} intervals: {inside:.1%} of the truths inside"
    if len(names) == 1:
        return f"{line} (mean width {width:.4g})."
    parts = []
    for name in names:
        inside, width = both(frame[frame["target"] == name])
        parts.append(f"{name!r} {inside:.1%} (mean width {width:.4g})")
    return f"{line}; by target: {', '.join(parts)}."
