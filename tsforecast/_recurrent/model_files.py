"""Saving and loading a fitted forecaster: a directory of JSON and a plain tensor file.

Four files: ``params.json`` (hyperparameters), ``state.json`` (what fit learned besides the
weights: standardisation, columns, history), ``weights.pt`` (a plain dictionary of tensors) and
``checksums.json`` (the SHA-256 of each of the three). Loading never executes code from the
files (`torch.load` with ``weights_only=True``); it checks every checksum, then that the
files agree with each other (shapes against the hyperparameters before anything is
allocated, finite numbers, columns in range), and reports anything wrong as a ValueError
naming the directory and the file.
"""

from __future__ import annotations

import hashlib
import io
import json
import numbers
import re
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tsforecast._recurrent.ensemble import check_members, member_builder
from tsforecast._recurrent.features import InputRows
from tsforecast._recurrent.inference import resolve_device
from tsforecast._recurrent.model_directory import (
    CHECKSUMS,
    FILES,
    MEMBERS,
    check_target,
    swap_files,
)
from tsforecast._recurrent.saved_state_checks import (
    check_forecast_state,
    count,
    low_high_pairs,
    saved_seasonal_average,
    saved_series_weights,
    saved_transform,
    scores_as_pairs,
    weights_as_triples,
)
from tsforecast._recurrent.scaling import Standardizer
from tsforecast._recurrent.series_scales import fitted_scale
from tsforecast._recurrent.target_transform import TRANSFORMS
from tsforecast._time_features import TIME_FEATURES

__all__ = ["FORMAT_VERSION", "load_model", "save_model"]

# 2: checksums.json covers every file. Version 1 directories (a checksum of the weights in
# state.json) still load.
# 3: horizon, quantile levels, interval calibration and baseline scores. Versions 1 and 2 (one
# step, point forecasts) load as horizon 1 without quantiles.
# 4: known-future and static covariates, time gaps (the network's ahead columns), bounds,
# the training range and the number of series. Earlier versions had none of these.
# 5: the target transform and its scores, the validation fraction.
# 6: the series' own scales of a model fitted with scale="series" (an older reader would
# forecast such a model unscaled, so it refuses the format instead), context_length_, scale_.
# 7: ensembles (n_members_ networks, the weights of member k under "members.k."); an older
# reader refuses the format rather than the n_members parameter it does not know.
# 8: the models of the other target transforms a forecaster combines, each a model directory
# of its own under transform_members/k (their names in state.json's transform_members_); an
# older reader would forecast with the first model alone, so it refuses the format instead.
# 9: the seasonal average's weight in the forecasts and its validation scores (an older reader
# would forecast without it, so it refuses the format instead; formats 1-8 load with weight 0).
# 10: the seasonal average's weight of each series of a panel.
# 11: calibration_lag_, the lag of the paths a model of changes was calibrated on (an older
# reader would apply those margins step by step, so it refuses the format instead; formats
# 1-10 load with 0: calibrated step by step, as they were), and interval_widening_, the
# widening of a combination's intervals (formats 1-10 load with None: none).
FORMAT_VERSION = 11
READABLE_VERSIONS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
# Fitted attributes saved as they are (JSON values).
SIMPLE_STATE = (
    "autoregressive_", "target_indices_", "target_names_", "y_ndim_", "history_", "n_epochs_",
    "best_epoch_", "stopped_", "fit_seconds_", "time_features_", "horizon_", "quantiles_",
    "seasonal_period_", "baseline_scores_", "future_indices_", "static_indices_",
    "n_series_in_", "time_gaps_", "target_transform_scores_", "validation_fraction_",
    "context_length_", "scale_", "n_threads_", "n_members_", "time_step_", "calibration_lag_",
)  # fmt: skip
# What format 1 and 2 files lack, as those models were: one step, point forecasts.
BEFORE_VERSION_3 = {
    "horizon_": 1, "quantiles_": None, "seasonal_period_": None, "baseline_scores_": None,
    "conformal_margins_": None,
}  # fmt: skip
# What the models of a combination's transforms share with the first (`_load_members`).
MEMBERS_AGREE = (
    "n_features_in_", "autoregressive_", "target_indices_", "target_names_", "horizon_",
    "quantiles_", "seasonal_period_", "context_length_", "future_indices_", "static_indices_",
    "time_features_", "time_gaps_", "n_series_in_",
)  # fmt: skip
# Standardizers, saved as the mean and scale lists of format version 1.
SCALER_STATE = {"input_scaler_": "input", "target_scaler_": "target"}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _plain(value: Any) -> Any:
    """JSON form of NumPy scalars and arrays (a grid built with np.arange gives np.int64)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot save a {type(value).__name__} ({value!r}) in a JSON file")


def save_model(model: Any, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a fitted forecaster to the directory ``path``.

    The files are written to a temporary directory beside ``path`` and moved into place at
    the end, so a failed save leaves nothing half-written.

    Parameters
    ----------
    model : LSTMForecaster
        A fitted model.
    path : str or Path
        The directory; created with its parents.
    overwrite : bool, default=False
        Replace an existing saved model at ``path``. A directory holding anything else is
        never replaced.

    Returns
    -------
    Path
        The directory.

    Raises
    ------
    FileExistsError
        If ``path`` exists (unless ``overwrite`` and it holds a saved model, or nothing).
    """
    path = Path(path)
    owner = f"{type(model).__name__}.save: '{path}'"
    replace = check_target(path, owner, overwrite)
    if _json_random_state(model.random_state) is None and model.random_state is not None:
        warnings.warn(
            f"{owner}: random_state is a {type(model.random_state).__name__}, which has no "
            "file form; it is saved as None (the fitted weights are saved; only a refit of the "
            "loaded model would draw a fresh seed). Use an int seed to keep it.",
            UserWarning,
            stacklevel=3,
        )
    contents = _contents(model, owner)
    for k, member in enumerate(getattr(model, "transform_members_", [])):
        files = _contents(member, owner).items()
        contents.update({f"{MEMBERS}/{k}/{name}": data for name, data in files})
    parent = path.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{path.resolve().name}.", dir=parent))
    except PermissionError:
        raise PermissionError(
            f"{owner}: this process may not write in {str(parent)!r}, so the model cannot be "
            "saved there. Save to a folder you can write to, or change its permissions."
        ) from None
    try:
        for name, data in contents.items():
            (scratch / name).parent.mkdir(parents=True, exist_ok=True)
            (scratch / name).write_bytes(data)
        if replace:
            swap_files(scratch, path)
        else:
            scratch.rename(path)  # the whole directory appears at once
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return path


