"""The command line's argument parser (argparse; a usage error is one line)."""

from __future__ import annotations

import argparse
import math
from typing import NoReturn

from .commands import _cmd_demo, _cmd_fit, _cmd_predict
from .files import _DEFAULT_NA, PROG


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is ONE line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    from .. import __version__

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
