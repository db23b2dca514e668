"""Whether forecasts combined with the seasonal average beat the naive forecasters.

At the end of training, fit scores the network alone beside the naive forecasters
(`naive_scores`). Where a forecaster combines the network's forecasts with the seasonal
average (``seasonal_average_weight_`` > 0), those are not the forecasts it gives: a network
that loses to seasonal naive may be combined into forecasts that beat it, and the advice to
forecast with the baseline would then be wrong, while a combination may lose where the
network alone won. Fit judges the forecasts it gives instead: their error beside
persistence's and seasonal naive's from every origin of the validation part of each series
(the held-out rows ``baseline_scores_`` are scored on), on the same rows
(`transform_choice.validation_error` with ``at_least=0``: MAE scaled per series by the
in-sample seasonal-naive error, the measure the weight is chosen on over the last 40% of
each series), and warns with `losing_message` when one of them errs less.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tsforecast._checks import show
from tsforecast._recurrent.naive_scores import NOISE_MARGIN
from tsforecast._segments import repeated_rows

__all__ = ["SERIES_MARGIN", "jointly", "losing_message", "losing_series", "naive_forecasts"]

# A series of a panel is said to lose to a naive forecaster on its own validation rows when
# its forecasts err more than this many times as much (a few rows per series: closer errors
# are noise).
SERIES_MARGIN = 1.5

Forecast = Callable[[np.ndarray, np.ndarray, int], np.ndarray]


def naive_forecasts(
    values: np.ndarray, firsts: np.ndarray, lasts: np.ndarray, steps: int, lag: int
) -> np.ndarray:
    """Return the naive forecasts of lag ``lag`` after each row of ``lasts``.

    Step ``k`` repeats row ``lasts - lag + 1 + (k mod lag)``: the last value for ``lag``
    1 (persistence), the last season for the seasonal period. ``values``: ``(n_rows,
    n_targets)``, each missing value carried forward as the public baselines read it
    (`_segments.carried_forward`); ``firsts``: each origin's series' first row.
    Returns ``(n, steps, n_targets)``, NaN where the series holds fewer than ``lag`` rows
    up to the origin.

    Examples
    --------
    >>> values = np.arange(6.0)[:, None]
    >>> naive_forecasts(values, np.array([0]), np.array([3]), 3, 2)[0, :, 0].tolist()
    [2.0, 3.0, 2.0]
    """
    rows = repeated_rows(lasts, steps, lag)  # as the public baselines read them
    found = values[np.maximum(rows, 0)]
    enough = lasts - lag + 1 >= firsts  # a whole season (or value) of history
    return np.where(enough[:, None, None], found, np.nan)


def jointly(forecasts: Sequence[Forecast]) -> list[Forecast]:
    """Return ``forecasts``, each NaN wherever one of them has none: scored on the same rows.

    Each is called once per set of origins (the first of the returned to be called computes
    them all).
    """
    made: dict[str, Any] = {}

    def one(i: int) -> Forecast:
        def forecast(firsts: np.ndarray, lasts: np.ndarray, steps: int) -> np.ndarray:
            key = (np.asarray(lasts).tobytes(), steps)
            if made.get("key") != key:
                found = [f(firsts, lasts, steps) for f in forecasts]
                known = np.logical_and.reduce([np.isfinite(f) for f in found])
                made.update(key=key, found=[np.where(known, f, np.nan) for f in found])
            return made["found"][i]

        return forecast

    return [one(i) for i in range(len(forecasts))]


def losing_message(
    weight: float, combined: float, naive: dict[str, float], some: bool = False
) -> str | None:
    """Say which naive forecaster errs less than the combined forecasts, if one does.

    ``combined``: the error on the validation part of the forecasts moved ``weight`` of the
    way to the seasonal average (``some``: those of some series only, a weight per series);
    ``naive``: each naive forecaster's on the same rows (NaN: not scored).
    Returns the warning's text, naming the best of them, or None where the combination errs
    no more than `naive_scores.NOISE_MARGIN` times each (the validation rows of short series
    are too few to tell closer errors apart), or nothing was scored.

    Examples
    --------
    >>> losing_message(0.5, 0.8, {"persistence": 1.2, "seasonal naive": 0.9}) is None
    True
    >>> losing_message(0.5, 1.0, {"persistence": 1.2, "seasonal naive": 0.85})[:48]
    'LSTMForecaster: on the validation rows the forec'
    """
    scored = {name: error for name, error in naive.items() if np.isfinite(error)}
    if not scored or not np.isfinite(combined):
        return None
    name = min(scored, key=scored.__getitem__)
    if combined <= NOISE_MARGIN * scored[name]:
        return None
    return (
        f"LSTMForecaster: on the validation rows the forecasts (the network's, moved "
        f"{weight:g} of the way to the seasonal average"
        + (" for some series, seasonal_average_weights_" if some else "")
        + f") do not beat {name}: their MAE, "
        f"scaled per series by the in-sample seasonal-naive MAE, is {combined:.4g} against "
        f"{scored[name]:.4g}, more than the 10% so few values tell apart. See "
        "seasonal_average_scores_ and baseline_scores_ (the network "
        "alone); more data or epochs, or another seasonal_average, may help, or forecast "
        "with the baseline."
    )


def losing_series(given: np.ndarray, naive: dict[str, np.ndarray], ids: np.ndarray) -> str | None:
    """Say which series of a panel the forecasts lose on, each on its own validation rows.

    A pooled check (`losing_message`) misses a series one model forecasts far worse than a
    naive forecaster while the others carry the pool (a trial's panel of unlike quarterly
    series: inflation at MASE 1.85 where seasonal naive scored 0.84, no word). ``given`` and
    ``naive[name]``: each series' scaled MAE on its validation rows ``(n_series,)`` (NaN: not
    scored); a series loses where its error is over `SERIES_MARGIN` times the least naive
    one's. A series that a naive forecaster forecasts exactly there (error 0: its values did
    not change) is not judged: no ratio to 0 tells a loss from float noise. Returns the
    warning, naming the worst (at most five), or None.

    Examples
    --------
    >>> ids = np.array(["a", "b", "c"])
    >>> losing_series(np.array([0.5, 2.0, 1.0]), {"seasonal naive": np.array([1.0, 0.8, 0.9])},
    ...               ids)[:60]
    "LSTMForecaster: on their own validation rows, 1 of 3 series'"
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        best = np.fmin.reduce([naive[name] for name in naive])
        ratio = given / best
    losing = np.flatnonzero(np.isfinite(ratio) & (ratio > SERIES_MARGIN))
    if not len(losing):
        return None
    worst = losing[np.argsort(-ratio[losing])][:5]
    named = ", ".join(f"{show(ids[i])} ({given[i]:.3g} against {best[i]:.3g})" for i in worst)
    return (
        f"LSTMForecaster: on their own validation rows, {len(losing)} of {len(given)} series' "
        f"forecasts err over {SERIES_MARGIN:g} times as much as the better of persistence and "
        f"seasonal naive (MAE scaled per series by the in-sample seasonal-naive MAE): {named}. "
        "One model serves every series of a panel; fit such series on their own, or in a "
        "panel of series like them, and backtest them before trusting their forecasts."
    )
