"""MICE protein, 10-fold cross-validation: official ``LassoNetClassifierCV`` vs ``cv_lassonet``.

Official: ``LassoNetClassifierCV(cv=10, hidden_dims=(100,), M=10, torch_seed=seed,
random_state=seed, verbose=0).fit(Xtrain, ytrain)``, defaults otherwise (``cv=10`` is an
unshuffled 10-fold ``KFold``; each fold path carves its own 10 % validation part; the final path
is refitted on all training rows up to the chosen lambda).
Ours: ``lassonetpy.cv_lassonet(X=Xtrain, y=ytrain, family="multinomial", nfolds=10, seed=seed,
verbose=False)`` with its defaults (hidden (100,), M=10, deviance, stratified folds): the
full-data path and the 10 fold paths are trained together as one batch of 11 models.

Training rows = train + validation rows of the baseline split (756 + 108 = 864), as in the
official baseline's CV protocol; test rows = the same 216 for both. Reported per package and
seed: wall time of the call, the chosen lambda (official ``best_lambda_``, ours ``lambda_min``;
ours' ``lambda_1se`` as well), the number of features selected there and the test accuracy of
that model; plus the time ratio official / ours. ``--quick`` uses 3 folds for BOTH packages
(labelled as such) and one seed.

Run alone:  python bench/bench_cv.py [--seeds 0 1 2] [--nfolds 10] [--threads 2] [--quick]
            [--only ours]
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

OFFICIAL = "official lassonet"
OURS = "lassonetpy"
TARGET_RATIO = 20.0  # issue 3: at least 20 times faster at equal or better test accuracy
QUICK_FOLDS = 3


def add_args(p: argparse.ArgumentParser, standalone: bool = True) -> argparse.ArgumentParser:
    """CV options; ``standalone=False`` when run_all.py already has bench_path's options
    (--seeds, --hidden, --M, --split-seed, --only), which this benchmark shares."""
    if standalone:
        import bench_path

        bench_path.add_args(p)
    p.add_argument(
        "--nfolds",
        type=int,
        default=None,
        help=f"CV folds for BOTH packages (default 10; {QUICK_FOLDS} with --quick)",
    )
    return p


def training_rows(data: common.Split) -> tuple[np.ndarray, np.ndarray]:
    """Train + validation rows of the baseline split (the official CV protocol)."""
    return np.concatenate([data.Xtr, data.Xva]), np.concatenate([data.ytr, data.yva])


# ---------------------------------------------------------------------------------------------
# the two packages
# ---------------------------------------------------------------------------------------------


def run_official(
    data: common.Split, seed: int, nfolds: int, hidden: tuple[int, ...], M: float
) -> dict[str, Any]:
    from lassonet import LassoNetClassifierCV

    X, y = training_rows(data)
    clf = LassoNetClassifierCV(
        cv=nfolds, hidden_dims=hidden, M=M, torch_seed=seed, random_state=seed, verbose=0
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Timer() as t:
            clf.fit(X, y)
    return {
        "package": OFFICIAL,
        "seed": seed,
        "ok": True,
        **t.as_dict(),
        "lambda": float(clf.best_lambda_),
        "features": int(np.asarray(clf.best_selected_).sum()),
        "acc": float(np.mean(clf.predict(data.Xte) == data.yte)),
        "cv_score": float(clf.best_cv_score_),
        "cv_score_name": "CV accuracy (mean over folds)",
        "n_lambda": len(clf.lambdas_),
        "warnings": [str(w.message)[:200] for w in caught],
    }


def run_ours(
    data: common.Split, seed: int, nfolds: int, hidden: tuple[int, ...], M: float
) -> dict[str, Any]:
    try:
        from lassonetpy import cv_lassonet
    except Exception as e:
        return {
            "package": OURS,
            "seed": seed,
            "ok": False,
            "error": f"lassonetpy not available ({type(e).__name__}: {e})",
        }
    X, y = training_rows(data)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with Timer() as t:
                cv = cv_lassonet(
                    X=X,
                    y=y,
                    family="multinomial",
                    nfolds=nfolds,
                    seed=seed,
                    hidden=hidden,
                    M=M,
                    verbose=False,
                    **common.same_threads(cv_lassonet),
                )
    except Exception as e:
        return {
            "package": OURS,
            "seed": seed,
            "ok": False,
            "error": f"{type(e).__name__}: {e}",
            "traceback": traceback.format_exc(),
        }

    def acc(s: str) -> float:
        return float(np.mean(np.asarray(cv.predict(data.Xte, s=s, type="class")) == data.yte))

    return {
        "package": OURS,
        "seed": seed,
        "ok": True,
        **t.as_dict(),
        "timing": dict(cv.timing),
        "lambda": float(cv.lambda_min),
        "features": int(cv.path.n_features[cv.index_min]),
        "acc": acc("lambda_min"),
        "lambda_1se": float(cv.lambda_1se),
        "features_1se": int(cv.path.n_features[cv.index_1se]),
        "acc_1se": acc("lambda_1se"),
        "cv_score": float(cv.cvm[cv.index_min]),
        "cv_score_name": cv.measure_name,
        "n_lambda": len(cv.lambdas),
        "epochs_full_fit": int(cv.path.epochs.sum()),
        "warnings": [str(w.message)[:200] for w in caught],
    }


# ---------------------------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------------------------


def _log(msg: str) -> None:
    print(f"[bench_cv] {msg}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    threads = common.set_threads(args.threads)
    seeds = args.seeds if args.seeds else ([0] if args.quick else [0, 1, 2])
    nfolds = args.nfolds if args.nfolds else (QUICK_FOLDS if args.quick else 10)
    hidden = tuple(args.hidden)
    data = common.load_mice(args.split_seed)
    common.torch_warmup()
    runs: list[dict[str, Any]] = []
    with Timer() as total:
        for n, seed in enumerate(seeds):
            order = [OFFICIAL, OURS] if n % 2 == 0 else [OURS, OFFICIAL]
            for pkg in order:
                if pkg == OFFICIAL and args.only in ("both", "official"):
                    _log(f"official LassoNetClassifierCV(cv={nfolds}), seed {seed} ...")
                    try:
                        r = run_official(data, seed, nfolds, hidden, args.M)
                    except Exception as e:  # not installed, or the fit itself failed
                        r = {
                            "package": OFFICIAL,
                            "seed": seed,
                            "ok": False,
                            "error": f"{type(e).__name__}: {e}",
                            "traceback": traceback.format_exc(),
                        }
                elif pkg == OURS and args.only in ("both", "ours"):
                    _log(f"lassonetpy cv_lassonet(nfolds={nfolds}), seed {seed} ...")
                    r = run_ours(data, seed, nfolds, hidden, args.M)
                else:
                    continue
                if r.get("ok"):
                    _log(
                        f"  {pkg} seed {seed}: {r['wall_s']:.1f} s, lambda {r['lambda']:.4g}, "
                        f"{r['features']} features, test acc {r['acc']:.3f}, others' CPU "
                        f"{fmt(r['others_cpu'], '.2f')}"
                    )
                else:
                    _log(f"  {pkg} seed {seed}: {r.get('error')}")
                runs.append(r)
    result = {
        "benchmark": "mice_cv",
        "config": {
            "hidden": list(hidden),
            "M": args.M,
            "seeds": seeds,
            "nfolds": nfolds,
            "quick": bool(args.quick),
            "split_seed": args.split_seed,
            "threads": threads,
            "split": {**data.shapes(), "cv_train": data.shapes()["train"] + data.shapes()["val"]},
            "only": args.only,
        },
        "runs": runs,
        "others_cpu": total.others_cpu,
        "steal": total.steal,
        "wall_s": total.wall,
    }
    result["summary"] = summarize(runs)
    result["markdown"] = to_markdown(result)
    return result


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [
        "wall_s",
        "lambda",
        "features",
        "acc",
        "cv_score",
        "n_lambda",
        "lambda_1se",
        "features_1se",
        "acc_1se",
        "others_cpu",
    ]
    summ: dict[str, Any] = {}
    for pkg in (OFFICIAL, OURS):
        ok = [r for r in runs if r["package"] == pkg and r.get("ok")]
        bad = [r for r in runs if r["package"] == pkg and not r.get("ok")]
        summ[pkg] = {
            "n_ok": len(ok),
            "n_runs": len(ok) + len(bad),
            "errors": sorted({str(r.get("error")) for r in bad}),
            **{k: mmm([r.get(k) for r in ok]) for k in keys},
        }
    ratios, acc_diff = [], []
    for r in runs:
        if r["package"] != OFFICIAL or not r.get("ok"):
            continue
        o = next(
            (x for x in runs if x["package"] == OURS and x["seed"] == r["seed"] and x.get("ok")),
            None,
        )
        if o and o["wall_s"] > 0:
            ratios.append({"seed": r["seed"], "ratio": r["wall_s"] / o["wall_s"]})
            acc_diff.append(o["acc"] - r["acc"])
    summ["ratio_per_seed"] = ratios
    summ["ratio"] = mmm([x["ratio"] for x in ratios])
    summ["acc_diff"] = mmm(acc_diff)  # ours - official, per seed
    return summ


def to_markdown(result: dict[str, Any]) -> str:
    s, cfg = result["summary"], result["config"]
    o, u = s[OFFICIAL], s[OURS]
    n = max(o["n_ok"], u["n_ok"], 1)

    def cell(pkg_s: dict[str, Any], key: str, spec: str) -> str:
        if pkg_s["n_ok"] == 0:
            return "n/a (see below)" if pkg_s["errors"] else "not run"
        return fmt_range(pkg_s[key], spec, n)

    ratio = (
        fmt_range(s["ratio"], ".1f", len(s["ratio_per_seed"])) + " ×"
        if s["ratio"]["median"] is not None
        else "-"
    )
    rows = [
        [
            f"**wall time of {cfg['nfolds']}-fold CV (s)**",
            cell(o, "wall_s", ".1f"),
            cell(u, "wall_s", ".1f"),
            ratio,
        ],
        [
            "chosen lambda (official best_lambda_, ours lambda_min)",
            cell(o, "lambda", ".3g"),
            cell(u, "lambda", ".3g"),
            "",
        ],
        ["  features selected there", cell(o, "features", ".0f"), cell(u, "features", ".0f"), ""],
        ["  **test accuracy there**", cell(o, "acc", ".3f"), cell(u, "acc", ".3f"), ""],
        [
            "CV score at the chosen lambda (official: accuracy; ours: deviance)",
            cell(o, "cv_score", ".4f"),
            cell(u, "cv_score", ".4f"),
            "",
        ],
        [
            "ours' lambda_1se: features / test accuracy",
            "-",
            f"{cell(u, 'features_1se', '.0f')} / {cell(u, 'acc_1se', '.3f')}",
            "",
        ],
        ["lambdas on the CV grid", cell(o, "n_lambda", ".0f"), cell(u, "n_lambda", ".0f"), ""],
        [
            "others' CPU during the runs (0 = quiet)",
            cell(o, "others_cpu", ".2f"),
            cell(u, "others_cpu", ".2f"),
            "",
        ],
    ]
    quick = (
        f" **QUICK: {cfg['nfolds']} folds for both packages, not the 10-fold benchmark.**"
        if cfg["quick"] and cfg["nfolds"] != 10
        else ""
    )
    head = (
        f"MICE protein, {cfg['nfolds']}-fold CV on the {cfg['split']['cv_train']} train+val "
        f"rows, test on {cfg['split']['test']}; hidden {tuple(cfg['hidden'])}, "
        f"M={cfg['M']:g}, seeds {cfg['seeds']}, {cfg['threads']['intra_op']} threads. "
        f"Median [min–max] over seeds.{quick}"
    )
    table = md_table(
        ["", "official LassoNetClassifierCV", "lassonetpy cv_lassonet", "official / lassonetpy"],
        rows,
    )
    per_seed = []
    for seed in cfg["seeds"]:
        ro = next(
            (r for r in result["runs"] if r["package"] == OFFICIAL and r["seed"] == seed), None
        )
        ru = next((r for r in result["runs"] if r["package"] == OURS and r["seed"] == seed), None)

        def g(r: dict[str, Any] | None, key: str, spec: str) -> str:
            return fmt(r.get(key), spec) if r and r.get("ok") else "-"

        rat = next((x["ratio"] for x in s["ratio_per_seed"] if x["seed"] == seed), None)
        per_seed.append(
            [
                seed,
                g(ro, "wall_s", ".1f"),
                g(ru, "wall_s", ".1f"),
                fmt(rat, ".1f"),
                f"{g(ro, 'features', '.0f')} / {g(ro, 'acc', '.3f')}",
                f"{g(ru, 'features', '.0f')} / {g(ru, 'acc', '.3f')}",
                g(ro, "others_cpu", ".2f"),
                g(ru, "others_cpu", ".2f"),
            ]
        )
    t2 = md_table(
        [
            "seed",
            "official s",
            "lassonetpy s",
            "ratio",
            "official features / acc",
            "lassonetpy features / acc",
            "others' CPU (official)",
            "others' CPU (lassonetpy)",
        ],
        per_seed,
    )
    notes = []
    if s["ratio"]["median"] is not None:
        d = s["acc_diff"]["median"]
        met = s["ratio"]["median"] >= TARGET_RATIO and d is not None and d >= 0
        notes.append(
            f"Target (issue 3): at least {TARGET_RATIO:g}× faster at equal or better "
            f"test accuracy: median ratio {s['ratio']['median']:.1f}×, test accuracy "
            f"ours − official {d:+.3f} (median over seeds): "
            f"**{'met' if met else 'not met'}**"
            f"{' in this quick run' if cfg['quick'] else ''}."
        )
    for name, pkg_s in ((OFFICIAL, o), (OURS, u)):
        for err in pkg_s["errors"]:
            notes.append(f"**{name}: {err}**")
    return f"{head}\n\n{table}\n\nPer seed:\n\n{t2}\n" + (
        "\n" + "\n\n".join(notes) + "\n" if notes else ""
    )


def main(argv: list[str] | None = None) -> int:
    return common.script_main(__doc__, add_args, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
