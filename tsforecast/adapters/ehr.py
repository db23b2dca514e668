"""EHR-style tables (many patients, irregular visits, missing values) into `SequenceData`."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._checks import show
from tsforecast.adapters._stamps import parse_datetimes
from tsforecast.adapters._tables import (
    Source,
    check_column,
    check_columns,
    check_not_all_missing,
    numeric_columns,
    read_source,
    resolve_duplicates,
)
from tsforecast.sequences import SequenceData

__all__ = ["read_ehr"]

OWNER = "read_ehr"
DELTA = "time_since_previous"
# resample refuses a grid larger than this, or 100 rows per visit if that is more.
MAX_GRID_ROWS = 10_000_000


def read_ehr(
    source: Source,
    *,
    id_col: Hashable,
    time_col: Hashable,
    value_cols: Sequence[Hashable] | None = None,
    static_cols: Sequence[Hashable] | None = None,
    variable_col: Hashable | None = None,
    value_col: Hashable | None = None,
    keep: str = "error",
    leading_fill: str | float = "median",
    time_delta: bool = True,
    resample: Any = None,
    event_cols: Sequence[Hashable] = (),
    na_values: Sequence[str] | None = None,
    decimal: str = ".",
    thousands: str | None = None,
) -> SequenceData:
    """Read patient records into one series per patient.

    Two layouts: **wide** (one row per visit: id, time, one column per measurement; the
    default) and **long** (one row per measurement: id, time, variable name, value, as in
    MIMIC-style chart events; pass ``variable_col`` and ``value_col``).

    What happens, in order: rows are sorted by patient (numerically when every id is a
    number) and time; exact duplicate rows are
    dropped and visits sharing a patient and time follow ``keep``; optionally the visits are
    averaged onto a regular grid per patient (``resample``); missing measurements are marked
    False in ``mask`` and filled with the patient's last observation, or, before a patient's
    first observation of that measurement, with ``leading_fill``. Event columns (doses) are
    0 where nothing is recorded instead. No visit and no patient is dropped, even one without
    any value (its values are then filled and False in ``mask``).

    Patient ids are kept exactly: a file's id column is read as text (``007`` stays ``007``,
    apart from ``7``; spaces around a field are not part of it); in a DataFrame, ids of
    different types that print alike (``1`` and ``"1"``) are refused rather than merged or
    split silently.

    Parameters
    ----------
    source : path or DataFrame
        The table; never modified.
    id_col : hashable
        Patient id column.
    time_col : hashable
        Visit time: dates (any common format, or datetime64), durations (timedelta64, read in
        days) or numeric offsets (days since enrolment...).
    value_cols : sequence of hashable, optional
        Measurements to keep (wide: columns; long: variable names). By default, wide: every
        numeric column that changes within at least one patient; columns constant within every
        patient (sex, treatment, age at entry, but also outcomes such as follow-up time and
        status) are left out and listed in ``metadata["left_out"]``. Long: every variable.
    static_cols : sequence of hashable, optional
        Per-patient columns to add as constant features; text columns (``sex``) are one-hot
        encoded (``sex=f``, ``sex=m``). Each must be constant within every patient.
    variable_col, value_col : hashable, optional
        Long layout: the column naming the measurement and the column holding its value.
    keep : {"error", "first", "last", "mean"}, default="error"
        Rows with the same patient and time (and variable, for long tables) but different
        values: refused, or merged.
    leading_fill : "median", "mean", "zero" or float, default="median"
        Value for a measurement before the patient's first observation of it: the median or
        mean over all observations in the table, 0, or a given number. (Statistics over the
        whole table see every patient: fit-time use on a test split is a mild leak.)
    time_delta : bool, default=True
        Add the feature ``time_since_previous``: time since the patient's previous visit (0 at
        the first), in days for dates, in the time column's unit for numbers.
    resample : number, str or Timedelta, optional
        Put each patient on a regular grid from their first visit: the step as a number (numeric
        time) or a duration such as ``"90D"`` (dates). Visits in one step are averaged; steps
        without a visit are missing (False in ``mask``) and filled as above.
    event_cols : sequence of hashable, default=()
        Measurements that record events rather than states (doses given, procedures): 0 where
        a visit has none, not the last value carried forward; summed, not averaged, within a
        ``resample`` step; always True in ``mask``. Each must be one of the value columns
        (long layout: variables).
    na_values : sequence of str, optional
        Extra markers of missing values in the file.
    decimal : {".", ","}, default="."
        Decimal mark of the numbers in a file (``","`` for ``1,5``); semicolon-separated files
        are detected by themselves.
    thousands : {",", ".", " ", "'"}, optional
        Thousands mark of the numbers in a file (``","`` for ``1,234.5``); none by default.
        Both marks also read a DataFrame's text columns whose every value is such a number.

    Returns
    -------
    SequenceData
        ``groups`` holds the patient ids (patients of any length, one visit included);
        ``time`` the visit times; ``mask`` where measurements were observed; ``metadata`` has
        ``static``, ``left_out``, ``time_unit`` and ``n_patients``.

    Examples
    --------
    >>> import pandas as pd
    >>> visits = pd.DataFrame({"id": [2, 1, 1], "day": [0, 90, 0], "bili": [1.1, None, 14.5],
    ...                        "sex": ["m", "f", "f"]})
    >>> data = read_ehr(visits, id_col="id", time_col="day", value_cols=["bili"],
    ...                 static_cols=["sex"])
    >>> data.features
    ('bili', 'time_since_previous', 'sex=f', 'sex=m')
    >>> data.values.tolist()
    [[14.5, 0.0, 1.0, 0.0], [14.5, 90.0, 1.0, 0.0], [1.100000023841858, 0.0, 0.0, 1.0]]
    >>> data.mask[:, 0].tolist()
    [True, False, True]
    """
    return _read_patients(
        source, id_col=id_col, time_col=time_col, value_cols=value_cols,
        static_cols=static_cols, variable_col=variable_col, value_col=value_col, keep=keep,
        leading_fill=leading_fill, time_delta=time_delta, resample=resample,
        event_cols=event_cols, na_values=na_values, decimal=decimal, thousands=thousands,
    )  # fmt: skip


def _read_patients(
    source: Source,
    *,
    id_col: Hashable,
    time_col: Hashable,
    value_cols: Sequence[Hashable] | None = None,
    static_cols: Sequence[Hashable] | None = None,
    variable_col: Hashable | None = None,
    value_col: Hashable | None = None,
    keep: str = "error",
    leading_fill: str | float = "median",
    time_delta: bool = True,
    resample: Any = None,
    event_cols: Sequence[Hashable] = (),
    na_values: Sequence[str] | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    require_values: bool = True,
) -> SequenceData | None:
    """Return `read_ehr`'s result.

    ``require_values=False`` accepts a value column without any value: a chunk of a larger
    table, where another chunk may hold its values (`write_ehr` checks the whole table); a
    chunk of a long table without any row of the chosen variables then gives None.
    """
    frame = read_source(
        source, OWNER, na_values=na_values, decimal=decimal, thousands=thousands,
        text_columns=[id_col],
    )  # fmt: skip
    check_column(frame, id_col, OWNER, "id")
    check_column(frame, time_col, OWNER, "time")
    static_cols = [] if static_cols is None else check_columns(frame, static_cols, OWNER, "static")
    if (variable_col is None) != (value_col is None):
        raise ValueError(
            f"{OWNER}: a long table needs both variable_col and value_col; got only "
            f"{'variable_col' if value_col is None else 'value_col'}."
        )
    if frame[id_col].isna().any():
        row = frame.index[frame[id_col].isna()][0]
        raise ValueError(f"{OWNER}: patient id column {id_col!r} is empty at row {show(row)}.")

    if not isinstance(source, pd.DataFrame):  # read here: spaces around an id are not part of it
        frame[id_col] = frame[id_col].str.strip()
    _check_distinct_ids(frame[id_col], id_col)
    time, time_unit = _parse_time(frame[time_col], time_col)
    ids = frame[id_col]
    if variable_col is None:
        table, left_out = _wide(frame, id_col, time_col, value_cols, static_cols)
        table.insert(0, "__id__", ids.to_numpy())
        table.insert(1, "__time__", time)
        table = _in_patient_order(table)
        table = resolve_duplicates(table, ["__id__", "__time__"], OWNER, keep, "patient and time")
    else:
        table = _long(frame, ids, time, variable_col, value_col, value_cols, keep, require_values)
        left_out = []
    check_static(frame, ids, static_cols)
    static = _static_features(frame, ids, static_cols)
    if not len(table) and not require_values:
        return None  # a chunk of a long table without a row of the chosen variables

    values = table.drop(columns=["__id__", "__time__"])
    if require_values:
        check_not_all_missing(values, OWNER, "value_cols=[...]")
    events = _event_columns(event_cols, values.columns)
    patient = table["__id__"].to_numpy()
    time = table["__time__"]
    if resample is not None:
        values, patient, time = _resample(values, patient, time, resample, time_unit, events)
    observed = values.notna()
    observed[events] = True
    filled = values.groupby(patient, sort=False).ffill()
    filled[events] = values[events].fillna(0.0)
    filled = filled.fillna(_leading_values(values, leading_fill))
    parts = [filled.reset_index(drop=True)]
    masks = [observed.reset_index(drop=True)]
    if time_delta:
        delta = _time_since_previous(time, patient)
        parts.append(pd.DataFrame({DELTA: delta}))
        masks.append(pd.DataFrame({DELTA: np.ones(len(delta), bool)}))
    if static is not None:
        rows = static.reindex(patient)
        static_observed = rows.notna().reset_index(drop=True)
        kept = static.reindex(pd.unique(patient))  # the patients read (long: some have no row)
        rows = rows.fillna(_leading_values(kept, leading_fill)).reset_index(drop=True)
        parts.append(rows)
        masks.append(static_observed)
    features = pd.concat(parts, axis=1)
    mask = pd.concat(masks, axis=1).to_numpy()
    return SequenceData(
        values=features.to_numpy(np.float32),
        time=pd.Index(time) if time_unit == "datetime" else np.asarray(time, dtype=np.float64),
        features=tuple(str(name) for name in features.columns),
        groups=patient,
        mask=None if mask.all() else mask,
        metadata={
            "static": [str(name) for name in static_cols],
            "left_out": [str(name) for name in left_out],
            "time_unit": "days" if time_unit == "datetime" else time_unit,
            "n_patients": int(pd.unique(patient).size),
            "index_names": (id_col, time_col),
            **({} if isinstance(source, pd.DataFrame) else {"source": str(source)}),
        },
    )


def _in_patient_order(table: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by patient id, then time, whatever the order of the rows.

    Ids sort by number when every id reads as one (``"2"`` before ``"10"``; ``"007"`` and
    ``"7"`` stay two patients, next to each other), by their text otherwise.
    """
    codes, uniques = pd.factorize(table["__id__"])
    text = np.array([str(value) for value in uniques], dtype=object)
    numbers = pd.to_numeric(pd.Series(text), errors="coerce").to_numpy(np.float64)
    order = np.lexsort((text, numbers)) if not np.isnan(numbers).any() else np.argsort(text)
    rank = np.empty(len(uniques), np.int64)
    rank[order] = np.arange(len(uniques))
    keys = pd.DataFrame({"patient": rank[codes], "time": table["__time__"].to_numpy()})
    return table.iloc[keys.sort_values(["patient", "time"], kind="stable").index.to_numpy()]


