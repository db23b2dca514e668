"""Checking, before any training, that a command can write its outputs where it is told."""

from __future__ import annotations

import tempfile
from pathlib import Path


def writable_folder(folder: Path, what: str) -> None:
    """Check, before any work, that files can be written in ``folder`` (created if needed)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise OSError(f"cannot write {what} in '{folder}' ({error.strerror or error}).") from None


def check_model_out(out: Path, overwrite: bool) -> None:
    """Refuse a model directory that save would refuse, and an unwritable place, before fit."""
    from tsforecast._recurrent.model_directory import check_target

    try:
        check_target(out, f"--out '{out}'", overwrite)
    except FileExistsError as error:
        raise FileExistsError(str(error).replace("overwrite=True", "--overwrite")) from None
    writable_folder(out.parent if not out.exists() else out, "the model")
