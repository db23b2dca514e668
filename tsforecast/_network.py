"""The torch modules behind the forecaster (no scikit-learn, no pandas here)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import torch
from torch import nn

__all__ = ["CELLS", "RecurrentNet", "threads_for_batch"]

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
# Below this many sequences x hidden units, a recurrent step is too small to share between CPU
# threads: their synchronisation at every time step costs more than the work. Measured on 2
# cores, hidden 64: one thread is 1.3-1.6x faster up to 4 sequences, even at 8, slower beyond.
_SMALL_BATCH_UNITS = 512


@contextmanager
def threads_for_batch(n_sequences: int, hidden_size: int, device: torch.device) -> Iterator[None]:
    """Run a CPU forward on small batches on one thread (restoring the setting after).

    Torch's intra-op setting is per calling thread under OpenMP, so other threads keep theirs.
    """
    threads = torch.get_num_threads()
    if device.type != "cpu" or threads == 1 or n_sequences * hidden_size >= _SMALL_BATCH_UNITS:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class RecurrentNet(nn.Module):
    """A recurrent network reading a sequence and forecasting the next value at every step.

    ``output[:, t] = head(h_t) + skip(x_t)``: the recurrent state ``h_t`` summarises the
    history ``x_0..x_t``; ``skip`` is a linear map of the current input alone. Initialised by
    least squares (`init_skip`), the skip makes the untrained network the best linear one-step
    forecaster of the data (persistence, for slowly varying series), and training learns what
    the history adds. This is what keeps a recurrent model from losing to persistence on smooth
    series, where learning to copy the input through the recurrence is slow.

    Parameters
    ----------
    input_size, output_size : int
        Features read and values forecast per step.
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
        input_size: int,
        output_size: int,
        hidden_size: int = 64,
        num_layers: int = 1,
        cell: str = "lstm",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
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
        """Forecast the next value after every step.

        Parameters
        ----------
        inputs : Tensor of shape (batch, steps, input_size)

        Returns
        -------
        Tensor of shape (batch, steps, output_size)
        """
        states, _ = self.recurrent(inputs)
        return self.head(self.dropout(states)) + self.skip(inputs)

    def forward_last(self, inputs: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """The forecast after step ``lengths[i] - 1`` of each sequence only.

        The same values as ``forward(inputs)[range(batch), lengths - 1]``, without applying
        the output layers to every step (forecasting reads one step per sequence).

        Parameters
        ----------
        inputs : Tensor of shape (batch, steps, input_size)
        lengths : Tensor of shape (batch,), int64, or None
            Real steps of each sequence (the rest is right padding); None: all steps.

        Returns
        -------
        Tensor of shape (batch, output_size)
        """
        states, _ = self.recurrent(inputs)
        if lengths is None:
            return self.head(self.dropout(states[:, -1])) + self.skip(inputs[:, -1])
        rows = torch.arange(len(inputs), device=inputs.device)
        last = lengths - 1
        return self.head(self.dropout(states[rows, last])) + self.skip(inputs[rows, last])

    @torch.no_grad()
    def init_skip(
        self, pairs: Iterable[tuple[torch.Tensor, torch.Tensor]], ridge: float = 1e-3
    ) -> None:
        """Set ``skip`` to the ridge least-squares fit of targets on inputs.

        Parameters
        ----------
        pairs : iterable of (inputs, targets) tensors of shapes (n, input_size), (n, output_size)
            The rows to fit, in one pair or in chunks (the normal equations are summed chunk by
            chunk, so large data is never held at once in float64).
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
        solution = torch.linalg.solve(gram, cross)
        self.skip.weight.copy_(solution[:-1].T)
        self.skip.bias.copy_(solution[-1])
