"""Cross-validation over a grid of ``M``: :func:`cva_lassonet` (glmnetUtils' ``cva.glmnet``).

Every ``M`` is cross-validated on the **same folds** and from the **same initial networks**:
the ``1 + K`` models of ``M = m`` use children ``0..K`` of ``SeedSequence(seed)``, exactly as
``cv_lassonet(..., M=m, seed=seed)`` does, so each ``M``'s :class:`~lassonetpy.CVLassoNet`
equals that call run alone (the batch == loop property). Each ``M`` gets its own lambda grid
(as each ``alpha`` does in ``cva.glmnet``): ``lambda_max`` grows with ``M``, and one grid for
all would leave few lambdas to small ``M``. Locally each ``M`` is one batched engine call;
``common_grid=True`` makes all ``(1 + K) * len(M)`` models one batch on one grid instead.
With ``parallel=`` the models of all ``M`` run at once on a Dask cluster (split by ``M`` and
further by folds); ``n_tasks=len(M)`` is bit for bit the local run, other splits agree up
to rounding (see :mod:`lassonetpy.engine.parallel`).
"""

from __future__ import annotations

import time
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _pickling
from .cv import CVLassoNet, _calls, _cv_from_result, _cv_plan
from .engine import take_models
from .engine.parallel import fit_batch
from .errors import bad_value
from .report.measures import is_maximized
from .report.printing import format_lambda

__all__ = ["cva_lassonet", "CVALassoNet"]


