"""Fit a batch of models in chunks: in this process (the default) or on a Dask cluster.

:func:`cv_lassonet`, :func:`stability_selection` and :func:`cva_lassonet` describe their work
as one batch of models (row masks, per-model ``M``, per-model seeds) on the prepared data, and
call :func:`fit_batch`. Without ``parallel`` and ``n_tasks`` that is one plain
:func:`~lassonetpy.engine.fit_path` call per grid group (nothing else happens; Dask is never
imported). Otherwise the models are split into chunks, each fitted by a task in two phases:

1. ``phase="dense"``: the dense fits of the chunk's models and their ``lambda_max``;
2. the common grid of each grid group (:func:`~lassonetpy.engine.grid_span` over all its
   chunks' dense results, bit for bit the grid of the single batch), then the path of each
   chunk resumed from its dense fits (``start=``, ``lambda_span=``);

and :func:`~lassonetpy.engine.concat_results` joins the chunks. Model ``b`` of the batch is
initialised from child ``b`` of ``SeedSequence(seed)`` in whichever chunk it runs
(``seed_children``). With a user ``lambda_`` the grid is known and each chunk is one task.

**What is identical.** Every model's computations depend on that model alone (per-model
matrix products, rows padded to whole vector chunks, per-model reductions and route choices
in Hier-Prox, per-model stopping and restarts; :mod:`lassonetpy.engine.objective`), so for a
given ``seed`` a model's fit is the same bit for bit in any batch: in the single local batch,
in any split (``n_tasks``) and on any Dask workers, with the same number of torch threads
(one by default, locally and per single-threaded worker; more threads may split a reduction
differently). The lambda grid is derived from all models' ``lambda_max`` in either case.
Dropout and mini-batches draw from one random stream per engine call, so a split run is a
different random realisation (a warning says so).

``parallel``: ``None`` (local), ``"dask"`` (the current ``distributed`` client,
``distributed.get_client()``) or a ``distributed.Client``. The prepared arrays are scattered
to the cluster once; each task runs with its worker's thread count (``threads`` of the
call applies to local runs).
"""

from __future__ import annotations

import sys
import time
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from ..errors import ConvergenceWarning, InputError, LassoNetWarning, bad_value
from .fit import fit_path
from .grid import grid_span
from .progress import Progress
from .result import PathResult, concat_results, warn_unconverged

__all__ = ["fit_batch", "resolve_parallel", "DASK_HINT"]

#: How to get Dask, quoted in every error about it.
DASK_HINT = 'Install it with: pip install "lassonetpy[dask]"'


class Prepared(Protocol):
    """What a batch needs of the prepared inputs (:class:`lassonetpy.formula.inputs.Prepared`
    has it; the engine does not import the formula layer)."""

    @property
    def X(self) -> Any: ...

    @property
    def y(self) -> Any: ...

    @property
    def family(self) -> Any: ...

    @property
    def groups(self) -> Any: ...

    @property
    def penalty_factor(self) -> Any: ...

    @property
    def weights(self) -> Any: ...

    @property
    def offset(self) -> Any: ...

    @property
    def fit_kwargs(self) -> dict[str, Any]: ...

    def fit(self, masks: Any = None, **overrides: Any) -> PathResult: ...


_EXPECTED = "None (this process), 'dask' (the current Dask client) or a dask.distributed.Client"


