"""The README's Python examples run as written (training cut short: `short_training`)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # end to end: run in CI, skipped by -m 'not slow'

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"


def test_readme_python_blocks_run(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert len(blocks) >= 5
    script = tmp_path / "readme.py"
    script.write_text("\n".join(blocks))
    results = tmp_path / "runs.json"
    command = [sys.executable, str(HERE / "short_training.py"), str(results), str(script)]
    # A generous timeout against a hang, not a verdict on speed.
    subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
    run = json.loads(results.read_text())["readme.py"]
    assert run["error"] is None, run["error"][-2000:]
