"""The ``lassonetpy`` command line: fit a formula on a CSV, predict from a saved fit, the demo.

::

    lassonetpy fit DATA.csv "y ~ ." --family binomial [--cv 10] [--out DIR] [--seed N]
    lassonetpy predict DIR/model.lnp NEW.csv [--s lambda_min] [--type response] [--out p.csv]
    lassonetpy demo [--out DIR] [--quick]

Also ``python -m lassonetpy`` or ``python -m lassonetpy.cli``. Every sub-command has
``--help``. Bad input (a missing file, a bad formula, an unknown family, ...) prints one line
``lassonetpy: error: ...`` on stderr and exits with status 1 (2 for a malformed command line);
set ``LASSONETPY_DEBUG=1`` to see the Python traceback instead.

CSV files are read with pandas: columns holding text are factors (every level kept), and empty
fields and ``NA`` are missing values (``--na-values`` changes that). Rows with a missing value
in a variable of the formula are dropped before fitting, and the count is reported.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from .errors import FileMissingError, InputError

__all__ = ["main", "read_csv"]

PROG = "lassonetpy"
MODEL_FILE = "model.lnp"
SUMMARY_FILE = "summary.json"
_DEFAULT_NA = ("", "NA")


class CLIError(InputError):
    """A user error found by the command line itself (one line, exit status 1)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is ONE line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


# ---------------------------------------------------------------------------------- helpers
def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def read_csv(file: str | os.PathLike[str], na_values: Sequence[str] = _DEFAULT_NA) -> Any:
    """Read a CSV the way the command line does: text columns are factors, ``""``/``NA`` missing.

    Parameters
    ----------
    file : str or path-like
        The CSV file (``-`` for standard input).
    na_values : sequence of str
        Field values read as missing (default: empty fields and ``NA``).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import io
    >>> df = read_csv(io.StringIO("y,g,x\\n1,a,0.5\\n0,,NA\\n"))
    >>> df["g"].isna().tolist(), df["x"].isna().tolist()
    ([False, True], [False, True])
    """
    import pandas as pd

    if isinstance(file, (str, os.PathLike)) and str(file) != "-":
        p = Path(file)
        if not p.exists():
            raise FileMissingError(f"no such file: '{file}'")
        if p.is_dir():
            raise CLIError(f"'{file}' is a directory, not a CSV file")
    source: Any = sys.stdin if str(file) == "-" else file
    try:
        df = pd.read_csv(source, keep_default_na=False, na_values=list(na_values))
    except pd.errors.EmptyDataError as err:
        raise CLIError(f"'{file}' is empty (no header line)") from err
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise CLIError(f"'{file}' could not be read as CSV: {_one_line(str(err))}") from err
    if df.shape[0] == 0:
        raise CLIError(f"'{file}' has a header but no data rows")
    return df


def _hidden(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(v) for v in text.replace(" ", "").split(",") if v)
    except ValueError:
        sizes = ()
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(
            f"must be hidden layer sizes like 100 or 64,32; got {text!r}"
        )
    return sizes


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}")
    return v


def _nonneg_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = -1.0
    if not (v >= 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"must be a number >= 0; got {text!r}")
    return v


def _check_family(name: str) -> str:
    from .families import get_family

    get_family(name)  # raises FamilyError with the list of families
    return name


def _out_dir(out: str | None) -> Path | None:
    if out is None:
        return None
    d = Path(out)
    if d.exists() and not d.is_dir():
        raise CLIError(f"--out '{out}' exists and is not a directory")
    d.mkdir(parents=True, exist_ok=True)
    return d


def _save_fig(ax: Any, file: Path) -> None:
    import matplotlib.pyplot as plt

    fig = ax.figure
    fig.savefig(file, dpi=120, bbox_inches="tight")
    plt.close(fig)


