"""Every row of the bad-input table (tests/bad_inputs_table.py) against the package.

A row that must fail raises the package's own error: a :class:`LassoNetError` subclass that
also derives from the matching builtin, whose one-line message names the argument
(``\\`arg\\```), says what is expected (``must``) and shows the bad value (the row's words).
A row that must run returns a result its check accepts. The command-line rows run
``lassonetpy`` in-process, once with ``LASSONETPY_DEBUG=1`` (the error class propagates)
and once as a user sees it: exit status 1 and one ``lassonetpy: error:`` line on stderr.
Finally ``docs/errors.md`` must hold the table exactly as it is rendered from the rows.
"""

from __future__ import annotations

import warnings

import pytest
from bad_inputs_support import DOCS, Case, Env
from bad_inputs_table import CASES, CLI, docs_section, render_markdown

from lassonetpy.cli import main
from lassonetpy.errors import LassoNetError

BUILTINS = (ValueError, TypeError, OSError, RuntimeError)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    return Env(tmp_path_factory.mktemp("bad-inputs"))


def test_the_table_has_at_least_40_error_rows_and_every_awkward_input():
    errors = [c for c in CASES if c.raises is not None]
    runs = [c for c in CASES if c.raises is None]
    assert len(errors) >= 40 and len(runs) >= 8
    assert len({c.id for c in CASES}) == len(CASES)
    assert all(c.fix for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case, env: Env) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if case.raises is None:
            result = case.call(env)
        else:
            with pytest.raises(Exception) as info:
                case.call(env)
    if case.raises is None:
        assert case.check is not None
        case.check(result, env)
        if case.warns is not None:
            hits = [w for w in caught if issubclass(w.category, case.warns)]
            assert hits, [str(w.message) for w in caught]
            assert all(word in str(hits[0].message) for word in case.words), hits[0].message
        return
    err = info.value
    assert type(err) is case.raises, f"{type(err).__module__}.{type(err).__name__}: {err}"
    assert isinstance(err, LassoNetError) and isinstance(err, BUILTINS)
    msg = str(err)
    assert "\n" not in msg and "Traceback" not in msg, msg
    if case.arg is not None:
        assert f"`{case.arg}`" in msg and "must" in msg, msg
    for word in case.words:
        assert word in msg, f"{word!r} not in: {msg}"


CLI_ERRORS = [c for c in CASES if c.where == CLI and c.raises is not None]


@pytest.mark.parametrize("case", CLI_ERRORS, ids=[c.id for c in CLI_ERRORS])
def test_cli_case_is_one_line_and_status_1(case: Case, env: Env, monkeypatch, capsys) -> None:
    monkeypatch.setattr(env, "cli", lambda *argv: main([str(a) for a in argv]))
    monkeypatch.delenv("LASSONETPY_DEBUG", raising=False)
    code = case.call(env)
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 1 and len(lines) == 1, err
    assert lines[0].startswith("lassonetpy: error: ") and "Traceback" not in err
    assert all(word in lines[0] for word in case.words), lines[0]


def test_docs_list_every_case_as_rendered_from_the_table():
    assert docs_section(DOCS.read_text()) == render_markdown(), (
        "docs/errors.md is out of date: run `python tests/bad_inputs_table.py`"
    )


def test_the_readme_example_is_the_real_message(env: Env) -> None:
    case = next(c for c in CASES if c.situation == "unseen factor level in newdata")
    with pytest.raises(LassoNetError) as info:
        case.call(env)
    line = f"{type(info.value).__name__}: {info.value}"
    assert line in (DOCS.parents[1] / "README.md").read_text(), line
