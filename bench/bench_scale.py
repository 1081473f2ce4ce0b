"""Scaling, peak memory and FLOP rate of lassonetpy's training loop (lassonetpy alone).

Three tables:

1. **Scaling**: synthetic gaussian data (n rows, d standard-normal columns, a nonlinear response
   of 5 of them), hidden (100,), float32. For every (n, d) of the grid (1e3, 1e4, 1e5 x 50, 500,
   5000) ``fit_path(X, y, hidden=(100,), M=10, lambda_=[1e-3], tol=1e-12, seed=0,
   max_epochs_dense=E, max_epochs=E)`` runs in a fresh subprocess. Timed (wall, inside that
   call, by wrapping the engine's calls of the trainer): the dense fit (``train_dense``, Adam)
   and the path (``train_lambda`` at the one lambda), each run twice from the same start, with
   1 and with E epochs: time difference / (E - 1), so fixed costs (optimiser state, the
   objective evaluations at the start and end of a lambda, first calls) are not counted. ``lambda_ = 1e-3`` keeps
   every feature, the worst case for the epoch cost. The path step size's power iteration (15
   iterations, 60 gradient evaluations, a fixed cost per fit) is cut to one iteration here; it
   is no part of the per-epoch times. E is chosen from the case's FLOPs (more epochs for the
   small cases, 4 at the largest). Log-log slopes of the per-epoch time against n and d
   (one joint least-squares fit) and against n d K are reported.
2. **Memory**: peak resident memory of each subprocess (``resource.getrusage(RUSAGE_SELF)
   .ru_maxrss``) minus the baseline after importing torch and lassonetpy and a warm-up; the
   input ``X`` (float64, as fit_path receives it) is part of it and listed separately, and
   "fit_path adds" is the peak minus the memory after the data were made. On CUDA the torch
   allocator's peak (``torch.cuda.max_memory_allocated``) is added. The two required cases
   are n = 100,000, d = 500 (in the grid) and d = 5,000 with K = 1,000 hidden units at
   n = 10,000.
3. **FLOP rate**: FLOPs of one full-batch epoch counted from the matrix products the network
   makes (``lassonetpy.engine.network``), for B models, n rows, d inputs, O outputs, hidden layers
   K_1..K_L::

       F = 4 n d B (O + K_1)              first X^T forward, dZ X backward
         + 6 n B sum_l K_l K_(l+1)         each further layer: forward, weight grad, input grad
                                           (K_(L+1) = O)

   divided by the measured epoch time, against the machine's matrix-product rate at exactly
   these shapes: the same products (``first @ X^T`` with its bias, ``baddbmm``, ``bmm``, ``dZ @ X``) timed
   bare in the same process with the same threads (best of several). "GEMM share" = bare GEMM
   time / epoch time (1 = the epoch is as fast as its matrix products). For MICE protein
   (multinomial, O = 8, d = 77, K = 100: B = 1 on the 756 training rows and B = 11 = 1 + 10
   folds on the 864 training + validation rows, as in 10-fold CV) and for every scaling case.

Each case runs in its own subprocess (a fresh peak-RSS counter); the parent prints progress
on stderr. Cases whose estimated peak memory exceeds ``--scale-mem-gib`` (default 20) or 80 %
of the memory available are skipped and listed. ``--quick``: n = 1e3, d = 50 and 500 only, no
memory cases, fewer epochs (a smoke run; numbers indicative only).

Run alone:  python bench/bench_scale.py [--threads 2] [--quick] [--json out.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import Timer, fmt, md_table  # noqa: E402

GRID_N = (1_000, 10_000, 100_000)
GRID_D = (50, 500, 5_000)
QUICK_N = (1_000,)
QUICK_D = (50, 500)
HIDDEN = 100
ASSUMED_RATE = 40e9  # FLOP/s used only to choose the number of epochs of a case


def add_args(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--scale-n", type=int, nargs="+", default=None, help="rows of the grid")
    p.add_argument("--scale-d", type=int, nargs="+", default=None, help="columns of the grid")
    p.add_argument(
        "--scale-mem-gib",
        type=float,
        default=20.0,
        help="skip scaling cases whose estimated peak memory exceeds this (GiB); default 20",
    )
    p.add_argument(
        "--scale-seconds",
        type=float,
        default=1.5,
        help="target time per timed phase of a case (sets its number of epochs); default 1.5",
    )
    p.add_argument("--scale-device", default="cpu", help="device of the fits: cpu or cuda")
    return p


# ---------------------------------------------------------------------------------------------
# FLOP counting and bare matrix products
# ---------------------------------------------------------------------------------------------


def epoch_flops(n: int, d: int, hidden: tuple[int, ...], O: int, B: int) -> float:
    """FLOPs of the matrix products of one full-batch epoch (forward + backward)."""
    sizes = [*hidden, O]
    first = 4.0 * n * d * B * (O + hidden[0])
    rest = sum(6.0 * n * B * sizes[i] * sizes[i + 1] for i in range(len(sizes) - 1))
    return first + rest


def forward_flops(n: int, d: int, hidden: tuple[int, ...], O: int, B: int) -> float:
    """FLOPs of one forward pass (an objective evaluation)."""
    sizes = [*hidden, O]
    return 2.0 * n * d * B * (O + hidden[0]) + sum(
        2.0 * n * B * sizes[i] * sizes[i + 1] for i in range(len(sizes) - 1)
    )


def _sync(device: Any) -> None:
    import torch

    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def _best(fn: Any, device: Any, min_s: float = 0.2, max_reps: int = 20) -> float:
    """Best wall time of ``fn()`` over a few repetitions after one warm-up call."""
    fn()
    _sync(device)
    best = float("inf")
    spent = 0.0
    reps = 0
    while reps < 3 or (spent < min_s and reps < max_reps):
        t0 = time.perf_counter()
        fn()
        _sync(device)
        dt = time.perf_counter() - t0
        best = min(best, dt)
        spent += dt
        reps += 1
    return best


def gemm_time(
    n: int, d: int, hidden: tuple[int, ...], O: int, B: int, dtype: Any, device: Any
) -> dict[str, float]:
    """Bare time of each matrix product of one epoch, at exactly the network's shapes."""
    import torch

    g = torch.Generator().manual_seed(0)

    def r(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g).to(dtype=dtype, device=device)

    # the network's own layout (lassonetpy.engine.network): activations are (B, units, n)
    OK = O + hidden[0]
    X = r(n, d)
    first = r(B * OK, d)
    bias = r(B * OK, 1)
    dZ = r(B * OK, n)
    out: dict[str, float] = {
        "first X^T (+bias)": _best(lambda: torch.addmm(bias, first, X.T), device),
        "dZ X": _best(lambda: dZ @ X, device),
    }
    sizes = [*hidden, O]
    for i in range(len(sizes) - 1):
        h, W = r(B, sizes[i], n), r(B, sizes[i + 1], sizes[i])
        b, delta = r(B, sizes[i + 1], 1), r(B, sizes[i + 1], n)
        out[f"layer {i + 1} forward"] = _best(lambda h=h, W=W, b=b: torch.baddbmm(b, W, h), device)
        out[f"layer {i + 1} weight grad"] = _best(
            lambda h=h, delta=delta: torch.bmm(delta, h.transpose(1, 2)), device
        )
        out[f"layer {i + 1} input grad"] = _best(
            lambda W=W, delta=delta: torch.bmm(W.transpose(1, 2), delta), device
        )
    return out


