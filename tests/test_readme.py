"""The README's example runs as written and prints what the README shows (training cut short).

The front page has one Python example, followed by the output it printed at full training.
Run with `short_training` (a couple of epochs) the numbers differ, so the printed lines are
compared with the README's with every number masked: the same lines, the same words, the same
layout of numbers. The user guide's examples run as doctests (``docs/conftest.py``).
"""

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
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def masked(text: str) -> list[str]:
    """Return the non-blank lines of ``text``, whitespace collapsed and numbers masked."""
    return [NUMBER.sub("#", " ".join(line.split())) for line in text.splitlines() if line.strip()]


def test_readme_example_runs_and_prints_what_it_shows(tmp_path):
    readme = README.read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    assert len(blocks) == 1, "the README's front page has one example; the guide has the rest"
    shown = re.search(r"```python\n.*?```.*?```text\n(.*?)```", readme, flags=re.DOTALL)
    assert shown, "the example's output follows it in a text block"
    script = tmp_path / "readme.py"
    script.write_text(blocks[0])
    results = tmp_path / "runs.json"
    command = [sys.executable, str(HERE / "short_training.py"), str(results), str(script)]
    # A generous timeout against a hang, not a verdict on speed.
    subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
    run = json.loads(results.read_text())["readme.py"]
    assert run["error"] is None, run["error"][-2000:]
    assert masked(run["stdout"]) == masked(shown.group(1))
    assert (tmp_path / "readme" / "forecast.png").stat().st_size > 10_000  # the plot it draws


def test_readme_is_a_front_page():
    lines = README.read_text().splitlines()
    assert len(lines) <= 200
    for marker in ("<!-- main-command -->", "<!-- test-command -->", "<!-- bench-command -->"):
        assert marker in lines
    for link in re.findall(r"\]\(((?:docs|examples)/[^)#]*)", "\n".join(lines)):
        assert (README.parent / link).exists(), f"the README links to {link}, which is not there"


def test_readme_lists_every_example():
    listed = set(re.findall(r"^\| `(\w+\.py)` \|", README.read_text(), flags=re.MULTILINE))
    scripts = {path.name for path in (README.parent / "examples").glob("*.py")}
    assert listed == scripts