def _tuple_params(params: dict[str, Any]) -> list[str]:
    """Names of the tuple parameters, and ``name.*`` of dicts of tuples (``bounds``)."""
    names = [name for name, value in params.items() if isinstance(value, tuple)]
    for name, value in params.items():
        if isinstance(value, dict) and any(isinstance(v, tuple) for v in value.values()):
            names.append(f"{name}.*")
    return names


def _contents(model: Any, owner: str) -> dict[str, bytes]:
    """Return the files of one fitted model (its transform members apart): name -> bytes."""
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in model.module_.state_dict().items()}, buffer)
    params = model.get_params(deep=False)
    params["random_state"] = _json_random_state(params["random_state"])
    names = getattr(model, "feature_names_in_", None)
    state = {
        "format_version": FORMAT_VERSION,
        "tuple_params": _tuple_params(params),
        "n_features_in_": model.n_features_in_,
        "feature_names_in_": None if names is None else [str(n) for n in names],
        "n_outputs": model.module_.output.n_targets,
        **{name: getattr(model, name) for name in SIMPLE_STATE},
        "transform_members_": [m.target_transform_.name for m in model.transform_members_],
        "seasonal_average_weight_": float(getattr(model, "seasonal_average_weight_", 0.0)),
        "seasonal_average_scores_": scores_as_pairs(
            getattr(model, "seasonal_average_scores_", None)
        ),
        "seasonal_average_weights_": weights_as_triples(
            getattr(model, "seasonal_average_weights_", None)
        ),
        "conformal_margins_": model.conformal_margins_,
        "interval_widening_": getattr(model, "interval_widening_", None),
        "target_range_": None
        if model.target_range_ is None
        else [
            [float(v) if np.isfinite(v) else None for v in pair] for pair in model.target_range_
        ],  # None: a target never observed in fit
        "bounds_": None
        if model.bounds_ is None
        else [[None if not np.isfinite(v) else float(v) for v in pair] for pair in model.bounds_],
    }
    transform = getattr(model, "target_transform_", None)
    if transform is not None:
        state["target_transform_"] = {"name": transform.name, "lag": transform.lag,
                               "columns": list(transform.columns)}  # fmt: skip
        if transform.series_scales is not None:
            state["target_transform_"]["series_scales"] = transform.series_scales.to_state()
    for attribute, prefix in SCALER_STATE.items():
        scaler = getattr(model, attribute)
        state[f"{prefix}_mean_"] = scaler.mean.tolist()
        state[f"{prefix}_scale_"] = scaler.scale.tolist()
    try:
        contents = {
            "params.json": json.dumps(params, indent=2, default=_plain).encode(),
            "state.json": json.dumps(state, indent=2, default=_plain).encode(),
            "weights.pt": buffer.getvalue(),
        }
    except TypeError as error:
        raise TypeError(f"{owner}: {error}; only JSON-friendly parameters can be saved.") from None
    sums = {
        "format_version": FORMAT_VERSION,
        "sha256": {n: _sha256(b) for n, b in contents.items()},
    }
    contents[CHECKSUMS] = json.dumps(sums, indent=2).encode()
    return contents


