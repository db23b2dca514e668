"""Invariants of the windowing module, checked as properties over generated series."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from tsforecast import (
    BlockSampler,
    LagFeatures,
    SequenceData,
    make_blocks,
    make_supervised,
    one_step_examples,
)

finite = st.floats(-1e6, 1e6, allow_nan=False, width=32)


@st.composite
def series_and_context(draw, min_extra=0):
    n_features = draw(st.integers(1, 3))
    context_length = draw(st.integers(1, 20))
    n_timesteps = draw(st.integers(context_length + 1 + min_extra, context_length + 60))
    values = draw(arrays(np.float32, (n_timesteps, n_features), elements=finite))
    return values, context_length


@st.composite
def grouped_series(draw):
    """Several series of random lengths (1 point included) stacked in one array."""
    lengths = draw(st.lists(st.integers(1, 30), min_size=1, max_size=8))
    if max(lengths) < 2:
        lengths[0] = 2
    n_features = draw(st.integers(1, 2))
    # Distinct values per row make every row identifiable in the checks below.
    values = np.arange(sum(lengths) * n_features, dtype=np.float32).reshape(-1, n_features)
    groups = np.repeat(np.arange(len(lengths)) * 10, lengths)
    context_length = draw(st.integers(1, 25))
    return values, groups, np.array(lengths), context_length


# ---------------------------------------------------------------------------- make_blocks
@settings(max_examples=60, deadline=None)
@given(series_and_context(), st.integers(1, 5))
def test_make_blocks_content_count_and_zero_copy(case, stride):
    values, context_length = case
    inputs, targets = make_blocks(values, context_length, stride=stride)
    n_timesteps = len(values)
    n_blocks = (n_timesteps - context_length - 1) // stride + 1
    assert inputs.shape == targets.shape == (n_blocks, context_length, values.shape[1])
    assert np.shares_memory(inputs, values) and np.shares_memory(targets, values)
    for i in range(n_blocks):
        start = i * stride
        np.testing.assert_array_equal(inputs[i], values[start : start + context_length])
        np.testing.assert_array_equal(targets[i], values[start + 1 : start + context_length + 1])
    # The last block reaches as far as the stride allows, never past the end.
    assert (n_blocks - 1) * stride + context_length + 1 <= n_timesteps
    assert n_blocks * stride + context_length + 1 > n_timesteps


def test_make_blocks_one_dimensional_is_one_feature_and_read_only():
    values = np.arange(10.0)
    inputs, _ = make_blocks(values, 4)
    assert inputs.shape == (6, 4, 1)
    assert np.shares_memory(inputs, values)
    with pytest.raises(ValueError, match="read-only"):
        inputs[0, 0, 0] = 1.0
    assert values[0] == 0.0


def test_make_blocks_torch_matches_numpy_and_shares_storage():
    values = np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32)
    tensor = torch.from_numpy(values)
    inputs, targets = make_blocks(tensor, 8, stride=3)
    ref_inputs, ref_targets = make_blocks(values, 8, stride=3)
    np.testing.assert_array_equal(inputs.numpy(), ref_inputs)
    np.testing.assert_array_equal(targets.numpy(), ref_targets)
    assert inputs.untyped_storage().data_ptr() == tensor.untyped_storage().data_ptr()


def test_make_blocks_too_short_names_the_length_needed():
    with pytest.raises(ValueError, match=r"has 5 points .* needs 7 \(context_length \+ 1\)"):
        make_blocks(np.zeros(5), 6)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"context_length": 0}, ValueError, "context_length must be an integer >= 1; got 0"),
        ({"context_length": 2.5}, TypeError, "context_length must be an integer"),
        ({"context_length": 2, "stride": 0}, ValueError, "stride must be an integer >= 1"),
    ],
)
def test_make_blocks_bad_parameters(kwargs, error, words):
    with pytest.raises(error, match=words):
        make_blocks(np.zeros(10), **kwargs)


def test_make_blocks_rejects_text_and_3d():
    with pytest.raises(TypeError, match="must be numeric"):
        make_blocks(np.array(["a", "b", "c"]), 1)
    with pytest.raises(ValueError, match="1-D or 2-D"):
        make_blocks(np.zeros((4, 2, 2)), 1)


# ---------------------------------------------------------------------------- one_step_examples
@settings(max_examples=40, deadline=None)
@given(series_and_context())
def test_one_step_examples_are_every_history_and_next_value(case):
    values, context_length = case
    examples = one_step_examples(values, context_length)
    assert len(examples) == len(values) - 1
    for t, (history, next_value) in enumerate(examples, start=1):
        assert len(history) == min(t, context_length)
        np.testing.assert_array_equal(history, values[t - len(history) : t])
        np.testing.assert_array_equal(next_value, values[t])
    # One block of context_length + 1 points holds exactly the examples of lengths 1..L.
    block = values[: context_length + 1]
    lengths = [len(h) for h, _ in one_step_examples(block, context_length)]
    assert lengths == list(range(1, context_length + 1))


def test_block_positions_are_one_step_examples():
    """Position j of a block is the example (history x[0..j], next x[j+1])."""
    values = np.arange(12.0)
    inputs, targets = make_blocks(values, 5)
    examples = one_step_examples(values[:6], 5)
    for j, (history, next_value) in enumerate(examples):
        np.testing.assert_array_equal(inputs[0, : j + 1], history)
        np.testing.assert_array_equal(targets[0, j], next_value)


# ---------------------------------------------------------------------------- BlockSampler
@settings(max_examples=80, deadline=None)
@given(grouped_series(), st.integers(1, 16), st.integers(0, 2**31))
def test_sampler_blocks_stay_in_their_series_and_masks_are_right(case, batch_size, seed):
    values, groups, lengths, context_length = case
    sampler = BlockSampler(values, context_length, batch_size, groups=groups, random_state=seed)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    batch = sampler.sample()
    span = int(batch.lengths.max())
    assert batch.inputs.shape == (batch_size, span - 1, values.shape[1])
    for b in range(batch_size):
        start, length = int(batch.starts[b]), int(batch.lengths[b])
        series = np.searchsorted(offsets, start, side="right") - 1
        series_stop = offsets[series + 1]
        assert start + length <= series_stop, "block crosses into the next series"
        series_length = lengths[series]
        assert series_length >= 2
        assert length == min(series_length, context_length + 1)
        block = values[start : start + length]
        np.testing.assert_array_equal(batch.inputs[b, : length - 1], block[:-1])
        np.testing.assert_array_equal(batch.targets[b, : length - 1], block[1:])
        # Padding is zero, never data borrowed from a neighbouring series. (Input position
        # length - 1 is the block's last real point, whose target is padding.)
        assert (batch.inputs[b, length:] == 0).all()
        assert (batch.targets[b, length - 1 :] == 0).all()
    real = np.arange(span - 1)[None, :] < (batch.lengths - 1)[:, None]
    if batch.target_mask is None:
        assert real.all()
    else:
        np.testing.assert_array_equal(batch.target_mask, real)
    assert batch.n_positions == int(real.sum())


@settings(max_examples=60, deadline=None)
@given(grouped_series(), st.integers(1, 16), st.integers(0, 2**31), st.data())
def test_sampler_segments_keep_blocks_inside_them(case, batch_size, seed, data):
    values, groups, lengths, context_length = case
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    # A random non-empty sub-range of each series, one of them at least 2 rows long.
    starts, stops = [], []
    for begin, end in itertools.pairwise(offsets):
        start = data.draw(st.integers(begin, end - 1))
        starts.append(start)
        stops.append(data.draw(st.integers(start + 1, end)))
    starts, stops = np.array(starts), np.array(stops)
    if (stops - starts).max() < 2:
        longest = int(np.argmax(lengths))
        starts[longest], stops[longest] = offsets[longest], offsets[longest + 1]
    sampler = BlockSampler(
        values, context_length, batch_size, groups=groups, random_state=seed,
        segments=(starts, stops),
    )  # fmt: skip
    assert sampler.n_positions == int(np.maximum(stops - starts - 1, 0).sum())
    batch = sampler.sample()
    for b in range(batch_size):
        start, length = int(batch.starts[b]), int(batch.lengths[b])
        segment = np.searchsorted(starts, start, side="right") - 1
        assert starts[segment] <= start and start + length <= stops[segment]
        assert length == min(stops[segment] - starts[segment], context_length + 1)
        np.testing.assert_array_equal(
            batch.targets[b, : length - 1], values[start + 1 : start + length]
        )


def test_sampler_refuses_segments_across_series_or_outside_the_data():
    values = np.arange(10.0)
    groups = [0] * 5 + [1] * 5
    with pytest.raises(
        ValueError,
        match=r"segment 1 = rows \[4, 7\) spans two series \(the first ends at row 4\)"
        r".*inside one series",
    ):
        BlockSampler(values, 3, groups=groups, segments=([0, 4], [3, 7]))
    with pytest.raises(ValueError, match=r"segment 0 = rows \[8, 12\) lies outside the 10 rows"):
        BlockSampler(values, 3, segments=([8], [12]))
    with pytest.raises(ValueError, match="is empty"):
        BlockSampler(values, 3, segments=([2], [2]))
    with pytest.raises(TypeError, match="pair of 1-D integer arrays"):
        BlockSampler(values, 3, segments=([0.0], [3.0]))
    with pytest.raises(TypeError, match="pair of integer arrays"):
        BlockSampler(values, 3, segments=[0, 3, 5])


@settings(max_examples=30, deadline=None)
@given(grouped_series(), st.integers(0, 2**31))
def test_sampler_is_reproducible(case, seed):
    values, groups, _, context_length = case
    draws = []
    for _ in range(2):
        sampler = BlockSampler(values, context_length, 8, groups=groups, random_state=seed)
        draws.append([b.starts.tolist() for b in sampler])
    assert draws[0] == draws[1]


def test_sampler_epoch_covers_each_position_about_once():
    values = np.zeros((10_000, 1), np.float32)
    sampler = BlockSampler(values, context_length=50, batch_size=32, random_state=0)
    # (n - 1) / L blocks of L targets: every target position once per epoch in expectation.
    assert sampler.n_positions == 9_999
    assert sampler.blocks_per_epoch == 200
    assert len(sampler) == 7
    batches = list(sampler)
    assert len(batches) == 7
    assert sum(len(b.starts) for b in batches) == 200
    # Successive epochs draw new blocks.
    assert [b.starts.tolist() for b in sampler] != [b.starts.tolist() for b in batches]


def test_sampler_draws_short_series_as_often_as_their_share():
    # 100 series of 5 points and one of 1,001: each target position equally likely in
    # expectation, so a short series (4 targets) is drawn as often as one full block (10).
    lengths = [5] * 100 + [1001]
    groups = np.repeat(np.arange(len(lengths)), lengths)
    values = np.zeros((len(groups), 1), np.float32)
    sampler = BlockSampler(values, 10, 4096, groups=groups, random_state=1)
    assert sampler.blocks_per_epoch == 100 + 100
    long_start = 500
    draws = np.concatenate([sampler.sample().starts for _ in range(5)])
    share_long = float((draws >= long_start).mean())
    assert 0.47 < share_long < 0.53
    short_series_hit = np.unique(draws[draws < long_start] // 5)
    assert len(short_series_hit) == 100


def test_sampler_leaves_out_single_point_series_and_refuses_when_none_usable():
    values = np.arange(5.0)
    sampler = BlockSampler(values, 3, 50, groups=[0, 1, 1, 2, 3], random_state=0)
    assert set(sampler.sample().starts.tolist()) == {1}
    with pytest.raises(ValueError, match="no series has the 2 points"):
        BlockSampler(values, 3, groups=[0, 1, 2, 3, 4])


def test_sampler_uses_the_mask_of_sequence_data():
    values = np.arange(8.0).reshape(-1, 1)
    mask = np.ones_like(values, dtype=bool)
    mask[2] = False
    mask[6] = False
    data = SequenceData(values, groups=[0, 0, 0, 1, 1, 1, 1, 1], mask=mask)
    sampler = BlockSampler(data, 5, 16, random_state=0)
    batch = sampler.sample()
    assert set(batch.lengths.tolist()) == {3, 5}
    for b in range(16):
        start, length = batch.starts[b], batch.lengths[b]
        expected = np.zeros(4, bool)  # padding is never "observed"
        expected[: length - 1] = mask[start + 1 : start + length, 0]
        np.testing.assert_array_equal(batch.observed[b, :, 0], expected)
    with pytest.raises(ValueError, match="carries its own groups"):
        BlockSampler(data, 5, groups=np.zeros(8))


def test_sampler_torch_batches_match_numpy_batches():
    lengths = [3, 40, 7]
    groups = np.repeat([5, 6, 7], lengths)
    values = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    np_batch = BlockSampler(values, 12, 32, groups=groups, random_state=3).sample()
    torch_batch = BlockSampler(values, 12, 32, groups=groups, random_state=3, device="cpu").sample()
    assert isinstance(torch_batch.inputs, torch.Tensor)
    np.testing.assert_array_equal(torch_batch.inputs.numpy(), np_batch.inputs)
    np.testing.assert_array_equal(torch_batch.targets.numpy(), np_batch.targets)
    np.testing.assert_array_equal(torch_batch.target_mask.numpy(), np_batch.target_mask)
    # Zero-copy: the sampler keeps the caller's float32 memory.
    sampler = BlockSampler(values, 12, device="cpu")
    assert sampler.values.data_ptr() == values.ctypes.data


def test_sampler_does_not_modify_the_data():
    values = np.arange(30.0).reshape(-1, 1)
    before = values.copy()
    sampler = BlockSampler(values, 8, 16, groups=np.repeat([0, 1, 2], [3, 20, 7]), random_state=0)
    for _ in range(10):
        sampler.sample()
    np.testing.assert_array_equal(values, before)


# ---------------------------------------------------------------------------- LagFeatures
@parametrize_with_checks(
    [LagFeatures(context_length=3), LagFeatures(context_length=1, fill_value=0.0)],
    expected_failed_checks=lambda estimator: (
        {
            # Row t of the output is the history up to row t: it depends on the rows before it,
            # which is the point of the transformer. Reordering rows or transforming a subset
            # changes the histories, so these invariances cannot hold for a sequence transformer.
            "check_methods_sample_order_invariance": "lags depend on the order of the rows",
            "check_methods_subset_invariance": "lags of a row depend on the rows before it",
        }
        if estimator.context_length > 1
        else {}
    ),
)
def test_lag_features_passes_sklearn_checks(estimator, check):
    check(estimator)


@settings(max_examples=50, deadline=None)
@given(grouped_series(), st.sampled_from([np.nan, 0.0, -1.0]))
def test_lag_features_content_and_no_leak_across_groups(case, fill_value):
    values, groups, lengths, context_length = case
    context_length = min(context_length, 6)
    out = LagFeatures(context_length, fill_value=fill_value).fit_transform(values, groups=groups)
    n_features = values.shape[1]
    assert out.shape == (len(values), context_length * n_features)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    for t in range(len(values)):
        series_start = offsets[np.searchsorted(offsets, t, side="right") - 1]
        for slot, lag in enumerate(range(context_length - 1, -1, -1)):
            got = out[t, slot * n_features : (slot + 1) * n_features]
            if t - lag >= series_start:
                np.testing.assert_array_equal(got, values[t - lag])
            else:
                np.testing.assert_array_equal(got, np.full(n_features, fill_value))


def test_lag_features_names_and_dataframe():
    frame = pd.DataFrame({"temp": [1.0, 2.0, 3.0], "wind": [4.0, 5.0, 6.0]})
    lags = LagFeatures(2).fit(frame)
    assert lags.get_feature_names_out().tolist() == [
        "temp_lag1",
        "wind_lag1",
        "temp_lag0",
        "wind_lag0",
    ]
    np.testing.assert_array_equal(lags.transform(frame)[2], [2.0, 5.0, 3.0, 6.0])


def test_lag_features_ridge_pipeline_forecasts_real_weather(seattle):
    """LagFeatures + Ridge beats persistence one day ahead on real Seattle temperatures."""
    temp = seattle[["temp_max"]].to_numpy()
    X, y = make_supervised(temp, target=0)
    split = int(0.8 * len(X))
    model = make_pipeline(LagFeatures(14, fill_value=0.0), Ridge(alpha=1.0))
    model.fit(X[:split], y[:split])
    # Predict on the whole history so that test rows see their full 14-day context.
    pred = model.predict(X)[split:]
    mae_model = np.abs(pred - y[split:]).mean()
    mae_persistence = np.abs(X[split:, 0] - y[split:]).mean()
    assert mae_model < 0.98 * mae_persistence  # measured: 0.965


def test_lag_features_bad_parameters():
    with pytest.raises(ValueError, match="context_length must be an integer >= 1"):
        LagFeatures(0).fit(np.zeros((3, 1)))
    with pytest.raises(TypeError, match="fill_value must be a number"):
        LagFeatures(2, fill_value="x").fit(np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"series 1 is split"):
        LagFeatures(2).fit(np.zeros((3, 1))).transform(np.zeros((3, 1)), groups=[1, 2, 1])


# ---------------------------------------------------------------------------- make_supervised
@settings(max_examples=50, deadline=None)
@given(grouped_series(), st.integers(1, 4))
def test_make_supervised_targets_come_from_the_same_series(case, horizon):
    values, groups, lengths, _ = case
    if lengths.max() <= horizon:
        with pytest.raises(ValueError, match=f"no row has a value {horizon} steps ahead"):
            make_supervised(values, horizon=horizon, groups=groups)
        return
    X, y, rows = make_supervised(values, horizon=horizon, groups=groups, return_rows=True)
    assert len(X) == len(y) == int(np.maximum(lengths - horizon, 0).sum())
    np.testing.assert_array_equal(X, values[rows])
    np.testing.assert_array_equal(y.reshape(len(rows), -1), values[rows + horizon])
    np.testing.assert_array_equal(groups[rows], groups[rows + horizon])


def test_make_supervised_frame_keeps_index_and_does_not_modify():
    index = pd.date_range("2024-01-01", periods=5, freq="D")
    frame = pd.DataFrame({"temp": [1.0, 2.0, 3.0, 4.0, 5.0], "wind": 0.0}, index=index)
    before = frame.copy()
    X, y = make_supervised(frame, "temp", horizon=2)
    assert list(X.index) == list(index[:3])
    assert y.index.equals(X.index)
    assert y.tolist() == [3.0, 4.0, 5.0]
    pd.testing.assert_frame_equal(frame, before)
    X, y = make_supervised(frame, ["temp", "wind"])
    assert y.shape == (4, 2)
    with pytest.raises(ValueError, match=r"no target column \['tmp'\]. Columns: \['temp', 'wind"):
        make_supervised(frame, "tmp")
    with pytest.raises(ValueError, match="not a column index"):
        make_supervised(frame.to_numpy(), 5)


def test_sampler_takes_the_observed_mask_of_array_input():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(40, 2)).astype(np.float32)
    observed = rng.random(values.shape) > 0.3
    groups = np.repeat([0, 1], [25, 15])
    for mask in (observed, torch.from_numpy(observed)):
        sampler = BlockSampler(values, 6, 8, groups=groups, observed=mask, random_state=0)
        batch = sampler.sample()
        for b, start in enumerate(batch.starts):
            expected = observed[start + 1 : start + 7]
            np.testing.assert_array_equal(np.asarray(batch.observed[b]), expected)
    # The same as the mask of a SequenceData holding the same rows.
    data = SequenceData(values, groups=groups, mask=observed)
    from_data = BlockSampler(data, 6, 8, random_state=0).sample()
    np.testing.assert_array_equal(from_data.observed, batch.observed)
    with pytest.raises(ValueError, match=r"observed must be a boolean array of the data's shape"):
        BlockSampler(values, 6, observed=observed.astype(int))
    with pytest.raises(ValueError, match=r"shape \(40, 2\).*got dtype bool and shape \(40, 1\)"):
        BlockSampler(values, 6, observed=observed[:, :1])
    with pytest.raises(ValueError, match="do not pass groups= or observed= as well"):
        BlockSampler(data, 6, observed=observed)
