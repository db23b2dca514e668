"""Run Python scripts with every `LSTMForecaster` fit cut to a few epochs, on one thread.

``python tests/short_training.py RESULTS.json SCRIPT...`` runs each SCRIPT as ``__main__``
(as ``python SCRIPT`` would: its folder first on ``sys.path``), one after the other in this
one process (torch and the package are imported once), each in a folder of its own beside
RESULTS.json, and writes there, by script name, what it printed, the traceback of its
failure (None when it ran to the end) and the seconds it took.

Each fit trains for at most `EPOCHS` epochs, with no wall-time budget; the parameters are
restored after the fit, so the model shows those the script gave. The tests of the examples
and of the README run them so: what they check is that the code runs as written, to the end,
not what it learns (the learning test's and the benchmark command's: ``benchmarks/check.py``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import sys
import time
import traceback
from pathlib import Path

import torch

from tsforecast import LSTMForecaster

EPOCHS = 2


def short(fit):
    """Wrap `LSTMForecaster.fit` to train at most `EPOCHS` epochs, with no wall-time budget."""

    def short_fit(self, *args, **kwargs):
        asked = {"max_epochs": self.max_epochs, "max_time": self.max_time}
        self.max_epochs, self.max_time = min(self.max_epochs, EPOCHS), None
        try:
            return fit(self, *args, **kwargs)
        finally:
            self.set_params(**asked)

    short_fit.__doc__ = fit.__doc__
    return short_fit


def run(script: Path, folder: Path) -> dict[str, str | float | None]:
    """Run ``script`` as ``__main__`` in ``folder``; return its output, failure and seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    path, argv, cwd = list(sys.path), list(sys.argv), os.getcwd()
    sys.path[0], sys.argv = str(script.parent), [str(script)]
    os.chdir(folder)
    printed, error, started = io.StringIO(), None, time.perf_counter()
    try:
        with contextlib.redirect_stdout(printed):
            runpy.run_path(str(script), run_name="__main__")
    except SystemExit as stop:
        if stop.code not in (0, None):
            error = f"SystemExit({stop.code!r})"
    except BaseException:  # every failure is reported, by script
        error = traceback.format_exc()
    finally:
        os.chdir(cwd)
        sys.path[:], sys.argv = path, argv
    seconds = time.perf_counter() - started
    return {"stdout": printed.getvalue(), "error": error, "seconds": seconds}


def main() -> None:
    results, scripts = Path(sys.argv[1]), [Path(name).resolve() for name in sys.argv[2:]]
    torch.set_num_threads(1)
    LSTMForecaster.fit = short(LSTMForecaster.fit)
    runs = {script.name: run(script, results.parent / script.stem) for script in scripts}
    results.write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