def _check_distinct_ids(ids: pd.Series, name: Hashable) -> None:
    """Refuse ids of different types that print alike (1 and "1"): one patient, or two."""
    distinct = pd.unique(ids)
    text = pd.Series([str(value).strip() for value in distinct])
    clash = text.duplicated(keep=False)
    if clash.any():
        alike = [distinct[i] for i in np.flatnonzero(clash.to_numpy())[:2]]
        raise ValueError(
            f"{OWNER}: patient id column {name!r} holds ids that differ only in type or in "
            f"spaces around them ({', '.join(f'{v!r} ({type(v).__name__})' for v in alike)}); "
            f"are they one patient or two? Make them one first, e.g. "
            f"frame[{name!r}].astype(str).str.strip()."
        )


def _event_columns(event_cols: Sequence[Hashable], columns: pd.Index) -> list[Hashable]:
    if isinstance(event_cols, (str, bytes)) or not isinstance(event_cols, Sequence):
        raise TypeError(f"{OWNER}: event_cols must be a list of column names; got {event_cols!r}.")
    unknown = [name for name in event_cols if name not in columns]
    if unknown:
        raise ValueError(
            f"{OWNER}: event column(s) {unknown} are not among the value columns "
            f"{[str(c) for c in columns]}; add them to value_cols=[...]."
        )
    return list(event_cols)


