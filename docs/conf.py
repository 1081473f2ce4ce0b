"""Sphinx configuration of the lassonetpy documentation (``./run docs``).

Extensions: autosummary + numpydoc (the API reference from the numpydoc docstrings),
myst-nb (Markdown pages, the README and BENCHMARKS.md included as they are, and the
vignette notebooks rendered from their executed ``.ipynb``, never re-executed), furo theme.
The build runs with warnings as errors (``sphinx-build -W``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import lassonetpy

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

project = "lassonetpy"
author = "lassonetpy developers"
copyright = "lassonetpy developers (MIT licence)"
release = lassonetpy.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
# errors.md and body.md are shown as project/docs/... (the README links to errors there)
exclude_patterns = ["_build", "**.ipynb_checkpoints", "errors.md", "body.md"]
templates_path = ["_templates"]  # autosummary/class.rst: own methods only (not sklearn's)

# API reference: one page per object from its numpydoc docstring
autosummary_generate = True
autodoc_typehints = "none"  # numpydoc's Parameters sections say it, with shapes
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# notebooks: shown as executed by `./run vignettes` (nbclient); never run here
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "amsmath", "deflist"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"lassonetpy {release}"
html_static_path: list[str] = []


#: Markdown files of the repository shown as pages, at their paths relative to the README, so
#: that the README's relative links (BENCHMARKS.md, bench/README.md, ...) resolve on the site
PROJECT_PAGES = [
    "README.md",
    "BENCHMARKS.md",
    "CONTRIBUTING.md",
    "bench/README.md",
    "lassonetpy/datasets/README.md",
    "docs/errors.md",
    "docs/body.md",
]


def _copy_project_pages() -> None:
    dest = HERE / "project"
    shutil.rmtree(dest, ignore_errors=True)
    for rel in PROJECT_PAGES:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)


def _copy_notebooks() -> None:
    """The executed vignette notebooks (vignettes/html/*.ipynb) become pages of the site."""
    dest = HERE / "vignettes"
    dest.mkdir(exist_ok=True)
    for old in dest.glob("*.ipynb"):
        old.unlink()
    for nb in sorted((ROOT / "vignettes" / "html").glob("*.ipynb")):
        shutil.copy2(nb, dest / nb.name)


_copy_project_pages()
_copy_notebooks()
