"""What the columns of ``X`` are to the forecaster: their names, roles and checks.

Autoregressive models forecast target columns from their history and read the others as
covariates: known-future (given for the forecast period), static (constant within a series)
or past (known up to the forecast origin). `learn_roles` reads the ``target``,
``future_covariates`` and ``static_covariates`` parameters into `ColumnRoles`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tsforecast._boundary import series_ids
from tsforecast.sequences import SequenceData

__all__ = [
    "ColumnRoles",
    "check_static",
    "column_names",
    "learn_roles",
    "refuse_positions_unlike_labels",
    "refuse_roles_with_y",
    "target_columns",
]


@dataclass(frozen=True)
class ColumnRoles:
    """The columns of ``X`` by role (positions); every other column is a past covariate."""

    targets: list[int]
    future: list[int]
    static: list[int]


def learn_roles(
    target: Any, future_covariates: Any, static_covariates: Any, names: list[str], known: Any
) -> ColumnRoles:
    """Read the role parameters against the columns of ``X``.

    ``names``: the names of all columns (for messages); ``known``: the names seen in fit, or
    None when ``X`` had none (only positions select then).
    """
    owner, n = "LSTMForecaster", len(names)
    roles = {}
    for role, spec in (("future_covariates", future_covariates),
                       ("static_covariates", static_covariates)):  # fmt: skip
        roles[role] = [] if spec is None else target_columns(spec, n, known, owner, role)
    both = set(roles["future_covariates"]) & set(roles["static_covariates"])
    if both:
        raise ValueError(
            f"{owner}: column {names[min(both)]!r} is both a future and a static covariate; "
            "give each column one role."
        )
    covariates = set(roles["future_covariates"]) | set(roles["static_covariates"])
    if target is None:
        targets = [i for i in range(n) if i not in covariates]
        if not targets:
            raise ValueError(
                f"{owner}: every column of X is a future or static covariate, so nothing is "
                "left to forecast; name the columns to forecast with target=, or give "
                "fewer covariates."
            )
    else:
        targets = target_columns(target, n, known, owner)
        clash = sorted(set(targets) & covariates)
        if clash:
            raise ValueError(
                f"{owner}: column {names[clash[0]]!r} is both a target and a covariate; a "
                "forecast column cannot be an input known in advance. Give each column one "
                "role."
            )
    return ColumnRoles(targets, roles["future_covariates"], roles["static_covariates"])


def refuse_positions_unlike_labels(X: Any, owner: str, **roles: Any) -> None:
    """Refuse integer roles for a DataFrame whose integer column labels are not positions.

    Column labels that are not text are not names to scikit-learn (no ``feature_names_in_``),
    so an integer role is a position: with columns labelled ``[1, 0]`` (a reordered
    ``pandas.DataFrame(array)``), ``target=1`` forecast the column labelled 0, under the
    name ``x1``, without a word.
    """
    if not isinstance(X, pd.DataFrame):
        return
    labels = list(X.columns)
    if labels == list(range(len(labels))) or any(isinstance(c, str) for c in labels):
        return
    shown = labels if len(labels) <= 6 else [*labels[:6], "..."]
    for role, value in roles.items():
        items = value if isinstance(value, list | tuple) else [value]
        given = [
            item for item in items
            if isinstance(item, numbers.Integral) and not isinstance(item, bool)
            and -len(labels) <= item < len(labels)
        ]  # fmt: skip
        if given:
            raise ValueError(
                f"{owner}: {role}={value!r} is read as column position(s), but the columns of X "
                f"are labelled by other numbers ({shown}): position {given[0]} is the column "
                f"labelled {labels[given[0]]!r}. Name the columns with text first "
                "(X.columns = X.columns.astype(str), then target='1'), or put them in order "
                "(X.sort_index(axis=1))."
            )


def refuse_roles_with_y(**roles: Any) -> None:
    """Refuse column roles for a model fitted with ``y`` (every column is an input then)."""
    for role, value in roles.items():
        if value is not None:
            raise ValueError(
                f"LSTMForecaster: {role}= gives columns of X a role when y is None (X "
                "forecast from its own history); with y given, every column of X is an "
                f"input already: leave {role}=None."
            )


def column_names(names: Any, n_features: int) -> list[str]:
    """Return the names of the columns of ``X`` (``x0, x1...`` when ``names`` is None)."""
    if names is None:
        return [f"x{i}" for i in range(n_features)]
    return [str(name) for name in names]


def target_columns(
    target: Any, n_features: int, names: Any, owner: str, role: str = "target"
) -> list[int]:
    """Positions of the ``target`` columns (names or positions; all when None).

    ``names``: the column names seen in fit, or None when ``X`` had none (then only
    positions select). ``role`` names the parameter in messages (``future_covariates``...).

    Raises
    ------
    ValueError
        If a target is not a column, or a column is named twice.
    """
    known = None if names is None else [str(name) for name in names]
    if target is None:
        return list(range(n_features))
    wanted = target if isinstance(target, (list, tuple)) else [target]
    if role == "target" and not wanted:
        raise ValueError(
            f"{owner}: target={target!r} names no column to forecast; name at least one "
            "(target='sales' or target=['sales', 'visits']), or leave target=None to forecast "
            "every column without another role."
        )
    indices = []
    for item in wanted:
        if isinstance(item, numbers.Integral) and not isinstance(item, bool):
            if not -n_features <= item < n_features:
                raise ValueError(
                    f"{owner}: {role} {item} is out of range for X with {n_features} columns."
                )
            indices.append(int(item) % n_features)
        elif known is not None and item in known:
            indices.append(known.index(item))
        else:
            columns = "no column names" if known is None else f"columns {known}"
            raise ValueError(
                f"{owner}: {role} {item!r} is not a column of X ({columns}); pass column "
                "positions or names."
            )
    if len(set(indices)) != len(indices):
        raise ValueError(f"{owner}: {role} {target!r} names a column twice; list each once.")
    return indices


def check_static(data: SequenceData, columns: list[int], names: list[str], owner: str) -> None:
    """Refuse a static covariate that changes within a series (or is missing somewhere).

    ``names``: the names of all of ``X``'s columns.
    """
    if not columns:
        return
    values = data.values[:, columns]
    first = np.repeat(values[data.offsets[:-1]], data.series_lengths, axis=0)
    changed = values != first
    if data.mask is not None:
        changed |= ~data.mask[:, columns]
    if changed.any():
        row, column = (int(i[0]) for i in np.nonzero(changed))
        series = int(np.searchsorted(data.offsets, row, side="right") - 1)
        start = int(data.offsets[series])
        name = names[columns[column]]
        shown = (
            "missing"
            if data.mask is not None and not data.mask[row, columns[column]]
            else (f"{values[row, column]:g}")
        )
        raise ValueError(
            f"{owner}: static covariate {name!r} changes within series "
            f"{series_ids(data)[series]!r}: {values[start, column]:g} at its first row, {shown} "
            f"at row {row}. A static covariate holds one value per series (weight, sex, site); "
            "pass a column that varies as a past covariate (leave it out of "
            "static_covariates), or fill it with one value per series."
        )