def _jsonable(v: Any) -> Any:
    import numpy as np

    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return [_jsonable(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


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
        from .cv import cv_lassonet

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
        from .api import lassonet

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
    from .persist import load

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
    from ._demo import run_demo

    run_demo(out=a.out, quick=a.quick, seed=a.seed, nfolds=a.nfolds, verbose=not a.quiet)
    return 0


# ---------------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    from . import __version__

    p = _Parser(
        prog=PROG,
        description="LassoNet feature-sparse neural networks, glmnet style: "
        "fit a formula on a CSV file, predict from a saved fit, or run the demo.",
        epilog="Run 'lassonetpy <command> --help' for the options of a command.",
    )
    p.add_argument("--version", action="version", version=f"lassonetpy {__version__}")
    sub = p.add_subparsers(dest="command", metavar="{fit,predict,demo}", parser_class=_Parser)

    f = sub.add_parser(
        "fit",
        help="fit a LassoNet path (optionally cross-validated) on a CSV file",
        description="Fit a LassoNet path on a CSV file with an R-style formula. Text columns "
        "are factors (every level kept, entering and leaving together); empty fields and NA "
        "are missing, and rows missing a variable of the formula are dropped (reported). "
        "Prints the path table (or the CV table and the terms selected at lambda_min and "
        "lambda_1se); with --out also writes model.lnp, summary.json and PNG plots.",
        epilog='example: lassonetpy fit data.csv "y ~ ." --family binomial --cv 10 --out res',
    )
    f.add_argument("data", help="CSV file with a header line ('-' reads standard input)")
    f.add_argument("formula", help='model formula, e.g. "y ~ ." or "y ~ x1 + C(g) + x1:x2"')
    f.add_argument(
        "--family",
        default="gaussian",
        help="gaussian (default), binomial, multinomial, poisson or mgaussian",
    )
    f.add_argument(
        "--cv",
        type=_positive_int,
        metavar="K",
        default=None,
        help="cross-validate with K folds (e.g. 10) and choose lambda_min/lambda_1se",
    )
    f.add_argument(
        "--type-measure",
        default="default",
        metavar="M",
        help="CV measure: deviance, mse, mae, class, auc or C (default: the family's)",
    )
    f.add_argument(
        "--out",
        metavar="DIR",
        help="directory for model.lnp, summary.json and the plots (created if needed)",
    )
    f.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    f.add_argument(
        "--hidden",
        type=_hidden,
        default=(100,),
        metavar="SIZES",
        help="hidden layer sizes, e.g. 100 (default) or 64,32",
    )
    f.add_argument(
        "--M",
        type=_nonneg_float,
        default=10.0,
        help="hierarchy multiplier (default 10; 0 = the lasso)",
    )
    f.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bar or notes on stderr (the tables are still printed)",
    )
    f.add_argument(
        "--na-values",
        nargs="*",
        default=list(_DEFAULT_NA),
        metavar="S",
        help="field values read as missing (default: empty and NA)",
    )
    # speed knobs for tests and experiments (not shown in --help)
    f.add_argument("--nlambda", type=_positive_int, default=100, help=argparse.SUPPRESS)
    f.add_argument("--max-epochs", type=_positive_int, default=None, help=argparse.SUPPRESS)
    f.set_defaults(func=_cmd_fit)

    q = sub.add_parser(
        "predict",
        help="predict on a CSV file from a saved fit (model.lnp)",
        description="Load a fit saved by 'lassonetpy fit --out DIR' (DIR/model.lnp, or DIR "
        "itself) and predict on a CSV file with the formula's variables. Writes a CSV: one "
        "column per fit (s<i>, i the path index), or one per class for multi-output "
        "families.",
        epilog="example: lassonetpy predict res/model.lnp new.csv --s lambda_1se "
        "--type class --out pred.csv",
    )
    q.add_argument("model", help="model file written by 'lassonetpy fit' (or its --out DIR)")
    q.add_argument("data", help="CSV file with the formula's variables ('-': standard input)")
    q.add_argument(
        "--s",
        metavar="LAMBDA",
        default=None,
        help="a lambda (snaps to the nearest on the path; 0 = the dense fit), or "
        "lambda_min / lambda_1se (read from summary.json next to the model); "
        "default: every lambda of the path",
    )
    q.add_argument(
        "--df",
        type=int,
        default=None,
        metavar="K",
        help="instead of --s: the fit with the most terms not exceeding K",
    )
    q.add_argument(
        "--type",
        default="response",
        choices=["link", "response", "class"],
        help="link, response (default; probabilities for classification) or class",
    )
    q.add_argument(
        "--summary",
        metavar="FILE",
        default=None,
        help="summary.json to read lambda_min/lambda_1se from (default: next to the model)",
    )
    q.add_argument("--out", metavar="FILE", help="write the CSV here (default: standard output)")
    q.add_argument("--index", action="store_true", help="write the row index as first column")
    q.add_argument(
        "--na-values",
        nargs="*",
        default=list(_DEFAULT_NA),
        metavar="S",
        help="field values read as missing (default: empty and NA)",
    )
    q.add_argument(
        "--na-rows",
        choices=["empty", "fail"],
        default="empty",
        help="rows missing a variable of the formula: empty predictions (default, "
        "noted on stderr) or fail",
    )
    q.add_argument("--quiet", action="store_true", help="no note on stderr")
    q.set_defaults(func=_cmd_predict)

    d = sub.add_parser(
        "demo",
        help="cross-validated LassoNet on the bundled MICE protein data",
        description="The README's demo: 8-class classification of the bundled MICE protein "
        "data (77 proteins, 72 mice measured 15 times each). Splits off a test set of 20% "
        "of the mice (stratified by class, fixed seed), fills missing values with the "
        "training means, runs 10-fold cv_lassonet with folds made of whole mice, and "
        "prints the CV table, the chosen lambda, the selected proteins and the held-out "
        "accuracy; writes path.png and cv.png.",
    )
    d.add_argument(
        "--out",
        metavar="DIR",
        default="lassonetpy-demo",
        help="directory for the plots (default: ./lassonetpy-demo)",
    )
    d.add_argument(
        "--quick",
        action="store_true",
        help="smaller network, shorter path and 5 folds (a few seconds)",
    )
    d.add_argument("--seed", type=int, default=0, help="seed of the split, folds and fit")
    d.add_argument("--nfolds", type=_positive_int, default=None, help=argparse.SUPPRESS)
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    d.set_defaults(func=_cmd_demo)
    return p


# ---------------------------------------------------------------------------------- main
def _warning_line(
    message: Any,
    category: type,
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    stream = file or sys.stderr
    try:
        stream.write(f"{PROG}: warning: {_one_line(str(message))}\n")
    except OSError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 on success).

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments after the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 on a user error (one line on stderr), 2 on a malformed command line.
    """
    parser = build_parser()
    args = parser.parse_args(None if argv is None else list(argv))
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    if os.environ.get("LASSONETPY_DEBUG"):
        return int(args.func(args))
    from .errors import LassoNetError

    old = warnings.showwarning
    warnings.showwarning = _warning_line
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `lassonetpy predict ... | head`
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return 0
    except FileNotFoundError as err:
        msg = err.strerror and err.filename and f"{err.strerror}: '{err.filename}'" or str(err)
        print(f"{PROG}: error: {_one_line(msg)}", file=sys.stderr)
        return 1
    except (LassoNetError, CLIError, ValueError, TypeError, KeyError, OSError) as err:
        text = _one_line(str(err)) or type(err).__name__
        if isinstance(err, KeyError | TypeError) and not isinstance(err, LassoNetError):
            text = f"{type(err).__name__}: {text}"
        print(f"{PROG}: error: {text}", file=sys.stderr)
        return 1
    finally:
        warnings.showwarning = old


if __name__ == "__main__":
    sys.exit(main())