@dataclass(frozen=True)
class _Job:
    """What every task needs: the prepared arrays and the batch's models (shipped once)."""

    X: np.ndarray
    y: Any
    family: Any
    groups: list[list[int]]
    penalty_factor: np.ndarray | None
    weights: np.ndarray | None
    offset: np.ndarray | None
    masks: np.ndarray
    M: np.ndarray | None
    children: np.ndarray
    kwargs: dict[str, Any] = field(default_factory=dict)

    def fit(
        self,
        idx: np.ndarray,
        phase: str = "full",
        start: PathResult | None = None,
        span: tuple[float, float] | None = None,
        threads: int | None = None,
    ) -> PathResult:
        kwargs = dict(self.kwargs)
        if threads is not None:
            kwargs["threads"] = threads
        with warnings.catch_warnings():  # the joined batch warns once (fit_batch)
            warnings.simplefilter("ignore", ConvergenceWarning)
            return self._fit(idx, phase, start, span, kwargs)

    def _fit(
        self,
        idx: np.ndarray,
        phase: str,
        start: PathResult | None,
        span: tuple[float, float] | None,
        kwargs: dict[str, Any],
    ) -> PathResult:
        return fit_path(
            _fresh(self.X),
            _fresh(self.y),
            self.family,
            groups=self.groups,
            penalty_factor=self.penalty_factor,
            weights=_fresh(self.weights),
            offset=_fresh(self.offset),
            masks=self.masks[idx],
            **({} if self.M is None else {"M": self.M[idx]}),
            seed_children=self.children[idx],
            phase=phase,
            start=start,
            lambda_span=span,
            **kwargs,
        )


def _fresh(a: Any) -> Any:
    """A copy in freshly allocated memory, in the same memory order.

    Arrays unpickled on a Dask worker can sit at any byte offset (even 1 mod 8), and BLAS
    rounds differently on unaligned data: a copy makes a chunk on a worker compute exactly
    what it computes in this process.
    """
    if isinstance(a, np.ndarray):
        return np.array(a, order="K", copy=True)
    if hasattr(a, "copy") and hasattr(a, "to_numpy"):  # pandas
        return a.copy(deep=True)
    return a


def _worker_task(
    job: _Job,
    idx: np.ndarray,
    phase: str,
    start: PathResult | None,
    span: tuple[float, float] | None,
) -> PathResult:
    """A chunk on a Dask worker: torch uses the worker's threads (for the duration of the
    fit), never every core, whatever ``threads`` the caller passed."""
    from distributed import get_worker

    threads = None
    try:
        worker = get_worker()
        state = getattr(worker, "state", worker)  # WorkerState (distributed >= 2022.11)
        threads = max(1, int(getattr(state, "nthreads", 1)))
    except (ValueError, AttributeError):  # not on a worker (e.g. a synchronous scheduler)
        pass
    return job.fit(idx, phase, start, span, threads)


@dataclass(frozen=True)
class _DenseSummary:
    """What the client needs of a chunk's dense phase (the networks stay where they are)."""

    lambda_max_internal: np.ndarray
    M: np.ndarray
    timing: dict[str, float]


def _summary(r: PathResult) -> _DenseSummary:
    assert r.lambda_max_internal is not None
    return _DenseSummary(r.lambda_max_internal, r.M, dict(r.timing))


class _Local:
    """Runs tasks at once, in this process (torch's thread setting is left alone)."""

    def put(self, job: _Job) -> Any:
        return job

    def submit(self, job: Any, idx: np.ndarray, phase: str, start: Any, span: Any) -> Any:
        return job.fit(idx, phase, start, span)

    def summarise(self, futures: list[Any]) -> list[Any]:
        return [_summary(r) for r in futures]

    def wait(self, futures: list[Any], bar: Progress, note: str) -> list[Any]:
        bar.update(len(futures), note)
        return futures


class _Dask:
    def __init__(self, client: Any) -> None:
        self.client = client

    def put(self, job: _Job) -> Any:
        return self.client.scatter(job, hash=False)

    def submit(self, job: Any, idx: np.ndarray, phase: str, start: Any, span: Any) -> Any:
        return self.client.submit(_worker_task, job, idx, phase, start, span, pure=False)

    def summarise(self, futures: list[Any]) -> list[Any]:
        return [self.client.submit(_summary, f, pure=False) for f in futures]

    def wait(self, futures: list[Any], bar: Progress, note: str) -> list[Any]:
        from distributed import as_completed

        for _ in as_completed(futures):
            bar.update(1, note)
        return self.client.gather(futures)


