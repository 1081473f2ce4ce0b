"""Every vignette runs (quick settings) and renders to HTML with its figures, so none can rot.

``vignettes/render.py`` executes the cells in order in one namespace; any exception fails
the test with the vignette name and the cell's line. Quick settings
(``LASSONETPY_VIGNETTE_QUICK=1``: tiny networks, short paths) keep the three under a minute.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

VIGNETTES = Path(__file__).resolve().parents[1] / "vignettes"


def _load_renderer():
    spec = importlib.util.spec_from_file_location(
        "lassonetpy_vignette_render", VIGNETTES / "render.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


render = _load_renderer()
NAMES = render.vignette_names()
# minimum number of figures each vignette must produce
FIGURES = {
    "getting-started": 2,
    "cross-validation": 3,
    "mice-feature-selection": 1,
    "unsupervised": 3,
    "matrix-completion": 1,
}


def test_the_expected_vignettes_exist():
    assert set(FIGURES) <= set(NAMES), NAMES


@pytest.mark.parametrize("name", NAMES)
def test_vignette_runs_and_renders(name, tmp_path):
    html_file = render.render(name, out=tmp_path, quick=True)
    page = html_file.read_text(encoding="utf-8")
    assert html_file.name == f"{name}.html"
    assert "<h1" in page and "quick settings" in page
    assert 'class="output"' in page  # the code printed something
    figures = re.findall(r'<img src="([^"]+)"', page)
    assert len(figures) >= FIGURES.get(name, 0)
    for src in figures:
        png = tmp_path / src
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", src
    assert "Traceback (most recent call last)" not in page


def test_a_failing_cell_names_the_vignette_and_line(tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("# %% [markdown]\n# # Broken\n\n# %%\nx = 1\n\n# %%\nraise ValueError('boom')\n")
    with pytest.raises(RuntimeError, match=r"(?s)'broken', cell at line 8.*line 8.*boom"):
        render.render(str(bad), out=tmp_path / "html")


def test_cells_and_markdown():
    cells = render.parse_cells(
        '"""doc"""\nimport os\n# %% [markdown]\n# # T\n# - a\n#   b\n# - c\n\n# %%\nos.sep\n'
    )
    assert [c.kind for c in cells] == ["code", "markdown", "code"]
    assert cells[0].source == "import os" and cells[2].line == 10
    html = render.markdown_to_html(
        cells[1].source + "\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n"
        "```\nx < 1\n```\n\n> **note** [link](http://x.org)"
    )
    assert '<h1 id="t">T</h1>' in html
    assert "<ul><li>a b</li><li>c</li></ul>" in html
    assert '<td style="text-align:right">2</td>' in html
    assert "x &lt; 1" in html
    assert '<blockquote><p><strong>note</strong> <a href="http://x.org">link</a></p>' in html
