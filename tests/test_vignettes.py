"""Every vignette runs as a notebook (quick settings) and renders, so none can rot; the
shipped notebooks are valid, executed notebooks.

``docs/render_vignettes.py`` reads each ``vignettes/*.py`` (jupytext percent format),
executes it with nbclient in a fresh kernel and converts it with nbconvert. Quick settings
(``LASSONETPY_VIGNETTE_QUICK=1``: tiny networks, short paths) keep each under ~20 s.
"""

from __future__ import annotations

import base64
import importlib.util
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[1]
VIGNETTES = ROOT / "vignettes"


def _load_renderer():
    spec = importlib.util.spec_from_file_location(
        "lassonetpy_render_vignettes", ROOT / "docs" / "render_vignettes.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


render = _load_renderer()
NAMES = render.vignette_names()
# minimum number of figures each vignette must produce (others' vignettes: at least 0)
FIGURES = {
    "getting-started": 3,
    "cross-validation": 3,
    "mice-feature-selection": 2,
    "survival": 4,
    "unsupervised": 3,
    "matrix-completion": 1,
}
PNG = b"\x89PNG\r\n\x1a\n"


def _outputs(nb, kind=None):
    for cell in nb.cells:
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                if kind is None or out.output_type == kind:
                    yield out


def _figures(nb):
    return [o for o in _outputs(nb) if "image/png" in o.get("data", {})]


def test_the_expected_vignettes_exist_and_every_script_is_one():
    assert set(FIGURES) <= set(NAMES), NAMES
    scripts = {p.stem for p in VIGNETTES.glob("*.py") if not p.name.startswith("_")}
    assert set(NAMES) == scripts


@pytest.mark.parametrize("name", NAMES)
def test_vignette_runs_as_a_notebook_and_renders(name, tmp_path):
    ipynb, html = render.render(name, out=tmp_path, quick=True)
    assert (ipynb.name, html.name) == (f"{name}.ipynb", f"{name}.html")
    nb = nbformat.read(str(ipynb), as_version=4)
    nbformat.validate(nb)
    assert "quick settings" in nb.cells[-1].source
    assert not list(_outputs(nb, "error"))
    assert list(_outputs(nb, "stream")) or list(_outputs(nb, "execute_result"))
    figures = _figures(nb)
    assert len(figures) >= FIGURES.get(name, 0)
    for fig in figures:
        assert base64.b64decode(fig.data["image/png"])[:8] == PNG
    page = html.read_text(encoding="utf-8")
    assert "<h1" in page and page.count("data:image/png;base64,") >= FIGURES.get(name, 0)
    assert "Traceback (most recent call last)" not in page


@pytest.mark.parametrize("name", NAMES)
def test_the_shipped_notebook_is_valid_and_executed(name):
    """``vignettes/html/<name>.ipynb`` opens in Jupyter: nbformat validates it, every code
    cell ran (in order, without errors) and the HTML beside it exists."""
    ipynb = VIGNETTES / "html" / f"{name}.ipynb"
    assert ipynb.exists(), f"run ./run vignettes {name} and commit vignettes/html/{name}.ipynb"
    nb = nbformat.read(str(ipynb), as_version=4)
    nbformat.validate(nb)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts and counts == list(range(1, len(counts) + 1))
    assert not list(_outputs(nb, "error"))
    assert len(_figures(nb)) >= FIGURES.get(name, 0)
    assert (VIGNETTES / "html" / f"{name}.html").exists()


def test_a_failing_cell_names_the_vignette_and_line(tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("# %% [markdown]\n# # Broken\n\n# %%\nx = 1\n\n# %%\nraise ValueError('boom')\n")
    with pytest.raises(RuntimeError, match=r"(?s)'broken', cell at line 8 failed.*boom"):
        render.render(str(bad), out=tmp_path / "html")
