"""Shared helpers for the side-by-side benchmarks (lassonetpy vs the official ``lassonet``).

Everything here is plain Python + numpy/pandas/torch; the official package is imported only by
the benchmark scripts themselves, never by lassonetpy or its tests.

- thread control (``--threads``, default 2) applied once, for both packages (same process);
- a timer (wall + own CPU time);
- a "machine quietness" probe: the share of the machine's CPU used by *other* processes during a
  timed region, from ``/proc/stat`` (the official-baseline protocol's "others' CPU");
- the MICE protein data exactly as in the baseline protocol;
- small formatting helpers (median/min/max, Markdown tables).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"


# --------------------------------------------------------------------------------------------
# command line and threads
# --------------------------------------------------------------------------------------------


def add_common_args(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Options shared by every benchmark script (and by run_all.py)."""
    p.add_argument(
        "--threads",
        type=int,
        default=2,
        help="torch intra-op threads for BOTH packages (torch.set_num_threads); default 2",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="fast smoke run: one seed, fewer timing samples (numbers are indicative only)",
    )
    p.add_argument("--json", type=Path, default=None, help="also write the raw results here")
    return p


_THREADS_SET: int | None = None


def set_threads(n: int) -> dict[str, int]:
    """Set torch's thread counts once for the whole process and return what torch reports.

    Both packages run in this process, so they get the same setting. The inter-op pool can only
    be sized before any parallel work; if that is too late it is left as it is.
    """
    global _THREADS_SET
    import torch

    if n < 1:
        raise SystemExit(f"--threads must be >= 1; got {n}")
    torch.set_num_threads(n)
    if _THREADS_SET is None:
        try:
            torch.set_num_interop_threads(n)
        except RuntimeError:
            pass
    _THREADS_SET = n
    return {"intra_op": torch.get_num_threads(), "inter_op": torch.get_num_interop_threads()}


def same_threads(fn: Any) -> dict[str, int]:
    """``threads=`` for a lassonetpy call, so that it runs on the benchmark's thread setting
    like the official package (lassonetpy's own default is one thread per fit)."""
    import inspect

    import torch

    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}
    ok = "threads" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
    return {"threads": torch.get_num_threads()} if ok else {}


def torch_warmup() -> None:
    """A few small forward/backward passes so that neither package pays torch's first-call
    costs (kernel selection, allocator growth) inside a timed region."""
    import torch

    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 64, generator=g)
    w = torch.randn(64, 32, generator=g, requires_grad=True)
    for _ in range(20):
        loss = torch.nn.functional.cross_entropy(
            torch.relu(x @ w), torch.zeros(256, dtype=torch.long)
        )
        loss.backward()
        torch.sort(w.detach().abs(), dim=0, descending=True)


# --------------------------------------------------------------------------------------------
# timing and machine quietness
# --------------------------------------------------------------------------------------------


def _read_proc_stat() -> dict[str, float] | None:
    """Aggregate CPU times (seconds) from the first line of /proc/stat, or None off Linux."""
    try:
        with open("/proc/stat") as f:
            parts = f.readline().split()
    except OSError:
        return None
    if not parts or parts[0] != "cpu":
        return None
    hz = os.sysconf("SC_CLK_TCK")
    names = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
    vals = [int(v) / hz for v in parts[1 : 1 + len(names)]]
    vals += [0.0] * (len(names) - len(vals))
    d = dict(zip(names, vals, strict=True))
    # guest time is already included in user/nice
    d["total"] = sum(d[k] for k in names)
    d["busy"] = d["total"] - d["idle"] - d["iowait"]
    return d


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def n_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


