"""The README's code runs as written, and its two set-up commands are the ones CI and ./run use.

Every ```python block of README.md is executed in order, in one namespace, in a temporary
working directory (the tour saves a file). The blocks use the package's default settings,
so this is one of the slower tests (~20 s on 2 cores).
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_the_two_commands_open_the_readme_and_ci_runs_the_test_command():
    first_block = re.search(r"```sh\n(.*?)```", README, flags=re.S)
    assert first_block is not None
    commands = [ln.split("#")[0].strip() for ln in first_block.group(1).splitlines()]
    assert commands[:2] == ["./run demo", "./run test"]
    ci = (REPO / ".ci" / "run").read_text()
    run = (REPO / "run").read_text()
    # CI runs the README's test command first, then builds the documentation site
    assert [ln.strip() for ln in ci.splitlines() if ln.strip().startswith("./run")] == [
        "./run test",
        "./run docs",
    ]
    assert re.search(r"^\s*docs\)(.*?)sphinx -W", run, flags=re.M | re.S)
    assert re.search(r"^\s*demo\)\s.*lassonetpy\.cli demo", run, flags=re.M)
    test_branch = re.search(r"^\s*test\)(.*?);;", run, flags=re.M | re.S)
    assert test_branch is not None and "pytest" in test_branch.group(1)
    assert "ruff" in test_branch.group(1) and "mypy" in test_branch.group(1)


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    ns: dict = {"__name__": "__readme__"}
    try:
        for i, block in enumerate(blocks):
            code = compile(block, f"README.md python block {i + 1}", "exec")
            exec(code, ns)  # noqa: S102 - our own README
    finally:
        plt.close("all")
    assert (tmp_path / "spam.lnp").exists()
    fit, same, te = ns["fit"], ns["same"], ns["te"]
    assert (same.predict(te.head(), s=0) == fit.predict(te.head(), s=0)).all()
    cv = ns["cv"]
    assert cv.lambda_1se >= cv.lambda_min
