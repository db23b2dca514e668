"""Saving and loading a fitted forecaster: a directory of JSON and a plain tensor file.

Three files: ``params.json`` (hyperparameters), ``state.json`` (what fit learned besides the
weights: standardisation, columns, history, and a SHA-256 of the weights) and ``weights.pt``
(a plain dictionary of tensors). Loading never executes code from the files (`torch.load`
with ``weights_only=True``), checks the checksum, and reports any inconsistency as a
ValueError naming the directory.
"""

from __future__ import annotations

import hashlib
import io
import json
import numbers
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tsforecast._network import OutputShape, RecurrentNet
from tsforecast._scaling import Standardizer

__all__ = ["FORMAT_VERSION", "load_model", "save_model"]

FORMAT_VERSION = 1
FILES = ("params.json", "state.json", "weights.pt")
# Fitted attributes saved as they are (JSON values).
SIMPLE_STATE = (
    "autoregressive_", "target_indices_", "target_names_", "discrete_targets_", "y_ndim_",
    "history_", "n_epochs_", "best_epoch_", "stopped_", "fit_seconds_", "time_features_",
)  # fmt: skip
# Standardizers, saved as the mean and scale lists of format version 1.
SCALER_STATE = {"input_scaler_": "input", "target_scaler_": "target"}


def save_model(model: Any, path: str | Path) -> Path:
    """Write a fitted forecaster to the directory ``path`` (created if needed).

    Parameters
    ----------
    model : LSTMForecaster
        A fitted model.
    path : str or Path
        The directory.

    Returns
    -------
    Path
        The directory.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in model.module_.state_dict().items()}, buffer)
    weights = buffer.getvalue()
    params = model.get_params(deep=False)
    params["random_state"] = _json_random_state(params["random_state"])
    names = getattr(model, "feature_names_in_", None)
    state = {
        "format_version": FORMAT_VERSION,
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
        "n_features_in_": model.n_features_in_,
        "feature_names_in_": None if names is None else [str(n) for n in names],
        "n_outputs": model.module_.output.n_targets,
        **{name: getattr(model, name) for name in SIMPLE_STATE},
    }
    for attribute, prefix in SCALER_STATE.items():
        scaler = getattr(model, attribute)
        state[f"{prefix}_mean_"] = scaler.mean.tolist()
        state[f"{prefix}_scale_"] = scaler.scale.tolist()
    (path / "params.json").write_text(json.dumps(params, indent=2))
    (path / "state.json").write_text(json.dumps(state, indent=2))
    (path / "weights.pt").write_bytes(weights)
    return path


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
    for name in FILES:
        if not (path / name).is_file():
            raise FileNotFoundError(f"{owner} has no {name}; is it a saved model directory?")
    try:
        params = json.loads((path / "params.json").read_text())
        state = json.loads((path / "state.json").read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{owner}: a JSON file is unreadable ({error}).") from None
    if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{owner}: unknown format (expected format_version {FORMAT_VERSION}).")
    weights = (path / "weights.pt").read_bytes()
    if hashlib.sha256(weights).hexdigest() != state.get("weights_sha256"):
        raise ValueError(
            f"{owner}: weights.pt does not match the checksum in state.json; the files were "
            "altered or mixed up. Save the model again."
        )
    try:
        model = cls(**params)
        if device is not None:
            model.device = device
        model._check_params()
        state.setdefault("time_features_", [])  # saved before calendar features
        for name in SIMPLE_STATE:
            setattr(model, name, state[name])
        for attribute, prefix in SCALER_STATE.items():
            mean = np.asarray(state[f"{prefix}_mean_"], dtype=np.float32)
            scale = np.asarray(state[f"{prefix}_scale_"], dtype=np.float32)
            setattr(model, attribute, Standardizer(mean, scale))
        model.n_features_in_ = int(state["n_features_in_"])
        if state["feature_names_in_"] is not None:
            model.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)
        module = RecurrentNet(
            model._input_layout(),
            OutputShape(n_targets=int(state["n_outputs"])),
            hidden_size=model.hidden_size,
            num_layers=model.num_layers,
            cell=model.cell,
            dropout=model.dropout,
        )
        tensors = torch.load(io.BytesIO(weights), weights_only=True, map_location="cpu")
        module.load_state_dict(tensors)
    except Exception as error:  # whatever a damaged file raises, report it as such
        raise ValueError(f"{owner}: the saved model is inconsistent ({error}).") from None
    device_ = model._resolve_device()
    model.device_ = str(device_)
    model.module_ = module.to(device_).eval()
    return model


def _json_random_state(value: Any) -> Any:
    if value is None or isinstance(value, numbers.Integral):
        return None if value is None else int(value)
    return None  # a Generator/RandomState has no JSON form; the fitted weights are saved
