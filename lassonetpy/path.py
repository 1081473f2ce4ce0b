"""`LassoNetPath`: the immutable result of :func:`lassonetpy.lassonet`, glmnet's path object.

Index ``i`` runs along the path in fit order: ``i = 0`` is the dense fit (``lambda = 0``),
then lambda increases (dense to sparse). Tables and plots label path points ``"s0"``,
``"s1"``, ... by this index. A requested ``s`` snaps to the nearest fitted lambda (networks
are never interpolated); ``df=k`` picks the fit with the most terms not exceeding ``k``.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from . import _pickling
from . import unsupervised as _unsupervised
from .engine import PathResult
from .errors import bad_value
from .formula import newdata as _predict
from .formula.design import DesignSpec
from .report import exit_plot as exits
from .report import path_plot as plotting
from .report import printing
from .survival import BaselineHazard

__all__ = ["LassoNetPath"]


def _ro(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, repr=False, eq=False)
class LassoNetPath:
    """A LassoNet regularisation path: one fitted network per lambda, dense fit first.

    Built by :func:`lassonetpy.lassonet` (or :func:`lassonetpy.load`); never modified.

    Attributes
    ----------
    call : str
        The call that made the fit, like glmnet's ``Call:`` line.
    family : str
        Family name.
    lambdas : ndarray of shape (L,)
        Every lambda of the path, increasing; ``lambdas[0] == 0`` is the dense fit.
    df : ndarray of shape (L,)
        Number of terms (groups) selected at each lambda.
    n_features : ndarray of shape (L,)
        Number of columns selected at each lambda.
    dev_ratio : ndarray of shape (L,)
        Fraction of the null deviance explained on the training rows.
    null_deviance : float
        Deviance of the intercept-only model (glmnet's ``nulldev``, divided by ``n``).
    beta : ndarray of shape (L, n_outputs, n_columns)
        Skip-layer coefficients on the original scale; ``a0`` (L, n_outputs) the intercepts.
    selected : ndarray of shape (L, n_columns), bool
        Columns with a non-zero skip weight.
    column_names, term_names : tuple of str
        Columns of the design (alias ``feature_names``) and terms (one selection group each).
    n_obs, n_dropped : int
        Rows used, and rows dropped for missing values.
    epochs, converged : ndarray of shape (L,)
        Epochs used at each lambda and whether its optimality test (``tol``) passed.
    residual, gap : ndarray of shape (L,)
        The stopping quantities at the last epoch: relative KKT residual, and relative
        duality gap where one exists (``M = 0``; NaN otherwise).
    threads : int
        Torch threads the fit ran with.
    timing : mapping
        Seconds spent on the dense fit, the path and in total.
    design : DesignSpec or None
        Replays the formula on new data (None for the array interface).
    baseline : BaselineHazard or None
        Cox fits: Breslow's baseline cumulative hazard at every path point (for survival
        curves; see :meth:`baseline_hazard`).

    Examples
    --------
    >>> from lassonetpy import lassonet
    >>> from lassonetpy.datasets import load_boston
    >>> fit = lassonet("medv ~ .", load_boston(), hidden=(8,), nlambda=10, seed=0,
    ...                verbose=False)
    >>> len(fit) == len(fit.lambdas) == len(fit.df)
    True
    >>> fit.term_names[:3]
    ('crim', 'zn', 'indus')
    """

    call: str
    design: DesignSpec | None
    column_names: tuple[str, ...]
    term_names: tuple[str, ...]
    input_columns: tuple[str, ...] | None
    kept_columns: tuple[int, ...] | None
    n_obs: int
    n_dropped: int
    has_offset: bool
    settings: Mapping[str, Any]
    _result: PathResult
    baseline: BaselineHazard | None = None
    # the prepared training data (formula.inputs.Prepared), for relax(); not saved
    _train: Any = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def _from_result(cls, result: PathResult, model: int = 0, **meta: Any) -> LassoNetPath:
        """Keep model ``model`` of ``result`` (read-only copies) with the metadata ``meta``."""
        if not 0 <= model < result.n_models:
            raise bad_value("model", f"in 0..{result.n_models - 1}", model)
        per_model = {
            "M",
            "selected",
            "n_selected",
            "n_groups",
            "beta",
            "a0",
            "loss",
            "objective",
            "deviance",
            "null_deviance",
            "dev_ratio",
            "epochs",
            "converged",
            "residual",
            "gap",
            "lr",
            "lambda_max_internal",
        }
        changes: dict[str, Any] = {}
        for f in fields(result):
            v = getattr(result, f.name)
            if f.name in per_model and v is not None:
                changes[f.name] = _ro(v[model : model + 1])
            elif isinstance(v, np.ndarray):
                changes[f.name] = _ro(v)
        changes["states"] = [st.select(model) for st in result.states]
        changes["timing"] = dict(result.timing)
        meta["settings"] = types.MappingProxyType(dict(meta.get("settings", {})))
        for key in ("column_names", "term_names", "input_columns", "kept_columns"):
            if meta.get(key) is not None:
                meta[key] = tuple(meta[key])
        return cls(_result=replace(result, **changes), **meta)

    # ------------------------------------------------------------------ attributes
    @property
    def family(self) -> str:
        """Name of the response family."""
        return self._result.family.name

    @property
    def lambdas(self) -> np.ndarray:
        """Lambdas of the path, increasing, dense fit (0) first."""
        return self._result.lambdas

    @property
    def df(self) -> np.ndarray:
        """Number of terms selected at each lambda."""
        return self._result.n_groups[0]

    @property
    def missing_df(self) -> np.ndarray:
        """Term counts between the path's fewest and most with no fit of their own: terms
        that left together (within a relative 1e-3 of lambda; ``df_resolution``), or counts
        above ``df_resolution``. ``coef(df=k)`` for such a ``k`` gives the next smaller fit."""
        df = np.asarray(self.df, dtype=np.int64)
        have = set(df.tolist())
        return np.array([k for k in range(int(df.min()) + 1, int(df.max())) if k not in have])

    @property
    def n_features(self) -> np.ndarray:
        """Number of columns selected at each lambda."""
        return self._result.n_selected[0]

    @property
    def dev_ratio(self) -> np.ndarray:
        """Fraction of the null deviance explained (training rows)."""
        return self._result.dev_ratio[0]

    @property
    def null_deviance(self) -> float:
        """Null deviance per observation."""
        return float(self._result.null_deviance[0])

    @property
    def beta(self) -> np.ndarray:
        """Skip coefficients (L, n_outputs, n_columns), original scale."""
        return self._result.beta[0]

    @property
    def a0(self) -> np.ndarray:
        """Intercepts (L, n_outputs)."""
        return self._result.a0[0]

    @property
    def selected(self) -> np.ndarray:
        """Selected columns (L, n_columns), bool."""
        return self._result.selected[0]

    @property
    def term_selected(self) -> np.ndarray:
        """Selected terms (L, n_terms), bool."""
        return np.stack([self.selected[:, list(g)].any(axis=1) for g in self.groups], axis=1)

    @property
    def groups(self) -> tuple[tuple[int, ...], ...]:
        """Column indices of each term."""
        return tuple(tuple(int(j) for j in g) for g in self._result.groups)

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Alias of ``column_names``."""
        return self.column_names

    @property
    def epochs(self) -> np.ndarray:
        """Epochs used at each lambda."""
        return self._result.epochs[0]

    @property
    def converged(self) -> np.ndarray:
        """Whether each lambda met the optimality test of ``tol`` before ``max_epochs``."""
        return self._result.converged[0]

    @property
    def residual(self) -> np.ndarray:
        """Relative KKT residual at the last epoch of each lambda (see ``tol``)."""
        r = self._result.residual
        return np.full(len(self), np.nan) if r is None else r[0]

    @property
    def gap(self) -> np.ndarray:
        """Relative duality gap at the last epoch of each lambda (``M = 0``; else NaN)."""
        g = self._result.gap
        return np.full(len(self), np.nan) if g is None else g[0]

    @property
    def threads(self) -> int:
        """Torch threads the fit ran with."""
        return int(self._result.threads)

    @property
    def timing(self) -> Mapping[str, float]:
        """Seconds: ``dense``, ``path``, ``total``."""
        return types.MappingProxyType(self._result.timing)

    @property
    def classes(self) -> np.ndarray | None:
        """Class labels (binomial: the second is the event), else None."""
        return self._result.response.classes

    @property
    def output_names(self) -> list[str]:
        """Names of the network outputs (classes, responses) for multi-output families."""
        r = self._result.response
        if r.n_outputs == 1:
            return [self.family]
        if self.classes is not None:
            return [str(c) for c in self.classes]
        return list(r.output_names) or [f"y{k + 1}" for k in range(r.n_outputs)]

    def __len__(self) -> int:
        return len(self.lambdas)

    def __getstate__(self) -> dict[str, Any]:
        state = _pickling.getstate(self)
        state["_train"] = None  # the training data stay out of pickles (as out of save())
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        _pickling.setstate(self, state)

    def __repr__(self) -> str:
        return printing.format_path(self)

    # ------------------------------------------------------------------ choosing fits
    def _indices(self, s: Any, df: Any) -> tuple[list[int], bool]:
        """Path indices for ``s`` (lambdas) or ``df`` (term counts); None: all; scalar flag."""
        return _predict.resolve(self, s, df)

    # ------------------------------------------------------------------ coefficients
    def coef(self, s: Any = None, df: Any = None) -> pd.DataFrame:
        """Intercept and skip-layer (linear) coefficients on the original scale.

        Parameters
        ----------
        s : float or list of float, optional
            Lambda(s); each snaps to the nearest lambda of the path (log scale; 0 is the
            dense fit). Default: every lambda.
        df : int or list of int, optional
            Instead of ``s``: the fit with the most terms not exceeding each value.

        Returns
        -------
        pandas.DataFrame
            Rows ``"(Intercept)"`` (not for cox, which has none) and the column names; one
            column per requested fit, labelled ``"s<i>"`` with ``i`` the path index. Multi-output families
            (multinomial, mgaussian) stack one block per output: the row index is a
            MultiIndex ``(output, coefficient)``, so ``coef().loc["setosa"]`` is one block.
            For binomial the coefficients are those of the log-odds of ``classes[1]``.

        Examples
        --------
        >>> from lassonetpy import lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> fit = lassonet("medv ~ .", load_boston(), hidden=(8,), nlambda=10, seed=0,
        ...                verbose=False)
        >>> c = fit.coef(s=0)
        >>> c.shape, c.index[0], c.columns.tolist()
        ((13, 1), '(Intercept)', ['s0'])
        >>> fit.coef(df=3).iloc[1:].ne(0).sum().item() <= 3
        True
        """
        idx, _ = self._indices(s, df)
        icpt = bool(getattr(self._result.family, "intercept", True))  # no intercept for cox
        rows = ["(Intercept)"] * icpt + list(self.column_names)
        blocks = [
            np.column_stack([np.r_[self.a0[i, o : o + icpt], self.beta[i, o]] for i in idx])
            for o in range(self.beta.shape[1])
        ]
        labels = [f"s{i}" for i in idx]
        if len(blocks) == 1:
            return pd.DataFrame(blocks[0], index=pd.Index(rows, name="coefficient"), columns=labels)
        index = pd.MultiIndex.from_product(
            [self.output_names, rows], names=["output", "coefficient"]
        )
        return pd.DataFrame(np.vstack(blocks), index=index, columns=labels)

    def nonzero(self, s: Any = None, df: Any = None) -> list[str] | list[list[str]]:
        """Names of the selected terms.

        Parameters
        ----------
        s, df : optional
            As in :meth:`coef`.

        Returns
        -------
        list of str, or list of lists of str
            One list for a single ``s`` / ``df``; one list per fit otherwise (default: all).

        Examples
        --------
        >>> from lassonetpy import lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> fit = lassonet("medv ~ .", load_boston(), hidden=(8,), nlambda=10, seed=0,
        ...                verbose=False)
        >>> len(fit.nonzero(s=0))
        12
        >>> len(fit.nonzero(df=2)) <= 2
        True
        """
        idx, scalar = self._indices(s, df)
        ts = self.term_selected
        out = [[t for t, on in zip(self.term_names, ts[i], strict=True) if on] for i in idx]
        return out[0] if scalar else out

    def importance(self) -> pd.Series:
        """The lambda at which each term first leaves the path (inf if it never does).

        Returns
        -------
        pandas.Series
            Indexed by term name, sorted decreasing (most important first).

        Examples
        --------
        >>> from lassonetpy import lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> fit = lassonet("medv ~ .", load_boston(), hidden=(8,), nlambda=10, seed=0,
        ...                verbose=False)
        >>> imp = fit.importance()
        >>> len(imp), bool(imp.is_monotonic_decreasing)
        (12, True)
        """
        ts = self.term_selected
        out = np.full(ts.shape[1], np.inf)
        current = ts[0].copy()
        for i in range(1, len(self)):
            out[current & ~ts[i]] = self.lambdas[i]
            current &= ts[i]
        imp = pd.Series(out, index=pd.Index(self.term_names, name="term"), name="lambda_leave")
        return imp.sort_values(ascending=False, kind="stable")

    def footprint(self) -> pd.DataFrame:
        """Each term's first-layer footprint along the path, ``||theta_g|| + ||W0_g||``.

        ``theta_g`` are the term's skip weights and ``W0_g`` its first-hidden-layer weights
        (Frobenius norms, standardised units). Unlike the skip weights alone, which shrink
        long before a term leaves, it stays away from zero while the network still uses
        the term, and is exactly zero once it has left (the hierarchy constraint).

        Returns
        -------
        pandas.DataFrame
            One row per path point (``"s<i>"``), one column per term.

        Examples
        --------
        >>> from lassonetpy import lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> fit = lassonet("medv ~ .", load_boston(), hidden=(8,), nlambda=10, seed=0,
        ...                verbose=False)
        >>> fp = fit.footprint()
        >>> fp.shape == (len(fit), 12), bool(((fp > 0) == fit.term_selected).all().all())
        (True, True)
        """
        n_out = int(self._result.response.n_outputs)
        out = np.zeros((len(self), len(self.groups)))
        for i, state in enumerate(self._result.states):
            first = state.full_first(0)[0].double().numpy()  # (outputs + units, columns)
            for t, g in enumerate(self.groups):
                cols = list(g)
                out[i, t] = np.linalg.norm(first[:n_out, cols]) + np.linalg.norm(
                    first[n_out:, cols]
                )
        index = pd.Index([f"s{i}" for i in range(len(self))], name="point")
        return pd.DataFrame(out, index=index, columns=pd.Index(self.term_names, name="term"))

    # ------------------------------------------------------------------ prediction
    def predict(
        self,
        newdata: Any,
        s: Any = None,
        df: Any = None,
        type: str = "link",
        newoffset: Any = None,
        times: Any = None,
        newstrata: Any = None,
    ) -> Any:
        """Predict from the fits on the path.

        Parameters
        ----------
        newdata : pandas.DataFrame or array-like
            Formula fits: a DataFrame with the formula's variables (the formula is replayed;
            an unseen factor level, a missing column or NA raise). Array fits: a matrix with
            the columns of ``X`` (or a DataFrame with its column names).
        s, df : optional
            As in :meth:`coef` (default: every lambda).
        type : {"link", "response", "class", "survival"}
            Linear predictor, mean response (probabilities for classification; the relative
            risk ``exp(link)`` for cox), class labels (binomial, multinomial), or survival
            probabilities at ``times`` (cox: ``exp(-H0(t) exp(link))`` with Breslow's
            baseline ``H0`` of the row's stratum). The cox link has no intercept: at ``M = 0``
            it is ``x @ beta``, as in glmnet.
        newoffset : array-like or str, optional
            Required when the fit used an offset (a column name of ``newdata`` is allowed).
        times : array-like, optional
            ``type="survival"``: the times (required).
        newstrata : array-like, optional
            ``type="survival"`` for a stratified array fit: the stratum of each row (formula
            fits read the ``strata(...)`` columns of ``newdata``).

        Returns
        -------
        pandas.Series / DataFrame or ndarray
            pandas (indexed like ``newdata``) when ``newdata`` is a DataFrame, else numpy.
            One fit: a Series (or ndarray (n,)), or a DataFrame with one column per output
            (ndarray (n, n_outputs)). Several fits: columns ``"s<i>"`` (ndarray (n, k)), with
            a column MultiIndex ``(s<i>, output)`` for several outputs (ndarray
            (n, n_outputs, k)). ``type="survival"``: one row per row of ``newdata`` and one
            column per time (a column MultiIndex ``(s<i>, time)`` for several fits; ndarray
            (n, len(times)) or (n, len(times), k)).

        Examples
        --------
        >>> from lassonetpy import lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> df = load_boston()
        >>> fit = lassonet("medv ~ .", df, hidden=(8,), nlambda=10, seed=0, verbose=False)
        >>> p = fit.predict(df.head(3), s=0)
        >>> p.shape, p.index.tolist()
        ((3,), [0, 1, 2])
        >>> fit.predict(df.head(3), df=[2, 5]).columns.str.startswith("s").all()
        np.True_
        """
        if self.family == "reconstruction":  # only the columns the fits use are needed
            newdata = _unsupervised.fill_unselected(self, newdata, self._indices(s, df)[0])
        return _predict.predict(self, newdata, s, df, type, newoffset, times, newstrata)

    def baseline_hazard(self, s: Any = None, df: Any = None) -> pd.DataFrame:
        """Breslow's baseline cumulative hazard of a cox fit (R's ``basehaz``).

        Parameters
        ----------
        s, df : optional
            One fit, as in :meth:`coef` (default: the dense fit, ``s=0``).

        Returns
        -------
        pandas.DataFrame
            Columns ``time``, ``cumhaz`` (including the jump at ``time``) and ``strata``
            (stratified fits), one row per event time.

        Examples
        --------
        >>> from lassonetpy import lassonet
        >>> from lassonetpy.datasets import load_veteran
        >>> fit = lassonet("Surv(time, status) ~ .", load_veteran(), family="cox",
        ...                hidden=(8,), nlambda=5, seed=0, verbose=False)
        >>> h = fit.baseline_hazard(s=0)
        >>> h.columns.tolist(), bool(h["cumhaz"].is_monotonic_increasing)
        (['time', 'cumhaz'], True)
        """
        return _predict.baseline_table(self, 0 if s is None and df is None else s, df)

    # ------------------------------------------------------------------ reports
    def summary(self) -> printing.PathSummary:
        """A report: family, data size, terms, selected terms at a few lambdas, training.

        Returns
        -------
        PathSummary
            Prints as text; ``.table`` holds the selected-terms table as a DataFrame.

        Examples
        --------
        >>> from lassonetpy import lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> fit = lassonet("medv ~ .", load_boston(), hidden=(8,), nlambda=10, seed=0,
        ...                verbose=False)
        >>> s = fit.summary()
        >>> s.table["point"].iloc[0], "gaussian" in str(s)
        ('dense', True)
        """
        return printing.format_summary(self)

    def plot(
        self, xvar: str = "lambda", label: bool | int = False, ax: Any = None, yvar: str = "coef"
    ) -> Any:
        """Coefficient paths, like glmnet's ``plot.glmnet``, or where each term leaves.

        Parameters
        ----------
        xvar : {"lambda", "norm", "dev"}
            x axis: log lambda (the dense fit, lambda = 0, is drawn at the left edge behind a
            dotted line), L1 norm of the coefficients, or fraction of deviance explained.
        label : bool or int
            ``"coef"``: write the column names at the ends of the lines. ``"importance"``:
            name the terms above the plot at their exits (True: all up to 20 terms, else
            the 10 that leave last; an integer k: the last k).
        ax : matplotlib Axes, optional
            Where to draw (a new figure by default).
        yvar : {"coef", "importance"}
            ``"coef"``: the skip-layer coefficients. ``"importance"``: each term's
            first-layer footprint (:meth:`footprint`) as a share of its largest value, so
            every term's exit is visible; its exit is marked on the x axis.

        Returns
        -------
        matplotlib.axes.Axes
            The main axes (for ``"coef"`` the number of selected terms is on a twin top
            axis).

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from lassonetpy import lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> fit = lassonet("medv ~ .", load_boston(), hidden=(8,), nlambda=10, seed=0,
        ...                verbose=False)
        >>> ax = fit.plot(label=True)
        >>> len(ax.lines) >= 12
        True
        >>> ax = fit.plot(yvar="importance", label=True)
        >>> len([t for t in ax.texts if (t.get_gid() or "").startswith("label:")])
        12
        """
        if yvar == "importance":
            return exits.plot_exits(self, xvar=xvar, label=label, ax=ax)
        if yvar != "coef":
            raise bad_value("yvar", "'coef' or 'importance'", yvar)
        return plotting.plot_path(self, xvar=xvar, label=bool(label), ax=ax)

    def plot_importance(self, top: int | None = None, ax: Any = None) -> Any:
        """Horizontal bars: the lambda at which each term leaves the path (log scale).

        Parameters
        ----------
        top : int, optional
            Show only the ``top`` most important terms.
        ax : matplotlib Axes, optional
            Where to draw.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from lassonetpy import lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> fit = lassonet("medv ~ .", load_boston(), hidden=(8,), nlambda=10, seed=0,
        ...                verbose=False)
        >>> len(fit.plot_importance(top=5).patches)
        5
        """
        return plotting.plot_importance(self, top=top, ax=ax)

    def relax(
        self,
        s: Any = None,
        df: Any = None,
        *,
        hidden: Any = None,
        validation: Any = None,
        validation_fraction: float = 0.2,
        seed: int | None = None,
        max_epochs: int = 1000,
        tol: float | None = None,
    ) -> Any:
        """Refit networks without penalty on the terms selected at path points (relaxed LassoNet).

        The paper's protocol (Table 1): the penalty that removes terms also shrinks the ones
        that stay, so the selected terms are passed to a network trained from scratch. Each
        point is refitted by the dense LassoNet fit (``lambda = 0``) on its selected columns
        (points selecting the same terms share one refit); all refits train as one batch.

        Parameters
        ----------
        s, df : optional
            The path points to refit, as in :meth:`coef` (default: every point with a
            selected term). A point with no selected term is an error.
        hidden : int, tuple or list, optional
            Hidden sizes of the refits: the path's (default), one size, or a list (e.g. the
            paper's ``[k // 3, 2 * k // 3, k, 4 * k // 3]``) to choose from, per point, on
            validation rows (misclassification for classes, else deviance).
        validation : DataFrame or (X, y), optional
            Held-out rows for that choice (a frame with the formula's variables and response;
            ``(X, y)`` for array fits). Default: ``validation_fraction`` of the training rows,
            after which the chosen size is refitted on all of them.
        validation_fraction : float, default 0.2
            Share of the training rows held out when ``validation`` is not given.
        seed : int, optional
            Seed of the refits' networks and of the split (default: the path's seed).
        max_epochs, tol : optional
            Epoch limit and tolerance of the refits (the dense fit's stopping rule; default
            tolerance: the path's dense fit's, ``min(tol, 1e-3)``).

        Returns
        -------
        RelaxedFit
            ``predict``, ``coef``, ``nonzero`` with ``s`` / ``df`` as on the path (the refit at
            that point); ``print`` shows each refit against the penalised fit.

        Raises
        ------
        NotOnPathError
            ``s`` / ``df`` picks a point with no selected term.
        InputError
            The path holds no training data (it was loaded from a file).

        Examples
        --------
        >>> from lassonetpy import lassonet
        >>> from lassonetpy.datasets import load_boston
        >>> df = load_boston()
        >>> fit = lassonet("medv ~ .", df, hidden=(8,), nlambda=10, seed=0, verbose=False)
        >>> rf = fit.relax(df=4)
        >>> bool(rf.dev_ratio[0] >= fit.dev_ratio[rf.path_index[0]])
        True
        """
        from .relax import relax_path

        return relax_path(
            self,
            s,
            df,
            hidden=hidden,
            validation=validation,
            validation_fraction=validation_fraction,
            seed=seed,
            max_epochs=max_epochs,
            tol=tol,
        )

    def plot_selected(
        self,
        s: Any = None,
        df: Any = None,
        shape: Any = (28, 28),
        ax: Any = None,
        color: str = "tab:red",
    ) -> Any:
        """The selected pixels of image data, over the mean image (the paper's Figures 7-9).

        Parameters
        ----------
        s, df : optional
            One fit, as in :meth:`coef` (``df=50``: the fit with at most 50 terms).
        shape : (int, int), default (28, 28)
            Image shape; the columns are the pixels in row-major order.
        ax : matplotlib Axes, optional
            Where to draw.
        color : str
            Colour of the selected pixels.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np
        >>> from lassonetpy import lassonet
        >>> rng = np.random.default_rng(0)
        >>> X = rng.random((60, 3)) @ rng.random((3, 16))
        >>> fit = lassonet(X=X, hidden=(4,), nlambda=10, seed=0, verbose=False)
        >>> fit.plot_selected(df=4, shape=(4, 4)).get_title().endswith(")")
        True
        """
        return _unsupervised.plot_selected(self, s, df, shape, ax, color)

    def plot_reconstruction(
        self,
        newdata: Any,
        s: Any = None,
        df: Any = None,
        shape: Any = (28, 28),
        ncols: int = 3,
        show_selected: bool = True,
    ) -> Any:
        """Images beside their reconstructions from the selected pixels (the paper's Fig. 6).

        Unsupervised paths only (``lassonet("~ .", data)`` or ``lassonet(X=X)``).

        Parameters
        ----------
        newdata : pandas.DataFrame or array-like
            The images to show, one per row (e.g. a few held-out rows).
        s, df : optional
            One fit, as in :meth:`coef`.
        shape : (int, int), default (28, 28)
            Image shape (row-major pixels).
        ncols : int, default 3
            Images per row in each of the two blocks.
        show_selected : bool, default True
            Mark the selected pixels on the originals.

        Returns
        -------
        ndarray of matplotlib Axes
            Shape (rows, 2 * ncols): originals on the left, reconstructions on the right.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np
        >>> from lassonetpy import lassonet
        >>> rng = np.random.default_rng(0)
        >>> X = rng.random((60, 3)) @ rng.random((3, 16))
        >>> fit = lassonet(X=X, hidden=(4,), nlambda=10, seed=0, verbose=False)
        >>> fit.plot_reconstruction(X[:4], df=8, shape=(4, 4), ncols=2).shape
        (2, 4)
        """
        return _unsupervised.plot_reconstruction(self, newdata, s, df, shape, ncols, show_selected)

    def save(self, path: Any) -> None:
        """Save the whole path to one file (torch tensors + a JSON spec; no pickled code).

        Parameters
        ----------
        path : str or path-like
            File to write; read it back with :func:`lassonetpy.load`.

        Examples
        --------
        >>> import os, tempfile
        >>> from lassonetpy import lassonet, load
        >>> from lassonetpy.datasets import load_boston
        >>> df = load_boston()
        >>> fit = lassonet("medv ~ .", df, hidden=(8,), nlambda=10, seed=0, verbose=False)
        >>> f = os.path.join(tempfile.mkdtemp(), "fit.pt")
        >>> fit.save(f)
        >>> bool((load(f).predict(df, s=0) == fit.predict(df, s=0)).all())
        True
        """
        from .persist import save_path

        save_path(self, path)
