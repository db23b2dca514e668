"""Module names of earlier versions, so that their pickles still load.

A pickle names the module of each class it holds (``tsforecast._network.RecurrentNet`` in a
model pickled before the forecaster's machinery moved into ``tsforecast._recurrent``). The
finder installed here answers an import of such a name with the module that holds the class
now; nothing else imports these names. ``save``/``load`` directories do not depend on module
names at all.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

__all__ = ["MOVED", "install"]

# Where each module of version 0.1.0.dev0 (before issue 26) that a pickle may name lives now.
MOVED = {
    "tsforecast._network": "tsforecast._recurrent.network",
    "tsforecast._scaling": "tsforecast._recurrent.scaling",
    "tsforecast._intervals": "tsforecast._recurrent.intervals",
    "tsforecast._bounds": "tsforecast._recurrent.bounds",
    "tsforecast._problem": "tsforecast._recurrent.problem",
    "tsforecast._training": "tsforecast._recurrent.training",
    "tsforecast._inference": "tsforecast._recurrent.inference",
    "tsforecast._distributed": "tsforecast._recurrent.distributed",
    "tsforecast._baselines": "tsforecast._recurrent.naive_start",
    "tsforecast._persistence": "tsforecast._recurrent.model_files",
    "tsforecast._validation": "tsforecast._checks",
    "tsforecast._inputs": "tsforecast._boundary",
    "tsforecast.data": "tsforecast.sequences",
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import an old module name as the module that replaced it."""

    def find_spec(
        self, name: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        """Return a spec for an old name (None for every other name)."""
        return importlib.util.spec_from_loader(name, self) if name in MOVED else None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        """Return the module that replaced ``spec.name``."""
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module: ModuleType) -> None:
        """Do nothing: the module was imported under its own name already."""


def install() -> None:
    """Put the finder on ``sys.meta_path`` (once)."""
    if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
        sys.meta_path.append(_MovedModules())
