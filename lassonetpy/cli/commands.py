"""The command line's sub-commands: ``fit``, ``predict`` and ``demo``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import FileMissingError
from .files import (
    MODEL_FILE,
    SUMMARY_FILE,
    CLIError,
    _jsonable,
    _out_dir,
    _save_fig,
    read_csv,
)


def _check_family(name: str) -> str:
    from ..families import get_family

    get_family(name)  # raises FamilyError with the list of families
    return name


def _term_list(names: Sequence[str], width: int = 96, indent: str = "  ") -> str:
    lines, cur = [], indent
    for n in names:
        piece = n if cur == indent else ", " + n
        if len(cur) + len(piece) > width and cur != indent:
            lines.append(cur + ",")
            cur = indent + n
        else:
            cur += piece
    lines.append(cur)
    return "\n".join(lines) if names else indent + "(none)"


# ---------------------------------------------------------------------------------- fit
def _cmd_fit(a: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    _check_family(a.family)
    out = _out_dir(a.out)
    data = read_csv(a.data, a.na_values)
    kwargs: dict[str, Any] = dict(
        hidden=a.hidden, M=a.M, nlambda=a.nlambda, seed=a.seed, verbose=not a.quiet
    )  # arguments of lassonet()
    if a.max_epochs is not None:
        kwargs["max_epochs"] = a.max_epochs
    summary: dict[str, Any] = {
        "command": "fit",
        "data": str(a.data),
        "formula": a.formula,
        "family": a.family,
        "settings": {"hidden": list(a.hidden), "M": a.M, "nlambda": a.nlambda, "seed": a.seed},
    }
    if a.cv:
        from ..cv import cv_lassonet

        cvfit = cv_lassonet(
            a.formula, data, family=a.family, nfolds=a.cv, type_measure=a.type_measure, **kwargs
        )
        path = cvfit.path
        print(cvfit)
        sel_min = [str(t) for t in path.nonzero(s=float(cvfit.lambda_min))]
        sel_1se = [str(t) for t in path.nonzero(s=float(cvfit.lambda_1se))]
        print()
        print(f"lambda_min = {cvfit.lambda_min:.4g}: {len(sel_min)} term(s) selected")
        print(_term_list(sel_min))
        print(f"lambda_1se = {cvfit.lambda_1se:.4g}: {len(sel_1se)} term(s) selected")
        print(_term_list(sel_1se))
        i_min, i_1se = int(cvfit.index_min), int(cvfit.index_1se)
        summary["cv"] = {
            "nfolds": a.cv,
            "call": cvfit.call,
            "measure": str(cvfit.measure),
            "measure_name": str(cvfit.measure_name),
            "lambda_min": float(cvfit.lambda_min),
            "lambda_1se": float(cvfit.lambda_1se),
            "index_min": i_min,
            "index_1se": i_1se,
            "cvm_min": float(cvfit.cvm[i_min]),
            "cvsd_min": float(cvfit.cvsd[i_min]),
            "cvm_1se": float(cvfit.cvm[i_1se]),
            "cvsd_1se": float(cvfit.cvsd[i_1se]),
            "nzero_min": int(cvfit.nzero[i_min]),
            "nzero_1se": int(cvfit.nzero[i_1se]),
            "lambdas": cvfit.lambdas,
            "cvm": cvfit.cvm,
            "cvsd": cvfit.cvsd,
            "nzero": cvfit.nzero,
        }
        summary["lambdas_chosen"] = {
            "lambda_min": float(cvfit.lambda_min),
            "lambda_1se": float(cvfit.lambda_1se),
        }
        summary["selected"] = {"lambda_min": sel_min, "lambda_1se": sel_1se}
    else:
        from ..api import lassonet

        cvfit = None
        path = lassonet(a.formula, data, family=a.family, **kwargs)
        print(path)
        imp = path.importance()
        print()
        print("Terms in the order they leave the path (most important first):")
        print(_term_list(list(imp.index)))
        summary["lambdas_chosen"] = None
        summary["selected"] = {"by_importance": list(imp.index)}
        summary["importance"] = {k: float(v) for k, v in imp.items()}
    summary.update(
        {
            "n": int(path.n_obs),
            "n_dropped": int(path.n_dropped),
            "n_rows_read": int(len(data)),
            "call": path.call,
            "terms": list(path.term_names),
            "columns": list(path.column_names),
            "classes": None if path.classes is None else [str(c) for c in path.classes],
            "path": {"lambda": path.lambdas, "df": path.df, "dev_ratio": path.dev_ratio},
            "timing_seconds": dict(path.timing),
        }
    )
    if out is not None:
        files = {"model": MODEL_FILE, "path_plot": "path.png", "importance_plot": "importance.png"}
        path.save(out / MODEL_FILE)
        _save_fig(path.plot(), out / "path.png")
        _save_fig(path.plot_importance(top=30), out / "importance.png")
        if cvfit is not None:
            _save_fig(cvfit.plot(), out / "cv.png")
            files["cv_plot"] = "cv.png"
        summary["files"] = files
        (out / SUMMARY_FILE).write_text(json.dumps(_jsonable(summary), indent=2) + "\n")
        print()
        print(f"Wrote {', '.join(sorted(files.values()))} and {SUMMARY_FILE} to {out}/")
    return 0


# ---------------------------------------------------------------------------------- predict
def _parse_s(text: str | None, model: Path, summary_file: str | None) -> tuple[Any, str]:
    """``--s`` -> (lambda or None for every fit, label)."""
    if text is None:
        return None, "all"
    key = text.replace(".", "_")
    if key in ("lambda_min", "lambda_1se"):
        sf = Path(summary_file) if summary_file else model.with_name(SUMMARY_FILE)
        if not sf.exists():
            raise CLIError(
                f"--s {text} needs the {SUMMARY_FILE} of a CV fit "
                f"(looked for '{sf}'; give --summary FILE or a number)"
            )
        try:
            chosen = (json.loads(sf.read_text()).get("lambdas_chosen") or {}).get(key)
        except json.JSONDecodeError as err:
            raise CLIError(f"'{sf}' is not a JSON summary: {err}") from err
        if chosen is None:
            raise CLIError(
                f"'{sf}' has no {key}: the model was fitted without --cv; "
                "give --s as a number or --df"
            )
        return float(chosen), key
    try:
        v = float(text)
    except ValueError:
        raise CLIError(
            f"--s must be a lambda (a number >= 0), lambda_min or lambda_1se; got {text!r}"
        ) from None
    return v, text


def _flat_columns(pred: Any) -> Any:
    import pandas as pd

    if isinstance(pred, pd.Series):
        return pred.to_frame(name="prediction" if pred.name is None else str(pred.name))
    if isinstance(pred.columns, pd.MultiIndex):
        pred = pred.copy()
        pred.columns = [":".join(str(x) for x in c) for c in pred.columns]
    return pred


def _cmd_predict(a: argparse.Namespace) -> int:
    from ..persist import load

    model = Path(a.model)
    if not model.exists():
        raise FileMissingError(f"no such model file: '{a.model}'")
    if model.is_dir():
        model = model / MODEL_FILE
        if not model.exists():
            raise FileMissingError(f"no {MODEL_FILE} in directory '{a.model}'")
    path = load(model)  # says what is wrong with a file that is not a complete, current model
    if a.s is not None and a.df is not None:
        raise CLIError("give --s or --df, not both")
    s, _ = _parse_s(a.s, model, a.summary)
    data = read_csv(a.data, a.na_values)
    used = [
        v
        for v in (path.design.variables if path.design is not None else path.input_columns or ())
        if v in data.columns
    ]
    incomplete = data[used].isna().any(axis=1).to_numpy() if used else None
    if incomplete is not None and incomplete.any() and a.na_rows == "empty":
        pred = path.predict(data[~incomplete], s=s, df=a.df, type=a.type)
        frame = _flat_columns(pred).reindex(data.index)
        if not a.quiet:
            print(
                f"lassonetpy: {int(incomplete.sum())} row(s) with missing values in the "
                "formula's variables: their predictions are left empty",
                file=sys.stderr,
            )
    else:
        frame = _flat_columns(path.predict(data, s=s, df=a.df, type=a.type))
    if a.out:
        frame.to_csv(a.out, index=a.index)
        if not a.quiet:
            print(f"lassonetpy: wrote {len(frame)} prediction(s) to {a.out}", file=sys.stderr)
    else:
        frame.to_csv(sys.stdout, index=a.index)
    return 0


# ---------------------------------------------------------------------------------- demo
def _cmd_demo(a: argparse.Namespace) -> int:
    from .._demo import run_demo

    run_demo(out=a.out, quick=a.quick, seed=a.seed, nfolds=a.nfolds, verbose=not a.quiet)
    return 0
