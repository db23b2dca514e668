"""The import rules of the package, checked on its source (see docs/architecture.md).

- The data layer (adapters, `SequenceData` and its files, windowing) never imports the
  estimator's machinery (``tsforecast._recurrent``) or the estimator (``forecaster`` and its
  parts in ``tsforecast._estimator``), directly or through another module: it serves any
  model.
- The machinery never imports the estimator or the package's front (``tsforecast``): it takes
  records and arrays.
- No module imports itself back through others (no cycles), counting imports inside
  functions too.
- No module of the package, nor of its tests, benchmarks and examples, is over 600 lines.

Run as a script (``python tests/test_architecture.py``) it prints what breaks a rule.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tsforecast"
DATA_LAYER = (
    "tsforecast.adapters",
    "tsforecast.sequences",
    "tsforecast.storage",
    "tsforecast.windowing",
)
MACHINERY = "tsforecast._recurrent"
ESTIMATOR = "tsforecast.forecaster"
ESTIMATOR_PARTS = "tsforecast._estimator"
# No module of the package is longer than this (lines, docstrings included).
MOST_LINES = 600


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Return, for every module of the package, the package's modules it imports."""
    files = {module_name(path): path for path in package.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:  # a submodule by name, or a name from a module
                    child = f"{node.module}.{alias.name}"
                    targets.add(child if child in files else node.module)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> dict[str, list[str]]:
    """Return every module ``start`` imports, directly or not, with a path to it."""
    paths, stack = {start: [start]}, [start]
    while stack:
        current = stack.pop()
        for target in sorted(graph[current]):
            if target not in paths:
                paths[target] = [*paths[current], target]
                stack.append(target)
    return paths


def broken_layers(graph: dict[str, set[str]]) -> list[str]:
    """Return a line per import that breaks a layer rule, with the chain that leads to it."""
    problems = []
    for name in sorted(graph):
        if any(within(name, layer) for layer in DATA_LAYER):
            forbidden = (MACHINERY, ESTIMATOR, ESTIMATOR_PARTS)
        elif within(name, MACHINERY):
            forbidden = (ESTIMATOR, ESTIMATOR_PARTS, "tsforecast")
        else:
            continue
        nearest_first = sorted(reachable(graph, name).items(), key=lambda i: (len(i[1]), i[0]))
        for target, path in nearest_first:
            if target != name and any(
                target == f if f == "tsforecast" else within(target, f) for f in forbidden
            ):
                problems.append(f"{name} imports {target}: {' -> '.join(path)}")
                break
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the import cycles (one path around each strongly connected group)."""
    found = []
    for name in sorted(graph):
        back = [m for m in graph[name] if name in reachable(graph, m)]
        for target in sorted(back):
            path = reachable(graph, target)[name]
            cycle = [name, *path]
            if min(cycle[:-1]) == name:  # each cycle once, from its smallest module
                found.append(cycle)
    return found


def test_the_import_graph_is_read():
    graph = import_graph()
    assert "tsforecast._boundary" in graph[ESTIMATOR]
    assert "tsforecast._npy_folder" in graph["tsforecast.sequences"]


def test_the_data_layer_never_imports_the_estimator_or_its_machinery():
    assert broken_layers(import_graph()) == []


def test_no_module_imports_itself_back():
    assert cycles(import_graph()) == []


def too_long(package: Path = PACKAGE) -> list[str]:
    """Return a line per Python file over `MOST_LINES` lines.

    The package's files, and those of the tests, benchmarks and examples beside it.
    """
    root = package.parent
    files = [*package.rglob("*.py"), *[path for folder in ("tests", "benchmarks", "examples")
                                       for path in (root / folder).rglob("*.py")]]  # fmt: skip
    lengths = {path: len(path.read_text().splitlines()) for path in files}
    return [f"{path.relative_to(root)}: {n} lines" for path, n in sorted(lengths.items())
            if n > MOST_LINES]  # fmt: skip


def test_no_module_is_over_600_lines():
    assert too_long() == []


def test_the_check_finds_a_wrong_import(tmp_path):
    (tmp_path / "tsforecast" / "adapters").mkdir(parents=True)
    (tmp_path / "tsforecast" / "_recurrent").mkdir()
    (tmp_path / "tsforecast" / "__init__.py").write_text("")
    (tmp_path / "tsforecast" / "_recurrent" / "__init__.py").write_text("")
    (tmp_path / "tsforecast" / "_recurrent" / "network.py").write_text("")
    (tmp_path / "tsforecast" / "adapters" / "__init__.py").write_text("")
    (tmp_path / "tsforecast" / "adapters" / "ehr.py").write_text("import tsforecast._helper\n")
    (tmp_path / "tsforecast" / "_helper.py").write_text(
        "def f():\n    from tsforecast._recurrent import network\n"
    )
    global PACKAGE
    real, PACKAGE = PACKAGE, tmp_path / "tsforecast"
    try:
        graph = import_graph(PACKAGE)
    finally:
        PACKAGE = real
    assert broken_layers(graph) == [
        "tsforecast.adapters.ehr imports tsforecast._recurrent.network: tsforecast.adapters.ehr "
        "-> tsforecast._helper -> tsforecast._recurrent.network"
    ]
    graph["tsforecast._recurrent.network"] = {"tsforecast.adapters.ehr"}
    assert cycles(graph)[0][0] == cycles(graph)[0][-1]


if __name__ == "__main__":
    graph = import_graph()
    problems = broken_layers(graph) + [" -> ".join(cycle) for cycle in cycles(graph)]
    problems += too_long()
    print("\n".join(problems) or f"import rules hold ({len(graph)} modules)")
    sys.exit(1 if problems else 0)
