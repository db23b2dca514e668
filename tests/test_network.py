"""The network: output shape by horizon, quantile and target; inputs by role; the skip start."""

from __future__ import annotations

import pytest
import torch

from tsforecast._network import InputLayout, OutputShape, RecurrentNet


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


def test_init_skip_in_chunks_matches_one_least_squares_fit():
    torch.manual_seed(0)
    inputs, targets = torch.randn(500, 3), torch.randn(500, 2)
    whole, chunked = network(), network()
    whole.init_skip([(inputs, targets)])
    chunked.init_skip(zip(inputs.split(64), targets.split(64), strict=True))
    torch.testing.assert_close(chunked.skip.weight, whole.skip.weight)
    torch.testing.assert_close(chunked.skip.bias, whole.skip.bias)
    # The ridge solution of the normal equations.
    design = torch.cat([inputs, torch.ones(500, 1)], dim=1).double()
    gram = design.T @ design + 1e-3 * 500 * torch.eye(4, dtype=torch.float64)
    expected = torch.linalg.solve(gram, design.T @ targets.double())
    torch.testing.assert_close(whole.skip.weight, expected[:-1].T.float())


def test_init_skip_starts_every_quantile_of_a_step_from_that_steps_fit():
    torch.manual_seed(1)
    inputs, targets = torch.randn(300, 3), torch.randn(300, 2 * 2)  # 2 steps x 2 targets
    module = network(horizon=2, n_quantiles=3)
    module.init_skip([(inputs, targets)])
    one_step = network(n_quantiles=1, horizon=1)
    one_step.init_skip([(inputs, targets[:, 2:])])  # the second step's targets alone
    weight = module.skip.weight.view(2, 3, 2, 3)  # (step, quantile, target, input)
    for quantile in range(3):
        torch.testing.assert_close(weight[1, quantile], one_step.skip.weight)
    assert not torch.allclose(weight[0, 0], weight[1, 0])


def test_input_layout_gives_every_column_one_role():
    layout = InputLayout(targets=(0, 2), past=(1,), future=(3, 4), static=(5,))
    assert layout.n_inputs == 6
    with pytest.raises(ValueError, match="exactly one role"):
        InputLayout(targets=(0, 1), past=(1,))
    with pytest.raises(ValueError, match="exactly one role"):
        InputLayout(targets=(0,), future=(2,))
