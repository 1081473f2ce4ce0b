"""Save and load a :class:`~lassonetpy.path.LassoNetPath` without pickling code.

The file is ``torch.save`` of a plain dict: ``{"format": "lassonetpy-path/2", "meta": <JSON
string>, "tensors": {name: tensor}}``. Every array of the engine result (lambdas,
coefficients, network states at every lambda, centring and scaling, ...) is a tensor; the
design spec (:meth:`DesignSpec.to_dict`), family name, class labels, names, call and
settings are JSON. :func:`load` reads it with ``torch.load(..., weights_only=True)``.

Format 2 stores each path point's network in the compact form of
:class:`~lassonetpy.engine.states.PathState`: ``state.<i>.columns`` (the input columns kept) and
``state.<i>.0`` the first layer on those columns only, then the other tensors as in format 1.
Format 1 files (full ``first`` tensors, no ``columns``) are still read. Files also record the
lassonetpy version that wrote them (``"written_by"``, since 0.1.0; older readers ignore it).

Safety: :func:`save_path` writes a temporary file in the destination's directory and renames
it over the destination (``os.replace``, atomic on POSIX and Windows), so an interrupted or
failed save leaves the previous file intact and no partial file behind. :func:`load` checks
the zip archive's CRC-32 checksums before reading (``torch.load`` reads damaged tensor data
without noticing) and says what is wrong: not a saved path, truncated, damaged, or written in
a newer format version.
"""

from __future__ import annotations

import json
import os
import secrets
import zipfile
from dataclasses import fields
from typing import Any

import numpy as np
import torch

from .engine import PathResult
from .engine.states import PathState
from .errors import FileFormatError, FileMissingError, InputTypeError, SaveError, bad_value
from .families import ResponseInfo, get_family
from .formula.design import DesignSpec
from .path import LassoNetPath
from .survival import BaselineHazard

__all__ = ["save_path", "load"]

