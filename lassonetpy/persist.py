"""Save and load a :class:`~lassonetpy.path.LassoNetPath` without pickling code.

The file is ``torch.save`` of a plain dict: ``{"format": "lassonetpy-path/2", "meta": <JSON
string>, "tensors": {name: tensor}}``. Every array of the engine result (lambdas,
coefficients, network states at every lambda, centring and scaling, ...) is a tensor; the
design spec (:meth:`DesignSpec.to_dict`), family name, class labels, names, call and
settings are JSON. :func:`load` reads it with ``torch.load(..., weights_only=True)``.

Format 2 stores each path point's network in the compact form of
:class:`~lassonetpy.engine.states.PathState`: ``state.<i>.columns`` (the input columns kept) and
``state.<i>.0`` the first layer on those columns only, then the other tensors as in format 1.
Format 1 files (full ``first`` tensors, no ``columns``) are still read.
"""

from __future__ import annotations

import json
import os
from dataclasses import fields
from typing import Any

import numpy as np
import torch

from .engine import PathResult
from .engine.states import PathState
from .errors import InputError
from .families import ResponseInfo, get_family
from .formula.design import DesignSpec
from .path import LassoNetPath

__all__ = ["save_path", "load"]

FORMAT = "lassonetpy-path/2"
READABLE = ("lassonetpy-path/1", FORMAT)
_META = (
    "call",
    "column_names",
    "term_names",
    "input_columns",
    "kept_columns",
    "n_obs",
    "n_dropped",
    "has_offset",
)


def _tensor(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(a, copy=True))


def _plain(v: Any) -> Any:
    """JSON-safe copy (tuples -> lists, numpy scalars -> Python, anything else -> str)."""
    if isinstance(v, dict) or hasattr(v, "items"):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def save_path(obj: LassoNetPath, file: str | os.PathLike) -> None:
    """Write ``obj`` to ``file`` (see the module docstring for the layout).

    Parameters
    ----------
    obj : LassoNetPath
        The path to save.
    file : str or path-like
        Destination file.
    """
    r = obj._result
    tensors: dict[str, torch.Tensor] = {}
    arrays = []
    for f in fields(r):
        v = getattr(r, f.name)
        if isinstance(v, np.ndarray):
            tensors[f"result.{f.name}"] = _tensor(v)
            arrays.append(f.name)
    for i, state in enumerate(r.states):
        tensors[f"state.{i}.columns"] = state.columns.clone()
        for k, t in enumerate([state.first, *state.rest]):
            tensors[f"state.{i}.{k}"] = t.detach().cpu().clone().contiguous()
    resp = r.response
    tensors["response.y"] = _tensor(np.asarray(resp.y, dtype=np.float64))
    center = np.asarray(resp.center, dtype=np.float64)
    tensors["response.center"] = _tensor(center)
    if resp.output_scale is not None:  # family reconstruction: each column's scale
        tensors["response.output_scale"] = _tensor(np.asarray(resp.output_scale))
    classes = (
        None
        if resp.classes is None
        else {
            "values": _plain(np.asarray(resp.classes).tolist()),
            "dtype": np.asarray(resp.classes).dtype.str
            if np.asarray(resp.classes).dtype.kind != "O"
            else "object",
        }
    )
    meta = {
        "format": FORMAT,
        "family": r.family.name,
        "response": {
            "n_outputs": int(resp.n_outputs),
            "classes": classes,
            "scale": float(resp.scale),
            "center_is_scalar": center.ndim == 0,
            "output_names": _plain(list(resp.output_names)),
        },
        "result": {
            "arrays": arrays,
            "hidden": list(r.hidden),
            "groups": _plain(r.groups),
            "timing": _plain(r.timing),
            "n_states": len(r.states),
            "n_state_tensors": len(r.states[0]) if r.states else 0,
            "n_features": int(r.x_center.shape[0]),
        },
        "path": {k: _plain(getattr(obj, k)) for k in _META},
        "settings": _plain(dict(obj.settings)),
        "design": None if obj.design is None else obj.design.to_dict(),
    }
    torch.save({"format": FORMAT, "meta": json.dumps(meta), "tensors": tensors}, file)


def load(file: str | os.PathLike) -> LassoNetPath:
    """Load a path written by :meth:`LassoNetPath.save`.

    Parameters
    ----------
    file : str or path-like
        A file made by ``path.save(file)``.

    Returns
    -------
    LassoNetPath
        Equal to the saved path: same arrays, same networks, identical predictions.

    Raises
    ------
    InputError
        The file is not a lassonetpy path, or has a format version this version cannot read.

    Examples
    --------
    >>> import os, tempfile
    >>> from lassonetpy import lassonet, load
    >>> from lassonetpy.datasets import load_boston
    >>> fit = lassonet("medv ~ .", load_boston(), hidden=(8,), nlambda=10, seed=0,
    ...                verbose=False)
    >>> f = os.path.join(tempfile.mkdtemp(), "fit.pt")
    >>> fit.save(f)
    >>> back = load(f)
    >>> back.call == fit.call and bool((back.lambdas == fit.lambdas).all())
    True
    """
    try:
        blob = torch.load(file, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as err:  # not a torch file, or one holding more than plain data
        first = str(err).strip().splitlines()[0][:200] if str(err).strip() else ""
        raise InputError(
            f"`file` must be a lassonetpy path saved with .save(); {file!r} could "
            f"not be read safely ({type(err).__name__}: {first})."
        ) from err
    fmt = blob.get("format") if isinstance(blob, dict) else None
    if fmt not in READABLE:
        raise InputError(
            f"`file` must hold format {FORMAT!r} (or an older {READABLE[0]!r}); got {fmt!r} "
            f"in {file!r}. "
            + (
                "It was written by another lassonetpy version; load it with that version."
                if str(fmt).startswith("lassonetpy-path/")
                else "Is it a file made by LassoNetPath.save()?"
            )
        )
    meta = json.loads(blob["meta"])
    t = blob["tensors"]
    rm, resp = meta["result"], meta["response"]
    center = t["response.center"].numpy()
    classes = None
    if resp["classes"] is not None:
        dt = resp["classes"]["dtype"]
        classes = np.array(resp["classes"]["values"], dtype=object if dt == "object" else dt)
    info = ResponseInfo(
        y=t["response.y"].numpy(),
        n_outputs=resp["n_outputs"],
        classes=classes,
        center=float(center) if resp["center_is_scalar"] else center,
        scale=resp["scale"],
        output_names=resp["output_names"],
        output_scale=t["response.output_scale"].numpy() if "response.output_scale" in t else None,
    )
    states = []
    for i in range(rm["n_states"]):
        ts = [t[f"state.{i}.{k}"] for k in range(rm["n_state_tensors"])]
        if fmt == READABLE[0]:  # full tensors
            states.append(PathState.compact(ts))
        else:
            states.append(
                PathState(
                    columns=t[f"state.{i}.columns"],
                    first=ts[0],
                    rest=tuple(ts[1:]),
                    n_features=int(rm["n_features"]),
                )
            )
    result = PathResult(
        family=get_family(meta["family"]),
        response=info,
        hidden=tuple(rm["hidden"]),
        groups=rm["groups"],
        states=states,
        timing=rm["timing"],
        **{name: t[f"result.{name}"].numpy() for name in rm["arrays"]},
    )
    design = None if meta["design"] is None else DesignSpec.from_dict(meta["design"])
    return LassoNetPath._from_result(
        result, 0, design=design, settings=meta["settings"], **meta["path"]
    )