@dataclass
class Timer:
    """Context manager: wall time, own CPU time and the machine's quietness meanwhile.

    ``others_cpu`` = CPU seconds used by other processes / (wall x cores), from /proc/stat
    (busy time of all CPUs, minus this process's own user+system time). 0 means nobody else ran;
    0.5 on a 2-core machine means another process kept one core busy. It includes the
    hypervisor's ``steal`` time, which is also reported on its own (``steal``, same units).
    """

    wall: float = 0.0
    cpu: float = 0.0
    others_cpu: float | None = None
    steal: float | None = None
    loadavg_before: list[float] = field(default_factory=list)
    _t0: float = 0.0
    _c0: float = 0.0
    _s0: dict[str, float] | None = None

    def __enter__(self) -> Timer:
        self.loadavg_before = list(os.getloadavg())
        self._s0 = _read_proc_stat()
        self._c0 = _own_cpu()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._t0
        self.cpu = _own_cpu() - self._c0
        s1 = _read_proc_stat()
        if self._s0 is not None and s1 is not None and self.wall > 0:
            cap = self.wall * n_cpus()
            busy = s1["busy"] - self._s0["busy"]
            self.others_cpu = max(0.0, (busy - self.cpu) / cap)
            self.steal = max(0.0, (s1["steal"] - self._s0["steal"]) / cap)

    def as_dict(self) -> dict[str, Any]:
        return {
            "wall_s": self.wall,
            "cpu_s": self.cpu,
            "others_cpu": self.others_cpu,
            "steal": self.steal,
            "loadavg_before": self.loadavg_before,
        }


def probe_quietness(seconds: float = 1.0) -> dict[str, Any]:
    """Sleep ``seconds`` and report what the rest of the machine did meanwhile."""
    with Timer() as t:
        time.sleep(seconds)
    return {"others_cpu": t.others_cpu, "steal": t.steal, "loadavg": list(os.getloadavg())}


def quietness_label(others: float | None) -> str:
    if others is None:
        return "unknown (no /proc/stat)"
    if others <= 0.02:
        return "quiet"
    if others <= 0.10:
        return "slightly busy"
    return "CONTENDED (timings not comparable to the quiet anchors)"


# --------------------------------------------------------------------------------------------
# data: MICE protein, baseline protocol
# --------------------------------------------------------------------------------------------


