"""The package's error and warning hierarchy.

Every error raised on bad user input is a :class:`LassoNetError` and also derives from the
matching builtin (``ValueError``, ``TypeError``, ...), so ``except ValueError`` keeps working.
Messages follow one template: ``"`<arg>` must be <expected>; got <value>. <how to fix>"``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "LassoNetError",
    "InputError",
    "InputTypeError",
    "ResponseError",
    "FamilyError",
    "DeviceError",
    "NotOnPathError",
    "ConvergenceError",
    "FormulaError",
    "FileFormatError",
    "FileMissingError",
    "SaveError",
    "LassoNetWarning",
    "ConvergenceWarning",
]


class LassoNetError(Exception):
    """Base class of every error raised by lassonetpy."""


class InputError(LassoNetError, ValueError):
    """An argument has a bad value (shape, range, NaN, ...)."""


class InputTypeError(LassoNetError, TypeError):
    """An argument has the wrong type."""


class ResponseError(InputError):
    """The response does not fit the family (e.g. non-binary y for ``binomial``)."""


class FamilyError(InputError):
    """Unknown family name or an object that is not a family."""


class DeviceError(InputError):
    """Unknown or unavailable device."""


class NotOnPathError(InputError):
    """A requested ``s`` / ``df`` cannot be found on the fitted path."""


class FormulaError(InputError):
    """A model formula cannot be evaluated on the data."""


class FileFormatError(InputError):
    """A file given to :func:`lassonetpy.load` is not a saved path: another kind of file, a
    truncated or damaged one, or one written in a newer format version."""


class FileMissingError(LassoNetError, FileNotFoundError):
    """A file to read does not exist."""


class SaveError(LassoNetError, OSError):
    """A path could not be written (missing or unwritable directory, disk full, ...); no file
    is left behind."""


class ConvergenceError(LassoNetError, RuntimeError):
    """Training diverged (non-finite loss); the message says what to try."""


class LassoNetWarning(UserWarning):
    """Base class of lassonetpy warnings."""


class ConvergenceWarning(LassoNetWarning):
    """Some lambda steps hit their epoch limit before the convergence test passed."""


class _Text(str):
    """Text shown as is (unquoted) in the ``got ...`` part of :func:`bad_value`."""

    def __repr__(self) -> str:
        return str(self)


def _short(value: Any, limit: int = 80) -> str:
    """One line: a large array or frame by its type and shape, anything else by its repr."""
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and (len(shape) > 1 or (shape and shape[0] > 10)):
        dtype = getattr(value, "dtype", None)
        kind = type(value).__name__
        text = f"<{kind} of shape {shape}" + (f", dtype {dtype}>" if dtype is not None else ">")
    else:
        text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def bad_value(
    arg: str, expected: str, value: Any, hint: str = "", cls: type = InputError
) -> Exception:
    """Build an error with the package's message template.

    Parameters
    ----------
    arg : str
        Name of the argument, as the user typed it.
    expected : str
        What the argument must be.
    value : Any
        The bad value (shown with ``repr``, shortened).
    hint : str, optional
        How to fix it.
    cls : type, optional
        The error class (default :class:`InputError`).

    Returns
    -------
    Exception
        An instance of ``cls`` (to be raised by the caller).

    Examples
    --------
    >>> err = bad_value("M", "a number >= 0", -1.0)
    >>> str(err)
    '`M` must be a number >= 0; got -1.0.'
    """
    msg = f"`{arg}` must be {expected}; got {_short(value)}."
    if hint:
        msg += " " + hint
    return cls(msg)
