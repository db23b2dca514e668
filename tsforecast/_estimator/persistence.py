"""`LSTMForecaster`'s persistence: model files (`save`, `load`) and pickling."""

from __future__ import annotations

import copy
import warnings
from pathlib import Path
from typing import Any, TypeVar

import torch
from sklearn.utils.validation import check_is_fitted

from tsforecast._recurrent import model_files
from tsforecast._recurrent.series_scales import fitted_scale

__all__ = ["PersistenceMethods"]

Model = TypeVar("Model", bound="PersistenceMethods")


class PersistenceMethods:
    """Saving, loading and pickling an `LSTMForecaster`."""

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Save a fitted model to the directory ``path`` (created with its parents).

        Four files: ``params.json`` (hyperparameters), ``state.json`` (scaler, columns,
        history), ``weights.pt`` (a plain tensor dictionary) and ``checksums.json`` (a SHA-256
        of each); a model combining several target transforms keeps each other model's four
        files in ``transform_members/0``, ``transform_members/1``... Loading never executes
        code from the files (`torch.load` with ``weights_only=True``) and refuses any file
        that was altered.

        Parameters
        ----------
        path : path
            The directory. It must not exist yet, or be empty.
        overwrite : bool, default=False
            Replace a model saved at ``path`` before (a directory holding anything else is
            never replaced).

        Returns
        -------
        Path
            The directory.

        Raises
        ------
        FileExistsError
            If ``path`` exists and may not be replaced.

        Notes
        -----
        In a distributed fit (``torchrun``) every rank holds the same model, and only rank 0
        writes: on the other ranks `save` writes nothing and returns the path at once (no
        collective call, so ``if rank == 0: model.save(path)`` is fine too). Before reading
        the files from another rank, wait for rank 0 (``torch.distributed.barrier()``).
        """
        check_is_fitted(self, "module_")
        ranks = self._ranks()
        if ranks is not None and ranks.rank != 0:
            return Path(path)
        self._members_in_step()  # their params.json: this model's parameters
        return model_files.save_model(self, path, overwrite=overwrite)

    @classmethod
    def load(cls: type[Model], path: str | Path, *, device: str | None = None) -> Model:
        """Load a model saved with `save`.

        Parameters
        ----------
        path : path
            The model directory.
        device : str, optional
            Where to put the weights; the saved ``device`` parameter by default.

        Returns
        -------
        LSTMForecaster

        Raises
        ------
        FileNotFoundError
            If the directory or one of its files is missing.
        ValueError
            If a file is unreadable, altered or does not match the others.
        """
        return model_files.load_model(cls, path, device)

    # ------------------------------------------------------------------ pickling and tags
    def __getstate__(self) -> dict[str, Any]:
        """Pickle with the network on the CPU, so pickles do not depend on a device."""
        if "module_" in self.__dict__:
            self._members_in_step()  # pickled with this model's parameters
        state = self.__dict__.copy()
        module = state.get("module_")
        if module is not None and any(p.device.type != "cpu" for p in module.parameters()):
            # Module.cpu() moves in place: pickle a CPU copy and leave the live model be.
            state["module_"] = copy.deepcopy(module).cpu()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle, moving the network to the ``device`` parameter's device."""
        state.setdefault("target_transform", "none")  # pickled before target transforms
        state.setdefault("n_threads", "auto")  # pickled before n_threads
        state.setdefault("n_members", 1)  # pickled before ensembles
        state.setdefault("seasonal_average", 0.0)  # pickled before it: forecasts without
        if "module_" in state:  # fitted before these were recorded: the parameters said it
            state.setdefault("n_threads_", None)
            state.setdefault("n_members_", 1)
            state.setdefault("transform_members_", [])  # pickled before combinations
            state.setdefault("seasonal_average_weight_", 0.0)  # and before the average
            state.setdefault("seasonal_average_scores_", None)
            state.setdefault("seasonal_average_weights_", None)  # and before a weight per series
            state.setdefault("calibration_lag_", 0)  # and before paths: calibrated per step
            state.setdefault("interval_widening_", None)  # and before combinations widened
            state.setdefault("scale_", fitted_scale(state.get("scale", True)))
            state.setdefault("context_length_", state.get("context_length"))
        self.__dict__.update(state)
        if "module_" in state:
            try:
                device = self._resolve_device()
            except ValueError:  # fitted on a GPU, unpickled where torch sees none
                device = torch.device("cpu")
                warnings.warn(
                    f"{type(self).__name__}: pickled with device={self.device!r}, which this "
                    "machine does not have; the model runs on the CPU (set_params(device="
                    "'cpu') silences this).",
                    UserWarning,
                    stacklevel=2,
                )
            self.device_ = str(device)
            self.module_ = self.module_.to(device)
