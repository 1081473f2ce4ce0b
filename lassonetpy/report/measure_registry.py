"""The registry of CV and test-set measures, as ``cv.glmnet`` names them (numpy only).

Which measures each family accepts (default first), their display names, which are maximised,
and the checks of a ``type_measure`` argument. The measures themselves are defined in
:mod:`lassonetpy.report.measures` and computed in :mod:`lassonetpy.report.measure_compute`.

Examples
--------
>>> measure_name("deviance", "binomial")
'Binomial Deviance'
>>> measures_for("poisson")
('deviance', 'mse', 'mae')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import FamilyError, bad_value

__all__ = [
    "Measure",
    "MEASURES",
    "FAMILY_MEASURES",
    "PROB_MIN",
    "measures_for",
    "default_measure",
    "check_measure",
    "measure_name",
    "is_maximized",
    "family_name",
]

#: glmnet's hard-coded probability floor (``prob_min`` in ``cv.lognet``); the ceiling is 1 - it.
PROB_MIN = 1e-5

#: Measures valid for each family, default first (glmnet's ``glmnet.measures()``; lassonetpy
#: names the default ``"deviance"`` everywhere: for the gaussian families it equals ``"mse"``).
FAMILY_MEASURES: dict[str, tuple[str, ...]] = {
    "gaussian": ("deviance", "mse", "mae"),
    "mgaussian": ("deviance", "mse", "mae"),
    "poisson": ("deviance", "mse", "mae"),
    "binomial": ("deviance", "class", "auc", "mse", "mae"),
    "multinomial": ("deviance", "class", "mse", "mae"),
    "cox": ("deviance", "C"),
}

_DEVIANCE_NAMES = {
    "gaussian": "Mean-Squared Error",
    "mgaussian": "Mean-Squared Error",
    "poisson": "Poisson Deviance",
    "binomial": "Binomial Deviance",
    "multinomial": "Multinomial Deviance",
    "cox": "Partial Likelihood Deviance",
}


@dataclass(frozen=True)
class Measure:
    """One CV measure.

    Attributes
    ----------
    name : str
        Key used in ``type_measure`` (``"mse"``, ``"auc"``, ...).
    label : str
        Display name as glmnet prints it (for ``"deviance"`` it depends on the family; see
        :func:`measure_name`).
    maximize : bool
        True when larger is better (only AUC).
    per_observation : bool
        True when the measure is a (weighted) mean of per-observation errors, so a group's value
        is the weighted mean of :func:`pointwise`; False for AUC, which needs the whole group.
    """

    name: str
    label: str
    maximize: bool = False
    per_observation: bool = True


MEASURES: dict[str, Measure] = {
    "deviance": Measure("deviance", "Deviance"),
    "mse": Measure("mse", "Mean-Squared Error"),
    "mae": Measure("mae", "Mean Absolute Error"),
    "class": Measure("class", "Misclassification Error"),
    "auc": Measure("auc", "AUC", maximize=True, per_observation=False),
    # Harrell's concordance (family "cox"; report/cox_measures.py computes it per fold)
    "C": Measure("C", "C-index", maximize=True, per_observation=False),
}


def family_name(family: Any) -> str:
    """The family's name from a string or a family object (anything with ``.name``).

    Parameters
    ----------
    family : str or object
        ``"gaussian"``, ``"binomial"``, ... or a :class:`~lassonetpy.families.Family`.

    Returns
    -------
    str

    Examples
    --------
    >>> family_name("Binomial")
    'binomial'
    """
    name = family if isinstance(family, str) else getattr(family, "name", None)
    if not isinstance(name, str) or name.lower() not in FAMILY_MEASURES:
        raise bad_value(
            "family",
            f"one of {sorted(FAMILY_MEASURES)}",
            family,
            "CV measures exist for these families only.",
            cls=FamilyError,
        )
    return name.lower()


def measures_for(family: Any) -> tuple[str, ...]:
    """Measures valid for ``family``, the default first (like ``glmnet.measures(family)``).

    Parameters
    ----------
    family : str or Family

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> measures_for("binomial")
    ('deviance', 'class', 'auc', 'mse', 'mae')
    >>> measures_for("gaussian")
    ('deviance', 'mse', 'mae')
    """
    return FAMILY_MEASURES[family_name(family)]


def default_measure(family: Any) -> str:
    """The default measure of ``family``: always ``"deviance"``.

    For gaussian and mgaussian the deviance *is* the mean squared error (glmnet's default
    ``"mse"``, printed "Mean-Squared Error" either way).

    Examples
    --------
    >>> default_measure("multinomial")
    'deviance'
    """
    return measures_for(family)[0]


def check_measure(measure: Any, family: Any, *, arg: str = "type_measure") -> str:
    """Validate a measure name for a family; ``None`` or ``"default"`` give the default.

    Unlike glmnet, which warns and falls back to the default, an invalid choice is an error.

    Parameters
    ----------
    measure : str or None
        ``"deviance"``, ``"mse"``, ``"mae"``, ``"class"``, ``"auc"``, ``"default"`` or None.
    family : str or Family
    arg : str, optional
        Argument name used in the error message.

    Returns
    -------
    str
        The canonical (lower-case) measure name.

    Raises
    ------
    InputError
        If the measure is unknown or not valid for the family.

    Examples
    --------
    >>> check_measure(None, "poisson")
    'deviance'
    >>> check_measure("AUC", "binomial")
    'auc'
    >>> check_measure("auc", "gaussian")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lassonetpy.errors.InputError: `type_measure` must be one of ... got 'auc'. 'auc' needs ...
    """
    fam = family_name(family)
    valid = FAMILY_MEASURES[fam]
    if measure is None:
        return valid[0]
    if not isinstance(measure, str):
        raise bad_value(arg, "a string naming a measure", measure)
    m = measure.lower()
    if m == "default":
        return valid[0]
    canon = {v.lower(): v for v in valid}
    if m in canon:
        return canon[m]
    choices = ", ".join(repr(v) for v in valid)
    if m in {k.lower() for k in MEASURES}:
        need = {
            "auc": "'auc' needs family='binomial'.",
            "class": "'class' needs family='binomial' or 'multinomial'.",
            "c": "'C', the concordance index, is for family='cox'.",
        }.get(m, "")
        raise bad_value(arg, f"one of {choices} for family {fam!r}", measure, need)
    raise bad_value(
        arg,
        f"one of {choices} for family {fam!r}",
        measure,
        "('C', the concordance index, is for family='cox'.)" if m == "c" else "",
    )


def measure_name(measure: str, family: Any) -> str:
    """Display name of a measure as glmnet prints it (``print(cvfit)``, the plot's y label).

    Examples
    --------
    >>> measure_name("deviance", "poisson")
    'Poisson Deviance'
    >>> measure_name("deviance", "gaussian")
    'Mean-Squared Error'
    >>> measure_name("class", "multinomial")
    'Misclassification Error'
    """
    m = check_measure(measure, family, arg="measure")
    if m == "deviance":
        return _DEVIANCE_NAMES[family_name(family)]
    return MEASURES[m].label


def is_maximized(measure: str) -> bool:
    """True when larger values of ``measure`` are better (``"auc"``).

    Examples
    --------
    >>> is_maximized("auc"), is_maximized("deviance")
    (True, False)
    """
    keys = {k.lower(): k for k in MEASURES}
    if not isinstance(measure, str) or measure.lower() not in keys:
        raise bad_value("measure", f"one of {sorted(MEASURES)}", measure)
    return MEASURES[keys[measure.lower()]].maximize
