"""The paper's second half (issue 10): unsupervised selection, matrix completion, the refit.

Three parts, each against independent references (bench/paper2_baselines.py):

* ``unsupervised`` (Section 6): MICE protein (1080 rows, NA filled with training means, 80/20
  row split, standardised columns) and MNIST (the 10k test images; 28 x 28 pixels in [0, 1],
  not standardised; 2000 training and 1000 held-out images, hidden (32,); quick: 14 x 14,
  800 / 400).
  At every number k of columns between 10 and 50 on the unsupervised path: the held-out
  reconstruction error of the path's own network, of its refit (``relax``), and of a linear
  decoder (least squares, tiny ridge) from LassoNet's k columns, from k random columns (median
  of 20 draws), from the first k principal-feature-analysis columns and from a correlation-
  based greedy selection. Cost: the path's epochs and time beside its dense fit's.
* ``impute`` (Section 7, Figure 10): MICE's 552 complete rows, standardised; 80 % of the
  entries observed for training, 10 % validation, 10 % test; seeds 0-4 (quick: 0). Test MSE
  of lassonet_impute (completion chosen on validation; the dense point; the best completion
  from at most 45 proteins, chosen on validation), Soft-Impute (numpy SVD, shrinkage and rank
  cap chosen on the validation entries), column means and scikit-learn's IterativeImputer.
  Cost: Alg. 5's rounds, the path and the refits beside one dense fit (round 1).
* ``relax`` (Section 5, Table 1 protocol): MICE protein (bench/common.load_mice: 70/10/20,
  seeds 0-2; quick: 0) and ISOLET (train and test pooled, 7797 rows, stratified 70/10/20,
  seed 0; skipped with --quick): the path's fit with k = 50 features (the grid refined
  between the two lambdas around 50 when the path jumps over it), refitted by ``relax`` with
  the hidden size chosen on the validation rows among [k/3, 2k/3, k, 4k/3]; test accuracy
  against the paper's (MICE 0.958, ISOLET 0.885), and the path's own network's.

Run alone:  python bench/bench_paper2.py [--threads 1] [--quick] [--paper2-parts impute relax]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import paper2_baselines as pb  # noqa: E402
from common import Timer, fmt, md_table  # noqa: E402

PARTS = ("unsupervised", "impute", "relax")


def add_args(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument(
        "--paper2-parts",
        nargs="+",
        choices=PARTS,
        default=list(PARTS),
        help="parts of the paper2 benchmark to run",
    )
    return p


# --------------------------------------------------------------------------------------------
# unsupervised
# --------------------------------------------------------------------------------------------
def _mice_rows(seed: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    import pandas as pd

    df = pd.read_csv(pb.shared_data() / "mice_protein.csv")
    X = df.iloc[:, 1:78].to_numpy(dtype=np.float64)
    test = np.random.default_rng(seed).random(len(X)) < 0.2
    mu = np.nanmean(X[~test], 0)
    X = np.where(np.isnan(X), mu, X)
    return X[~test], X[test], list(df.columns[1:78])


def _unsupervised_case(
    name: str, Xtr: np.ndarray, Xte: np.ndarray, scale: bool, hidden: int, draws: int
) -> dict[str, Any]:
    import lassonetpy as ln
    from lassonetpy.formula.inputs import _prepare

    d = Xtr.shape[1]
    kw = dict(hidden=(hidden,), seed=0, standardize=scale, verbose=False)
    prep = _prepare(X=Xtr, **kw)  # the path's own problem, for its dense fit alone
    with Timer() as t_dense:
        dense = prep.fit(phase="dense")
    print(f"[bench_paper2] {name}: unsupervised path ...", file=sys.stderr, flush=True)
    with Timer() as t_path:
        fit = ln.lassonet(X=Xtr, **kw)
    ks = sorted({int(k) for k in fit.n_features if 10 <= k <= 50})
    idx = [int(np.flatnonzero(fit.n_features == k)[0]) for k in ks]
    with Timer() as t_relax:
        rf = fit.relax(s=[float(fit.lambdas[i]) for i in idx]) if idx else None
    sd = Xtr.std(0) if scale else np.ones(d)
    sd = np.where(sd > 1e-12, sd, 1.0)

    def err(pred: np.ndarray) -> float:
        return float((((pred - Xte) / sd) ** 2).mean())

    rng = np.random.default_rng(1)
    rows = []
    for k, i in zip(ks, idx, strict=True):
        cols = np.flatnonzero(fit.selected[i])
        own = err(np.asarray(fit.predict(Xte, s=float(fit.lambdas[i]))))
        relaxed = err(np.asarray(rf.predict(Xte, s=float(fit.lambdas[i])))) if rf else None
        rand = [
            pb.linear_error(Xtr, Xte, pb.random_columns(d, k, rng), scale) for _ in range(draws)
        ]
        rows.append(
            {
                "k": k,
                "own": own,
                "relaxed": relaxed,
                "lassonet_linear": pb.linear_error(Xtr, Xte, cols, scale),
                "random_linear": float(np.median(rand)),
                "pfa_linear": pb.linear_error(Xtr, Xte, pb.pfa_columns(Xtr, k, scale=scale), scale),
                "greedy_linear": pb.linear_error(
                    Xtr, Xte, pb.greedy_columns(Xtr, k, scale=scale), scale
                ),
            }
        )
    return {
        "name": name,
        "n_train": int(Xtr.shape[0]),
        "n_test": int(Xte.shape[0]),
        "d": d,
        "hidden": hidden,
        "standardised": scale,
        "dense_s": t_dense.wall,
        "dense_epochs": int(dense.epochs.sum()),
        "path_s": t_path.wall,
        "path_epochs": int(fit.epochs.sum()),
        "path_dense_epochs": int(fit.epochs[0]),
        "relax_s": t_relax.wall,
        "others_cpu": max(t.others_cpu or 0.0 for t in (t_dense, t_path, t_relax)),
        "rows": rows,
    }


def run_unsupervised(quick: bool) -> list[dict[str, Any]]:
    Xtr, Xte, _ = _mice_rows(0)
    cases = [_unsupervised_case("MICE protein", Xtr, Xte, True, 77, 20)]
    X, _ = pb.load_mnist()
    if quick:
        X = X.reshape(-1, 14, 2, 14, 2).mean((2, 4)).reshape(-1, 196)
        tr, te = X[:800], X[9000:9400]
        cases.append(_unsupervised_case("MNIST 14x14", tr, te, False, 16, 20))
    else:
        cases.append(_unsupervised_case("MNIST 28x28", X[:2000], X[9000:], False, 32, 20))
    return cases


# --------------------------------------------------------------------------------------------
# matrix completion
# --------------------------------------------------------------------------------------------
def _impute_seed(seed: int) -> dict[str, Any]:
    import pandas as pd
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    import lassonetpy as ln

    df = pd.read_csv(pb.shared_data() / "mice_protein.csv").iloc[:, 1:78].dropna()
    X = df.to_numpy(dtype=np.float64)
    Z = (X - X.mean(0)) / X.std(0)
    u = np.random.default_rng(seed).random(Z.shape)
    train, valid, test = u < 0.8, (u >= 0.8) & (u < 0.9), u >= 0.9
    data = pd.DataFrame(np.where(train | valid, Z, np.nan), columns=df.columns)

    def mse(C: np.ndarray) -> float:
        return float(((C - Z)[test] ** 2).mean())

    print(f"[bench_paper2] impute seed {seed} ...", file=sys.stderr, flush=True)
    with Timer() as t_imp:
        imp = ln.lassonet_impute(data, validation=valid, seed=seed, verbose=False)
    ve = np.asarray(imp.validation_error)
    few = np.flatnonzero(imp.n_columns <= 45)
    i45 = int(few[np.argmin(ve[few])])
    with Timer() as t_soft:
        soft, choice = pb.soft_impute_cv(Z, train, valid)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Timer() as t_ii:
            it = IterativeImputer(max_iter=10, random_state=seed).fit_transform(
                np.where(train, Z, np.nan)
            )
    means = np.nanmean(np.where(train, Z, np.nan), 0)
    r = imp.rounds
    return {
        "seed": seed,
        "lassonet_best": mse(imp.completed.to_numpy()),
        "best_columns": int(imp.n_columns[imp.index_best]),
        "lassonet_dense": mse(imp.complete(s=0).to_numpy()),
        "lassonet_45": mse(imp.complete(s=float(imp.path.lambdas[i45])).to_numpy()),
        "columns_45": int(imp.n_columns[i45]),
        "soft_impute": mse(soft),
        "soft_choice": choice,
        "column_means": mse(np.broadcast_to(means, Z.shape)),
        "iterative": mse(it),
        "rounds": int(len(r)),
        "round1_epochs": int(r["epochs"].iloc[0]),
        "round1_s": float(r["seconds"].iloc[0]),
        "rounds_epochs": int(r["epochs"].sum()),
        "path_epochs": int(imp.path.epochs[1:].sum()),
        "refit_model_epochs": int(imp.relaxed.epochs.sum()) if imp.relaxed else 0,
        "refits": len(imp.relaxed) if imp.relaxed else 0,
        "timing": dict(imp.timing),
        "total_s": t_imp.wall,
        "soft_s": t_soft.wall,
        "iterative_s": t_ii.wall,
        "others_cpu": t_imp.others_cpu,
    }


# --------------------------------------------------------------------------------------------
# relax (Table 1 protocol)
# --------------------------------------------------------------------------------------------
def _isolet_split(seed: int) -> common.Split:
    import pandas as pd
    from sklearn.model_selection import train_test_split

    d = pb.shared_data()
    df = pd.concat([pd.read_csv(d / "isolet_train.csv.gz"), pd.read_csv(d / "isolet_test.csv.gz")])
    feat = [c for c in df.columns if c.startswith("f")]
    X = df[feat].to_numpy(dtype=np.float64)
    y = df["label"].to_numpy() - 1
    idx = np.arange(len(y))
    i_trva, i_te = train_test_split(idx, test_size=0.2, stratify=y, random_state=seed)
    i_tr, i_va = train_test_split(i_trva, test_size=0.125, stratify=y[i_trva], random_state=seed)
    return common.Split(X[i_tr], y[i_tr], X[i_va], y[i_va], X[i_te], y[i_te], np.arange(26), feat)


def _path_with_k(X: np.ndarray, y: np.ndarray, k: int, seed: int) -> tuple[Any, int]:
    """The path, with its grid refined between the lambdas around ``k`` features when it
    jumps over ``k`` (twice at most)."""
    import lassonetpy as ln

    kw = dict(family="multinomial", hidden=(100,), seed=seed, verbose=False)
    fit = ln.lassonet(X=X, y=y, **kw)
    for _ in range(2):
        if k in set(fit.n_features.tolist()):
            break
        j = int(np.flatnonzero(fit.n_features <= k)[0])
        lam = fit.lambdas
        extra = np.geomspace(lam[j - 1], lam[j], 14)[1:-1] if j > 1 else []
        grid = np.unique(np.r_[lam[1:], extra])
        fit = ln.lassonet(X=X, y=y, lambda_=grid, **kw)
    ok = np.flatnonzero(fit.n_features <= k)
    return fit, int(ok[np.argmax(fit.n_features[ok])])


def _relax_case(name: str, sp: common.Split, seed: int, paper: float) -> dict[str, Any]:
    print(f"[bench_paper2] relax {name} seed {seed} ...", file=sys.stderr, flush=True)
    with Timer() as t_path:
        fit, i = _path_with_k(sp.Xtr, sp.ytr, 50, seed)
    k = int(fit.n_features[i])
    sizes = sorted({max(1, k // 3), max(1, 2 * k // 3), k, 4 * k // 3})
    with Timer() as t_relax:
        rf = fit.relax(s=float(fit.lambdas[i]), hidden=sizes, validation=(sp.Xva, sp.yva))
    s = float(fit.lambdas[i])
    acc = float((rf.predict(sp.Xte, s=s, type="class") == sp.yte).mean())
    path_acc = float((fit.predict(sp.Xte, s=s, type="class") == sp.yte).mean())
    return {
        "data": name,
        "seed": seed,
        "k": k,
        "hidden": list(rf.hidden[0]),
        "test_accuracy": acc,
        "path_accuracy": path_acc,
        "paper": paper,
        "path_s": t_path.wall,
        "relax_s": t_relax.wall,
        "relax_model_epochs": int(rf.epochs.sum()),
        "others_cpu": max(t.others_cpu or 0.0 for t in (t_path, t_relax)),
    }


# --------------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    threads = common.set_threads(args.threads)
    common.torch_warmup()
    quick = bool(args.quick)
    parts = getattr(args, "paper2_parts", list(PARTS))
    out: dict[str, Any] = {"config": {"threads": threads, "quick": quick, "parts": parts}}
    if "unsupervised" in parts:
        out["unsupervised"] = run_unsupervised(quick)
    if "impute" in parts:
        out["impute"] = [_impute_seed(s) for s in ([0] if quick else range(5))]
    if "relax" in parts:
        rows = [_relax_case("MICE protein", common.load_mice(s), s, 0.958) for s in
                ([0] if quick else range(3))]  # fmt: skip
        if not quick:
            rows.append(_relax_case("ISOLET", _isolet_split(0), 0, 0.885))
        out["relax"] = rows
    out["markdown"] = to_markdown(out)
    return out


def _targets(res: dict[str, Any]) -> list[list[str]]:
    def verdict(ok: bool | None) -> str:
        return "-" if ok is None else ("**met**" if ok else "**not met**")

    rows: list[list[str]] = []
    for case in res.get("unsupervised", []):
        r = case["rows"]
        if not r:
            continue
        below_rand = all(x["lassonet_linear"] < x["random_linear"] for x in r)
        below_pfa = all(x["lassonet_linear"] < x["pfa_linear"] for x in r)
        below_greedy = all(x["lassonet_linear"] < x["greedy_linear"] for x in r)
        rows.append(
            [
                f"{case['name']}: LassoNet's k columns reconstruct better than k random ones "
                "(every k in 10..50)",
                f"{sum(x['lassonet_linear'] < x['random_linear'] for x in r)} of {len(r)} k",
                verdict(below_rand),
            ]
        )
        rows.append(
            [
                f"{case['name']}: ... and better than PFA or greedy columns",
                f"PFA {sum(x['lassonet_linear'] < x['pfa_linear'] for x in r)} of {len(r)}, "
                f"greedy {sum(x['lassonet_linear'] < x['greedy_linear'] for x in r)} of {len(r)}",
                verdict(below_pfa or below_greedy),
            ]
        )
    if imp := res.get("impute"):
        lb = common.med([x["lassonet_best"] for x in imp])
        si = common.med([x["soft_impute"] for x in imp])
        l45 = common.med([x["lassonet_45"] for x in imp])
        rows.append(
            [
                "MICE completion: test MSE at least 20 % below Soft-Impute's (median of seeds)",
                f"{fmt(lb, '.4f')} vs {fmt(si, '.4f')} ({fmt(100 * (1 - lb / si), '.0f')} % lower)",
                verdict(lb <= 0.8 * si),
            ]
        )
        rows.append(
            [
                "MICE completion from at most 45 proteins: no worse than Soft-Impute with 77",
                f"{fmt(l45, '.4f')} vs {fmt(si, '.4f')}",
                verdict(l45 <= si),
            ]
        )
    for data in ("MICE protein", "ISOLET"):
        rr = [x for x in res.get("relax", []) if x["data"] == data]
        if rr:
            a = common.med([x["test_accuracy"] for x in rr])
            rows.append(
                [
                    f"{data}: relaxed refit at k = 50, test accuracy >= the paper's "
                    f"{rr[0]['paper']}",
                    f"{fmt(a, '.3f')} (k = {', '.join(str(x['k']) for x in rr)})",
                    verdict(a >= rr[0]["paper"]),
                ]
            )
    return rows


def to_markdown(res: dict[str, Any]) -> str:
    cfg = res["config"]
    parts = [
        f"{cfg['threads']['intra_op']} torch threads{'; QUICK run' if cfg['quick'] else ''}. "
        "Errors are held-out mean squared errors (standardised columns for MICE, pixel units "
        "for MNIST).",
        "",
    ]
    if tg := _targets(res):
        parts += ["### Targets (issue 10)", "", md_table(["target", "this run", ""], tg), ""]
    for case in res.get("unsupervised", []):
        parts += [
            f"### Unsupervised selection: {case['name']} ({case['n_train']} training rows, "
            f"{case['n_test']} held out, {case['d']} columns, hidden ({case['hidden']},))",
            "",
            md_table(
                [
                    "k",
                    "path network",
                    "relaxed refit",
                    "linear from LassoNet's k",
                    "linear from k random (median of 20)",
                    "linear from PFA's k",
                    "linear from greedy k",
                ],
                [
                    [
                        x["k"],
                        fmt(x["own"], ".4f"),
                        fmt(x["relaxed"], ".4f"),
                        fmt(x["lassonet_linear"], ".4f"),
                        fmt(x["random_linear"], ".4f"),
                        fmt(x["pfa_linear"], ".4f"),
                        fmt(x["greedy_linear"], ".4f"),
                    ]
                    for x in case["rows"]
                ],
            ),
            "",
            f"Cost: the whole path {fmt(case['path_s'], '.1f')} s, {case['path_epochs']} "
            f"epochs (its dense fit {case['path_dense_epochs']}); one dense fit alone "
            f"{fmt(case['dense_s'], '.1f')} s, {case['dense_epochs']} epochs: the path costs "
            f"**{fmt(case['path_s'] / case['dense_s'], '.1f')} x** a dense fit in time, "
            f"{fmt(case['path_epochs'] / case['dense_epochs'], '.1f')} x in epochs. The refits "
            f"of all {len(case['rows'])} points: {fmt(case['relax_s'], '.1f')} s. Others' CPU "
            f"{fmt(case['others_cpu'], '.2f')}.",
            "",
        ]
    if imp := res.get("impute"):

        def med(key: str, sub: str | None = None) -> Any:
            return common.med([x[sub][key] if sub else x[key] for x in imp])

        keys = [
            ("lassonet_best", "lassonet_impute (chosen on validation)"),
            ("lassonet_dense", "lassonet_impute, dense point (77 proteins)"),
            ("lassonet_45", "lassonet_impute, best from <= 45 proteins"),
            ("soft_impute", "Soft-Impute (rank, shrinkage on validation)"),
            ("iterative", "IterativeImputer (scikit-learn)"),
            ("column_means", "column means"),
        ]
        parts += [
            "### Matrix completion: MICE protein, 552 complete rows x 77, 80/10/10 entries",
            "",
            md_table(
                ["method", *[f"seed {x['seed']}" for x in imp], "median"],
                [
                    [label, *[fmt(x[k], ".4f") for x in imp], fmt(common.med([x[k] for x in imp]), ".4f")]
                    for k, label in keys
                ],
            ),
            "",
            "Proteins used: best completion "
            + ", ".join(str(x["best_columns"]) for x in imp)
            + "; best from <= 45: "
            + ", ".join(str(x["columns_45"]) for x in imp)
            + ". Soft-Impute's choice: "
            + "; ".join(f"rank {x['soft_choice']['rank']}, lambda {x['soft_choice']['lambda']:.3g}" for x in imp)
            + ".",
            "",
            md_table(
                ["cost (median over seeds)", "epochs", "seconds"],
                [
                    ["one dense fit (Alg. 5, round 1)", med("round1_epochs"), fmt(med("round1_s"), ".1f")],
                    ["Alg. 5, all rounds", med("rounds_epochs"), fmt(med("rounds", "timing"), ".1f")],
                    ["the path after the dense fit", med("path_epochs"), fmt(med("path", "timing"), ".1f")],
                    [f"refits (model-epochs; {med('refits')} models in one batch)", med("refit_model_epochs"), "-"],
                    ["lassonet_impute in all", "-", fmt(med("total_s"), ".1f")],
                    ["Soft-Impute with its validation grid", "-", fmt(med("soft_s"), ".1f")],
                ],
            ),
            "",
        ]  # fmt: skip
    if rr := res.get("relax"):
        parts += [
            "### Relaxed refit at k = 50 (Table 1 protocol, hidden size on validation)",
            "",
            md_table(
                ["data", "seed", "k", "hidden chosen", "test accuracy (refit)", "path network",
                 "paper", "path s", "refits s"],
                [
                    [x["data"], x["seed"], x["k"], x["hidden"], fmt(x["test_accuracy"], ".3f"),
                     fmt(x["path_accuracy"], ".3f"), x["paper"], fmt(x["path_s"], ".1f"),
                     fmt(x["relax_s"], ".1f")]
                    for x in rr
                ],
            ),
            "",
        ]  # fmt: skip
    return "\n".join(parts).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    return common.script_main(__doc__, add_args, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
