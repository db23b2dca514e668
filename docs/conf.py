"""Sphinx configuration of the tsforecast documentation.

Build: ``make -C docs html`` (user guide, API reference, gallery executed) or
``make -C docs html-noplot`` (the gallery's pages without running the examples, as CI does).
"""

from __future__ import annotations

import os
import urllib.request

import tsforecast

project = "tsforecast"
author = "the tsforecast developers"
copyright = "2026, the tsforecast developers"
release = tsforecast.__version__
version = release

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "conftest.py", "**.ipynb_checkpoints", "auto_examples/*.ipynb"]
templates_path = ["_templates"]
# `name` in a docstring is a cross-reference (to the API pages, or code when nothing matches).
default_role = "py:obj"
# The gallery's configuration holds a function (reset_modules), which Sphinx cannot cache.
suppress_warnings = ["config.cache"]

# MyST: guide pages are Markdown; their ``>>>`` examples run as doctests (pytest).
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

# API reference: autosummary writes one page per public name into api/generated/.
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types
numpydoc_show_class_members = False  # the class template lists the methods
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Cross-links into the libraries tsforecast's users know. Their inventories are fetched at build
# time; a build without network (this project's machines and CI reach no documentation site)
# leaves out the projects it cannot reach, with a note, rather than failing on a warning.
INTERSPHINX = {
    "python": "https://docs.python.org/3/",
    "numpy": "https://numpy.org/doc/stable/",
    "pandas": "https://pandas.pydata.org/docs/",
    "sklearn": "https://scikit-learn.org/stable/",
    "torch": "https://docs.pytorch.org/docs/stable/",
    "matplotlib": "https://matplotlib.org/stable/",
}


def _reachable(url: str) -> bool:
    """Return whether ``url``'s ``objects.inv`` answers within a few seconds."""
    if os.environ.get("TSFORECAST_DOCS_OFFLINE"):
        return False
    try:
        with urllib.request.urlopen(url + "objects.inv", timeout=5):
            return True
    except OSError:
        return False


intersphinx_mapping = {name: (url, None) for name, url in INTERSPHINX.items() if _reachable(url)}
if len(intersphinx_mapping) < len(INTERSPHINX):
    left_out = sorted(set(INTERSPHINX) - set(intersphinx_mapping))
    print(f"tsforecast docs: intersphinx inventories not reachable, left out: {left_out}")


def _torch_one_thread(gallery_conf, fname, when):
    """Run each example on one torch thread, as the tests do."""
    import torch

    torch.set_num_threads(1)


# Gallery: every script of examples/ is a page with its code, output and figures.
# ``make html-noplot`` (CI) renders the pages without running the scripts.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r".*\.py$",  # run every example, not only plot_*.py
    "ignore_pattern": r"__init__\.py",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "reset_modules": ("matplotlib", _torch_one_thread),
    "min_reported_time": 1,
    "show_memory": False,
    "plot_gallery": "True",
}


html_theme = "pydata_sphinx_theme"
html_title = f"tsforecast {release}"
html_static_path = []
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_context = {"default_mode": "light"}
html_show_sourcelink = True


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Leave out the methods a class inherits from scikit-learn (documented by scikit-learn).

    The class pages list inherited members (the naive forecasters' methods come from a private
    base class), but not ``get_params``, ``set_output`` or the generated ``set_*_request``:
    their docstrings point into scikit-learn's own glossary, which this site does not have.
    """
    module = getattr(obj, "__module__", None) or ""
    if module.split(".")[0] == "sklearn":
        return True
    return None


def setup(app):
    """Connect the hooks above."""
    app.connect("autodoc-skip-member", _skip_foreign_members)
