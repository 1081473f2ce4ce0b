"""GBSG2 (survival), whole Cox path: official ``LassoNetCoxRegressor`` 0.0.21 vs ``lassonetpy``.

Data: the German Breast Cancer Study Group 2 trial (``lassonetpy.datasets.load_gbsg2``: 686
women, 299 events, tied times), the 8 covariates one-hot coded (every level, 12 columns) and
standardised with the training rows' means and SDs; one random 60/20/20 train / validation /
test split (``--split-seed``), the same for both packages.

Official: ``LassoNetCoxRegressor(tie_approximation=TIES, hidden_dims=(100,), M=10,
torch_seed=seed, random_state=seed, verbose=0).path(Xtr, ytr, X_val=Xva, y_val=yva,
return_state_dicts=True)``, defaults otherwise. Ours: ``lassonetpy.engine.fit_path(Xtr, ytr,
Cox(TIES), hidden=(100,), M=10, seed=seed)`` (the array interface, defaults otherwise).

The chosen lambda, the same rule for both: the path point with the best validation C-index
(Harrell's, :func:`lassonetpy.survival.concordance_index`, the first best). Reported per
package and seed: wall time of the path call, lambda steps, total epochs, the number of
features, validation and test C-index at the chosen lambda, the test C-index of the dense
model, and the time ratio official / ours. Both run in this process with the same torch
thread setting, alternating which goes first from one seed to the next.

Run alone:  python bench/bench_cox.py [--seeds 0 1 2] [--threads 2] [--quick] [--ties efron]
"""

from __future__ import annotations

import argparse
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import Timer, fmt, fmt_range, md_table, mmm  # noqa: E402

OFFICIAL = "official LassoNetCoxRegressor"
OURS = "lassonetpy"
OURS_L2 = "lassonetpy, gamma=0.01"
PACKAGES = (OFFICIAL, OURS, OURS_L2)


