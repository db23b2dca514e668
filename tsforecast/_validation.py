"""Small argument checks shared by the public functions and estimators."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["check_int", "make_rng", "show"]


def show(value: Any) -> str:
    """repr of a value as the user wrote it (``1``, not ``np.int64(1)``), for messages."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def check_int(name: str, value: Any, *, minimum: int = 1, owner: str | None = None) -> int:
    """Return ``value`` as an int, or raise a clear error naming the parameter."""
    where = f"{owner}: " if owner else ""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{where}{name} must be an integer >= {minimum}; got {value!r} "
            f"({type(value).__name__})."
        )
    if value < minimum:
        raise ValueError(f"{where}{name} must be an integer >= {minimum}; got {value}.")
    return int(value)


def make_rng(random_state: Any) -> np.random.Generator:
    """Turn a scikit-learn style ``random_state`` into a NumPy Generator.

    Accepts None (fresh entropy), an int seed, a ``numpy.random.Generator`` (used as is) or a
    legacy ``numpy.random.RandomState`` (a seed is drawn from it, so it advances).
    """
    if random_state is None or isinstance(random_state, (numbers.Integral, np.random.Generator)):
        if isinstance(random_state, (bool, np.bool_)):
            raise TypeError(f"random_state must be None, an int or a Generator; got {random_state}")
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    raise TypeError(
        "random_state must be None, an int, a numpy Generator or RandomState; "
        f"got {random_state!r}."
    )
