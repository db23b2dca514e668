"""Whether one series of a panel sets every series' intervals.

The conformal margins are pooled over the validation forecasts of every series of a panel
(`intervals.conformal_margins`, in the network's scaled units), so that short series, with a
few validation values each, still get calibrated intervals. The pool has a cost: where one
series errs far more than the others on its validation rows (a break, a discontinued product
falling to zero), its errors fill the top of the pool, and the 80% margin of every series
becomes the one that series needs. In five metropolitan regions of visnights, with South
Australia's visitors set to zero from 2015 on, Queensland's 80% interval eight quarters
ahead ran from 6.3 to 16.9 million nights, against 9.5 to 14.3 fitted without South
Australia, with no word.

`dominating_series` finds such a series: leaving it out of the pool narrows the others'
intervals (their mean raw width plus twice the margin) more than `DOMINANCE` times at some
step where enough values are left to calibrate on; fit checks the model of each target
transform it combines (each calibrated on its own), keeps each series' largest finding
(`strongest`) and `dominating_message` says so. The pooled calibration itself is kept: with
one to three validation values per series and step, a margin per series is not defined.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tsforecast._checks import show
from tsforecast._recurrent.intervals import (
    calibrated_pair,
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
# Series holding less than this share of the validation values (or than the smallest
# miscoverage of a pair, if smaller) are not tried: they cannot move a pooled quantile far.
MIN_SHARE = 0.05
# Series are said to set the intervals only where they widen them by at least this much of
# the target's (scaled) standard deviation: targets that barely vary (a patient's height, a
# flag) have intervals of almost no width, whose ratios mean nothing.
MIN_WIDENING = 0.5


class Domination(NamedTuple):
    """A series setting the panel's intervals, where it widens them most."""

    series: int  # 0-based
    step: int  # 1-based
    target: int  # 0-based
    coverage: int  # the pair's, in percent
    factor: float  # how many times wider the other series' intervals are with it


