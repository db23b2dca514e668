"""Checks of a saved model's state.json: the transform, the forecast state, counts, weights.

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
from tsforecast._recurrent.seasonal_average import WEIGHTS
from tsforecast._recurrent.series_scales import SeriesScales, id_from_key, id_key
from tsforecast._recurrent.target_transform import TRANSFORMS, TargetTransform

__all__ = [
    "check_forecast_state",
    "count",
    "low_high_pairs",
    "saved_seasonal_average",
    "saved_series_weights",
    "saved_transform",
    "scores_as_pairs",
    "weights_as_triples",
]


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
    n_pairs = len(level_pairs(tuple(levels or ())))
    _check_array(state, "conformal_margins_", (len(ALPHAS), horizon, n_pairs, n_outputs), bad)
    _check_array(state, "interval_widening_", (horizon, len(levels or ()), n_outputs), bad, 1.0)
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


def _check_array(
    state: dict[str, Any], name: str, shape: tuple[int, ...], bad: Any, least: float | None = None
) -> None:
    """Refuse ``state[name]`` unless None or an array of ``shape`` finite numbers (>= least)."""
    value = state.get(name)
    if value is None:
        return
    try:
        array = np.asarray(value, np.float64)
    except (TypeError, ValueError):
        raise bad(f"{name} is not an array of numbers") from None
    fine = np.isfinite(array) & (array >= (-np.inf if least is None else least))
    if array.shape != shape or not fine.all():
        floor = "" if least is None else f" >= {least:g}"
        raise bad(f"{name} must hold {' x '.join(map(str, shape))} finite numbers{floor}")


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


def scores_as_pairs(scores: dict[float, float] | None) -> list[list[float]] | None:
    """Return ``seasonal_average_scores_`` as JSON can hold it: [weight, error] pairs."""
    return None if scores is None else [[float(w), float(e)] for w, e in scores.items()]


def saved_seasonal_average(state: dict[str, Any], bad: Any) -> tuple[float, dict | None]:
    """Read the seasonal average's weight and scores (formats 1-8: weight 0, no scores)."""
    if state.get("format_version", 1) < 9:
        return 0.0, None
    if "seasonal_average_weight_" not in state:
        raise bad("no seasonal_average_weight_")
    weight, pairs = state["seasonal_average_weight_"], state.get("seasonal_average_scores_")
    number = isinstance(weight, (int, float)) and not isinstance(weight, bool)
    if not (number and 0.0 <= weight <= 1.0):
        raise bad(f"seasonal_average_weight_ is {weight!r}, not a weight in [0, 1]")
    if pairs is None:
        return float(weight), None
    if not (isinstance(pairs, list) and all(
        isinstance(p, list) and len(p) == 2 and p[0] in WEIGHTS
        and isinstance(p[1], (int, float)) and not isinstance(p[1], bool)
        for p in pairs
    )):  # fmt: skip
        raise bad(f"seasonal_average_scores_ is {pairs!r}, not [weight, error] pairs")
    return float(weight), {float(w): float(e) for w, e in pairs}


def weights_as_triples(weights: dict[Any, float] | None) -> list[list[Any]] | None:
    """Return ``seasonal_average_weights_`` as JSON can hold it: [kind, text, weight]."""
    if weights is None:
        return None
    return [[*id_key(series_id), float(weight)] for series_id, weight in weights.items()]


def saved_series_weights(state: dict[str, Any], bad: Any) -> dict[Any, float] | None:
    """Read ``seasonal_average_weights_`` (formats 1-9: None, one weight for every series)."""
    if state.get("format_version", 1) < 10:
        return None
    if "seasonal_average_weights_" not in state:
        raise bad("no seasonal_average_weights_")
    triples = state["seasonal_average_weights_"]
    if triples is None:
        return None
    if not (isinstance(triples, list) and all(
        isinstance(t, list) and len(t) == 3 and isinstance(t[0], str) and isinstance(t[1], str)
        and isinstance(t[2], (int, float)) and not isinstance(t[2], bool) and 0 <= t[2] <= 1
        for t in triples
    )):  # fmt: skip
        raise bad(f"seasonal_average_weights_ is {str(triples)[:200]}, not [kind, id, weight]s")
    return {id_from_key(kind, text): float(weight) for kind, text, weight in triples}
