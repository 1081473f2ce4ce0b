"""A busy neighbour: the MICE path beside one CPU-bound process, at the default threads.

lassonetpy runs a fit with ``threads=1`` unless told otherwise (issue 9), so that a fit never
oversubscribes a shared machine. This benchmark times the whole MICE path (756 training rows,
77 proteins, multinomial, hidden (100,), M=10, default path; ``lassonetpy.engine.fit_path``)

* quiet, and beside one busy neighbour (a subprocess spinning a CPU-bound loop), at the
  default threads, and
* the same two with every core (``threads=os.cpu_count()``, what torch does by default),

and reports the busy / quiet ratios. Target (issue 9): at most 1.5 at the default threads.
The neighbour is started before and stopped (by its process id) after each busy sample. Run
on an otherwise quiet machine: the "others' CPU" column should show the neighbour alone
(about one core's share) in the busy rows and ~0 in the quiet ones.

Run alone:  python bench/bench_threads.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import Timer, fmt, md_table  # noqa: E402

#: the neighbour: one CPU-bound loop in its own process
BUSY_LOOP = "import time\nx = 0\nwhile True:\n    x = (x * 1103515245 + 12345) % 2147483648\n"


def add_args(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument(
        "--threads-samples",
        type=int,
        default=5,
        help="timed MICE paths per setting in the threads benchmark (default 5; 2 with --quick)",
    )
    return p


class Neighbour:
    """A CPU-bound subprocess for the duration of a ``with`` block (stopped by its pid)."""

    def __enter__(self) -> Neighbour:
        self.proc = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
        time.sleep(0.5)  # let it reach full speed
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()


def _time_path(data: common.Split, threads: int | None, n: int, busy: bool) -> dict[str, Any]:
    from lassonetpy.engine import fit_path

    kw = dict(family="multinomial", hidden=(100,), M=10.0, seed=0, verbose=False)
    walls, others, epochs = [], [], 0
    for _ in range(n):
        if busy:
            with Neighbour(), Timer() as t:
                res = fit_path(data.Xtr, data.ytr, threads=threads, **kw)
        else:
            with Timer() as t:
                res = fit_path(data.Xtr, data.ytr, threads=threads, **kw)
        walls.append(t.wall)
        others.append(t.others_cpu)
        epochs = int(res.epochs.sum())
    return {
        "wall": common.mmm(walls),
        "others_cpu": common.med(others),
        "epochs": epochs,
        "threads_used": res.threads,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    common.torch_warmup()
    data = common.load_mice(0)
    n = 2 if args.quick else max(1, int(args.threads_samples))
    cores = os.cpu_count() or 1
    rows = []
    for label, threads in (("default (threads=None)", None), (f"every core ({cores})", cores)):
        print(f"[bench_threads] {label}: quiet, then busy ...", file=sys.stderr, flush=True)
        _time_path(data, threads, 1, False)  # warm-up
        quiet = _time_path(data, threads, n, False)
        busy = _time_path(data, threads, n, True)
        q, b = quiet["wall"]["median"], busy["wall"]["median"]
        rows.append(
            {
                "setting": label,
                "threads": quiet["threads_used"],
                "quiet": quiet,
                "busy": busy,
                "ratio": None if not q or b is None else b / q,
            }
        )
        print(f"[bench_threads]   quiet {fmt(q)} s, busy {fmt(b)} s", file=sys.stderr)
    result = {"config": {"samples": n, "cores": cores}, "rows": rows}
    result["markdown"] = to_markdown(result)
    return result


def to_markdown(result: dict[str, Any]) -> str:
    rows = []
    for r in result["rows"]:
        for what in ("quiet", "busy"):
            s = r[what]
            rows.append(
                [
                    r["setting"] if what == "quiet" else "",
                    r["threads"] if what == "quiet" else "",
                    what if what == "quiet" else "beside one busy process",
                    common.fmt_range(s["wall"], ".3f"),
                    fmt(s["others_cpu"], ".2f"),
                    s["epochs"],
                    "" if what == "quiet" else f"**{fmt(r['ratio'], '.2f')} ×**",
                ]
            )
    table = md_table(
        [
            "threads",
            "torch threads",
            "machine",
            "MICE path (s): median [min, max]",
            "others' CPU",
            "epochs",
            "busy / quiet",
        ],
        rows,
    )
    cfg = result["config"]
    return (
        f"MICE protein (756 rows), multinomial, hidden (100,), M=10, default path; "
        f"{cfg['samples']} timed paths per row on {cfg['cores']} cores. The busy rows run "
        "beside one CPU-bound subprocess. Target: busy / quiet at most 1.5 at the default "
        "threads.\n\n" + table
    )


def main(argv: list[str] | None = None) -> int:
    return common.script_main(__doc__, add_args, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
