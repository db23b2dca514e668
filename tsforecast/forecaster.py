"""`LSTMForecaster`: a recurrent one-step forecaster with the scikit-learn estimator interface.

This module coordinates; each step has its own module: reading the inputs (`_inputs`),
standardisation (`_scaling`), batches and the training loop (`_training`), the network
(`_network`), forecasts (`_inference`) and files (`_persistence`).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from tsforecast import _boundary as _inputs
from tsforecast import _checks as _validation
from tsforecast import _segments, _time
from tsforecast import storage as _storage
from tsforecast._checks import AutoOr, Choice, Flag, Integer, Real, Rule
from tsforecast._recurrent import bounds as _bounds
from tsforecast._recurrent import inference as _inference
from tsforecast._recurrent import intervals as _intervals
from tsforecast._recurrent import model_files as _persistence
from tsforecast._recurrent import naive_start as _baselines
from tsforecast._recurrent import training as _training
from tsforecast._recurrent.distributed import Ranks
from tsforecast._recurrent.intervals import QuantilesRule
from tsforecast._recurrent.network import CELLS, InputLayout, OutputShape, RecurrentNet
from tsforecast._recurrent.problem import TrainingProblem
from tsforecast._recurrent.scaling import Standardizer
from tsforecast._recurrent.training import LOSSES, TrainingSettings
from tsforecast._sampler import shared_tensor
from tsforecast._segments import horizon_rows
from tsforecast._time import TimeFeaturesRule
from tsforecast.data import SequenceData
from tsforecast.metrics import r2_of_next_rows

__all__ = ["LSTMForecaster"]


# Steps forecast at once by an autoregressive model with horizon="auto".
AUTO_HORIZON = 24
# Quantile levels of quantiles="auto" (with the pinball loss): the median and an 80% interval.
AUTO_QUANTILES = (0.1, 0.5, 0.9)

# The hyperparameters and what each accepts, checked in this order by fit.
HYPERPARAMETERS: dict[str, Rule] = {
    "context_length": Integer(), "horizon": AutoOr(Integer()), "hidden_size": Integer(),
    "num_layers": Integer(), "quantiles": QuantilesRule(),
    "max_epochs": Integer(), "batch_size": Integer(), "batches_per_epoch": Integer(optional=True),
    "cell": Choice(tuple(CELLS)),
    "loss": Choice((*LOSSES, "auto")), "dropout": Real(0.0, 1.0, upper_open=True),
    "learning_rate": Real(0.0, lower_open=True), "weight_decay": Real(0.0),
    "weight_averaging": Real(0.0, 1.0, upper_open=True),
    "validation_fraction": Real(0.0, 1.0, upper_open=True),
    "patience": Integer(optional=True), "max_time": Real(0.0, lower_open=True, optional=True),
    "scale": Flag(), "time_features": TimeFeaturesRule(),
    "seasonal_period": AutoOr(Integer(minimum=2, optional=True)),
    "adaptation_rate": Real(0.0), "bounds": _bounds.BoundsRule(), "time_gaps": AutoOr(Flag()),
    "distributed": AutoOr(Flag()),
}  # fmt: skip
# Origins at the end of each series over which `forecast` adapts its intervals.
ADAPTATION_WINDOW = 1000
# Series whose intervals adapt together in one vectorised pass.
SERIES_PER_PASS = 1024
# Forecasts made in one pass of the network; more are made chunk after chunk, so that memory
# does not grow with the number of series (the network's activations of a whole panel at once
# would).
FORECASTS_PER_PASS = 4096
# Rows whose outputs are computed at once when adapting the margins of the series' ends.
ADAPTATION_ROWS_PER_PASS = 1 << 16
# predict / predict_quantiles on more rows than this work on whole series a chunk at a time:
# besides the answer, memory holds one chunk's work, whatever the number of series.
PREDICT_ROWS_PER_PASS = 1 << 18
# Past this many rows of a memory-mapped data set, fit writes computed input columns to a
# temporary memory-mapped table rather than to memory.
SPILL_ROWS = 1 << 20


class LSTMForecaster(RegressorMixin, BaseEstimator):
    """Recurrent forecaster (LSTM, GRU or RNN) trained on context blocks, many steps at once.

    Rows of ``X`` are time steps in order. Training draws random blocks of up to
    ``context_length + horizon`` consecutive rows (never across two series) and takes the loss
    at every position of every block, for each of the next ``horizon`` rows, so the model
    learns every history length from 1 to ``context_length`` and every lead time from 1 to
    ``horizon`` in one full-sequence recurrent call per batch. ``predict`` gives, for every
    row ``t``, the one-step forecast made from the rows up to ``t`` (the last
    ``context_length`` rows of its own series, fewer at its start); `forecast` reads all
    ``horizon`` steps at once (direct multi-step forecasts: within the horizon, no forecast is
    fed back).

    Two modes:

    - **autoregressive** (``y=None``): forecast the next rows of ``X`` (all features, or those
      chosen by ``target``); `forecast` then goes any number of steps ahead;
    - **supervised** (``y`` given): ``y[t]`` is what to predict having seen ``X[0..t]``
      (`tsforecast.make_supervised` builds it); with ``horizon > 1`` the network also learns
      ``y[t + 1..t + horizon - 1]`` from the same history.

    Starting point and check against naive forecasters: the network's output is a recurrent
    correction added to a linear function of the current row. That linear part starts, per
    horizon step and target, as the better of persistence ("no change") and the least-squares
    line (by MAE on the validation data, or the training rows without it), so the untrained
    network is already the best of them (up to the recurrent part's small random start);
    the starting weights are validated like every epoch, so the kept model is never worse than
    them on the validation data (with ``validation_fraction > 0``). At the end of `fit` the
    network is scored on the validation data, per step, beside persistence, seasonal naive and
    the least-squares line (``baseline_scores_``); fit warns when it does not beat the best of
    them at some step.

    Uncertainty: with ``quantiles``, every step is forecast at each quantile level (pinball
    loss; levels never cross); the point forecast is the median. The intervals between
    symmetric levels (0.1 and 0.9: 80%) are calibrated on the validation data by conformalised
    quantile regression (``conformal_margins_``), so that their coverage is the nominal one
    on data like the validation data; where the data drifts, adaptive conformal inference
    along the history given to `predict_quantiles` and `forecast` (``adaptation_rate``) keeps
    the long-run coverage at the nominal one.

    Parameters
    ----------
    context_length : int, default=64
        Longest history the model reads.
    horizon : int or "auto", default="auto"
        Steps forecast at once from every position. "auto": 24 in autoregressive mode (on the
        shipped hourly weather, seeds 0-2, 24-hour forecasts read directly had an 11% lower
        MAE than one-step forecasts fed back, 2.71 against 3.06 °C, for a 5% higher one-hour
        MAE, 0.713 against 0.677), 1 with ``y`` (where ``horizon > 1`` also trains
        ``y[t + 1..t + horizon - 1]`` as auxiliary targets; `predict` returns ``y[t]``).
        Full training blocks span ``context_length + horizon`` rows, so the last
        ``horizon - 1`` rows of a long series are read as targets, not as inputs.
    hidden_size : int, default=64
        Size of the recurrent state.
    num_layers : int, default=1
        Stacked recurrent layers.
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell.
    dropout : float, default=0.0
        Dropout between layers and before the output head, in [0, 1).
    max_epochs : int, default=1000
        Upper bound on epochs; an epoch draws about ``n_rows / (context_length + horizon -
        1)`` blocks, so it reads each training row as an input about ``context_length /
        (context_length + horizon - 1)`` times (0.73 at the defaults) and as a target of each
        step about as often.
    batch_size : int, default=64
        Blocks per batch.
    batches_per_epoch : int, optional
        Batches per epoch (validation, early stopping and ``max_epochs`` count epochs). None:
        the epoch described under ``max_epochs``. On large data (millions of rows) that is
        many thousand batches between two validations; this makes epochs shorter, and
        ``max_epochs * batches_per_epoch`` a fixed number of training steps. In a distributed
        fit each process draws this many per epoch.
    learning_rate : float, default=3e-3
        Adam learning rate.
    weight_decay : float, default=0.0
        Adam weight decay.
    weight_averaging : float, default=0.98
        Keep an exponential moving average of the weights (Polyak averaging): after every
        optimiser step the average keeps this fraction of itself, or less in the first steps:
        ``min(weight_averaging, (1 + t) / (10 + t))`` after step t (until step 440 at 0.98),
        so that short fits are not averaged away into the starting weights. Validation,
        early stopping and the fitted model use the averaged weights. 0 turns it off: the
        model is the weights of the best epoch. Averaging smooths out the noise of the last
        steps, which otherwise makes the forecasts depend on where in that noise an epoch
        ended: on the shipped hourly weather (seeds 0-2) it narrowed the 24-hour MAE across
        seeds from 2.61-2.94 to 2.70-2.72 °C and the 1-hour MAE from 0.716-0.767 to
        0.713-0.721 °C.
    loss : {"auto", "mae", "mse", "huber", "pinball"}, default="auto"
        Training and validation loss (on scaled values), and what the point forecast
        estimates: "mae" the conditional median (the forecast with the lowest expected
        absolute error), "mse" the conditional mean (lowest squared error), "huber" between
        the two (MSE within one standard deviation, MAE beyond). "pinball" trains the
        ``quantiles`` (the median is the point forecast). "auto": "pinball" with
        ``quantiles`` (the default), else "mae": either way the point forecast is the median,
        since MAE is the error most forecasts are judged by. On the shipped hourly weather
        (seeds 0-2, medians) the pinball loss over (0.1, 0.5, 0.9) gave a median as accurate
        as "mae" one hour ahead (MAE 0.713 against 0.735 °C) and 24 hours ahead (2.71
        against 2.85).
    quantiles : "auto", list of float or None, default="auto"
        Quantile levels to forecast, e.g. ``(0.05, 0.5, 0.95)``; 0.5 is added when absent.
        Symmetric pairs give calibrated intervals (`predict_interval`). "auto": ``(0.1, 0.5,
        0.9)`` (an 80% interval) with ``loss="auto"`` or ``"pinball"``, none with a point
        loss ("mae", "mse", "huber"). None: point forecasts only (cheaper to train with
        many targets).
    adaptation_rate : float, default=0.005
        Step size of adaptive conformal inference (autoregressive models): along the history
        read by `predict_quantiles` and `forecast` (the last 1,000 rows of each series for
        `forecast`), each outcome outside its interval widens the next intervals of its step,
        and each inside narrows them back, never below the validation calibration. So the
        fraction outside stays at most the nominal one in the long run when the data drifts
        away from the validation data (as far as the widest validation margin reaches), and
        rows the model was trained on cannot narrow the intervals. 0: the validation margins
        only (split conformal).
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
        Autoregressive mode: the columns of ``X`` to forecast (all those without another role
        by default).
    future_covariates : int, str, list of them, or None, default=None
        Columns of ``X`` known in advance (schedules, planned doses, prices): the network
        reads, at every row, their values at the next ``horizon`` rows, and `forecast` takes
        them for the forecast period from ``future=``. Causal: the forecast of step ``k``
        reads them up to step ``k`` only. Their effect is linear (they reach the output
        through the skip, not the recurrence). `predict` gives NaN at the last row of each
        series, whose next row's values ``X`` does not hold (use `forecast` there).
    static_covariates : int, str, list of them, or None, default=None
        Columns of ``X`` constant within each series (weight, sex, site): read as inputs,
        never forecast; a column that changes within a series is refused. Every other
        column that is not a target is a **past covariate**: read up to the forecast origin,
        unknown after it (so `forecast` goes at most ``horizon`` steps ahead with them).
    time_features : "auto", None or list of {"hour", "weekday", "yearday"}, default="auto"
        Calendar features read beside ``X`` when it carries time stamps (a DataFrame with a
        DatetimeIndex, or a SequenceData with datetimes; local time): the sine and cosine of
        the time's place in the day, week or year. They are known in advance, so `forecast`
        reads them for future steps too. "auto" takes the hour of the day for data recorded
        more often than daily (on one year of hourly weather it lowered the next-hour
        temperature error by about 2%), nothing otherwise. A model that uses them needs time
        stamps at predict time as well. None: never.
    time_gaps : "auto" or bool, default="auto"
        Read the time between rows: at every row, the time since the previous row and, as
        known-future inputs, the time to each of the next ``horizon`` rows (as ``log(1 +
        gap)``, in hours for datetimes), so that a forecast of irregular data (visits,
        samples) knows when its step falls. `forecast` takes the future stamps from a
        ``future`` DataFrame, else each series' usual step. "auto": on when the time between
        rows varies within a series (needs time stamps: a DataFrame with a time index, a
        SequenceData with time). On the quinidine study (136 patients, median of seeds 0-2,
        127 held-out concentrations) it did not change the one-step error measurably (0.87
        mg/L with, 0.85 without, persistence 0.91).
    bounds : (low, high), dict of them by target name, or None, default=None
        The range each target can take, ``None`` for an open side: ``(0, None)`` for
        concentrations, counts, precipitation. Kept by a smooth floor and ceiling inside the
        network (unchanged away from a bound), so `predict`, `forecast` and the quantiles and
        intervals never leave it; training targets outside are refused.
    seasonal_period : int, "auto" or None, default="auto"
        Rows in one season, for the seasonal naive forecaster the model is checked against
        (``baseline_scores_``). "auto": a day for data recorded more often than daily, a week
        for daily data (from the time stamps), none without time stamps. None: not checked
        against seasonal naive.
    device : str, default="auto"
        Torch device: "auto" (CUDA when available), "cpu", "cuda", "cuda:1"...
    distributed : "auto" or bool, default="auto"
        "auto" (or True): inside an initialised ``torch.distributed`` process group of
        several processes (``torchrun``), train data-parallel: every rank must call `fit`
        with the same data; each draws from its own share of the series, and all end with
        the same weights (see the README, "Large data and several machines"). False: train
        in this process alone even inside a group (e.g. a fit on rank 0 only, which would
        otherwise wait for the other ranks).
    random_state : int, RandomState, Generator or None, default=None
        Seeds the weights and the block draws; the same seed gives the same model on CPU.
    verbose : int, default=0
        1 shows a progress bar with the losses.

    Attributes
    ----------
    module_ : RecurrentNet
        The trained torch network (on ``device_``).
    device_ : str
        The torch device the network is on ("cpu", "cuda:0"...).
    n_features_in_ : int
        Columns of ``X``.
    n_series_in_ : int
        Series in the data given to fit. A model fitted on several refuses data without
        series ids (it would read a panel as one series).
    feature_names_in_ : ndarray of str
        Column names of ``X`` when it had string names.
    autoregressive_ : bool
        True when fitted without ``y``.
    target_indices_ : list of int or None
        Autoregressive mode: the columns of ``X`` forecast; None with ``y``.
    future_indices_, static_indices_ : list of int
        The columns of ``X`` that are known-future and static covariates.
    target_names_ : list of str
        Names of the forecast values (``y0, y1...`` with ``y``).
    y_ndim_ : int
        Dimensions of the ``y`` given to fit (2 in autoregressive mode): ``predict`` returns
        a 1-D array when it was 1.
    time_features_ : list of str
        Calendar features the model reads (empty without time stamps).
    input_scaler_ : Standardizer
        Means and scales of the columns the network reads (``X``'s, then the calendar
        features'), from the training rows; mean 0 and scale 1 with ``scale=False``.
    target_scaler_ : Standardizer
        Means and scales of the forecast values; forecasts are turned back with them.
    horizon_ : int
        Steps forecast at once.
    time_gaps_ : bool
        Whether the model reads the time between rows.
    bounds_ : ndarray of shape (n_targets, 2) or None
        Each target's (low, high), -inf/inf where open; None without ``bounds``.
    target_range_ : ndarray of shape (n_targets, 2)
        Each target's lowest and highest (observed) value in fit: `forecast` warns when a
        forecast leaves it by more than its width (a model diverging on its own forecasts).
    quantiles_ : tuple of float or None
        The quantile levels forecast, sorted, 0.5 among them; None for a point model.
    seasonal_period_ : int or None
        Rows per season of the seasonal naive baseline (None: not scored).
    baseline_scores_ : dict or None
        Validation MAE per horizon step (a list of ``horizon_`` values each) of the network
        (``"model"``, its point forecast) and of ``"persistence"``, ``"seasonal_naive"`` and
        ``"linear"`` (least squares on the current row), all on the same held-out rows
        (forecasts made from every sampled validation row, as in training's check). In
        standardised units: each target's error divided by its training standard deviation
        (``target_scaler_.scale``; 1 with ``scale=False``, so the data's units then),
        averaged over the targets. None for a model fitted with ``y`` or without validation
        data; a baseline is None where it cannot be scored.
    conformal_margins_ : ndarray of shape (101, horizon_, n_pairs, n_targets) or None
        Conformal calibration of each symmetric pair of quantile levels (widest pair first),
        per step and target, in the targets' units, at each miscoverage level 0, 0.01, ... 1
        (the first axis): the margin by which the pair's interval is widened (narrowed where
        negative) for that coverage, from the validation forecasts. At the pair's nominal
        level it is the margin of conformalised quantile regression. None for a point model,
        or without validation data (the intervals are then the raw quantiles, uncalibrated).
    history_ : list of dict
        One dict per epoch: ``epoch``, ``train_loss``, ``valid_loss``, ``seconds`` (training
        time of the epoch, validation excluded), ``n_positions`` (target positions the loss
        was taken on; in a distributed fit, on all ranks), ``n_batches`` (per rank), and
        ``train_loss`` averaged over all ranks. ``valid_loss`` is None for epochs after which no
        validation ran: validation runs every k epochs, k chosen from the sizes of the
        validation and training data so that it costs at most about a quarter of training,
        and after the last epoch; ``patience`` counts epochs since the best validation.
    n_epochs_ : int
        Epochs run.
    best_epoch_ : int or None
        Epoch whose weights were kept: 0 when no epoch beat the starting naive forecaster
        on the validation data (fit warns then); None when nothing was validated and no
        epoch completed.
    stopped_ : str
        Why training ended: "max_epochs", "early_stopping", "max_time", "nan", "interrupted".
    fit_seconds_ : float
        Wall-clock seconds of the training loop (validation included, data preparation not).

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
    >>> model = LSTMForecaster(context_length=16, hidden_size=16, max_epochs=3,
    ...                        quantiles=(0.1, 0.9), random_state=0).fit(X)
    >>> model.predict_quantiles(X).shape  # rows, targets, levels (0.1, 0.5, 0.9)
    (400, 2, 3)
    >>> lower, upper = model.predict_interval(X, coverage=0.8)
    >>> bool((lower <= upper).all())
    True
    """

    def __init__(
        self,
        context_length: int = 64,
        horizon: Any = "auto",
        hidden_size: int = 64,
        num_layers: int = 1,
        cell: str = "lstm",
        dropout: float = 0.0,
        max_epochs: int = 1000,
        batch_size: int = 64,
        batches_per_epoch: int | None = None,
        learning_rate: float = 3e-3,
        weight_decay: float = 0.0,
        weight_averaging: float = 0.98,
        loss: str = "auto",
        quantiles: Any = "auto",
        validation_fraction: float = 0.1,
        patience: int | None = 50,
        max_time: float | None = None,
        scale: bool = True,
        target: Any = None,
        future_covariates: Any = None,
        static_covariates: Any = None,
        bounds: Any = None,
        time_features: Any = "auto",
        time_gaps: Any = "auto",
        seasonal_period: Any = "auto",
        adaptation_rate: float = 0.005,
        device: str = "auto",
        distributed: Any = "auto",
        random_state: Any = None,
        verbose: int = 0,
    ) -> None:
        self.context_length = context_length
        self.horizon = horizon
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.cell = cell
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.batches_per_epoch = batches_per_epoch
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.weight_averaging = weight_averaging
        self.loss = loss
        self.quantiles = quantiles
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.max_time = max_time
        self.scale = scale
        self.target = target
        self.future_covariates = future_covariates
        self.static_covariates = static_covariates
        self.bounds = bounds
        self.time_features = time_features
        self.time_gaps = time_gaps
        self.seasonal_period = seasonal_period
        self.adaptation_rate = adaptation_rate
        self.device = device
        self.distributed = distributed
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self) -> None:
        _validation.check_params(self, HYPERPARAMETERS)
        self._loss_kind()
        self._resolve_device()

    def _quantile_levels(self) -> Any:
        """Return the ``quantiles`` parameter with "auto" resolved: levels, or None."""
        if isinstance(self.quantiles, str):  # "auto"
            return AUTO_QUANTILES if self.loss in ("auto", "pinball") else None
        return self.quantiles

    def _loss_kind(self) -> str:
        """Return the loss trained: "auto" resolved, checked against ``quantiles``."""
        if self._quantile_levels() is not None:
            if self.loss not in ("auto", "pinball"):
                raise ValueError(
                    f"LSTMForecaster: quantiles={self.quantiles!r} are trained with the pinball "
                    f"loss, so loss={self.loss!r} cannot train them; use loss='auto' (or "
                    "quantiles=None for a point forecast)."
                )
            return "pinball"
        if self.loss == "pinball":
            raise ValueError(
                "LSTMForecaster: loss='pinball' trains quantile levels; give them, e.g. "
                "quantiles=(0.1, 0.5, 0.9), or choose another loss."
            )
        return "mae" if self.loss == "auto" else self.loss

    def _ranks(self) -> Ranks | None:
        """Return the process group a fit trains in (None: this process alone)."""
        return None if self.distributed is False else Ranks.current()

    def _resolve_device(self) -> torch.device:
        return _inference.resolve_device(self.device, "LSTMForecaster")

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any = None, groups: Any = None) -> LSTMForecaster:
        """Train on the rows of ``X`` (and ``y``).

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
            Rows in time order, series after series. NaN/inf are refused, except where a
            `SequenceData` mask marks them missing (they are then read as the mean and never
            used as targets). A DataFrame indexed by (series id, time) (a ``MultiIndex``) is
            a panel: its series are read from the index, in any row order (sorted by id,
            then time; predictions come back in the caller's order).
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
        scratch = type(self).__new__(type(self))
        scratch.__dict__.update(self.get_params(deep=False))
        scratch._fit(X, y, groups)
        for name in [n for n in vars(self) if n.endswith("_") and not n.startswith("_")]:
            delattr(self, name)  # nothing of an earlier fit survives a successful one
        self.__dict__.update(scratch.__dict__)
        return self

    def _fit(self, X: Any, y: Any, groups: Any) -> None:
        data = _inputs.check_X(self, X, groups, reset=True)
        y = None if y is None else _inputs.check_y(y, data).astype(np.float32)
        self._learn_columns(data, y)
        self._learn_range(data, y)
        device = self._resolve_device()
        ranks = self._ranks()
        if ranks is not None:  # "cuda" in a torchrun group: each rank on its own GPU
            device = ranks.own_device(device)
        self.device_ = str(device)
        values, observed = self._fit_inputs(data)
        targets = None if y is None else y.reshape(len(y), -1)
        # Row ranges, not row lists: no per-row index array or copy of the data (memory).
        train_part, valid_part = _segments.split_series(data.offsets, self.validation_fraction)
        self._fit_scalers(values, targets, observed, train_part)
        problem = TrainingProblem(
            readable=self.input_scaler_.fill_missing(values, observed),  # no copy if complete
            observed=observed,
            inputs=self.input_scaler_,
            target_columns=self.target_indices_,
            targets=None if y is None else self.target_scaler_.transform(targets),
            first_step=self._input_layout().first_steps(),
        )
        kind = self._loss_kind()
        build = partial(
            RecurrentNet, self._input_layout(), self._output_shape(),
            hidden_size=self.hidden_size, num_layers=self.num_layers, cell=self.cell,
            dropout=self.dropout, bounds=self._network_bounds(),
        )  # fmt: skip
        settings = {
            name: getattr(self, name)
            for name in TrainingSettings.__dataclass_fields__
            if name not in ("horizon", "loss", "levels")
        }
        settings = TrainingSettings(
            **settings, horizon=self.horizon_, loss=kind,
            levels=self.quantiles_,
        )  # fmt: skip
        fitted = _training.fit_network(
            build, problem, data.offsets, (train_part, valid_part), settings, self.random_state,
            device,
        )  # fmt: skip
        self.module_, self.fit_seconds_ = fitted.module, fitted.seconds
        self.history_, self.n_epochs_ = fitted.history, len(fitted.history)
        self.best_epoch_, self.stopped_ = fitted.best_epoch, fitted.stopped
        self._check_on_validation(fitted, problem, data.offsets)

    def _learn_range(self, data: SequenceData, y: np.ndarray | None) -> None:
        """Record each target's training range and bounds; refuse targets outside the bounds."""
        if y is None:
            values, observed, columns = data.values, data.mask, self.target_indices_
        else:
            values, observed = y.reshape(len(y), -1), None
            columns = list(range(values.shape[1]))
        self.target_range_ = _bounds.value_range(values, observed, columns)
        self.bounds_ = _bounds.resolve(self.bounds, self.target_names_, "LSTMForecaster")
        if self.bounds_ is not None:
            _bounds.check_targets(
                values, observed, columns, self.bounds_, self.target_names_,
                "LSTMForecaster.fit",
            )  # fmt: skip

    def _network_bounds(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Return the bounds in the network's standardised output units (None: unbounded)."""
        if self.bounds_ is None:
            return None
        scaler = self.target_scaler_
        standard = (self.bounds_ - scaler.mean[:, None]) / scaler.scale[:, None]
        table = torch.from_numpy(standard.astype(np.float32))
        return table[:, 0].contiguous(), table[:, 1].contiguous()

    def _output_shape(self) -> OutputShape:
        levels = self.quantiles_
        return OutputShape(
            n_targets=len(self.target_names_),
            horizon=self.horizon_,
            n_quantiles=1 if levels is None else len(levels),
            point=None if levels is None else levels.index(0.5),
        )

    def _check_on_validation(
        self, fitted: _training.FittedNetwork, problem: TrainingProblem, offsets: np.ndarray
    ) -> None:
        """Calibrate the intervals and score the naive baselines on the validation data."""
        self.baseline_scores_ = self.conformal_margins_ = None
        validator = fitted.validator
        if validator is None:
            if self.quantiles_ is not None:
                warnings.warn(
                    "LSTMForecaster: validation_fraction=0 leaves no held-out data to calibrate "
                    "the quantile intervals; they are the raw quantiles, often too narrow. "
                    "Keep validation_fraction > 0 for calibrated intervals.",
                    UserWarning,
                    stacklevel=4,
                )
            return
        outputs = validator.outputs()
        rows, truth, weight = validator.held_out()
        if self.quantiles_ is not None:
            margins = _intervals.conformal_margins(
                outputs.cpu().numpy(), truth, weight, self.quantiles_
            )
            self.conformal_margins_ = margins * self.target_scaler_.scale
        if not self.autoregressive_:
            return
        self.baseline_scores_ = _baselines.baseline_scores(
            outputs, self.module_, problem, rows, truth, weight, offsets,
            fitted.start, self.seasonal_period_,
        )  # fmt: skip
        ranks = self._ranks()
        if self.verbose and (ranks is None or ranks.rank == 0):
            print(_baselines.score_table(self.baseline_scores_))
        losing = _baselines.losing_steps(self.baseline_scores_)
        if losing:
            step, name, model, best = max(losing, key=lambda item: item[2] - item[3])
            warnings.warn(
                f"LSTMForecaster: on the validation data the network does not beat the best "
                f"naive forecaster at {len(losing)} of {self.horizon_} steps ahead; worst at "
                f"step {step}, where its MAE is {model:.4g} against {best:.4g} for {name} (in "
                "standard deviations). See baseline_scores_; more data, another "
                "context_length or more epochs may help, or forecast with the baseline.",
                RuntimeWarning,
                stacklevel=4,
            )

    def _learn_columns(self, data: SequenceData, y: np.ndarray | None) -> None:
        """Mode, target columns and names, calendar features: what the columns mean."""
        _inputs.check_trainable(data, "LSTMForecaster.fit")
        self.autoregressive_ = y is None
        sample = _time.sample_times(data)  # the first rows: enough for the step and season
        self.time_features_ = _time.choose_time_features(self.time_features, sample)
        if self.time_gaps == "auto":
            self.time_gaps_ = _time.is_irregular(data)
        else:
            self.time_gaps_ = bool(self.time_gaps)
            if self.time_gaps_:
                self._stamps(data, "LSTMForecaster.fit")
        if self.horizon == "auto":
            self.horizon_ = AUTO_HORIZON if y is None else 1
        else:
            self.horizon_ = int(self.horizon)
        levels = self._quantile_levels()
        self.quantiles_ = None if levels is None else _intervals.with_median(levels)
        if self.seasonal_period == "auto":
            self.seasonal_period_ = _time.seasonal_period(sample)
        else:
            season = self.seasonal_period
            self.seasonal_period_ = None if season is None else int(season)
        self.target_indices_, self.y_ndim_ = None, 2 if y is None else y.ndim
        self.future_indices_, self.static_indices_ = [], []
        if y is None:
            self._learn_roles(data)
            names = _inputs.column_names(self)
            self.target_names_ = [names[i] for i in self.target_indices_]
            return
        for role in ("target", "future_covariates", "static_covariates"):
            if getattr(self, role) is not None:
                raise ValueError(
                    f"LSTMForecaster: {role}= gives columns of X a role when y is None (X "
                    "forecast from its own history); with y given, every column of X is an "
                    f"input already: leave {role}=None."
                )
        self.target_names_ = [f"y{i}" for i in range(1 if y.ndim == 1 else y.shape[1])]

    def _learn_roles(self, data: SequenceData) -> None:
        """Columns of ``X`` by role: targets, known-future and static covariates, past ones."""
        owner, n = "LSTMForecaster", self.n_features_in_
        known = getattr(self, "feature_names_in_", None)
        roles = {}
        for role in ("future_covariates", "static_covariates"):
            spec = getattr(self, role)
            roles[role] = (
                [] if spec is None else _inputs.target_columns(spec, n, known, owner, role)
            )
        both = set(roles["future_covariates"]) & set(roles["static_covariates"])
        names = _inputs.column_names(self)
        if both:
            raise ValueError(
                f"{owner}: column {names[min(both)]!r} is both a future and a static covariate; "
                "give each column one role."
            )
        covariates = set(roles["future_covariates"]) | set(roles["static_covariates"])
        if self.target is None:
            targets = [i for i in range(n) if i not in covariates]
            if not targets:
                raise ValueError(
                    f"{owner}: every column of X is a future or static covariate, so nothing is "
                    "left to forecast; name the columns to forecast with target=, or give "
                    "fewer covariates."
                )
        else:
            targets = _inputs.target_columns(self.target, n, known, owner)
            clash = sorted(set(targets) & covariates)
            if clash:
                raise ValueError(
                    f"{owner}: column {names[clash[0]]!r} is both a target and a covariate; a "
                    "forecast column cannot be an input known in advance. Give each column one "
                    "role."
                )
        self.target_indices_ = targets
        self.future_indices_ = roles["future_covariates"]
        self.static_indices_ = roles["static_covariates"]

    def _fit_scalers(
        self, values: np.ndarray, targets: np.ndarray | None, observed: Any, train_part: Any
    ) -> None:
        """Standardizers of the inputs and targets, from the training rows."""
        fit = Standardizer.fit if self.scale else (lambda v, *_: Standardizer.identity(v.shape[1]))
        self.input_scaler_ = fit(values, observed, train_part)
        if targets is None:
            self.target_scaler_ = self.input_scaler_.columns(self.target_indices_)
        else:
            self.target_scaler_ = fit(targets, None, train_part)

    def _input_layout(self) -> InputLayout:
        """Return the network's input columns by role: ``X``'s columns, then the calendar's."""
        return InputLayout.of_columns(
            self.n_features_in_, self.target_indices_, 2 * len(self.time_features_),
            future_columns=tuple(self.future_indices_), static_columns=tuple(self.static_indices_),
            horizon=self.horizon_, time_gap=self.time_gaps_,
        )  # fmt: skip

    def _model_inputs(
        self,
        data: SequenceData,
        rows: np.ndarray | None = None,
        *,
        owner: str = "LSTMForecaster",
        check_statics: bool = True,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Return the rows the network reads (``rows`` only, or all) and where each value is known.

        ``X``'s columns, the calendar features, the time since the previous row (with
        ``time_gaps_``), then the known-future covariates of the next ``horizon_`` rows of the
        same series (unknown past its end) and the time gaps to them (past its end: the
        series' usual gap).
        """
        if self.static_indices_ and check_statics:
            _inputs.check_static(data, self.static_indices_, _inputs.column_names(self), owner)
        values, observed = _inputs.model_inputs(data, self.time_features_, rows, owner=owner)
        if not (self.future_indices_ or self.time_gaps_):
            return values, observed
        n, H = len(values), self.horizon_
        leads = np.empty((n, H, 0), np.float32)
        known = np.ones(leads.shape, bool)
        if self.future_indices_:
            leads, known = _inputs.lead_values(data, self.future_indices_, H, rows)
            leads, known = leads.reshape(n, H, -1), known.reshape(n, H, -1)
        parts, seen = [values], [np.ones(values.shape, bool) if observed is None else observed]
        if self.time_gaps_:
            stamps = self._stamps(data, owner)
            gaps = _time.gap_feature(_time.gaps_of(stamps, data.offsets))
            parts.append((gaps if rows is None else gaps[rows])[:, None].astype(np.float32))
            seen.append(np.ones((n, 1), bool))
            ahead = _time.gaps_ahead(stamps, data.offsets, H, rows)
            ahead = _time.gap_feature(ahead).astype(np.float32)
            leads = np.concatenate([leads, ahead[..., None]], axis=2)
            known = np.concatenate([known, np.ones((n, H, 1), bool)], axis=2)
        parts.append(leads.reshape(n, -1))
        seen.append(known.reshape(n, -1))
        return np.concatenate(parts, axis=1), np.concatenate(seen, axis=1)

    def _fit_inputs(self, data: SequenceData) -> tuple[np.ndarray, np.ndarray | None]:
        """Return the rows the network trains on (see `_model_inputs`).

        On a memory-mapped data set larger than `SPILL_ROWS`, computed columns (calendar
        features, known-future covariates) go to a temporary memory-mapped table, chunk by
        chunk, instead of a copy of the data in memory. (Time gaps read every stamp at once:
        not spilled.)
        """
        owner = "LSTMForecaster.fit"
        computed = bool(self.time_features_ or self.future_indices_) and not self.time_gaps_
        if not computed or data.n_timesteps <= SPILL_ROWS or not _storage.is_mapped(data.values):
            return self._model_inputs(data, owner=owner)  # checks the static covariates too
        if self.static_indices_:
            _inputs.check_static(data, self.static_indices_, _inputs.column_names(self), owner)

        def chunk(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
            return self._model_inputs(data, rows, owner=owner, check_statics=False)

        return _inputs.spilled(chunk, data.n_timesteps)

    def _stamps(self, data: SequenceData, owner: str) -> np.ndarray:
        """Return the time stamps as numbers (hours for datetimes), refusing data without."""
        stamps = _time.stamps_as_numbers(data)
        if stamps is None:
            raise ValueError(
                f"{owner}: this model reads the time between rows (time_gaps_), but X has no "
                "time stamps. Pass X with its stamps as in fit (a DataFrame with a time index, "
                "or a SequenceData with time)."
            )
        return stamps

    # ------------------------------------------------------------------ predict
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
        data = _inputs.check_X(self, X, groups, reset=False)
        return _inputs.in_caller_order(data, self._predict(data))

    def _by_series(
        self, data: SequenceData, compute: Callable[[SequenceData], np.ndarray]
    ) -> np.ndarray:
        """Return ``compute(data)``, computed on whole series a bounded number of rows at a time.

        ``compute`` returns one entry per row (first axis); rows of different series never
        meet in it, so the pieces are what one call on all rows would give.
        """
        if data.n_timesteps <= PREDICT_ROWS_PER_PASS or data.n_series == 1:
            return compute(data)
        result = None
        for begin, end in _segments.series_chunks(data.offsets, PREDICT_ROWS_PER_PASS):
            part = compute(data._rows(slice(begin, end)))
            if result is None:
                result = np.empty((data.n_timesteps, *part.shape[1:]), part.dtype)
            result[begin:end] = part
        return result

    def _predict(self, data: SequenceData) -> np.ndarray:
        return self._by_series(data, self._predict_rows)

    def _predict_rows(self, data: SequenceData) -> np.ndarray:
        next_step = self._outputs(data, self.module_.next_step)
        predictions = self._in_units(next_step)
        predictions[self._unknown_next(data)] = np.nan
        return predictions[:, 0] if self.y_ndim_ == 1 else predictions

    def _unknown_next(self, data: SequenceData) -> np.ndarray:
        """Rows whose next row's known-future covariates ``X`` does not hold (its series' last).

        Their one-step forecast would need them: `predict` gives NaN there, and `forecast`
        takes them from ``future=``.
        """
        return data.offsets[1:] - 1 if self.future_indices_ else np.array([], dtype=np.int64)

    def _outputs(
        self, data: SequenceData, select: Any = None, rows: np.ndarray | None = None
    ) -> torch.Tensor:
        """Return the network's standardised outputs at ``rows`` (all by default).

        Shape (len(rows), horizon, levels, targets); ``select`` keeps part of each chunk of
        outputs (see `_inference.one_step`).
        """
        values, observed = self._model_inputs(data)
        readable = shared_tensor(self.input_scaler_.fill_missing(values, observed), self.device_)
        standardize = self.input_scaler_.to_torch(readable.device)
        rows = np.arange(data.n_timesteps) if rows is None else rows
        return _inference.one_step(
            self.module_, readable, data.offsets, rows, self.context_length, standardize, select
        )

    def _quantiles(self, outputs: torch.Tensor, margins: np.ndarray | None = None) -> np.ndarray:
        """Calibrated quantiles in the targets' units, from standardised outputs.

        ``outputs``: (..., steps, n_levels, n_targets) for the first ``steps`` horizon steps;
        ``margins`` broadcastable to (..., steps, n_pairs, n_targets): the nominal conformal
        margins by default.
        """
        values = self.target_scaler_.inverse(outputs.cpu().numpy())
        if self.conformal_margins_ is not None:
            if margins is None:
                margins = self._nominal_margins(outputs.shape[-3])
            values = _intervals.apply_margins(
                values, margins, self.quantiles_, self.module_.output.point_index
            )
        return self._within_bounds(values)

    def _in_units(self, outputs: torch.Tensor) -> np.ndarray:
        """Return standardised network outputs in the targets' units, within their bounds."""
        return self._within_bounds(self.target_scaler_.inverse(outputs))

    def _within_bounds(self, values: np.ndarray) -> np.ndarray:
        """Clip to the bounds (last axis: targets).

        The network's outputs are inside already (a transform in the model); this removes the
        float rounding of turning them back into units, and stops widened intervals at them.
        """
        if getattr(self, "bounds_", None) is None:
            return values
        return np.clip(values, self.bounds_[:, 0], self.bounds_[:, 1])

    def _adapted_margins(
        self, outputs: torch.Tensor, data: SequenceData, rows: np.ndarray, steps: int
    ) -> np.ndarray:
        """Margins of the forecasts made at ``rows``, adapted along each series.

        ``rows``: consecutive rows of each series, series after series, in time order;
        ``outputs`` the network's outputs there. Adaptive conformal inference runs along them
        (autoregressive models: the outcomes are the next rows of ``data``; with ``y`` or
        ``adaptation_rate=0``, the nominal margins). Returns margins of shape
        (len(rows), steps, n_pairs, n_targets).
        """
        table = self.conformal_margins_[:, :steps]
        if not self.autoregressive_ or self.adaptation_rate == 0:
            return np.broadcast_to(self._nominal_margins(steps), (len(rows), *table.shape[1:]))
        raw, series, truth, weight = self._adaptation_inputs(outputs, data, rows, steps)
        # Series of similar lengths, padded to a common count of origins, run together (one
        # vectorised pass per group; sorting by length keeps the padding small).
        _, first, counts = np.unique(series, return_index=True, return_counts=True)
        margins = np.empty((len(rows), steps, *table.shape[2:]))
        by_length = np.argsort(counts, kind="stable")
        for group in np.array_split(by_length, max(1, len(counts) // SERIES_PER_PASS)):
            index = np.concatenate([np.arange(first[i], first[i] + counts[i]) for i in group])
            which = np.repeat(np.arange(len(group)), counts[group])
            position = np.arange(len(index)) - np.repeat(np.cumsum(counts[group]) - counts[group],
                                                          counts[group])  # fmt: skip
            shape = (len(group), counts[group].max())
            padded = np.zeros(shape + raw.shape[1:])
            padded[which, position] = raw[index]
            padded_truth = np.zeros(shape + truth.shape[1:])
            padded_truth[which, position] = np.where(weight[index], truth[index], 0.0)
            padded_weight = np.zeros(shape + weight.shape[1:], bool)
            padded_weight[which, position] = weight[index]
            margins[index] = _intervals.adaptive_margins(
                table, padded, padded_truth, padded_weight, self.quantiles_, self.adaptation_rate
            )[which, position]
        return margins

    def _adaptation_inputs(
        self, outputs: torch.Tensor, data: SequenceData, rows: np.ndarray, steps: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return what adaptive conformal inference reads at the forecasts made after ``rows``.

        The raw quantiles in the targets' units ``(len(rows), steps, levels, targets)``, each
        row's series, and the outcomes of every step with where they count (inside the series,
        finite and observed): ``(len(rows), steps, targets)`` each.
        """
        scaler = self.target_scaler_
        raw = outputs[:, :steps].cpu().numpy().astype(np.float64) * scaler.scale + scaler.mean
        series = np.searchsorted(data.offsets, rows, side="right") - 1
        ahead, inside = horizon_rows(rows, data.offsets[series + 1], steps)
        columns = np.asarray(self.target_indices_)
        truth = data.values[ahead[..., None], columns].astype(np.float64)
        weight = inside[..., None] & np.isfinite(truth)
        if data.mask is not None:
            weight &= data.mask[ahead[..., None], columns]
        return raw, series, truth, weight

    def _nominal_margins(self, steps: int) -> np.ndarray:
        """Return the validation margins of the first ``steps`` steps: (steps, pairs, targets)."""
        table = self.conformal_margins_[:, :steps]
        nominal = _intervals.nominal_alphas(self.quantiles_)[None, :, None]
        return _intervals.margins_at(table, np.broadcast_to(nominal, table.shape[1:]))

    def _levels(self, quantiles: Any, owner: str) -> list[int]:
        """Positions among ``quantiles_`` of the levels asked for (True: all)."""
        if self.quantiles_ is None:
            raise ValueError(
                f"{owner}: this model forecasts points only; fit it with quantiles, e.g. "
                "LSTMForecaster(quantiles=(0.1, 0.5, 0.9)), for quantile forecasts."
            )
        if quantiles is True:
            return list(range(len(self.quantiles_)))
        wanted = [quantiles] if isinstance(quantiles, (int, float)) else list(quantiles)
        positions = []
        for level in wanted:
            matches = [i for i, q in enumerate(self.quantiles_) if abs(q - float(level)) < 1e-9]
            if not matches:
                raise ValueError(
                    f"{owner}: the model forecasts the quantile levels {list(self.quantiles_)}; "
                    f"{level!r} is not one of them (fit with it in quantiles to get it)."
                )
            positions.append(matches[0])
        return positions

    def predict_quantiles(self, X: Any, groups: Any = None, quantiles: Any = True) -> np.ndarray:
        """One-step quantile forecasts for every row, calibrated.

        Calibrated on the validation data (``conformal_margins_``) and, for a model fitted
        without ``y``, adapted along each series of ``X`` to the outcomes seen so far
        (``adaptation_rate``): row ``t`` uses only the outcomes up to row ``t``.

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
            Rows in time order; the same columns as in `fit`.
        groups : array-like of shape (n_timesteps,), optional
            Series id of each row.
        quantiles : True, float or list of float, default=True
            The levels to return, among ``quantiles_``; True: all.

        Returns
        -------
        ndarray of shape (n_timesteps, n_targets, n_levels)
            Row ``t``: the forecast made from the rows up to ``t``, as for `predict`; the
            levels in increasing order along the last axis (they never cross).
            ``(n_timesteps, n_levels)`` when ``y`` was 1-D.
        """
        check_is_fitted(self, "module_")
        positions = self._levels(quantiles, "LSTMForecaster.predict_quantiles")
        data = _inputs.check_X(self, X, groups, reset=False)
        values = self._by_series(data, partial(self._quantile_rows, positions=positions))
        values = _inputs.in_caller_order(data, values)
        return values[:, 0] if self.y_ndim_ == 1 else values

    def _quantile_rows(self, data: SequenceData, positions: list[int]) -> np.ndarray:
        """Return the levels ``positions`` of each row's one-step forecast: (n, targets, levels)."""
        outputs = self._outputs(data, lambda output: output[:, :1])  # the first step only
        margins = None
        if self.conformal_margins_ is not None:
            margins = self._adapted_margins(outputs, data, np.arange(data.n_timesteps), 1)
        values = self._quantiles(outputs, margins)[:, 0][:, positions]  # (n, levels, targets)
        values = values.transpose(0, 2, 1)
        values[self._unknown_next(data)] = np.nan
        return values

    def predict_interval(
        self, X: Any, groups: Any = None, coverage: float = 0.8
    ) -> tuple[np.ndarray, np.ndarray]:
        """One-step prediction intervals: the calibrated pair of quantiles around the median.

        The interval of coverage ``c`` lies between the levels ``(1 - c) / 2`` and
        ``(1 + c) / 2``, which the model must forecast (``quantiles=(0.1, 0.9)`` gives 0.8).
        Calibrated on the validation data by conformalised quantile regression: over new data
        like the validation data, a fraction ``c`` of the values fall inside.

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
            Rows in time order.
        groups : array-like of shape (n_timesteps,), optional
            Series id of each row.
        coverage : float, default=0.8
            The probability the interval should hold the next value.

        Returns
        -------
        lower, upper : ndarrays shaped like `predict`'s output
        """
        check_is_fitted(self, "module_")
        owner = "LSTMForecaster.predict_interval"
        coverage = _validation.check_real("coverage", coverage, 0, 1, lower_open=True,
                                          upper_open=True, owner=owner)  # fmt: skip
        wanted = [round((1 - coverage) / 2, 12), round((1 + coverage) / 2, 12)]
        self._levels(True, owner)  # a point model: a clear error
        if not all(any(abs(q - w) < 1e-9 for q in self.quantiles_) for w in wanted):
            raise ValueError(
                f"{owner}: an interval of coverage {coverage:g} lies between the quantile "
                f"levels {wanted[0]:g} and {wanted[1]:g}, but the model forecasts "
                f"{list(self.quantiles_)}; fit it with quantiles=({wanted[0]:g}, "
                f"{wanted[1]:g}) (with others if you like) for this coverage."
            )
        levels = self._levels(wanted, owner)
        quantiles = self.predict_quantiles(X, groups)
        return quantiles[..., levels[0]], quantiles[..., levels[1]]

    def forecast(
        self, X: Any, steps: int, groups: Any = None, quantiles: Any = None, future: Any = None
    ) -> Any:
        """Forecast the target columns ``steps`` rows after the end of each series.

        Up to ``horizon_`` steps are read directly from one pass over the history (the last
        ``context_length`` rows); further steps repeat this from the point forecasts fed back
        as history, ``horizon_`` at a time. Calendar features are computed for the future time
        stamps. Covariates by role:

        - **known-future** (``future_covariates``): their values over the forecast period come
          from ``future``; the forecast of step ``k`` reads them up to step ``k``;
        - **static** (``static_covariates``): each series' value, unchanged;
        - **past** (every other column that is not a target): read up to the end of ``X``
          only. The direct outputs need nothing after it, so forecasts go up to ``horizon_``
          steps; further ahead they would need past covariates that nobody knows yet, so
          ``steps > horizon_`` is refused (rather than forecasting the covariates, which the
          model was not trained to do): fit with a longer ``horizon``.

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
            The history, rows in time order.
        steps : int
            How far to forecast.
        groups : array-like of shape (n_timesteps,), optional
            Series id of each row; every series is forecast.
        quantiles : None, True, float or list of float, default=None
            Quantile levels to forecast too (among ``quantiles_``; True: all), calibrated as
            in `predict_interval`. Only up to ``horizon_`` steps: further ahead, forecasts fed
            back would understate the uncertainty.
        future : DataFrame or array-like, optional
            The known-future covariates over the forecast period, needed when the model has
            ``future_covariates``. A DataFrame with those columns (others are ignored) and
            ``steps`` rows per series, in time order: indexed by time for one series, or by
            (series id, time) (a ``MultiIndex``) for several; its stamps become the
            forecast's. Or an array of shape ``(n_series, steps, n_future)`` (``(steps,
            n_future)`` for one series), the series in the order of ``X``.

        Returns
        -------
        DataFrame or ndarray
            With time stamps (a DataFrame with any time index: datetimes, numbers such as
            hours since a dose, or a RangeIndex; a SequenceData with time; or a ``future``
            DataFrame): a DataFrame indexed by the future time stamps (and the series id),
            the index levels named as the input's, one column per target, or with
            ``quantiles`` one per target and level named ``"{target}_q{level}"``. Otherwise
            (arrays) an array of shape (steps, n_targets), or (n_series, steps, n_targets)
            with groups; with ``quantiles`` a last axis of levels is added.

        Notes
        -----
        The future time stamps are those of ``future`` when it is a DataFrame; otherwise each
        series continues by its usual step (the most common time between its rows). For
        irregular series (visits, samples) that is an assumption: pass the planned times as
        ``future`` (a DataFrame indexed by them, with no columns if the model has no
        known-future covariates), and a model with ``time_gaps_`` forecasts for those times.
        """
        check_is_fitted(self, "module_")
        owner = "LSTMForecaster.forecast"
        steps = _validation.check_int("steps", steps, owner=owner)
        positions = self._check_forecast(steps, quantiles, owner)
        data = _inputs.check_X(self, X, groups, reset=False)
        ahead, times = self._future_values(future, data, steps, owner)
        if times is None and data.time is not None:
            times = _time.series_future_times(data, steps, owner=owner)
        margins = None
        if positions is not None and self.conformal_margins_ is not None:
            margins = self._final_margins(data, steps)
        points, levels = self._forecast_after(
            data, data.offsets[:-1], data.offsets[1:] - 1, steps, ahead, times, positions, margins
        )
        self._warn_divergence(points, data, owner)
        if levels is None:
            values, names = points, self.target_names_
        else:
            values = levels
            names = [
                f"{name}_q{self.quantiles_[i]:g}" for name in self.target_names_ for i in positions
            ]
        if times is not None:
            flat = values.reshape(*values.shape[:2], -1)
            return _inputs.forecast_frame(flat, times, data, names)
        return values if data.groups is not None else values[0]

    def _check_forecast(self, steps: int, quantiles: Any, owner: str) -> list[int] | None:
        """Refuse forecasts the model cannot make; return the quantile positions asked for."""
        if not self.autoregressive_:
            raise ValueError(
                f"{owner} forecasts the target columns of X from their history, so it needs a "
                "model fitted without y. For a model fitted with y, predict forecasts y one "
                "step ahead."
            )
        if self.module_.layout.past and steps > self.horizon_:
            names = _inputs.column_names(self)
            past = [names[i] for i in self.module_.layout.past if i < self.n_features_in_]
            raise ValueError(
                f"{owner}: the model reads past covariates {past} (columns that are neither "
                f"targets nor future or static covariates), known only up to the end of X, so "
                f"it forecasts up to horizon_={self.horizon_} steps; got steps={steps}. Fit "
                f"with horizon={steps}, pass the columns known in advance as "
                "future_covariates, or forecast them too (target=None)."
            )
        positions = None if quantiles is None else self._levels(quantiles, owner)
        if positions is not None and steps > self.horizon_:
            raise ValueError(
                f"{owner}: quantile forecasts go up to horizon_={self.horizon_} steps (beyond, "
                f"forecasts fed back would understate the uncertainty); got steps={steps}. Fit "
                f"with horizon={steps} for quantiles that far ahead, or ask for point forecasts."
            )
        return positions

    def _backtest_forecasts(
        self,
        data: SequenceData,
        firsts: np.ndarray,
        lasts: np.ndarray,
        steps: int,
        quantiles: Any,
        owner: str = "backtest",
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Return what `forecast` would give after each row ``lasts[i]``, all in one pass.

        The data cut after ``lasts[i]``, with the rows after it as ``future`` (their
        known-future covariates and time stamps): points ``(n, steps, n_targets)`` and, with
        ``quantiles``, the levels ``(n, steps, n_targets, n_levels)``.
        """
        positions = self._check_forecast(steps, quantiles, owner)
        ahead_rows = np.asarray(lasts)[:, None] + 1 + np.arange(steps)
        ahead = None
        if self.future_indices_:
            picked = (ahead_rows[..., None], np.asarray(self.future_indices_))
            ahead = data.values[picked]
            known = np.isfinite(ahead) if data.mask is None else data.mask[picked]
            if not known.all():
                names = _inputs.column_names(self)
                raise ValueError(
                    f"{owner}: the known-future covariates "
                    f"{[names[i] for i in self.future_indices_]} are missing in "
                    f"{int((~known).sum())} place(s) of the forecast periods; a forecast reads "
                    "them over its whole period. Fill them in X, or start the backtest later."
                )
        times = gaps = None
        if self.time_gaps_:  # the time to each row ahead, from the stamps of the rows themselves
            stamps = self._stamps(data, owner)
            within = np.diff(stamps[np.c_[lasts, ahead_rows]], axis=1)
            gaps = _time.gap_feature(within)[..., None].astype(np.float32)
        if steps > self.horizon_ and self.time_features_:  # calendar rows past the horizon
            times = [data.local_time[row] for row in ahead_rows]
        margins = None
        if positions is not None and self.conformal_margins_ is not None:
            margins = self._origin_margins(data, firsts, lasts, steps)
        return self._forecast_after(
            data, firsts, lasts, steps, ahead, times, positions, margins, owner, gaps
        )

    def _forecast_after(
        self,
        data: SequenceData,
        firsts: np.ndarray,
        lasts: np.ndarray,
        steps: int,
        ahead: np.ndarray | None,
        times: list[Any] | None,
        positions: list[int] | None,
        margins: np.ndarray | None,
        owner: str = "LSTMForecaster.forecast",
        gaps: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Forecast ``steps`` rows after each row ``lasts[i]`` from the rows read up to it.

        The core of `forecast` (which forecasts after each series' last row) and of
        `tsforecast.backtest` (after any rows): forecast ``i`` reads the last
        ``context_length`` rows of ``data`` up to ``lasts[i]`` of its series (which starts at
        ``firsts[i]``), never a later one. ``ahead``: the known-future covariates of the
        forecast periods, ``(n, steps, n_future)`` or None; ``times``: their stamps (one per
        forecast) or None; ``positions``: the quantile levels asked for (None: points only);
        ``margins``: their conformal margins, ``(n, steps, n_pairs, n_targets)`` or None;
        ``gaps``: the time-gap feature of each step (time-gap models; from ``times`` when
        None).

        Returns the point forecasts ``(n, steps, n_targets)`` and, with ``positions``, the
        quantiles ``(n, steps, n_targets, len(positions))`` (else None).
        """
        if len(lasts) > FORECASTS_PER_PASS:
            parts = []
            for begin in range(0, len(lasts), FORECASTS_PER_PASS):
                part = slice(begin, begin + FORECASTS_PER_PASS)
                parts.append(
                    self._forecast_after(
                        data,
                        firsts[part],
                        lasts[part],
                        steps,
                        None if ahead is None else ahead[part],
                        None if times is None else times[part],
                        positions,
                        None if margins is None else margins[part],
                        owner,
                        None if gaps is None else gaps[part],
                    )
                )  # fmt: skip
            points = np.concatenate([points for points, _ in parts])
            levels = None if positions is None else np.concatenate([level for _, level in parts])
            return points, levels
        layout = self.module_.layout
        if self.time_gaps_:  # the time from each forecast step to the next, known ahead
            if gaps is None:
                gaps = self._future_gaps(data, lasts, times, owner)
            ahead = gaps if ahead is None else np.concatenate([ahead, gaps], axis=2)
        L, n = self.context_length, len(lasts)
        rows, lengths = _inference.history_rows(firsts, lasts, L)  # only the rows read
        values, observed = self._model_inputs(data, rows.ravel(), owner=owner)
        if ahead is not None:  # the last row's known-future covariates of the next rows
            within = min(steps, self.horizon_) * ahead.shape[2]
            first = layout.ahead[0]
            last = (np.arange(n) * L + lengths - 1)[:, None]
            values[last, first + np.arange(within)] = ahead[:, : min(steps, self.horizon_)].reshape(
                n, -1
            )
            observed[last, first + np.arange(within)] = True
        recent = self.input_scaler_.transform(values, observed)
        history = torch.from_numpy(recent.reshape(n, L, -1)).to(self.device_)
        known = None
        if steps > self.horizon_ and layout.n_inputs > len(layout.targets):
            known = torch.from_numpy(self._known_rows(data, lasts, times, ahead, steps))
        future_values = _inference.roll_forward(self.module_, history, lengths, steps, L, known)
        points = self._in_units(self.module_.point(future_values))
        if positions is None:
            return points, None
        levels = self._quantiles(future_values, margins)[:, :, positions]
        return points, levels.transpose(0, 1, 3, 2)  # levels last

    def _warn_divergence(self, points: np.ndarray, data: SequenceData, owner: str) -> None:
        """Warn when a forecast leaves the training range by more than the range's width."""
        found = _bounds.divergence(points, getattr(self, "target_range_", None))
        if found is None:
            return
        series, step, target, value = found
        low, high = self.target_range_[target]
        named = "" if data.groups is None else f" of series {_inputs.series_ids(data)[series]!r}"
        warnings.warn(
            f"{owner}: the forecast{named} of {self.target_names_[target]!r} is {value:.4g} at "
            f"step {step}, far outside its training range ({low:.4g} to {high:.4g}): the "
            "model diverges when fed its own forecasts. Forecast fewer steps, fit with a "
            "longer horizon (direct forecasts), more data or epochs, or set bounds.",
            RuntimeWarning,
            stacklevel=3,
        )

    def _future_values(
        self, future: Any, data: SequenceData, steps: int, owner: str
    ) -> tuple[np.ndarray | None, list[Any] | None]:
        """Check ``future`` against the model and ``data``.

        Returns the known-future covariates of each series, shape ``(n_series, steps,
        n_future)`` (None for a model without them), and the future stamps of each series
        when ``future`` is a DataFrame (else None).
        """
        names = _inputs.column_names(self)
        wanted = [names[i] for i in self.future_indices_]
        if not wanted and self.time_gaps_ and isinstance(future, pd.DataFrame):
            return None, _inputs.future_frame(future, data, steps, [], owner)[1]  # its stamps
        if not wanted:
            if future is not None:
                raise ValueError(
                    f"{owner}: this model has no known-future covariates (future_covariates="
                    "None in fit), so it reads nothing from future=; leave it out."
                )
            return None, None
        shape = (data.n_series, steps, len(wanted))
        if future is None:
            raise ValueError(
                f"{owner}: this model reads the known-future covariates {wanted} over the "
                f"forecast period; pass future= with their values for the {steps} steps of each "
                f"series: a DataFrame indexed by time (by (series id, time) for several series) "
                f"with those columns, or an array of shape {shape}."
            )
        if isinstance(future, pd.DataFrame):
            return _inputs.future_frame(future, data, steps, wanted, owner)
        if data.metadata.get("panel_index"):
            raise ValueError(
                f"{owner}: X is a panel indexed by (series id, time), whose series are read in "
                "order of their ids, so an array would be matched to them by position; pass "
                "future as a DataFrame indexed by (series id, time) instead."
            )
        try:
            values = np.asarray(future, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{owner}: future must be a DataFrame or an array of numbers (the known-future "
                f"covariates {wanted}); got {type(future).__name__}."
            ) from None
        if values.ndim == 2 and data.n_series == 1:
            values = values[None]
        if values.shape != shape:
            raise ValueError(
                f"{owner}: future has shape {np.shape(future)}; expected {shape} (series, steps, "
                f"known-future covariates {wanted}), or {shape[1:]} for one series."
            )
        if not np.isfinite(values).all():
            raise ValueError(
                f"{owner}: future holds NaN or infinite values; the known-future covariates "
                f"{wanted} must be known for every forecast step."
            )
        return values.astype(np.float32), None

    def _future_gaps(
        self, data: SequenceData, lasts: np.ndarray, times: list[Any] | None, owner: str
    ) -> np.ndarray:
        """Return the gap feature of each step forecast after rows ``lasts``: (n, steps, 1)."""
        stamps = self._stamps(data, owner)
        last = stamps[lasts]
        future = np.stack([_time.as_numbers(t) for t in times])
        gaps = _time.gap_feature(np.diff(np.concatenate([last[:, None], future], axis=1), axis=1))
        return gaps[..., None].astype(np.float32)

    def _known_rows(
        self,
        data: SequenceData,
        lasts: np.ndarray,
        times: list[Any] | None,
        ahead: np.ndarray | None,
        steps: int,
    ) -> np.ndarray:
        """Standardised input rows of the forecast period, but for the targets (fed back).

        Static covariates repeat the row ``lasts[i]``; known-future ones come from
        ``ahead``; calendar features from ``times``. Shape ``(n_series, steps, n_inputs)``.
        """
        layout = self.module_.layout
        n_series, n_features = len(lasts), self.n_features_in_
        raw = np.zeros((n_series, steps, layout.n_inputs), np.float32)
        seen = np.ones(raw.shape, bool)
        seen[..., self.target_indices_] = False  # filled with the mean, replaced when fed back
        statics = self.static_indices_
        if statics:
            raw[..., statics] = data.values[lasts][:, None, statics]
        if self.time_features_:
            calendar = np.stack(
                [_time.encode_time(stamps, self.time_features_) for stamps in times]
            )
            raw[..., n_features : n_features + calendar.shape[2]] = calendar
        if ahead is not None:
            n_covariates = len(self.future_indices_)
            raw[..., self.future_indices_] = ahead[..., :n_covariates]
            if self.time_gaps_:  # the row's own gap, after the calendar columns
                raw[..., layout.ahead[0] - 1] = ahead[..., n_covariates]
            n_future, first = ahead.shape[2], layout.ahead[0]
            for k in range(1, self.horizon_ + 1):  # row s holds the covariates of row s + k
                columns = first + (k - 1) * n_future + np.arange(n_future)
                raw[:, : steps - k, columns] = ahead[:, k:]
                seen[:, max(steps - k, 0) :, columns] = False  # after the period: unknown
        scaled = self.input_scaler_.transform(
            raw.reshape(-1, layout.n_inputs), seen.reshape(-1, layout.n_inputs)
        )
        return scaled.reshape(raw.shape)

    def _final_margins(self, data: SequenceData, steps: int) -> np.ndarray:
        """Return the margins of forecasts from each series' end, adapted along its last rows."""
        stops = data.offsets[1:]
        lengths = np.minimum(np.diff(data.offsets), ADAPTATION_WINDOW)
        # Series after series, a bounded number of rows at a time (memory independent of the
        # number of series).
        group = np.cumsum(lengths) // ADAPTATION_ROWS_PER_PASS
        margins = []
        for chunk in np.split(np.arange(len(lengths)), np.flatnonzero(np.diff(group)) + 1):
            # Those series alone (whole series: the same outputs), so that each pass reads
            # only their rows.
            begin, end = int(data.offsets[chunk[0]]), int(data.offsets[chunk[-1] + 1])
            part = data if (begin, end) == (0, data.n_timesteps) else data._rows(slice(begin, end))
            ends = np.cumsum(lengths[chunk])
            rows = np.arange(ends[-1]) + np.repeat(stops[chunk] - begin - ends, lengths[chunk])
            outputs = self._outputs(part, lambda output: output[:, :steps], rows)
            margins.append(self._adapted_margins(outputs, part, rows, steps)[ends - 1])
        return np.concatenate(margins)  # each series' last origin

    def _origin_margins(
        self, data: SequenceData, firsts: np.ndarray, lasts: np.ndarray, steps: int
    ) -> np.ndarray:
        """Return the margins `forecast` would give after each row ``lasts[i]``, in one pass.

        As `_final_margins` on the data cut after ``lasts[i]``: adaptive conformal inference
        along the last ``ADAPTATION_WINDOW`` rows up to it (from ``firsts[i]``, its series'
        start), for every origin at once. The network's outputs at the rows of all windows
        are computed once (a window's forecasts of rows after its origin are never compared
        with their outcomes); the recursions run side by side, each window front-padded with
        rows that count for nothing. Shape ``(n, steps, n_pairs, n_targets)``.
        """
        table = self.conformal_margins_[:, :steps]
        n = len(lasts)
        if not self.autoregressive_ or self.adaptation_rate == 0:
            return np.broadcast_to(self._nominal_margins(steps), (n, *table.shape[1:]))
        lasts = np.asarray(lasts, dtype=np.int64)
        starts = np.maximum(np.asarray(firsts, dtype=np.int64), lasts + 1 - ADAPTATION_WINDOW)
        lengths = lasts + 1 - starts
        # The rows of all windows, once each: where the count of windows covering a row is > 0.
        covering = np.zeros(data.n_timesteps + 1, np.int64)
        np.add.at(covering, starts, 1)
        np.add.at(covering, lasts + 1, -1)
        needed = np.flatnonzero(np.cumsum(covering[:-1]) > 0)
        outputs = self._outputs(data, lambda output: output[:, :steps], needed)
        raw, _, truth, weight = self._adaptation_inputs(outputs, data, needed, steps)
        truth = np.where(weight, truth, 0.0)
        margins = np.empty((n, *table.shape[1:]))
        per_origin = max(1, int(lengths.max()) * raw[0].size)
        for chunk in np.array_split(np.arange(n), max(1, n * per_origin // 2**23)):
            width = int(lengths[chunk].max())
            # Position j of window i is row lasts[i] - width + 1 + j; rows before the window's
            # start are padding (weight False: they leave the recursion at its start).
            rows = lasts[chunk, None] - width + 1 + np.arange(width)
            real = rows >= starts[chunk, None]
            at = np.searchsorted(needed, np.where(real, rows, needed[0]))
            windows = np.where(real[..., None, None, None], raw[at], 0.0)
            counted = real[..., None, None] & weight[at]
            adapted = _intervals.adaptive_margins(
                table, windows, truth[at], counted, self.quantiles_, self.adaptation_rate
            )
            margins[chunk] = adapted[:, -1]
        return margins

    def score(self, X: Any, y: Any = None, groups: Any = None) -> float:
        """R² of the one-step forecasts (so cross_val_score and GridSearchCV need no scorer).

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData
            Rows in time order.
        y : array-like, optional
            Supervised mode: the truth for every row. Autoregressive mode: leave None; the
            truth is the next row of ``X`` in the same series (its observed values only, when
            ``X`` is a `SequenceData` with a mask).
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
        if self.autoregressive_ and y is not None:
            raise ValueError(
                "LSTMForecaster.score: this model was fitted without y, so its truth is the next "
                "row of X in the same series; call score(X) without y (or fit with y to learn y)."
            )
        data = _inputs.check_X(self, X, groups, reset=False)
        predictions = self._predict(data)
        if not self.autoregressive_:
            return float(r2_score(_inputs.check_y(y, data), predictions))
        return r2_of_next_rows(data, predictions, self.target_indices_, "LSTMForecaster.score")

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Save a fitted model to the directory ``path`` (created with its parents).

        Four files: ``params.json`` (hyperparameters), ``state.json`` (scaler, columns,
        history), ``weights.pt`` (a plain tensor dictionary) and ``checksums.json`` (a SHA-256
        of each). Loading never executes code from the files (`torch.load` with
        ``weights_only=True``) and refuses any file that was altered.

        Parameters
        ----------
        path : path
            The directory. It must not exist yet, or be empty.
        overwrite : bool, default=False
            Replace a model saved at ``path`` before (a directory holding anything else is
            never replaced).

        Returns
        -------
        Path
            The directory.

        Raises
        ------
        FileExistsError
            If ``path`` exists and may not be replaced.

        Notes
        -----
        In a distributed fit (``torchrun``) every rank holds the same model, and only rank 0
        writes: on the other ranks `save` writes nothing and returns the path at once (no
        collective call, so ``if rank == 0: model.save(path)`` is fine too). Before reading
        the files from another rank, wait for rank 0 (``torch.distributed.barrier()``).
        """
        check_is_fitted(self, "module_")
        ranks = self._ranks()
        if ranks is not None and ranks.rank != 0:
            return Path(path)
        return _persistence.save_model(self, path, overwrite=overwrite)

    @classmethod
    def load(cls, path: str | Path, *, device: str | None = None) -> LSTMForecaster:
        """Load a model saved with `save`.

        Parameters
        ----------
        path : path
            The model directory.
        device : str, optional
            Where to put the weights; the saved ``device`` parameter by default.

        Returns
        -------
        LSTMForecaster

        Raises
        ------
        FileNotFoundError
            If the directory or one of its files is missing.
        ValueError
            If a file is unreadable, altered or does not match the others.
        """
        return _persistence.load_model(cls, path, device)

    # ------------------------------------------------------------------ pickling and tags
    def __getstate__(self) -> dict[str, Any]:
        """Pickle with the network on the CPU, so pickles do not depend on a device."""
        state = self.__dict__.copy()
        module = state.get("module_")
        if module is not None and any(p.device.type != "cpu" for p in module.parameters()):
            # Module.cpu() moves in place: pickle a CPU copy and leave the live model be.
            state["module_"] = copy.deepcopy(module).cpu()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle, moving the network to the ``device`` parameter's device."""
        self.__dict__.update(state)
        if "module_" in state:
            try:
                device = self._resolve_device()
            except ValueError:  # fitted on a GPU, unpickled where torch sees none
                device = torch.device("cpu")
                warnings.warn(
                    f"{type(self).__name__}: pickled with device={self.device!r}, which this "
                    "machine does not have; the model runs on the CPU (set_params(device="
                    "'cpu') silences this).",
                    UserWarning,
                    stacklevel=2,
                )
            self.device_ = str(device)
            self.module_ = self.module_.to(device)

    def __sklearn_tags__(self):
        """Return scikit-learn's tags: ``y`` optional, several targets allowed."""
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.target_tags.multi_output = True
        return tags
