"""The torch network behind the forecaster (no scikit-learn, no pandas here).

Its inputs are the columns of each time step, each with a role (`InputLayout`): the values
forecast (targets), past covariates (known up to now), known-future covariates (calendar
features, schedules) and static covariates (constant within a series), and the known-future
covariates of the next rows (``ahead``: read by the forecast of a step only up to that step,
never by the recurrence). Its output at every
position holds ``horizon x n_quantiles x n_targets`` values (`OutputShape`): forecasts of the
next ``horizon`` steps, at each quantile level, of each target.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from tsforecast._recurrent.bounds import bounded

__all__ = ["CELLS", "InputLayout", "NetworkSpec", "OutputShape", "RecurrentNet", "least_squares"]

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
    ahead : tuple of int
        The known-future covariates of the next rows, the last columns of an input row: the
        row ``t`` holds their values at rows ``t + 1, t + 2, ...``.
    ahead_steps : tuple of int
        For each ``ahead`` column, how many rows ahead its value lies (1 = the next row).
        The forecast of step ``k`` reads only the columns with ``ahead_steps <= k``.
    """

    targets: tuple[int, ...]
    past: tuple[int, ...] = ()
    future: tuple[int, ...] = ()
    static: tuple[int, ...] = ()
    ahead: tuple[int, ...] = ()
    ahead_steps: tuple[int, ...] = ()

    @classmethod
    def of_columns(
        cls,
        n_features: int,
        target_columns: list[int] | None,
        n_future: int = 0,
        *,
        future_columns: tuple[int, ...] = (),
        static_columns: tuple[int, ...] = (),
        horizon: int = 1,
        time_gap: bool = False,
    ) -> InputLayout:
        """Return the layout of ``X``'s columns, ``n_future`` calendar columns, then leads.

        ``target_columns``: the columns of ``X`` forecast (None when the targets are not among
        the inputs: a model fitted with ``y``); ``future_columns`` and ``static_columns``:
        known-future and static covariates among ``X``'s columns; the others are past
        covariates. With ``time_gap``, a column of the time since the previous row follows
        the calendar's. Then the known-future values of the next ``horizon`` rows (step after
        step; within a step the future covariates in order, then the time gap).
        """
        calendar = tuple(range(n_features, n_features + n_future + time_gap))
        targets = () if target_columns is None else tuple(target_columns)
        roles = set(targets) | set(future_columns) | set(static_columns)
        past = tuple(i for i in range(n_features) if i not in roles)
        first = n_features + n_future + time_gap
        per_step = len(future_columns) + time_gap
        return cls(
            targets=targets, past=past, future=tuple(future_columns) + calendar,
            static=tuple(static_columns), ahead=tuple(range(first, first + horizon * per_step)),
            ahead_steps=tuple(np.repeat(np.arange(1, horizon + 1), per_step).tolist()),
        )  # fmt: skip

    @property
    def n_inputs(self) -> int:
        """Columns of an input row."""
        return self.n_recurrent + len(self.ahead)

    def first_steps(self) -> np.ndarray | None:
        """Return, per input column, the first step that may read it (0: any); None if all."""
        if not self.ahead:
            return None
        steps = np.zeros(self.n_inputs, np.int64)
        steps[list(self.ahead)] = self.ahead_steps
        return steps

    @property
    def n_recurrent(self) -> int:
        """Columns the recurrence reads: the first ones, all but ``ahead``."""
        return len(self.targets) + len(self.past) + len(self.future) + len(self.static)

    def __post_init__(self) -> None:
        """Check that every column has exactly one role, the ``ahead`` ones last."""
        positions = sorted(self.targets + self.past + self.future + self.static)
        if positions != list(range(len(positions))):
            raise ValueError(
                f"InputLayout: every input column needs exactly one role; got targets "
                f"{self.targets}, past {self.past}, future {self.future}, static {self.static}."
            )
        first = len(positions)
        if self.ahead != tuple(range(first, first + len(self.ahead))) or len(
            self.ahead_steps
        ) != len(self.ahead):
            raise ValueError(
                f"InputLayout: the ahead columns must be the last ones, {first} onward, each with "
                f"a step; got ahead {self.ahead}, ahead_steps {self.ahead_steps}."
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
    point : int, optional
        The level whose output is the point forecast (the median's position among sorted
        levels); the middle one, ``n_quantiles // 2``, by default.
    """

    n_targets: int
    horizon: int = 1
    n_quantiles: int = 1
    point: int | None = None

    @property
    def point_index(self) -> int:
        """Position of the point forecast among the quantile levels."""
        return self.n_quantiles // 2 if self.point is None else self.point

    @property
    def size(self) -> int:
        """Output values per position."""
        return self.horizon * self.n_quantiles * self.n_targets


class RecurrentNet(nn.Module):
    """A recurrent network reading a sequence and forecasting what follows every step.

    ``output[:, t] = head(h_t) + skip(x_t)``: the recurrent state ``h_t`` summarises the
    history ``x_0..x_t``; ``skip`` is a linear map of the current input alone. Set to a naive
    forecaster (`set_skip`: least squares, or persistence where it does better), the skip makes
    the untrained network that forecaster, and training learns what the history adds. This is
    what keeps a recurrent model from losing to persistence on smooth series, where learning to
    copy the input through the recurrence is slow. The ``ahead`` columns (known-future
    covariates of the next rows) reach the output through the skip only, causally: the
    forecast of step ``k`` reads their values up to row ``t + k``, so a forecast never depends
    on covariates after the step it forecasts; their effect is linear (the recurrence never
    reads them). In evaluation mode the quantile levels are sorted at every output, so they
    never cross.

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
    bounds : (Tensor, Tensor) of shape (n_targets,) each, optional
        The lowest and highest value each target can take, in the output's (standardised)
        units, -inf/inf for none: every output is kept inside by a smooth floor and ceiling
        (`tsforecast._recurrent.bounds.bounded`).
    """

    def __init__(
        self,
        layout: InputLayout,
        output: OutputShape,
        hidden_size: int = 64,
        num_layers: int = 1,
        cell: str = "lstm",
        dropout: float = 0.0,
        bounds: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> None:
        super().__init__()
        self.layout, self.output = layout, output
        input_size, output_size = layout.n_inputs, output.size
        self.n_recurrent = layout.n_recurrent
        # torch refuses NumPy integers (grids built with np.arange): plain ints and floats.
        hidden_size, num_layers, dropout = int(hidden_size), int(num_layers), float(dropout)
        self.recurrent = CELLS[cell](
            self.n_recurrent,
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
        self.register_buffer("low", None if bounds is None else bounds[0], persistent=False)
        self.register_buffer("high", None if bounds is None else bounds[1], persistent=False)
        self.register_buffer("skip_mask", None, persistent=False)
        first_steps = layout.first_steps()
        if first_steps is not None:
            # Output (step k, level, target) reads an input column only if its first step <= k.
            steps = np.arange(output.size) // (output.n_quantiles * output.n_targets) + 1
            readable = (first_steps[None, :] <= steps[:, None]).astype(np.float32)
            self.register_buffer("skip_mask", torch.from_numpy(readable), persistent=False)
            with torch.no_grad():
                self.skip.weight[:, layout.ahead] = 0.0

    def _skip(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.skip_mask is None:
            return self.skip(inputs)
        return nn.functional.linear(inputs, self.skip.weight * self.skip_mask, self.skip.bias)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Forecast what follows every step.

        Parameters
        ----------
        inputs : Tensor of shape (batch, steps, n_inputs)

        Returns
        -------
        Tensor of shape (batch, steps, horizon, n_quantiles, n_targets)
        """
        states, _ = self.recurrent(inputs[..., : self.n_recurrent])
        return self._shaped(self.head(self.dropout(states)) + self._skip(inputs))

    def _shaped(self, flat: torch.Tensor) -> torch.Tensor:
        shape = self.output
        output = flat.view(*flat.shape[:-1], shape.horizon, shape.n_quantiles, shape.n_targets)
        if self.low is not None:
            output = bounded(output, self.low, self.high)
        if shape.n_quantiles > 1 and not self.training:
            # Quantiles never cross: the levels' outputs are sorted, a monotone rearrangement
            # that never increases the pinball loss (Chernozhukov, Fernández-Val and Galichon,
            # 2010). Training reads the raw outputs: each level learns its own quantile, and
            # the sort would cost more than the rest of the output layers together.
            output = output.sort(dim=-2).values
        return output

    def point(self, output: torch.Tensor) -> torch.Tensor:
        """Return the point forecasts in an output: shape ``(..., horizon, n_targets)``.

        The level at ``OutputShape.point_index``: the median of a quantile model, the only
        level of a point model.
        """
        return output[..., self.output.point_index, :]

    def next_step(self, output: torch.Tensor) -> torch.Tensor:
        """Return the point forecast of the next step in an output: shape ``(..., n_targets)``."""
        return output[..., 0, self.output.point_index, :]

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
        states, _ = self.recurrent(inputs[..., : self.n_recurrent])
        if lengths is None:
            flat = self.head(self.dropout(states[:, -1])) + self._skip(inputs[:, -1])
        else:
            rows = torch.arange(len(inputs), device=inputs.device)
            last = lengths - 1
            flat = self.head(self.dropout(states[rows, last])) + self._skip(inputs[rows, last])
        return self._shaped(flat)

    @torch.no_grad()
    def set_skip(self, solution: torch.Tensor, offsets: torch.Tensor | None = None) -> None:
        """Make ``skip`` a given linear forecaster, the same for every quantile level.

        Parameters
        ----------
        solution : Tensor of shape (n_inputs + 1, horizon, n_targets)
            Coefficients of each input (the last row: the intercept) for each horizon step
            and target: the forecaster the network starts from. Those of an ``ahead`` column
            at a step before its own are ignored (the forecast of a step never reads later
            covariates).
        offsets : Tensor of shape (horizon, n_quantiles, n_targets), optional
            Added to the intercept of each quantile level (its spread around the point
            forecast); zero by default.
        """
        shape = self.output
        expected = (self.layout.n_inputs + 1, shape.horizon, shape.n_targets)
        if tuple(solution.shape) != expected:
            raise ValueError(f"set_skip: solution must have shape {expected}; got {solution.shape}")
        by_level = solution[:, :, None, :].expand(-1, -1, shape.n_quantiles, -1).clone()
        if offsets is not None:
            by_level[-1] += offsets.to(by_level)
        flat = by_level.reshape(len(solution), -1)
        weight = flat[:-1].T
        self.skip.weight.copy_(weight if self.skip_mask is None else weight * self.skip_mask)
        self.skip.bias.copy_(flat[-1])


def least_squares(
    pairs: Iterable[tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]],
    horizon: int,
    ridge: float = 1e-3,
    first_step: np.ndarray | None = None,
) -> torch.Tensor | None:
    """Ridge least-squares fit of each horizon step's targets on the current input row.

    Parameters
    ----------
    pairs : iterable of (inputs, targets, weight)
        Shapes ``(n, n_inputs)``, ``(n, horizon, n_targets)`` and the targets' (bool: which
        targets count; None: all). The rows to fit, in one piece or in chunks: the normal
        equations are summed chunk by chunk in float64, so large data is never held at once.
        Each step and target is fitted on its own rows (a value missing in one target does
        not drop the row for the others).
    horizon : int
        Steps ahead.
    ridge : float
        Penalty on the squared coefficients (intercept included), per row.
    first_step : ndarray of shape (n_inputs,), optional
        The first step (1-based; 0: any) whose fit may read each input column: step ``h``
        reads only columns with ``first_step <= h`` (known-future values up to its own row);
        the others get coefficient 0 there.

    Returns
    -------
    Tensor of shape (n_inputs + 1, horizon, n_targets), float64, or None
        The coefficients, the intercept last; None when no row counted anywhere. A step and
        target without rows of its own copies the nearest step's fit of that target.
    """
    gram = cross = counts = None
    for inputs, targets, weight in pairs:
        ones = torch.ones(len(inputs), 1, dtype=torch.float64, device=inputs.device)
        design = torch.cat([inputs.double(), ones], dim=1)
        if weight is None:
            weight = torch.ones(targets.shape, dtype=torch.bool, device=inputs.device)
        w = weight.double()  # (n, horizon, n_targets)
        # Per step and target: design' diag(w) design and design' diag(w) targets; once per
        # step when every target of a row counts alike (no mask): much cheaper.
        if bool((weight == weight[..., :1]).all()):
            by_step = torch.einsum("nh,ni,nj->hij", w[..., 0], design, design)
            part_gram = by_step[:, None].expand(-1, w.shape[2], -1, -1)
        else:
            part_gram = torch.einsum("nht,ni,nj->htij", w, design, design)
        part_cross = torch.einsum("nht,ni->hti", w * torch.nan_to_num(targets.double()), design)
        gram = part_gram if gram is None else gram + part_gram
        cross = part_cross if cross is None else cross + part_cross
        counts = w.sum(0) if counts is None else counts + w.sum(0)
    if gram is None or counts.sum() == 0:
        return None
    size = gram.shape[-1]
    if first_step is not None:  # step h (1-based) reads columns with first_step <= h only
        columns = torch.as_tensor(np.r_[first_step, 0], device=gram.device)
        readable = columns[None, :] <= torch.arange(1, horizon + 1, device=gram.device)[:, None]
        readable = readable.to(gram.dtype)  # (horizon, size)
        gram = gram * (readable[:, None, :, None] * readable[:, None, None, :])
        cross = cross * readable[:, None, :]
    eye = torch.eye(size, dtype=gram.dtype, device=gram.device)
    fitted = torch.zeros(*counts.shape, size, dtype=gram.dtype, device=gram.device)
    have = counts > 0
    penalty = ridge * counts[have][:, None, None] * eye
    fitted[have] = torch.linalg.solve(gram[have] + penalty, cross[have])
    for target in range(counts.shape[1]):  # no rows so far ahead: the nearest step's fit
        filled = torch.nonzero(have[:, target]).flatten()
        for step in torch.nonzero(~have[:, target]).flatten().tolist():
            if len(filled):
                nearest = filled[torch.argmin((filled - step).abs())]
                fitted[step, target] = fitted[nearest, target]
    return fitted.permute(2, 0, 1)  # (size, horizon, n_targets)


@dataclass(frozen=True, eq=False)
class NetworkSpec:
    """Everything that shapes a `RecurrentNet`: the one factory of fit and load.

    ``bounds``: the targets' (low, high) in standardised output units (None: unbounded).
    """

    layout: InputLayout
    output: OutputShape
    hidden_size: int
    num_layers: int
    cell: str
    dropout: float
    bounds: tuple[torch.Tensor, torch.Tensor] | None = None

    def build(self) -> RecurrentNet:
        """Return a new network with freshly initialised weights."""
        return RecurrentNet(
            self.layout, self.output, hidden_size=self.hidden_size, num_layers=self.num_layers,
            cell=self.cell, dropout=self.dropout, bounds=self.bounds,
        )  # fmt: skip
