"""`LSTMForecaster`: a recurrent one-step forecaster with the scikit-learn estimator interface.

The estimator keeps the hyperparameters, the fitted state and the public methods; each method
is a short sequence of calls into `tsforecast._recurrent`, whose modules take small frozen
records built from the fitted state (`tsforecast._estimator.records`: `_input_rows`, what
the inputs are; `_decoder`, how outputs are decoded; `_adaptation`, how intervals adapt;
`_reader`, the network with what it reads), never the estimator itself. This file holds the
parameters and `fit`; the other methods are in `tsforecast._estimator`, a file per
capability (fitting steps, forecasting, persistence).
"""

from __future__ import annotations

from typing import Any

from sklearn.base import BaseEstimator, RegressorMixin

from tsforecast._boundary import forecaster_tags
from tsforecast._checks import check_params
from tsforecast._estimator.fitting import FittingSteps
from tsforecast._estimator.forecasting import ForecastingMethods
from tsforecast._estimator.persistence import PersistenceMethods
from tsforecast._estimator.records import FittedRecords
from tsforecast._recurrent.hyperparameters import HYPERPARAMETERS, loss_kind
from tsforecast._recurrent.threads import threads_for_fit

__all__ = ["LSTMForecaster"]


class LSTMForecaster(
    FittedRecords,
    FittingSteps,
    ForecastingMethods,
    PersistenceMethods,
    RegressorMixin,
    BaseEstimator,
):
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
    correction added to a linear function of the current row, which starts, per horizon step
    and target, as the best on the validation data of persistence, the least-squares line and,
    for targets forecast as changes (``target_transform``), seasonal naive with and without
    drift; with under 250 validation values at a step (a short series), as the average of
    those within 1.5 times the best one's MAE over all steps. The starting weights are
    validated like every epoch, so the kept model is never worse than them on the validation
    data. At the end of `fit` the network is scored on the validation data per step beside
    persistence, seasonal naive and the least-squares line (``baseline_scores_``); fit warns
    when it does not beat the best of them at some step (with under 250 values, over all
    steps and by more than 10%). Forecasts combined with a seasonal average
    (``seasonal_average``, short seasonal series) are judged instead: fit warns when
    persistence or seasonal naive errs over 10% less.

    Uncertainty: with ``quantiles``, every step is forecast at each quantile level (pinball
    loss; levels never cross); the point forecast is the median. The intervals between
    symmetric levels (0.1 and 0.9: 80%) are calibrated on the validation data by conformalised
    quantile regression (``conformal_margins_``), so that their coverage is at least the
    nominal one on data like the validation data; where it drifts, adaptive conformal inference
    along the history given to `predict_quantiles` and `forecast` (``adaptation_rate``) keeps
    the long-run coverage at the nominal one.

    Parameters
    ----------
    context_length : int or "auto", default="auto"
        Longest history the model reads (``context_length_``). "auto": 64 rows; on short
        series (none over 1,000 rows, 100,000 in all) four seasons, at most 64 (16 for
        quarterly data, 48 for monthly, 28 for daily), or 16 rows without a season: read 64
        rows at a time, a short series gives few distinct training blocks (the 20-region
        quarterly panel of the development set: MASE 1.30 with 16 rows, 1.51 with 64).
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
    adaptation_rate : float or "auto", default="auto"
        Step size of adaptive conformal inference (autoregressive models): along the history
        read by `predict_quantiles` and `forecast` (the last 1,000 rows of each series for
        `forecast`), each outcome outside its interval widens the next intervals of its step,
        and each inside narrows them, so that the fraction outside stays near the nominal one
        when the data drifts away from the validation data (as far as the widest validation
        margin reaches). An interval narrows at most to the calibration's interval for 1.5
        times the miscoverage, at most halfway from it to 1 (an 80% interval to the 70% one,
        a 30% one to the 15% one), so that rows the model was trained on, where its errors
        are small, shrink it little. "auto": after ``n`` outcomes of a series, a step of
        ``0.005 * sqrt(1000 / n)``, at most 0.02 (0.02 for the first 62 outcomes, 0.01
        after 250, 0.005 from 1,000 on): a short series adapts within its few dozen
        outcomes, a long one smoothly. 0: the validation margins only (split conformal). Read
        when forecasting: a `set_params` after `fit` changes the next intervals, no refit.
    validation_fraction : float or "auto", default="auto"
        Final fraction of each series held out to measure the validation loss (early stopping
        and the choice of the best weights, the start, the calibration of the intervals); 0 to
        train on everything. "auto": 0.2 on short series (none over 1,000 rows, 100,000 in
        all), where a tenth of a 108-month series would score 11 of its 24 horizon steps
        (on the classic development set, seeds 0-2: mean MASE 1.18 -> 1.12, 80% intervals
        nearer their coverage), 0.1 otherwise. The loss is measured
        on at most 8,192 of the held-out rows (a fixed random sample), which keeps validation
        cheap on large data.
    patience : int or None, default=50
        Stop after this many epochs without a better validation loss (None: never early).
        The best weights are restored either way. On small data an epoch is a batch or two,
        hence the generous default; ``max_time`` bounds the run as well.
    max_time : float or None, default=None
        Training time budget in seconds (of each member, with ``n_members``).
    n_members : int, default=1
        Networks trained, each with its own seed (the first with ``random_state`` itself:
        with an int seed it is the model ``n_members=1`` gives; the others with seeds drawn
        from it), that forecast as one: every output is the members' median, as the M4
        competition's winning LSTM hybrid averaged an ensemble. Intervals are calibrated, and
        baselines scored, on the ensemble's forecasts. Each member is one more training
        (with ``target_transform="auto"``, transforms are compared with one member, and
        those kept are trained with all). One by default: on ``bench_classic`` 3 members
        were within the seeds' spread of one, for 2-4 times the fit time.
    scale : {"auto", "series", "global"} or bool, default="auto"
        How inputs and targets are scaled inside the model; predictions come back in the
        data's units. "global" (or True): every column standardised with the training rows'
        mean and standard deviation. "series" (autoregressive mode): each series' targets, as
        the ``target_transform`` gives them, are first divided by their own mean absolute
        value over the rows given to `fit`, then standardised as "global": series whose
        sizes differ a thousandfold share one model, each weighs alike in the loss, and
        intervals are calibrated in each series' scale. "auto": "series" on panels forecast by
        "difference" or "seasonal_difference" (a 20-region panel with half the regions
        1,000 times larger: MASE 1.51 against 1.52-2.52 global), and on panels forecast as
        they are ("none") where some series' mean absolute value is below a hundredth of the
        pooled standard deviation; "global" otherwise (a log transform already puts series in
        relative units; on the PBC visits, forecast as they are, per-series scales from a
        patient's few visits gave MAE 0.510 against 0.445).
        False: no scaling. A series is known by its id: one `fit` saw keeps its scale (a
        warning names an id whose data now changes over 10 times more or less: another
        series under a reused id); a series `fit` did not see is scaled at each row by its
        history up to that row, so that no forecast reads the rows after its origin
        (`backtest` equals `forecast` on the cut history).
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
    time_features : "auto", None or list of {"hour", "weekday", "yearday", "month", \
"quarter"}, default="auto"
        Calendar features read beside ``X`` when it carries time stamps (a DataFrame with a
        DatetimeIndex, or a SequenceData with datetimes; local time): the sine and cosine of
        the time's place in the day, week or year ("month": the month's place in the year,
        "quarter": the quarter's). They are known in advance, so `forecast` reads them for
        future steps too. "auto" takes the hour of the day for data recorded more often than
        daily (on one year of hourly weather it lowered the next-hour temperature error by
        about 2%), nothing otherwise (month and quarter on the monthly and quarterly series of
        `bench_classic`: a 2% lower mean MASE, but results far more dependent on the seed).
        A model that uses them needs time stamps at predict time as well. None: never.
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
    target_transform : str or list of str, default="auto"
        What the network forecasts, series by series (autoregressive mode; forecasts always come
        back in the data's units): "none" (the targets), "log" (positive targets whose swing
        grows with their level), "difference" (the change from the previous row: a forecast
        relative to the level at its origin, so trends continue past the training range),
        "seasonal_difference" (the change from one season before), "log_difference" and
        "log_seasonal_difference" (relative changes: series of any size share one model).
        A list of distinct names: a model per transform (``transform_members_``), the
        forecasts, quantiles and intervals the median of theirs (beyond the horizon, of their
        paths, each model feeding its own forecasts back). "auto": on data of at most 100,000
        target values (rows times targets) with validation data, a model is fitted with each
        transform that suits the targets and scored on its forecasts from the last 40% of each
        series (the validation data and the training rows before it), in the data's units
        (``target_transform_scores_``; each fit has the whole ``max_time``): with a seasonal
        period two seasons of which fit in every series (validation rows included) and a
        change from one season before in the training rows, "seasonal_difference" and
        (positive targets) "log_seasonal_difference", with "difference" on short series
        and "none" on series over 1,000 rows; otherwise "none" and "difference". On short
        series (none over 1,000 rows) the best is combined with the other transforms of
        changes whose error is at most 3 times its own (each was trained in full to be
        compared; a model of the level is never combined); on longer ones they are compared
        after 30 epochs each (all of ``max_epochs`` if fewer), and the best is then trained in
        full (with a level's model within 10% of a best model of changes). On more values,
        with ``y``, known-future covariates or time gaps: "none" (a transform with ``y`` is
        refused: transform ``y`` yourself). Quantiles beyond the seasonal lag add up the
        spread of each step.
    seasonal_period : int, "auto" or None, default="auto"
        Rows in one season, for the seasonal naive forecaster the model is checked against
        (``baseline_scores_``) and the seasonal transforms. "auto": a day for data recorded
        more often than daily, a week for daily data (5 rows for business days), a year for
        weekly (52), monthly (12) and quarterly (4) data and their multiples (two-monthly:
        6), from the time stamps; none for yearly data or without time stamps. None: not
        checked against seasonal naive.
    seasonal_average : "auto" or float, default="auto"
        Weight in [0, 1] of the seasonal average (the last season's mean plus each position's
        deviation from its season's mean, averaged over up to 5 seasons) in every forecast:
        points move that far toward it, quantiles and intervals with them. "auto": on short
        series with a season, forecast from history alone, 0.5 unless the network alone errs
        under 1 / 1.5 times as much on the validation data (on 250 values or more: the
        weight of least error; scored as ``target_transform_scores_``), and on a panel so
        for each series on its own validation errors; 0 otherwise.
    device : str, default="auto"
        Torch device: "auto" (CUDA when available), "cpu", "cuda", "cuda:1"... or "mps"
        (Apple GPUs). A device this machine lacks is refused with the list of those it has.
    n_threads : int, "auto" or None, default="auto"
        CPU threads `fit` trains on (torch's setting is restored after). "auto": the cores
        other processes leave idle (sampled for 0.05 s before the fit, Linux; elsewhere
        torch's setting), at most torch's setting (``n_threads_``): beside one busy process
        on 2 cores, ``tsforecast demo``'s fit took 1.37 times its idle time (24.3 s against
        17.8 s), against 2.15 times on torch's 2 threads. None: torch's setting as it is.
    distributed : "auto" or bool, default="auto"
        "auto" (or True): inside an initialised ``torch.distributed`` process group of
        several processes (``torchrun``), train data-parallel: every rank must call `fit`
        with the same data; each draws from its own share of the series, and all end with
        the same weights (see the user guide, "Large data and several machines"). False: train
        in this process alone even inside a group (e.g. a fit on rank 0 only, which would
        otherwise wait for the other ranks).
    random_state : int, RandomState, Generator or None, default=None
        Seeds the weights and the block draws; the same seed gives the same model on CPU.
    verbose : int, default=0
        1 shows a progress bar with the losses.

    Attributes
    ----------
    module_ : RecurrentNet or MedianOfNetworks
        The trained torch network (on ``device_``); with ``n_members`` over 1, the members
        as one (``module_.members``), forecasting as their median.
    n_members_ : int
        Networks trained: ``n_members``, or fewer when training was interrupted (Ctrl-C
        stops after the member being trained).
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
    context_length_ : int
        The longest history read (``context_length`` with "auto" resolved).
    horizon_ : int
        Steps forecast at once.
    time_gaps_ : bool
        Whether the model reads the time between rows.
    time_step_ : float or None
        The median time between rows in fit, in hours (None: no datetime stamps, time gaps,
        or series at several spacings); history at another spacing is refused.
    validation_fraction_ : float
        The fraction of each series held out (``validation_fraction`` resolved).
    bounds_ : ndarray of shape (n_targets, 2) or None
        Each target's (low, high), -inf/inf where open; None without ``bounds``.
    target_range_ : ndarray of shape (n_targets, 2)
        Each target's lowest and highest (observed) value in fit: `forecast` warns when a
        forecast leaves it, widened by its series' history, by more than its width (with
        ``scale_ == "series"``: its series' history's range, where 8 values give one).
    quantiles_ : tuple of float or None
        The quantile levels forecast, sorted, 0.5 among them; None for a point model.
    seasonal_period_ : int or None
        Rows per season of the seasonal naive baseline (None: not scored).
    target_transform_ : TargetTransform
        The transform the network forecasts (its ``name`` and ``lag``, in rows; with
        ``scale_ == "series"``, each series' scale in ``series_scales``).
    n_threads_ : int or None
        The CPU threads the fit trained on (None: a model saved before this was recorded).
    scale_ : str
        The scaling fitted: "series", "global" or "none" (``scale`` with "auto" resolved).
    target_transform_scores_ : dict or None
        With several transforms (``"auto"`` comparing several, or a list): each one's error
        (MAE of forecasts from every row of the last 40% of each series, in the data's units,
        over the series' seasonal-naive MAE before them, averaged over series and targets;
        with "auto" on series over 1,000 rows, after 30 epochs, or in full for the transforms
        trained in full); None otherwise.
    seasonal_average_weight_ : float
        The seasonal average's weight in the forecasts (``seasonal_average`` resolved; on a
        panel, pooled over its series: the weight of a series fit did not see).
    seasonal_average_weights_ : dict or None
        Each series id's own weight, where "auto" chose one differing from the pooled one on
        some series of a panel; None: the pooled weight for all.
    seasonal_average_scores_ : dict or None
        Each weight's validation error when "auto" chose one (pooled); None otherwise.
    transform_members_ : list of LSTMForecaster
        With several transforms combined: the fitted models of the others, whose forecasts are
        combined with this one's (their median); empty otherwise. The other fitted attributes
        (``target_transform_``, ``history_``, ``baseline_scores_``...) are this model's, the
        one of least validation error.
    baseline_scores_ : dict or None
        Validation MAE per horizon step (``horizon_`` values each) of the network alone
        (``"model"``, not combined) and of ``"persistence"``, ``"seasonal_naive"`` and
        ``"linear"`` (least squares on the current row), all on the same held-out rows
        (forecasts made from every sampled validation row, as in training's check). In
        standardised units: each target's error divided by its training standard deviation
        (``target_scaler_.scale``; 1 with ``scale=False``, so the data's units then),
        averaged over the targets. None for a model fitted with ``y`` or without validation
        data; a baseline is None where it cannot be scored. With a target transform of
        changes (``target_transform_``), the naive forecasts are still the data's, and every
        error is that of the level the changes add up to (of the log, with a log), in
        standard deviations of the changes (divided by each series' scale with ``scale_ ==
        "series"``).
    conformal_margins_ : ndarray of shape (101, ``horizon_``, n_pairs, n_targets) or None
        Conformal calibration of each symmetric pair of quantile levels (widest pair first),
        per step and target, in the targets' units (the transformed target's, with a target
        transform; divided by each series' scale with ``scale_ == "series"``), at each
        miscoverage level 0, 0.01, ... 1 (the first axis): the margin by which the pair's
        interval is widened (where negative, each side narrowed by at most it) for that
        coverage, from the validation forecasts. At the pair's nominal level it is the
        margin of conformalised quantile regression. None for a point model,
        or without validation data (the intervals are then the raw quantiles, uncalibrated).
        With a target transform of changes, step ``k``'s margins are those of the forecast
        the changes add up to at that step (``calibration_lag_``).
    calibration_lag_ : int
        With a target transform of changes, its lag: the intervals were calibrated on the
        sums of the changes each step's forecast adds up (step ``k``'s change, plus step
        ``k - lag``'s, ...), which is what the forecast of the data at that step is, and not
        on each step's change alone, whose spreads add up too wide (an error in one value
        enters the change into it and, with the opposite sign, the change out of it). 0
        without a transform of changes, and for models saved before it was recorded (model
        files before format 11), whose margins are per change, as they were calibrated.
    interval_widening_ : ndarray of shape (``horizon_``, n_levels, n_targets) or None
        Where the forecasts combine several (``transform_members_``, the seasonal average),
        the factor (at least 1) by which each level's distance from the point forecast
        grows, per step and target, so that the combined intervals hold at least the
        nominal share of the validation outcomes (the levels of a pair share it; 1 for the
        median). None for forecasts that combine nothing, or without quantiles.
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
        Of an ensemble: "interrupted" or "nan" when any member stopped so, otherwise the
        first member's (``history_``, ``n_epochs_`` and ``best_epoch_`` are the first
        member's too).
    fit_seconds_ : float
        Wall-clock seconds of the training loop (validation included, data preparation not;
        of all members together).

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
        context_length: Any = "auto",
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
        validation_fraction: Any = "auto",
        patience: int | None = 50,
        max_time: float | None = None,
        n_members: int = 1,
        scale: Any = "auto",
        target: Any = None,
        future_covariates: Any = None,
        static_covariates: Any = None,
        bounds: Any = None,
        target_transform: str = "auto",
        time_features: Any = "auto",
        time_gaps: Any = "auto",
        seasonal_period: Any = "auto",
        seasonal_average: Any = "auto",
        adaptation_rate: float | str = "auto",
        device: str = "auto",
        n_threads: Any = "auto",
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
        self.n_members = n_members
        self.scale = scale
        self.target = target
        self.future_covariates = future_covariates
        self.static_covariates = static_covariates
        self.bounds = bounds
        self.target_transform = target_transform
        self.time_features = time_features
        self.time_gaps = time_gaps
        self.seasonal_period = seasonal_period
        self.seasonal_average = seasonal_average
        self.adaptation_rate = adaptation_rate
        self.device = device
        self.n_threads = n_threads
        self.distributed = distributed
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self) -> None:
        check_params(self, HYPERPARAMETERS)
        loss_kind(self.quantiles, self.loss)
        self._resolve_device()

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any = None, groups: Any = None) -> LSTMForecaster:
        """Train on the rows of ``X`` (and ``y``).

        Parameters
        ----------
        X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
            Rows in time order, series after series. NaN in a DataFrame is a missing value,
            as where a `SequenceData` mask marks one (read as the mean, never used as a
            target); NaN in an array, and inf anywhere, are refused. A DataFrame indexed by
            (series id, time) (a ``MultiIndex``) is a panel: its series are read from the
            index, in any row order (sorted by id, then time; predictions come back in the
            caller's order).
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
        with threads_for_fit(self.n_threads) as threads:
            scratch._fit(X, y, groups)
        for fitted in [scratch, *getattr(scratch, "transform_members_", [])]:
            fitted.n_threads_ = threads
        for name in [n for n in vars(self) if n.endswith("_") and not n.startswith("_")]:
            delattr(self, name)  # nothing of an earlier fit survives a successful one
        self.__dict__.update(scratch.__dict__)
        return self

    def __sklearn_tags__(self):
        """Return scikit-learn's tags: ``y`` optional, several targets allowed."""
        return forecaster_tags(super().__sklearn_tags__())
