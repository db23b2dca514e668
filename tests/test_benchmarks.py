"""The benchmark scripts import, and the benchmark command's accuracy verdict can fail.

Running the scripts, on small sizes, and the accuracy targets are the benchmark command's:
``python benchmarks/check.py`` (all, minutes), ``--smoke`` (seconds, in CI). Here: what takes
no training.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(BENCHMARKS.glob("*.py"))


def load(script: Path, monkeypatch):
    """Import a benchmark script as its folder's scripts import one another."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(f"benchmark_{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("script", SCRIPTS, ids=[script.name for script in SCRIPTS])
def test_every_benchmark_script_imports_what_it_uses(script, monkeypatch):
    module = load(script, monkeypatch)
    if not script.name.startswith("_"):
        assert callable(module.main)
    # The package names imported inside functions too (in the worker processes): they exist.
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tsforecast"):
            imported = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(imported, alias.name) or importlib.util.find_spec(
                    f"{node.module}.{alias.name}"
                ), f"{script.name}: from {node.module} import {alias.name}"


def test_the_accuracy_targets_pass_the_recorded_figures_and_fail_a_model_that_loses(
    monkeypatch,
):
    check = load(BENCHMARKS / "check.py", monkeypatch)
    recorded = json.loads((BENCHMARKS / "results" / "accuracy.json").read_text())
    seed0 = {r["task"]: r for r in recorded if r["seed"] == 0 and r["task"] != "weather_roles"}
    assert sorted(seed0) == ["daily", "pbc", "speech", "temperature", "weather"]
    assert check.accuracy_failures(seed0) == []
    losing = json.loads(json.dumps(seed0))
    losing["daily"]["model"][1] = losing["daily"]["persistence"][1]  # a tie loses
    losing["pbc"]["model"][0] = 2 * losing["pbc"]["persistence"][0]
    losing["temperature"]["model"][0] = 1.011  # the transforms compared after one epoch
    losing["weather"]["intervals_24"]["coverage80"] = 0.7
    losing["weather"]["forecast_warnings"] = ["forecast diverges from the training range"]
    failures = check.accuracy_failures(losing)
    assert [line.split(":")[0] for line in failures] == [
        "temperature, 1 steps", "daily, 7 steps", "pbc, 1 steps", "weather", "weather"
    ]  # fmt: skip
