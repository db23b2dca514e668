"""The directory a model is saved in: may it be written, and the swap of its files.

A saved model is replaced only by another (with ``overwrite``): a directory holding anything
else is never touched, and a replacement either puts every new file in place or none.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

__all__ = ["CHECKSUMS", "FILES", "MEMBERS", "MODEL_ENTRIES", "check_target", "swap_files"]

FILES = ("params.json", "state.json", "weights.pt")
CHECKSUMS = "checksums.json"
MEMBERS = "transform_members"
# What a saved model directory may hold (adapter.json: the command line's reading options;
# transform_members: the models of a forecaster's other target transforms, one folder each).
MODEL_ENTRIES = frozenset({*FILES, CHECKSUMS, "adapter.json", MEMBERS})


def check_target(path: Path, owner: str, overwrite: bool) -> bool:
    """Return whether ``path`` exists and is to be replaced; raise if it may not be written.

    A path that does not exist is fine; an existing directory must be empty, or hold a saved
    model and nothing else (with ``overwrite``).
    """
    if path.is_symlink():
        raise FileExistsError(f"{owner} is a symbolic link; give the path of a real directory.")
    if not path.exists():
        return False
    if not path.is_dir():
        raise FileExistsError(f"{owner} is a file; give the path of a directory to create.")
    entries = {entry.name for entry in path.iterdir()}
    if not entries:
        return True
    if not overwrite:
        raise FileExistsError(
            f"{owner} already exists; pass overwrite=True to replace the model there, or "
            "choose another path."
        )
    if not (set(FILES) <= entries <= MODEL_ENTRIES):
        others = sorted(entries - MODEL_ENTRIES) or sorted(set(FILES) - entries)
        raise FileExistsError(
            f"{owner} holds other files than a saved model ({others[:5]}); it is never "
            "replaced. Choose another path."
        )
    return True


def swap_files(new: Path, path: Path) -> None:
    """Replace the entries of ``path`` by those of ``new``; on failure put the old ones back.

    Entries are files or folders (a combination's ``transform_members``).
    """
    backup = Path(tempfile.mkdtemp(prefix=f".{path.resolve().name}.old.", dir=new.parent))
    moved: list[Path] = []  # old entries, now in the backup
    placed: list[Path] = []  # new entries, now in path
    try:
        for entry in list(path.iterdir()):
            entry.rename(backup / entry.name)
            moved.append(entry)
        for entry in list(new.iterdir()):
            entry.rename(path / entry.name)
            placed.append(path / entry.name)
    except BaseException:
        for entry in placed:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        for entry in moved:
            (backup / entry.name).rename(entry)  # if this fails, the backup is kept
        shutil.rmtree(backup, ignore_errors=True)
        raise
    shutil.rmtree(backup, ignore_errors=True)
