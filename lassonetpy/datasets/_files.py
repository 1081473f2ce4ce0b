"""Reading the data files shipped in this package (importlib.resources; no network)."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

import pandas as pd

#: The package holding the data files (this module's package).
_PACKAGE = __name__.rpartition(".")[0]


def _read_csv(filename: str) -> pd.DataFrame:
    """Read one of the shipped ``.csv.gz`` files; only an empty field counts as missing."""
    resource = resources.files(_PACKAGE).joinpath(filename)
    try:
        fh = resource.open("rb")
    except FileNotFoundError as exc:  # a broken install, not a user error
        raise FileNotFoundError(
            f"The data file {filename!r} is missing from the lassonetpy installation "
            f"({resource}). Reinstall lassonetpy; the wheel ships it as package data."
        ) from exc
    with fh:
        return pd.read_csv(fh, compression="gzip", keep_default_na=False, na_values=[""])


def _as_categorical(df: pd.DataFrame, column: str, levels: Sequence[str]) -> None:
    """Convert ``df[column]`` in place to a categorical with the given level order.

    Unlike a bare ``astype``, this refuses to turn an unexpected value into NaN.
    """
    values = df[column]
    unknown = sorted(set(values.dropna().unique()) - set(levels))
    if unknown or values.isna().any():
        raise RuntimeError(
            f"The shipped data are corrupt: column {column!r} has values outside "
            f"{list(levels)} (unexpected: {unknown[:5]}, missing: {int(values.isna().sum())}). "
            "Reinstall lassonetpy."
        )
    df[column] = pd.Categorical(values, categories=list(levels))
