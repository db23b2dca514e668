"""The torch network behind the forecaster (no scikit-learn, no pandas here).

Its inputs are the columns of each time step, each with a role (`InputLayout`): the values
forecast (targets), past covariates (known up to now), known-future covariates (calendar
features, schedules) and static covariates (constant within a series). Its output at every
position holds ``horizon x n_quantiles x n_targets`` values (`OutputShape`): forecasts of the
next ``horizon`` steps, at each quantile level, of each target.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

__all__ = ["CELLS", "InputLayout", "OutputShape", "RecurrentNet"]

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


@dataclass(frozen=True)
class InputLayout:
    """The network's input columns by role, as positions in each input row.

    Parameters
    ----------
    targets : tuple of int
        The values forecast, as read from the history.
    past : tuple of int
        Past covariates: observed up to the forecast origin, unknown after it.
    future : tuple of int
        Known-future covariates (calendar features...): known for the forecast period too.
    static : tuple of int
        Static covariates: constant within a series.
    """

    targets: tuple[int, ...]
    past: tuple[int, ...] = ()
    future: tuple[int, ...] = ()
    static: tuple[int, ...] = ()

    @classmethod
    def of_columns(
        cls, n_features: int, target_columns: list[int] | None, n_future: int = 0
    ) -> InputLayout:
        """Return the layout of ``X``'s columns followed by ``n_future`` known-future columns.

        ``target_columns``: the columns of ``X`` forecast (the others are past covariates);
        None when the targets are not among the inputs (a model fitted with ``y``).
        """
        future = tuple(range(n_features, n_features + n_future))
        targets = () if target_columns is None else tuple(target_columns)
        past = tuple(i for i in range(n_features) if i not in targets)
        return cls(targets=targets, past=past, future=future)

    @property
    def n_inputs(self) -> int:
        """Columns of an input row."""
        return len(self.targets) + len(self.past) + len(self.future) + len(self.static)

    def __post_init__(self) -> None:
        """Check that every column has exactly one role."""
        positions = sorted(self.targets + self.past + self.future + self.static)
        if positions != list(range(len(positions))):
            raise ValueError(
                f"InputLayout: every input column needs exactly one role; got targets "
                f"{self.targets}, past {self.past}, future {self.future}, static {self.static}."
            )


@dataclass(frozen=True)
class OutputShape:
    """What the network emits at every position: ``horizon x n_quantiles x n_targets``.

    Parameters
    ----------
    n_targets : int
        Values forecast per step.
    horizon : int, default=1
        Steps ahead forecast at once (1: the next step only).
    n_quantiles : int, default=1
        Quantile levels per value (1: a point forecast).
    """

    n_targets: int
    horizon: int = 1
    n_quantiles: int = 1

    @property
    def size(self) -> int:
        """Output values per position."""
        return self.horizon * self.n_quantiles * self.n_targets


class RecurrentNet(nn.Module):
    """A recurrent network reading a sequence and forecasting what follows every step.

    ``output[:, t] = head(h_t) + skip(x_t)``: the recurrent state ``h_t`` summarises the
    history ``x_0..x_t``; ``skip`` is a linear map of the current input alone. Initialised by
    least squares (`init_skip`), the skip makes the untrained network the best linear one-step
    forecaster of the data (persistence, for slowly varying series), and training learns what
    the history adds. This is what keeps a recurrent model from losing to persistence on smooth
    series, where learning to copy the input through the recurrence is slow.

    Parameters
    ----------
    layout : InputLayout
        The input columns by role.
    output : OutputShape
        What is forecast at every step.
    hidden_size : int
        Recurrent state size.
    num_layers : int
        Stacked recurrent layers.
    cell : {"lstm", "gru", "rnn"}
        Recurrent cell.
    dropout : float
        Dropout between stacked layers and before the head.
    """

    def __init__(
        self,
        layout: InputLayout,
        output: OutputShape,
        hidden_size: int = 64,
        num_layers: int = 1,
        cell: str = "lstm",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.layout, self.output = layout, output
        input_size, output_size = layout.n_inputs, output.size
        # torch refuses NumPy integers (grids built with np.arange): plain ints and floats.
        hidden_size, num_layers, dropout = int(hidden_size), int(num_layers), float(dropout)
        self.recurrent = CELLS[cell](
            input_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, output_size)
        self.skip = nn.Linear(input_size, output_size)
        # The recurrent part starts as a small correction to the skip's linear forecast.
        nn.init.zeros_(self.head.bias)
        nn.init.normal_(self.head.weight, std=0.01)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Forecast what follows every step.

        Parameters
        ----------
        inputs : Tensor of shape (batch, steps, n_inputs)

        Returns
        -------
        Tensor of shape (batch, steps, horizon, n_quantiles, n_targets)
        """
        states, _ = self.recurrent(inputs)
        return self._shaped(self.head(self.dropout(states)) + self.skip(inputs))

    def _shaped(self, flat: torch.Tensor) -> torch.Tensor:
        shape = self.output
        return flat.view(*flat.shape[:-1], shape.horizon, shape.n_quantiles, shape.n_targets)

    def next_step(self, output: torch.Tensor) -> torch.Tensor:
        """Return the point forecast of the next step in an output: shape ``(..., n_targets)``.

        The first horizon step at the middle quantile level (the median of an odd, symmetric
        set of levels; the upper of the two middle ones for an even count; the only level of
        a point forecast).
        """
        return output[..., 0, self.output.n_quantiles // 2, :]

    def forward_last(self, inputs: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """Return the forecast after step ``lengths[i] - 1`` of each sequence only.

        The same values as ``forward(inputs)[range(batch), lengths - 1]``, without applying
        the output layers to every step (forecasting reads one step per sequence).

        Parameters
        ----------
        inputs : Tensor of shape (batch, steps, n_inputs)
        lengths : Tensor of shape (batch,), int64, or None
            Real steps of each sequence (the rest is right padding); None: all steps.

        Returns
        -------
        Tensor of shape (batch, horizon, n_quantiles, n_targets)
        """
        states, _ = self.recurrent(inputs)
        if lengths is None:
            flat = self.head(self.dropout(states[:, -1])) + self.skip(inputs[:, -1])
        else:
            rows = torch.arange(len(inputs), device=inputs.device)
            last = lengths - 1
            flat = self.head(self.dropout(states[rows, last])) + self.skip(inputs[rows, last])
        return self._shaped(flat)

    @torch.no_grad()
    def init_skip(
        self, pairs: Iterable[tuple[torch.Tensor, torch.Tensor]], ridge: float = 1e-3
    ) -> None:
        """Set ``skip`` to the ridge least-squares fit of targets on inputs.

        Every quantile level of a horizon step starts from the same least-squares fit.

        Parameters
        ----------
        pairs : iterable of (inputs, targets) tensors
            Shapes ``(n, n_inputs)`` and ``(n, horizon * n_targets)`` (the targets of each
            horizon step side by side). The rows to fit, in one pair or in chunks (the normal
            equations are summed chunk by chunk, so large data is never held at once in
            float64).
        ridge : float
            Penalty on the squared coefficients (bias included), per row.
        """
        gram = cross = None
        n_rows = 0
        for inputs, targets in pairs:
            ones = torch.ones(len(inputs), 1, dtype=torch.float64, device=inputs.device)
            design = torch.cat([inputs.double(), ones], dim=1)
            part_gram, part_cross = design.T @ design, design.T @ targets.double()
            gram = part_gram if gram is None else gram + part_gram
            cross = part_cross if cross is None else cross + part_cross
            n_rows += len(inputs)
        if gram is None or n_rows == 0:
            return  # no pair to fit: keep the default initialisation
        gram += ridge * n_rows * torch.eye(len(gram), dtype=gram.dtype, device=gram.device)
        solution = torch.linalg.solve(gram, cross)  # (n_inputs + 1, horizon * n_targets)
        shape = self.output
        by_step = solution.view(len(solution), shape.horizon, 1, shape.n_targets)
        solution = by_step.expand(-1, -1, shape.n_quantiles, -1).reshape(len(solution), -1)
        self.skip.weight.copy_(solution[:-1].T)
        self.skip.bias.copy_(solution[-1])
