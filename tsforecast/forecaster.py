"""`LSTMForecaster`: a recurrent one-step forecaster with the scikit-learn estimator interface."""

from __future__ import annotations

import hashlib
import io
import json
import math
import numbers
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)
from tqdm.auto import tqdm

from tsforecast._segments import Segments, split_series
from tsforecast._time_features import TIME_FEATURES, choose_time_features, encode_time, usual_step
from tsforecast._training import LOSSES, masked_loss, train
from tsforecast._validation import check_int, make_rng
from tsforecast.data import SequenceData, series_offsets
from tsforecast.nn import CELLS, RecurrentNet, threads_for_batch
from tsforecast.windowing import BlockSampler, shared_tensor, take_windows, window_view

__all__ = ["LSTMForecaster"]

FORMAT_VERSION = 1
# Rows of one-step forecasts computed per forward call, times the context length.
# About 100 windows of 168: as fast per row as larger calls, in a fraction of the memory.
_POSITIONS_PER_CALL = 1 << 14


class LSTMForecaster(RegressorMixin, BaseEstimator):
    """One-step-ahead recurrent forecaster (LSTM, GRU or RNN) trained on context blocks.

    Rows of ``X`` are time steps in order. Training draws random blocks of up to
    ``context_length + 1`` consecutive rows (never across two series) and takes the loss at every
    position of every block, so the model learns every history length from 1 to
    ``context_length`` in one full-sequence recurrent call per batch. ``predict`` gives, for
    every row ``t``, the forecast made from the rows up to ``t`` (the last ``context_length``
    rows of its own series, fewer at its start).

    Two modes:

    - **autoregressive** (``y=None``): forecast the next row of ``X`` (all features, or those
      chosen by ``target``); `forecast` then rolls forward any number of steps;
    - **supervised** (``y`` given): ``y[t]`` is what to predict having seen ``X[0..t]``
      (`tsforecast.make_supervised` builds it).

    The network's output is a recurrent correction added to a linear function of the current
    row, initialised by least squares: training starts from the best linear one-step forecaster
    (persistence on slowly varying series) and cannot do worse than it on the validation data.

    Parameters
    ----------
    context_length : int, default=64
        Longest history the model reads.
    hidden_size : int, default=64
        Size of the recurrent state.
    num_layers : int, default=1
        Stacked recurrent layers.
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell.
    dropout : float, default=0.0
        Dropout between layers and before the output head, in [0, 1).
    max_epochs : int, default=1000
        Upper bound on epochs; an epoch sees each training position about once.
    batch_size : int, default=64
        Blocks per batch.
    learning_rate : float, default=3e-3
        Adam learning rate.
    weight_decay : float, default=0.0
        Adam weight decay.
    loss : {"auto", "mae", "mse", "huber"}, default="auto"
        Training and validation loss (on scaled values). "mse" forecasts the conditional mean,
        "mae" the conditional median, "huber" is MSE within one standard deviation and MAE
        beyond. "auto" uses "mae" on discrete targets (at most 10 distinct values in the
        training data: 0/1 signs, stages, cloud cover in tenths), whose median forecast
        "stays put" as they mostly do, and "huber" on continuous ones, where a median would
        stick at a value the series often holds (night-time irradiance of 0) and damp cycles
        in multi-step forecasts.
    validation_fraction : float, default=0.1
        Final fraction of each series held out to measure the validation loss (early stopping
        and the choice of the best weights); 0 to train on everything. The loss is measured
        on at most 8,192 of the held-out rows (a fixed random sample), which keeps validation
        cheap on large data.
    patience : int or None, default=50
        Stop after this many epochs without a better validation loss (None: never early).
        The best weights are restored either way. On small data an epoch is a batch or two,
        hence the generous default; ``max_time`` bounds the run as well.
    max_time : float or None, default=None
        Training time budget in seconds.
    scale : bool, default=True
        Standardise inputs and targets inside the model (training statistics); predictions
        come back in the original units.
    target : int, str, list of them, or None, default=None
        Autoregressive mode: the columns of ``X`` to forecast (all by default).
    time_features : "auto", None or list of {"hour", "weekday", "yearday"}, default="auto"
        Calendar features read beside ``X`` when it carries time stamps (a DataFrame with a
        DatetimeIndex, or a SequenceData with datetimes; local time): the sine and cosine of
        the time's place in the day, week or year. They are known in advance, so `forecast`
        reads them for future steps too. "auto" takes the hour of the day for data recorded
        more often than daily (on one year of hourly weather it lowered the next-hour
        temperature error by about 2%), nothing otherwise. A model that uses them needs time
        stamps at predict time as well. None: never.
    device : str, default="auto"
        Torch device: "auto" (CUDA when available), "cpu", "cuda", "cuda:1"...
    random_state : int, RandomState, Generator or None, default=None
        Seeds the weights and the block draws; the same seed gives the same model on CPU.
    verbose : int, default=0
        1 shows a progress bar with the losses.

    Attributes
    ----------
    module_ : RecurrentNet
        The trained torch module (on ``device_``).
    n_features_in_ : int
        Columns of ``X``.
    feature_names_in_ : ndarray of str
        Column names of ``X`` when it had string names.
    history_ : list of dict
        One dict per epoch: ``epoch``, ``train_loss``, ``valid_loss``, ``seconds`` (training
        time of the epoch, validation excluded), ``n_positions`` (target positions the loss
        was taken on), ``n_batches``. ``valid_loss`` is None for epochs after which no
        validation ran: validation runs every k epochs, k chosen from the sizes of the
        validation and training data so that it costs at most about a quarter of training,
        and after the last epoch; ``patience`` counts epochs since the best validation.
    n_epochs_ : int
        Epochs run.
    best_epoch_ : int or None
        Epoch whose weights were kept (None: the initial linear forecaster was best).
    stopped_ : str
        Why training ended: "max_epochs", "early_stopping", "max_time", "nan", "interrupted".
    autoregressive_ : bool
        True when fitted without ``y``.
    target_names_ : list of str
        Names of the forecast values.
    time_features_ : list of str
        Calendar features the model reads (empty without time stamps).

    Notes
    -----
    Memory: ``fit`` and ``predict`` read a C-ordered float32 ``X`` in place (blocks are cut
    from it and standardised batch by batch); other dtypes are converted to float32 once, and
    a `SequenceData` with missing values gets one filled copy. The rest of the working memory
    does not grow with the data (one batch, a validation sample of at most 8,192 rows).

    Threads: on the CPU, forward passes over fewer than 512 / ``hidden_size`` sequences (one
    forecast, a few series) run on one thread, then restore torch's setting: on small batches
    the threads' synchronisation at every time step costs more than it saves.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(400.0)
    >>> X = np.c_[np.sin(t / 8), np.cos(t / 8)]
    >>> model = LSTMForecaster(context_length=16, hidden_size=16, max_epochs=3,
    ...                        random_state=0).fit(X)
    >>> model.predict(X).shape
    (400, 2)
    >>> model.forecast(X, steps=5).shape
    (5, 2)
    """

    def __init__(
        self,
        context_length: int = 64,
        hidden_size: int = 64,
        num_layers: int = 1,
        cell: str = "lstm",
        dropout: float = 0.0,
        max_epochs: int = 1000,
        batch_size: int = 64,
        learning_rate: float = 3e-3,
        weight_decay: float = 0.0,
        loss: str = "auto",
        validation_fraction: float = 0.1,
        patience: int | None = 50,
        max_time: float | None = None,
        scale: bool = True,
        target: Any = None,
        time_features: Any = "auto",
        device: str = "auto",
        random_state: Any = None,
        verbose: int = 0,
    ) -> None:
        self.context_length = context_length
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cell = cell
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.loss = loss
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.max_time = max_time
        self.scale = scale
        self.target = target
        self.time_features = time_features
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ parameters
    def _check_params(self) -> None:
        owner = "LSTMForecaster"
        for name in ("context_length", "hidden_size", "num_layers", "max_epochs", "batch_size"):
            check_int(name, getattr(self, name), owner=owner)
        if self.cell not in CELLS:
            raise ValueError(f"{owner}: cell must be one of {sorted(CELLS)}; got {self.cell!r}.")
        if self.loss not in (*LOSSES, "auto"):
            raise ValueError(
                f"{owner}: loss must be one of {sorted([*LOSSES, 'auto'])}; got {self.loss!r}."
            )
        _check_real("dropout", self.dropout, 0.0, 1.0, upper_open=True)
        _check_real("learning_rate", self.learning_rate, 0.0, None, lower_open=True)
        _check_real("weight_decay", self.weight_decay, 0.0, None)
        _check_real("validation_fraction", self.validation_fraction, 0.0, 1.0, upper_open=True)
        if self.patience is not None:
            check_int("patience", self.patience, owner=owner)
        if self.max_time is not None:
            _check_real("max_time", self.max_time, 0.0, None, lower_open=True)
        if not isinstance(self.scale, (bool, np.bool_)):
            raise TypeError(f"{owner}: scale must be True or False; got {self.scale!r}.")
        spec = self.time_features
        if not (spec is None or (isinstance(spec, str) and spec == "auto")):
            names = [spec] if isinstance(spec, str) else spec
            if (
                not isinstance(names, (list, tuple))
                or any(name not in TIME_FEATURES for name in names)
                or len(set(names)) != len(names)
            ):
                raise ValueError(
                    f"{owner}: time_features must be 'auto', None or a list of distinct names "
                    f"from {list(TIME_FEATURES)}; got {spec!r}."
                )
        self._resolve_device()

    def _resolve_device(self) -> torch.device:
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        try:
            device = torch.device(self.device)
        except (RuntimeError, TypeError):
            raise ValueError(
                f"LSTMForecaster: device must be 'auto', 'cpu', 'cuda' or 'cuda:N'; got "
                f"{self.device!r}."
            ) from None
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"LSTMForecaster: device={self.device!r} but torch sees no CUDA device "
                f"(torch {torch.__version__}). Use device='auto' or 'cpu'."
            )
        return device

    # ------------------------------------------------------------------ inputs
    def _inputs(self, X: Any, groups: Any, *, reset: bool) -> _Inputs:
        """Validate ``X`` (and ``groups``) into a float32 array with series offsets."""
        if not reset and groups is None:
            fast = self._plain_inputs(X)
            if fast is not None:
                return fast
        mask = time_index = None
        if isinstance(X, SequenceData):
            if groups is not None and X.groups is not None:
                raise ValueError(
                    "LSTMForecaster: X is a SequenceData with its own groups; do not pass "
                    "groups= as well."
                )
            values = X.values
            names = np.asarray(X.features, dtype=object)
            if groups is None:
                groups = X.groups
            mask = X.mask
            time_index = X.local_time
            self._check_columns(values.shape[1], names, reset)
        else:
            if isinstance(X, pd.DataFrame) and isinstance(X.index, pd.DatetimeIndex):
                time_index = X.index
            values = validate_data(
                self,
                X,
                reset=reset,
                dtype=[np.float32, np.float64],
                ensure_all_finite=False,
                ensure_min_samples=1,
            ).astype(np.float32, copy=False)
        _check_finite(values, mask, "X")
        offsets, ids = series_offsets(groups, values.shape[0])
        return _Inputs(values, mask, offsets, ids, groups, time_index)

    def _plain_inputs(self, X: Any) -> _Inputs | None:
        """At predict time, a float array (fitted without names) or a float DataFrame named as
        in fit, read without sklearn's validation (all it would check); None otherwise."""
        names = getattr(self, "feature_names_in_", None)
        if (
            type(X) is np.ndarray
            and X.ndim == 2
            and X.dtype in _FLOAT_DTYPES
            and 0 < X.shape[0]
            and X.shape[1] == self.n_features_in_
            and names is None
        ):
            values, time_index = X.astype(np.float32, copy=False), None
        elif (
            isinstance(X, pd.DataFrame)
            and 0 < len(X)
            and names is not None
            and X.columns.tolist() == names.tolist()
            and all(dtype in _FLOAT_DTYPES for dtype in X.dtypes)
        ):
            values = X.to_numpy(np.float32)
            time_index = X.index if isinstance(X.index, pd.DatetimeIndex) else None
        else:
            return None
        _check_finite(values, None, "X")
        return _Inputs(values, None, np.array([0, len(values)]), np.array([0]), None, time_index)

    def _check_columns(self, n_features: int, names: np.ndarray, reset: bool) -> None:
        if reset:
            self.n_features_in_ = n_features
            self.feature_names_in_ = names
            return
        if n_features != self.n_features_in_:
            raise ValueError(
                f"X has {n_features} features, but LSTMForecaster is expecting "
                f"{self.n_features_in_} features as input."
            )
        known = getattr(self, "feature_names_in_", None)
        if known is not None and list(known) != list(names):
            raise ValueError(
                f"The feature names should match those that were passed during fit: got "
                f"{list(names)}, expected {list(known)}."
            )

    def _targets(self) -> list[int]:
        if self.target is None:
            return list(range(self.n_features_in_))
        wanted = self.target if isinstance(self.target, (list, tuple)) else [self.target]
        names = getattr(self, "feature_names_in_", None)
        indices = []
        for item in wanted:
            if isinstance(item, numbers.Integral) and not isinstance(item, bool):
                if not -self.n_features_in_ <= item < self.n_features_in_:
                    raise ValueError(
                        f"LSTMForecaster: target {item} is out of range for X with "
                        f"{self.n_features_in_} columns."
                    )
                indices.append(int(item) % self.n_features_in_)
            elif names is not None and item in list(names):
                indices.append(list(names).index(item))
            else:
                known = "no column names" if names is None else f"columns {list(names)}"
                raise ValueError(
                    f"LSTMForecaster: target {item!r} is not a column of X ({known}); pass "
                    "column positions or names."
                )
        return indices

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any = None, groups: Any = None) -> LSTMForecaster:
        """Train on the rows of ``X`` (and ``y``).

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
            Rows in time order, series after series. NaN/inf are refused, except where a
            `SequenceData` mask marks them missing (they are then read as the mean and never
            used as targets).
        y : array-like of shape (n_timesteps,) or (n_timesteps, n_targets), optional
            ``y[t]`` is what to predict having seen ``X[0..t]``. None: forecast the next row
            of ``X``.
        groups : array-like of shape (n_timesteps,), optional
            Series id of each row (patients, stations); the rows of a series contiguous.

        Returns
        -------
        self
        """
        self._check_params()
        # Work on a scratch copy: a failed fit leaves an earlier fitted state untouched.
        scratch = self._unfitted_copy()
        scratch._fit(X, y, groups)
        for name in [n for n in vars(self) if n.endswith("_") and not n.startswith("_")]:
            delattr(self, name)  # nothing of an earlier fit survives a successful one
        self.__dict__.update(scratch.__dict__)
        return self

    def _unfitted_copy(self) -> LSTMForecaster:
        scratch = type(self).__new__(type(self))
        scratch.__dict__.update(self.get_params(deep=False))
        return scratch

    def _fit(self, X: Any, y: Any, groups: Any) -> None:
        data = self._inputs(X, groups, reset=True)
        if y is not None:  # X is validated already: check y alone, and that the lengths agree
            y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y")
            if y.ndim > 2:
                raise ValueError(f"y must be 1-D or 2-D; got shape {y.shape}.")
            check_consistent_length(data.values, y)
        lengths = np.diff(data.offsets)
        if lengths.max() < 2:
            raise ValueError(
                f"LSTMForecaster.fit: got {len(data.values)} sample(s) in series of at most "
                f"{lengths.max()} row; a series needs at least 2 time steps (one to read, one "
                "to forecast). 1 sample is not enough."
            )
        self.autoregressive_ = y is None
        device = self._resolve_device()
        self.device_ = str(device)
        self.time_features_ = choose_time_features(self.time_features, data.time_index)
        values, observed = self._model_inputs(data)
        targets = None  # autoregressive: the target columns of values, never copied out
        if self.autoregressive_:
            self.target_indices_ = self._targets()
            names = self._feature_names()
            self.target_names_ = [names[i] for i in self.target_indices_]
            self.y_ndim_ = 2
        else:
            self.target_indices_ = None
            self.y_ndim_ = y.ndim
            targets = y.reshape(len(y), -1).astype(np.float32)
            self.target_names_ = [f"y{i}" for i in range(targets.shape[1])]
            if self.target is not None:
                raise ValueError(
                    "LSTMForecaster: target= selects columns of X to forecast when y is None; "
                    "with y given, leave target=None."
                )

        # Row ranges, not row lists: no per-row index array or copy of the data (memory).
        train_part, valid_part = split_series(data.offsets, self.validation_fraction)
        self._fit_scaler(values, targets, observed, train_part)
        # The network reads standardised rows; they are standardised batch by batch, so the
        # data is not copied (only filled where a mask marks values missing).
        readable = self._readable(values, observed)
        scaled_y = None if self.autoregressive_ else self._scale_targets(targets)

        rng = make_rng(self.random_state)
        seed = int(rng.integers(2**31 - 1))
        # At most a fixed random sample: each validation reads context_length rows per row,
        # so on large data the whole held-out part would cost more than the training itself.
        valid_rows = None if valid_part is None else valid_part.sample(_MAX_VALIDATION_ROWS, rng)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            module = RecurrentNet(
                input_size=values.shape[1],
                output_size=len(self.target_names_),
                hidden_size=self.hidden_size,
                num_layers=self.num_layers,
                cell=self.cell,
                dropout=self.dropout,
            ).to(device)
            sampler, split = self._training_blocks(
                readable, scaled_y, observed, train_part, rng, device
            )
            # Discrete targets (few distinct values) for loss="auto".
            first = next(train_part.chunks(100_000))
            if targets is None:
                sample = values[np.ix_(first, self.target_indices_)]
            else:
                sample = targets[first]
            self.discrete_targets_ = [
                bool(len(np.unique(column[np.isfinite(column)])) <= 10) for column in sample.T
            ]
            loss = {
                "loss": self.loss,
                "discrete": torch.as_tensor(self.discrete_targets_, device=device),
            }
            module.init_skip(self._skip_pairs(readable, scaled_y, observed, train_part, device))
            self.module_ = module
            validate = None
            if valid_rows is not None:
                valid_x = shared_tensor(readable, device)
                rows, truth, weight = self._validation_targets(
                    valid_rows, readable, scaled_y, observed
                )
                truth_t = torch.from_numpy(truth).to(device)
                weight_t = None if weight is None else torch.from_numpy(weight).to(device)

                def validate() -> float:
                    output = self._one_step(valid_x, data.offsets, rows)
                    return float(masked_loss(output, truth_t, weight_t, **loss))

            validate_every = 1
            if valid_rows is not None:
                # Validate every k epochs, k set so that validation (forward passes over the
                # held-out rows, about a third of the cost of a training position each) costs
                # at most a quarter of training. Counts, not clocks: runs stay reproducible.
                valid_positions = len(valid_rows) * self.context_length
                epoch_positions = sampler.blocks_per_epoch * self.context_length
                validate_every = max(1, math.ceil(4 * valid_positions / (3 * epoch_positions)))
            progress = tqdm(total=self.max_epochs, desc="LSTMForecaster", disable=not self.verbose)
            started = time.perf_counter()
            try:
                result = train(
                    module,
                    sampler,
                    split=split,
                    learning_rate=self.learning_rate,
                    loss=loss,
                    weight_decay=self.weight_decay,
                    max_epochs=self.max_epochs,
                    patience=self.patience if valid_rows is not None else None,
                    max_time=self.max_time,
                    validate=validate,
                    validate_every=validate_every,
                    progress=progress,
                )
            finally:
                progress.close()
        self.fit_seconds_ = time.perf_counter() - started
        self.history_ = result.history
        self.n_epochs_ = len(result.history)
        self.best_epoch_ = result.best_epoch
        self.stopped_ = result.stopped

    def _model_inputs(
        self, data: _Inputs, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The values the network reads (of ``rows`` only, or all): X's columns, then the
        calendar features."""
        values = data.values if rows is None else data.values[rows]
        mask = data.mask if rows is None or data.mask is None else data.mask[rows]
        if not self.time_features_:
            return values, mask
        if data.time_index is None:
            raise ValueError(
                f"LSTMForecaster: this model reads calendar features ({self.time_features_}) "
                "computed from time stamps, but X has none. Pass X with its time stamps as in "
                "fit (a DataFrame with a DatetimeIndex, or a SequenceData), or fit with "
                "time_features=None."
            )
        times = data.time_index if rows is None else data.time_index[rows]
        calendar = encode_time(times, self.time_features_)
        values = np.concatenate([values, calendar], axis=1)
        if mask is None:
            return values, None
        return values, np.concatenate([mask, np.ones(calendar.shape, bool)], axis=1)

    def _feature_names(self) -> list[str]:
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return [f"x{i}" for i in range(self.n_features_in_)]
        return [str(name) for name in names]

    # ------------------------------------------------------------------ scaling
    def _fit_scaler(
        self, values: np.ndarray, targets: np.ndarray | None, observed: Any, train_part: Segments
    ) -> None:
        """Means and scales of the training rows (``targets`` None: the target columns)."""
        if not self.scale:
            self.input_mean_ = np.zeros(values.shape[1], np.float32)
            self.input_scale_ = np.ones(values.shape[1], np.float32)
        else:
            self.input_mean_, self.input_scale_ = _moments(values, observed, train_part)
        if targets is None:
            self.target_mean_ = self.input_mean_[self.target_indices_]
            self.target_scale_ = self.input_scale_[self.target_indices_]
        elif not self.scale:
            self.target_mean_ = np.zeros(targets.shape[1], np.float32)
            self.target_scale_ = np.ones(targets.shape[1], np.float32)
        else:
            self.target_mean_, self.target_scale_ = _moments(targets, None, train_part)

    def _readable(self, values: np.ndarray, observed: Any) -> np.ndarray:
        """The rows as the network reads them before standardising: missing entries set to
        the mean (0 once standardised). ``values`` itself, not a copy, when none is missing."""
        if observed is None:
            return values
        return np.where(observed, values, self.input_mean_).astype(np.float32, copy=False)

    def _standardizer(
        self, device: torch.device, columns: list[int] | None = None
    ) -> Callable[[torch.Tensor], torch.Tensor]:
        """A function standardising model inputs (last dimension: the columns, or only those
        in ``columns``), its means and scales moved to ``device`` once, not per batch."""
        mean, scale = self.input_mean_, self.input_scale_
        if columns is not None:
            mean, scale = mean[columns], scale[columns]
        mean_t, scale_t = torch.from_numpy(mean).to(device), torch.from_numpy(scale).to(device)
        return lambda inputs: (inputs - mean_t) / scale_t

    def _scale_inputs(self, values: np.ndarray, observed: Any) -> np.ndarray:
        """A new C-contiguous float32 array, missing values read as the mean (0)."""
        scaled = np.subtract(values, self.input_mean_, dtype=np.float32)
        scaled /= self.input_scale_
        if observed is not None:
            scaled[~observed] = 0.0
        return scaled

    def _scale_targets(self, targets: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray((targets - self.target_mean_) / self.target_scale_, np.float32)

    def _unscale(self, output: torch.Tensor) -> np.ndarray:
        values = output.cpu().numpy().astype(np.float64)  # regressors predict float64
        return values * self.target_scale_ + self.target_mean_

    # ------------------------------------------------------------------ training data
    def _training_blocks(
        self,
        readable: np.ndarray,
        scaled_y: np.ndarray | None,
        observed: Any,
        train_part: Segments,
        rng: np.random.Generator,
        device: torch.device,
    ) -> tuple[BlockSampler, Any]:
        """A sampler of blocks from the training rows, and how to split a batch of them into
        standardised inputs, standardised targets and which targets count."""
        n_inputs = readable.shape[1]
        standardize = self._standardizer(device)
        standardize_targets = None  # y comes standardised
        if scaled_y is None:
            # Blocks of X itself, drawn from the training part of each series in place:
            # inputs x[0..n-1], targets x[1..n] (the target columns).
            table, table_mask, segments = readable, observed, train_part
            target_columns = self.target_indices_
            standardize_targets = self._standardizer(device, target_columns)
        else:
            # Rows [x_t, y_{t-1}], with one extra row per series, so that the sampler's shift
            # by one pairs inputs x[s..s+n-1] with targets y[s..s+n-1].
            table, segments = _shifted_table(readable, scaled_y, train_part)
            table_mask = None
            if observed is not None:  # y is always observed; padding rows never count
                everywhere = np.ones((len(observed), scaled_y.shape[1]), bool)
                table_mask, _ = _shifted_table(observed, everywhere, train_part)
            target_columns = list(range(n_inputs, table.shape[1]))
        sampler = BlockSampler(
            SequenceData(table, mask=table_mask),
            self.context_length,
            self.batch_size,
            random_state=rng,
            device=device,
            segments=(segments.starts, segments.stops),
        )
        columns = torch.as_tensor(target_columns, device=device)
        contiguous_targets = target_columns == list(
            range(target_columns[0], target_columns[0] + len(target_columns))
        )
        first, last = target_columns[0], target_columns[-1] + 1

        def split(batch: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
            inputs = standardize(batch.inputs[..., :n_inputs])
            if contiguous_targets:
                targets_ = batch.targets[..., first:last]
            else:
                targets_ = batch.targets.index_select(-1, columns)
            if standardize_targets is not None:
                targets_ = standardize_targets(targets_)
            weight = None
            if batch.target_mask is not None:
                weight = batch.target_mask[..., None]
            if batch.observed is not None:
                seen = batch.observed.index_select(-1, columns)
                weight = seen if weight is None else weight & seen
            return inputs, targets_, weight

        return sampler, split

    def _skip_pairs(
        self,
        readable: np.ndarray,
        scaled_y: np.ndarray | None,
        observed: Any,
        train_part: Segments,
        device: torch.device,
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """(current row, what to predict from it) of the training rows, in chunks, for the
        skip's least-squares start."""
        if scaled_y is not None:
            for rows in train_part.chunks():
                inputs = self._scale_inputs(readable[rows], None)
                yield (
                    torch.from_numpy(inputs).to(device),
                    torch.from_numpy(scaled_y[rows]).to(device),
                )
            return
        columns = self.target_indices_
        has_next = train_part.lengths >= 2  # rows followed by a training row of the same series
        reads = Segments(train_part.starts[has_next], train_part.stops[has_next] - 1)
        for rows in reads.chunks():
            following = rows + 1
            if observed is not None:  # only pairs whose targets were all observed
                seen = observed[np.ix_(following, columns)].all(axis=1)
                rows, following = rows[seen], following[seen]
            inputs = self._scale_inputs(readable[rows], None)
            targets = self._scale_inputs(readable[following], None)[:, columns]
            yield torch.from_numpy(inputs).to(device), torch.from_numpy(targets).to(device)

    def _validation_targets(
        self,
        valid_rows: np.ndarray,
        readable: np.ndarray,
        scaled_y: np.ndarray | None,
        observed: Any,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Rows to forecast from, the scaled truth, and which of it counts (None: all)."""
        if scaled_y is not None:
            return valid_rows, scaled_y[valid_rows], None
        rows = valid_rows - 1  # the forecast made at t - 1 is checked against row t
        scaled = self._scale_inputs(readable[valid_rows], None)
        truth = np.ascontiguousarray(scaled[:, self.target_indices_])
        weight = None if observed is None else observed[np.ix_(valid_rows, self.target_indices_)]
        return rows, truth, weight

    # ------------------------------------------------------------------ inference
    @torch.inference_mode()
    def _one_step(
        self, readable: torch.Tensor, offsets: np.ndarray, rows: np.ndarray
    ) -> torch.Tensor:
        """Model output at each row in ``rows``, from its own last ``context_length`` rows
        (``readable``: see `_readable`; standardised here, window by window)."""
        module, L = self.module_, self.context_length
        module.eval()
        standardize = self._standardizer(readable.device)
        starts = offsets[np.searchsorted(offsets, rows, side="right") - 1]
        output = torch.empty(len(rows), module.head.out_features, device=readable.device)
        early = rows - starts < L
        if early.any():
            # Rows within the first L of their series: one forward over each series' first
            # rows gives all of them (right padding does not change earlier outputs).
            series_starts, inverse = np.unique(starts[early], return_inverse=True)
            stops = offsets[np.searchsorted(offsets, series_starts, side="right")]
            span = int(min(L, (stops - series_starts).max()))
            index = series_starts[:, None] + np.arange(span)
            index = np.minimum(index, (stops - 1)[:, None])
            prefixes = standardize(readable[torch.from_numpy(index).to(readable.device)])
            with threads_for_batch(len(prefixes), self.hidden_size, readable.device):
                outputs = module(prefixes)
            positions = torch.from_numpy(rows[early] - starts[early]).to(readable.device)
            output[torch.from_numpy(np.flatnonzero(early)).to(readable.device)] = outputs[
                torch.from_numpy(inverse).to(readable.device), positions
            ]
        late = np.flatnonzero(~early)
        if len(late):
            windows = window_view(readable, L)  # a late row exists only in a series longer than L
            chunk = max(1, _POSITIONS_PER_CALL // L)
            for begin in range(0, len(late), chunk):
                part = late[begin : begin + chunk]
                first_rows = torch.from_numpy(rows[part] - L + 1).to(readable.device)
                blocks = standardize(take_windows(windows, first_rows, L))
                with threads_for_batch(len(part), self.hidden_size, readable.device):
                    last = module.forward_last(blocks, None)
                output[torch.from_numpy(part).to(readable.device)] = last
        return output

    def predict(self, X: Any, groups: Any = None) -> np.ndarray:
        """One-step forecasts: for every row ``t``, the forecast made from the rows up to ``t``.

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
            Rows in time order; the same columns as in `fit`.
        groups : array-like of shape (n_timesteps,), optional
            Series id of each row; each row reads only its own series.

        Returns
        -------
        ndarray of shape (n_timesteps,) or (n_timesteps, n_targets)
            Autoregressive: row ``t`` forecasts row ``t + 1`` of the target columns (2-D).
            Supervised: forecasts of ``y[t]``, 1-D when ``y`` was 1-D.
        """
        check_is_fitted(self, "module_")
        return self._predict(self._inputs(X, groups, reset=False))

    def _predict(self, data: _Inputs) -> np.ndarray:
        readable = shared_tensor(self._readable(*self._model_inputs(data)), self.device_)
        output = self._one_step(readable, data.offsets, np.arange(len(data.values)))
        predictions = self._unscale(output)
        return predictions[:, 0] if self.y_ndim_ == 1 else predictions

    def forecast(self, X: Any, steps: int, groups: Any = None) -> Any:
        """Forecast ``steps`` values after the end of each series, feeding forecasts back.

        Autoregressive mode with every column of ``X`` a target (``target=None``): each new
        forecast becomes the next row of history (the last ``context_length`` rows are read).

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
            The history, rows in time order.
        steps : int
            How far to forecast.
        groups : array-like of shape (n_timesteps,), optional
            Series id of each row; every series is forecast.

        Returns
        -------
        DataFrame or ndarray
            With time stamps (a DataFrame with a DatetimeIndex, or a SequenceData with
            datetimes): a DataFrame indexed by the future time stamps (and the series id),
            one column per target. Otherwise an array of shape (steps, n_targets), or
            (n_series, steps, n_targets) with groups.
        """
        check_is_fitted(self, "module_")
        steps = check_int("steps", steps, owner="LSTMForecaster.forecast")
        if not self.autoregressive_ or len(self.target_indices_) != self.n_features_in_:
            raise ValueError(
                "LSTMForecaster.forecast feeds forecasts back as inputs, so it needs a model "
                "fitted without y and with every column a target (target=None). For other "
                "models, use predict for one step ahead."
            )
        data = self._inputs(X, groups, reset=False)
        # Only the rows read: the last context_length of each series (repeating the last row
        # to pad shorter series).
        lengths = np.minimum(np.diff(data.offsets), self.context_length)
        stops = data.offsets[1:]
        rows = (stops - lengths)[:, None] + np.arange(self.context_length)
        rows = np.minimum(rows, (stops - 1)[:, None]).ravel()
        recent = self._scale_inputs(*self._model_inputs(data, rows))
        history = torch.from_numpy(recent.reshape(len(lengths), self.context_length, -1))
        times = None if data.time_index is None else self._future_times(data, steps)
        calendar = None
        if self.time_features_:
            encoded = np.stack([encode_time(future, self.time_features_) for future in times])
            n = self.n_features_in_
            calendar = torch.from_numpy((encoded - self.input_mean_[n:]) / self.input_scale_[n:])
        future = self._roll_forward(history.to(self.device_), lengths, steps, calendar)
        values = self._unscale(future.reshape(-1, future.shape[-1])).reshape(future.shape)
        if times is not None:
            return self._future_frame(values, data, times)
        return values if data.groups is not None else values[0]

    @torch.inference_mode()
    def _roll_forward(
        self,
        history: torch.Tensor,
        lengths: np.ndarray,
        steps: int,
        calendar: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Forecast ``steps`` rows after each series, feeding forecasts back.

        ``history``: the scaled last rows of each series, shape (n_series, context_length, n),
        the first ``lengths[i]`` real (left-aligned); it is updated in place. ``calendar``: the
        future rows' scaled calendar features, shape (n_series, steps, n_calendar).
        """
        L, module = self.context_length, self.module_
        if module.training:
            module.eval()
        device = history.device
        lengths_t = torch.from_numpy(lengths).to(device)
        rows = torch.arange(len(lengths), device=device) if steps > 1 else None
        future = torch.empty(len(lengths), steps, module.head.out_features, device=device)
        if calendar is not None:
            calendar = calendar.to(device)
        with threads_for_batch(len(lengths), self.hidden_size, device):
            for step in range(steps):
                all_full = lengths.min() + step >= L  # known on the host: no device sync
                nxt = module.forward_last(history, None if all_full else lengths_t)
                future[:, step] = nxt
                if step == steps - 1:
                    break
                if calendar is not None:
                    nxt = torch.cat([nxt, calendar[:, step]], dim=1)
                full = lengths_t == L
                history[full] = torch.roll(history[full], -1, dims=1)
                history[rows, torch.clamp(lengths_t, max=L - 1)] = nxt
                lengths_t = torch.clamp(lengths_t + 1, max=L)
        return future

    @staticmethod
    def _future_times(data: _Inputs, steps: int) -> list[pd.DatetimeIndex]:
        """The next ``steps`` stamps of each series (its usual step on), one index each."""
        futures = []
        for start, stop in zip(data.offsets[:-1], data.offsets[1:], strict=True):
            times = data.time_index[start:stop]
            if len(times) < 2:
                raise ValueError(
                    "LSTMForecaster.forecast: a series with a single time stamp has no time "
                    "step to extend; pass X without time stamps to get an array."
                )
            futures.append(
                pd.DatetimeIndex(times[-1] + usual_step(times) * np.arange(1, steps + 1))
            )
        return futures

    def _future_frame(
        self, values: np.ndarray, data: _Inputs, times: list[pd.DatetimeIndex]
    ) -> pd.DataFrame:
        frames = []
        for i, future in enumerate(times):
            frame = pd.DataFrame(values[i], index=future, columns=self.target_names_)
            frame.index.name = "time"
            if data.groups is not None:
                frame = pd.concat({data.ids[i]: frame}, names=["group"])
            frames.append(frame)
        return pd.concat(frames) if len(frames) > 1 else frames[0]

    def score(self, X: Any, y: Any = None, groups: Any = None) -> float:
        """R² of the one-step forecasts (so cross_val_score and GridSearchCV need no scorer).

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData
            Rows in time order.
        y : array-like, optional
            Supervised mode: the truth for every row. Autoregressive mode: leave None; the
            truth is the next row of ``X`` in the same series.
        groups : array-like, optional
            Series id of each row.

        Returns
        -------
        float
            R² averaged over the targets.
        """
        check_is_fitted(self, "module_")
        if not self.autoregressive_ and y is None:
            raise ValueError("LSTMForecaster.score: this model was fitted with y; pass y.")
        data = self._inputs(X, groups, reset=False)
        predictions = self._predict(data)
        if not self.autoregressive_:
            return float(r2_score(y, predictions))
        rows = np.arange(len(data.values))
        has_next = ~np.isin(rows + 1, data.offsets)
        truth = data.values[rows[has_next] + 1][:, self.target_indices_]
        return float(r2_score(truth, predictions[has_next]))

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Save a fitted model to the directory ``path`` (created if needed).

        Three files: ``params.json`` (hyperparameters), ``state.json`` (scaler, columns,
        history, a SHA-256 of the weights) and ``weights.pt`` (a plain tensor dictionary).
        Loading never executes code from the files (`torch.load` with ``weights_only=True``).

        Returns
        -------
        Path
            The directory.
        """
        check_is_fitted(self, "module_")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        torch.save({k: v.detach().cpu() for k, v in self.module_.state_dict().items()}, buffer)
        weights = buffer.getvalue()
        params = self.get_params(deep=False)
        params["random_state"] = _json_random_state(params["random_state"])
        state = {
            "format_version": FORMAT_VERSION,
            "weights_sha256": hashlib.sha256(weights).hexdigest(),
            "n_features_in_": self.n_features_in_,
            "feature_names_in_": None
            if getattr(self, "feature_names_in_", None) is None
            else [str(n) for n in self.feature_names_in_],
            "n_outputs": self.module_.head.out_features,
            **{name: getattr(self, name) for name in _SIMPLE_STATE},
            **{name: getattr(self, name).tolist() for name in _ARRAY_STATE},
        }
        (path / "params.json").write_text(json.dumps(params, indent=2))
        (path / "state.json").write_text(json.dumps(state, indent=2))
        (path / "weights.pt").write_bytes(weights)
        return path

    @classmethod
    def load(cls, path: str | Path, *, device: str | None = None) -> LSTMForecaster:
        """Load a model saved with `save`.

        Parameters
        ----------
        path : path
            The model directory.
        device : str, optional
            Where to put the weights; the saved ``device`` parameter by default.

        Raises
        ------
        FileNotFoundError
            If the directory or one of its files is missing.
        ValueError
            If a file is unreadable, altered or does not match the others.
        """
        path = Path(path)
        owner = f"LSTMForecaster.load: '{path}'"
        for name in ("params.json", "state.json", "weights.pt"):
            if not (path / name).is_file():
                raise FileNotFoundError(f"{owner} has no {name}; is it a saved model directory?")
        try:
            params = json.loads((path / "params.json").read_text())
            state = json.loads((path / "state.json").read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(f"{owner}: a JSON file is unreadable ({error}).") from None
        if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{owner}: unknown format (expected format_version {FORMAT_VERSION}).")
        weights = (path / "weights.pt").read_bytes()
        if hashlib.sha256(weights).hexdigest() != state.get("weights_sha256"):
            raise ValueError(
                f"{owner}: weights.pt does not match the checksum in state.json; the files were "
                "altered or mixed up. Save the model again."
            )
        try:
            model = cls(**params)
            if device is not None:
                model.device = device
            model._check_params()
            state.setdefault("time_features_", [])  # saved before calendar features
            for name in _SIMPLE_STATE:
                setattr(model, name, state[name])
            for name in _ARRAY_STATE:
                setattr(model, name, np.asarray(state[name], dtype=np.float32))
            model.n_features_in_ = int(state["n_features_in_"])
            if state["feature_names_in_"] is not None:
                model.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)
            module = RecurrentNet(
                input_size=model.n_features_in_ + 2 * len(model.time_features_),
                output_size=int(state["n_outputs"]),
                hidden_size=model.hidden_size,
                num_layers=model.num_layers,
                cell=model.cell,
                dropout=model.dropout,
            )
            tensors = torch.load(io.BytesIO(weights), weights_only=True, map_location="cpu")
            module.load_state_dict(tensors)
        except Exception as error:  # whatever a damaged file raises, report it as such
            raise ValueError(f"{owner}: the saved model is inconsistent ({error}).") from None
        device_ = model._resolve_device()
        model.device_ = str(device_)
        model.module_ = module.to(device_).eval()
        return model

    # ------------------------------------------------------------------ pickling and tags
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if "module_" in state:  # keep pickles device-independent
            state["module_"] = state["module_"].cpu()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if "module_" in state:
            self.device_ = str(self._resolve_device())
            self.module_ = self.module_.to(self.device_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.target_tags.multi_output = True
        return tags


_MAX_VALIDATION_ROWS = 8192
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_SIMPLE_STATE = (
    "autoregressive_", "target_indices_", "target_names_", "discrete_targets_", "y_ndim_",
    "history_", "n_epochs_", "best_epoch_", "stopped_", "fit_seconds_", "time_features_",
)  # fmt: skip
_ARRAY_STATE = ("input_mean_", "input_scale_", "target_mean_", "target_scale_")


class _Inputs:
    """Validated rows: values, mask, series offsets and ids, groups, time stamps."""

    def __init__(self, values, mask, offsets, ids, groups, time_index) -> None:
        self.values, self.mask, self.offsets, self.ids = values, mask, offsets, ids
        self.groups, self.time_index = groups, time_index


def _check_real(
    name: str,
    value: Any,
    low: float,
    high: float | None,
    *,
    lower_open: bool = False,
    upper_open: bool = False,
) -> None:
    interval = f"{'(' if lower_open else '['}{low}, {'inf)' if high is None else high}"
    if high is not None:
        interval += ")" if upper_open else "]"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"LSTMForecaster: {name} must be a number in {interval}; got {value!r}.")
    too_low = value <= low if lower_open else value < low
    too_high = high is not None and (value >= high if upper_open else value > high)
    if too_low or too_high:
        raise ValueError(f"LSTMForecaster: {name} must be in {interval}; got {value!r}.")


def _check_finite(values: np.ndarray, mask: Any, what: str) -> None:
    bad = ~np.isfinite(values)
    if mask is not None:
        bad &= mask
    if bad.any():
        rows, cols = np.nonzero(bad)
        raise ValueError(
            f"Input {what} contains NaN or inf: {int(bad.sum())} entries, the first at row "
            f"{rows[0]}, column {cols[0]}. Fill or drop them, or pass a SequenceData whose mask "
            "marks them missing."
        )


def _moments(
    values: np.ndarray, observed: Any, segments: Segments
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each column over the rows of ``segments`` (observed
    entries only), chunk by chunk (Chan et al.'s pairwise update, in float64): no copy of the
    rows. A column with no observed entry gets mean 0 and scale 1; a constant one scale 1."""
    n_columns = values.shape[1]
    count, mean, m2 = np.zeros(n_columns), np.zeros(n_columns), np.zeros(n_columns)
    for rows in segments.chunks():
        chunk = values[rows].astype(np.float64)
        seen = None if observed is None else observed[rows]
        if seen is None:
            chunk_count = np.full(n_columns, float(len(rows)))
            chunk_mean = chunk.mean(axis=0)
            chunk_m2 = np.square(chunk - chunk_mean).sum(axis=0)
        else:
            chunk_count = seen.sum(axis=0).astype(np.float64)
            chunk_mean = np.where(seen, chunk, 0.0).sum(axis=0) / np.maximum(chunk_count, 1)
            chunk_m2 = np.where(seen, np.square(chunk - chunk_mean), 0.0).sum(axis=0)
        total = count + chunk_count
        share = np.divide(chunk_count, total, out=np.zeros(n_columns), where=total > 0)
        delta = chunk_mean - mean
        mean = mean + delta * share
        m2 = m2 + chunk_m2 + np.square(delta) * count * share
        count = total
    std = np.sqrt(np.divide(m2, count, out=np.ones(n_columns), where=count > 0))
    std = np.where(std > 1e-8 * np.maximum(np.abs(mean), 1.0), std, 1.0)
    return mean.astype(np.float32), std.astype(np.float32)


def _shifted_table(
    inputs: np.ndarray, targets: np.ndarray, segments: Segments
) -> tuple[np.ndarray, Segments]:
    """Rows ``[x_t, y_{t-1}]`` of each segment, one extra row at the end of each, and the
    table's own segments."""
    rows = segments.rows(np.arange(segments.n_rows))
    lengths = segments.lengths
    position = np.arange(len(rows)) + np.repeat(np.arange(len(lengths)), lengths)
    table = np.zeros((len(rows) + len(lengths), inputs.shape[1] + targets.shape[1]), inputs.dtype)
    table[position, : inputs.shape[1]] = inputs[rows]
    table[position + 1, inputs.shape[1] :] = targets[rows]
    stops = np.cumsum(lengths + 1)
    return table, Segments(stops - lengths - 1, stops)


def _json_random_state(value: Any) -> Any:
    if value is None or isinstance(value, numbers.Integral):
        return None if value is None else int(value)
    return None  # a Generator/RandomState has no JSON form; the fitted weights are saved
