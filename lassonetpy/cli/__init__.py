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

This module runs the command line (:func:`main`); the parser is in ``cli/parser.py``, the
sub-commands in ``cli/commands.py`` and the files they read and write in ``cli/files.py``.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from .files import MODEL_FILE as MODEL_FILE
from .files import PROG, CLIError, _one_line, read_csv
from .files import SUMMARY_FILE as SUMMARY_FILE
from .parser import build_parser

__all__ = ["main", "read_csv"]


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
    from ..errors import LassoNetError

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
