"""The network's start: naive forecasters chosen per step, or averaged when judged on few values."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tsforecast._recurrent.naive_start import COMBINED_WITHIN, SELECTION_VALUES, start_weights


def test_many_judged_values_choose_the_best_forecaster_at_each_step():
    errors = np.array([[[1.0], [3.0]], [[2.0], [1.0]], [[1.0], [9.0]]])  # (3, 2 steps, 1)
    weights = start_weights(errors, np.full((2, 1), SELECTION_VALUES))
    # step 1: a tie between the first and the third, the first wins; step 2: the second
    np.testing.assert_array_equal(weights[:, :, 0], [[1, 0], [0, 1], [0, 0]])


def test_few_judged_values_average_the_forecasters_near_the_best_over_all_steps():
    # summed over the steps: 4, 5.5 (within 1.5 times 4) and 6.5 (beyond); the third is the
    # best at step 1, yet left out: a step's choice on few values follows the noise
    errors = np.array([[[2.0], [2.0]], [[2.5], [3.0]], [[0.5], [6.0]]])
    weights = start_weights(errors, np.full((2, 1), 12))
    assert 5.5 <= COMBINED_WITHIN * 4 < 6.5
    np.testing.assert_allclose(weights[:, :, 0], [[0.5, 0.5], [0.5, 0.5], [0.0, 0.0]])


def test_steps_not_judged_for_every_forecaster_do_not_count_in_the_sums():
    errors = np.array([[[1.0], [np.nan]], [[1.2], [0.01]]])  # step 2 lacks the first's error
    weights = start_weights(errors, np.array([[12], [0]]))
    np.testing.assert_allclose(weights[:, :, 0], [[0.5, 0.5], [0.5, 0.5]])  # 1 against 1.2
    nothing = start_weights(np.full((2, 3, 1), np.nan), np.zeros((3, 1)))
    np.testing.assert_array_equal(nothing[:, :, 0], [[1, 1, 1], [0, 0, 0]])  # the first


def test_a_forecaster_never_scored_gets_no_weight():
    errors = np.array([[[1.0], [1.0]], [[np.nan], [np.nan]], [[1.1], [1.2]]])
    weights = start_weights(errors, np.full((2, 1), 10))
    np.testing.assert_allclose(weights[:, :, 0], [[0.5, 0.5], [0.0, 0.0], [0.5, 0.5]])


def test_each_target_decides_alone_and_training_rows_choose_per_step():
    # target 0 judged on many values, target 1 on few: only target 1 is averaged
    errors = np.array([[[1.0, 1.0], [3.0, 1.2]], [[2.0, 1.1], [1.0, 1.1]]])
    weights = start_weights(errors, np.array([[SELECTION_VALUES, 5], [SELECTION_VALUES, 5]]))
    np.testing.assert_array_equal(weights[:, :, 0], [[1, 0], [0, 1]])
    np.testing.assert_allclose(weights[:, :, 1], 0.5)
    # errors of training rows (no held-out counts): the best at each step, whatever their number
    np.testing.assert_array_equal(start_weights(errors, None)[:, :, 1], [[1, 0], [0, 1]])


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, (4, 3, 2), elements=st.floats(0, 10)),
    st.sampled_from([1, SELECTION_VALUES]),
)
def test_the_weights_of_every_step_and_target_sum_to_one_and_favour_the_best(errors, count):
    weights = start_weights(errors, np.full((3, 2), count))
    np.testing.assert_allclose(weights.sum(axis=0), 1.0)
    assert (weights >= 0).all()
    if count == 1:  # the forecaster of least summed error is always among those averaged
        best = errors.sum(axis=1).argmin(axis=0)
        assert (weights[best, :, [0, 1]] > 0).all()