_PREFIX = "lassonetpy-path/"
FORMAT = _PREFIX + "2"
READABLE = (_PREFIX + "1", FORMAT)
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
        Destination file. Written atomically: a temporary file in the same directory is
        renamed over it, so a failure never leaves a partial file.

    Raises
    ------
    SaveError
        The directory does not exist or is not writable, or writing failed (e.g. disk full);
        an existing file of that name is then unchanged.
    """
    r = obj._result
    if getattr(r, "body", None) is not None:  # lassonet(..., body=): user code, not tensors
        raise bad_value(
            "body",
            "None to save a path (files hold tensors and JSON, never code)",
            obj.settings.get("body", r.body),
            "Pickle the fit instead (pickle.dump; loading it needs the module's class "
            "importable), or keep the module and refit.",
        )
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
    base = obj.baseline
    if base is not None:  # cox: Breslow's baseline hazard of every path point
        for name in ("time", "stratum", "cumhaz"):
            tensors[f"baseline.{name}"] = _tensor(getattr(base, name))
    meta = {
        "format": FORMAT,
        "family": r.family.name,
        "family_params": _plain(r.family.params()),
        "baseline_levels": None if base is None else _plain(list(base.levels)),
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
            "threads": int(r.threads),
            "n_states": len(r.states),
            "n_state_tensors": len(r.states[0]) if r.states else 0,
            "n_features": int(r.x_center.shape[0]),
        },
        "path": {k: _plain(getattr(obj, k)) for k in _META},
        "settings": _plain(dict(obj.settings)),
        "design": None if obj.design is None else obj.design.to_dict(),
    }
    from . import __version__

    blob = {
        "format": FORMAT,
        "written_by": __version__,
        "meta": json.dumps(meta),
        "tensors": tensors,
    }
    _write_atomic(blob, file)


def _write_atomic(blob: dict[str, Any], file: Any) -> None:
    """``torch.save`` to a temporary file next to ``file``, then rename it over ``file``.

    The temporary file is opened like any new file (mode 0o666 minus the umask), so the result
    has the permissions a plain ``open(file, "wb")`` would give. On any failure, including
    ``KeyboardInterrupt``, the temporary file is removed and ``file`` is left as it was.
    """
    try:
        target = os.path.abspath(os.fspath(file))
    except TypeError:
        raise bad_value(
            "path", "a file name (str or path-like)", file, cls=InputTypeError
        ) from None
    folder = os.path.dirname(target)
    if os.path.isdir(target):
        raise bad_value("path", "a file name, not a directory", str(file), cls=SaveError)
    if not os.path.isdir(folder):
        raise bad_value(
            "path",
            "a file in an existing directory",
            str(file),
            f"{folder!r} does not exist or is not a directory; create it first.",
            cls=SaveError,
        )
    tmp = os.path.join(folder, f".{os.path.basename(target)}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as err:
        raise bad_value(
            "path",
            "a file in a writable directory",
            str(file),
            f"Cannot write in {folder!r} ({err.strerror or err}).",
            cls=SaveError,
        ) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(blob, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(err, OSError):
            raise SaveError(
                f"`path` could not be written: {str(file)!r} ({err.strerror or err}); no file "
                "was left behind and an existing file of that name is unchanged."
            ) from err
        raise


def _version(fmt: Any) -> int | None:
    """The format version of a ``"lassonetpy-path/<n>"`` tag (None for anything else)."""
    if isinstance(fmt, str) and fmt.startswith(_PREFIX) and fmt[len(_PREFIX) :].isdigit():
        return int(fmt[len(_PREFIX) :])
    return None


def _name(file: Any) -> str:
    return repr(os.fspath(file)) if isinstance(file, (str, os.PathLike)) else "the file object"


def _check_archive(file: Any) -> None:
    """Raise a clear error unless ``file`` is an undamaged zip archive (what torch.save writes)."""
    name = _name(file)
    if isinstance(file, (str, os.PathLike)):
        if not os.path.exists(file):
            raise FileMissingError(
                f"`file` must be an existing file; got {name}, which does not exist."
            )
        if os.path.isdir(file):
            raise bad_value(
                "file",
                "a file saved with .save(), not a directory",
                os.fspath(file),
                cls=FileFormatError,
            )
        with open(file, "rb") as fh:
            head = fh.read(4)
    elif hasattr(file, "read") and hasattr(file, "seek"):
        head = file.read(4)
        file.seek(0)
    else:
        raise bad_value(
            "file",
            "a file name (str or path-like) or a binary file object",
            file,
            cls=InputTypeError,
        )
    if head != b"PK\x03\x04":
        raise FileFormatError(
            f"`file` must be a lassonetpy path saved with .save(); {name} is not a lassonetpy "
            f"model file (not a zip archive of tensors: it starts with {bytes(head)!r})."
        )
    try:
        with zipfile.ZipFile(file) as z:
            bad = z.testzip()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        raise FileFormatError(
            f"`file` must be a complete lassonetpy path; {name} is truncated or damaged "
            f"({err}). Save the path again, or copy the file again if it was moved."
        ) from None
    finally:
        if hasattr(file, "seek"):
            file.seek(0)
    if bad is not None:
        raise FileFormatError(
            f"`file` must be an undamaged lassonetpy path; {name} is damaged (the checksum of "
            f"its record {bad!r} does not match). Save the path again, or copy the file again "
            "if it was moved."
        )


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
    FileMissingError
        No such file (a ``FileNotFoundError``).
    FileFormatError
        The file is not a lassonetpy path, is truncated or damaged (its checksums do not
        match), or has a format version this lassonetpy cannot read (the message says which
        version it has and which versions are read).

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
    _check_archive(file)
    try:
        blob = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as err:  # not a torch file, or one holding more than plain data
        first = str(err).strip().splitlines()[0][:200] if str(err).strip() else ""
        raise FileFormatError(
            f"`file` must be a lassonetpy path saved with .save(); {_name(file)} could "
            f"not be read safely ({type(err).__name__}: {first})."
        ) from err
    fmt = blob.get("format") if isinstance(blob, dict) else None
    if fmt not in READABLE:
        raise _format_error(fmt, blob, file)
    try:
        return _from_blob(blob, fmt)
    except (KeyError, IndexError, TypeError, ValueError, RuntimeError) as err:
        raise FileFormatError(
            f"`file` must be a complete lassonetpy path; {_name(file)} has the right format tag but "
            f"its content is incomplete or altered ({type(err).__name__}: {err})."
        ) from err


def _format_error(fmt: Any, blob: Any, file: Any) -> FileFormatError:
    from . import __version__

    version, newest = _version(fmt), _version(FORMAT)
    if version is None:
        return FileFormatError(
            f"`file` must be a lassonetpy path saved with .save(); {_name(file)} holds a torch "
            f"file with format tag {fmt!r}, not a lassonetpy path."
        )
    writer = blob.get("written_by")
    by = f", written by lassonetpy {writer}" if isinstance(writer, str) else ""
    msg = (
        f"`file` must be in a format this lassonetpy ({__version__}) reads: versions "
        f"{_version(READABLE[0])} to {newest} ({READABLE[0]!r} to {FORMAT!r}); got format "
        f"version {version} in {_name(file)}{by}."
    )
    if newest is not None and version > newest:
        return FileFormatError(
            msg + " It is newer: upgrade lassonetpy (pip install -U lassonetpy) to load it."
        )
    return FileFormatError(msg + " Load it with the lassonetpy that wrote it and save it again.")


def _from_blob(blob: dict[str, Any], fmt: str) -> LassoNetPath:
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
        family=get_family(meta["family"], **meta.get("family_params", {})),
        response=info,
        hidden=tuple(rm["hidden"]),
        groups=rm["groups"],
        states=states,
        timing=rm["timing"],
        threads=int(rm.get("threads", 1)),
        **{name: t[f"result.{name}"].numpy() for name in rm["arrays"]},
    )
    design = None if meta["design"] is None else DesignSpec.from_dict(meta["design"])
    baseline = None
    if meta.get("baseline_levels") is not None:
        baseline = BaselineHazard(
            levels=tuple(meta["baseline_levels"]),
            **{k: t[f"baseline.{k}"].numpy() for k in ("time", "stratum", "cumhaz")},
        )
    return LassoNetPath._from_result(
        result, 0, design=design, settings=meta["settings"], baseline=baseline, **meta["path"]
    )