def shared_data_dir() -> Path:
    env = os.environ.get("LASSONETPY_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass
class Split:
    Xtr: np.ndarray
    ytr: np.ndarray
    Xva: np.ndarray
    yva: np.ndarray
    Xte: np.ndarray
    yte: np.ndarray
    classes: np.ndarray  # label of each integer code 0..C-1
    feature_names: list[str]

    def shapes(self) -> dict[str, int]:
        return {
            "train": len(self.ytr),
            "val": len(self.yva),
            "test": len(self.yte),
            "d": self.Xtr.shape[1],
            "classes": len(self.classes),
        }


def load_mice(split_seed: int = 0) -> Split:
    """MICE protein as in the official-baseline protocol.

    ``mice_protein.csv`` (1080 x 77 proteins, 8 classes in ``class``); MouseID, Genotype,
    Treatment and Behavior dropped. Stratified 70/10/20 split with ``split_seed``
    (756 / 108 / 216 rows): first 20 % test, then 1/8 of the rest as validation. Mean imputation
    and standardisation fitted on the training part only; float32 features; ``y`` as integer
    codes 0..7 (the official classifier needs them), labels in ``classes``.
    """
    import pandas as pd
    from sklearn.model_selection import train_test_split

    path = shared_data_dir() / "mice_protein.csv"
    if not path.exists():
        raise SystemExit(
            f"MICE data not found at {path}; set LASSONETPY_SHARED_DATA to the folder holding "
            "mice_protein.csv"
        )
    df = pd.read_csv(path)
    y_lab = df["class"].to_numpy()
    X_df = df.drop(columns=["MouseID", "Genotype", "Treatment", "Behavior", "class"])
    names = list(X_df.columns)
    X = X_df.to_numpy(dtype=np.float64)
    classes, y = np.unique(y_lab, return_inverse=True)
    idx = np.arange(len(y))
    i_trva, i_te = train_test_split(idx, test_size=0.2, stratify=y, random_state=split_seed)
    i_tr, i_va = train_test_split(
        i_trva, test_size=0.125, stratify=y[i_trva], random_state=split_seed
    )
    Xtr = X[i_tr]
    mean = np.nanmean(Xtr, axis=0)

    def impute(A: np.ndarray) -> np.ndarray:
        A = A.copy()
        r, c = np.nonzero(np.isnan(A))
        A[r, c] = mean[c]
        return A

    Xtr = impute(Xtr)
    mu = Xtr.mean(axis=0)
    sd = Xtr.std(axis=0)
    sd[sd == 0] = 1.0

    def prep(A: np.ndarray) -> np.ndarray:
        return ((impute(A) - mu) / sd).astype(np.float32)

    return Split(
        Xtr=prep(X[i_tr]),
        ytr=y[i_tr].astype(np.int64),
        Xva=prep(X[i_va]),
        yva=y[i_va].astype(np.int64),
        Xte=prep(X[i_te]),
        yte=y[i_te].astype(np.int64),
        classes=classes,
        feature_names=names,
    )


# --------------------------------------------------------------------------------------------
# environment description
# --------------------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags() -> list[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return [x for x in ("avx2", "fma", "avx512f") if x in flags]
    except OSError:
        pass
    return []


def _version(mod: str) -> str:
    try:
        from importlib.metadata import version

        return version(mod)
    except Exception:
        return "not installed"


def environment() -> dict[str, Any]:
    import torch

    mem = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    mem = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return {
        "cpu": cpu_model(),
        "cpu_flags": cpu_flags(),
        "cores_online": os.cpu_count(),
        "cores_usable": n_cpus(),
        "mem_gib": mem,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "lassonet": _version("lassonet"),
        "lassonetpy": _version("lassonetpy"),
        "scikit-learn": _version("scikit-learn"),
        "platform": platform.platform(),
    }


# --------------------------------------------------------------------------------------------
# small statistics and formatting helpers
# --------------------------------------------------------------------------------------------


def med(xs: Sequence[float | None]) -> float | None:
    v = [x for x in xs if x is not None]
    return statistics.median(v) if v else None


def mmm(xs: Sequence[float | None]) -> dict[str, float | None]:
    v = [x for x in xs if x is not None]
    if not v:
        return {"median": None, "min": None, "max": None}
    return {"median": statistics.median(v), "min": min(v), "max": max(v)}


def fmt(x: Any, spec: str = ".3g") -> str:
    if x is None:
        return "-"
    if isinstance(x, float) and (x != x):
        return "nan"
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return format(float(x), spec)
    return str(x)


def fmt_range(s: dict[str, float | None], spec: str = ".3g", n: int = 1) -> str:
    """'median [min-max]' (just the value when there was one run)."""
    if s["median"] is None:
        return "-"
    if n <= 1 or s["min"] == s["max"]:
        return fmt(s["median"], spec)
    return f"{fmt(s['median'], spec)} [{fmt(s['min'], spec)}–{fmt(s['max'], spec)}]"


def summary_line(doc: str | None) -> str:
    """First paragraph of a module docstring, on one line (for argparse descriptions)."""
    return (doc or "").strip().split("\n\n")[0].replace("\n", " ")


def md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


def to_jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json(obj: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(to_jsonable(obj), indent=1) + "\n")
    tmp.replace(path)
    return path


def script_main(doc: str | None, add_args: Any, run: Any, argv: list[str] | None) -> int:
    """Command-line entry of one benchmark script: parse, run, print Markdown, save JSON."""
    p = add_args(add_common_args(argparse.ArgumentParser(description=summary_line(doc))))
    args = p.parse_args(argv)
    res = run(args)
    print(res["markdown"])
    if args.json:
        write_json({"environment": environment(), **res}, args.json)
    return 0