# ---------------------------------------------------------------------------------------------
# one case, in a fresh subprocess
# ---------------------------------------------------------------------------------------------


def _rss_now_mib() -> float:
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def _maxrss_mib() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024 if sys.platform != "darwin" else r / 2**20


def _synthetic(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))  # float64, as fit_path takes it
    y = (
        X[:, 0]
        + np.sin(2 * X[:, 1])
        + 0.5 * X[:, 2] * X[:, 3]
        + np.abs(X[:, 4])
        + 0.3 * rng.standard_normal(n)
    )
    return X, y


def _mice(B: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    data = common.load_mice(0)
    if B == 1:
        return data.Xtr.astype(np.float64), data.ytr, None
    X = np.concatenate([data.Xtr, data.Xva]).astype(np.float64)
    y = np.concatenate([data.ytr, data.yva])
    fold = np.random.default_rng(0).permutation(len(y)) % (B - 1)
    masks = np.vstack([np.ones(len(y), bool)] + [fold != k for k in range(B - 1)])
    return X, y, masks


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one case (see the module docstring) and return its measurements."""
    import torch

    import lassonetpy
    from lassonetpy.engine import fit as engine

    common.set_threads(int(spec["threads"]))
    common.torch_warmup()
    device = spec.get("device", "cpu")
    base_mib = _maxrss_mib()
    if spec["data"] == "mice":
        X, y, masks = _mice(int(spec["B"]))
        family, O = "multinomial", 8
    else:
        X, y = _synthetic(int(spec["n"]), int(spec["d"]))
        masks, family, O = None, "gaussian", 1
    n, d = X.shape
    B = 1 if masks is None else masks.shape[0]
    hidden = tuple(int(k) for k in spec["hidden"])
    after_data_mib = _maxrss_mib()
    E_d, E_p = int(spec["epochs_dense"]), int(spec["epochs_path"])

    timed: dict[str, list[tuple[float, int]]] = {
        "dense1": [],
        "dense": [],
        "path1": [],
        "pathE": [],
    }
    orig_dense, orig_lambda, orig_step = engine.train_dense, engine.train_lambda, engine.step_size

    def cfg_index(args: tuple[Any, ...]) -> int | None:
        for i, a in enumerate(args):
            if dataclasses.is_dataclass(a) and hasattr(a, "max_epochs"):
                return i
        return None

    def dense(*a: Any, **k: Any) -> Any:
        i = cfg_index(a)
        if i is not None and hasattr(a[i], "max_epochs_dense"):  # 1 epoch: the fixed costs
            a1 = list(a)
            a1[i] = dataclasses.replace(a[i], max_epochs_dense=1)
            _sync(device)
            t0 = time.perf_counter()
            out1 = orig_dense(*a1, **k)
            _sync(device)
            timed["dense1"].append((time.perf_counter() - t0, int(out1[1].max())))
        _sync(device)
        t0 = time.perf_counter()
        out = orig_dense(*a, **k)
        _sync(device)
        timed["dense"].append((time.perf_counter() - t0, int(out[1].max())))
        return out

    def lam(*a: Any, **k: Any) -> Any:
        i = cfg_index(a)
        if i is not None:  # 1 epoch first, on the same state: the fixed costs of a lambda
            a1 = list(a)
            a1[i] = dataclasses.replace(a[i], max_epochs=1)
            _sync(device)
            t0 = time.perf_counter()
            out1 = orig_lambda(*a1, **k)
            _sync(device)
            timed["path1"].append((time.perf_counter() - t0, int(out1[1].max())))
        _sync(device)
        t0 = time.perf_counter()
        out = orig_lambda(*a, **k)
        _sync(device)
        timed["pathE"].append((time.perf_counter() - t0, int(out[1].max())))
        return out

    step_kw = {"iters": 1} if "iters" in inspect.signature(orig_step).parameters else {}

    def step(*a: Any, **k: Any) -> Any:
        return orig_step(*a, **{**k, **step_kw})

    engine.train_dense, engine.train_lambda, engine.step_size = dense, lam, step
    try:
        t0 = time.perf_counter()
        res = engine.fit_path(
            X,
            y,
            family,
            hidden=hidden,
            M=10.0,
            lambda_=[float(spec.get("lambda", 1e-3))],
            tol=1e-12,
            **common.same_threads(engine.fit_path),
            max_epochs_dense=E_d,
            max_epochs=E_p,
            masks=masks,
            seed=0,
            dtype="float32",
            device=device,
        )
        _sync(device)
        total = time.perf_counter() - t0
    finally:
        engine.train_dense, engine.train_lambda, engine.step_size = (
            orig_dense,
            orig_lambda,
            orig_step,
        )
    peak_mib = _maxrss_mib()
    cuda_peak = (
        torch.cuda.max_memory_allocated() / 2**20 if torch.device(device).type == "cuda" else None
    )
    ((td, ed),) = timed["dense"]
    ((tE, eE),) = timed["pathE"]
    dense_epoch = td / max(ed, 1)
    if timed["dense1"]:
        ((t1d, e1d),) = timed["dense1"]
        dense_epoch = (td - t1d) / max(ed - e1d, 1)
    if timed["path1"]:
        ((t1, e1),) = timed["path1"]
        path_epoch = (tE - t1) / max(eE - e1, 1)
    else:
        path_epoch = tE / max(eE, 1)
    F = epoch_flops(n, d, hidden, O, B)
    out: dict[str, Any] = {
        **spec,
        "n": n,
        "d": d,
        "B": B,
        "O": O,
        "K": hidden[0],
        "lassonetpy": str(Path(lassonetpy.__file__).parent),
        "dense_epochs": ed,
        "dense_s": td,
        "dense_epoch_s": dense_epoch,
        "path_epochs": eE,
        "path_s": tE,
        "path_epoch_s": path_epoch,
        "fit_path_s": total,
        "flops_epoch": F,
        "x_mib": X.nbytes / 2**20,
        "base_mib": base_mib,
        "peak_mib": peak_mib - base_mib,
        "fit_extra_mib": peak_mib - after_data_mib,
        "rss_end_mib": _rss_now_mib() - base_mib,
        "cuda_peak_mib": cuda_peak,
        "states_bytes": sum(s.nbytes for s in res.states),
    }
    del res
    if spec.get("gemm", True):
        import torch

        del X
        g = gemm_time(n, d, hidden, O, B, torch.float32, device)
        out["gemm"] = g
        out["gemm_s"] = sum(g.values())
    if spec.get("states_path"):  # a default MICE path: bytes of its compact states
        Xm, ym, mm = _mice(int(spec["B"]))
        full = engine.fit_path(
            Xm,
            ym,
            "multinomial",
            hidden=hidden,
            M=10.0,
            masks=mm,
            seed=0,
            **common.same_threads(engine.fit_path),
        )
        out["states_path"] = {
            "points": len(full.states),
            "compact_bytes": sum(st.nbytes for st in full.states),
            "full_bytes": sum(st.full_nbytes for st in full.states),
            "mean_columns": float(np.mean([st.columns.numel() for st in full.states])),
        }
    return out


def run_case(spec: dict[str, Any]) -> dict[str, Any]:
    """Run :func:`worker` in a fresh interpreter (its own peak-RSS counter)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(common.REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    env.setdefault("OMP_NUM_THREADS", str(spec["threads"]))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        return {**spec, "error": f"exit {proc.returncode}: {tail}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# the benchmark
# ---------------------------------------------------------------------------------------------


def _mem_available_gib() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def estimate_peak_gib(n: int, d: int, K: int, O: int = 1, B: int = 1) -> float:
    """Rough upper estimate of a case's peak memory: X float64 held by the caller, X float32
    on the device (fit_path standardises block by block, with no whole-matrix temporaries),
    activations and gradients, 300 MB of everything else."""
    x = n * d
    return (8 * x + 4 * x + 12 * 4 * n * B * (K + O) + 3e8) / 2**30


def _epochs(F: float, seconds: float, quick: bool) -> tuple[int, int]:
    est = F / ASSUMED_RATE
    e = int(np.clip(round(seconds / max(est, 1e-9)), 2, 20 if quick else 100))
    return max(e, 4), max(e, 4)


def _log(msg: str) -> None:
    print(f"[scale] {msg}", file=sys.stderr, flush=True)


def slopes(cases: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """Least-squares log-log slopes of ``key`` (seconds per epoch)."""
    ok = [c for c in cases if c.get(key) and c[key] > 0 and not c.get("memory_case")]
    out: dict[str, Any] = {"cases": len(ok)}
    if len({c["n"] for c in ok}) >= 2 and len({c["d"] for c in ok}) >= 2:
        A = np.column_stack(
            [np.ones(len(ok)), np.log([c["n"] for c in ok]), np.log([c["d"] for c in ok])]
        )
        coef, *_ = np.linalg.lstsq(A, np.log([c[key] for c in ok]), rcond=None)
        out["n"], out["d"] = float(coef[1]), float(coef[2])
    allc = [c for c in cases if c.get(key) and c[key] > 0]
    if len(allc) >= 2:
        x = np.log([c["n"] * c["d"] * c["K"] for c in allc])
        y = np.log([c[key] for c in allc])
        out["ndK"] = float(np.polyfit(x, y, 1)[0])
        big = [c for c in allc if c["n"] * c["d"] >= 5e6]
        if len(big) >= 2:
            xb = np.log([c["n"] * c["d"] * c["K"] for c in big])
            out["ndK_large"] = float(np.polyfit(xb, np.log([c[key] for c in big]), 1)[0])
            out["large_cases"] = len(big)
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    threads = common.set_threads(args.threads)
    quick = bool(args.quick)
    ns = args.scale_n or (QUICK_N if quick else GRID_N)
    ds = args.scale_d or (QUICK_D if quick else GRID_D)
    budget = float(args.scale_mem_gib)
    avail = _mem_available_gib()
    if avail is not None:
        budget = min(budget, 0.8 * avail)
    specs: list[dict[str, Any]] = []
    base = {"threads": args.threads, "device": args.scale_device}
    for n in ns:
        for d in ds:
            specs.append({**base, "data": "synthetic", "n": n, "d": d, "hidden": [HIDDEN]})
    if not quick and not (args.scale_n or args.scale_d):
        specs.append(
            {
                **base,
                "data": "synthetic",
                "n": 10_000,
                "d": 5_000,
                "hidden": [1_000],
                "memory_case": True,
            }
        )
    for B in (1, 11):
        specs.append(
            {**base, "data": "mice", "B": B, "hidden": [HIDDEN], "mice": True, "states_path": True}
        )
    cases: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    with Timer() as t:
        for i, s in enumerate(specs):
            if s["data"] == "mice":
                n, d, O, B = (756 if s["B"] == 1 else 864), 77, 8, s["B"]
            else:
                n, d, O, B = s["n"], s["d"], 1, 1
            K = s["hidden"][0]
            F = epoch_flops(n, d, tuple(s["hidden"]), O, B)
            s["epochs_dense"], s["epochs_path"] = _epochs(F, args.scale_seconds, quick)
            est = estimate_peak_gib(n, d, K, O, B)
            label = f"{s['data']} n={n} d={d} K={K} B={B}"
            if est > budget:
                _log(f"{i + 1}/{len(specs)} SKIP {label}: est. {est:.1f} GiB > {budget:.1f} GiB")
                skipped.append({**s, "est_gib": est})
                continue
            _log(
                f"{i + 1}/{len(specs)} {label}: {F / 1e9:.3g} GFLOP/epoch, epochs "
                f"{s['epochs_dense']}+{s['epochs_path']}, est. peak {est:.2f} GiB ..."
            )
            s["est_gib"] = est
            with Timer() as tc:
                r = run_case(s)
            r["case_wall_s"] = tc.wall
            r["others_cpu"] = tc.others_cpu
            if "error" in r:
                _log(f"    FAILED: {r['error']}")
            else:
                _log(
                    f"    dense {r['dense_epoch_s'] * 1e3:.3g} ms/epoch, path "
                    f"{r['path_epoch_s'] * 1e3:.3g} ms/epoch, peak +{r['peak_mib']:.0f} MiB, "
                    f"case {tc.wall:.1f} s (others' CPU {fmt(tc.others_cpu, '.2f')})"
                )
            cases.append(r)
    good = [c for c in cases if "error" not in c]
    scaling = [c for c in good if not c.get("mice")]
    res: dict[str, Any] = {
        "threads": threads,
        "quick": quick,
        "device": args.scale_device,
        "mem_budget_gib": budget,
        "cases": cases,
        "skipped": skipped,
        "slopes": {
            "dense": slopes(scaling, "dense_epoch_s"),
            "path": slopes(scaling, "path_epoch_s"),
        },
        "wall_s": t.wall,
        "others_cpu": t.others_cpu,
    }
    res["markdown"] = to_markdown(res)
    return res


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------


def _ms(x: float | None) -> str:
    return "-" if x is None else (f"{x * 1e3:.3g}" if x < 10 else f"{x * 1e3:.0f}")


def _gf(flops: float, s: float | None) -> str:
    return "-" if not s else f"{flops / s / 1e9:.1f}"


def to_markdown(res: dict[str, Any]) -> str:
    cases = [c for c in res["cases"] if "error" not in c]
    lines = [
        f"lassonetpy alone, torch threads {res['threads']['intra_op']}, device "
        f"`{res['device']}`, float32, each case in a fresh subprocess; total "
        f"{res['wall_s']:.0f} s (others' CPU {fmt(res['others_cpu'], '.2f')}). What is timed "
        "and how: [bench/README.md](bench/README.md#bench_scalepy-scaling-memory-flop-rate).",
        "",
    ]
    if res["quick"]:
        lines += ["**`--quick` smoke sizes only; not the full grid.**", ""]
    syn = [c for c in cases if not c.get("mice")]
    rows = []
    for c in syn:
        rows.append(
            [
                f"{c['n']:,}",
                f"{c['d']:,}",
                c["K"],
                f"{c['flops_epoch'] / 1e9:.3g}",
                f"{c['dense_epochs']}",
                _ms(c["dense_epoch_s"]),
                f"{c['path_epochs']}",
                _ms(c["path_epoch_s"]),
                f"{c['fit_path_s']:.2f}",
                f"{c['x_mib']:.0f}",
                f"{c['peak_mib']:.0f}",
                f"{c['fit_extra_mib']:.0f}",
            ]
        )
    lines += [
        "### Scaling and memory (synthetic gaussian, hidden (K,))",
        "",
        md_table(
            [
                "n",
                "d",
                "K",
                "GFLOP / epoch",
                "dense epochs",
                "dense ms / epoch",
                "path epochs",
                "path ms / epoch",
                "fit_path s",
                "X MiB (float64)",
                "peak RSS MiB",
                "fit_path adds MiB",
            ],
            rows,
        ),
        "",
        "fit_path s: the whole call (its step-size power iteration cut to one iteration). "
        "Peak RSS: over the baseline after imports, X included.",
        "",
    ]
    for sk in res.get("skipped", []):
        lines.append(
            f"- skipped n={sk.get('n')}, d={sk.get('d')}: estimated peak "
            f"{sk['est_gib']:.1f} GiB over the budget {res['mem_budget_gib']:.1f} GiB"
        )
    for c in res["cases"]:
        if "error" in c:
            lines.append(f"- FAILED {c.get('data')} n={c.get('n')} d={c.get('d')}: {c['error']}")
    sl = res["slopes"]

    def s(v: dict[str, Any], k: str) -> str:
        return fmt(v.get(k), ".2f")

    lines += [
        "",
        "Log-log slopes of the time per epoch (least squares; 1 = linear):",
        "",
        md_table(
            [
                "",
                "vs n (joint fit with d)",
                "vs d (joint fit with n)",
                "vs n·d·K (all)",
                "vs n·d·K (n·d >= 5e6)",
            ],
            [
                [k, s(v, "n"), s(v, "d"), s(v, "ndK"), s(v, "ndK_large")]
                for k, v in (("dense", sl["dense"]), ("path", sl["path"]))
            ],
        ),
        "",
        "### FLOP rate (matrix products of one epoch / epoch time)",
        "",
        "F = 4 n d B (O + K) + 6 n B K O per epoch (one hidden layer); GEMM = the same products "
        "timed bare at these shapes in the same process.",
        "",
    ]
    frows = []
    big = max(syn, key=lambda c: c["flops_epoch"], default=None)
    for c in [*(x for x in cases if x.get("mice")), *([big] if big else [])]:
        if c is None or "gemm_s" not in c:
            continue
        name = f"MICE B={c['B']}" if c.get("mice") else "largest scaling case (FLOPs)"
        for phase in ("dense", "path"):
            et = c[f"{phase}_epoch_s"]
            frows.append(
                [
                    name,
                    f"{c['n']:,} x {c['d']:,}, K={c['K']}, O={c['O']}",
                    phase,
                    f"{c['flops_epoch'] / 1e9:.3g}",
                    _ms(et),
                    _gf(c["flops_epoch"], et),
                    _ms(c["gemm_s"]),
                    _gf(c["flops_epoch"], c["gemm_s"]),
                    fmt(c["gemm_s"] / et if et else None, ".2f"),
                ]
            )
    lines += [
        md_table(
            [
                "case",
                "shape",
                "phase",
                "GFLOP / epoch",
                "ms / epoch",
                "GFLOP/s",
                "bare GEMM ms",
                "GEMM GFLOP/s",
                "GEMM share",
            ],
            frows,
        ),
    ]
    st = [c for c in cases if c.get("states_path")]
    if st:
        lines += [
            "",
            "### Compact path states (MICE, default path: hidden (100,), M = 10, seed 0)",
            "",
            "Bytes of `PathResult.states` kept (input columns zero in every model dropped) "
            "against the full tensors.",
            "",
            md_table(
                [
                    "models B",
                    "path points",
                    "mean columns kept (of 77)",
                    "full MiB",
                    "compact MiB",
                    "ratio",
                ],
                [
                    [
                        c["B"],
                        c["states_path"]["points"],
                        f"{c['states_path']['mean_columns']:.1f}",
                        f"{c['states_path']['full_bytes'] / 2**20:.2f}",
                        f"{c['states_path']['compact_bytes'] / 2**20:.2f}",
                        f"{c['states_path']['compact_bytes'] / c['states_path']['full_bytes']:.2f}",
                    ]
                    for c in st
                ],
            ),
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        print(json.dumps(common.to_jsonable(worker(json.loads(argv[1])))))
        return 0
    return common.script_main(__doc__, add_args, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
