"""Checks of a saved model's state.json: the transform, the forecast state, counts.

`model_files.load_model` reads each part of a saved state through these, so that an altered
or inconsistent file is refused with a message naming what is wrong (``bad``), before
anything is built from it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from tsforecast._recurrent.intervals import ALPHAS, level_pairs
from tsforecast._recurrent.naive_scores import BASELINES
from tsforecast._recurrent.series_scales import SeriesScales
from tsforecast._recurrent.target_transform import TRANSFORMS, TargetTransform

__all__ = ["check_forecast_state", "count", "low_high_pairs", "saved_transform"]


def saved_transform(saved: Any, targets: list[int] | None, bad: Any) -> TargetTransform | None:
    """Return the target transform of ``state.json`` (None: a model saved without one)."""
    if saved is None:
        return None
    if not (
        isinstance(saved, dict)
        and saved.get("name") in TRANSFORMS
        and count(saved.get("lag"), 0)
        and saved.get("columns") == (targets or [])
    ):
        raise bad(f"target_transform_ is {str(saved)[:200]}")
    scales = None
    if saved.get("series_scales") is not None:
        try:
            scales = SeriesScales.from_state(saved["series_scales"], len(saved["columns"]))
        except ValueError as error:
            raise bad(str(error)) from None
    transform = TargetTransform(saved["name"], int(saved["lag"]), tuple(saved["columns"]))
    return replace(transform, series_scales=scales)


def check_forecast_state(state: dict[str, Any], n_outputs: int, bad: Any) -> None:
    """Check the horizon, quantile levels, calibration and baseline scores against each other."""
    horizon, levels = state["horizon_"], state["quantiles_"]
    if not count(horizon):
        raise bad(f"horizon_ is {horizon!r}")
    if levels is not None and not (
        isinstance(levels, list)
        and all(isinstance(v, float) and 0 < v < 1 for v in levels)
        and levels == sorted(set(levels))
        and 0.5 in levels
    ):
        raise bad(f"quantiles_ {levels!r} are not sorted distinct levels in (0, 1) with 0.5")
    season = state["seasonal_period_"]
    if season is not None and not count(season, 2):
        raise bad(f"seasonal_period_ is {season!r}")
    margins = state.get("conformal_margins_")
    if margins is not None:
        n_pairs = len(level_pairs(tuple(levels or ())))
        try:
            array = np.asarray(margins, np.float64)
        except (TypeError, ValueError):
            raise bad("conformal_margins_ is not an array of numbers") from None
        expected = (len(ALPHAS), horizon, n_pairs, n_outputs)
        if array.shape != expected or not np.isfinite(array).all():
            raise bad(
                f"conformal_margins_ must hold {' x '.join(map(str, expected))} finite numbers"
            )
    scores = state["baseline_scores_"]
    if scores is not None and not (
        isinstance(scores, dict)
        and set(scores) == {"model", *BASELINES}
        and all(
            isinstance(v, list)
            and len(v) == horizon
            and all(x is None or isinstance(x, (int, float)) for x in v)
            for v in scores.values()
        )
    ):
        raise bad(f"baseline_scores_ does not hold {horizon} scores per forecaster")


def low_high_pairs(state: dict[str, Any], name: str, n_outputs: int, bad: Any) -> Any:
    """Read a (n_outputs, 2) table of numbers, or None (in ``bounds_``, None: no bound)."""
    value = state.get(name)
    if value is None:
        return None
    try:
        table = np.array(value, dtype=np.float64)  # None becomes NaN
    except (TypeError, ValueError):
        raise bad(f"{name} is not a table of numbers") from None
    if table.shape != (n_outputs, 2):
        raise bad(f"{name} must hold a (low, high) pair per target")
    if name == "bounds_":
        table[:, 0] = np.where(np.isnan(table[:, 0]), -np.inf, table[:, 0])
        table[:, 1] = np.where(np.isnan(table[:, 1]), np.inf, table[:, 1])
    elif np.isinf(table).any():  # NaN: a target never observed in fit
        raise bad(f"{name} holds infinite values")
    return table


def count(value: Any, minimum: int = 1) -> bool:
    """Whether ``value`` is a JSON integer >= ``minimum`` (booleans are not)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum
