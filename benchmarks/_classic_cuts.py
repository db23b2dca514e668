"""Shorter cuts of the classic development series, for `bench_classic`.

The series a data scientist brings are often shorter than those of the development set (46 to
117 points here, against 114 to 476): the first and the second half of each monthly and
quarterly series of the set, and the monthly series summed by quarter (the first and last,
partial quarters dropped). Each cut is scored as a series of the set (`bench_classic`'s
protocol: three origins, MASE against seasonal naive of period ``m``), with the defaults and
seasonal naive. These cuts come from the development data: they measure the short regime,
and tune nothing that the development set does not.
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
    return found


def score_cuts(
    found: dict[str, tuple[Any, ...]],
    seeds: list[int],
    params: dict[str, Any],
    origins: Callable[[int, int], list[int]],
    mase_of: Callable[..., float],
    seasonal_naive: Callable[..., dict[int, np.ndarray]],
) -> list[dict[str, Any]]:
    """Return, per cut, its length, seasonal naive's MASE and the defaults' per seed."""
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
        rows.append({"cut": name, "n": len(values), "seasonal naive":
                     mase_of(truth, seasonal_naive(truth, m, h), m, h),
                     "tsforecast_seeds": per_seed})  # fmt: skip
    return rows


def cuts_markdown(rows: list[dict[str, Any]]) -> str:
    """Return the cuts' table, with the means, wins and the worst ratio to seasonal naive."""
    lines = ["", "Shorter cuts of the monthly and quarterly series (halves, and monthly series "
             "summed by quarter; MASE, median of seeds):", "",
             "| cut | rows | seasonal naive | tsforecast |", "|---|---|---|---|"]  # fmt: skip
    model = [statistics.median(row["tsforecast_seeds"]) for row in rows]
    naive = [row["seasonal naive"] for row in rows]
    for row, score in zip(rows, model, strict=True):
        lines.append(f"| {row['cut']} | {row['n']} | {row['seasonal naive']:.3f} | {score:.3f} |")
    lines.append(f"| **mean** | | {np.mean(naive):.3f} | {np.mean(model):.3f} |")
    wins = sum(a < b for a, b in zip(model, naive, strict=True))
    worst = max(a / b for a, b in zip(model, naive, strict=True))
    lines += ["", f"tsforecast beats seasonal naive on {wins} of {len(rows)} cuts; worst "
              f"tsforecast / seasonal naive: {worst:.3f}"]  # fmt: skip
    return "\n".join(lines) + "\n"
