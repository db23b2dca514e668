"""Training: batches into inputs/targets/weights, the least-squares pairs, validation, the loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tsforecast._recurrent.losses as losses
import tsforecast._recurrent.training as training
from tsforecast import LSTMForecaster
from tsforecast._recurrent.batches import training_batches
from tsforecast._recurrent.losses import Loss, masked_loss, validation_every
from tsforecast._recurrent.problem import TrainingProblem, skip_pairs, validation_targets
from tsforecast._recurrent.scaling import Standardizer
from tsforecast._segments import Segments

from .conftest import FAST

CPU = torch.device("cpu")


def problem(targets: bool = False, observed: bool = False) -> TrainingProblem:
    values = np.arange(40, dtype=np.float32).reshape(20, 2) * np.float32([1, 10])
    seen = None
    if observed:
        seen = np.ones_like(values, bool)
        seen[5, 1] = False
    scaler = Standardizer(np.float32([1, 2]), np.float32([2, 4]))
    y = (np.arange(20, dtype=np.float32) * 3)[:, None] if targets else None
    return TrainingProblem(
        readable=values, observed=seen, inputs=scaler,
        target_columns=None if targets else [1], targets=y,
    )  # fmt: skip


@pytest.mark.parametrize("horizon", [1, 3])
def test_autoregressive_batches_pair_each_row_with_the_next_rows_targets(horizon):
    data = problem()
    sampler, split = training_batches(
        data, Segments([0], [20]), 4, horizon, 8, np.random.default_rng(0), CPU
    )
    batch = sampler.sample()
    inputs, targets, weight = split(batch)
    assert weight is None and inputs.shape == (8, 4, 2) and targets.shape == (8, 4, horizon, 1)
    for i, start in enumerate(batch.starts):
        rows = data.readable[start : start + 4 + horizon]  # a block of n + H points
        np.testing.assert_allclose(inputs[i].numpy(), data.inputs.transform(rows[:4]))
        for h in range(horizon):  # position p, step h: row p + 1 + h
            expected = (rows[1 + h : 5 + h, 1] - 2) / 4
            np.testing.assert_allclose(targets[i, :, h, 0].numpy(), expected)


def test_supervised_batches_pair_inputs_with_the_same_rows_y_within_segments():
    data = problem(targets=True)
    segments = Segments([0, 12], [10, 20])  # blocks never cross from one segment to the next
    sampler, split = training_batches(data, segments, 4, 2, 16, np.random.default_rng(1), CPU)
    batch = sampler.sample()
    inputs, targets, weight = split(batch)
    for i in range(len(batch.starts)):
        column = inputs[i, :, 0].numpy() * data.inputs.scale[0] + data.inputs.mean[0]
        rows = np.round(column).astype(int) // 2  # column 0 holds 2 * row
        np.testing.assert_allclose(targets[i, :, 0, 0].numpy(), data.targets[rows, 0])
        assert (rows < 10).all() or (rows >= 12).all()
        # step 2 is y[row + 1], where it lies in the same segment
        ahead = weight is None or weight[i, :, 1, 0].numpy()
        np.testing.assert_allclose(
            targets[i, :, 1, 0].numpy()[ahead], data.targets[rows + 1, 0][ahead]
        )


def test_steps_past_a_short_series_end_do_not_count():
    data = problem()
    sampler, split = training_batches(
        data, Segments([0], [6]), 8, 3, 2, np.random.default_rng(0), CPU
    )
    inputs, targets, weight = split(sampler.sample())  # one block: the 6 rows
    assert inputs.shape == (2, 5, 2) and targets.shape == (2, 5, 3, 1)
    # position p sees rows p + 1 .. p + 3; only those before row 6 count
    expected = (np.arange(5)[:, None] + 1 + np.arange(3)) < 6
    assert (weight[0, :, :, 0].numpy() == expected).all()


def test_unobserved_targets_do_not_count():
    data = problem(observed=True)
    sampler, split = training_batches(
        data, Segments([0], [20]), 19, 1, 4, np.random.default_rng(0), CPU
    )
    _, _, weight = split(sampler.sample())
    assert weight is not None and weight.shape == (4, 19, 1, 1)
    assert int((~weight).sum()) == 4  # row 5's target, in each of the 4 (whole-series) blocks
    inputs, targets, counts = (
        torch.cat(part) for part in zip(*skip_pairs(data, Segments([0], [20]), 2, CPU), strict=True)
    )
    assert len(inputs) == len(targets) == 20 and targets.shape == (20, 2, 1)
    # step 1 from row 4 is row 5 (not observed); step 2 from row 3 too; the last rows have no
    # targets left in the segment
    assert counts[:, 0, 0].tolist() == [r != 4 and r < 19 for r in range(20)]
    assert counts[:, 1, 0].tolist() == [r != 3 and r < 18 for r in range(20)]
    np.testing.assert_allclose(
        targets[counts[:, 0, 0], 0, 0].numpy(), (np.delete(data.readable[1:, 1], 4) - 2) / 4
    )


def test_validation_targets_are_forecast_from_the_row_before():
    data = problem(observed=True)
    offsets = np.array([0, 20])
    rows, truth, weight = validation_targets(data, np.array([5, 6, 19]), offsets, 2)
    assert rows.tolist() == [4, 5, 18] and truth.shape == (3, 2, 1)
    np.testing.assert_allclose(truth[:, 0, 0], (data.readable[[5, 6, 19], 1] - 2) / 4)
    assert weight[:, :, 0].tolist() == [[False, True], [True, True], [True, False]]
    supervised = problem(targets=True)
    rows, truth, weight = validation_targets(supervised, np.array([3]), offsets, 2)
    assert rows.tolist() == [3] and truth[0, :, 0].tolist() == [9.0, 12.0] and weight.all()


def test_validation_cadence():
    # validation costs at most a quarter of training: 8,192 rows against 10 blocks an epoch
    assert validation_every(8192, 10, 64) == int(np.ceil(4 * 8192 / 30))
    assert validation_every(10, 1000, 64) == 1


def test_masked_loss_counts_only_the_weighted_entries():
    output = torch.tensor([[[[1.0, 5.0]]]])  # (1 row, 1 step, 1 level, 2 targets)
    truth = torch.tensor([[[0.0, float("nan")]]])
    weight = torch.tensor([[[True, False]]])
    assert float(masked_loss(output, truth, weight, "mse")) == 1.0  # the NaN never reaches it


def test_pinball_loss_weighs_errors_by_the_level():
    levels = torch.tensor([0.1, 0.5, 0.9])
    output = torch.zeros(1, 1, 3, 1)
    above = Loss("pinball", levels)(output, torch.full((1, 1, 1), 2.0), None)  # truth 2 above
    below = Loss("pinball", levels)(output, torch.full((1, 1, 1), -2.0), None)
    assert float(above) == pytest.approx((0.2 + 1.0 + 1.8) / 3)
    assert float(below) == pytest.approx((1.8 + 1.0 + 0.2) / 3)
    # the median's pinball loss is half the absolute error
    zero, one = torch.zeros(1, 1, 1, 1), torch.ones(1, 1, 1)
    median = Loss("pinball", torch.tensor([0.5]))(zero, one, None)
    assert float(median) == pytest.approx(0.5 * float(Loss("mae")(zero, one, None)))


def test_time_budget_stops_training_on_a_clock_it_reads(waves, monkeypatch):
    """max_time is checked after every batch; a fake clock makes the verdict machine-free."""
    ticks = iter(np.arange(0.0, 1e6, 0.1))  # every reading of the clock: 0.1 s later
    monkeypatch.setattr(training.time, "perf_counter", lambda: float(next(ticks)))
    model = LSTMForecaster(**{**FAST, "max_epochs": 10_000, "patience": None, "max_time": 5.0})
    model.fit(waves)
    assert model.stopped_ == "max_time" and model.n_epochs_ < 100
    assert sum(h["n_batches"] for h in model.history_) < 60  # about 5.0 / 0.1 clock readings


def test_nan_loss_stops_with_a_warning_and_keeps_usable_weights(waves, monkeypatch):
    calls = {"n": 0}
    real = losses.masked_loss

    def nan_later(*args, **kwargs):
        calls["n"] += 1
        value = real(*args, **kwargs)
        return value * float("nan") if calls["n"] >= 4 else value

    monkeypatch.setattr(losses, "masked_loss", nan_later)
    with pytest.warns(RuntimeWarning, match="loss became NaN or infinite in epoch"):
        model = LSTMForecaster(**{**FAST, "max_epochs": 50}).fit(waves)
    assert model.stopped_ == "nan" and model.n_epochs_ >= 1
    assert np.isfinite(model.predict(waves)).all()


def test_keyboard_interrupt_keeps_the_model_trained_so_far(waves, monkeypatch):
    calls = {"n": 0}
    real = losses.masked_loss

    def interrupt_later(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 6:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(losses, "masked_loss", interrupt_later)
    with pytest.warns(RuntimeWarning, match="Training interrupted"):
        model = LSTMForecaster(**{**FAST, "max_epochs": 50}).fit(waves)
    assert model.stopped_ == "interrupted" and model.n_epochs_ >= 1
    assert np.isfinite(model.predict(waves)).all()


def test_the_kept_model_is_never_worse_than_the_start_on_the_validation_data(waves):
    """The documented guarantee: a diverging run keeps the starting forecaster, and says so."""
    with pytest.warns(RuntimeWarning, match="No epoch of .* improved on the starting"):
        model = LSTMForecaster(**{**FAST, "learning_rate": 1e3, "max_epochs": 4}).fit(waves)
    assert model.best_epoch_ == 0
    # Epoch 0's weights are the least-squares linear forecaster, which fits these waves well.
    assert model.score(waves) > 0.8


@pytest.mark.parametrize("learning_rate", [1e-3, 1.0, 30.0])
def test_the_kept_weights_validate_no_worse_than_the_starting_ones(waves, learning_rate):
    seen = {}
    real = training.train

    def spy(module, *args, **kwargs):
        result = real(module, *args, **kwargs)
        seen["start"], seen["kept"] = result.start_loss, kwargs["validate"]()
        return result

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(training, "train", spy)
            LSTMForecaster(**{**FAST, "learning_rate": learning_rate, "max_epochs": 4}).fit(waves)
    assert seen["kept"] <= seen["start"]


def test_batches_per_epoch_fixes_the_number_of_training_steps(waves):
    model = LSTMForecaster(**{**FAST, "max_epochs": 3}, batches_per_epoch=5, batch_size=16)
    model.fit(waves)
    assert [row["n_batches"] for row in model.history_] == [5, 5, 5]
    span = model.context_length + model.horizon_ - 1  # target positions of a full block
    assert [row["n_positions"] for row in model.history_] == [5 * 16 * span] * 3
    with pytest.raises(ValueError, match=r"batches_per_epoch must be an integer >= 1; got 0"):
        LSTMForecaster(batches_per_epoch=0).fit(waves)


def test_weight_average_follows_the_warmed_up_moving_average_and_swaps_back():
    module = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        module.weight.fill_(0.0)
    average = training.WeightAverage(module, decay=0.9)
    expected = 0.0
    for step, value in enumerate([1.0, 2.0, 3.0, 4.0, 5.0] + [6.0] * 95, start=1):
        with torch.no_grad():
            module.weight.fill_(value)
        average.update()
        keep = min(0.9, (1 + step) / (10 + step))  # early steps weigh more
        expected = keep * expected + (1 - keep) * value
        assert average.average[0].item() == pytest.approx(expected, rel=1e-6)
    assert keep == 0.9  # the warm-up has ended
    average.swap()
    assert module.weight.item() == pytest.approx(expected, rel=1e-6)
    average.swap()
    assert module.weight.item() == 6.0


def test_the_kept_weights_are_the_average_validated_at_the_best_epoch(waves):
    """Validation, the choice of epoch and the fitted model all read the averaged weights."""
    seen = {}
    real = training.train

    def spy(module, *args, **kwargs):
        result = real(module, *args, **kwargs)
        seen["kept"], seen["result"] = kwargs["validate"](), result
        return result

    fitted = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training, "train", spy)
        for averaging in (0.0, 0.9):
            params = {**FAST, "max_epochs": 8, "weight_averaging": averaging,
                      "validation_fraction": 0.1}  # fmt: skip
            fitted[averaging] = LSTMForecaster(**params).fit(waves)
            result = seen["result"]
            assert result.best_epoch > 0
            recorded = result.history[result.best_epoch - 1]["valid_loss"]
            assert seen["kept"] == pytest.approx(recorded, rel=1e-5)
    assert not np.allclose(fitted[0.0].predict(waves), fitted[0.9].predict(waves))


def test_weight_averaging_must_be_below_one(waves):
    with pytest.raises(ValueError, match=r"weight_averaging must be"):
        LSTMForecaster(weight_averaging=1.0).fit(waves)