def dominating_series(
    quantiles: np.ndarray,
    truth: np.ndarray,
    counted: np.ndarray,
    levels: tuple[float, ...],
    series: np.ndarray,
    pooled_table: np.ndarray,
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
    pooled_table : ndarray of shape (len(ALPHAS), horizon, n_pairs, n_targets)
        `intervals.conformal_margins` of all of them, in the units of ``quantiles``.

    Returns
    -------
    list of Domination
        For each series that holds at least `MIN_SHARE` of the counted values (or the
        smallest miscoverage of a pair, if smaller) and whose leaving out makes the other
        series' intervals more than `DOMINANCE` times narrower, and by at least
        `MIN_WIDENING`, at some step, pair and target (the nominal margins; judged where the
        others hold at least as many values as the series and twice what the pair's margin
        needs): where the factor is largest. Sorted by factor, largest first.
    """
    pairs = level_pairs(levels)
    n_series = int(series.max()) + 1 if len(series) else 0
    if n_series < 2 or not pairs:
        return []
    steps = quantiles.shape[1]
    shares = np.bincount(series, weights=counted.sum(axis=(1, 2)), minlength=n_series)
    shares = shares / max(shares.sum(), 1)
    tried = min(MIN_SHARE, float(nominal_alphas(levels).min()))
    pooled = nominal_margins(pooled_table, levels, steps)
    needed = np.ceil(1 / nominal_alphas(levels)[None, :, None] - 1 - 1e-9)  # for a margin
    found = []
    for s in np.flatnonzero(shares >= tried):
        others = series != s
        kept = counted[others]
        alone = conformal_margins(quantiles[others], truth[others], kept, levels)
        margins = nominal_margins(alone, levels, steps)  # (steps, pairs, targets)
        # Judged where the others hold as many values as it and twice what a margin needs: at
        # steps few series reach, one long series holds the pool without erring more.
        left = kept.sum(axis=0)[:, None, :]  # (steps, 1, targets)
        enough = (left >= 2 * needed) & (left >= counted[~others].sum(axis=0)[:, None, :])
        wide = _mean_width(quantiles[others], kept, levels, pooled)  # (steps, pairs, targets)
        narrow = _mean_width(quantiles[others], kept, levels, margins)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = wide / narrow
        material = wide - narrow >= MIN_WIDENING
        factor = np.where(enough & material & np.isfinite(factor), factor, 0.0)
        if factor.max() > DOMINANCE:
            step, pair, target = np.unravel_index(np.argmax(factor), factor.shape)
            coverage = round(100 * (1 - nominal_alphas(levels)[pair]))
            found.append(Domination(int(s), int(step) + 1, int(target), coverage, factor.max()))
    return sorted(found, key=lambda d: -d.factor)


def _mean_width(
    quantiles: np.ndarray, counted: np.ndarray, levels: tuple[float, ...], margins: np.ndarray
) -> np.ndarray:
    """Mean width per step, pair and target of the intervals ``margins`` give (as applied).

    ``quantiles``: ``(n, steps, levels, targets)``; ``counted``: ``(n, steps, targets)``;
    ``margins``: ``(steps, pairs, targets)``. Each bound stops at the median, as
    `intervals.apply_margins` stops it.
    """
    pairs = level_pairs(levels)
    point = quantiles[:, :, [levels.index(0.5)]]
    lower, upper = calibrated_pair(
        quantiles[:, :, [p[0] for p in pairs]], quantiles[:, :, [p[1] for p in pairs]], point,
        margins[None],
    )  # fmt: skip
    widths = np.maximum(upper, point) - np.minimum(lower, point)
    weight = counted[:, :, None, :]
    total = np.where(weight, widths, 0.0).sum(axis=0)
    return total / np.maximum(weight.sum(axis=0), 1)


def strongest(found: list[tuple[Domination, ...]]) -> tuple[Domination, ...]:
    """Return each series' largest finding over several models', largest first.

    ``found``: the findings (`dominating_series`) of each model.

    Examples
    --------
    >>> a, b = Domination(3, 5, 0, 80, 2.5), Domination(3, 6, 0, 80, 4.0)
    >>> c = Domination(1, 2, 0, 80, 3.5)
    >>> [(d.series, d.factor) for d in strongest([(a,), (b, c)])]
    [(3, 4.0), (1, 3.5)]
    """
    best: dict[int, Domination] = {}
    for finding in (f for model in found for f in model):
        if finding.series not in best or finding.factor > best[finding.series].factor:
            best[finding.series] = finding
    return tuple(sorted(best.values(), key=lambda d: -d.factor))


def dominating_message(
    found: tuple[Domination, ...], ids: np.ndarray, targets: list[str]
) -> str | None:
    """Say which series set every series' intervals (`dominating_series`), if any.

    ``ids``: the series' ids; ``targets``: the targets' names (named where there are
    several). Names at most three series; None where ``found`` is empty.

    Examples
    --------
    >>> ids = np.array(["a", "b", "c", "legacy", "e"])
    >>> dominating_message((Domination(3, 5, 0, 80, 4.2),), ids, ["y"])[:70]
    "LSTMForecaster: series 'legacy' errs far more than the other series on"
    """
    if not found:
        return None
    worst = found[0]
    named = ", ".join(show(ids[d.series]) for d in found[:3])
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    target = f" of {show(targets[worst.target])}" if len(targets) > 1 else ""
    return (
        f"LSTMForecaster: series {named}{more} "
        + ("errs" if len(found) == 1 else "err")
        + f" far more than the other series on {'its' if len(found) == 1 else 'their'} "
        f"validation rows, and the intervals of all {len(ids)} series are calibrated on "
        f"the pooled validation errors: without {show(ids[worst.series])}, the other series' "
        f"{worst.coverage}% intervals{target} would be up to {worst.factor:.1f} times narrower "
        f"(at step {worst.step}). Every series' intervals are as wide as such a series needs. "
        "If it is not like the others (a break, a product discontinued), fit it on its own "
        "or leave it out."
    )