def _parse_time(column: pd.Series, name: Hashable) -> tuple[Any, str | None]:
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return parse_datetimes(column, OWNER, name), "datetime"
    if pd.api.types.is_timedelta64_dtype(column.dtype):
        if column.isna().any():
            row = column.index[column.isna()][0]
            raise ValueError(f"{OWNER}: time column {name!r} is empty at row {show(row)}.")
        return (column / pd.Timedelta(days=1)).to_numpy(np.float64), "days"
    if pd.api.types.is_bool_dtype(column.dtype):
        raise TypeError(f"{OWNER}: time column {name!r} holds booleans; expected times.")
    if pd.api.types.is_numeric_dtype(column.dtype):
        if column.isna().any():
            row = column.index[column.isna()][0]
            raise ValueError(f"{OWNER}: time column {name!r} is empty at row {show(row)}.")
        numbers = column.to_numpy(np.float64)
        if not np.isfinite(numbers).all():
            row = column.index[~np.isfinite(numbers)][0]
            raise ValueError(
                f"{OWNER}: time column {name!r} holds {show(column[row])} at row {show(row)}; "
                "expected finite times."
            )
        return numbers, None
    numbers = pd.to_numeric(column, errors="coerce")
    if numbers.notna().all():
        return numbers.to_numpy(np.float64), None
    return parse_datetimes(column, OWNER, name), "datetime"


