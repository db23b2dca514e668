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

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import FLOAT_DTYPES, check_is_fitted, validate_data

from tsforecast._checks import check_int
from tsforecast._sampler import Batch, BlockSampler, as_2d
from tsforecast._segments import series_starts
from tsforecast.sequences import series_offsets

__all__ = [
    "Batch",
    "BlockSampler",
    "LagFeatures",
    "make_blocks",
    "make_supervised",
    "one_step_examples",
]


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
    values = as_2d(values, "make_blocks")
    span = context_length + 1
    n_timesteps = values.shape[0]
    if n_timesteps < span:
        raise ValueError(
            f"make_blocks: the series has {n_timesteps} points but a block with "
            f"context_length={context_length} needs {span} (context_length + 1). Use a "
            "shorter context_length or a longer series."
        )
    if torch.is_tensor(values):
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
    values = as_2d(values, "one_step_examples")
    return [(values[max(0, t - context_length) : t], values[t]) for t in range(1, len(values))]


def _position_in_series(offsets: np.ndarray) -> np.ndarray:
    """Row position of every row inside its own series (0 at each series start)."""
    return np.arange(offsets[-1]) - series_starts(offsets)


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
        """Return scikit-learn's tags: NaN allowed, float32 and float64 kept."""
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
