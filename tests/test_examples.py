"""Every script in examples/ runs to the end.

All of them in one process (torch and the package imported once), with training cut to a few
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
    """Run every example; return what each printed and its failure (None: none)."""
    results = tmp_path_factory.mktemp("examples") / "runs.json"
    command = [sys.executable, str(HERE / "short_training.py"), str(results), *map(str, EXAMPLES)]
    # A generous timeout against a hang, not a verdict on speed.
    subprocess.run(command, capture_output=True, text=True, check=True, timeout=1200)
    return json.loads(results.read_text())


@pytest.mark.parametrize("script", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs(script, runs):
    run = runs[script.name]
    assert run["error"] is None, run["error"]
    assert run["stdout"].strip()
