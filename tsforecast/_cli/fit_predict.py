"""``tsforecast fit`` and ``tsforecast predict``: a model directory from a table, and back."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._cli.inputs import ADAPTER_FILE, adapter_options, read_adapter
from tsforecast._cli.inputs import read_data as _read  # under the name tests replace
from tsforecast._cli.model_options import adapter_roles, model_params
from tsforecast._cli.outputs import check_model_out, writable_folder


def run_fit(args: argparse.Namespace) -> None:
    """Read a table with an adapter, fit the forecaster, save it to a model directory."""
    from tsforecast import LSTMForecaster

    if args.data is None:
        raise ValueError("fit needs the file to read: tsforecast fit DATA --kind ... --out ...")
    options = adapter_options(args)
    check_model_out(Path(args.out), args.overwrite)
    data = _read(args.kind, args.data, options)
    print(f"Read {args.data}: {data}")
    params = adapter_roles(model_params(args), data)
    if params.get("static_covariates") != args.static_covariates:
        print(f"Static covariates (the table's static columns): {params['static_covariates']}")
    model = LSTMForecaster(**params, verbose=0 if args.quiet else 1).fit(data)
    out = model.save(args.out, overwrite=args.overwrite)
    (out / ADAPTER_FILE).write_text(json.dumps({"kind": args.kind, "options": options}, indent=2))
    valid = model.history_[model.best_epoch_ - 1]["valid_loss"] if model.best_epoch_ else None
    if model.best_epoch_ == 0:
        print("No epoch beat the starting naive forecaster on the validation data; kept it.")
    print(
        f"Trained {model.n_epochs_} epochs in {model.fit_seconds_:.1f} s"
        + (f" (validation loss {valid:.4f})" if valid is not None else "")
        + f". Model saved to {out}/"
    )
    print(_verdict(model))
    members = getattr(model, "transform_members_", [])
    if members:
        names = [m.target_transform_.name for m in [model, *members]]
        print(
            f"Forecasts are the median of {len(names)} models, one per target transform "
            f"({', '.join(names)}); the figures above are the first one's."
        )
    weight = getattr(model, "seasonal_average_weight_", 0.0)
    own = list((getattr(model, "seasonal_average_weights_", None) or {}).values())
    where = ""
    if own:  # every series of the table has its own weight
        weight = max(own)
        where = f" for {sum(w > 0 for w in own)} of the {len(own)} series (their own weights)"
    if weight:
        print(
            f"Forecasts move {weight:g} of the way to the seasonal average{where} (the last "
            "season's mean plus the seasons' profile), so the comparison above is the "
            "network's alone; fit warns if the combined forecasts lose to persistence or "
            "seasonal naive. See seasonal_average in the guide."
        )


def _verdict(model: Any) -> str:
    """Return one line: whether the fitted model beats persistence on the validation data."""
    scores = model.baseline_scores_
    if not scores or scores.get("persistence") is None:
        return "Not compared with persistence (no validation data: validation_fraction=0)."
    ours = np.asarray(scores["model"], dtype=float)
    naive = np.asarray(scores["persistence"], dtype=float)
    scored = np.isfinite(ours) & np.isfinite(naive)  # steps with validation targets
    if not scored.any():
        return "Not compared with persistence (no step could be scored on the validation data)."
    ours, naive = ours[scored], naive[scored]
    wins, n = int((ours < naive).sum()), len(ours)
    if wins == n:
        verdict = "beats persistence at every step ahead"
    elif wins == 0:
        verdict = "does NOT beat persistence at any step ahead"
    else:
        verdict = f"beats persistence at {wins} of {n} steps ahead only"
    return (
        f"On the validation data the model {verdict} (MAE {ours.mean():.3f} against "
        f"{naive.mean():.3f} for persistence, in standard deviations, mean over "
        f"{n} step(s))."
    )


def run_predict(args: argparse.Namespace) -> None:
    """Forecast the steps after the end of each series of a table with a saved model."""
    from tsforecast import LSTMForecaster

    model_dir = Path(args.model)
    out = Path(args.out)
    if args.out != "-":  # "-": the standard output
        if out.is_dir():
            raise IsADirectoryError(f"--out '{out}' is a directory; name the CSV file to write.")
        writable_folder(out.parent, "the forecast")
    adapter = read_adapter(model_dir)
    model = LSTMForecaster.load(model_dir)
    data = _read(adapter["kind"], args.data, adapter["options"])
    if args.quantiles and not model.quantiles_:
        raise ValueError(
            f"--quantiles: the model in '{model_dir}' forecasts points only (fitted with "
            "--quantiles none); refit it with quantile levels (the default) to write them."
        )
    result = model.forecast(data, steps=args.steps, quantiles=True if args.quantiles else None)
    if isinstance(result, pd.DataFrame):
        table = result.reset_index()
        for name in result.index.names:  # years read as 1971 come back as 1971, not 1971.0
            stamps = table[name]
            if pd.api.types.is_float_dtype(stamps) and bool((stamps % 1 == 0).all()):
                table[name] = stamps.astype(np.int64)
    else:
        values = result if result.ndim == 3 else result[None]
        ids = data.series_ids if data.groups is not None else [None]
        parts = []
        for series_id, block in zip(ids, values, strict=True):
            part = pd.DataFrame(block, columns=model.target_names_)
            part.insert(0, "step", np.arange(1, args.steps + 1))
            if series_id is not None:
                part.insert(0, "group", series_id)
            parts.append(part)
        table = pd.concat(parts, ignore_index=True)
    if args.out == "-":  # the table alone on stdout, to pipe on
        table.to_csv(sys.stdout, index=False)
        return
    table.to_csv(args.out, index=False)
    print(f"Forecast {args.steps} steps for {data.n_series} series; written to {args.out}")
