"""Every script in examples/ runs to the end.

In two processes (torch and the package imported once in each), with training cut to a few
epochs (`short_training`): what is checked is that each runs as written, not what it learns.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # end to end: run in CI, skipped by -m 'not slow'

HERE = Path(__file__).resolve().parent
EXAMPLES = sorted((HERE.parent / "examples").glob("*.py"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run every example; return what each printed and its failure (None: none).

    In two processes side by side (each torch on one thread), half of the examples each.
    """
    folder = tmp_path_factory.mktemp("examples")
    halves = [EXAMPLES[0::2], EXAMPLES[1::2]]
    results = [folder / f"runs{i}.json" for i in range(len(halves))]
    processes = [
        subprocess.Popen(
            [sys.executable, str(HERE / "short_training.py"), str(result), *map(str, half)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for result, half in zip(results, halves, strict=True)
    ]
    found = {}
    try:
        for process, result in zip(processes, results, strict=True):
            # A generous timeout against a hang, not a verdict on speed.
            output, _ = process.communicate(timeout=1200)
            assert process.returncode == 0, output[-3000:]
            found.update(json.loads(result.read_text()))
    finally:
        for process in processes:  # none left running after a failure or a hang
            process.kill()
            process.wait()
    return found


@pytest.mark.parametrize("script", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs(script, runs):
    run = runs[script.name]
    assert run["error"] is None, run["error"]
    assert run["stdout"].strip()