def _wide(
    frame: pd.DataFrame,
    id_col: Hashable,
    time_col: Hashable,
    value_cols: Sequence[Hashable] | None,
    static_cols: list[Hashable],
) -> tuple[pd.DataFrame, list[Hashable]]:
    advice = {"choose": "value_cols=[...]", "can_encode": False}
    if value_cols is not None:
        selected = check_columns(frame, value_cols, OWNER, "value")
        return numeric_columns(frame, selected, OWNER, **advice), []
    candidates = [c for c in frame.columns if c not in (id_col, time_col, *static_cols)]
    numeric = numeric_columns(
        frame, candidates, OWNER, categorical="drop", allow_empty=True, **advice
    )
    changes = numeric.groupby(frame[id_col].to_numpy()).nunique(dropna=True).max() > 1
    chosen = [c for c in numeric.columns if changes[c]]
    if not chosen:
        raise ValueError(
            f"{OWNER}: no numeric column changes within a patient, so there is nothing to "
            "forecast; name the measurements with value_cols=[...]."
        )
    return numeric[chosen], [c for c in candidates if c not in chosen]


def _long(
    frame: pd.DataFrame,
    ids: pd.Series,
    time: Any,
    variable_col: Hashable,
    value_col: Hashable,
    value_cols: Sequence[Hashable] | None,
    keep: str,
    require_values: bool = True,
) -> pd.DataFrame:
    check_column(frame, variable_col, OWNER, "variable")
    check_column(frame, value_col, OWNER, "value")
    rows = pd.DataFrame(
        {
            "__id__": ids.to_numpy(),
            "__time__": time,
            "__variable__": frame[variable_col].to_numpy(),
            "__value__": numeric_columns(frame, [value_col], OWNER, can_encode=False)[
                value_col
            ].to_numpy(),
        }
    )
    if rows["__variable__"].isna().any():
        row = frame.index[rows["__variable__"].isna().to_numpy()][0]
        raise ValueError(f"{OWNER}: variable column {variable_col!r} is empty at row {show(row)}.")
    if value_cols is not None:
        wanted = list(value_cols)
        known = set(rows["__variable__"])
        unknown = [name for name in wanted if name not in known]
        if unknown and require_values:
            raise ValueError(
                f"{OWNER}: no variable {unknown} in column {variable_col!r}; variables: "
                f"{sorted(map(str, known))[:20]}."
            )
        rows = rows[rows["__variable__"].isin(wanted)]
    # Every visit of the chosen variables stays, even one whose values are all missing: it is
    # a row of missing values. (Times when only other variables were measured are no visit.)
    visits = rows[["__id__", "__time__"]].drop_duplicates()
    rows = rows.dropna(subset=["__value__"])
    rows = resolve_duplicates(
        rows, ["__id__", "__time__", "__variable__"], OWNER, keep, "patient, time and variable"
    )
    table = rows.pivot(index=["__id__", "__time__"], columns="__variable__", values="__value__")
    table = table.reindex(columns=wanted if value_cols is not None else sorted(table.columns))
    table = table.reindex(pd.MultiIndex.from_frame(_in_patient_order(visits)))
    table.columns.name = None
    return table.reset_index()


def check_static(frame: pd.DataFrame, ids: pd.Series, static_cols: list[Hashable]) -> None:
    """Refuse a static column that changes within a patient (" 70", 70 and 70.0 are one)."""
    for name in static_cols:
        column = frame[name]
        counts = column.groupby(ids.to_numpy()).nunique(dropna=True)
        if (counts > 1).any() and not pd.api.types.is_numeric_dtype(column.dtype):
            text = column.astype("string").str.strip().replace("", pd.NA)
            numbers = pd.to_numeric(text, errors="coerce")
            column = numbers.astype(object).where(numbers.notna(), text)
            counts = column.groupby(ids.to_numpy()).nunique(dropna=True)
        if (counts > 1).any():
            patient = counts.index[counts > 1][0]
            seen = frame.loc[(ids == patient).to_numpy(), name].dropna().unique()[:3]
            raise ValueError(
                f"{OWNER}: static column {name!r} changes within patient {show(patient)} "
                f"({', '.join(map(repr, seen))}); static columns hold one value per patient. "
                "List it in value_cols instead."
            )


