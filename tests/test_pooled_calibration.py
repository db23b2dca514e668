"""One series of a panel setting every series' intervals: found, and said at fit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tsforecast import LSTMForecaster
from tsforecast._recurrent.intervals import conformal_margins
from tsforecast._recurrent.pooled_calibration import (
    DOMINANCE,
    dominating_message,
    dominating_series,
)
from tsforecast.datasets import load_visnights

LEVELS = (0.1, 0.5, 0.9)


def dominating(
    quantiles: np.ndarray,
    truth: np.ndarray,
    counted: np.ndarray,
    levels: tuple[float, ...],
    series: np.ndarray,
) -> list:
    """`dominating_series` with the pooled margins computed as fit computes them."""
    table = conformal_margins(quantiles, truth, counted, levels)
    return dominating_series(quantiles, truth, counted, levels, series, table)


def validation(truth: np.ndarray, width: float = 2.0) -> tuple[np.ndarray, ...]:
    """Raw quantiles [-width/2, 0, width/2] for ``truth`` of shape (n, steps, targets)."""
    raw = np.array([-width / 2, 0.0, width / 2])[None, None, :, None]
    quantiles = np.broadcast_to(raw, (*truth.shape[:2], 3, truth.shape[2])).copy()
    return quantiles, truth, np.ones(truth.shape, bool)


def test_a_series_erring_far_more_than_the_others_is_found_at_its_worst_step():
    rng = np.random.default_rng(0)
    series = np.repeat(np.arange(5), 8)  # five series, eight validation origins each
    truth = rng.normal(scale=0.8, size=(40, 6, 1))
    assert dominating(*validation(truth), LEVELS, series) == []  # all alike
    broken = truth.copy()
    broken[series == 3, 2:] += 6.0  # from step 3 on, series 3 falls far from its forecasts
    found = dominating(*validation(broken), LEVELS, series)
    assert [(d.series, d.coverage, d.target) for d in found] == [(3, 80, 0)]
    assert found[0].step >= 3 and found[0].factor > DOMINANCE
    message = dominating_message(tuple(found), np.array(list("abcde")), ["y"])
    assert "series 'd' errs far more" in message and "of all 5 series" in message
    assert f"up to {found[0].factor:.1f} times narrower (at step {found[0].step})" in message
    # Two series alike in length: the other one is judged too.
    pair = np.repeat([0, 1], 8)
    two = rng.normal(scale=0.8, size=(16, 6, 1))
    two[pair == 1, 2:] += 6.0
    assert [d.series for d in dominating(*validation(two), LEVELS, pair)] == [1]


def test_a_series_below_the_share_is_tried_where_a_pair_is_wider_still():
    # 25 series (4% of the values each) and a 98% interval: one series fills its top.
    rng = np.random.default_rng(2)
    series = np.repeat(np.arange(25), 12)
    truth = rng.normal(scale=0.8, size=(300, 4, 2))
    truth[series == 7, :, 1] += 15.0  # the second target only
    levels = (0.01, 0.5, 0.99)
    found = dominating(*validation(truth), levels, series)
    assert [(d.series, d.target, d.coverage) for d in found] == [(7, 1, 98)]
    said = dominating_message(tuple(found), np.arange(25).astype(str), ["price", "units"])
    assert "98% intervals of 'units' would be up to" in said


def test_no_finding_where_the_series_holds_most_values_or_the_widths_are_tiny():
    rng = np.random.default_rng(1)
    # Series 0 is long: at steps 4-6 only it has validation values (the others' end).
    series = np.r_[np.zeros(30, int), np.repeat([1, 2, 3], 6)]
    truth = rng.normal(scale=0.8, size=(48, 6, 1))
    quantiles, truth, counted = validation(truth)
    counted[30:, 3:] = False
    truth[:30, 3:] += 6.0  # it errs there, but no other series is left to compare
    assert dominating(quantiles, truth, counted, LEVELS, series) == []
    # A target that barely varies: intervals 0.02 wide, one series erring by 0.1.
    series = np.repeat(np.arange(5), 8)
    flat = rng.normal(scale=0.005, size=(40, 6, 1))
    flat[series == 3] += 0.1
    assert dominating(*validation(flat, width=0.02), LEVELS, series) == []


def quarters(regions: list[str]):
    frame = load_visnights().to_frame()
    return frame[frame.index.get_level_values("region").isin(regions)]


@pytest.mark.filterwarnings("ignore:LSTMForecaster.*(beat|err over):RuntimeWarning")
def test_fit_names_the_series_that_sets_every_series_intervals():
    regions = ["NSWMetro", "QLDMetro", "VICMetro", "SAUMetro", "WAUMetro"]
    panel = quarters(regions)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LSTMForecaster(random_state=0).fit(panel)
    assert not [w for w in caught if "far more than the other series" in str(w.message)]
    # A region whose visitors stop in its last two years (a closed market): its validation
    # forecasts miss by its whole level, and the pooled margins with them.
    closed = panel.copy()
    last = closed.index.get_level_values("quarter") >= "2015-01-01"
    closed.loc[last & (closed.index.get_level_values("region") == "SAUMetro"), "nights"] = 0.0
    with pytest.warns(RuntimeWarning, match=r"series 'SAUMetro' errs far more") as caught:
        LSTMForecaster(random_state=0).fit(closed)
    said = [str(w.message) for w in caught if "far more" in str(w.message)]
    assert len(said) == 1 and "intervals of all 5 series" in said[0]
