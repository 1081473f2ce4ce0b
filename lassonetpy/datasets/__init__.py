"""Real datasets shipped with lassonetpy, loaded as pandas DataFrames (no network needed).

Each loader reads a gzip-compressed CSV that ships inside the package (found with
:mod:`importlib.resources`, so it also works from an installed wheel) and returns a **new**
DataFrame on every call. You can change the result freely; the next call is unaffected.

- :func:`load_mice_protein`: 1080 x 82, 8-class classification of ``class`` from 77 proteins
  (the package's main demo data).
- :func:`load_boston`: 506 x 13, regression of ``medv``.
- :func:`load_doctorvisits`: 5190 x 12, Poisson (count) regression of ``visits``.
- :func:`load_veteran`: 137 x 8, survival (Cox) with ``time`` and ``status``.
- :func:`load_spam`: 4601 x 58, binary classification of ``type``.
- :func:`load_gbsg2`: 686 x 10, survival (Cox) with ``time`` and ``cens`` (German Breast Cancer
  Study Group 2).

:func:`list_datasets` returns this list as a DataFrame. Apart from the documented changes
(the ``black`` column is removed from Boston, and string columns become categoricals), the
values are exactly those of the source files. Origins and licenses are given in each loader's
docstring and in ``README.md`` next to this module. The data files keep their own licenses;
the MIT license of the package code does not apply to them.

Categorical level order follows the R package the data come from. Where the data have no R
factor definition (MICE), levels are sorted alphabetically, as R's ``factor()`` does.

The loaders live in ``_mice.py``, ``_tabular.py`` (Boston, doctor visits, spam) and
``_survival.py`` (veteran, GBSG2); ``_files.py`` reads the shipped files.
"""

from __future__ import annotations

import pandas as pd

from ._files import _as_categorical as _as_categorical  # the tests check these helpers
from ._files import _read_csv as _read_csv
from ._mice import MICE_PROTEIN_FEATURES, load_mice_protein, mice_protein_features
from ._survival import load_gbsg2, load_veteran
from ._tabular import load_boston, load_doctorvisits, load_spam

__all__ = [
    "list_datasets",
    "load_mice_protein",
    "mice_protein_features",
    "MICE_PROTEIN_FEATURES",
    "load_boston",
    "load_doctorvisits",
    "load_veteran",
    "load_spam",
    "load_gbsg2",
]

# name, loader, rows, columns, task, response, license (of the data file as shipped)
_REGISTRY: tuple[tuple[str, str, int, int, str, str, str], ...] = (
    ("mice_protein", "load_mice_protein", 1080, 82, "multiclass", "class", "CC BY 4.0 (UCI)"),
    ("boston", "load_boston", 506, 13, "regression", "medv", "GPL-2 | GPL-3 (R MASS)"),
    ("doctorvisits", "load_doctorvisits", 5190, 12, "count", "visits", "GPL-2 | GPL-3 (R AER)"),
    ("veteran", "load_veteran", 137, 8, "survival", "time, status", "LGPL (>= 2) (R survival)"),
    ("spam", "load_spam", 4601, 58, "binary", "type", "GPL-2 (R kernlab); UCI CC BY 4.0"),
    ("gbsg2", "load_gbsg2", 686, 10, "survival", "time, cens", "GPL-3 (R TH.data)"),
)


def list_datasets() -> pd.DataFrame:
    """List the datasets shipped with lassonetpy.

    Returns
    -------
    pandas.DataFrame
        One row per dataset, with columns ``name``, ``loader`` (the function in
        :mod:`lassonetpy.datasets` that loads it), ``rows`` and ``columns`` (the shape of the
        loaded DataFrame, response included), ``task`` (``"multiclass"``, ``"regression"``,
        ``"count"``, ``"survival"`` or ``"binary"``), ``response`` (the response column or
        columns) and ``license`` (of the data, not of lassonetpy's code).

    Examples
    --------
    >>> tab = list_datasets()
    >>> tab["name"].tolist()
    ['mice_protein', 'boston', 'doctorvisits', 'veteran', 'spam', 'gbsg2']
    >>> tab.loc[tab["name"] == "veteran", ["rows", "columns", "task"]].values.tolist()
    [[137, 8, 'survival']]
    """
    return pd.DataFrame(
        list(_REGISTRY),
        columns=["name", "loader", "rows", "columns", "task", "response", "license"],
    )
