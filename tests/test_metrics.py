"""tsforecast.metrics: hand computations, scikit-learn's where both exist, the zero rules."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn import metrics as sk

from tsforecast import Persistence, SequenceData, backtest
from tsforecast import metrics as m

finite = st.floats(-1e3, 1e3, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, (2, 12), elements=finite))
def test_point_metrics_match_scikit_learn(pair):
    truth, forecast = pair
    assert m.mae(truth, forecast) == pytest.approx(sk.mean_absolute_error(truth, forecast))
    assert m.rmse(truth, forecast) == pytest.approx(sk.root_mean_squared_error(truth, forecast))
    if np.all(np.abs(truth) > 1e-6):  # scikit-learn floors |truth| at machine epsilon
        assert m.mape(truth, forecast) == pytest.approx(
            sk.mean_absolute_percentage_error(truth, forecast)
        )


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, (2, 12), elements=finite), st.sampled_from([0.1, 0.5, 0.9]))
def test_pinball_loss_matches_scikit_learn(pair, level):
    truth, quantile = pair
    assert m.pinball_loss(truth, quantile, levels=level) == pytest.approx(
        sk.mean_pinball_loss(truth, quantile, alpha=level)
    )


def test_hand_computations_and_the_zero_rules():
    assert m.mae([1, 2, 4], [1.5, 2, 3]) == pytest.approx(0.5)
    # MAPE leaves out zero truths: (|2 - 1| / 2 + |4 - 5| / 4) / 2.
    assert m.mape([0, 2, 4], [1, 1, 5]) == pytest.approx(0.375)
    with pytest.raises(ValueError, match="every truth is zero"):
        m.mape([0, 0], [1, 2])
    # sMAPE: both zero counts 0; 2 * 2 / (1 + 3) = 1.
    assert m.smape([0, 1], [0, 3]) == pytest.approx(0.5)
    assert m.smape([1, 2], [-1, -2]) == pytest.approx(2.0)  # the upper bound
    # MASE: scale = mean(|2 - 1|, |4 - 2|) = 1.5; MAE 0.75.
    assert m.mase([5, 6], [5.5, 5], history=[1, 2, 4]) == pytest.approx(0.5)
    assert m.mase([5, 6], [5.5, 5], history=[1, 2, 4, 3], period=2) == pytest.approx(0.75 / 2)
    with pytest.raises(ValueError, match="does not change"):
        m.mase([1.0], [2.0], history=[3.0, 3.0, 3.0])
    assert m.interval_coverage([1, 5, 2], [0, 0, 2], [2, 2, 3]) == pytest.approx(2 / 3)
    assert m.interval_width([1, 5], [0, 1], [2, 2]) == pytest.approx(1.5)
    # Pinball over several levels: the mean of each level's loss.
    q = np.array([[0.0, 2.0], [0.0, 2.0]])
    assert m.pinball_loss([1.0, 3.0], q, levels=[0.1, 0.9]) == pytest.approx(
        (m.pinball_loss([1.0, 3.0], q[:, 0], levels=0.1)
         + m.pinball_loss([1.0, 3.0], q[:, 1], levels=0.9)) / 2
    )  # fmt: skip


def test_missing_truth_is_left_out_and_bad_input_is_refused():
    assert m.mae([1.0, np.nan, 3.0], [2.0, 100.0, 3.0]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="must match"):
        m.mae([1.0, 2.0], [1.0])
    assert m.rmse([1.0, 2.0], [np.nan, 1.0]) == pytest.approx(1.0)  # no forecast: left out
    with pytest.raises(ValueError, match="infinite"):
        m.rmse([1.0, 2.0], [np.inf, 1.0])
    with pytest.raises(ValueError, match="no pair"):
        m.mae([np.nan], [1.0])
    with pytest.raises(ValueError, match="by= groups"):
        m.mae([1.0], [1.0], by="step")
    with pytest.raises(ValueError, match="levels="):
        m.pinball_loss([1.0], [1.0])


def test_frames_by_step_and_by_any_column():
    frame = pd.DataFrame({
        "series": ["a", "a", "b", "b"], "step": [1, 2, 1, 2], "truth": [1.0, 2.0, 3.0, 4.0],
        "forecast": [1.0, 3.0, 5.0, 4.0], "q0.1": [0.0, 0.0, 0.0, 0.0],
        "q0.9": [2.0, 2.0, 2.0, 5.0], "scale": [1.0, 1.0, 2.0, 2.0],
    })  # fmt: skip
    assert m.mae(frame, by="step").to_dict() == {1: 1.0, 2: 0.5}
    assert m.mae(frame, by="series").to_dict() == {"a": 0.5, "b": 1.0}
    assert m.mase(frame) == pytest.approx((0 + 1 + 1 + 0) / 4)
    assert m.interval_coverage(frame) == pytest.approx(0.75)
    assert m.pinball_loss(frame, levels=0.9) == pytest.approx(
        m.pinball_loss(frame["truth"], frame["q0.9"], levels=0.9)
    )
    table = m.evaluate(frame, ["mae", "coverage"])
    assert table.index.tolist() == [1, 2, "all"] and table.loc["all", "mae"] == 0.75
    with pytest.raises(ValueError, match="no column"):
        m.mae(frame, by="origin")
    with pytest.raises(ValueError, match="quantile"):
        m.interval_coverage(frame, coverage=0.5)
    with pytest.raises(ValueError, match="unknown metric"):
        m.evaluate(frame, ["r2"])


def test_sparsely_observed_targets_are_scaled_by_their_consecutive_observed_values():
    """A concentration measured every third record: no two adjacent values, still a scale."""
    conc = np.full(60, np.nan)
    conc[::3] = np.random.default_rng(0).normal(10.0, 2.0, size=20)
    seen = conc[np.isfinite(conc)]
    expected = np.mean(np.abs(np.diff(seen[:10])))  # the observed values before row 30
    assert m.seasonal_naive_scale(conc[:30]) == pytest.approx(expected)
    data = SequenceData(
        np.c_[np.nan_to_num(conc), np.arange(60.0)], mask=np.c_[np.isfinite(conc), [True] * 60],
        features=["conc", "hour"],
    )  # fmt: skip
    table = backtest(Persistence(target="conc"), data, start=30, steps=3, stride=3)
    assert table["scale"].iloc[0] == pytest.approx(expected)
    scores = m.evaluate(table, by=None)
    assert np.isfinite(scores.loc["all", "mase"]) and np.isfinite(scores.loc["all", "mae"])


def test_a_metric_that_cannot_be_computed_is_nan_with_a_note_not_a_failure():
    table = backtest(Persistence(), (np.arange(40.0) % 7)[:, None], start=30, steps=2, stride=2)
    unscaled = table.assign(scale=np.nan)  # no series with a known scale
    with pytest.warns(RuntimeWarning, match="no forecast of the frame has a known scale"):
        scores = m.evaluate(unscaled)
    assert scores["mase"].isna().all() and scores["mae"].notna().all()
    with pytest.warns(RuntimeWarning, match=r"evaluate: pinball_loss cannot be computed"):
        scores = m.evaluate(table, ["mae", "pinball_loss"], by=None)
    assert np.isnan(scores.loc["all", "pinball_loss"]) and scores.loc["all", "mae"] >= 0


def test_one_adjacent_pair_among_gaps_does_not_set_the_scale_alone():
    x = np.full(23, np.nan)
    x[0:21:2] = np.arange(11.0)  # every other row: changes of 1 between observed values
    with_one_pair = x.copy()
    with_one_pair[21] = 10.01  # and a single adjacent pair, changing by 0.01
    assert m.seasonal_naive_scale(x) == pytest.approx(1.0)
    assert m.seasonal_naive_scale(with_one_pair) == pytest.approx(0.91)  # not 0.01


def test_evaluate_scores_every_interval_the_quantiles_hold():
    # Quantiles (0.05, 0.5, 0.95): the coverage and width columns were left out, silently.
    rng = np.random.default_rng(0)
    truth = rng.normal(size=400)
    table = pd.DataFrame({"step": 1, "truth": truth, "forecast": 0.0, "scale": 1.0,
                          "q0.05": -1.645, "q0.25": -0.674, "q0.5": 0.0, "q0.75": 0.674,
                          "q0.95": 1.645})  # fmt: skip
    scores = m.evaluate(table, by=None)
    assert list(scores.columns[-4:]) == ["coverage_90", "width_90", "coverage_50", "width_50"]
    assert scores.loc["all", "coverage_90"] == m.interval_coverage(table, coverage=0.9)
    assert 0.85 < scores.loc["all", "coverage_90"] < 0.95
    assert scores.loc["all", "width_50"] == pytest.approx(1.348)
    assert list(m.evaluate(table, ["coverage_50"], by=None).columns) == ["coverage_50"]
    with pytest.raises(ValueError, match=r"unknown metric \['coverage_x'\]"):
        m.evaluate(table, ["coverage_x"])
    with pytest.warns(RuntimeWarning, match=r"coverage_80 cannot be computed.*no quantile"):
        m.evaluate(table, ["coverage_80"], by=None)


def test_evaluate_says_what_the_caller_got_wrong_and_fills_what_it_cannot_compute():
    table = backtest(Persistence(), (np.arange(40.0) % 7)[:, None], start=30, steps=2, stride=2)
    with pytest.raises(ValueError, match=r"by='typo', but the frame has no column \['typo'\]"):
        m.evaluate(table, by="typo")
    with pytest.warns(RuntimeWarning, match="evaluate: mase cannot be computed"):
        scores = m.evaluate(table.drop(columns="scale"), ["mae", "mase"], by="step")
    assert list(scores.index) == [1, 2, "all"] and scores["mase"].isna().all()
