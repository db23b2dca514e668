"""Parsing and validation shared by the adapters: sources, columns, time stamps, numbers.

Every helper takes the public function's name as ``owner`` so that errors read
``read_weather: ...``. None of them modifies a DataFrame it is given.
"""

from __future__ import annotations

import difflib
import os
import re
import warnings
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._checks import check_choice, show

Source = str | os.PathLike | pd.DataFrame

KEEP_CHOICES = ("error", "first", "last", "mean")
THOUSANDS_MARKS = (",", ".", " ", "'")  # 1,234.5 / 1.234,5 / 1 234,5 / 1'234.5


def check_number_marks(decimal: str, thousands: str | None, owner: str) -> None:
    """Refuse a decimal mark but '.' or ',', a thousands mark not in `THOUSANDS_MARKS` or equal."""
    if decimal not in (".", ","):
        raise ValueError(f"{owner}: decimal must be '.' or ','; got {decimal!r}.")
    if thousands is not None and (thousands not in THOUSANDS_MARKS or thousands == decimal):
        raise ValueError(
            f"{owner}: thousands must be None or one of {list(THOUSANDS_MARKS)} other than the "
            f"decimal mark {decimal!r}; got {thousands!r}."
        )


def read_source(
    source: Source,
    owner: str,
    *,
    na_values: Sequence[str] | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    text_columns: Sequence[Hashable] = (),
    **read_csv: Any,
) -> pd.DataFrame:
    """Read a CSV file, or take a DataFrame (never modified); ``na_values`` apply to both.

    A file whose first lines hold more semicolons (or tabs) than commas is read with that
    separator. ``text_columns`` present in a file are read as text, exactly as written (ids
    such as ``007``). ``decimal`` and ``thousands`` are the marks of a file's numbers, and of
    numbers written as text in a DataFrame.
    """
    check_number_marks(decimal, thousands, owner)
    if na_values is not None and (
        isinstance(na_values, str) or not isinstance(na_values, Sequence)
    ):
        raise TypeError(f"{owner}: na_values must be a list of strings; got {na_values!r}.")
    if isinstance(source, pd.DataFrame):
        frame = source
        if na_values:
            frame = frame.replace(list(na_values), np.nan)
        if decimal != "." or thousands is not None:
            frame = read_marked_numbers(frame, decimal, thousands, text_columns)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(
                f"{owner}: no file at '{path}' (working directory: {Path.cwd()}). "
                "Check the path, or pass a DataFrame."
            )
        if path.is_dir():
            raise ValueError(f"{owner}: '{path}' is a folder; pass the path of a CSV file.")
        try:
            # utf-8-sig: Excel's "CSV UTF-8" starts with a byte order mark, which the first
            # column's name kept ('\ufeffmonth')
            separator = _separator(path, read_csv.get("skiprows", 0))
            options = {"sep": separator, "encoding": "utf-8-sig", **read_csv}
            if options["sep"] != "," and decimal == "." and thousands is None:
                # a spreadsheet's export where ';' separates: its marks are ',' and '.'
                head = pd.read_csv(path, nrows=200, dtype=str, **options)
                marks = _comma_numbers_hint(head)
                if marks:
                    raise ValueError(
                        f"{owner}: '{path}' is separated by {options['sep']!r} and its numbers "
                        f"have commas.{marks}"
                    )
                _warn_if_points_group_thousands(head, path, options["sep"], owner)
            text = csv_text_types(text_columns, thousands)
            frame = pd.read_csv(path, na_values=na_values, decimal=decimal, dtype=text, **options)
            if thousands is not None:
                frame = read_marked_numbers(frame, decimal, thousands, text_columns)
        except pd.errors.EmptyDataError:
            raise ValueError(f"{owner}: the file '{path}' is empty.") from None
        except (pd.errors.ParserError, UnicodeDecodeError) as error:
            raise ValueError(f"{owner}: '{path}' is not a readable CSV table ({error}).") from None
    else:
        raise TypeError(
            f"{owner}: source must be a path to a CSV file or a pandas DataFrame; "
            f"got {type(source).__name__}."
        )
    if frame.shape[0] == 0:
        raise ValueError(f"{owner}: the table has no rows (columns: {list(frame.columns)}).")
    return frame


def number_pattern(decimal: str, thousands: str | None) -> str:
    """Return the regex of a number written with these marks (thousands in groups of three).

    Dates (``25.01.2024``), codes and labels do not match it, so they are never read as
    numbers; nor is ``0,5`` with ``thousands=","`` (no group of three digits).
    """
    point = re.escape(decimal)
    whole = r"\d+" if thousands is None else rf"(?:\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+|\d+)"
    return rf"[-+]?(?:{whole}(?:{point}\d*)?|{point}\d+)(?:[eE][-+]?\d+)?"


