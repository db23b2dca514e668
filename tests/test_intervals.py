"""Quantile forecasts and intervals: never crossing, calibrated, adaptive; baselines at fit."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from tsforecast import LSTMForecaster
from tsforecast._recurrent import intervals
from tsforecast._recurrent.intervals import (
    ALPHAS,
    adaptive_margins,
    apply_margins,
    auto_rates,
    calibrated_pair,
    conformal_margins,
    level_pairs,
    margins_at,
)
from tsforecast._recurrent.naive_scores import losing_message
from tsforecast.datasets import load_air_passengers

LEVELS = (0.1, 0.5, 0.9)
SMALL = {"context_length": 16, "hidden_size": 16, "horizon": 4, "random_state": 0}


def ar1(n: int, noise: np.ndarray, phi: float = 0.8) -> np.ndarray:
    values = np.zeros(n)
    for t in range(1, n):
        values[t] = phi * values[t - 1] + noise[t]
    return values[:, None]


def quiet_fit(model: LSTMForecaster, X) -> LSTMForecaster:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # small models may lose at some step
        return model.fit(X)


def coverage(model: LSTMForecaster, X: np.ndarray, start: int) -> float:
    lower, upper = model.predict_interval(X, coverage=0.8)
    rows = np.arange(start, len(X))
    truth = X[rows, 0]
    return float(((truth >= lower[rows - 1, 0]) & (truth <= upper[rows - 1, 0])).mean())


# ---------------------------------------------------------------------------- the rules
def test_conformal_margins_are_the_cqr_rank_of_the_scores():
    rng = np.random.default_rng(0)
    n = 99
    truth = rng.normal(size=(n, 1, 1))
    quantiles = np.broadcast_to(np.array([-1.0, 0.0, 1.0])[None, None, :, None], (n, 1, 3, 1))
    table = conformal_margins(quantiles, truth, np.ones_like(truth, bool), LEVELS)
    assert table.shape == (len(ALPHAS), 1, 1, 1)
    scores = np.sort(np.maximum(-1.0 - truth, truth - 1.0)[:, 0, 0])
    alpha = 0.2  # ALPHAS[20]
    assert table[20, 0, 0, 0] == scores[math.ceil((n + 1) * (1 - alpha)) - 1]
    assert table[0, 0, 0, 0] == scores[-1] and table[-1, 0, 0, 0] == scores[0]
    assert (np.diff(table[:, 0, 0, 0]) <= 0).all()  # more miscoverage: a narrower interval
    # Applied at the nominal level, the interval covers ceil(0.8 (n + 1)) of the n scores.
    margin = margins_at(table, np.array([[[0.2]]]))
    calibrated = apply_margins(quantiles, margin, LEVELS, point=1)
    inside = (truth[:, 0, 0] >= calibrated[:, 0, 0, 0]) & (truth[:, 0, 0] <= calibrated[:, 0, 2, 0])
    assert inside.sum() == math.ceil(0.8 * (n + 1))


@pytest.fixture(scope="module")
def passengers_30() -> pd.DataFrame:
    return load_air_passengers().to_frame().iloc[:30]


def test_too_few_held_out_values_never_narrow_an_interval():
    # Two held-out values at step 1, none at step 2: CQR's 80% margin needs at least 4, and
    # the largest of two scores that fell near the median (-0.9) would shrink the interval
    # to the median. Too few to narrow on: the raw interval stays, at that step and beyond.
    quantiles = np.broadcast_to(np.array([-1.0, 0.0, 1.0])[None, None, :, None], (2, 2, 3, 1))
    truth = np.array([[[0.1], [0.0]], [[-0.05], [0.0]]])
    weight = np.array([[[True], [False]], [[True], [False]]])
    table = conformal_margins(quantiles, truth, weight, LEVELS)
    assert table[20, 0, 0, 0] == 0.0 and table[20, 1, 0, 0] == 0.0
    assert table[-1, 0, 0, 0] == -0.95  # where CQR's rank is finite (alpha 1), it may narrow
    # With enough values (9 >= 1 / 0.2 - 1), the CQR margin narrows as it should.
    many = np.broadcast_to(np.array([-1.0, 0.0, 1.0])[None, None, :, None], (9, 1, 3, 1))
    near = np.linspace(-0.2, 0.2, 9)[:, None, None]
    assert conformal_margins(many, near, np.ones_like(near, bool), LEVELS)[20, 0, 0, 0] < 0
    # A step with too few values takes the margin of the nearest step with enough: where the
    # raw interval was found too narrow there (truths 1.5 to 2.3 outside), it stays widened.
    raw = np.broadcast_to(np.array([-1.0, 0.0, 1.0])[None, None, :, None], (9, 2, 3, 1))
    wide = np.stack([np.linspace(1.5, 2.3, 9), np.zeros(9)], axis=1)[:, :, None]
    two_steps = np.ones((9, 2, 1), bool)
    two_steps[2:, 1] = False  # step 2: two values only
    carried = conformal_margins(raw, wide, two_steps, LEVELS)[20, :, 0, 0]
    assert carried[0] == pytest.approx(1.2) and carried[1] == carried[0]


def test_a_short_series_intervals_never_collapse_to_the_point_forecast(passengers_30):
    # 30 months: the validation rows score the first 6 steps with a few values each
    # and the later steps with none; the intervals kept a width at every step (they
    # collapsed to the median at step 8 of a 24-quarter GDP series, and beyond).
    model = quiet_fit(LSTMForecaster(random_state=0), passengers_30)
    forecast = model.forecast(passengers_30, 12, quantiles=True)
    width = forecast["passengers_q0.9"] - forecast["passengers_q0.1"]
    assert (width > 0.05 * forecast["passengers_q0.5"]).all()


def test_margins_interpolate_between_grid_levels_and_saturate_outside():
    table = np.linspace(3.0, -1.0, len(ALPHAS))[:, None, None, None]
    np.testing.assert_allclose(margins_at(table, np.array([[[0.205]]])), [[[3.0 - 4 * 0.205]]])
    assert margins_at(table, np.array([[[-0.3]]]))[0, 0, 0] == 3.0
    assert margins_at(table, np.array([[[1.7]]]))[0, 0, 0] == -1.0


def test_pairs_are_symmetric_levels_and_narrowed_intervals_stop_at_the_median():
    assert level_pairs((0.05, 0.1, 0.5, 0.9, 0.95)) == [(0, 4), (1, 3)]
    assert level_pairs((0.2, 0.5, 0.7)) == []
    quantiles = np.array([[[-1.0], [0.0], [1.0]]])  # one step, levels, one target
    narrowed = apply_margins(quantiles, np.array([[[-5.0]]]), LEVELS, point=1)
    assert narrowed[0, :, 0].tolist() == [0.0, 0.0, 0.0]  # never past the median, never crossed


def test_a_negative_margin_narrows_each_side_in_proportion_and_keeps_cqr_inside():
    # A lopsided raw interval (2 below the median, 18 above) that validation found 6 too wide
    # on each side: CQR would put the lower bound on the median, 0 below against 12 above.
    quantiles = np.array([[[8.0], [10.0], [28.0]]])  # one step, levels, one target
    narrowed = apply_margins(quantiles, np.array([[[-6.0]]]), LEVELS, point=1)[0, :, 0]
    assert narrowed.tolist() == [9.2, 10.0, 22.0]  # 2 - 6 * 2 / 10 below; 18 - 6 above
    rng = np.random.default_rng(3)
    point = rng.normal(size=500)
    low, high = point - rng.exponential(size=500), point + rng.exponential(size=500)
    margin = rng.normal(size=500)
    lower, upper = calibrated_pair(low, high, point, margin)
    assert (lower <= np.maximum(low - margin, point) + 1e-12).all()  # holds CQR's interval
    assert (upper >= np.minimum(high + margin, point) - 1e-12).all()
    widened = margin >= 0
    np.testing.assert_array_equal(lower[widened], (low - margin)[widened])  # CQR's widening
    symmetric = calibrated_pair(point - 2.0, point + 2.0, point, margin)
    np.testing.assert_allclose(symmetric, (point - 2.0 - margin, point + 2.0 + margin))


def test_adaptation_counts_the_misses_of_the_intervals_given():
    """Adaptive conformal inference judges each outcome against the interval apply_margins gives.

    Counted against CQR's narrower interval instead, it saw misses the given interval did not
    have and held 0.847 of these outcomes.
    """
    rng = np.random.default_rng(4)
    calm = 0.7 * rng.normal(size=(400, 1, 1))
    wide = np.broadcast_to(np.array([-1.0, 0.0, 2.0])[None, None, :, None], (400, 1, 3, 1))
    table = conformal_margins(wide, calm, np.ones_like(calm, bool), LEVELS)
    assert (table[20] < 0).all()  # the raw interval is wider than needed at 80%
    outcomes = 0.7 * rng.normal(size=(1, 2000, 1, 1))
    raw = np.broadcast_to(wide[None, :1], (1, 2000, 1, 3, 1))
    margins = adaptive_margins(table, raw, outcomes, np.ones_like(outcomes, bool), LEVELS, 0.02)
    given = apply_margins(raw, margins, LEVELS, point=1)
    inside = (outcomes >= given[..., 0, :]) & (outcomes <= given[..., 2, :])
    assert abs(inside.mean() - 0.8) < 0.025


def test_adaptive_conformal_inference_reaches_nominal_coverage_under_a_shift():
    """Fixed raw quantiles calibrated on N(0, 1) outcomes, then outcomes twice as spread."""
    rng = np.random.default_rng(0)
    calm = rng.normal(size=(2000, 1, 1))
    raw = np.broadcast_to(np.array([-1.0, 0.0, 1.0])[None, None, :, None], (2000, 1, 3, 1))
    table = conformal_margins(raw, calm, np.ones_like(calm, bool), LEVELS)
    stormy = 2 * rng.normal(size=(1, 4000, 1, 1))
    raw = np.broadcast_to(np.array([-1.0, 0.0, 1.0])[None, None, None, :, None], (1, 4000, 1, 3, 1))
    weight = np.ones_like(stormy, bool)

    def covered(gamma: float) -> float:
        margins = adaptive_margins(table, raw, stormy, weight, LEVELS, gamma)
        low, high = raw[..., 0, :] - margins[..., 0, :], raw[..., 2, :] + margins[..., 0, :]
        return float(((stormy >= low) & (stormy <= high)).mean())

    assert covered(0.0) < 0.55  # split conformal, calibrated on the calm data: far too narrow
    assert abs(covered(0.005) - 0.8) < 0.03  # Gibbs and Candès: the long-run gap vanishes


def test_adaptation_keeps_nominal_coverage_on_calm_data_and_narrows_only_so_far(monkeypatch):
    rng = np.random.default_rng(5)
    calm = rng.normal(size=(2000, 1, 1))
    raw = np.broadcast_to(np.array([-1.0, 0.0, 1.0])[None, None, :, None], (2000, 1, 3, 1))
    table = conformal_margins(raw, calm, np.ones_like(calm, bool), LEVELS)
    # Outcomes like the validation ones: nominal coverage (an interval that only widened
    # after a miss and never narrowed below the calibration held 82% at this rate).
    same = rng.normal(size=(1, 8000, 1, 1))
    wide = np.broadcast_to(raw[None, :1], (1, 8000, 1, 3, 1))
    margins = adaptive_margins(table, wide, same, np.ones_like(same, bool), LEVELS, 0.02)
    assert abs((np.abs(same) <= 1 + margins[..., 0, :]).mean() - 0.8) < 0.01
    monkeypatch.setattr(intervals, "NARROWEST", 1.0)  # as before: only ever widened
    margins = adaptive_margins(table, wide, same, np.ones_like(same, bool), LEVELS, 0.02)
    assert (np.abs(same) <= 1 + margins[..., 0, :]).mean() > 0.815
    monkeypatch.undo()
    # In-sample-like outcomes, half as spread: the margins narrow, but never below the
    # calibration's margin at 1.5 times the miscoverage (the 70% interval's).
    quiet = 0.5 * rng.normal(size=(1, 3000, 1, 1))
    raw = np.broadcast_to(np.array([-1.0, 0.0, 1.0])[None, None, None, :, None], (1, 3000, 1, 3, 1))
    margins = adaptive_margins(table, raw, quiet, np.ones_like(quiet, bool), LEVELS, 0.005)
    nominal, narrowest = (margins_at(table, np.array([[[a]]]))[0, 0, 0] for a in (0.2, 0.3))
    assert narrowest < nominal
    assert (margins >= narrowest - 1e-12).all() and np.median(margins) == pytest.approx(narrowest)
    # A pair of 30% (levels 0.35 and 0.65): at most halfway from its miscoverage to 1.
    levels = (0.35, 0.5, 0.65)
    raw30 = np.broadcast_to(np.array([-0.4, 0.0, 0.4])[None, None, :, None], (2000, 1, 3, 1))
    table30 = conformal_margins(raw30, calm, np.ones_like(calm, bool), levels)
    raw30 = np.broadcast_to(raw30[None, :1], (1, 3000, 1, 3, 1))
    found = adaptive_margins(table30, raw30, quiet, np.ones_like(quiet, bool), levels, 0.005)
    assert found.min() == pytest.approx(margins_at(table30, np.array([[[0.85]]]))[0, 0, 0])
    # A storm (4x the spread), then calm again: the widest margin in the storm (4x is beyond
    # what the validation data saw: it covers what it can), nominal coverage after it.
    outcomes = np.concatenate([4 * rng.normal(size=1000), rng.normal(size=1000)])
    margins = adaptive_margins(
        table, raw[:, :2000], outcomes[None, :, None, None], np.ones((1, 2000, 1, 1), bool),
        LEVELS, 0.005,
    )[0, :, 0, 0, 0]  # fmt: skip
    assert margins[999] == pytest.approx(table[0, 0, 0, 0])  # the largest validation score
    inside = np.abs(outcomes) <= 1 + margins
    assert 0.75 <= inside[1300:].mean() <= 0.88


def test_the_automatic_step_decays_with_the_outcomes_each_series_has_read():
    rng = np.random.default_rng(3)
    calm = rng.normal(size=(2000, 1, 1))
    raw = np.broadcast_to(np.array([-1.0, 0.0, 1.0])[None, None, :, None], (2000, 1, 3, 1))
    table = conformal_margins(raw, calm, np.ones_like(calm, bool), LEVELS)
    outcomes = 1.5 * rng.normal(size=(2, 1500, 1, 1))
    raw = np.broadcast_to(raw[None, :1], (2, 1500, 1, 3, 1))
    weight = np.ones_like(outcomes, bool)
    weight[0, :40] = False  # the first series: 40 origins of padding, then its rows
    rates = auto_rates(weight)
    assert rates[1, [1, 62, 250, 1000, 1499]] == pytest.approx([0.02, 0.02, 0.01, 0.005, 0.005])
    np.testing.assert_array_equal(rates[0, 40:], rates[1, :-40])  # counted from its own rows
    together = adaptive_margins(table, raw, outcomes, weight, LEVELS, "auto")
    # Each series as if alone, and a forecast from a row never depends on the rows after it.
    for i, first in enumerate([40, 0]):
        alone = adaptive_margins(table, raw[i : i + 1, first:], outcomes[i : i + 1, first:],
                                 weight[i : i + 1, first:], LEVELS, "auto")  # fmt: skip
        np.testing.assert_array_equal(together[i, first:], alone[0])
        cut = adaptive_margins(table, raw[i : i + 1, first:300], outcomes[i : i + 1, first:300],
                               weight[i : i + 1, first:300], LEVELS, "auto")  # fmt: skip
        np.testing.assert_array_equal(cut[0], alone[0, : 300 - first])
    assert (rates[1, 1001:] == 0.005).all()  # from 1,000 outcomes on: Gibbs and Candès' step
    # Outcomes missing here and there (NaN rows): the step at an origin counts the outcomes
    # in by then only, so the margins from a history cut at row t are those of the whole.
    observed = rng.random(300) > 0.2
    ahead = np.arange(300)[:, None] + 1 + np.arange(3)  # the rows each origin's steps forecast
    counted = observed[np.minimum(ahead, 299)] & (ahead < 300)
    raw3 = np.broadcast_to(np.array([-1.0, 0.0, 1.0])[None, None, None, :, None], (1, 300, 3, 3, 1))
    truth = 1.5 * rng.normal(size=(1, 300, 3, 1))
    whole = adaptive_margins(
        table3 := conformal_margins(
            np.broadcast_to(raw3[0, :1, :1], (2000, 3, 3, 1)),
            np.repeat(calm, 3, axis=1),
            np.ones((2000, 3, 1), bool),
            LEVELS,
        ),
        raw3,
        truth,
        counted[None, ..., None],
        LEVELS,
        "auto",
    )
    for t in (40, 41, 150):
        known = counted[: t + 1] & (ahead[: t + 1] <= t)  # the outcomes known at row t
        cut = adaptive_margins(table3, raw3[:, : t + 1], truth[:, : t + 1],
                               known[None, ..., None], LEVELS, "auto")  # fmt: skip
        np.testing.assert_array_equal(cut[0, -1], whole[0, t])
    full = auto_rates(counted[None, ..., None])[0]  # the step itself, at every row
    for t in range(30, 300):
        known = counted[: t + 1] & (ahead[: t + 1] <= t)
        assert auto_rates(known[None, ..., None])[0, -1] == full[t]


# ---------------------------------------------------------------------------- the estimator
def reference_adaptation(table, quantiles, truth, weight, levels, gamma):
    """Adaptive conformal inference written plainly, origin by origin (as first written).

    The oracle of the vectorised recursion (`intervals._adapted`): the same margins to the bit.
    """
    n_series, n_origins, horizon, _, n_targets = quantiles.shape
    rates = auto_rates(weight) if gamma == "auto" else np.full((n_series, n_origins), gamma)
    pairs = level_pairs(levels)
    nominal = intervals.nominal_alphas(levels)[None, None, :, None]
    alpha = np.broadcast_to(nominal, (n_series, horizon, len(pairs), n_targets)).copy()
    highest = intervals.narrowest_level(nominal[0])
    margins = np.zeros((n_series, n_origins, horizon, len(pairs), n_targets))
    low, high = quantiles[..., [p[0] for p in pairs], :], quantiles[..., [p[1] for p in pairs], :]
    point, steps = quantiles[..., [levels.index(0.5)], :], np.arange(horizon)
    for k in range(n_origins):
        source = k - 1 - steps  # the origin whose step-h outcome has just come in
        known = source >= 0
        if rates[:, k].any() and known.any():
            rate, s, h = rates[:, k, None, None, None], source[known], steps[known]
            lower, upper = calibrated_pair(
                low[:, s, h], high[:, s, h], point[:, s, h], margins[:, s, h]
            )
            outcome = truth[:, s, h][..., None, :]
            outside = (outcome < lower) | (outcome > upper)
            update = np.where(weight[:, s, h][..., None, :], rate * (nominal[0] - outside), 0.0)
            alpha[:, h] = np.clip(alpha[:, h] + update, -rate, highest)
        margins[:, k] = margins_at(table, alpha)
    return margins


@pytest.mark.parametrize("gamma", ["auto", 0.02, 0.0])
@pytest.mark.parametrize("levels", [LEVELS, (0.05, 0.1, 0.5, 0.9, 0.95)])
def test_windows_read_in_place_adapt_as_the_windows_cut_out(gamma, levels):
    """`adaptive_margins_at_ends` (a backtest's origins) is the plain recursion on each window.

    Windows from one row to 150, shorter than the horizon, and sharing rows; NaN truths
    where they do not count.
    """
    rng = np.random.default_rng(5)
    n_rows, horizon = 400, 3
    raw = np.sort(rng.normal(size=(n_rows, horizon, len(levels), 2)), axis=2)
    truth = rng.normal(size=(n_rows, horizon, 2))
    weight = rng.random((n_rows, horizon, 2)) > 0.1
    truth[~weight] = np.nan
    table = conformal_margins(raw[:200], truth[:200], weight[:200], levels)
    truth = np.where(weight, truth, 0.0)  # as `Adaptation` gives them
    starts, lasts = np.array([0, 0, 1, 100, 380, 250]), np.array([0, 2, 2, 150, 399, 399])
    found = intervals.adaptive_margins_at_ends(
        table, raw, truth, weight, starts, lasts, levels, gamma
    )
    for i, (first, last) in enumerate(zip(starts, lasts, strict=True)):
        cut = slice(first, last + 1)
        plain = reference_adaptation(
            table, raw[None, cut], truth[None, cut], weight[None, cut], levels, gamma
        )
        np.testing.assert_array_equal(found[i], plain[0, -1])
        along = adaptive_margins(  # every origin of the window, side by side with another
            table, np.stack([raw[cut]] * 2), np.stack([truth[cut]] * 2),
            np.stack([weight[cut]] * 2), levels, gamma,
        )  # fmt: skip
        np.testing.assert_array_equal(along[1], plain[0])
    if gamma:
        assert not np.allclose(found[4], found[5])  # the window's start matters


def test_intervals_reach_nominal_coverage_on_a_series_with_known_noise():
    noise = np.random.default_rng(1).normal(size=4000)
    X = ar1(4000, noise)
    model = quiet_fit(LSTMForecaster(**SMALL, quantiles=(0.1, 0.9), max_epochs=20), X[:3000])
    assert model.quantiles_ == LEVELS and model.conformal_margins_.shape == (101, 4, 1, 1)
    assert 0.76 <= coverage(model, X, 3000) <= 0.84
    # The truth: the 80% interval of N(0, 1) noise is +-1.28 around 0.8 x the last value.
    lower, upper = model.predict_interval(X, coverage=0.8)
    assert abs(np.median(upper[3000:] - lower[3000:]) - 2 * 1.2816) < 0.35


def test_adaptive_intervals_follow_a_change_of_noise_that_static_ones_miss():
    rng = np.random.default_rng(2)
    # Twice the noise from row 3000 on: within what the widest validation margin can reach.
    noise = rng.normal(size=5000) * np.r_[np.ones(3000), 2 * np.ones(2000)]
    X = ar1(5000, noise)
    model = quiet_fit(LSTMForecaster(**SMALL, quantiles=LEVELS, max_epochs=20), X[:3000])
    assert 0.76 <= coverage(model, X, 3500) <= 0.84  # adapted within a few hundred rows
    static = model.set_params(adaptation_rate=0.0)
    assert coverage(static, X, 3500) < 0.6
    # Read when forecasting, so checked then as fit checks it (NaN failed inside numpy).
    for wrong, error in ((-1.0, ValueError), (float("nan"), TypeError), ("fast", TypeError)):
        with pytest.raises(error, match="adaptation_rate must be"):
            model.set_params(adaptation_rate=wrong).predict_interval(X[:100])


@pytest.fixture(scope="module")
def quantile_model(waves):
    """`SMALL` with the three levels, fitted 3 epochs on `waves`."""
    return quiet_fit(LSTMForecaster(**{**SMALL, "max_epochs": 3, "quantiles": LEVELS}), waves)


def test_quantiles_never_cross_and_the_point_forecast_is_the_median(quantile_model, waves):
    model = quantile_model
    quantiles = model.predict_quantiles(waves)
    assert quantiles.shape == (600, 2, 3) and (np.diff(quantiles, axis=-1) >= 0).all()
    np.testing.assert_allclose(quantiles[..., 1], model.predict(waves))
    paths = model.forecast(waves, 4, quantiles=True)
    assert paths.shape == (4, 2, 3) and (np.diff(paths, axis=-1) >= 0).all()
    np.testing.assert_allclose(paths[..., 1], model.forecast(waves, 4), rtol=1e-6)
    lower, upper = model.predict_interval(waves, coverage=0.8)
    np.testing.assert_array_equal(lower, quantiles[..., 0])
    np.testing.assert_array_equal(upper, quantiles[..., 2])


def test_intervals_adapt_along_each_series_on_its_own(quantile_model, waves):
    model = quantile_model
    groups = np.repeat([0, 1, 2], [350, 50, 200])  # lengths apart: padded passes
    together = model.predict_quantiles(waves, groups)
    apart = [model.predict_quantiles(waves[groups == g]) for g in range(3)]
    np.testing.assert_allclose(together, np.concatenate(apart))
    paths = model.forecast(waves, 4, groups=groups, quantiles=True)
    for g in range(3):
        np.testing.assert_allclose(paths[g], model.forecast(waves[groups == g], 4, quantiles=True))


def test_quantile_forecasts_of_a_frame_have_a_column_per_target_and_level():
    index = pd.date_range("2024-01-01", periods=600, freq="h")
    frame = pd.DataFrame({"a": np.sin(np.arange(600) / 9)}, index=index)
    model = quiet_fit(LSTMForecaster(**{**SMALL, "max_epochs": 2, "quantiles": LEVELS}), frame)
    future = model.forecast(frame, 3, quantiles=[0.1, 0.9])
    assert list(future.columns) == ["a_q0.1", "a_q0.9"] and len(future) == 3
    assert future.index[0] == index[-1] + pd.Timedelta("1h")


def test_quantile_requests_the_model_cannot_honour_are_refused(waves):
    point = quiet_fit(LSTMForecaster(**{**SMALL, "max_epochs": 1, "quantiles": None}), waves)
    with pytest.raises(ValueError, match=r"forecasts points only; fit it with quantiles"):
        point.predict_interval(waves)
    model = quiet_fit(LSTMForecaster(**{**SMALL, "max_epochs": 1, "quantiles": LEVELS}), waves)
    with pytest.raises(ValueError, match=r"coverage 0\.9 lies between the quantile levels 0\.05"):
        model.predict_interval(waves, coverage=0.9)
    with pytest.raises(ValueError, match=r"quantile forecasts go up to horizon_=4 steps"):
        model.forecast(waves, 5, quantiles=True)
    assert model.forecast(waves, 9).shape == (9, 2)  # points go further, 4 steps at a time
    with pytest.raises(ValueError, match=r"quantiles=\[\] asks for no level"):
        model.forecast(waves, 2, quantiles=[])  # was "cannot reshape array of size 0"


def test_without_validation_data_intervals_are_uncalibrated_and_fit_says_so(waves):
    with pytest.warns(UserWarning, match="no held-out data to calibrate"):
        model = quiet_fit(
            LSTMForecaster(**{**SMALL, "max_epochs": 1, "quantiles": LEVELS,
                              "validation_fraction": 0.0}), waves,
        )  # fmt: skip
    assert model.conformal_margins_ is None and model.baseline_scores_ is None
    assert model.predict_quantiles(waves).shape == (600, 2, 3)


# ---------------------------------------------------------------------------- baselines
def test_on_few_held_out_values_the_network_is_judged_over_all_steps():
    # Step 2 loses to persistence (2.0 against 1.8), but over both steps the network errs
    # less (3.0 against 3.3): on 10 values a step, the best baseline of a step is noise, and
    # a short series' fit warned almost always. On 300 values a step, the step decides.
    scores = {"model": [1.0, 2.0, None], "persistence": [1.5, 1.8, None],
              "seasonal_naive": [None] * 3, "linear": [2.0, 2.5, None]}  # fmt: skip
    assert losing_message(scores, 3, np.array([10, 10, 0])) is None
    assert "at 1 of 3 steps ahead; worst at step 2" in losing_message(
        scores, 3, np.array([300, 300, 0])
    )
    losing = {**scores, "model": [2.0, 2.0, None]}
    overall = r"over the 2 steps that score both: its MAE summed over them is 4 against 3.3"
    assert re.search(
        overall + r" for persistence .*as few as 10 held",
        losing_message(losing, 3, np.array([10, 10, 0])),
    )
    close = {**scores, "model": [1.6, 2.0, None]}  # 3.6 against 3.3: within 10%, noise
    assert losing_message(close, 3, np.array([10, 10, 0])) is None
    assert "worst at step 2" in losing_message(close, 3, np.array([300, 300, 0]))


def test_pure_noise_warns_that_the_network_does_not_beat_the_baselines():
    X = np.random.default_rng(3).normal(size=(1500, 1))
    with pytest.warns(RuntimeWarning, match="does not beat the best naive forecaster"):
        model = LSTMForecaster(**{**SMALL, "max_epochs": 5}).fit(X)
    scores = model.baseline_scores_
    assert set(scores) == {"model", "persistence", "seasonal_naive", "linear"}
    assert all(len(v) == 4 for v in scores.values()) and scores["seasonal_naive"] == [None] * 4


def test_the_network_starts_at_the_best_naive_forecaster_of_each_step():
    """A level that jumps rarely: persistence beats the least-squares line at every step."""
    rng = np.random.default_rng(4)
    levels = np.repeat(rng.normal(size=40), 50) + 0.01 * rng.normal(size=2000)
    untrained = LSTMForecaster(
        **{**SMALL, "learning_rate": 1e-12, "max_epochs": 1, "target_transform": "none"}
    )
    model = quiet_fit(untrained, levels[:, None])
    scores = model.baseline_scores_
    for step in range(4):
        best = min(scores["persistence"][step], scores["linear"][step])
        assert scores["persistence"][step] < scores["linear"][step]
        assert scores["model"][step] <= 1.05 * best


def test_the_seasonal_baseline_reads_the_period_of_the_time_stamps():
    index = pd.date_range("2024-01-01", periods=24 * 40, freq="h")
    frame = pd.DataFrame({"load": np.sin(2 * np.pi * index.hour / 24)}, index=index)
    model = quiet_fit(LSTMForecaster(**{**SMALL, "max_epochs": 1}), frame)
    assert model.seasonal_period_ == 24
    assert max(model.baseline_scores_["seasonal_naive"]) < 1e-6  # the cycle repeats exactly
    assert quiet_fit(model.set_params(seasonal_period=None), frame).seasonal_period_ is None
