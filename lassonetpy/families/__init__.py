"""Response families behind a registry: :func:`get_family` takes a name or a family object."""

from __future__ import annotations

from typing import Any

from ..errors import FamilyError
from ._base import Family, ResponseInfo
from .binomial import Binomial
from .cox import Cox
from .gaussian import Gaussian, MGaussian
from .multinomial import Multinomial
from .poisson import Poisson
from .reconstruction import Reconstruction, ReconstructionTarget

__all__ = [
    "Family",
    "ResponseInfo",
    "Gaussian",
    "MGaussian",
    "Binomial",
    "Multinomial",
    "Poisson",
    "Cox",
    "Reconstruction",
    "ReconstructionTarget",
    "get_family",
    "register_family",
    "FAMILIES",
]

FAMILIES: dict[str, type[Family]] = {
    "gaussian": Gaussian,
    "binomial": Binomial,
    "multinomial": Multinomial,
    "poisson": Poisson,
    "mgaussian": MGaussian,
    "cox": Cox,
    "reconstruction": Reconstruction,
}


def register_family(name: str, cls: type[Family]) -> None:
    """Add a family class to the registry under ``name``.

    Parameters
    ----------
    name : str
        Name users pass as ``family=``.
    cls : type
        A subclass of :class:`Family`.

    Examples
    --------
    >>> from lassonetpy.families import Gaussian
    >>> register_family("normal", Gaussian)
    >>> get_family("normal").name
    'gaussian'
    """
    if not (isinstance(cls, type) and issubclass(cls, Family)):
        raise FamilyError(f"`cls` must be a subclass of Family; got {cls!r}.")
    FAMILIES[name] = cls


def get_family(family: str | Family, **params: Any) -> Family:
    """Return a family object from a name or pass a family object through.

    Parameters
    ----------
    family : str or Family
        One of ``"gaussian"``, ``"binomial"``, ``"multinomial"``, ``"poisson"``,
        ``"mgaussian"``, ``"cox"``, or a :class:`Family` instance.
    **params
        Arguments of the family's constructor (e.g. ``ties="breslow"`` for ``"cox"``); only
        with a name.

    Returns
    -------
    Family

    Examples
    --------
    >>> get_family("binomial")
    Binomial()
    """
    if isinstance(family, Family):
        if params:
            raise FamilyError(
                f"Arguments {sorted(params)} go with a family name, not a family object "
                f"({family!r})."
            )
        return family
    if isinstance(family, str) and family.lower() in FAMILIES:
        try:
            return FAMILIES[family.lower()](**params)
        except TypeError:
            raise FamilyError(
                f"family {family!r} takes no argument(s) {sorted(params)}; got {params!r}."
            ) from None
    raise FamilyError(
        f"`family` must be one of {sorted(FAMILIES)} or a Family object; got {family!r}."
    )
