"""Whether one series of a panel sets every series' intervals.

The conformal margins are pooled over the validation forecasts of every series of a panel
(`intervals.conformal_margins`, in the network's scaled units), so that short series, with a
few validation values each, still get calibrated intervals. The pool has a cost: where one
series errs far more than the others on its validation rows (a break, a discontinued product
falling to zero), its errors fill the top of the pool, and the 80% margin of every series
becomes the one that series needs. A trial's quarterly panel of five series, one of them
dropping to zero during its validation rows, gave a series of about 250 an 80% interval from
55 to 390 eight quarters ahead, against 200 to 263 fitted without the broken series, with no
word.

`dominating_series` finds such a series: leaving it out of the pool narrows the others'
intervals (their mean raw width plus twice the margin) more than `DOMINANCE` times at some
step where enough values are left to calibrate on; fit checks the model of each target
transform it combines (each calibrated on its own), keeps each series' largest finding
(`strongest`) and `dominating_message` says so. The pooled calibration itself is kept: with
one to three validation values per series and step, a margin per series is not defined.
"""

from __future__ import annotations

import numpy as np

from tsforecast._checks import show
from tsforecast._recurrent.intervals import (
    conformal_margins,
    level_pairs,
    nominal_alphas,
    nominal_margins,
)

__all__ = [
    "DOMINANCE",
    "MIN_SHARE",
    "MIN_WIDENING",
    "Domination",
    "dominating_message",
    "dominating_series",
    "strongest",
]

# A series is said to set the panel's intervals when leaving it out of the pool makes the
# others' intervals this many times narrower at some step.
DOMINANCE = 3.0
# Series holding less than this share of the validation values are not tried: they cannot
# move a pooled quantile far.
MIN_SHARE = 0.05
# ... and only by at least this much of the target's (scaled) standard deviation: targets
# that barely vary (a patient's height, a flag) have intervals of almost no width, whose
# ratios mean nothing.
MIN_WIDENING = 0.5

# (series, step (1-based), coverage in percent, how many times wider the intervals are)
Domination = tuple[int, int, int, float]


def dominating_series(
    quantiles: np.ndarray,
    truth: np.ndarray,
    counted: np.ndarray,
    levels: tuple[float, ...],
    series: np.ndarray,
) -> list[Domination]:
    """Series whose validation errors widen every series' intervals, the worst first.

    Parameters
    ----------
    quantiles : ndarray of shape (n, horizon, n_levels, n_targets)
        The validation forecasts, in the units the margins are calibrated in (each target
        standardised).
    truth : ndarray of shape (n, horizon, n_targets)
        What happened.
    counted : bool ndarray of shape (n, horizon, n_targets)
        Which truths count.
    levels : tuple of float
        The sorted quantile levels.
    series : ndarray of shape (n,)
        The series (0-based) of each validation forecast.

    Returns
    -------
    list of (series, step, coverage, factor)
        For each series that holds at least `MIN_SHARE` of the counted values and whose
        leaving out makes the other series' intervals more than `DOMINANCE` times narrower,
        and by at least `MIN_WIDENING`, at some step, pair and target (the nominal margins;
        judged where the others hold more values than the series and twice what the pair's
        margin needs): that step (1-based), the pair's coverage in percent and the factor,
        at the step where it is largest. Sorted by factor, largest first.
    """
    pairs = level_pairs(levels)
    n_series = int(series.max()) + 1 if len(series) else 0
    if n_series < 2 or not pairs:
        return []
    steps = quantiles.shape[1]
    shares = np.bincount(series, weights=counted.sum(axis=(1, 2)), minlength=n_series)
    shares = shares / max(shares.sum(), 1)
    pooled = nominal_margins(conformal_margins(quantiles, truth, counted, levels), levels, steps)
    low, high = (quantiles[:, :, [p[i] for p in pairs]] for i in (0, 1))
    needed = 1 / nominal_alphas(levels)[None, :, None] - 1  # values a finite margin needs
    found = []
    for s in np.flatnonzero(shares >= MIN_SHARE):
        others = series != s
        kept = counted[others]
        alone = conformal_margins(quantiles[others], truth[others], kept, levels)
        margins = nominal_margins(alone, levels, steps)  # (steps, pairs, targets)
        raw = _mean_width(high[others] - low[others], kept)  # (steps, pairs, targets)
        # Judged where the others hold most of the values and twice what a margin needs: at
        # steps few series reach, one long series holds the pool without erring more.
        left = kept.sum(axis=0)[:, None, :]  # (steps, 1, targets)
        enough = (left >= 2 * needed) & (left > counted[~others].sum(axis=0)[:, None, :])
        wide, narrow = np.maximum(raw + 2 * pooled, 0), np.maximum(raw + 2 * margins, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = wide / narrow
        material = wide - narrow >= MIN_WIDENING
        factor = np.where(enough & material & np.isfinite(factor), factor, 0.0)
        if factor.max() > DOMINANCE:
            step, pair, _ = np.unravel_index(np.argmax(factor), factor.shape)
            coverage = round(100 * (1 - nominal_alphas(levels)[pair]))
            found.append((int(s), int(step) + 1, coverage, float(factor.max())))
    return sorted(found, key=lambda d: -d[3])


def _mean_width(widths: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """Mean raw width per step, pair and target over the counted forecasts.

    ``widths``: ``(n, steps, pairs, targets)``; ``counted``: ``(n, steps, targets)``.
    """
    weight = counted[:, :, None, :]
    total = np.where(weight, widths, 0.0).sum(axis=0)
    return total / np.maximum(weight.sum(axis=0), 1)


def strongest(found: list[tuple[Domination, ...]]) -> tuple[Domination, ...]:
    """Each series' largest finding over several models' (`dominating_series`), largest first.

    Examples
    --------
    >>> strongest([((3, 5, 80, 2.5),), ((3, 6, 80, 4.0), (1, 2, 80, 3.5))])
    ((3, 6, 80, 4.0), (1, 2, 80, 3.5))
    """
    best: dict[int, Domination] = {}
    for finding in (f for model in found for f in model):
        if finding[0] not in best or finding[3] > best[finding[0]][3]:
            best[finding[0]] = finding
    return tuple(sorted(best.values(), key=lambda d: -d[3]))


def dominating_message(found: tuple[Domination, ...], ids: np.ndarray, n_series: int) -> str | None:
    """Say which series set every series' intervals (`dominating_series`), if any.

    Names at most three; None where ``found`` is empty.

    Examples
    --------
    >>> dominating_message(((3, 5, 80, 4.2),), np.array(["a", "b", "c", "legacy", "e"]), 5)[:70]
    "LSTMForecaster: series 'legacy' errs far more than the other series on"
    """
    if not found:
        return None
    series, step, coverage, factor = found[0]
    named = ", ".join(show(ids[s]) for s, *_ in found[:3])
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    return (
        f"LSTMForecaster: series {named}{more} "
        + ("errs" if len(found) == 1 else "err")
        + f" far more than the other series on {'its' if len(found) == 1 else 'their'} "
        f"validation rows, and the intervals of all {n_series} series are calibrated on "
        f"the pooled validation errors: without {show(ids[series])}, the other series' "
        f"{coverage}% intervals would be up to {factor:.1f} times narrower (at step {step}). "
        "Every series' intervals are as wide as such a series needs. If it is not like "
        "the others (a break, a product discontinued), fit it on its own or leave it out."
    )
