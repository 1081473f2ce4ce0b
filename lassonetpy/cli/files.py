"""The command line's files: reading a CSV, the output directory, figures, the JSON summary.

Also what every command shares: the program name, the files ``fit --out`` writes, and
:class:`CLIError`.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import FileMissingError, InputError

PROG = "lassonetpy"
MODEL_FILE = "model.lnp"
SUMMARY_FILE = "summary.json"
_DEFAULT_NA = ("", "NA")


class CLIError(InputError):
    """A user error found by the command line itself (one line, exit status 1)."""


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
