"""Inference: one-step outputs over windows, roll-forward, window views, thread policy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from tsforecast._recurrent.inference import one_step, roll_forward, threads_for_batch
from tsforecast._recurrent.network import InputLayout, OutputShape, RecurrentNet
from tsforecast._sampler import shared_tensor, take_windows, window_view


@pytest.fixture(scope="module")
def module() -> RecurrentNet:
    torch.manual_seed(0)
    return RecurrentNet(InputLayout(targets=(0, 1)), OutputShape(2), hidden_size=6).eval()


def identity(tensor: torch.Tensor) -> torch.Tensor:
    return tensor


def test_one_step_reads_each_rows_own_last_context_rows(module):
    L = 5
    values = torch.randn(30, 2)
    offsets = np.array([0, 3, 30])  # a series shorter than L, then a long one
    rows = np.array([0, 2, 3, 4, 7, 8, 29])
    output = one_step(module, values, offsets, rows, L, identity)
    assert output.shape == (len(rows), 1, 1, 2)
    for i, row in enumerate(rows):
        start = offsets[np.searchsorted(offsets, row, side="right") - 1]
        window = values[max(start, row - L + 1) : row + 1][None]
        with torch.inference_mode():
            expected = module(window)[0, -1]
        torch.testing.assert_close(output[i], expected, rtol=1e-5, atol=1e-6)


def test_one_step_standardises_the_windows_it_reads(module):
    values = torch.randn(12, 2)
    offsets, rows = np.array([0, 12]), np.arange(12)
    twice = one_step(module, values, offsets, rows, 4, lambda x: 2 * x)
    torch.testing.assert_close(twice, one_step(module, 2 * values, offsets, rows, 4, identity))


def test_roll_forward_feeds_each_forecast_back(module):
    L, steps = 4, 3
    history = torch.randn(2, L, 2)
    lengths = np.array([4, 2])  # the second series has two real rows (left-aligned)
    rolled = roll_forward(module, history.clone(), lengths, steps, L)
    assert rolled.shape == (2, steps, 1, 2)
    for series in range(2):
        rows = list(history[series, : lengths[series]])
        for step in range(steps):
            window = torch.stack(rows[-L:])[None]
            with torch.inference_mode():
                nxt = module.next_step(module(window))[0, -1]
            torch.testing.assert_close(rolled[series, step, 0], nxt, rtol=1e-5, atol=1e-6)
            rows.append(nxt)


def test_a_multi_horizon_network_forecasts_its_horizon_at_once_then_feeds_it_back():
    torch.manual_seed(1)
    horizon, L = 3, 5
    net = RecurrentNet(
        InputLayout(targets=(0, 1)), OutputShape(2, horizon=horizon, n_quantiles=3), hidden_size=6
    ).eval()
    history = torch.randn(2, L, 2)
    lengths = np.array([5, 2])
    rolled = roll_forward(net, history.clone(), lengths, 7, L)  # 3 + 3 + 1 steps
    assert rolled.shape == (2, 7, 3, 2)
    for series in range(2):
        rows = list(history[series, : lengths[series]])
        done = 0
        while done < 7:
            with torch.inference_mode():
                output = net(torch.stack(rows[-L:])[None])[0, -1]  # (horizon, levels, targets)
            take = min(horizon, 7 - done)
            torch.testing.assert_close(
                rolled[series, done : done + take], output[:take], rtol=1e-5, atol=1e-6
            )
            rows.extend(net.point(output[:take]))  # the medians become history
            done += take
    assert (rolled.diff(dim=2) >= 0).all()  # the levels never cross


def test_window_views_share_memory_and_gather_windows():
    values = torch.arange(20.0).view(10, 2)
    windows = window_view(values, 4)
    assert windows.untyped_storage().data_ptr() == values.untyped_storage().data_ptr()
    taken = take_windows(windows, torch.tensor([0, 6]), 4)
    torch.testing.assert_close(taken, torch.stack([values[0:4], values[6:10]]))
    strided = values.t().contiguous().t()  # not contiguous: the unfold fallback
    torch.testing.assert_close(take_windows(window_view(strided, 4), torch.tensor([6]), 4),
                               values[6:10][None])  # fmt: skip
    assert window_view(values, 11) is None


def test_shared_tensor_shares_read_only_arrays_without_warnings():
    array = np.arange(6, dtype=np.float32).reshape(3, 2)
    array.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tensor = shared_tensor(array, "cpu")
    assert tensor.data_ptr() == array.ctypes.data


def test_small_inference_batches_run_on_one_thread_and_restore_the_setting():
    cpu, before = torch.device("cpu"), torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with threads_for_batch(1, 64, cpu):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        with threads_for_batch(64, 64, cpu):
            assert torch.get_num_threads() == 2
        with pytest.raises(KeyError), threads_for_batch(1, 64, cpu):
            raise KeyError("an error inside still restores the setting")
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
