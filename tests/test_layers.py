"""The package's layers, read from the source (no import): imports point downward only.

errors, survival <- families <- engine <- formula.inputs <- front ends (api, cv, cva, stability,
path, persist, assess, cli, survfit); formula.design, formula.newdata and report are torch-free
side layers that only the front ends use; survival (numpy survival arithmetic) is a base layer
like errors. See docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "lassonetpy"
FRONT = {
    "api",
    "cv",
    "cva",
    "stability",
    "stability_result",
    "path",
    "persist",
    "assess",
    "cli",
    "_demo",
    "__main__",
    "survfit",
    "sklearn",
    "unsupervised",
    "relax",
    "relaxed",
    "imputed",
    "impute",
}

# formula/design.py and its parts, and formula/newdata.py
TORCH_FREE_FORMULA = (
    "formula.design",
    "formula.design_spec",
    "formula.materialize",
    "formula.newdata",
)


def _modules() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in sorted(ROOT.rglob("*.py")):
        parts = list(f.relative_to(ROOT).with_suffix("").parts)
        pkg = parts[:-1]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        deps: set[str] = set()
        for n in ast.walk(ast.parse(f.read_text())):
            if isinstance(n, ast.ImportFrom):
                if n.level:
                    base = pkg[: len(pkg) - (n.level - 1)]
                    deps.add(".".join(["lassonetpy", *base, *([n.module] if n.module else [])]))
                elif n.module:
                    deps.add(n.module)
            elif isinstance(n, ast.Import):
                deps.update(a.name for a in n.names)
        out[".".join(parts)] = deps
    return out


MODULES = _modules()


def _inner(deps: set[str]) -> set[str]:
    return {d[len("lassonetpy.") :] for d in deps if d.startswith("lassonetpy.")}


def _top(name: str) -> str:
    return name.split(".")[0]


def test_the_source_tree_was_read():
    assert {"engine.fit", "engine.prox", "formula.design", "report.measures", "api"} <= set(MODULES)
    assert set(TORCH_FREE_FORMULA) <= set(MODULES)


@pytest.mark.parametrize("mod", sorted(m for m in MODULES if _top(m) == "engine"))
def test_engine_imports_neither_formula_report_nor_front_ends(mod):
    bad = {d for d in _inner(MODULES[mod]) if _top(d) in {"formula", "report", *FRONT}}
    assert not bad, f"{mod} imports {bad}"


PROX = sorted(m for m in MODULES if m.startswith("engine.prox"))  # prox.py and its parts


@pytest.mark.parametrize("mod", PROX)
def test_prox_imports_only_torch_numpy_and_errors(mod):
    deps = MODULES[mod]
    pkgs = {d.split(".")[0] for d in deps if not d.startswith("lassonetpy")}
    assert pkgs <= {"__future__", "torch", "numpy", "typing", "math", "collections"}, pkgs
    assert _inner(deps) <= {"errors", *PROX}, deps


@pytest.mark.parametrize("mod", sorted(m for m in MODULES if _top(m) == "families"))
def test_families_import_no_higher_layer(mod):
    bad = {d for d in _inner(MODULES[mod]) if _top(d) not in {"families", "errors", "survival"}}
    assert not bad, f"{mod} imports {bad}"


@pytest.mark.parametrize("mod", sorted(m for m in MODULES if _top(m) == "survival"))
def test_survival_is_a_numpy_base_layer(mod):
    deps = MODULES[mod]
    pkgs = {d.split(".")[0] for d in deps if not d.startswith("lassonetpy")}
    assert pkgs <= {"__future__", "numpy", "typing", "dataclasses", "math"}, pkgs
    assert {_top(d) for d in _inner(deps)} <= {"errors", "survival"}, deps


@pytest.mark.parametrize(
    "mod",
    sorted(m for m in MODULES if _top(m) == "report" or m in TORCH_FREE_FORMULA),
)
def test_formula_and_report_layers_never_touch_torch_or_the_engine(mod):
    deps = MODULES[mod]
    assert not {d for d in deps if d.split(".")[0] == "torch"}, f"{mod} imports torch"
    bad = {d for d in _inner(deps) if _top(d) in {"engine", "families", *FRONT}}
    assert not bad, f"{mod} imports {bad}"


@pytest.mark.parametrize("mod", sorted(m for m in MODULES if _top(m) not in FRONT and m))
def test_no_lower_module_imports_a_front_end(mod):
    bad = {d for d in _inner(MODULES[mod]) if _top(d) in FRONT}
    assert not bad, f"{mod} imports {bad}"
