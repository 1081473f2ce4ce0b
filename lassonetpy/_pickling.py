"""Pickle support for the frozen result objects, whose read-only mappings are proxies.

``types.MappingProxyType`` cannot be pickled, so ``__getstate__`` stores such fields as
plain dicts (their names under ``"__proxies__"``) and ``__setstate__`` wraps them again.
scikit-learn users pickle fitted estimators (``joblib.dump``), which hold these objects.
"""

from __future__ import annotations

import types
from typing import Any

__all__ = ["getstate", "setstate"]


def getstate(obj: Any) -> dict[str, Any]:
    """The instance dict of ``obj`` with mapping proxies replaced by dicts.

    Parameters
    ----------
    obj : object
        A result object (a frozen dataclass without slots).

    Returns
    -------
    dict

    Examples
    --------
    >>> class A: pass
    >>> a = A(); a.m = types.MappingProxyType({"x": 1})
    >>> getstate(a)
    {'m': {'x': 1}, '__proxies__': ['m']}
    """
    state = dict(obj.__dict__)
    proxies = [k for k, v in state.items() if isinstance(v, types.MappingProxyType)]
    for k in proxies:
        state[k] = dict(state[k])
    state["__proxies__"] = proxies
    return state


def setstate(obj: Any, state: dict[str, Any]) -> None:
    """Restore ``obj`` from :func:`getstate` (works on frozen dataclasses).

    Parameters
    ----------
    obj : object
        The instance being unpickled.
    state : dict
        What :func:`getstate` returned.
    """
    state = dict(state)
    proxies = set(state.pop("__proxies__", ()))
    for k, v in state.items():
        object.__setattr__(obj, k, types.MappingProxyType(v) if k in proxies else v)