@dataclass(frozen=True, repr=False, eq=False)
class CVALassoNet:
    """Cross-validated LassoNet paths for several ``M`` on the same folds; never modified.

    Attributes
    ----------
    call : str
        The call.
    M : ndarray of shape (n_M,)
        The hierarchy multipliers, in the order given.
    cv : tuple of CVLassoNet
        One cross-validation per ``M``.
    foldid : ndarray of int
        The folds shared by every ``M``.
    timing : mapping
        Seconds (``fit``: all engine work, ``total``).

    Examples
    --------
    >>> from lassonetpy import cva_lassonet
    >>> from lassonetpy.datasets import load_boston
    >>> cva = cva_lassonet("medv ~ .", load_boston(), M=[0, 10], nfolds=3, hidden=(8,),
    ...                    nlambda=8, seed=0, verbose=False)
    >>> cva.M.tolist(), len(cva.cv)
    ([0.0, 10.0], 2)
    >>> bool(cva.best_M in (0.0, 10.0))
    True
    """

    call: str
    M: np.ndarray
    cv: tuple[CVLassoNet, ...]
    foldid: np.ndarray
    timing: Mapping[str, float]

    @property
    def measure_name(self) -> str:
        """Display name of the CV error measure."""
        return self.cv[0].measure_name

    @property
    def cvm_min(self) -> np.ndarray:
        """Best mean CV error of each ``M`` (at its ``lambda_min``)."""
        return np.array([c.cvm[c.index_min] for c in self.cv])

    @property
    def cvsd_min(self) -> np.ndarray:
        """Standard error of ``cvm_min``."""
        return np.array([c.cvsd[c.index_min] for c in self.cv])

    @property
    def best_index(self) -> int:
        """Position in ``M`` of the best ``M`` (best ``cvm_min``; the first on ties)."""
        v = self.cvm_min
        return int(np.argmax(v) if is_maximized(self.cv[0].measure) else np.argmin(v))

    @property
    def best_M(self) -> float:
        """The ``M`` with the best cross-validated error (at its ``lambda_min``)."""
        return float(self.M[self.best_index])

    @property
    def best(self) -> CVLassoNet:
        """The cross-validation of ``best_M``."""
        return self.cv[self.best_index]

    def __getitem__(self, M: float) -> CVLassoNet:
        hit = np.flatnonzero(np.isclose(self.M, float(M), rtol=1e-12, atol=0))
        if not hit.size:
            raise bad_value("M", f"one of {self.M.tolist()}", M)
        return self.cv[int(hit[0])]

    def __len__(self) -> int:
        return len(self.cv)

    def coef(self, s: Any = "lambda_min") -> Any:
        """Coefficients of the full-data fit of ``best_M`` at ``s`` (default its ``lambda_min``).

        Examples
        --------
        >>> from lassonetpy import cva_lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> cva = cva_lassonet("medv ~ .", load_boston(), M=[0, 10], nfolds=3, hidden=(8,),
        ...                    nlambda=8, seed=0, verbose=False)
        >>> cva.coef().shape[1]
        1
        """
        return self.best.coef(s=s)

    def predict(
        self, newdata: Any, s: Any = "lambda_min", type: str = "link", newoffset: Any = None
    ) -> Any:
        """Predict with the full-data fit of ``best_M`` at ``s`` (default its ``lambda_min``).

        Parameters
        ----------
        newdata, type, newoffset
            As in :meth:`lassonetpy.CVLassoNet.predict`.
        s : str, float or list, default "lambda_min"
            As in :meth:`lassonetpy.CVLassoNet.coef`.

        Examples
        --------
        >>> from lassonetpy import cva_lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> df = load_boston()
        >>> cva = cva_lassonet("medv ~ .", df, M=[0, 10], nfolds=3, hidden=(8,), nlambda=8,
        ...                    seed=0, verbose=False)
        >>> cva.predict(df.head(3)).shape
        (3,)
        """
        return self.best.predict(newdata, s=s, type=type, newoffset=newoffset)

    def to_frame(self) -> pd.DataFrame:
        """One row per ``M``: ``lambda_min``, ``cvm``, ``cvsd``, ``nzero`` there, ``lambda_1se``."""
        return pd.DataFrame(
            {
                "M": self.M,
                "lambda_min": [c.lambda_min for c in self.cv],
                "cvm": self.cvm_min,
                "cvsd": self.cvsd_min,
                "nzero": [int(c.nzero[c.index_min]) for c in self.cv],
                "lambda_1se": [c.lambda_1se for c in self.cv],
            }
        )

    def __getstate__(self) -> dict[str, Any]:
        return _pickling.getstate(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        _pickling.setstate(self, state)

    def __repr__(self) -> str:
        return self._text()

    def __str__(self) -> str:
        return self._text()

    def _text(self) -> str:
        head = ["M", "Lambda.min", "Measure", "SE", "Nonzero", "Lambda.1se"]
        rows = [
            [
                f"{m:g}",
                format_lambda(c.lambda_min),
                f"{c.cvm[c.index_min]:.4g}",
                f"{c.cvsd[c.index_min]:.4g}",
                str(int(c.nzero[c.index_min])),
                format_lambda(c.lambda_1se),
            ]
            for m, c in zip(self.M, self.cv)
        ]
        widths = [max(len(h), *(len(r[j]) for r in rows)) for j, h in enumerate(head)]
        lines = [f"Call: {self.call}", "", f"Measure: {self.measure_name}", ""]
        lines.append("  " + "  ".join(h.rjust(w) for h, w in zip(head, widths)))
        for i, r in enumerate(rows):
            mark = "*" if i == self.best_index else " "
            lines.append(mark + " " + "  ".join(v.rjust(w) for v, w in zip(r, widths)))
        lines += [
            "",
            f"* best M = {self.best_M:g}; {self.cv[0].nfolds} folds shared by every M; "
            "Nonzero: terms of the full-data fit at lambda.min.",
        ]
        return "\n".join(lines)

    def plot(self, ax: Any = None, kind: str = "min") -> Any:
        """Cross-validated error against ``M``, or every ``M``'s CV curve.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw (a new figure by default).
        kind : {"min", "curves"}
            ``"min"``: each ``M``'s best ``cvm`` with one-SE bars (the best ``M`` filled);
            ``"curves"``: ``cvm`` against log(lambda) for every ``M``.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from lassonetpy import cva_lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> cva = cva_lassonet("medv ~ .", load_boston(), M=[0, 10], nfolds=3, hidden=(8,),
        ...                    nlambda=8, seed=0, verbose=False)
        >>> cva.plot().get_xlabel()
        'M'
        """
        import matplotlib.pyplot as plt

        if kind not in ("min", "curves"):
            raise bad_value("kind", "'min' or 'curves'", kind)
        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 4.5))
        if kind == "min":
            x = np.arange(len(self.M))
            ax.errorbar(
                x,
                self.cvm_min,
                yerr=self.cvsd_min,
                fmt="o",
                color="tab:red",
                ecolor="0.5",
                capsize=3,
                mfc="white",
            )
            b = self.best_index
            ax.plot([x[b]], [self.cvm_min[b]], "o", color="tab:red")
            ax.set_xticks(x)
            ax.set_xticklabels([f"{m:g}" for m in self.M])
            ax.set_xlabel("M")
        else:
            for m, c in zip(self.M, self.cv):
                ax.plot(np.log(c.lambdas[1:]), c.cvm[1:], marker=".", label=f"M = {m:g}")
            ax.set_xlabel("log(Lambda)")
            ax.legend(fontsize="small")
        ax.set_ylabel(self.measure_name)
        return ax