def add_args(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument(
        "--cox-seeds", type=int, nargs="+", default=None, help="model seeds (default 0 1 2)"
    )
    p.add_argument(
        "--cox-split-seeds",
        type=int,
        nargs="+",
        default=[0],
        help="seeds of the 60/20/20 splits (default 0: one split, as the issue asks)",
    )
    p.add_argument("--ties", choices=["efron", "breslow"], default="efron", help="tie method")
    p.add_argument(
        "--cox-only",
        choices=["both", "official", "ours"],
        default="both",
        help="run only one side",
    )
    return p


def load_gbsg2(split_seed: int) -> dict[str, np.ndarray]:
    import pandas as pd

    from lassonetpy.datasets import load_gbsg2 as load

    df = load()
    X = pd.get_dummies(df.drop(columns=["time", "cens"]), dtype=float).to_numpy()
    y = df[["time", "cens"]].to_numpy(np.float64)
    idx = np.random.default_rng(split_seed).permutation(len(df))
    n_tr, n_va = int(0.6 * len(df)), int(0.2 * len(df))
    parts = {"tr": idx[:n_tr], "va": idx[n_tr : n_tr + n_va], "te": idx[n_tr + n_va :]}
    mu, sd = X[parts["tr"]].mean(0), X[parts["tr"]].std(0)
    Xs = (X - mu) / np.where(sd > 0, sd, 1.0)
    out = {}
    for k, rows in parts.items():
        out[f"X{k}"], out[f"y{k}"] = Xs[rows].astype(np.float32), y[rows]
    return out


def _cindex(y: np.ndarray, risk: np.ndarray) -> float:
    from lassonetpy.survival import concordance_index

    return float(concordance_index(y[:, 0], y[:, 1], risk))


def _choose(val_c: list[float]) -> int:
    return int(np.nanargmax(np.asarray(val_c)))


def run_official(data: dict[str, np.ndarray], seed: int, ties: str) -> dict[str, Any]:
    from lassonet import LassoNetCoxRegressor

    model = LassoNetCoxRegressor(
        tie_approximation=ties, hidden_dims=(100,), M=10, torch_seed=seed, random_state=seed,
        verbose=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Timer() as t:
            hist = model.path(
                data["Xtr"], data["ytr"], X_val=data["Xva"], y_val=data["yva"],
                return_state_dicts=True,
            )  # fmt: skip

    def risk(i: int, X: np.ndarray) -> np.ndarray:
        model.load(hist[i].state_dict)
        return np.asarray(model.predict(X), dtype=np.float64).ravel()

    val_c = [_cindex(data["yva"], risk(i, data["Xva"])) for i in range(len(hist))]
    i = _choose(val_c)
    return {
        "package": OFFICIAL,
        "seed": seed,
        "ok": True,
        **t.as_dict(),
        "lambda_steps": len(hist) - 1,
        "epochs_total": int(sum(h.n_iters for h in hist)),
        "chosen": i,
        "features": int(hist[i].selected.sum()),
        "val_c": val_c[i],
        "test_c": _cindex(data["yte"], risk(i, data["Xte"])),
        "test_c_dense": _cindex(data["yte"], risk(0, data["Xte"])),
    }


def run_ours(
    data: dict[str, np.ndarray], seed: int, ties: str, gamma: float = 0.0
) -> dict[str, Any]:
    from lassonetpy.engine import fit_path
    from lassonetpy.families import Cox

    with Timer() as t:
        res = fit_path(
            data["Xtr"], data["ytr"], Cox(ties), hidden=(100,), M=10, seed=seed, gamma=gamma
        )

    def risk(i: int, X: np.ndarray) -> np.ndarray:
        return res.predict(X, i)[:, 0]

    val_c = [_cindex(data["yva"], risk(i, data["Xva"])) for i in range(len(res.lambdas))]
    i = _choose(val_c)
    return {
        "package": OURS if gamma == 0 else OURS_L2,
        "seed": seed,
        "ok": True,
        **t.as_dict(),
        "lambda_steps": len(res.lambdas) - 1,
        "epochs_total": int(res.epochs.sum()),
        "chosen": i,
        "features": int(res.n_selected[0, i]),
        "val_c": val_c[i],
        "test_c": _cindex(data["yte"], risk(i, data["Xte"])),
        "test_c_dense": _cindex(data["yte"], risk(0, data["Xte"])),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    threads = common.set_threads(args.threads)
    common.torch_warmup()
    seeds = args.cox_seeds if args.cox_seeds is not None else ([0] if args.quick else [0, 1, 2])
    sides = {
        "both": list(PACKAGES),
        "official": [OFFICIAL],
        "ours": [OURS, OURS_L2],
    }[args.cox_only]
    runners = {
        OFFICIAL: run_official,
        OURS: run_ours,
        OURS_L2: lambda d, s, t: run_ours(d, s, t, gamma=0.01),
    }
    runs: list[dict[str, Any]] = []
    k = 0
    for split in args.cox_split_seeds:
        data = load_gbsg2(split)
        for seed in seeds:
            order = sides if k % 2 == 0 else sides[::-1]
            k += 1
            for name in order:
                print(f"[bench_cox] {name}, split {split}, seed {seed} ...", file=sys.stderr)
                try:
                    r = runners[name](data, seed, args.ties)
                except Exception as err:  # keep going: report the failure in the table
                    traceback.print_exc()
                    r = {"package": name, "seed": seed, "ok": False, "error": repr(err)}
                r["split"] = split
                runs.append(r)
                if r["ok"]:
                    print(
                        f"[bench_cox]   {r['wall_s']:.2f} s, {r['lambda_steps']} steps, "
                        f"{r['epochs_total']} epochs, test C {r['test_c']:.3f} at "
                        f"{r['features']} features",
                        file=sys.stderr,
                    )
    result = {
        "config": {
            "threads": threads,
            "seeds": seeds,
            "split_seeds": list(args.cox_split_seeds),
            "ties": args.ties,
            "quick": args.quick,
            "shapes": {k: int(v.shape[0]) for k, v in data.items() if k.startswith("y")},
        },
        "runs": runs,
    }
    result["summary"] = summarize(runs)
    result["markdown"] = to_markdown(result)
    return result


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    keys = ("wall_s", "lambda_steps", "epochs_total", "features", "val_c", "test_c")
    for name in PACKAGES:
        ok = [r for r in runs if r["package"] == name and r.get("ok")]
        out[name] = {k: mmm([r[k] for r in ok]) for k in (*keys, "test_c_dense", "others_cpu")}
    ratios, diffs = [], []
    for key in sorted({(r.get("split", 0), r["seed"]) for r in runs}):
        by = {
            r["package"]: r for r in runs if (r.get("split", 0), r["seed"]) == key and r.get("ok")
        }
        if OFFICIAL in by and OURS in by:
            ratios.append(by[OFFICIAL]["wall_s"] / by[OURS]["wall_s"])
            diffs.append(by[OURS]["test_c"] - by[OFFICIAL]["test_c"])
    out["ratio"] = mmm(ratios)
    out["test_c_diff"] = mmm(diffs)
    return out


def to_markdown(result: dict[str, Any]) -> str:
    cfg, s = result["config"], result["summary"]
    n = len(cfg["seeds"]) * len(cfg.get("split_seeds", [0]))
    rows = []
    for name in PACKAGES:
        if s[name]["wall_s"]["median"] is None:
            continue
        u = s[name]
        rows.append(
            [
                name,
                fmt_range(u["wall_s"], ".2f", n),
                fmt_range(u["lambda_steps"], ".0f", n),
                fmt_range(u["epochs_total"], ".0f", n),
                fmt_range(u["features"], ".0f", n),
                fmt_range(u["val_c"], ".3f", n),
                f"**{fmt(u['test_c']['median'], '.3f')}**",
                fmt_range(u["test_c_dense"], ".3f", n),
                fmt(u["others_cpu"]["max"], ".2f"),
            ]
        )
    table = md_table(
        [
            "package",
            "path time (s)",
            "lambda steps",
            "epochs",
            "features at the chosen lambda",
            "validation C",
            "test C (median)",
            "test C, dense model",
            "others' CPU",
        ],
        rows,
    )
    sh = cfg["shapes"]
    return (
        f"GBSG2 ({sh['ytr']} train / {sh['yva']} validation / {sh['yte']} test rows, 12 "
        f"one-hot columns), ties {cfg['ties']!r}, hidden (100,), M = 10, seeds {cfg['seeds']}, "
        f"split seeds {cfg.get('split_seeds', [0])}, {cfg['threads']['intra_op']} torch threads; "
        "the lambda with the best validation C-index is chosen on each path. Cells: median "
        "(min-max) over runs. The last row (L2 penalty on the hidden weights, "
        "`gamma=0.01`) is for information; the target compares the defaults.\n\n"
        + table
        + f"\n\nTime ratio official / lassonetpy (per run, median): "
        f"**{fmt(s['ratio']['median'], '.1f')} ×** (range {fmt(s['ratio']['min'], '.1f')}-"
        f"{fmt(s['ratio']['max'], '.1f')}); test C of lassonetpy minus the official's (per run, "
        f"median): {fmt(s['test_c_diff']['median'], '+.3f')}."
    )


def main(argv: list[str] | None = None) -> int:
    return common.script_main(__doc__, add_args, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