def _static_features(
    frame: pd.DataFrame, ids: pd.Series, static_cols: list[Hashable]
) -> pd.DataFrame | None:
    if not static_cols:
        return None
    encoded = numeric_columns(frame, static_cols, OWNER, categorical="onehot")
    # A missing label (empty, or only spaces) is missing in every one-hot column, not a 0.
    for name in static_cols:
        text = frame[name].astype("string").str.strip()
        absent = (text.isna() | (text == "")).to_numpy()
        for column in encoded.columns:
            if str(column).startswith(f"{name}=") and absent.any():
                encoded.loc[absent, column] = np.nan
    return encoded.groupby(ids.to_numpy()).first()


def _leading_values(values: pd.DataFrame, leading_fill: str | float) -> pd.Series:
    if leading_fill == "median":
        return values.median()
    if leading_fill == "mean":
        return values.mean()
    if leading_fill == "zero":
        return pd.Series(0.0, index=values.columns)
    if isinstance(leading_fill, (int, float, np.number)) and not isinstance(leading_fill, bool):
        return pd.Series(float(leading_fill), index=values.columns)
    raise ValueError(
        f"{OWNER}: leading_fill must be 'median', 'mean', 'zero' or a number; got {leading_fill!r}."
    )


def _time_since_previous(time: pd.Series, patient: np.ndarray) -> np.ndarray:
    series = pd.Series(np.asarray(time))
    delta = series.groupby(patient, sort=False).diff()
    if pd.api.types.is_timedelta64_dtype(delta.dtype):
        delta = delta / pd.Timedelta(days=1)
    return delta.fillna(0.0).to_numpy(np.float64)


def _resample(
    values: pd.DataFrame,
    patient: np.ndarray,
    time: pd.Series,
    step: Any,
    time_unit: str | None,
    events: list[Hashable],
) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    time = pd.Series(np.asarray(time))
    if time_unit == "datetime":
        try:
            step = pd.Timedelta(step)
        except ValueError:
            raise ValueError(
                f"{OWNER}: resample must be a duration such as '90D' for dates; got {step!r}."
            ) from None
        if step <= pd.Timedelta(0):
            raise ValueError(f"{OWNER}: resample must be a positive duration; got {step}.")
    elif isinstance(step, bool) or not isinstance(step, (int, float, np.number)) or step <= 0:
        raise ValueError(
            f"{OWNER}: resample must be a positive number (the time column is numeric); "
            f"got {step!r}."
        )
    first = time.groupby(patient, sort=False).transform("min")
    span = ((time - first) / step).to_numpy(np.float64)
    last_slot = pd.Series(span).groupby(patient, sort=False).max()
    n_grid = float((np.floor(last_slot) + 1).sum())
    if n_grid > max(MAX_GRID_ROWS, 100 * len(values)):
        longest = last_slot.idxmax()
        raise ValueError(
            f"{OWNER}: resample={step!r} would put {len(values)} visits on a grid of "
            f"{n_grid:.3g} rows (patient {show(longest)} alone spans {last_slot.max():.3g} "
            "steps). Choose a coarser step."
        )
    slot = np.floor(span).astype(np.int64)  # bounded by the check above
    last_slot = np.floor(last_slot).astype(np.int64)
    grouped = values.reset_index(drop=True).groupby([patient, slot], sort=False)
    binned = grouped.mean()
    if events:  # doses given within one step add up; a step without any is 0
        binned[events] = grouped[events].sum(min_count=1)
    start = first.groupby(patient, sort=False).first()
    grid = pd.MultiIndex.from_tuples([(p, k) for p, n in last_slot.items() for k in range(n + 1)])
    binned = binned.reindex(grid)
    new_patient = grid.get_level_values(0).to_numpy()
    offsets = grid.get_level_values(1).to_numpy()
    new_time = start.reindex(new_patient).to_numpy() + offsets * (
        step.to_timedelta64() if time_unit == "datetime" else step
    )
    return binned.reset_index(drop=True), new_patient, pd.Series(new_time)
