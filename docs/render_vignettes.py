"""Run the vignettes as Jupyter notebooks and write them as ``.ipynb`` and HTML.

A vignette is a plain Python script in jupytext's "percent" format in ``vignettes/``::

    # %% [markdown]
    # # Title
    # Prose in Markdown, each line behind "# ".

    # %%
    fit = lassonet("y ~ .", df)
    fit            # the value of a bare last expression is shown, as in any notebook

Every ``vignettes/*.py`` is one (files starting with ``_`` are not). For each, this script

1. reads it with **jupytext** into a notebook,
2. executes it with **nbclient** in a fresh ``python3`` kernel (ipykernel), in
   ``vignettes/``, figures inline; ``--quick`` sets ``LASSONETPY_VIGNETTE_QUICK=1`` (small
   settings) for the kernel,
3. appends a note (settings, versions, date, run time), validates the notebook with
   **nbformat** and writes ``vignettes/html/<name>.ipynb`` (executed: open it in Jupyter),
4. converts it with **nbconvert** to ``vignettes/html/<name>.html`` (figures embedded).

A failing cell stops the run with the vignette name, the cell's line in the script and the
traceback. Usage::

    ./run vignettes                      # every vignette, full settings -> vignettes/html/
    ./run vignettes --quick              # small settings (LASSONETPY_VIGNETTE_QUICK=1)
    ./run vignettes getting-started      # some of them (names or paths)
    python docs/render_vignettes.py --out DIR --quick

Why not the hand-written renderer this replaces: jupytext, nbclient and nbconvert are the
maintained tools for exactly this, and they give users real notebooks (see
``docs/architecture.md``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VIGNETTES = ROOT / "vignettes"
QUICK_ENV = "LASSONETPY_VIGNETTE_QUICK"
TIMEOUT = 1800  # seconds per cell

__all__ = ["vignette_names", "read_vignette", "execute", "render", "main"]


def vignette_names(folder: Path = VIGNETTES) -> list[str]:
    """The vignettes in ``folder``: every ``*.py`` not starting with ``_``, sorted.

    Parameters
    ----------
    folder : Path
        Where the percent scripts are.

    Returns
    -------
    list of str
    """
    return sorted(p.stem for p in folder.glob("*.py") if not p.name.startswith("_"))


def _resolve(name: str) -> Path:
    p = Path(name)
    if p.suffix == ".py" and p.exists():
        return p.resolve()
    cand = VIGNETTES / f"{name}.py"
    if cand.exists():
        return cand
    raise SystemExit(
        f"render_vignettes: error: no vignette {name!r} (have: {', '.join(vignette_names())})"
    )


def read_vignette(path: Path | str) -> Any:
    """A percent-format script as an (unexecuted) nbformat notebook, with a Python kernel.

    Parameters
    ----------
    path : path
        The ``.py`` file.

    Returns
    -------
    nbformat.NotebookNode
    """
    import jupytext

    nb = jupytext.read(str(path), fmt="py:percent")
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata.setdefault("language_info", {"name": "python"})
    nb.metadata.pop("jupytext", None)  # the notebook stands alone (no pairing with the script)
    return nb


def _cell_line(text: str, source: str) -> int:
    """1-based line of the script where ``source`` (a cell's code) starts."""
    first = next((ln for ln in source.splitlines() if ln.strip()), "")
    lines = text.splitlines()
    for i, ln in enumerate(lines, 1):
        if first and ln == first:
            return i
    return 0


def execute(nb: Any, path: Path, quick: bool) -> Any:
    """Run every cell of ``nb`` in a fresh kernel (in ``vignettes/``); errors name the cell.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        From :func:`read_vignette`.
    path : Path
        The script it came from (for error messages).
    quick : bool
        Set ``LASSONETPY_VIGNETTE_QUICK=1`` in the kernel.

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook (outputs filled in).

    Raises
    ------
    RuntimeError
        A cell failed: the vignette, the cell's line and the traceback.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    env_before = {k: os.environ.get(k) for k in (QUICK_ENV, "MPLBACKEND", "OMP_NUM_THREADS")}
    os.environ[QUICK_ENV] = "1" if quick else "0"
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend draws the figures
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=TIMEOUT,
        resources={"metadata": {"path": str(VIGNETTES)}},
    )
    try:
        client.execute()
    except CellExecutionError as err:
        text = path.read_text(encoding="utf-8")
        failed = next(
            (
                c
                for c in nb.cells
                if c.cell_type == "code"
                and any(o.get("output_type") == "error" for o in c.get("outputs", []))
            ),
            None,
        )
        where = f"cell at line {_cell_line(text, failed.source)}" if failed else "a cell"
        raise RuntimeError(f"vignette {path.stem!r}, {where} failed:\n{err}") from None
    finally:
        for k, v in env_before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb


def _note(quick: bool, seconds: float, name: str) -> Any:
    import nbformat

    try:
        from importlib.metadata import version

        ver = version("lassonetpy")
    except Exception:  # pragma: no cover - the package is installed in ./run's venv
        ver = "?"
    mode = "quick settings" if quick else "full settings"
    return nbformat.v4.new_markdown_cell(
        f"---\n*Executed from `vignettes/{name}.py` by `./run vignettes` (jupytext, nbclient, "
        f"nbconvert) with {mode}: lassonetpy {ver}, Python {sys.version.split()[0]}, "
        f"{time.strftime('%Y-%m-%d')}; the code ran in {seconds:.0f} s.*"
    )


def render(name: str, out: Path | str | None = None, quick: bool = False) -> tuple[Path, Path]:
    """Execute one vignette; write ``<out>/<name>.ipynb`` and ``<out>/<name>.html``.

    Parameters
    ----------
    name : str
        Vignette name (file stem in ``vignettes/``) or path to a ``.py`` file.
    out : path, optional
        Output folder (default ``vignettes/html``).
    quick : bool
        Small settings (``LASSONETPY_VIGNETTE_QUICK=1``).

    Returns
    -------
    (Path, Path)
        The notebook and the HTML page.
    """
    import nbformat
    from nbconvert import HTMLExporter

    src = _resolve(name)
    out_dir = Path(out) if out is not None else VIGNETTES / "html"
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    nb = execute(read_vignette(src), src, quick)
    nb.cells.append(_note(quick, time.perf_counter() - t0, src.stem))
    nbformat.validate(nb)
    ipynb = out_dir / f"{src.stem}.ipynb"
    nbformat.write(nb, str(ipynb))
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": src.stem}})
    html = out_dir / f"{src.stem}.html"
    html.write_text(body, encoding="utf-8")
    return ipynb, html


def main(argv: list[str] | None = None) -> int:
    """Command line: ``render_vignettes.py [NAMES...] [--quick] [--out DIR]``."""
    ap = argparse.ArgumentParser(
        prog="render_vignettes.py",
        description="Execute the vignettes as notebooks; write .ipynb and .html "
        "(vignettes/html/ by default).",
    )
    ap.add_argument(
        "names", nargs="*", help=f"vignettes (default: all: {', '.join(vignette_names())})"
    )
    ap.add_argument(
        "--quick", action="store_true", help=f"small settings ({QUICK_ENV}=1): for tests and drafts"
    )
    ap.add_argument("--out", default=None, help="output folder (default vignettes/html)")
    a = ap.parse_args(argv)
    for name in a.names or vignette_names():
        t0 = time.perf_counter()
        print(f"[vignettes] {name} ...", file=sys.stderr, flush=True)
        try:
            ipynb, html = render(name, a.out, quick=a.quick)
        except RuntimeError as err:
            print(f"[vignettes] {err}", file=sys.stderr)
            return 1
        print(
            f"[vignettes] {name}: {ipynb.name}, {html.name} ({time.perf_counter() - t0:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