def load_model(cls: type, path: str | Path, device: str | None = None) -> Any:
    """Read a forecaster written by `save_model`.

    Parameters
    ----------
    cls : type
        The estimator class (``LSTMForecaster``).
    path : str or Path
        The model directory.
    device : str, optional
        Where to put the weights; the saved ``device`` parameter by default.

    Returns
    -------
    estimator
        The fitted estimator, its network in evaluation mode. A missing file raises
        FileNotFoundError; an unreadable, altered or inconsistent one, ValueError.
    """
    path = Path(path)
    owner = f"{cls.__name__}.load: '{path}'"
    contents, state = _read_files(path, owner)
    params = _json(contents, "params.json", owner)
    if state.get("format_version") in (1, 2):
        # The one-step point network those versions saved.
        params.setdefault("horizon", 1)
        params.setdefault("quantiles", None)
    # Models saved before weight averaging existed were trained without it: a refit of the
    # loaded model trains as the saved one was trained.
    params.setdefault("weight_averaging", 0.0)
    # Likewise, models saved before target transforms (format 4 and older) read the targets
    # as they are, and held out a tenth of each series.
    params.setdefault("target_transform", "none")
    params.setdefault("validation_fraction", 0.1)
    params.setdefault("seasonal_average", 0.0)  # formats 1-8: forecast without it
    for name in state.get("tuple_params") or ():  # JSON wrote them as lists
        value = params.get(name.removesuffix(".*"))
        if name.endswith(".*") and isinstance(value, dict):  # {"conc": (0, None)}
            params[name[:-2]] = {
                k: tuple(v) if isinstance(v, list) else v for k, v in value.items()
            }
        elif isinstance(value, list):
            params[name] = tuple(value)
    if device is not None:  # in place of the saved one, which this machine may not have
        resolve_device(device, cls.__name__)  # a clear error for a device it does not have
        params["device"] = device
    try:
        model = cls(**params)
        model._check_params()
    except (TypeError, ValueError) as error:
        raise ValueError(f"{owner}: params.json holds invalid parameters ({error}).") from None
    _restore_state(model, state, owner)
    try:
        tensors = torch.load(
            io.BytesIO(contents["weights.pt"]), weights_only=True, map_location="cpu"
        )
    except Exception as error:  # whatever a damaged file raises, report it as such
        raise ValueError(f"{owner}: weights.pt is unreadable ({error}).") from None

    build = member_builder(model._network_spec().build, model.n_members_)

    # Sizes are compared with the file before anything is built, and the shapes on the meta
    # device: an edited size allocates nothing.
    if not isinstance(tensors, dict) or not all(
        isinstance(v, torch.Tensor) for v in tensors.values()
    ):
        raise ValueError(f"{owner}: weights.pt does not hold a dictionary of tensors.")
    check_members(tensors, model.n_members_, owner)
    # An ensemble's members are alike (`MedianOfNetworks`): the first one tells the sizes.
    first = "members.0." if model.n_members_ > 1 else ""
    layers = sum(1 for key in tensors if re.fullmatch(rf"{first}recurrent\.weight_ih_l\d+", key))
    hidden = tensors.get(f"{first}recurrent.weight_hh_l0", torch.empty(0, 0)).shape[-1]
    if (layers, hidden) != (model.num_layers, model.hidden_size):
        raise ValueError(
            f"{owner}: weights.pt holds {layers} layer(s) of size {hidden} where params.json "
            f"says num_layers={model.num_layers}, hidden_size={model.hidden_size}; the files "
            "come from different models. Save the model again."
        )
    try:
        with torch.device("meta"):
            expected = {k: tuple(v.shape) for k, v in build().state_dict().items()}
    except Exception as error:
        raise ValueError(f"{owner}: the saved model is inconsistent ({error}).") from None
    found = {k: tuple(v.shape) for k, v in tensors.items()}
    if found != expected:
        raise ValueError(
            f"{owner}: weights.pt does not match params.json and state.json (tensor shapes "
            f"{found} where the parameters need {expected}); the files come from different "
            "models. Save the model again."
        )
    if not all(torch.isfinite(v).all() for v in tensors.values()):
        raise ValueError(f"{owner}: weights.pt holds NaN or infinite weights. Save it again.")
    module = build()
    module.load_state_dict(tensors)
    device_ = model._resolve_device()
    model.device_ = str(device_)
    model.module_ = module.to(device_).eval()
    names = state["transform_members_"]
    model.transform_members_ = _load_members(cls, model, path, names, device, owner)
    return model


