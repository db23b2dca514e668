"""The forecaster's hyperparameters as command-line flags, with Python's names and defaults.

`add_model_options` adds one flag per `LSTMForecaster` parameter that changes what is
forecast (``--target``, ``--future-covariates``, ``--horizon``, ``--quantiles``, ``--bounds``...),
named as in Python with dashes for underscores and defaulting to Python's default;
`model_params` turns the parsed flags back into the estimator's keyword arguments. Values are
read as text and handed over unchanged in meaning, so the estimator's own checks (and its
messages, which name the parameters the flags are named after) apply.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["MODEL_FLAGS", "add_model_options", "int_or_auto", "model_params"]


def _names(text: str) -> list[str] | None:
    """Read ``a,b`` as ["a", "b"] and ``none`` as None."""
    if text.strip().lower() == "none":
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def _one_or_names(text: str) -> Any:
    """Read one column name as a name, ``a,b`` as a list, ``none`` as None."""
    names = _names(text)
    return names[0] if names is not None and len(names) == 1 and "," not in text else names


def _transforms(text: str) -> str | list[str]:
    """Read one target transform as its name, ``a,b`` as a list (a model each, combined)."""
    names = [part.strip() for part in text.split(",")]
    return names[0] if len(names) == 1 else names


def _auto_or(text: str, read: Any, what: str) -> Any:
    """Read a value that is "auto" or, with ``read``, ``what`` (said in the error)."""
    if text == "auto":
        return text
    try:
        return read(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'auto' or {what}, got {text!r}") from None


def int_or_auto(text: str) -> int | str:
    """Read a value that is "auto" or an integer."""
    return _auto_or(text, int, "an integer")


def _int_auto_or_none(text: str) -> int | str | None:
    return None if text.lower() == "none" else int_or_auto(text)


def _weight_or_auto(text: str) -> float | str:
    """Read a value that is "auto" or a number (a weight or fraction, checked by fit)."""
    return _auto_or(text, float, "a number")


def _levels(text: str) -> Any:
    """``auto``, ``none`` or levels such as ``0.1,0.5,0.9``."""
    if text.lower() in ("auto", "none"):
        return None if text.lower() == "none" else "auto"
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected 'auto', 'none' or levels such as 0.1,0.5,0.9; got {text!r}"
        ) from None


def _bounds(text: str) -> Any:
    """``none``, ``LOW,HIGH`` (either side may be empty: ``0,``) for every target."""
    if text.lower() == "none":
        return None
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(
            f"expected LOW,HIGH with either side empty for none ('0,' for a floor at 0, "
            f"',100' for a ceiling at 100); got {text!r}"
        )
    try:
        return tuple(None if not part.strip() else float(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers in LOW,HIGH; got {text!r}") from None


def _flag_bool(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return text


# parameter -> (how the flag's text is read, help)
MODEL_FLAGS: dict[str, tuple[Any, str]] = {
    "target": (_one_or_names, "comma-separated columns to forecast, every column without another "
               "role when none"),
    "future_covariates": (_names, "comma-separated columns known in advance (schedules, "
                          "doses); forecasts then need their future values"),
    "static_covariates": (_names, "comma-separated columns constant within each series"),
    "horizon": (int_or_auto, "steps forecast at once"),
    "quantiles": (_levels, "quantile levels such as 0.1,0.5,0.9, or none for point forecasts"),
    "bounds": (_bounds, "range of the targets, LOW,HIGH: '0,' for a floor at 0"),
    "seasonal_period": (_int_auto_or_none, "rows per season, or none"),
    "seasonal_average": (_weight_or_auto, "weight in [0, 1] of the seasonal average in the "
                         "forecasts; auto: 0.5 or 0, chosen on validation for short series"),
    "target_transform": (_transforms, "auto, none, log, difference, seasonal_difference, ...; "
                         "a,b: a model per transform, forecasting their median"),
    "scale": (_flag_bool, "auto, series, global or false"),
    "time_gaps": (_flag_bool, "auto, true (irregular series: the time between rows is read) "
                  "or false"),
    "validation_fraction": (_weight_or_auto, "share of each series' last rows held out to "
                            "stop training, calibrate intervals and check forecasts; auto: "
                            "0.2 on short series, else 0.1"),
    "context_length": (int_or_auto, "rows of history read"),
    "hidden_size": (int, "size of the recurrent state"),
    "max_epochs": (int, "most epochs of training"),
    "max_time": (float, "training time budget in seconds, per network trained"),
    "n_members": (int, "networks trained with their own seeds, forecasting as their median"),
    "random_state": (int, "seed"),
    "n_threads": (_int_auto_or_none, "CPU threads for training; auto: the cores other "
                  "processes leave idle; none: torch's setting"),
}  # fmt: skip


def add_model_options(group: Any, defaults: dict[str, Any]) -> None:
    """Add a flag per `MODEL_FLAGS` parameter to an argparse group.

    ``defaults``: the estimator's parameters (``LSTMForecaster().get_params()``), the flags'
    defaults.
    """
    for name, (reader, text) in MODEL_FLAGS.items():
        group.add_argument(
            f"--{name.replace('_', '-')}", dest=name, type=reader, default=defaults[name],
            help=f"{text} (default: %(default)s)",
        )  # fmt: skip


def model_params(args: argparse.Namespace) -> dict[str, Any]:
    """Return the estimator's keyword arguments from the parsed `MODEL_FLAGS` flags."""
    return {name: getattr(args, name) for name in MODEL_FLAGS}


def adapter_roles(params: dict[str, Any], data: Any) -> dict[str, Any]:
    """Give the columns an adapter read as static (``--static-cols``) their role.

    ``read_ehr`` records its static columns (``data.metadata["static"]``); as plain columns
    they were forecast visit by visit as targets ("Race=Black", "Height"). Without
    ``--static-covariates``, their columns (one-hot ones too) become the static covariates,
    but those ``--target`` or ``--future-covariates`` names.
    """
    static = [str(name) for name in (getattr(data, "metadata", {}) or {}).get("static") or []]
    if params.get("static_covariates") is not None or not static:
        return params
    taken = set()  # columns given another role
    for role in ("target", "future_covariates"):
        given = params.get(role)
        taken |= {str(t) for t in ([given] if isinstance(given, str) else given or [])}
    columns = [
        feature for feature in data.features
        if any(feature == name or feature.startswith(f"{name}=") for name in static)
        and feature not in taken
    ]  # fmt: skip
    return {**params, "static_covariates": columns} if columns else params
