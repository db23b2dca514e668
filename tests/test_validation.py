"""Argument checks: one-line errors that name the owner, the parameter and the fix."""

from __future__ import annotations

import numpy as np
import pytest

from tsforecast._checks import (
    Choice,
    Flag,
    Integer,
    Real,
    check_choice,
    check_finite,
    check_int,
    check_params,
    check_real,
    make_rng,
    show,
)


def test_integers():
    assert check_int("n", np.int64(3)) == 3 and type(check_int("n", np.int64(3))) is int
    with pytest.raises(TypeError, match=r"f: n must be an integer >= 1; got True \(bool\)"):
        check_int("n", True, owner="f")
    with pytest.raises(ValueError, match="n must be an integer >= 2; got 1"):
        check_int("n", 1, minimum=2)


def test_reals_and_their_intervals():
    assert check_real("a", 0.5, 0.0, 1.0, upper_open=True) == 0.5
    with pytest.raises(ValueError, match=r"f: a must be in \[0.0, 1.0\); got 1.0"):
        check_real("a", 1.0, 0.0, 1.0, upper_open=True, owner="f")
    with pytest.raises(ValueError, match=r"a must be in \(0.0, inf\); got 0"):
        check_real("a", 0, 0.0, lower_open=True)
    for bad in ("fast", np.nan, True):
        with pytest.raises(TypeError, match="a must be a number"):
            check_real("a", bad, 0.0)


def test_choices_compare_type_and_value():
    assert check_choice("kind", "mae", ["mae", "mse"]) == "mae"
    assert check_choice("kind", np.str_("mse"), ["mae", "mse"]) == "mse"  # from a NumPy grid
    with pytest.raises(ValueError, match=r"f: kind must be one of \['mae', 'mse'\]; got 'l1'"):
        check_choice("kind", "l1", ["mae", "mse"], owner="f")
    with pytest.raises(ValueError, match="got 1"):
        check_choice("flag", 1, [True, False])  # 1 == True, but it is not the choice True


def test_non_finite_values_are_located_unless_unobserved():
    values = np.array([[0.0, 1.0], [np.inf, np.nan]])
    with pytest.raises(ValueError, match=r"2 entries; the first is inf, in column 'a' at row 1"):
        check_finite(values, None, "X", names=["a", "b"])
    observed = np.array([[True, True], [False, True]])
    with pytest.raises(ValueError, match=r"X contains NaN or inf: 1 entries.*column 1 at row 1"):
        check_finite(values, observed, "X")
    check_finite(values, np.array([[True, True], [False, False]]), "X")


def test_a_parameter_table_drives_the_checks():
    class Model:
        n, rate, kind, flag, limit = 3, 0.1, "a", True, None

    rules = {
        "n": Integer(), "rate": Real(0.0, lower_open=True), "kind": Choice(("b", "a")),
        "flag": Flag(), "limit": Real(0.0, optional=True),
    }  # fmt: skip
    check_params(Model(), rules)
    for name, bad, error, words in [
        ("n", 0, ValueError, "Model: n must be an integer >= 1"),
        ("rate", 0.0, ValueError, r"Model: rate must be in \(0.0, inf\)"),
        ("kind", "c", ValueError, r"Model: kind must be one of \['a', 'b'\]"),
        ("flag", 1, TypeError, "Model: flag must be True or False"),
        ("limit", -1.0, ValueError, "Model: limit must be in"),
    ]:
        model = Model()
        setattr(model, name, bad)
        with pytest.raises(error, match=words):
            check_params(model, rules)


def test_random_states_and_shown_values():
    assert make_rng(3).integers(100) == np.random.default_rng(3).integers(100)
    generator = np.random.default_rng(0)
    assert make_rng(generator) is generator
    with pytest.raises(TypeError, match="random_state must be"):
        make_rng("seed")
    assert show(np.int64(1)) == "1" and show("a") == "'a'"