def _load_members(
    cls: type, model: Any, path: Path, names: list[str], device: str | None, owner: str
) -> list[Any]:
    """Load the models of the other transforms, ``names``, from ``path / MEMBERS / k``."""
    folder = path / MEMBERS
    found = sorted(e.name for e in folder.iterdir()) if folder.is_dir() else []
    if found != sorted(str(k) for k in range(len(names))):
        raise ValueError(
            f"{owner}: state.json names {len(names)} model(s) of other target transforms "
            f"({names}), and {MEMBERS}/ holds {found}; the directory is incomplete or mixed up. "
            "Save the model again."
        )
    members = [load_model(cls, folder / str(k), device) for k in range(len(names))]
    for name, member in zip(names, members, strict=True):
        if member.target_transform_.name != name or member.transform_members_:
            raise ValueError(
                f"{owner}: {MEMBERS}/ holds a model of target_transform "
                f"{member.target_transform_.name!r} where state.json says {name!r}; the "
                "directory is mixed up. Save the model again."
            )
        for attribute in MEMBERS_AGREE:
            if getattr(member, attribute, None) != getattr(model, attribute, None):
                raise ValueError(
                    f"{owner}: the model of {name!r} in {MEMBERS}/ has another "
                    f"{attribute} than the first; the directory is mixed up (its models were "
                    "not fitted together). Save the model again."
                )
    return members


