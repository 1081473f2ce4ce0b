"""What batching buys: B models in one lock-step fit against a loop of B single fits (lassonetpy).

Three batches on MICE protein (756 training rows, 77 proteins, 8 classes; multinomial, hidden
(100,), M=10 unless varied), each fitted (a) as ONE ``fit_path`` call with B models and (b) as a
loop of B ``fit_path`` calls with one model each, on the batch's own lambda grid
(``lambda_=batch.lambdas[1:]``), so both do the same optimisation work per model:

* ``cv10``: the full-data model and the 10 fold models of 10-fold CV (B = 11 row masks);
* ``M grid``: M in {0.3, 1, 3, 10, 30}, all rows (B = 5, one M per model);
* ``subsamples``: 16 random half-samples, as in stability selection (B = 16 row masks).

Reported: wall time of each, their ratio (loop / batch: above 1 means batching is faster), and
model-epochs (epochs summed over models: the optimisation work, which batching does not
change). The official package has no batched fits, so there is no side-by-side column here.

Run alone:  python bench/bench_batch.py [--threads 2] [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import Timer, fmt, md_table  # noqa: E402


def add_args(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--batch-seed", type=int, default=0, help="model seed of the batch benchmark")
    return p


def _cases(n: int, quick: bool, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    fid = rng.permutation(np.arange(n) % 10)
    cv = np.vstack([np.ones(n, bool)] + [fid != k for k in range(10)])
    n_sub = 4 if quick else 16
    subs = np.zeros((n_sub, n), bool)
    for i in range(n_sub):
        subs[i, rng.choice(n, n // 2, replace=False)] = True
    Ms = [1.0, 10.0] if quick else [0.3, 1.0, 3.0, 10.0, 30.0]
    out = [
        {"name": "cv10", "what": "full fit + 10 CV folds (row masks)", "masks": cv, "M": 10.0},
        {
            "name": "M grid",
            "what": f"M in {Ms}, all rows",
            "masks": np.ones((len(Ms), n), bool),
            "M": Ms,
        },
        {
            "name": "subsamples",
            "what": f"{n_sub} half-samples (row masks)",
            "masks": subs,
            "M": 10.0,
        },
    ]
    if quick:
        out[0]["masks"] = cv[:4]
        out[0]["what"] = "full fit + 3 of the 10 CV folds (quick)"
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    from lassonetpy.engine import fit_path

    threads = common.set_threads(args.threads)
    common.torch_warmup()
    data = common.load_mice(0)
    X, y = data.Xtr, data.ytr
    n = X.shape[0]
    kw = dict(family="multinomial", hidden=(100,), seed=args.batch_seed, verbose=False)
    kw.update(common.same_threads(fit_path))
    rows = []
    for case in _cases(n, bool(args.quick), args.batch_seed):
        masks, M = case["masks"], case["M"]
        B = len(masks)
        print(f"[bench_batch] {case['name']}: batch of {B} ...", file=sys.stderr, flush=True)
        with Timer() as tb:
            res = fit_path(X, y, masks=masks, M=np.asarray(M) if isinstance(M, list) else M, **kw)
        grid = list(res.lambdas[1:])
        loop_s, loop_quiet, loop_epochs = 0.0, [], 0
        for b in range(B):
            one_mask = masks[b : b + 1]
            one_M = M[b] if isinstance(M, list) else M
            with Timer() as tl:
                r1 = fit_path(X, y, masks=one_mask, M=one_M, lambda_=grid, **kw)
            loop_s += tl.wall
            loop_quiet.append(tl.others_cpu)
            loop_epochs += int(r1.epochs.sum())
        rows.append(
            {
                "name": case["name"],
                "what": case["what"],
                "B": B,
                "batch_s": tb.wall,
                "loop_s": loop_s,
                "ratio": loop_s / tb.wall,
                "batch_model_epochs": int(res.epochs.sum()),
                "loop_model_epochs": loop_epochs,
                "lambdas": len(grid),
                "others_cpu": max([tb.others_cpu or 0.0] + [q or 0.0 for q in loop_quiet]),
            }
        )
        print(
            f"[bench_batch]   batch {tb.wall:.2f} s, loop {loop_s:.2f} s, "
            f"ratio {loop_s / tb.wall:.2f}",
            file=sys.stderr,
        )
    result = {"config": {"threads": threads, "seed": args.batch_seed, "quick": args.quick}}
    result["rows"] = rows
    result["markdown"] = to_markdown(result)
    return result


def to_markdown(result: dict[str, Any]) -> str:
    cfg = result["config"]
    table = md_table(
        [
            "batch",
            "B",
            "one batched fit (s)",
            "loop of B single fits (s)",
            "loop / batch",
            "model-epochs batch / loop",
            "others' CPU",
        ],
        [
            [
                f"{r['name']}: {r['what']}",
                r["B"],
                fmt(r["batch_s"], ".2f"),
                fmt(r["loop_s"], ".2f"),
                f"**{r['ratio']:.2f} ×**",
                f"{r['batch_model_epochs']} / {r['loop_model_epochs']}",
                fmt(r["others_cpu"], ".2f"),
            ]
            for r in result["rows"]
        ],
    )
    return (
        f"MICE protein (756 rows), multinomial, hidden (100,), seed {cfg['seed']}, "
        f"{cfg['threads']['intra_op']} torch threads. The loop runs each model alone on the "
        "batch's lambda grid, so both do the same work per model (model-epochs).\n\n" + table
    )


def main(argv: list[str] | None = None) -> int:
    return common.script_main(__doc__, add_args, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