def without_marks(text: pd.Series, decimal: str, thousands: str | None) -> pd.Series:
    """Return numbers written as text with these marks as Python reads them ('1234.5')."""
    if thousands is not None:
        text = text.str.replace(thousands, "", regex=False)
    return text.str.replace(",", ".", regex=False) if decimal == "," else text


def csv_text_types(text_columns: Sequence[Hashable], thousands: str | None) -> Any:
    """Return ``pandas.read_csv``'s ``dtype=`` for a table: the columns read as text.

    ``text_columns`` as written (pandas ignores absent ones); with a ``thousands`` mark every
    column, its marks then read where a column holds numbers (`read_marked_numbers`: pandas'
    own ``thousands=`` would strip them from dates, 25.01.2024).
    """
    return str if thousands is not None else {name: str for name in text_columns}


def read_marked_numbers(
    frame: pd.DataFrame, decimal: str, thousands: str | None, text_columns: Sequence[Hashable]
) -> pd.DataFrame:
    """Return the frame with text columns of numbers written with these marks as numbers.

    A column (other than ``text_columns``) is converted only if every text value it holds
    is a number written so (`number_pattern`), so that dates, codes and labels stay text;
    values that are numbers already are kept as they are. The frame given is not modified.
    """
    pattern = number_pattern(decimal, thousands)
    converted = {}
    for name in frame.columns:
        column = frame[name]
        if name in text_columns or not (
            pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column)
        ):
            continue
        if pd.api.types.infer_dtype(column, skipna=True) == "string":  # a CSV's: all text
            is_text = column.notna().to_numpy()
        else:  # numbers beside text (a DataFrame's object column): only the text is read
            is_text = column.map(lambda value: isinstance(value, str)).to_numpy(bool)
        text = column[is_text].astype(str).str.strip()
        filled = (text != "").to_numpy()
        written = text[filled]
        if not len(written) or not written.str.fullmatch(pattern).all():
            continue
        values = np.where(is_text, np.nan, column.to_numpy(object))  # numbers kept as given
        values[np.flatnonzero(is_text)[filled]] = without_marks(
            written, decimal, thousands
        ).to_numpy()
        converted[name] = pd.to_numeric(pd.Series(values, index=column.index), errors="coerce")
    return frame.assign(**converted) if converted else frame


