"""The network: output shape by horizon, quantile and target; inputs by role; the skip start."""

from __future__ import annotations

import pytest
import torch

from tsforecast._recurrent.network import InputLayout, OutputShape, RecurrentNet, least_squares


def network(n_inputs: int = 3, **output: int) -> RecurrentNet:
    torch.manual_seed(0)
    shape = OutputShape(**{"n_targets": 2, **output})
    return RecurrentNet(InputLayout(targets=tuple(range(n_inputs))), shape, hidden_size=5).eval()


def test_forward_last_matches_the_full_forward():
    module = network(horizon=3, n_quantiles=2)
    inputs = torch.randn(4, 7, 3)
    lengths = torch.tensor([7, 1, 3, 7])
    with torch.inference_mode():
        full = module(inputs)
        torch.testing.assert_close(
            module.forward_last(inputs, lengths), full[range(4), lengths - 1]
        )
        torch.testing.assert_close(module.forward_last(inputs, None), full[:, -1])


def test_output_holds_horizon_x_quantiles_x_targets_per_position():
    module = network(horizon=4, n_quantiles=3)
    assert module.head.out_features == module.skip.out_features == 4 * 3 * 2
    with torch.inference_mode():
        output = module(torch.randn(5, 6, 3))
        assert output.shape == (5, 6, 4, 3, 2)
        # The point forecast of the next step: first horizon step, middle quantile level.
        torch.testing.assert_close(module.next_step(output), output[:, :, 0, 1, :])
    assert network().next_step(torch.zeros(2, 1, 1, 2)).shape == (2, 2)


def test_least_squares_in_chunks_matches_one_fit_per_step_and_target():
    torch.manual_seed(0)
    inputs, targets = torch.randn(500, 3), torch.randn(500, 2, 2)  # 2 steps x 2 targets
    weight = torch.ones(500, 2, 2, dtype=torch.bool)
    weight[400:, 1, :] = False  # step 2 has fewer rows (the end of a series)
    weight[:100, 0, 1] = False  # target 2 missing at some rows: target 1 keeps them
    whole = least_squares([(inputs, targets, weight)], horizon=2)
    chunked = least_squares(
        zip(inputs.split(64), targets.split(64), weight.split(64), strict=True), horizon=2
    )
    torch.testing.assert_close(chunked, whole)
    assert whole.shape == (4, 2, 2)  # inputs + intercept, steps, targets
    # Each step and target: the ridge solution of the normal equations over its own rows.
    design = torch.cat([inputs, torch.ones(500, 1)], dim=1).double()
    for step, target, rows in ((0, 0, slice(None)), (0, 1, slice(100, None)),
                               (1, 0, slice(0, 400)), (1, 1, slice(0, 400))):  # fmt: skip
        n = len(design[rows])
        gram = design[rows].T @ design[rows] + 1e-3 * n * torch.eye(4, dtype=torch.float64)
        right = design[rows].T @ targets[rows, step, target].double()
        torch.testing.assert_close(whole[:, step, target], torch.linalg.solve(gram, right))


def test_set_skip_starts_every_quantile_level_from_the_forecaster_plus_its_offset():
    module = network(horizon=2, n_quantiles=3)
    solution = torch.randn(4, 2, 2, dtype=torch.float64)
    offsets = torch.tensor([-1.0, 0.0, 1.0])[None, :, None].expand(2, 3, 2)
    module.set_skip(solution.float(), offsets)
    inputs = torch.randn(5, 3)
    with torch.no_grad():
        flat = module.skip(inputs).view(5, 2, 3, 2)  # (rows, step, level, target)
    linear = inputs @ solution[:-1].float().view(3, 4) + solution[-1].float().view(4)
    for level, offset in enumerate((-1.0, 0.0, 1.0)):
        torch.testing.assert_close(flat[:, :, level], linear.view(5, 2, 2) + offset)


def test_quantile_levels_never_cross_outside_training():
    module = network(horizon=2, n_quantiles=5)
    inputs = torch.randn(8, 6, 3)
    with torch.no_grad():
        module.head.weight.normal_(std=3.0)  # wild weights: raw levels would cross
        output = module(inputs)
        assert (output.diff(dim=-2) >= 0).all()
        assert (module.forward_last(inputs, None).diff(dim=-2) >= 0).all()
        raw = module.train()(inputs)  # training reads each level's own output
    assert (raw.diff(dim=-2) < 0).any()
    torch.testing.assert_close(raw.sort(dim=-2).values, output)


def test_input_layout_gives_every_column_one_role():
    layout = InputLayout(targets=(0, 2), past=(1,), future=(3, 4), static=(5,))
    assert layout.n_inputs == 6
    with pytest.raises(ValueError, match="exactly one role"):
        InputLayout(targets=(0, 1), past=(1,))
    with pytest.raises(ValueError, match="exactly one role"):
        InputLayout(targets=(0,), future=(2,))