def _read_files(path: Path, owner: str) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Read the files and check them against checksums.json (state.json's hash in format 1).

    Returns the contents of each file, and state.json parsed.
    """
    if not path.exists():
        raise FileNotFoundError(f"{owner} does not exist (working directory: {Path.cwd()}).")
    if not path.is_dir():
        raise FileNotFoundError(f"{owner} is a file; give the saved model's directory.")
    for name in FILES:
        if not (path / name).is_file():
            raise FileNotFoundError(f"{owner} has no {name}; is it a saved model directory?")
    contents = {name: (path / name).read_bytes() for name in FILES}
    has_checksums = (path / CHECKSUMS).is_file()
    if has_checksums:  # format 2 and later: every file is checked first
        sums = _json({CHECKSUMS: (path / CHECKSUMS).read_bytes()}, CHECKSUMS, owner)
        expected = sums.get("sha256")
        if sums.get("format_version") not in READABLE_VERSIONS[1:] or not (
            isinstance(expected, dict) and set(expected) == set(FILES)
        ):
            raise ValueError(
                f"{owner}: {CHECKSUMS} is damaged (it must hold format_version "
                f"{FORMAT_VERSION} and the SHA-256 of {list(FILES)}). Save the model again."
            )
        _compare(contents, expected, owner)
    state = _json(contents, "state.json", owner)
    version = state.get("format_version")
    if version not in READABLE_VERSIONS:
        raise ValueError(
            f"{owner}: unknown format (format_version {version!r} in state.json; this version "
            f"of tsforecast reads {list(READABLE_VERSIONS)})."
        )
    if version == 1:  # the weights' checksum was in state.json
        if not isinstance(state.get("weights_sha256"), str):
            raise ValueError(
                f"{owner}: state.json of format 1 has no weights_sha256, so weights.pt cannot "
                "be checked; the directory is incomplete. Save the model again (a format-1 "
                "directory keeps the weights' SHA-256 in state.json)."
            )
        _compare(contents, {"weights.pt": state.get("weights_sha256")}, owner)
    elif not has_checksums:
        raise FileNotFoundError(f"{owner} has no {CHECKSUMS}; the files cannot be checked.")
    return contents, state


def _compare(contents: dict[str, bytes], expected: dict[str, Any], owner: str) -> None:
    for name, digest in expected.items():
        if _sha256(contents[name]) != digest:
            raise ValueError(
                f"{owner}: {name} does not match its checksum; the files were altered or "
                "mixed up. Save the model again."
            )


def _json(contents: dict[str, bytes], name: str, owner: str) -> dict[str, Any]:
    try:
        value = json.loads(contents[name].decode())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{owner}: {name} is unreadable ({error}).") from None
    if not isinstance(value, dict):
        raise ValueError(f"{owner}: {name} does not hold a JSON object.")
    return value


def _restore_state(model: Any, state: dict[str, Any], owner: str) -> None:
    """Set the fitted attributes from ``state``, checking each against the others."""

    def bad(what: str) -> ValueError:
        return ValueError(f"{owner}: state.json is inconsistent: {what}. Save the model again.")

    state.setdefault("time_features_", [])  # saved before calendar features
    if state.get("format_version") in (1, 2, 3, 4, 5):  # before context_length="auto"
        state.setdefault("context_length_", model.context_length)
        state.setdefault("scale_", fitted_scale(model.scale))
    state.setdefault("n_threads_", None)  # saved before it was recorded (formats 1-6)
    state.setdefault("n_members_", 1)  # saved before ensembles (formats 1-6)
    state.setdefault("transform_members_", [])  # saved with one transform (formats 1-7)
    if not (
        isinstance(state["transform_members_"], list)
        and all(isinstance(n, str) and n in TRANSFORMS for n in state["transform_members_"])
    ):
        raise bad(f"transform_members_ is {state['transform_members_']!r}")
    state.setdefault("time_step_", None)  # saved before it was recorded: not checked
    if state.get("format_version") in range(1, 11):  # calibrated step by step
        state.setdefault("calibration_lag_", 0)
    if state.get("format_version") in (1, 2, 3, 4):  # saved before target transforms
        state.setdefault("target_transform_scores_", None)
        state.setdefault("validation_fraction_", None)  # not recorded
    if state.get("format_version") in (1, 2, 3):
        state.setdefault("future_indices_", [])
        state.setdefault("static_indices_", [])
        state.setdefault("n_series_in_", 1)  # not recorded: never refuse data without ids
        state.setdefault("target_range_", None)  # not recorded: no divergence check
        state.setdefault("bounds_", None)
        state.setdefault("time_gaps_", False)
    if state.get("format_version") in (1, 2):
        state.pop("discrete_targets_", None)  # the rule of an earlier loss="auto"
        for name, value in BEFORE_VERSION_3.items():
            state.setdefault(name, value)
    missing = [k for k in (*SIMPLE_STATE, "n_features_in_", "n_outputs") if k not in state]
    if missing:
        raise bad(f"no {missing}")
    n_features = state["n_features_in_"]
    if not count(n_features):
        raise bad(f"n_features_in_ is {n_features!r}")
    names = state.get("feature_names_in_")
    if names is not None and (
        not isinstance(names, list) or len(names) != n_features or len(set(names)) != len(names)
    ):
        raise bad(f"feature_names_in_ does not name {n_features} distinct columns")
    autoregressive, targets = state["autoregressive_"], state["target_indices_"]
    if not isinstance(autoregressive, bool):
        raise bad(f"autoregressive_ is {autoregressive!r}")
    if autoregressive and (
        not isinstance(targets, list)
        or not all(count(i, 0) and i < n_features for i in targets)
        or len(set(targets)) != len(targets)
    ):
        raise bad(f"target_indices_ {targets!r} are not distinct columns of {n_features}")
    if not autoregressive and (targets is not None or state["y_ndim_"] not in (1, 2)):
        raise bad("a model fitted with y has no target_indices_ and y_ndim_ 1 or 2")
    calendar = state["time_features_"]
    if not isinstance(calendar, list) or not set(calendar) <= set(TIME_FEATURES):
        raise bad(f"time_features_ is {calendar!r}")
    if not count(state["n_members_"]):
        raise bad(f"n_members_ is {state['n_members_']!r}")
    n_outputs = state["n_outputs"]
    if not count(n_outputs) or (autoregressive and n_outputs != len(targets)):
        raise bad(f"n_outputs is {n_outputs!r} for targets {targets!r}")
    listed = state["target_names_"]
    if not (
        isinstance(listed, list)
        and len(listed) == n_outputs
        and all(isinstance(item, str) for item in listed)
    ):
        raise bad(f"target_names_ is not a list of {n_outputs} str values")
    check_forecast_state(state, n_outputs, bad)
    roles = [state["future_indices_"], state["static_indices_"]]
    if not all(isinstance(r, list) and all(count(i, 0) and i < n_features for i in r)
               for r in roles) or len({*roles[0], *roles[1], *(targets or [])}) != sum(
        map(len, [*roles, targets or []])
    ):  # fmt: skip
        raise bad(f"future_indices_ {roles[0]!r} and static_indices_ {roles[1]!r} are not "
                  f"distinct non-target columns of {n_features}")  # fmt: skip
    if state["scale_"] not in ("series", "global", "none"):
        raise bad(f"scale_ is {state['scale_']!r}")
    if not count(state["context_length_"]):
        raise bad(f"context_length_ is {state['context_length_']!r}")
    if not count(state["n_series_in_"]):
        raise bad(f"n_series_in_ is {state['n_series_in_']!r}")
    model.target_transform_ = saved_transform(state.get("target_transform_"), targets, bad)
    lag = 0 if model.target_transform_ is None else model.target_transform_.lag
    if type(state["calibration_lag_"]) is not int or state["calibration_lag_"] not in (0, lag):
        raise bad(f"calibration_lag_ is {state['calibration_lag_']!r}, not 0 or the lag {lag}")
    scaled = model.target_transform_ is not None and model.target_transform_.series_scales
    if (state["scale_"] == "series") != bool(scaled):
        saved = "saved" if scaled else "not saved"
        raise bad(f"scale_ is {state['scale_']!r} but the series' scales are {saved}")
    model.target_range_ = low_high_pairs(state, "target_range_", n_outputs, bad)
    model.bounds_ = low_high_pairs(state, "bounds_", n_outputs, bad)
    gap = state["time_gaps_"]
    if not isinstance(gap, bool):
        raise bad(f"time_gaps_ is {gap!r}")
    n_inputs = InputRows(
        n_features, (), None, roles[0], (), calendar, gap, state["horizon_"]
    ).n_inputs
    for name in SIMPLE_STATE:
        setattr(model, name, state[name])
    model.seasonal_average_weight_, model.seasonal_average_scores_ = saved_seasonal_average(
        state, bad
    )
    model.seasonal_average_weights_ = saved_series_weights(state, bad)
    model.quantiles_ = None if state["quantiles_"] is None else tuple(state["quantiles_"])
    margins = state.get("conformal_margins_")
    model.conformal_margins_ = None if margins is None else np.asarray(margins, np.float64)
    widening = state.get("interval_widening_")  # formats 1-10: none
    model.interval_widening_ = None if widening is None else np.asarray(widening, np.float64)
    for attribute, prefix in SCALER_STATE.items():
        size = n_inputs if prefix == "input" else n_outputs
        mean, scale = state.get(f"{prefix}_mean_"), state.get(f"{prefix}_scale_")
        try:
            mean, scale = np.asarray(mean, np.float32), np.asarray(scale, np.float32)
        except (TypeError, ValueError):
            raise bad(f"{prefix}_mean_/{prefix}_scale_ are not lists of numbers") from None
        if mean.shape != (size,) or scale.shape != (size,):
            raise bad(f"{prefix}_mean_/{prefix}_scale_ need {size} numbers each")
        if not (np.isfinite(mean).all() and np.isfinite(scale).all() and (scale > 0).all()):
            raise bad(f"{prefix}_mean_/{prefix}_scale_ hold NaN, infinite or non-positive values")
        setattr(model, attribute, Standardizer(mean, scale))
    model.n_features_in_ = int(n_features)
    if names is not None:
        model.feature_names_in_ = np.asarray(names, dtype=object)


def _json_random_state(value: Any) -> Any:
    if value is None or isinstance(value, numbers.Integral):
        return None if value is None else int(value)
    return None  # a Generator/RandomState has no JSON form; the fitted weights are saved
