"""Shorter cuts of the classic development series, for `bench_classic`.

The series a data scientist brings are often shorter than those of the development set (46 to
238 points here, against 114 to 476): the first and the second half of each monthly and
quarterly series of the set, the monthly series summed by quarter (the first and last,
partial quarters dropped), and the first and last five years of each monthly series (60
points, the shortest the issue names: 24 rows are fitted). Each cut is scored as a series of
the set (`bench_classic`'s protocol: three origins, MASE against seasonal naive of period
``m``), with the defaults, seasonal naive and (with statsforecast) the statistical models.
These cuts come from the development data: they measure the short regime, and tune nothing
that the development set does not.
"""

from __future__ import annotations

import statistics
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from tsforecast import LSTMForecaster

__all__ = ["cuts", "cuts_markdown", "score_cuts"]

# Months in the five-year cuts of the monthly series.
FIVE_YEARS = 60
# The statistical references shown beside the cuts (when statsforecast computed them).
REFERENCE_MODELS = ("AutoETS", "AutoTheta", "AutoARIMA")


def cuts(series: list[Any], load: Callable[[Any], pd.DataFrame]) -> dict[str, tuple[Any, ...]]:
    """Return ``name -> (values, m, h)`` for the cuts of the monthly and quarterly ``series``."""
    found: dict[str, tuple[Any, ...]] = {}
    for one in series:
        if one.m not in (4, 12) or one.name == "visnights":
            continue
        values = load(one)["value"]
        half = len(values) // 2
        if one.m == 12:
            quarters = values.groupby(pd.PeriodIndex(values.index, freq="Q")).sum().iloc[1:-1]
            quarters.index = quarters.index.to_timestamp()
            found[f"{one.name} by quarter"] = (quarters, 4, 8)
        found[f"{one.name} first half"] = (values.iloc[:half], one.m, one.h)
        found[f"{one.name} second half"] = (values.iloc[half:], one.m, one.h)
        if one.m == 12:
            found[f"{one.name} first 5 years"] = (values.iloc[:FIVE_YEARS], one.m, one.h)
            found[f"{one.name} last 5 years"] = (values.iloc[-FIVE_YEARS:], one.m, one.h)
    return found


def score_cuts(
    found: dict[str, tuple[Any, ...]],
    seeds: list[int],
    params: dict[str, Any],
    origins: Callable[[int, int], list[int]],
    mase_of: Callable[..., float],
    references: Callable[..., dict[str, float]],
) -> list[dict[str, Any]]:
    """Return, per cut, its length, the references' MASE and the defaults' per seed.

    ``references(name, {name: values}, m, h)``: seasonal naive's MASE and the statistical
    models' (`bench_classic.references_of`).
    """
    rows = []
    for name, (values, m, h) in found.items():
        frame, truth = values.to_frame("value"), values.to_numpy(float)
        starts = origins(len(values), h)
        per_seed = []
        for seed in seeds:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = LSTMForecaster(random_state=seed, **params).fit(frame.iloc[: starts[0]])
                forecasts = {o: model.forecast(frame.iloc[:o], h)["value"].to_numpy()
                             for o in starts}  # fmt: skip
            per_seed.append(mase_of(truth, forecasts, m, h))
        reference = references(f"cut: {name}", {name: truth}, m, h)
        rows.append({"cut": name, "n": len(values), **reference,
                     "tsforecast_seeds": per_seed})  # fmt: skip
    return rows


def cuts_markdown(rows: list[dict[str, Any]]) -> str:
    """Return the cuts' table, with the means, wins and the worst ratio to seasonal naive."""
    shown = ["seasonal naive"] + [m for m in REFERENCE_MODELS if all(m in r for r in rows)]
    lines = ["", "Shorter cuts of the monthly and quarterly series (halves, monthly series "
             "summed by quarter, five-year cuts; MASE, median of seeds):", "",
             f"| cut | rows | {' | '.join(shown)} | tsforecast |",
             "|---|---|" + "---|" * (len(shown) + 1)]  # fmt: skip
    model = [statistics.median(row["tsforecast_seeds"]) for row in rows]
    for row, score in zip(rows, model, strict=True):
        figures = " | ".join(f"{row[m]:.3f}" for m in shown)
        lines.append(f"| {row['cut']} | {row['n']} | {figures} | {score:.3f} |")
    means = " | ".join(f"{np.mean([row[m] for row in rows]):.3f}" for m in shown)
    lines.append(f"| **mean** | | {means} | {np.mean(model):.3f} |")
    beats = []
    for reference in shown:
        theirs = [row[reference] for row in rows]
        beats.append(f"{reference} on {sum(a < b for a, b in zip(model, theirs, strict=True))}")
    naive = [row["seasonal naive"] for row in rows]
    worst = max(a / b for a, b in zip(model, naive, strict=True))
    lines += ["", f"tsforecast beats, of {len(rows)} cuts: {', '.join(beats)}; worst "
              f"tsforecast / seasonal naive: {worst:.3f}"]  # fmt: skip
    return "\n".join(lines) + "\n"