def resolve_parallel(parallel: Any) -> Any:
    """``parallel`` argument -> a Dask client, or None for this process.

    Parameters
    ----------
    parallel : None, "dask" or distributed.Client
        ``"dask"`` takes the current client (``distributed.get_client()``).

    Returns
    -------
    distributed.Client or None

    Raises
    ------
    InputError
        Any other value; ``"dask"`` without Dask installed or without a running client.

    Examples
    --------
    >>> resolve_parallel(None) is None
    True
    >>> try:
    ...     resolve_parallel("threads")
    ... except InputError as e:
    ...     print(str(e)[:39])
    `parallel` must be None (this process),
    """
    if parallel is None:
        return None
    if isinstance(parallel, str) and parallel == "dask":
        try:
            import distributed
        except ImportError:
            raise InputError(
                f"parallel='dask' needs Dask's `distributed`, which is not installed. {DASK_HINT}"
            ) from None
        try:
            return distributed.get_client()
        except ValueError:
            raise InputError(
                "parallel='dask' uses the current Dask client, but there is none. Start one "
                "first: `from dask.distributed import Client; client = Client()` (a local "
                'cluster) or `Client("tcp://scheduler:8786")`, or pass parallel=client.'
            ) from None
    dist = sys.modules.get("distributed")  # a client exists only if distributed was imported
    if dist is not None and isinstance(parallel, dist.Client):
        if parallel.status not in ("running", "connecting", "newly-created"):
            raise bad_value("parallel", "a running dask.distributed.Client", parallel)
        return parallel
    raise bad_value("parallel", _EXPECTED, parallel)


def _split(groups: list[np.ndarray], n_tasks: int) -> list[tuple[int, np.ndarray]]:
    """Chunks ``(group, model indices)``: each grid group cut into about its share of tasks."""
    B = sum(len(g) for g in groups)
    out = []
    for gi, g in enumerate(groups):
        k = max(1, min(len(g), int(round(n_tasks * len(g) / B))))
        out += [(gi, c) for c in np.array_split(g, k)]
    return out