def _separator(path: Path, skip: int) -> str:
    """``','``, or ``';'``/tab when the first lines hold more of those than commas."""
    if path.suffix.lower() in (".gz", ".bz2", ".zip", ".xz", ".zst", ".tar"):
        return ","  # compressed: pandas reads it; the separator is not sniffed
    with open(path, encoding="utf-8", errors="replace") as handle:
        for _ in range(skip):
            handle.readline()
        head = "".join(handle.readline() for _ in range(6))  # the header and 5 rows
    counts = {sep: head.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > counts[","] else ","


def _comma_numbers_hint(head: pd.DataFrame) -> str:
    """Advice for the first rows of a file (as text) if they hold numbers with a comma ('1,5')."""
    text = pd.Series(head.to_numpy().ravel()).dropna().astype("string").str.strip()
    return _number_marks_hint(text[text.str.fullmatch(r"[-+]?[\d.' ]*\d,\d+").fillna(False)])


# Every value a point before groups of three digits, never a leading 0 ('15.136', '1.234.567'):
# thousands as the spreadsheets of ';'-separated exports write them (0.125 is a decimal).
POINT_GROUPS = r"[-+]?[1-9]\d{0,2}(?:\.\d{3})+"
# Values of a column that must all look so to be said.
POINT_GROUPS_SEEN = 5


def _warn_if_points_group_thousands(
    head: pd.DataFrame, path: Path, separator: str, owner: str
) -> None:
    """Warn where a column of a non-comma-separated file reads as thousands with a point.

    Such a column reads as decimals ('15.136' as 15.136, a thousandth of the 15,136 a German
    spreadsheet meant), valid numbers either way: said, not refused.
    """
    for name in head.columns:
        text = head[name].dropna().astype("string").str.strip()
        text = text[text != ""]
        if len(text) >= POINT_GROUPS_SEEN and text.str.fullmatch(POINT_GROUPS).all():
            warnings.warn(
                f"{owner}: '{path}' is separated by {separator!r}, and every value of column "
                f"{name!r} has a point before groups of three digits (such as "
                f"{text.iloc[0]!r}), as spreadsheets write thousands; they are read as "
                f"decimals ({float(text.iloc[0]):g}, not {text.iloc[0].replace('.', '')}). If "
                "the point separates thousands, pass decimal=',' and thousands='.'.",
                UserWarning,
                stacklevel=4,
            )
            return


def check_column(frame: pd.DataFrame, name: Hashable, owner: str, role: str) -> Hashable:
    """Return ``name`` if it is a column, else a ValueError listing the columns."""
    if name in frame.columns:
        return name
    close = difflib.get_close_matches(str(name), [str(c) for c in frame.columns], n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"{owner}: no {role} column {name!r}.{hint} Columns: {list(frame.columns)}.")


def check_columns(
    frame: pd.DataFrame, names: Sequence[Hashable], owner: str, role: str
) -> list[Hashable]:
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        what = f"the {role} columns" if role else "columns"
        raise TypeError(
            f"{owner}: {what} must be given as a list of column names, e.g. [{names!r}]; got "
            f"{names!r}."
        )
    return [check_column(frame, name, owner, role) for name in names]


# A unit of time or a time zone after a column's name: "Time (s)", "time [UTC]".
_TIME_UNIT = re.compile(
    r"\s*[(\[]\s*(s|sec|secs|seconds?|ms|milliseconds?|min|minutes?|h|hr|hours?|d|days?"
    r"|utc|gmt|lst|local|local time|z)\s*[)\]]$"
)


def find_column(frame: pd.DataFrame, candidates: Sequence[str]) -> Hashable | None:
    """Return the first column whose name matches one of ``candidates`` (case-insensitive).

    An exact name wins; then a name followed by a unit of time or a time zone (``Time (s)``,
    ``time [UTC]``) matches too.
    """
    exact: dict[str, Hashable] = {}
    with_unit: dict[str, Hashable] = {}
    for name in frame.columns:
        text = str(name).strip().lower()
        exact.setdefault(text, name)
        if _TIME_UNIT.search(text):
            with_unit.setdefault(_TIME_UNIT.sub("", text), name)
    for names in (exact, with_unit):
        for candidate in candidates:
            if candidate in names:
                return names[candidate]
    return None


def numeric_columns(
    frame: pd.DataFrame,
    columns: Sequence[Hashable],
    owner: str,
    *,
    categorical: str = "error",
    allow_empty: bool = False,
    choose: str = "columns=[...]",
    can_encode: bool = True,
) -> pd.DataFrame:
    """Return the selected columns as floats (NaN where missing); text columns per ``categorical``.

    A column where only some values are not numbers ('n/a', 'warm') is an error that names one;
    a column of text labels is refused (``"error"``), left out (``"drop"``) or one-hot encoded
    (``"onehot"``: one 0/1 column per label, named ``column=label``). Infinite values are
    refused. ``choose`` is how the caller's user picks columns (``"columns=[...]"``), and
    ``can_encode`` whether the caller offers ``categorical=``: the advice names only those.
    """
    check_choice("categorical", categorical, ("error", "drop", "onehot"), owner)
    parts = []
    for name in columns:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
            parts.append(column.astype("float64").rename(name))
            continue
        present = column.notna() & (column.astype("string").str.strip() != "")
        numbers = pd.to_numeric(column.where(present), errors="coerce")
        bad = present & numbers.isna()
        if not bad.any():
            parts.append(numbers.astype("float64").rename(name))
        elif bad[present].all():
            examples = list(dict.fromkeys(column[present].astype(str)))[:3]
            marks = _number_marks_hint(column[present], every=True)
            if marks:  # never one-hot encoded or dropped as text
                raise ValueError(
                    f"{owner}: column {name!r} holds numbers that read as text "
                    f"({', '.join(map(repr, examples))})." + marks
                )
            if categorical == "drop":
                continue
            if categorical == "onehot":
                text = column.astype("string").str.strip()  # " f" in a CSV is "f"
                for label in sorted(text[present].unique()):
                    parts.append((text == label).astype("float64").rename(f"{name}={label}"))
                continue
            encode = (
                ", or pass categorical='onehot' to encode it (categorical='drop' drops every "
                "text column)"
                if can_encode
                else ""
            )
            raise TypeError(
                f"{owner}: column {name!r} holds text ({', '.join(map(repr, examples))}), not "
                f"numbers. Leave it out with {choose}{encode}."
            )
        else:
            row = bad.index[bad][0]
            marks = _number_marks_hint(column[bad])
            advice = (
                marks
                if marks
                else f" Clean the values, or list such markers in na_values=[{column[row]!r}] to "
                "read them as missing."
            )
            raise ValueError(
                f"{owner}: column {name!r} has non-numeric values (e.g. {column[row]!r} at row "
                f"{show(row)}, {int(bad.sum())} in all); expected numbers." + advice
            )
    if not parts:
        if allow_empty:
            return pd.DataFrame(index=frame.index)
        raise ValueError(f"{owner}: no numeric column left to use; choose them with {choose}.")
    numbers = pd.concat(parts, axis=1)
    array = numbers.to_numpy()
    huge = np.abs(array) > np.finfo(np.float32).max
    infinite = np.isinf(array)
    if (huge & ~infinite).any():
        row, col = np.argwhere(huge & ~infinite)[0]
        raise ValueError(
            f"{owner}: column {numbers.columns[col]!r} holds {numbers.iat[row, col]:g} at row "
            f"{frame.index[row]!r}, too large for float32 (at most 3.4e38); rescale the column "
            "(e.g. divide it by a power of 10) or fix the value."
        )
    if infinite.any():
        row, col = np.argwhere(infinite)[0]
        raise ValueError(
            f"{owner}: column {numbers.columns[col]!r} holds an infinite value at row "
            f"{frame.index[row]!r} ({int(infinite.sum())} in all); expected finite numbers. "
            "Clean them, or list the marker in na_values=[...] to read it as missing."
        )
    return numbers


NUMBER_MARKS = (  # (a number written with marks, the advice), the first a value matches
    (r"[-+]?\d{1,3}(,\d{3})+\.\d*", "pass thousands=','"),
    (r"[-+]?\d{1,3}(\.\d{3})+,\d*", "pass decimal=',' and thousands='.'"),
    (r"[-+]?\d{1,3}(\.\d{3}){2,}", "pass thousands='.'"),
    (r"[-+]?\d{1,3}( \d{3})+(\.\d*)?", "pass thousands=' '"),
    (r"[-+]?\d{1,3}( \d{3})+,\d*", "pass decimal=',' and thousands=' '"),
    (r"[-+]?\d{1,3}('\d{3})+(\.\d*)?", 'pass thousands="\'"'),
    (
        r"[-+]?\d{1,3}(,\d{3})+",
        "pass thousands=',' if the comma separates thousands, decimal=',' if it is the "
        "decimal mark",
    ),
    (r"[-+]?\d+,\d+", "pass decimal=',' if the comma is the decimal mark"),
)
# Any number `NUMBER_MARKS` knows.
ANY_MARKED = "|".join(f"(?:{number})" for number, _ in NUMBER_MARKS)


def _number_marks_hint(text: pd.Series, every: bool = False) -> str:
    """Advice for numbers written with a decimal comma ('1,5') or thousands marks.

    As spreadsheets write them: '1,234.5', '1.234,5', "1'234.5", '1 234,5'. ``every``: only
    if every value is such a number (else ``""``).
    """
    text = text.astype("string").str.strip()
    for pattern, advice in NUMBER_MARKS:
        matched = text.str.fullmatch(pattern).fillna(False)
        if matched.any():
            if every and not text.str.fullmatch(ANY_MARKED).fillna(False).all():
                return ""
            return f" Values such as {text[matched].iloc[0]!r} are numbers with marks: {advice}."
    return ""


def check_not_all_missing(values: pd.DataFrame, owner: str, choose: str = "columns=[...]") -> None:
    empty = [name for name in values.columns if values[name].isna().all()]
    if empty:
        raise ValueError(
            f"{owner}: column(s) {empty} have no values at all; leave them out with {choose}."
        )


def resolve_duplicates(
    frame: pd.DataFrame, keys: list[Hashable], owner: str, keep: str, what: str
) -> pd.DataFrame:
    """Drop exact duplicate rows; rows sharing ``keys`` with different values per ``keep``.

    ``keep``: ``"error"`` (refuse), ``"first"``, ``"last"`` or ``"mean"`` (average them).
    """
    check_choice("keep", keep, KEEP_CHOICES, owner)
    frame = frame.drop_duplicates()
    clash = frame.duplicated(keys, keep=False)
    if not clash.any():
        return frame
    if keep == "error":
        first = int(np.flatnonzero(clash.to_numpy())[0])
        key = [frame[name].iloc[first] for name in keys]
        same = frame[clash & (frame[keys] == key).all(axis=1)]
        shown = ", ".join(show(value) for value in key)
        raise ValueError(
            f"{owner}: {len(same)} rows share the {what} ({shown}) with different "
            f"values (rows {list(same.index)}; {int(clash.sum())} such rows in all). Pass "
            "keep='first', 'last' or 'mean' to choose how to merge them."
        )
    if keep == "mean":
        return frame.groupby(keys, sort=False, as_index=False).mean()
    return frame.drop_duplicates(keys, keep=keep)


def nan_runs(missing: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` of every run of True in a 1-D boolean array."""
    edges = np.diff(np.concatenate([[0], missing.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))
