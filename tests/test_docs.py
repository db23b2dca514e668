"""Every public name has its page in the API reference.

The public names are each public module's ``__all__``: a name added there without a page fails.
A name of ``tsforecast`` that is the same object as a name of a public submodule (the readers
of ``tsforecast.adapters``, the plots of ``tsforecast.plotting``) has one page, under the
submodule. Without a build this checks the reference's sources (``docs/api/*.rst``); with
``TSFORECAST_DOCS_HTML`` set to a built site (``make -C docs html-noplot``, as CI does) it also
checks the built pages.
"""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
API_SOURCES = ROOT / "docs" / "api"  # index.rst and a page per module
SUBMODULES = [
    "tsforecast.adapters",
    "tsforecast.datasets",
    "tsforecast.metrics",
    "tsforecast.model_selection",
    "tsforecast.plotting",
]
MODULES = ["tsforecast", *SUBMODULES]


def public_pages() -> dict[str, str]:
    """Return the page name (``module.name``) of every public name, keyed by how it is imported."""
    pages = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            home = module_name
            for sub in SUBMODULES:
                other = importlib.import_module(sub)
                if sub != module_name and name in other.__all__:
                    if getattr(other, name) is getattr(module, name):
                        home = sub
            pages[f"{module_name}.{name}"] = f"{home}.{name}"
    return pages


def listed_in_source() -> set[str]:
    """Return the ``module.name`` of every entry of the reference's autosummary tables."""
    listed, module, in_table = set(), None, False
    lines = [
        line for page in sorted(API_SOURCES.glob("*.rst")) for line in page.read_text().splitlines()
    ]
    for line in lines:
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = match.group(1)
        elif line.startswith(".. autosummary::"):
            in_table = True
        elif in_table and re.match(r"   [A-Za-z_]\w*$", line):
            listed.add(f"{module}.{line.strip()}")
        elif line and not line.startswith(" "):
            in_table = False
    return listed


def test_public_names_are_known():
    pages = public_pages()
    assert "tsforecast.LSTMForecaster" in pages
    assert pages["tsforecast.read_weather"] == "tsforecast.adapters.read_weather"
    assert len(pages) > 50


def test_every_public_name_is_in_the_reference_source():
    missing = sorted(set(public_pages().values()) - listed_in_source())
    assert not missing, f"add to docs/api/ (the page of its module): {missing}"


def test_every_public_name_has_a_built_page():
    html = os.environ.get("TSFORECAST_DOCS_HTML")
    if not html:
        pytest.skip("no built site: set TSFORECAST_DOCS_HTML to the html folder of a build")
    generated = Path(html) / "api" / "generated"
    missing, empty = [], []
    for imported, page in sorted(public_pages().items()):
        path = generated / f"{page}.html"
        if not path.is_file():
            missing.append(imported)
        elif f'id="{page}"' not in path.read_text():  # the object's own anchor: documented
            empty.append(imported)
    assert not missing, f"no page for {missing} in {generated}"
    assert not empty, f"pages without the object's documentation: {empty}"
    for imported, page in sorted(public_pages().items()):  # a class's own methods too
        obj = getattr(importlib.import_module(page.rsplit(".", 1)[0]), page.rsplit(".", 1)[1])
        if isinstance(obj, type):
            text = (generated / f"{page}.html").read_text()
            for name in dir(obj):
                method = getattr(obj, name)
                ours = (getattr(method, "__module__", None) or "").startswith("tsforecast")
                if not name.startswith("_") and callable(method) and ours:
                    assert f'id="{page}.{name}"' in text, f"{imported}.{name} is not documented"
    reference = "".join(page.read_text() for page in (Path(html) / "api").glob("*.html"))
    unlinked = [p for p in set(public_pages().values()) if f"generated/{p}.html" not in reference]
    assert not unlinked, f"not linked from the API reference: {unlinked}"
