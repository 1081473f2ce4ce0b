"""Render the vignettes to HTML: run every code cell, capture its output and figures.

A vignette is a plain Python script in the "percent" cell format (the format of Jupytext,
VS Code and Spyder)::

    # %% [markdown]
    # # Title
    # Prose in Markdown, each line behind "# ".

    # %%
    fit = lassonet("y ~ .", df)
    fit            # a bare last expression is shown, as in a notebook

Cells run in order in one namespace. For each code cell the HTML shows the code, what it
printed (stdout and stderr; progress bars reduced to their final state), the value of a bare
last expression, and every matplotlib figure it left open (saved as PNG next to the HTML and
closed). Any exception stops the rendering with the vignette name and cell number.

Usage::

    ./run vignettes                      # every vignette, full settings -> vignettes/html/
    ./run vignettes --quick              # small settings (LASSONETPY_VIGNETTE_QUICK=1)
    ./run vignettes getting-started      # some of them (names or paths)
    python vignettes/render.py --out DIR --quick

No dependency beyond the package's own (matplotlib); a minimal Markdown converter is built
in (headings, paragraphs, lists, fenced code, block quotes, pipe tables, inline code, bold,
italics, links). Pygments colours the code when it is installed.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import html
import io
import os
import re
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
QUICK_ENV = "LASSONETPY_VIGNETTE_QUICK"
if (HERE.parent / "lassonetpy").is_dir() and str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))  # run the vignettes against this checkout

__all__ = ["render", "vignette_names", "parse_cells", "markdown_to_html", "main"]


# ------------------------------------------------------------------------------ cells
@dataclass
class Cell:
    kind: str  # "markdown" or "code"
    source: str
    line: int  # first line in the file (1-based)
    outputs: list[tuple[str, str]] = field(default_factory=list)  # (kind, payload)


_MARKER = re.compile(r"^# %%(.*)$")


def parse_cells(text: str) -> list[Cell]:
    """Split a percent-format script into Markdown and code cells.

    Lines before the first ``# %%`` marker form a code cell (a module docstring there is
    dropped). Markdown cells lose the leading ``# `` of each line.

    Examples
    --------
    >>> cells = parse_cells("# %% [markdown]\\n# # Hi\\n\\n# %%\\nx = 1\\n")
    >>> [(c.kind, c.source) for c in cells]
    [('markdown', '# Hi'), ('code', 'x = 1')]
    """
    cells: list[Cell] = []
    kind, start = "code", 1
    buf: list[str] = []

    def flush() -> None:
        lead = next((k for k, ln in enumerate(buf) if ln.strip()), len(buf))
        src = "\n".join(buf[lead:]).rstrip("\n")
        if kind == "markdown":
            src = "\n".join(
                re.sub(r"^# ?", "", ln) if ln.startswith("#") else ln for ln in src.splitlines()
            ).strip("\n")
        elif start == 1:
            kept = _drop_docstring(src)
            if kept != src:  # the docstring and the blank lines after it are gone
                lines = src.splitlines()
                lead += len(lines) - len(kept.splitlines()) if kept else len(lines)
                src = kept
        if src.strip():
            cells.append(Cell(kind, src, start + lead))

    for i, line in enumerate(text.splitlines(), 1):
        m = _MARKER.match(line)
        if m:
            flush()
            kind = "markdown" if "[markdown]" in m.group(1) else "code"
            start, buf = i + 1, []
        else:
            buf.append(line)
    flush()
    return cells


def _drop_docstring(src: str) -> str:
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return src
    first = tree.body[0] if tree.body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        lines = src.splitlines()
        return "\n".join(lines[first.end_lineno or 0 :]).strip("\n")
    return src


# ------------------------------------------------------------------------------ markdown
def _inline(text: str) -> str:
    """Inline Markdown: `code`, **bold**, *italic* / _italic_, [links](url), <autolinks>."""
    parts = re.split(r"(`+[^`]*?`+)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) >= 2:
            out.append(f"<code>{html.escape(part.strip('`'))}</code>")
            continue
        s = html.escape(part, quote=False)
        s = re.sub(
            r"\[([^\]]+)\]\(([^)\s]+)\)",
            lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>',
            s,
        )
        s = re.sub(r"&lt;(https?://[^\s&]+)&gt;", r'<a href="\1">\1</a>', s)
        s = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", s)
        s = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", s)
        s = re.sub(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])", r"<em>\1</em>", s)
        out.append(s)
    return "".join(out)


def _table(rows: list[str]) -> str:
    def split(r: str) -> list[str]:
        return [c.strip() for c in r.strip().strip("|").split("|")]

    head, body = split(rows[0]), [split(r) for r in rows[2:]]
    aligns = []
    for c in split(rows[1]):
        a = (
            "right"
            if c.endswith(":") and not c.startswith(":")
            else ("center" if c.startswith(":") and c.endswith(":") else "left")
        )
        aligns.append(a)
    th = "".join(
        f'<th style="text-align:{a}">{_inline(c)}</th>' for c, a in zip(head, aligns, strict=False)
    )
    trs = "".join(
        "<tr>"
        + "".join(
            f'<td style="text-align:{a}">{_inline(c)}</td>' for c, a in zip(r, aligns, strict=False)
        )
        + "</tr>"
        for r in body
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"


def markdown_to_html(text: str) -> str:
    """A small Markdown subset to HTML.

    Headings (``#`` to ``######``), paragraphs, ``-``/``*``/``1.`` lists (one level, with
    continuation lines), fenced code blocks, ``>`` block quotes, pipe tables, and the inline
    forms of :func:`_inline`.

    Examples
    --------
    >>> print(markdown_to_html("# Title\\n\\nSome *text* with `code`.\\n\\n- a\\n- b"))
    <h1 id="title">Title</h1>
    <p>Some <em>text</em> with <code>code</code>.</p>
    <ul><li>a</li><li>b</li></ul>
    """
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        if stripped.startswith("```"):
            lang = stripped[3:].strip()
            j, code = i + 1, []
            while j < len(lines) and not lines[j].strip().startswith("```"):
                code.append(lines[j])
                j += 1
            out.append(_highlight("\n".join(code), lang or "text", "listing"))
            i = j + 1
            continue
        m = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        if m:
            level, title = len(m.group(1)), m.group(2).strip()
            slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
            out.append(f'<h{level} id="{slug}">{_inline(title)}</h{level}>')
            i += 1
            continue
        if (
            stripped.startswith("|")
            and i + 1 < len(lines)
            and re.match(r"^\s*\|?\s*:?-{2,}", lines[i + 1])
        ):
            j = i
            while j < len(lines) and lines[j].strip().startswith("|"):
                j += 1
            out.append(_table(lines[i:j]))
            i = j
            continue
        if stripped.startswith(">"):
            j, quote = i, []
            while j < len(lines) and lines[j].strip().startswith(">"):
                quote.append(lines[j].strip()[1:].lstrip())
                j += 1
            out.append(f"<blockquote>{markdown_to_html(chr(10).join(quote))}</blockquote>")
            i = j
            continue
        lm = re.match(r"^(\s*)([-*]|\d+[.)])\s+(.*)$", line)
        if lm:
            ordered = lm.group(2)[0].isdigit()
            items: list[str] = []
            j = i
            while j < len(lines):
                mm = re.match(r"^(\s*)([-*]|\d+[.)])\s+(.*)$", lines[j])
                if mm:
                    items.append(mm.group(3))
                elif lines[j].strip() and lines[j].startswith((" ", "\t")) and items:
                    items[-1] += " " + lines[j].strip()
                else:
                    break
                j += 1
            tag = "ol" if ordered else "ul"
            out.append(
                f"<{tag}>" + "".join(f"<li>{_inline(it)}</li>" for it in items) + f"</{tag}>"
            )
            i = j
            continue
        j, para = i, []
        while (
            j < len(lines)
            and lines[j].strip()
            and not re.match(r"^(#{1,6}\s|```|>|\s*([-*]|\d+[.)])\s)", lines[j])
        ):
            para.append(lines[j].strip())
            j += 1
        if not para:  # a line no rule above consumed
            para, j = [stripped], i + 1
        out.append(f"<p>{_inline(' '.join(para))}</p>")
        i = j
    return "\n".join(out)


def _highlight(code: str, lang: str = "python", cls: str = "code") -> str:
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import get_lexer_by_name

        lexer = get_lexer_by_name(lang if lang != "text" else "text")
        return (
            f'<div class="{cls}">' + highlight(code, lexer, HtmlFormatter(nowrap=False)) + "</div>"
        )
    except Exception:  # pygments missing or unknown language: plain text
        return f'<div class="{cls}"><pre>{html.escape(code)}</pre></div>'


def _pygments_css() -> str:
    try:
        from pygments.formatters import HtmlFormatter

        return str(HtmlFormatter(style="friendly").get_style_defs(".highlight"))
    except Exception:
        return ""


# ------------------------------------------------------------------------------ running
def _terminal_text(text: str) -> str:
    r"""What a terminal would show: keep the last ``\r`` segment of each line, drop escapes."""
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
    return "\n".join(ln.rsplit("\r", 1)[-1] for ln in text.split("\n"))


class _Tee(io.StringIO):
    """Collects what a cell writes (stdout and stderr interleaved in one buffer)."""


def _display(value: Any) -> str | None:
    """Text shown for a bare last expression (None: nothing, as for Axes or None)."""
    if value is None:
        return None
    mod = type(value).__module__ or ""
    if mod.startswith("matplotlib"):
        return None
    try:
        import pandas as pd

        if isinstance(value, pd.DataFrame):
            return str(value.to_string(max_rows=40, max_cols=12))
        if isinstance(value, pd.Series):
            return str(value.to_string(max_rows=40))
    except ImportError:
        pass
    return repr(value)


def _run_cell(
    cell: Cell, ns: dict[str, Any], name: str, fig_dir: Path, fig_rel: str, counter: list[int]
) -> None:
    """Run one code cell; ``name`` is the vignette's file (its path, for tracebacks)."""
    import matplotlib.pyplot as plt

    tree = ast.parse(cell.source, filename=name)
    ast.increment_lineno(tree, cell.line - 1)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)  # type: ignore[attr-defined]
    buf = _Tee()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        exec(compile(tree, name, "exec"), ns)
        value = eval(compile(last, name, "eval"), ns) if last is not None else None
    text = _terminal_text(buf.getvalue()).rstrip()
    if text:
        cell.outputs.append(("text", text))
    shown = _display(value)
    if shown is not None:
        cell.outputs.append(("text", shown))
    for num in plt.get_fignums():
        fig = plt.figure(num)
        counter[0] += 1
        fname = f"fig-{counter[0]:02d}.png"
        fig_dir.mkdir(parents=True, exist_ok=True)
        fig.savefig(fig_dir / fname, dpi=110, bbox_inches="tight")
        plt.close(fig)
        cell.outputs.append(("figure", f"{fig_rel}/{fname}"))


_CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:54rem;
margin:2rem auto;padding:0 1rem;line-height:1.55;color:#222}
h1,h2,h3{line-height:1.25}h1{border-bottom:1px solid #ddd;padding-bottom:.3rem}
code{background:#f3f3f3;padding:.05rem .25rem;border-radius:3px;font-size:.92em}
pre{margin:0;padding:.6rem .8rem;overflow-x:auto;font-size:.85rem;line-height:1.4}
div.code pre,div.listing pre{background:#f6f8fa;border-left:3px solid #4a7fbd}
div.output pre{background:#fff;border-left:3px solid #bbb;color:#333}
div.figure img{max-width:100%;margin:.4rem 0}
table{border-collapse:collapse;margin:.8rem 0}th,td{border:1px solid #ccc;padding:.2rem .5rem}
blockquote{margin:0;padding:.1rem 1rem;border-left:4px solid #ddd;color:#555}
footer{margin-top:3rem;font-size:.8rem;color:#777;border-top:1px solid #eee}
.highlight{background:#f6f8fa}
"""


def vignette_names(folder: Path = HERE) -> list[str]:
    """The vignettes in ``folder``: every ``*.py`` except this renderer, sorted."""
    return sorted(
        p.stem for p in folder.glob("*.py") if p.name != "render.py" and not p.name.startswith("_")
    )


def _resolve(name: str) -> Path:
    p = Path(name)
    if p.suffix == ".py" and p.exists():
        return p.resolve()
    cand = HERE / f"{name}.py"
    if cand.exists():
        return cand
    raise SystemExit(
        f"render.py: error: no vignette {name!r} (have: {', '.join(vignette_names())})"
    )


def render(name: str, out: Path | str | None = None, quick: bool = False) -> Path:
    """Run one vignette and write ``<out>/<name>.html`` (+ ``<out>/<name>/fig-NN.png``).

    Parameters
    ----------
    name : str
        Vignette name (file stem in ``vignettes/``) or path to a ``.py`` file.
    out : path, optional
        Output folder (default ``vignettes/html``).
    quick : bool
        Set ``LASSONETPY_VIGNETTE_QUICK=1`` while it runs (small settings).

    Returns
    -------
    Path
        The HTML file.

    Raises
    ------
    RuntimeError
        A cell raised; the message names the vignette, the cell's line and the error.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    src = _resolve(name)
    stem = src.stem
    out_dir = Path(out) if out is not None else HERE / "html"
    out_dir.mkdir(parents=True, exist_ok=True)
    fig_dir = out_dir / stem
    if fig_dir.exists():
        for old in fig_dir.glob("fig-*.png"):
            old.unlink()
    cells = parse_cells(src.read_text(encoding="utf-8"))
    ns: dict[str, Any] = {"__name__": "__main__", "__file__": str(src)}
    counter = [0]
    prev = os.environ.get(QUICK_ENV)
    os.environ[QUICK_ENV] = "1" if quick else "0"
    plt.close("all")
    t0 = time.perf_counter()
    try:
        for cell in cells:
            if cell.kind != "code":
                continue
            try:
                _run_cell(cell, ns, str(src), fig_dir, stem, counter)
            except Exception as err:
                frames = err.__traceback__
                while frames is not None and frames.tb_frame.f_code.co_filename != str(src):
                    frames = frames.tb_next  # skip the renderer's own frames
                tb = "".join(
                    traceback.format_exception(type(err), err, frames or err.__traceback__)
                )
                raise RuntimeError(
                    f"vignette {stem!r}, cell at line {cell.line} failed:\n{tb}"
                ) from err
    finally:
        plt.close("all")
        if prev is None:
            os.environ.pop(QUICK_ENV, None)
        else:
            os.environ[QUICK_ENV] = prev
    seconds = time.perf_counter() - t0
    title = stem.replace("-", " ").capitalize()
    body: list[str] = []
    for cell in cells:
        if cell.kind == "markdown":
            if title == stem.replace("-", " ").capitalize():
                m = re.match(r"^#\s+(.+)$", cell.source.strip().splitlines()[0])
                if m:
                    title = m.group(1).strip()
            body.append(markdown_to_html(cell.source))
            continue
        body.append(_highlight(cell.source, "python", "code"))
        for kind, payload in cell.outputs:
            if kind == "text":
                body.append(f'<div class="output"><pre>{html.escape(payload)}</pre></div>')
            else:
                body.append(
                    f'<div class="figure"><img src="{html.escape(payload)}" alt="figure"></div>'
                )
    try:
        from importlib.metadata import version

        ver = version("lassonetpy")
    except Exception:
        ver = "?"
    mode = "quick settings" if quick else "full settings"
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · lassonetpy</title>"
        f"<style>{_CSS}{_pygments_css()}</style></head><body>\n"
        + "\n".join(body)
        + f"\n<footer>Rendered from <code>vignettes/{src.name}</code> by "
        f"<code>vignettes/render.py</code> ({mode}) with lassonetpy {html.escape(ver)}, "
        f"Python {sys.version.split()[0]}, on {time.strftime('%Y-%m-%d')}; the code ran in "
        f"{seconds:.0f} s.</footer>\n</body></html>\n"
    )
    target = out_dir / f"{stem}.html"
    target.write_text(page, encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    """Command line: ``render.py [NAMES...] [--quick] [--out DIR]``."""
    ap = argparse.ArgumentParser(
        prog="render.py",
        description="Run the vignettes and write them as HTML (vignettes/html/ by default).",
    )
    ap.add_argument(
        "names", nargs="*", help=f"vignettes (default: all: {', '.join(vignette_names())})"
    )
    ap.add_argument(
        "--quick", action="store_true", help=f"small settings ({QUICK_ENV}=1): for tests and drafts"
    )
    ap.add_argument("--out", default=None, help="output folder (default vignettes/html)")
    a = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    for name in a.names or vignette_names():
        t0 = time.perf_counter()
        print(f"[vignettes] {name} ...", file=sys.stderr, flush=True)
        try:
            target = render(name, a.out, quick=a.quick)
        except RuntimeError as err:
            print(f"[vignettes] {err}", file=sys.stderr)
            return 1
        print(
            f"[vignettes] {name}: {target} ({time.perf_counter() - t0:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
