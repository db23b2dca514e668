"""How well the 80% intervals of a quarterly panel are calibrated, over more values than the goal's.

Issue 27's goal scores a region's coverage on 24 values (three origins, eight steps), too few
to tell calibration from the test years' luck (`bench_coverage_ceiling.py`). This measures the
defaults' intervals on ``visnights`` three ways, each fitted with seeds 0-2:

- ``protocol``: as ``bench_classic`` scores it (fitted on the rows before row 60, origins at
  60, 64 and 68);
- ``many origins``: fitted on the first 52 quarters, forecasting 8 steps from each of the 17
  origins after (136 values per region);
- ``simulated``: panels of 80 quarters drawn from each region's structural model (a local
  level and a stochastic quarterly season on the logs, fitted by statsmodels'
  ``UnobservedComponents`` to the region's first 64 quarters): the same kind of series, with
  no break in the test years; one panel per seed, scored as the protocol scores.

Beside today's intervals (``as given``) it scores one alternative: every interval's width
about the point forecast multiplied by one factor, the conformal quantile (rank
``ceil((n + 1) 0.8)``) of ``|truth - forecast|`` over the interval's half-width on that side,
over the forecasts from every origin of the validation rows (``validation factor``).

Run: ``python benchmarks/bench_panel_calibration.py --out
benchmarks/results/panel_calibration`` (about 30 seconds on 2 cores; needs statsmodels).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from bench_classic import SET, load

from tsforecast import LSTMForecaster, backtest

SEEDS, STEPS, BAND = (0, 1, 2), 8, (0.6, 0.95)


def simulated_panel(wide: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Return a panel of 80 quarters drawn from each region's structural model."""
    import statsmodels.api as sm

    rng = np.random.default_rng(seed)
    parts = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for region in wide:
            logs = np.log(wide[region].to_numpy()[:64])
            fitted = sm.tsa.UnobservedComponents(
                logs, level="local level", freq_seasonal=[{"period": 4, "harmonics": 2}],
                stochastic_freq_seasonal=[True],
            ).fit(disp=False)  # fmt: skip
            drawn = fitted.simulate(80, anchor="start", initial_state=fitted.smoothed_state[:, 0],
                                    rng=rng)  # fmt: skip
            stamps = pd.date_range("1998-01-01", periods=80, freq="QS", name="time")
            parts[region] = pd.Series(np.exp(np.asarray(drawn)), index=stamps)
    return pd.concat(parts, names=["region", "time"]).to_frame("value")


def validation_factor(model: LSTMForecaster, frame: pd.DataFrame, rows: int) -> float:
    """Return the width factor that covers 80% of the forecasts from the validation origins."""
    held_out = rows - int(np.floor(rows * (1 - model.validation_fraction_)))
    table = backtest(model, frame, start=rows - held_out, steps=STEPS, stride=1, quantiles=True)
    end = sorted(frame.index.get_level_values("time").unique())[rows]
    table = table[table["time"] < end]  # the truths inside the fitted rows
    ratios = np.sort(np.where(
        table["truth"] >= table["forecast"],
        (table["truth"] - table["forecast"]) / (table["q0.9"] - table["forecast"]),
        (table["forecast"] - table["truth"]) / (table["forecast"] - table["q0.1"]),
    ))  # fmt: skip
    return float(ratios[min(int(np.ceil((len(ratios) + 1) * 0.8)), len(ratios)) - 1])


def coverage(table: pd.DataFrame, factor: float) -> dict[str, float]:
    """Pooled and per-region coverage of the intervals widened by ``factor``."""
    point = table["forecast"]
    lower = point - factor * (point - table["q0.1"])
    upper = point + factor * (table["q0.9"] - point)
    inside = (table["truth"] >= lower) & (table["truth"] <= upper)
    by_region = inside.groupby(table["region"]).mean()
    return {
        "pooled": float(inside.mean()),
        "median": float(by_region.median()),
        "within": float(((by_region >= BAND[0]) & (by_region <= BAND[1])).mean()),
        "above": float((by_region > BAND[1]).mean()),
    }


def measure(frame: pd.DataFrame, rows: int, stride: int, seed: int) -> dict[str, dict]:
    """Fit on the first ``rows`` quarters of each region; score both kinds of interval."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSTMForecaster(random_state=seed).fit(frame.groupby(level="region").head(rows))
        table = backtest(model, frame, start=rows, steps=STEPS, stride=stride, quantiles=True)
        factor = validation_factor(model, frame, rows)
    return {"as given": coverage(table, 1.0), "validation factor": coverage(table, factor)}


def main() -> None:
    """Measure each setting with each seed; print (and with ``--out`` write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    visnights = load(next(series for series in SET if series.name == "visnights"))
    settings = {
        "protocol": lambda seed: measure(visnights, 60, 4, seed),
        "many origins": lambda seed: measure(visnights, 52, 1, seed),
        "simulated": lambda seed: measure(
            simulated_panel(visnights["value"].unstack(0), seed), 64, 4, seed
        ),
    }
    lines = [
        "| setting | intervals | pooled coverage | median region | regions within 0.6-0.95 "
        "| regions above 0.95 |",
        "|---|---|---|---|---|---|",
    ]
    for name, run in settings.items():
        found = [run(seed) for seed in SEEDS]
        for kind in found[0]:
            mean = {key: np.mean([f[kind][key] for f in found]) for key in found[0][kind]}
            lines.append(f"| {name} | {kind} | {mean['pooled']:.3f} | {mean['median']:.3f} "
                         f"| {mean['within']:.0%} | {mean['above']:.0%} |")  # fmt: skip
        print(*lines[-2:], sep="\n", flush=True)
    table = "\n".join(lines)
    if args.out is not None:
        about = "\n\n".join(__doc__.split("\n\n")[1:4])
        command = "python benchmarks/bench_panel_calibration.py --out " + str(args.out)
        args.out.with_suffix(".md").write_text(
            "# Calibration of a quarterly panel's 80% intervals\n\n"
            f"{about}\n\nMeans over seeds {list(SEEDS)}. Command: `{command}`\n\n{table}\n"
        )


if __name__ == "__main__":
    main()
