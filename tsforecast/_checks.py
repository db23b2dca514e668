"""Argument checks shared by the public functions, the adapters and the estimators.

Every check names its owner and the parameter, says what was expected and what was given, so
that a bad argument gets a one-line error instead of a crash from inside NumPy or torch.
Estimators declare their hyperparameters as a table of `Rule` objects (`check_params`).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "AutoOr",
    "Choice",
    "Flag",
    "Integer",
    "Real",
    "Rule",
    "check_choice",
    "check_finite",
    "check_int",
    "check_params",
    "check_real",
    "first_entry",
    "make_rng",
    "show",
]


def show(value: Any) -> str:
    """Return the repr of a value as the user wrote it (``1``, not ``np.int64(1)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _where(owner: str | None) -> str:
    return f"{owner}: " if owner else ""


def check_int(name: str, value: Any, *, minimum: int = 1, owner: str | None = None) -> int:
    """Return ``value`` as an int, or raise a clear error naming the parameter.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : object
        What was given.
    minimum : int, default=1
        Smallest allowed value.
    owner : str, optional
        The function or class the parameter belongs to, for the message.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``value`` is not an integer (booleans are not).
    ValueError
        If it is below ``minimum``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{_where(owner)}{name} must be an integer >= {minimum}; got {value!r} "
            f"({type(value).__name__})."
        )
    if value < minimum:
        raise ValueError(f"{_where(owner)}{name} must be an integer >= {minimum}; got {value}.")
    return int(value)


def check_real(
    name: str,
    value: Any,
    low: float,
    high: float | None = None,
    *,
    lower_open: bool = False,
    upper_open: bool = False,
    owner: str | None = None,
) -> float:
    """Return ``value`` as a float inside an interval, or raise a clear error.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : object
        What was given.
    low, high : float
        The interval's ends; ``high=None`` for no upper end.
    lower_open, upper_open : bool, default=False
        Whether the ends are excluded.
    owner : str, optional
        The function or class the parameter belongs to.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``value`` is not a finite real number.
    ValueError
        If it lies outside the interval.
    """
    interval = f"{'(' if lower_open else '['}{low}, {'inf)' if high is None else high}"
    if high is not None:
        interval += ")" if upper_open else "]"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"{_where(owner)}{name} must be a number in {interval}; got {value!r}.")
    too_low = value <= low if lower_open else value < low
    too_high = high is not None and (value >= high if upper_open else value > high)
    if too_low or too_high:
        raise ValueError(f"{_where(owner)}{name} must be in {interval}; got {value!r}.")
    return float(value)


def check_choice(name: str, value: Any, choices: Sequence[Any], owner: str | None = None) -> Any:
    """Return ``value`` if it is one of ``choices``, or raise a ValueError listing them."""
    # The choice's type too (1 is not True), subclasses included (NumPy strings from a grid).
    if not any(isinstance(value, type(choice)) and value == choice for choice in choices):
        raise ValueError(
            f"{_where(owner)}{name} must be one of {list(choices)}; got {show(value)}."
        )
    return value


def check_finite(
    values: np.ndarray,
    observed: np.ndarray | None,
    what: str,
    *,
    names: Sequence[str] | None = None,
    fix: str = "Fill or drop them, or pass a SequenceData whose mask marks them missing.",
    rows: np.ndarray | None = None,
) -> None:
    """Raise a ValueError if ``values`` holds NaN or inf where ``observed`` is True.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_columns)
        The numbers to check.
    observed : bool ndarray of the same shape, or None
        True where a value was observed; non-finite values elsewhere are allowed. None: all.
    what : str
        What the values are, for the message (``"X"``, ``"values"``).
    names : sequence of str, optional
        Column names, to name the first bad column.
    fix : str
        How to fix it, the message's last sentence.
    rows : ndarray of int, optional
        The caller's row of each row of ``values`` (a panel sorted by series and time), said
        in the message; by default the rows' own positions.
    """
    bad = ~np.isfinite(values)
    if observed is not None:
        bad &= observed
    if bad.any():
        row, column, named = first_entry(bad, names)
        raise ValueError(
            f"Input {what} contains NaN or inf: {int(bad.sum())} entries; the first is "
            f"{values[row, column]}, in {named} at row {row if rows is None else rows[row]}. "
            f"{fix}"
        )


def first_entry(mask: np.ndarray, names: Any = None) -> tuple[int, int, str]:
    """Return the row and column of the first True entry of a 2-D ``mask``, and the column named.

    The name reads ``column 'temp'`` with ``names``, ``column 3`` without.
    """
    row, column = np.argwhere(mask)[0]
    named = f"column {column}" if names is None else f"column {names[column]!r}"
    return int(row), int(column), named


def make_rng(random_state: Any) -> np.random.Generator:
    """Turn a scikit-learn style ``random_state`` into a NumPy Generator.

    Accepts None (fresh entropy), an int seed, a ``numpy.random.Generator`` (used as is) or a
    legacy ``numpy.random.RandomState`` (a seed is drawn from it, so it advances).
    """
    if random_state is None or isinstance(random_state, (numbers.Integral, np.random.Generator)):
        if isinstance(random_state, (bool, np.bool_)):
            raise TypeError(f"random_state must be None, an int or a Generator; got {random_state}")
        if isinstance(random_state, numbers.Integral) and random_state < 0:
            raise ValueError(f"random_state must be an integer >= 0 (a seed); got {random_state}.")
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    raise TypeError(
        "random_state must be None, an int, a numpy Generator or RandomState; "
        f"got {random_state!r}."
    )


# ---------------------------------------------------------------------------- parameter tables
class Rule:
    """What one hyperparameter accepts; subclasses check a value (`check`)."""

    optional: bool = False

    def check(self, name: str, value: Any, owner: str) -> None:  # pragma: no cover - abstract
        """Raise a clear error if ``value`` is not accepted."""
        raise NotImplementedError


@dataclass(frozen=True)
class Integer(Rule):
    """An integer ``>= minimum``; None too when ``optional``."""

    minimum: int = 1
    optional: bool = False

    def check(self, name: str, value: Any, owner: str) -> None:
        """Raise a clear error if ``value`` is not accepted."""
        if not (self.optional and value is None):
            check_int(name, value, minimum=self.minimum, owner=owner)


@dataclass(frozen=True)
class Real(Rule):
    """A finite real number in an interval; None too when ``optional``."""

    low: float
    high: float | None = None
    lower_open: bool = False
    upper_open: bool = False
    optional: bool = False

    def check(self, name: str, value: Any, owner: str) -> None:
        """Raise a clear error if ``value`` is not accepted."""
        if not (self.optional and value is None):
            check_real(
                name, value, self.low, self.high, lower_open=self.lower_open,
                upper_open=self.upper_open, owner=owner,
            )  # fmt: skip


@dataclass(frozen=True)
class Choice(Rule):
    """One of a few strings."""

    choices: tuple[str, ...]

    def check(self, name: str, value: Any, owner: str) -> None:
        """Raise a clear error if ``value`` is not accepted."""
        check_choice(name, value, sorted(self.choices), owner)


@dataclass(frozen=True)
class AutoOr(Rule):
    """The string "auto", or what ``rule`` accepts."""

    rule: Rule

    def check(self, name: str, value: Any, owner: str) -> None:
        """Raise a clear error if ``value`` is not accepted."""
        if isinstance(value, str) and value == "auto":
            return
        try:
            self.rule.check(name, value, owner)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{error} ('auto' is accepted too.)") from None


@dataclass(frozen=True)
class Flag(Rule):
    """True or False."""

    def check(self, name: str, value: Any, owner: str) -> None:
        """Raise a clear error if ``value`` is not accepted."""
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{owner}: {name} must be True or False; got {value!r}.")


def check_params(owner: Any, rules: Mapping[str, Rule]) -> None:
    """Check the attributes of ``owner`` named in ``rules``, in the table's order.

    Parameters
    ----------
    owner : object
        An estimator; its class name starts every message.
    rules : mapping of str to Rule
        The hyperparameter table.
    """
    name = type(owner).__name__
    for parameter, rule in rules.items():
        rule.check(parameter, getattr(owner, parameter), name)
