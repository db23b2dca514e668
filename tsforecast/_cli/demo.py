"""``tsforecast demo``: fit on embedded real data, compare with naive forecasts, write plots."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._cli.outputs import writable_folder

DEMOS: dict[str, dict[str, Any]] = {
    "weather": {
        "title": "Hourly weather, Greensboro NC (NREL TMY3)",
        "feature": "Dry-bulb (C)",
        "scored": "Dry-bulb (C)",
        "horizon": 24,
        "seasonal": 24,
        "show": 24 * 7,
        "rows": "hours",
    },
    "speech": {
        "title": "Speech MFCC frames (10 ms)",
        "feature": "mfcc_1",
        "scored": None,  # a frame is a vector: score all 14 features
        "horizon": 10,
        "seasonal": None,
        "show": 300,
        "rows": "frames",
    },
}


def run_demo(args: argparse.Namespace) -> None:
    """Fit the forecaster on embedded real data and compare it with naive forecasts."""
    from tsforecast import LSTMForecaster, datasets

    if not args.no_plot:
        writable_folder(Path(args.out), "the plots")
    model = LSTMForecaster(
        context_length=args.context_length,
        max_time=args.budget,
        random_state=args.random_state,
        verbose=0 if args.quiet else 1,
    )
    if args.data == "ehr":
        data, figures = _demo_ehr(model, datasets.load_pbc())
    else:
        loader = datasets.load_weather if args.data == "weather" else datasets.load_speech_mfcc
        data, figures = _demo_series(model, loader(), DEMOS[args.data])
    _write_plots(model, data, figures, args)


def _demo_series(model: Any, data: Any, spec: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    from tsforecast import Persistence, SeasonalNaive, backtest
    from tsforecast import metrics as m

    # With datetime stamps the model reads the hour of the day (time_features="auto").
    X = data.to_frame() if data.local_time is not None else data.values
    n = len(X)
    split = int(0.8 * n)
    scored = spec["scored"]
    print(
        f"{spec['title']}: {n} {spec['rows']} x {data.n_features} features. Training on the "
        f"first 80% ({split} {spec['rows']}), testing on the last {n - split}."
    )
    model.fit(X.iloc[:split] if isinstance(X, pd.DataFrame) else X[:split])
    print(
        f"Trained {model.n_epochs_} epochs in {model.fit_seconds_:.1f} s "
        f"(stopped: {model.stopped_.replace('_', ' ')})."
    )
    horizon = spec["horizon"]
    intervals = model.quantiles_ is not None and horizon <= model.horizon_

    def run(forecaster: Any, steps: int, quantiles: Any = None) -> pd.DataFrame:
        with warnings.catch_warnings():
            if scored is not None:  # the table shows one target: not the others' dips below
                # 0 (the model forecasts every column of the table, radiation dipping at night)
                warnings.filterwarnings("ignore", "backtest: the forecasts of .* fall below 0")
            tested = backtest(forecaster, X, start=split, steps=steps, stride=steps,
                              quantiles=quantiles)  # fmt: skip
        return tested if scored is None else tested[tested["target"] == scored]

    one, many = run(model, 1, intervals or None), run(model, horizon, intervals or None)
    table = {"LSTMForecaster": (m.mae(one), m.mae(many))}
    table["persistence"] = (m.mae(run(Persistence(), 1)), m.mae(run(Persistence(), horizon)))
    season = spec["seasonal"]
    if season:
        naive = SeasonalNaive(period=season)
        table[f"seasonal naive ({season} {spec['rows']})"] = (
            m.mae(run(naive, 1)),
            m.mae(run(naive, horizon)),
        )
    what = scored if scored is not None else f"all {data.n_features} features"
    print(f"\nTest-set MAE of {what}:")
    print(f"  {'model':<30} {'1 step':>8} {f'{horizon} steps':>9}")
    for name, (first, later) in table.items():
        print(f"  {name:<30} {first:>8.3f} {later:>9.3f}")
    n_origins = many["origin"].nunique()
    print(f"  ({n - split} one-step forecasts; {n_origins} {horizon}-step forecasts)")
    interval = None
    if intervals and {0.1, 0.9} <= set(model.quantiles_):
        interval = model.predict_interval(X, coverage=0.8)
        print(
            f"80% intervals: {m.interval_coverage(one):.1%} of the test values inside at 1 step, "
            f"{m.interval_coverage(many):.1%} at {horizon} steps (calibrated on the validation "
            "data, adapted along the test history)."
        )
    figures = {
        "feature": spec["feature"],
        "one_step": model.predict(X),
        "interval": interval,
        "forecasts": many,
        "last": spec["show"],
        "title": f"{spec['title']}: last {spec['show']} {spec['rows']} of the test set",
    }
    return data, figures


def _demo_ehr(model: Any, data: Any) -> tuple[Any, dict[str, Any]]:
    from tsforecast import Persistence

    X, groups = data.values, data.groups
    last = data.offsets[1:] - 1
    held_out = last[np.diff(data.offsets) >= 2]
    train = np.ones(len(X), bool)
    train[held_out] = False
    print(
        f"PBC trial visits: {data.n_series} patients, {len(X)} visits (1 to "
        f"{data.series_lengths.max()} each), {data.n_features} features. Training on all but "
        f"each patient's last visit; testing on those {len(held_out)} last visits."
    )
    model.fit(X[train], groups=groups[train])
    print(
        f"Trained {model.n_epochs_} epochs in {model.fit_seconds_:.1f} s "
        f"(stopped: {model.stopped_.replace('_', ' ')})."
    )
    predictions = model.predict(X, groups=groups)
    observed = data.mask[held_out]
    scale = X[train].std(axis=0)
    bili = data.features.index("bili")
    print("\nNext-visit forecast error on the held-out visits (observed values only):")
    print(f"  {'model':<16} {'MAE (std. dev.)':>16} {'bili MAE (mg/dl)':>17}")
    for name, forecast in [
        ("LSTMForecaster", predictions[held_out - 1]),
        (
            "persistence",
            Persistence().fit(X, groups=groups).predict(X, groups=groups)[held_out - 1],
        ),
    ]:
        error = np.abs(forecast - X[held_out])
        scaled = (error / scale)[observed].mean()
        print(f"  {name:<16} {scaled:>16.3f} {error[observed[:, bili], bili].mean():>17.3f}")
    patient = data.series_ids[np.argmax(data.series_lengths)]
    figures = {
        "feature": "bili",
        "one_step": predictions,
        "forecasts": [],
        "group": patient,
        "last": None,
        "title": f"PBC patient {patient} ({data.series_lengths.max()} visits): bilirubin, "
        "with the forecast of each visit from the visits before it",
    }
    return data, figures


def _write_plots(model: Any, data: Any, figures: dict[str, Any], args: argparse.Namespace) -> None:
    if args.no_plot:
        return
    try:
        import matplotlib.pyplot as plt

        from tsforecast.plotting import plot_forecast, plot_history
    except ImportError:
        print('\n(no plots: install matplotlib with pip install "tsforecast[plot]")')
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    forecast_png = out / f"tsforecast-demo-{args.data}.png"
    history_png = out / f"tsforecast-demo-{args.data}-history.png"
    ax = plot_forecast(
        data,
        feature=figures["feature"],
        one_step=figures["one_step"],
        interval=figures.get("interval"),
        forecasts=figures["forecasts"],
        group=figures.get("group"),
        last=figures["last"],
        title=figures["title"],
    )
    ax.figure.savefig(forecast_png, dpi=110)
    plt.close(ax.figure)
    ax = plot_history(model)
    ax.figure.savefig(history_png, dpi=110)
    plt.close(ax.figure)
    print(f"\nPlots written: {forecast_png} and {history_png}")
