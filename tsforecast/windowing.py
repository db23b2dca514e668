"""Cut sequences into training examples.

The training scheme of tsforecast: a block of ``n + 1`` consecutive points is ``n`` one-step
examples at once. Its inputs are ``x[0..n-1]`` and its targets ``x[1..n]``; position ``j`` is the
example "history ``x[0..j]``, next value ``x[j+1]``", so a model trained on blocks learns every
history length from 1 to ``context_length``.

- `make_blocks`: every block of one series, as zero-copy views.
- `BlockSampler`: random batches of blocks for training, gathered by index from one array.
- `one_step_examples`: the same examples spelled out one by one (for reading and testing).
- `LagFeatures` and `make_supervised`: the same idea for classical scikit-learn regressors.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import FLOAT_DTYPES, check_is_fitted, validate_data

from tsforecast._inference import shared_tensor, take_windows, window_view
from tsforecast._validation import check_int, make_rng
from tsforecast.data import SequenceData, series_offsets

__all__ = [
    "Batch",
    "BlockSampler",
    "LagFeatures",
    "make_blocks",
    "make_supervised",
    "one_step_examples",
]


def _is_tensor(array: Any) -> bool:
    # Checked by module name so that this module does not import torch.
    return type(array).__module__.startswith("torch")


def _as_2d(values: Any, owner: str) -> Any:
    """A 2-D view of ``values`` (numpy array or torch tensor); 1-D becomes one feature."""
    if not _is_tensor(values):
        values = np.asarray(values)
        if values.dtype.kind not in "biuf":
            raise TypeError(f"{owner}: values must be numeric; got dtype {values.dtype}.")
    if values.ndim == 1:
        return values[:, None]
    if values.ndim != 2:
        raise ValueError(
            f"{owner}: values must be 1-D or 2-D (n_timesteps, n_features); "
            f"got shape {tuple(values.shape)}."
        )
    return values


def make_blocks(values: Any, context_length: int, *, stride: int = 1) -> tuple[Any, Any]:
    """All context blocks of one series as zero-copy views: inputs and one-step targets.

    Parameters
    ----------
    values : ndarray or torch.Tensor of shape (n_timesteps, n_features) or (n_timesteps,)
        One series in time order. A 1-D input is one feature.
    context_length : int
        Number of input steps of a block; a block spans ``context_length + 1`` points.
    stride : int, default=1
        Distance between the starts of consecutive blocks.

    Returns
    -------
    inputs, targets : views of shape (n_blocks, context_length, n_features)
        ``inputs[i, j] == values[i * stride + j]`` and
        ``targets[i, j] == values[i * stride + j + 1]``, with
        ``n_blocks = (n_timesteps - context_length - 1) // stride + 1``. Both share memory with
        ``values`` (for a NumPy array input, ``np.shares_memory`` is True); they are read-only
        for NumPy input. Nothing is copied.

    Raises
    ------
    ValueError
        If the series is shorter than ``context_length + 1`` points.

    Examples
    --------
    >>> import numpy as np
    >>> inputs, targets = make_blocks(np.arange(6.0), context_length=3)
    >>> inputs[:, :, 0].tolist()
    [[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]]
    >>> targets[:, :, 0].tolist()
    [[1.0, 2.0, 3.0], [2.0, 3.0, 4.0], [3.0, 4.0, 5.0]]
    """
    context_length = check_int("context_length", context_length, owner="make_blocks")
    stride = check_int("stride", stride, owner="make_blocks")
    values = _as_2d(values, "make_blocks")
    span = context_length + 1
    n_timesteps = values.shape[0]
    if n_timesteps < span:
        raise ValueError(
            f"make_blocks: the series has {n_timesteps} points but a block with "
            f"context_length={context_length} needs {span} (context_length + 1). Use a "
            "shorter context_length or a longer series."
        )
    if _is_tensor(values):
        # unfold: (n_blocks, n_features, span) view; move the window axis before features.
        blocks = values.unfold(0, span, stride).transpose(1, 2)
    else:
        blocks = sliding_window_view(values, span, axis=0)[::stride]
        blocks = np.moveaxis(blocks, -1, 1)
    return blocks[:, :-1], blocks[:, 1:]


def one_step_examples(values: Any, context_length: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """List the one-step examples a sequence holds, one by one.

    For every time ``t`` from 1 to ``n_timesteps - 1`` the example is the history
    ``values[max(0, t - context_length):t]`` (length 1 up to ``context_length``) and the next
    value ``values[t]``. This is what a model trained with `make_blocks` or `BlockSampler` learns,
    written out explicitly: for classical models, for reading, for tests. Histories are views.

    Parameters
    ----------
    values : array-like of shape (n_timesteps, n_features) or (n_timesteps,)
        One series in time order.
    context_length : int
        Longest history.

    Returns
    -------
    list of (history, next_value)
        ``history`` has shape ``(min(t, context_length), n_features)``, ``next_value`` has
        shape ``(n_features,)``.

    Examples
    --------
    >>> [(h[:, 0].tolist(), float(y[0])) for h, y in one_step_examples([1.0, 2, 3, 4], 2)]
    [([1.0], 2.0), ([1.0, 2.0], 3.0), ([2.0, 3.0], 4.0)]
    """
    context_length = check_int("context_length", context_length, owner="one_step_examples")
    values = _as_2d(values, "one_step_examples")
    return [(values[max(0, t - context_length) : t], values[t]) for t in range(1, len(values))]


@dataclass(frozen=True)
class Batch:
    """A batch of blocks drawn by `BlockSampler`.

    Attributes
    ----------
    inputs : array of shape (batch_size, n, n_features)
        ``x[0..n-1]`` of each block; ``n`` is the longest block's ``length - 1``.
    targets : array of shape (batch_size, n, n_features)
        ``x[1..n]`` of each block.
    target_mask : bool array of shape (batch_size, n), or None
        True at real positions, False at padding of blocks shorter than the batch; None when
        every block has full length (nothing is padded).
    observed : bool array of shape (batch_size, n, n_features), or None
        The data's ``mask`` at the targets (False where the source had no value, and at
        padding); None when the data has no mask.
    starts : ndarray of shape (batch_size,)
        Row of the data where each block starts.
    lengths : ndarray of shape (batch_size,)
        Number of points of each block (``context_length + 1`` for a full block).
    """

    inputs: Any
    targets: Any
    target_mask: Any
    observed: Any
    starts: np.ndarray
    lengths: np.ndarray

    @property
    def n_positions(self) -> int:
        """Number of real (unpadded) target positions in the batch."""
        return int((self.lengths - 1).sum())


class BlockSampler:
    """Random batches of context blocks for training, never crossing from one series to the next.

    Each batch is gathered with one indexing operation from the single contiguous array (or
    tensor) that holds all series: no per-sample Python loop and no copy of the data up front.
    A series of ``n >= context_length + 1`` points yields full blocks of ``context_length + 1``
    points starting anywhere in it; a shorter series (at least 2 points) yields one block of all
    its points, padded to the batch's length, with ``target_mask`` marking the real positions.
    Series of a single point hold no example and are left out.

    Series are drawn so that, in expectation, every target position is seen equally often
    (long series in proportion to their length, each short series as one full block's share).
    An epoch is the number of blocks for which each target position is seen about once:
    about ``n_timesteps / context_length`` blocks for long series.

    Parameters
    ----------
    data : SequenceData, ndarray or torch.Tensor
        The series, rows in time order. A `SequenceData` brings its groups and its mask (as
        ``observed``).
    context_length : int
        Longest block input; a full block spans ``context_length + 1`` points.
    batch_size : int, default=64
        Blocks per batch.
    groups : array-like of shape (n_timesteps,), optional
        Series id of each row, for array input (a `SequenceData` has its own).
    observed : bool array of shape (n_timesteps, n_features), optional
        For array input: True where a value was observed (a `SequenceData` brings its mask).
        Batches then carry it at the targets, as ``Batch.observed``.
    random_state : int, Generator, RandomState or None, default=None
        Seeds the draws; the same seed gives the same batches.
    device : str or torch.device, optional
        If given, the data is moved to this torch device once (zero-copy for float32 arrays on
        the CPU) and batches are tensors. Tensor input keeps its own device by default.
    segments : tuple of two int arrays (starts, stops), optional
        Draw blocks only from the row ranges ``[starts[i], stops[i])``, each inside one
        series, each treated as a series of its own: the training part of every series, say,
        without copying it out. Default: every series whole.

    Attributes
    ----------
    n_positions : int
        Target positions in the data (each series contributes ``length - 1``).
    blocks_per_epoch : int
        Blocks drawn in one epoch.
    n_batches : int
        Batches per epoch, ``ceil(blocks_per_epoch / batch_size)``; also ``len(sampler)``.

    Examples
    --------
    >>> import numpy as np
    >>> sampler = BlockSampler(np.arange(100.0), context_length=10, batch_size=4,
    ...                        random_state=0)
    >>> batch = sampler.sample()
    >>> batch.inputs.shape, batch.targets.shape, batch.target_mask is None
    ((4, 10, 1), (4, 10, 1), True)
    >>> bool((batch.targets[:, :-1] == batch.inputs[:, 1:]).all())
    True
    """

    def __init__(
        self,
        data: Any,
        context_length: int,
        batch_size: int = 64,
        *,
        groups: Any = None,
        observed: Any = None,
        random_state: Any = None,
        device: Any = None,
        segments: tuple[Any, Any] | None = None,
    ) -> None:
        self.context_length = check_int("context_length", context_length, owner="BlockSampler")
        self.batch_size = check_int("batch_size", batch_size, owner="BlockSampler")
        if isinstance(data, SequenceData):
            if groups is not None or observed is not None:
                raise ValueError(
                    "BlockSampler: data is a SequenceData, which carries its own groups and "
                    "mask; do not pass groups= or observed= as well."
                )
            values, offsets, observed = data.values, data.offsets, data.mask
        else:
            values = _as_2d(data, "BlockSampler")
            offsets, _ = series_offsets(groups, values.shape[0])
            if observed is not None:
                observed = _check_observed(observed, values.shape)
        import torch

        # Batches are gathered by torch (its index_select on a window view runs near memcpy
        # speed); NumPy input gets NumPy batches back, sharing the gathered memory.
        self._numpy_out = device is None and not _is_tensor(values)
        if device is None:
            device = values.device if _is_tensor(values) else "cpu"
        self.values = shared_tensor(values, device)
        self.observed = None if observed is None else shared_tensor(observed, device)
        self._torch = torch

        starts, lengths = offsets[:-1], np.diff(offsets)
        if segments is not None:
            starts, lengths = _check_segments(segments, offsets)
        usable = lengths >= 2
        if not usable.any():
            raise ValueError(
                "BlockSampler: no series has the 2 points that one example needs "
                f"(longest: {int(lengths.max(initial=0))})."
            )
        span = self.context_length + 1
        self._series_start = starts[usable]
        self._series_length = lengths[usable]
        self._block_length = np.minimum(self._series_length, span)
        self._n_starts = np.maximum(self._series_length - self.context_length, 1)
        # Draws per series so that each target position is seen equally often in expectation.
        weights = (self._series_length - 1) / (self._block_length - 1)
        self._cumulative = np.cumsum(weights) / weights.sum()
        self.n_positions = int((self._series_length - 1).sum())
        self.blocks_per_epoch = max(1, math.ceil(weights.sum()))
        self.n_batches = math.ceil(self.blocks_per_epoch / self.batch_size)
        self._rng = make_rng(random_state)
        self._span = span
        self._all_full = bool((self._block_length == span).all())
        self._value_windows = window_view(self.values, span)
        self._observed_windows = None if self.observed is None else window_view(self.observed, span)

    def __len__(self) -> int:
        return self.n_batches

    def __iter__(self) -> Iterator[Batch]:
        """Yield one epoch: ``n_batches`` batches, the last one holding the remaining blocks."""
        remaining = self.blocks_per_epoch
        while remaining > 0:
            size = min(self.batch_size, remaining)
            remaining -= size
            yield self.sample(size)

    def sample(self, batch_size: int | None = None) -> Batch:
        """Draw one batch of random blocks.

        Parameters
        ----------
        batch_size : int, optional
            Blocks to draw; the sampler's ``batch_size`` by default.

        Returns
        -------
        Batch
        """
        size = self.batch_size if batch_size is None else check_int("batch_size", batch_size)
        series = np.searchsorted(self._cumulative, self._rng.random(size), side="right")
        series = np.minimum(series, len(self._cumulative) - 1)
        shift = (self._rng.random(size) * self._n_starts[series]).astype(np.int64)
        starts = self._series_start[series] + shift
        lengths = self._block_length[series]
        return self._gather(starts, lengths)

    def _gather(self, starts: np.ndarray, lengths: np.ndarray) -> Batch:
        torch = self._torch
        device = self.values.device
        span = self._span if self._all_full else int(lengths.max())
        target_mask = observed = None
        if span == self._span and (self._all_full or (lengths == span).all()):
            # Every block has full length: one index_select of whole windows.
            starts_t = torch.from_numpy(starts).to(device)
            blocks = take_windows(self._value_windows, starts_t, span)
            if self.observed is not None:
                observed = take_windows(self._observed_windows, starts_t, span)[:, 1:]
        else:
            # Some blocks are short series: gather row by row, pad with zeros.
            positions = np.arange(span)
            padded = positions >= lengths[:, None]
            index = np.where(padded, starts[:, None], starts[:, None] + positions)
            index_t = torch.from_numpy(index).to(device)
            padded_t = torch.from_numpy(padded).to(device)
            blocks = self.values[index_t].masked_fill(padded_t[..., None], 0)
            target_mask = ~padded_t[:, 1:]
            if self.observed is not None:
                observed = self.observed[index_t][:, 1:] & target_mask[..., None]
        if self._numpy_out:  # on the CPU: .numpy() shares memory
            blocks = blocks.numpy()
            target_mask = None if target_mask is None else target_mask.numpy()
            observed = None if observed is None else observed.numpy()
        return Batch(
            inputs=blocks[:, :-1],
            targets=blocks[:, 1:],
            target_mask=target_mask,
            observed=observed,
            starts=starts,
            lengths=lengths,
        )


def _check_observed(observed: Any, shape: tuple[int, ...]) -> Any:
    """``observed`` as a boolean array or tensor of the data's shape, or a clear error."""
    if not _is_tensor(observed):
        observed = np.asarray(observed)
        if observed.ndim == 1 and shape[1] == 1:
            observed = observed[:, None]
    if str(observed.dtype).removeprefix("torch.") != "bool" or tuple(observed.shape) != shape:
        raise ValueError(
            f"BlockSampler: observed must be a boolean array of the data's shape {shape} "
            f"(True where a value was observed); got dtype {observed.dtype} and shape "
            f"{tuple(observed.shape)}."
        )
    return observed


def _check_segments(segments: Any, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and lengths of ``segments`` = (starts, stops), each range inside one series."""
    try:
        starts, stops = (np.asarray(part) for part in segments)
    except (TypeError, ValueError):
        raise TypeError(
            "BlockSampler: segments must be a pair of integer arrays (starts, stops)."
        ) from None
    if (
        starts.ndim != 1
        or starts.shape != stops.shape
        or starts.dtype.kind not in "iu"
        or stops.dtype.kind not in "iu"
    ):
        raise TypeError(
            "BlockSampler: segments must be a pair of 1-D integer arrays (starts, stops) of "
            f"equal length; got shapes {starts.shape} and {stops.shape}, dtypes "
            f"{starts.dtype} and {stops.dtype}."
        )
    starts, stops = starts.astype(np.int64), stops.astype(np.int64)
    empty = stops <= starts
    outside = (starts < 0) | (stops > offsets[-1])
    series = np.searchsorted(offsets, starts, side="right")
    crossing = series != np.searchsorted(offsets, stops - 1, side="right")
    bad = np.flatnonzero(empty | outside | crossing)
    if len(bad):
        i = int(bad[0])
        if empty[i]:
            why = "is empty"
        elif outside[i]:
            why = f"lies outside the {offsets[-1]} rows of the data"
        else:
            why = f"spans two series (the first ends at row {offsets[series[i]] - 1})"
        raise ValueError(
            f"BlockSampler: segment {i} = rows [{starts[i]}, {stops[i]}) {why}; each segment "
            "must be a non-empty range of rows inside one series."
        )
    return starts, stops - starts


def _position_in_series(offsets: np.ndarray) -> np.ndarray:
    """Row position of every row inside its own series (0 at each series start)."""
    lengths = np.diff(offsets)
    return np.arange(offsets[-1]) - np.repeat(offsets[:-1], lengths)


class LagFeatures(TransformerMixin, BaseEstimator):
    """Turn time-ordered rows into rows of lagged values, for any scikit-learn regressor.

    Row ``t`` of the output holds rows ``t - context_length + 1 .. t`` of the input, oldest
    first, flattened: the same history a recurrent model reads at ``t``. Before a series starts
    there is no history: those entries are ``fill_value``. With ``groups`` no lag ever reaches
    into another series. Put a regressor after it in a `~sklearn.pipeline.Pipeline` and train
    it on the next value (see `make_supervised`) to get a classical one-step forecaster.

    Parameters
    ----------
    context_length : int, default=24
        Number of rows (lags 0 to ``context_length - 1``) in each output row.
    fill_value : float, default=np.nan
        Value for lags that reach before the start of a series. NaN suits models that handle
        missing values (HistGradientBoostingRegressor); use a number (e.g. 0) for the others,
        or put an imputer after this transformer.

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when fitted on a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> LagFeatures(context_length=2).fit_transform(np.array([[1.0], [2.0], [3.0]]))
    array([[nan,  1.],
           [ 1.,  2.],
           [ 2.,  3.]])
    >>> LagFeatures(2, fill_value=0).fit_transform([[1.0], [2.0], [3.0]], groups=[0, 1, 1])
    array([[0., 1.],
           [0., 2.],
           [2., 3.]])
    """

    def __init__(self, context_length: int = 24, fill_value: float = np.nan) -> None:
        self.context_length = context_length
        self.fill_value = fill_value

    def _check_params(self) -> None:
        check_int("context_length", self.context_length, owner="LagFeatures")
        try:
            float(self.fill_value)
        except (TypeError, ValueError):
            raise TypeError(
                f"LagFeatures: fill_value must be a number or NaN; got {self.fill_value!r}."
            ) from None

    def fit(self, X: Any, y: Any = None, groups: Any = None) -> LagFeatures:
        """Check the parameters and record the input columns.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features)
            Rows in time order.
        y : ignored
        groups : array-like of shape (n_timesteps,), optional
            Series id of each row; only checked here.

        Returns
        -------
        self
        """
        self._check_params()
        X = validate_data(self, X, dtype=FLOAT_DTYPES, ensure_all_finite="allow-nan")
        series_offsets(groups, X.shape[0])
        return self

    def transform(self, X: Any, groups: Any = None) -> np.ndarray:
        """Return the lagged rows.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features)
            Rows in time order, the same columns as in `fit`.
        groups : array-like of shape (n_timesteps,), optional
            Series id of each row; lags never cross from one series into another.

        Returns
        -------
        ndarray of shape (n_timesteps, context_length * n_features)
            Columns ordered by lag (oldest first), then by input column; see
            `get_feature_names_out`.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES, ensure_all_finite="allow-nan")
        offsets, _ = series_offsets(groups, X.shape[0])
        n_lags = self.context_length
        fill = np.full((n_lags - 1, X.shape[1]), self.fill_value, dtype=X.dtype)
        padded = np.concatenate([fill, X])
        # windows[t, :, k] == padded[t + k]: the rows t-L+1..t of X, oldest first.
        windows = sliding_window_view(padded, n_lags, axis=0).transpose(0, 2, 1)
        lagged = windows.copy()  # the output owns its memory, whatever the window view
        lag_of_slot = np.arange(n_lags - 1, -1, -1)
        too_early = _position_in_series(offsets)[:, None] < lag_of_slot[None, :]
        lagged[too_early] = self.fill_value
        return lagged.reshape(X.shape[0], n_lags * X.shape[1])

    def fit_transform(self, X: Any, y: Any = None, groups: Any = None) -> np.ndarray:
        """Fit, then transform ``X`` with the same ``groups``."""
        return self.fit(X, y, groups=groups).transform(X, groups=groups)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Output column names, ``"<input>_lag<k>"`` with ``k`` rows back (0 is the current row).

        Parameters
        ----------
        input_features : array-like of str, optional
            Input names; by default ``feature_names_in_`` or ``x0, x1, ...``.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self, "n_features_in_")
        if input_features is None:
            names = getattr(self, "feature_names_in_", None)
            if names is None:
                names = [f"x{i}" for i in range(self.n_features_in_)]
        else:
            names = np.asarray(input_features, dtype=object)
            if len(names) != self.n_features_in_:
                raise ValueError(
                    f"input_features has {len(names)} names; expected {self.n_features_in_}."
                )
            seen = getattr(self, "feature_names_in_", None)
            if seen is not None and not np.array_equal(names, seen):
                raise ValueError(
                    f"input_features {list(names)} differ from the names seen in fit {list(seen)}."
                )
        lags = range(self.context_length - 1, -1, -1)
        return np.asarray([f"{name}_lag{lag}" for lag in lags for name in names], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def make_supervised(
    data: Any,
    target: Hashable | Sequence[Hashable] | None = None,
    *,
    horizon: int = 1,
    groups: Any = None,
    return_rows: bool = False,
) -> tuple[Any, Any] | tuple[Any, Any, np.ndarray]:
    """Pair each row with the target ``horizon`` steps ahead: ``(X, y)`` for a regressor.

    Row ``t`` of ``X`` is row ``t`` of ``data``; ``y[t]`` is the target at ``t + horizon`` in
    the same series. Rows with no such future (the last ``horizon`` rows of each series) are
    dropped.

    Parameters
    ----------
    data : DataFrame or array-like of shape (n_timesteps, n_features) or (n_timesteps,)
        Rows in time order. Not modified.
    target : column name, column index, list of them, or None
        What to predict; every column when None.
    horizon : int, default=1
        Steps ahead.
    groups : array-like of shape (n_timesteps,), optional
        Series id of each row; a target never comes from another series.
    return_rows : bool, default=False
        Also return the positions of the kept rows (e.g. to select their groups).

    Returns
    -------
    X : DataFrame or ndarray
        The kept rows of ``data`` (a DataFrame keeps its index).
    y : Series, DataFrame or ndarray
        The future targets, aligned with ``X`` (same index for a DataFrame); 1-D for a single
        target.
    rows : ndarray of int
        Only with ``return_rows=True``: positions of the kept rows in ``data``.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"temp": [1.0, 2.0, 4.0, 7.0]})
    >>> X, y = make_supervised(frame, "temp", horizon=2)
    >>> X["temp"].tolist(), y.tolist()
    ([1.0, 2.0], [4.0, 7.0])
    """
    horizon = check_int("horizon", horizon, owner="make_supervised")
    is_frame = isinstance(data, pd.DataFrame)
    if not is_frame:
        data = np.asarray(data)
        if data.ndim not in (1, 2):
            raise ValueError(f"make_supervised: data must be 1-D or 2-D; got shape {data.shape}.")
    n_rows = data.shape[0]
    offsets, _ = series_offsets(groups, n_rows)
    position = _position_in_series(offsets)
    series_length = np.repeat(np.diff(offsets), np.diff(offsets))
    rows = np.flatnonzero(position + horizon < series_length)
    if len(rows) == 0:
        raise ValueError(
            f"make_supervised: no row has a value {horizon} steps ahead in its own series "
            f"(longest series: {int(np.diff(offsets).max(initial=0))} rows). Use a smaller "
            "horizon or longer series."
        )
    future = rows + horizon

    if is_frame:
        names = list(data.columns) if target is None else target
        listed = names if isinstance(names, list) else [names]
        unknown = [name for name in listed if name not in data.columns]
        if unknown:
            raise ValueError(
                f"make_supervised: no target column {unknown}. Columns: {list(data.columns)}."
            )
        X = data.iloc[rows]
        y = data[names].iloc[future]
        y.index = X.index
    else:
        X = data[rows]
        if data.ndim == 1:
            if target is not None:
                raise ValueError("make_supervised: 1-D data is its own target; pass target=None.")
            y = data[future]
        else:
            columns = slice(None) if target is None else target
            try:
                y = data[future][:, columns]
            except IndexError as error:
                raise ValueError(
                    f"make_supervised: target {target!r} is not a column index of data with "
                    f"{data.shape[1]} columns."
                ) from error
            if target is None and data.shape[1] == 1:
                y = y[:, 0]
    return (X, y, rows) if return_rows else (X, y)
