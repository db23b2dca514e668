"""What an estimator reads (``X``, ``y``, ``groups`` into one `SequenceData`), and returns.

Arrays and DataFrames are validated with scikit-learn's rules (which also record
``n_features_in_`` and ``feature_names_in_`` on the estimator); a `SequenceData` was validated
when it was built. Either way the estimator then works on one record of the data: its values,
observed mask, series offsets and ids, and time stamps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_array, check_consistent_length, validate_data

from tsforecast import _spacing, _time
from tsforecast._checks import check_finite, first_entry, show
from tsforecast._index_stamps import check_stamps, datetime_stamps, integer_stamps, numeric_stamps
from tsforecast._sequence_checks import refuse_misread_index, warn_if_whole_numbers_rounded
from tsforecast._warnings import ignoring
from tsforecast.sequences import SequenceData, series_offsets

__all__ = [
    "check_X",
    "check_trainable",
    "check_y",
    "forecaster_tags",
    "in_caller_order",
    "in_data_order",
    "in_index_kind",
    "next_row_truth",
    "periods_as_stamps",
    "r2_of_next_rows",
    "series_ids",
]

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_X(estimator: Any, X: Any, groups: Any, *, reset: bool) -> SequenceData:
    """Validate ``X`` (and ``groups``) into a `SequenceData` with float32 values.

    Parameters
    ----------
    estimator : BaseEstimator
        Records ``n_features_in_``/``feature_names_in_`` when ``reset``; checks them
        otherwise.
    X : array-like, DataFrame or SequenceData of shape (n_timesteps, n_features)
        Rows in time order, series after series.
    groups : array-like of shape (n_timesteps,), optional
        Series id of each row.
    reset : bool
        True in fit, False at predict time.

    Returns
    -------
    SequenceData
    """
    name = type(estimator).__name__
    fitted_series = getattr(estimator, "n_series_in_", 1)
    # before reading X: its rows, read as one series, might fail a check of one series first
    # (its stamps "not in time order"), which would hide what is wrong
    if not reset and fitted_series > 1 and not _carries_ids(X, groups):
        _refuse_without_ids(name, fitted_series)
    try:
        data = _read_X(estimator, X, groups, reset=reset)
    except ValueError as error:  # a check shared below the estimator: say whose it is
        if type(error) is not ValueError or str(error).startswith(name):
            raise
        raise ValueError(f"{name}: {error}") from None
    if not reset:
        _spacing.check_same_step(getattr(estimator, "time_step_", None), data, name)
        # rows fit found regular ("auto"); time_gaps=False asks to read rows as they come
        found_regular = getattr(estimator, "time_gaps", "auto") == "auto"
        if found_regular and getattr(estimator, "time_gaps_", None) is False:
            _time.check_regular(data, name)
    if not reset and fitted_series > 1 and data.groups is None:
        _refuse_without_ids(name, fitted_series)
    if reset:
        estimator.n_series_in_ = data.n_series
    return data


def _carries_ids(X: Any, groups: Any) -> bool:
    """Whether ``X`` (with ``groups``) may say which rows belong to which series."""
    if groups is not None:
        return True
    if isinstance(X, SequenceData):
        return X.groups is not None
    return not (isinstance(X, pd.DataFrame) and not isinstance(X.index, pd.MultiIndex))


def _refuse_without_ids(name: str, fitted_series: int) -> None:
    """Refuse X without series ids for a model fitted on several series."""
    raise ValueError(
        f"{name}: this model was fitted on {fitted_series} series, but X carries no series "
        "ids, so its rows would be read as one series. Say which rows belong to which "
        "series: groups= (one id per row, or a column name), a DataFrame indexed by "
        "(series id, time), or a SequenceData with groups; for a single series, "
        "groups=numpy.zeros(len(X))."
    )


def _read_X(estimator: Any, X: Any, groups: Any, *, reset: bool) -> SequenceData:
    """Validate ``X`` (and ``groups``) into a `SequenceData`; see `check_X`."""
    name = type(estimator).__name__
    if not reset:
        X = _in_fitted_column_order(estimator, X)
    _refuse_series_and_empty(X, name)
    if not reset and groups is None:
        plain = _plain(estimator, X)
        if plain is not None:
            return plain
    if isinstance(X, SequenceData):
        if groups is not None and X.groups is not None:
            raise ValueError(
                f"{name}: X is a SequenceData with its own groups; do not pass groups= as well."
            )
        _check_columns(estimator, X.n_features, np.asarray(X.features, dtype=object), reset)
        if groups is None:
            return X
        offsets, ids = series_offsets(groups, X.n_timesteps)
        local = X.local_time
        return SequenceData._trusted(
            X.values, offsets, ids, groups=np.asarray(groups), mask=X.mask,
            local_time=local, features=X.features, time=X.time if local is None else None,
            metadata=X.metadata,
        )  # fmt: skip
    order, index_names, panel, periods = None, (None, None), False, None
    if isinstance(X, pd.DataFrame):
        X, periods = periods_as_stamps(X, name)
        panel = isinstance(X.index, pd.MultiIndex)
        group_name = groups if isinstance(groups, str) else None
        X, groups, order, level_name = _panel(X, groups, name)
        X, groups = _split_frame(X, groups, name)
        index_names = (group_name if level_name is None else level_name, X.index.name)
    elif isinstance(groups, str):
        raise ValueError(
            f"{name}: groups={groups!r} names a column, but X is an array without column names; "
            "pass one series id per row, or X as a DataFrame holding that column."
        )
    time = datetime_stamps(X)
    values = validate_data(
        estimator,
        X,
        reset=reset,
        dtype=[np.float32, np.float64],
        ensure_all_finite=False,
        ensure_min_samples=1,
    )
    values = as_float32(
        values, _names(X), "X", nan_is_missing=isinstance(X, pd.DataFrame), rows=order
    )
    offsets, ids = series_offsets(groups, values.shape[0])
    check_stamps(time, offsets, ids, groups is not None, name)
    groups = None if groups is None else np.asarray(groups)
    numeric = None if time is not None else numeric_stamps(X, offsets, name, order)
    return SequenceData._trusted(
        values, offsets, ids, groups=groups, local_time=time, time=numeric,
        metadata={"index_names": index_names, "panel_index": panel, "periods": periods,
                  "integer_time": integer_stamps(X, numeric)},
        row_order=order, mask=_missing_as_mask(values),
    )  # fmt: skip


def _refuse_series_and_empty(X: Any, owner: str) -> None:
    """Refuse a pandas Series and data without rows, saying what to pass instead.

    (scikit-learn's own messages would advise "a single row" for a Series, and "a minimum of
    1" sample where a series needs two to be fitted.)
    """
    if isinstance(X, pd.Series):
        raise TypeError(
            f"{owner}: X is a pandas Series; pass a DataFrame with one column per variable: "
            "X.to_frame() (its index, the time stamps or (series id, time), stays)."
        )
    if isinstance(X, (pd.DataFrame, np.ndarray)) and X.ndim == 2 and len(X) == 0:
        raise ValueError(
            f"{owner}: X has no rows. Pass the series' rows in time order: at least 2 per "
            "series to fit, the history to forecast from to predict."
        )
    if isinstance(X, pd.DataFrame):
        refuse_misread_index(X.index, owner)


def periods_as_stamps(X: pd.DataFrame, owner: str = "LSTMForecaster") -> tuple[pd.DataFrame, Any]:
    """Return ``X`` with periods (a PeriodIndex, or a panel's period time level) as stamps.

    Monthly or quarterly data often comes indexed by periods (statsmodels' datasets,
    ``to_period``); the model reads the periods' first instants, so that seasons and calendar
    features come from them as from a DatetimeIndex, and `in_index_kind` turns the forecasts'
    stamps back. Returns the frame (a new one when converted; ``X`` is not modified) and the
    periods' frequency (None for a frame without periods).
    """
    index = X.index
    panel = isinstance(index, pd.MultiIndex)
    if panel and index.nlevels != 2:
        return X, None  # not a (series id, time) panel: refused as such by `_panel`
    level = index.levels[-1] if panel else index
    if not isinstance(level, pd.PeriodIndex):
        return X, None
    if (index.get_level_values(-1) if panel else index).isna().any():
        raise ValueError(
            f"{owner}: the PeriodIndex of X has missing periods (NaT); fill them in, or drop "
            "those rows."
        )
    if panel:
        stamps = index.get_level_values(-1).to_timestamp(how="start")
        converted = pd.MultiIndex.from_arrays(
            [index.get_level_values(0), stamps], names=index.names
        )
    else:
        converted = index.to_timestamp(how="start")
    return X.set_axis(converted, axis=0), level.freq


def in_index_kind(stamps: Any, data: SequenceData) -> Any:
    """Return ``stamps`` in the kind of ``data``'s index: periods, integers, or as they are.

    Integers: whole-number stamps of data indexed by integers (years: 1971, not 1971.0).
    """
    if data.metadata.get("integer_time") and not isinstance(stamps, pd.DatetimeIndex):
        numbers = np.asarray(stamps)
        if np.issubdtype(numbers.dtype, np.floating) and (numbers == np.round(numbers)).all():
            whole = numbers.astype(np.int64)
            return pd.Index(whole, name=stamps.name) if isinstance(stamps, pd.Index) else whole
        return stamps
    freq = data.metadata.get("periods")
    if freq is None or not isinstance(stamps, pd.DatetimeIndex):
        return stamps
    return stamps.to_period(freq)


def _panel(
    X: pd.DataFrame, groups: Any, owner: str
) -> tuple[pd.DataFrame, Any, np.ndarray | None, Any]:
    """Read the series ids of a DataFrame indexed by (series id, time), sorting its rows.

    Returns ``X`` indexed by time alone, the ids, the caller's row that became each row
    (None when already sorted) and the id level's name; a frame without a MultiIndex comes
    back as it is, with ``groups``, None and None.
    """
    index = X.index
    if not isinstance(index, pd.MultiIndex):
        return X, groups, None, None
    if index.nlevels != 2:
        raise ValueError(
            f"{owner}: X's index has {index.nlevels} levels ({list(index.names)}); a panel is "
            "indexed by two, (series id, time)."
        )
    if groups is not None:
        raise ValueError(
            f"{owner}: X is indexed by (series id, time), which says the series already; do "
            "not pass groups= as well."
        )
    ids, stamps = index.get_level_values(0), index.get_level_values(1)
    kind = stamps.dtype
    if not (pd.api.types.is_datetime64_any_dtype(kind) or (
        pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind)
    )):  # fmt: skip
        raise TypeError(
            f"{owner}: the time level {index.names[1]!r} of X's index holds {kind} values "
            f"(e.g. {stamps[0]!r}), which do not sort as time; make it datetimes "
            "(pandas.to_datetime) or numbers (hours since a dose...)."
        )
    order = np.lexsort((pd.factorize(stamps, sort=True)[0], pd.factorize(ids, sort=True)[0]))
    if (order == np.arange(len(order))).all():
        order = None
        frame = X.set_axis(stamps, axis=0)
    else:
        frame = X.iloc[order].set_axis(stamps[order], axis=0)
        ids = ids[order]
    return frame, np.asarray(ids), order, index.names[0]


def _names(X: Any) -> list[str] | None:
    return [str(c) for c in X.columns] if isinstance(X, pd.DataFrame) else None


def as_float32(
    values: np.ndarray,
    names: list[str] | None,
    what: str,
    nan_is_missing: bool = False,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """``values`` as float32, refusing NaN/inf and numbers too large for float32 by name.

    ``nan_is_missing``: NaN marks a missing value (a DataFrame's), only inf is refused;
    ``rows``: the caller's row of each row (a sorted panel), said in messages.
    """
    converted = values.astype(np.float32, copy=False)
    if converted is not values:
        overflow = np.isfinite(values) & ~np.isfinite(converted)
        if overflow.any():
            row, column, named = first_entry(overflow, names)
            raise ValueError(
                f"Input {what} holds {int(overflow.sum())} value(s) too large for float32 (at "
                f"most {np.finfo(np.float32).max:.3g}); the first is {values[row, column]:g}, "
                f"in {named} at row {row if rows is None else rows[row]}. Rescale the column "
                "(e.g. divide it by a power of 10)."
            )
    observed = ~np.isnan(converted) if nan_is_missing else None
    check_finite(converted, observed, what, names=names, rows=rows)
    if converted is not values and len(values) > 1:
        _check_precision(values, converted, names, what)
    if converted is not values and values.dtype.itemsize > 4:
        warn_if_whole_numbers_rounded(values, converted, names, f"Input {what}")
    return converted


def _check_precision(
    values: np.ndarray, converted: np.ndarray, names: list[str] | None, what: str
) -> None:
    """Refuse a column whose variation float32 cannot hold (1e9 + small changes).

    float32 keeps about 7 significant digits: when rounding moves the values by more than a
    hundredth of their spread, the model would not see what varies.
    """
    with np.errstate(invalid="ignore"), ignoring(RuntimeWarning):  # all-NaN: no spread
        rounding = np.nanmax(np.abs(converted - values), axis=0)
        spread = np.nanstd(values, axis=0)
    lost = (spread > 0) & (rounding > 0.01 * spread)
    if lost.any():
        column = int(np.flatnonzero(lost)[0])
        named = f"column {column}" if names is None else f"column {names[column]!r}"
        level = float(np.nanmax(np.abs(values[:, column])))
        raise ValueError(
            f"Input {what}: {named} varies by about {spread[column]:.3g} around values as large "
            f"as {level:.3g}; float32, which the model computes in, keeps about 7 significant "
            "digits and would lose that variation. Subtract an offset first (e.g. X - "
            "X.mean()), or pass the changes instead of the levels."
        )


def _split_frame(X: pd.DataFrame, groups: Any, owner: str) -> tuple[pd.DataFrame, Any]:
    """Take a ``groups`` column out of ``X``; refuse time and text columns with the fix."""
    if isinstance(groups, str) or (
        groups is not None and not hasattr(groups, "__len__") and groups in X.columns
    ):
        if groups not in X.columns:
            raise ValueError(
                f"{owner}: groups={groups!r} is not a column of X (columns: "
                f"{[str(c) for c in X.columns][:10]}); pass a column name or one id per row."
            )
        X, groups = X.drop(columns=[groups]), X[groups].to_numpy()
    repeated = X.columns[X.columns.duplicated()]
    if len(repeated):
        raise ValueError(
            f"{owner}: X has the column name {repeated[0]!r} more than once; give every column "
            "its own name."
        )
    for column in X.columns:
        dtype = X[column].dtype
        if pd.api.types.is_datetime64_any_dtype(dtype):
            raise TypeError(
                f"{owner}: column {column!r} of X holds time stamps, not numbers. Make it the "
                f"index: X.set_index({column!r}) (the model then reads calendar features and "
                "stamps its forecasts from it)."
            )
        if pd.api.types.is_timedelta64_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
            raise TypeError(
                f"{owner}: column {column!r} of X holds {dtype} values, not numbers. Convert "
                f"it (e.g. X[{column!r}] / pandas.Timedelta(hours=1) for hours), or drop it."
            )
        if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            continue
        text = X[column]
        bad = text[text.map(lambda value: isinstance(value, (str, bytes)))]
        if len(bad):  # numbers written as text too ("0001": an id, or a number?)
            raise TypeError(
                f"{owner}: column {column!r} of X holds text (e.g. {show(bad.iloc[0])} at row "
                f"{show(bad.index[0])}), not numbers. If it names the series (a patient or station "
                f"id), pass groups={column!r}; if it holds numbers, convert it with "
                f"pandas.to_numeric(X[{column!r}]); otherwise drop or encode it."
            )
    return X, groups


def _plain(estimator: Any, X: Any) -> SequenceData | None:
    """Read plain float input at predict time without sklearn's validation, or return None.

    A float array (for a model fitted without names) or a float DataFrame named as in fit:
    all that validation would check is checked here.
    """
    names = getattr(estimator, "feature_names_in_", None)
    if (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype in FLOAT_DTYPES
        and 0 < X.shape[0]
        and X.shape[1] == estimator.n_features_in_
        and names is None
    ):
        values = X
    elif (
        isinstance(X, pd.DataFrame)
        and not isinstance(X.index, (pd.MultiIndex, pd.PeriodIndex))
        and 0 < len(X)
        and names is not None
        and X.columns.tolist() == names.tolist()
        and all(dtype in FLOAT_DTYPES for dtype in X.dtypes)
    ):
        values = X.to_numpy()
    else:
        return None
    values = as_float32(values, _names(X), "X", nan_is_missing=isinstance(X, pd.DataFrame))
    offsets, ids, time = np.array([0, len(values)]), np.array([0]), datetime_stamps(X)
    check_stamps(time, offsets, ids, False, type(estimator).__name__)
    numeric = None if time is not None else numeric_stamps(X, offsets, type(estimator).__name__)
    names = (None, X.index.name) if isinstance(X, pd.DataFrame) else (None, None)
    return SequenceData._trusted(
        values,
        offsets,
        ids,
        local_time=time,
        time=numeric,
        metadata={"index_names": names, "integer_time": integer_stamps(X, numeric)},
        mask=_missing_as_mask(values),
    )


def _check_columns(estimator: Any, n_features: int, names: np.ndarray, reset: bool) -> None:
    if reset:
        estimator.n_features_in_ = n_features
        estimator.feature_names_in_ = names
        return
    known = getattr(estimator, "feature_names_in_", None)
    if n_features != estimator.n_features_in_:
        detail = ""
        if known is not None and names is not None:
            missing = [str(n) for n in known if n not in set(names)]
            extra = [str(n) for n in names if n not in set(known)]
            detail = f" Missing: {missing[:5]}; not seen in fit: {extra[:5]}."
        raise ValueError(
            f"X has {n_features} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input.{detail}"
        )
    if known is not None and list(known) != list(names):
        raise ValueError(
            f"The feature names should match those that were passed during fit: got "
            f"{list(names)}, expected {list(known)}."
        )


def check_y(y: Any, data: SequenceData) -> np.ndarray:
    """``y`` checked alone (``X`` is validated already) and against the rows of ``data``."""
    try:
        y = check_array(  # 1-D or 2-D
            y, ensure_2d=False, dtype="numeric", input_name="y", ensure_all_finite=False
        )
    except ValueError as error:
        if any(words in str(error) for words in ("could not convert", "strings", "string to")):
            raise TypeError(
                f"y must hold numbers ({error}); this forecaster regresses, it does not classify "
                "labels. Encode a label column as numbers first, or leave y out."
            ) from None
        raise
    check_finite(
        y.reshape(len(y), -1), None, "y",
        fix="y is what the model learns to forecast: drop those rows of X and y together "
        "(keep = numpy.isfinite(y), then X[keep], y[keep]) or fill them.",
    )  # fmt: skip
    check_consistent_length(data.values, y)
    return in_data_order(data, y)


def in_data_order(data: SequenceData, rows: np.ndarray) -> np.ndarray:
    """Put per-row values given in the caller's row order into ``data``'s (sorted) order."""
    return rows if data._row_order is None else rows[data._row_order]


def in_caller_order(data: SequenceData, rows: np.ndarray) -> np.ndarray:
    """Put per-row results computed in ``data``'s order back into the caller's row order."""
    if data._row_order is None:
        return rows
    result = np.empty_like(rows)
    result[data._row_order] = rows
    return result


def next_row_truth(
    data: SequenceData, columns: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the truth of autoregressive one-step forecasts: each row's next row, same series.

    Returns
    -------
    rows : ndarray of int
        The rows (in ``data``'s order) whose series goes on after them.
    truth : ndarray of shape (len(rows), len(columns))
        The next row's values of ``columns``.
    seen : bool ndarray of the same shape
        Where that value was observed (not a fill of the adapter, not NaN).
    """
    every = np.arange(data.n_timesteps)
    rows = every[~np.isin(every + 1, data.offsets)]
    truth = data.values[rows + 1][:, columns]
    seen = np.isfinite(truth)
    if data.mask is not None:
        seen &= data.mask[rows + 1][:, columns]
    return rows, truth, seen


def check_trainable(data: SequenceData, owner: str) -> None:
    """Raise a clear error unless some series has the 2 rows that one example needs."""
    lengths = data.series_lengths
    if lengths.max() < 2:
        raise ValueError(
            f"{owner}: got {data.n_timesteps} sample(s) in series of at most {lengths.max()} "
            "row; a series needs at least 2 time steps (one to read, one to forecast). "
            "1 sample is not enough."
        )


def series_ids(data: SequenceData) -> list[Any]:
    """Return the series ids as plain Python values (for messages and comparisons)."""
    return [value.item() if isinstance(value, np.generic) else value for value in data.series_ids]


def forecaster_tags(tags: Any) -> Any:
    """Set scikit-learn's tags of a forecaster: ``y`` optional, several targets allowed."""
    tags.target_tags.required = False
    tags.target_tags.multi_output = True
    return tags


def _in_fitted_column_order(estimator: Any, X: Any) -> Any:
    """``X`` with its columns in fit's order, when it is a DataFrame of the same columns.

    The names say which column is which, so a DataFrame whose columns are those seen in fit
    in another order is read by name (a copy of the columns' order, not of the data's
    meaning); anything else is returned as it is (and checked as usual).
    """
    names = getattr(estimator, "feature_names_in_", None)
    if names is None or not isinstance(X, pd.DataFrame):
        return X
    fitted = [str(name) for name in names]
    given = list(X.columns)
    if given == fitted or len(given) != len(fitted) or sorted(map(str, given)) != sorted(fitted):
        return X
    if not all(isinstance(name, str) for name in given):
        return X
    return X[fitted]


def _missing_as_mask(values: np.ndarray) -> np.ndarray | None:
    """Return the observed mask of a DataFrame's values: False at NaN (None without NaN)."""
    missing = np.isnan(values)
    return ~missing if missing.any() else None


def r2_of_next_rows(
    data: SequenceData, predictions: np.ndarray, columns: list[int], owner: str
) -> float:
    """R² of one-step forecasts against each row's next row, averaged over the targets.

    Only observed values are truth (filled-in ones are an adapter's guesses), and rows without
    a forecast (NaN: too little history for a naive forecast) are left out; so is a target
    with fewer than 2 pairs.
    """
    rows, truth, seen = next_row_truth(data, columns)
    predicted = predictions[rows]
    seen &= np.isfinite(predicted)
    scores = [
        r2_score(truth[seen[:, j], j], predicted[seen[:, j], j])
        for j in range(truth.shape[1])
        if seen[:, j].sum() >= 2
    ]
    if not scores:
        raise ValueError(f"{owner}: fewer than 2 observed values to score.")
    return float(np.mean(scores))