def cva_lassonet(
    formula: str | None = None,
    data: Any = None,
    family: Any = "gaussian",
    *,
    X: Any = None,
    y: Any = None,
    M: Any = (0.0, 1.0, 3.0, 10.0, 30.0),
    nfolds: int = 10,
    foldid: Any = None,
    type_measure: str = "default",
    keep: bool = False,
    seed: int | None = None,
    common_grid: bool = False,
    verbose: bool = True,
    parallel: Any = None,
    n_tasks: int | None = None,
    **lassonet_kwargs: Any,
) -> CVALassoNet:
    """Cross-validate LassoNet for several hierarchy multipliers ``M`` on the same folds.

    The analogue of glmnetUtils' ``cva.glmnet`` (which does this for ``alpha``): one
    :class:`~lassonetpy.CVLassoNet` per ``M``, the best ``M`` by its minimum CV error.

    Parameters
    ----------
    formula, data, family, X, y
        As in :func:`lassonetpy.lassonet`.
    M : sequence of float, default (0, 1, 3, 10, 30)
        Distinct values ``>= 0`` (``M = 0`` is the lasso).
    nfolds, foldid, type_measure, keep, seed
        As in :func:`lassonetpy.cv_lassonet`; the folds and the initial networks are the same
        for every ``M``, so ``cva[m]`` equals ``cv_lassonet(..., M=m, seed=seed)`` (or with
        the same ``foldid``).
    common_grid : bool, default False
        One lambda grid (and one batch) for all ``M`` instead of one grid per ``M``.
    verbose : bool, default True
        Progress bars.
    parallel : None, "dask" or dask.distributed.Client
        Where the models run (see :func:`lassonetpy.cv_lassonet`).
    n_tasks : int, optional
        Number of chunks (at least one per ``M``; default one per ``M`` locally, one per model
        on Dask). ``n_tasks=len(M)`` on Dask is bit for bit the local run.
    **lassonet_kwargs
        Any other argument of :func:`lassonetpy.lassonet` except ``M``.

    Returns
    -------
    CVALassoNet

    Examples
    --------
    >>> from lassonetpy import cva_lassonet
    >>> from lassonetpy.datasets import load_boston
    >>> cva = cva_lassonet("medv ~ .", load_boston(), M=[0, 3, 10], nfolds=3, hidden=(8,),
    ...                    nlambda=8, seed=0, verbose=False)
    >>> cva.to_frame()["M"].tolist()
    [0.0, 3.0, 10.0]
    >>> cva.best is cva[cva.best_M]
    True
    """
    t0 = time.perf_counter()
    args = dict(locals())
    try:
        Mv = np.asarray(M, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        Mv = np.array([np.nan])
    if (
        isinstance(M, (str, bool))
        or Mv.size == 0
        or not np.isfinite(Mv).all()
        or (Mv < 0).any()
        or len(np.unique(Mv)) != Mv.size
    ):
        raise bad_value("M", "a sequence of distinct numbers >= 0", M)
    if not isinstance(common_grid, (bool, np.bool_)):
        raise bad_value("common_grid", "True or False", common_grid)
    plan = _cv_plan(
        "cva_lassonet",
        formula,
        data,
        family,
        X,
        y,
        nfolds,
        foldid,
        type_measure,
        keep,
        seed,
        verbose,
        lassonet_kwargs,
        exclude_args=("M",),
    )
    B1 = plan.masks.shape[0]  # 1 + K models per M
    m = Mv.size
    groups = None if common_grid else [np.arange(i * B1, (i + 1) * B1) for i in range(m)]
    results = fit_batch(
        plan.prep,
        np.tile(plan.masks, (m, 1)),
        M=np.repeat(Mv, B1),
        children=np.tile(np.arange(B1), m),
        grid_groups=groups,
        parallel=parallel,
        n_tasks=n_tasks,
        verbose=verbose,
    )
    if common_grid:
        one = results[0]
        results = [take_models(one, np.arange(i * B1, (i + 1) * B1)) for i in range(m)]
    t_fit = time.perf_counter() - t0
    cvs = []
    for mi, res in zip(Mv, results):
        kw = {**lassonet_kwargs, "M": float(mi)}
        cv_args = {**args, "M": float(mi)}
        call, fit_call = _calls(cv_args, kw)
        cvs.append(_cv_from_result(plan, res, call=call, fit_call=fit_call, keep=keep, t0=t0))

    from .api import _format_call, lassonet

    fit_args = {k: args[k] for k in ("formula", "family", "X", "y")}
    fit_args.update(lassonet_kwargs)
    own = {k: args[k] for k in ("M", "nfolds", "foldid", "type_measure", "keep", "seed")}
    own["common_grid"] = common_grid
    inner = [
        c[c.index("(") + 1 : -1]
        for c in (
            _format_call(fit_args, fn=lassonet),
            _format_call(own, name="cva_lassonet", fn=cva_lassonet),
        )
    ]
    return CVALassoNet(
        call=f"cva_lassonet({', '.join(c for c in inner if c)})",
        M=_ro(Mv),
        cv=tuple(cvs),
        foldid=_ro(plan.foldid),
        timing=types.MappingProxyType({"fit": t_fit, "total": time.perf_counter() - t0}),
    )


def _ro(a: Any) -> np.ndarray:
    out = np.array(a, copy=True)
    out.setflags(write=False)
    return out