def fit_batch(
    prep: Prepared,
    masks: np.ndarray,
    *,
    M: Any = None,
    children: Any = None,
    grid_groups: list[np.ndarray] | None = None,
    parallel: Any = None,
    n_tasks: int | None = None,
    verbose: bool = False,
    label: str = "models",
) -> list[PathResult]:
    """Fit the models of a batch, locally in one piece or in chunks (locally or on Dask).

    Parameters
    ----------
    prep : Prepared
        The prepared data and fit settings (``prep.fit_kwargs``).
    masks : ndarray of shape (B, n), bool
        Training rows of each model.
    M : array-like of shape (B,), optional
        Hierarchy multiplier per model (default: ``M`` of ``prep.fit_kwargs``).
    children : array-like of int, shape (B,), optional
        ``SeedSequence(seed)`` child of each model (default ``0..B-1``).
    grid_groups : list of int arrays, optional
        A partition of the models into groups that share one lambda grid (default: one).
    parallel : None, "dask" or distributed.Client
        Where the chunks run (see :func:`resolve_parallel`).
    n_tasks : int, optional
        Number of chunks (at least one per grid group). Default: one per grid group locally
        (the plain batch), one per model on Dask (the result does not depend on the cluster).
    verbose : bool
        Progress bar over the tasks (or the engine's own bar for an unsplit local fit).
    label : str
        Name of the models in the warning about random draws.

    Returns
    -------
    list of PathResult
        One per grid group, its models in the group's order.

    Examples
    --------
    >>> import numpy as np
    >>> from lassonetpy.formula.inputs import _prepare
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 3)); y = X[:, 0] + 0.1 * rng.normal(size=60)
    >>> prep = _prepare(X=X, y=y, hidden=(4,), nlambda=5, seed=1, dtype="float64")
    >>> masks = np.ones((4, 60), bool); masks[1:, :15] = False
    >>> one = fit_batch(prep, masks)[0]
    >>> two = fit_batch(prep, masks, n_tasks=2)[0]
    >>> bool(np.allclose(one.objective, two.objective, rtol=1e-9))
    True
    """
    t0 = time.perf_counter()
    masks = np.asarray(masks, dtype=bool)
    B = masks.shape[0]
    groups = [np.arange(B)] if grid_groups is None else [np.asarray(g) for g in grid_groups]
    Mv = None if M is None else np.broadcast_to(np.asarray(M, dtype=np.float64), (B,))
    kids = np.arange(B) if children is None else np.asarray(children, dtype=np.int64)
    client = resolve_parallel(parallel)
    if n_tasks is not None:
        from .checks import check_number

        n_tasks = int(check_number(n_tasks, "n_tasks", low=1, integer=True))
    kwargs = {k: v for k, v in prep.fit_kwargs.items() if k != "verbose"}
    if kwargs.get("body") is not None and (client is not None or (n_tasks or 1) > len(groups)):
        raise bad_value(
            "parallel" if client is not None else "n_tasks",
            "None with `body` (a custom network is fitted as one batch in this process)",
            parallel if client is not None else n_tasks,
            "Drop parallel= and n_tasks=.",
        )

    if client is None and (n_tasks is None or n_tasks <= len(groups)):
        # the plain local run: one engine call per grid group
        out = []
        for g in groups:
            extra: dict[str, Any] = {}
            if Mv is not None:
                extra["M"] = Mv[g]
            if not np.array_equal(kids[g], np.arange(len(g))):
                extra["seed_children"] = kids[g]
            out.append(prep.fit(masks=masks[g], verbose=verbose, **extra))
        return out

    n = masks.shape[1]
    bs = kwargs.get("batch_size")
    if kwargs.get("dropout", 0.0) > 0 or (bs is not None and bs < n):
        warnings.warn(
            f"With dropout or mini-batches the {label} of one engine call share their random "
            "draws, so splitting the batch gives a different (equally valid) random "
            "realisation than the single local batch.",
            LassoNetWarning,
            stacklevel=3,
        )
    if kwargs.get("seed") is None:  # every chunk must use the same seed
        kwargs["seed"] = int(np.random.SeedSequence().generate_state(1, np.uint32)[0])
    if n_tasks is None:
        n_tasks = B if client is not None else len(groups)
    chunks = _split(groups, n_tasks)
    backend: Any = _Local() if client is None else _Dask(client)
    job = backend.put(
        _Job(
            X=prep.X,
            y=prep.y,
            family=prep.family,
            groups=prep.groups,
            penalty_factor=prep.penalty_factor,
            weights=prep.weights,
            offset=prep.offset,
            masks=masks,
            M=None if Mv is None else np.array(Mv),
            children=kids,
            kwargs=kwargs,
        )
    )
    one_phase = kwargs.get("lambda_") is not None
    bar = Progress(len(chunks) * (1 if one_phase else 2), "tasks", verbose)
    if one_phase:
        futs = [backend.submit(job, idx, "full", None, None) for _, idx in chunks]
        parts = backend.wait(futs, bar, "paths")
    else:
        dense_futs = [backend.submit(job, idx, "dense", None, None) for _, idx in chunks]
        dense = backend.wait(backend.summarise(dense_futs), bar, "dense fits")
        ratio = kwargs.get("lambda_min_ratio", 1e-2)
        spans = [
            grid_span([d for (g, _), d in zip(chunks, dense) if g == gi], ratio)
            for gi in range(len(groups))
        ]
        futs = [
            backend.submit(job, idx, "full", start, spans[g])
            for (g, idx), start in zip(chunks, dense_futs)
        ]
        parts = backend.wait(futs, bar, "paths")
    bar.close()
    out = []
    for gi in range(len(groups)):
        res = concat_results([p for (g, _), p in zip(chunks, parts) if g == gi])
        warn_unconverged(res, stacklevel=3, max_epochs=kwargs.get("max_epochs", 500))
        timing = {
            # task seconds summed over chunks, and the wall time of the whole split run
            "dense": sum(
                float(p.timing.get("dense", 0.0)) for p in (parts if one_phase else dense)
            ),
            "path": float(res.timing.get("path", 0.0)),
            "total": time.perf_counter() - t0,
            "tasks": float(len(chunks)),
        }
        out.append(replace(res, timing=timing))
    return out
