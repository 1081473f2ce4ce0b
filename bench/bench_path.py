"""MICE protein, whole LassoNet path: official ``lassonet`` 0.0.21 vs ``lassonetpy`` side by side.

Official: ``LassoNetClassifier(hidden_dims=(100,), M=10, torch_seed=seed, random_state=seed,
verbose=0).path(Xtr, ytr, X_val=Xva, y_val=yva, return_state_dicts=True)``, defaults otherwise.
Ours: ``lassonetpy.engine.fit_path(Xtr, ytr, family="multinomial", hidden=(100,), M=10,
seed=seed, verbose=False)``.

Both run in this process, with the same torch thread setting, alternating which package goes
first from one seed to the next. Reported per package and seed: wall time of the path call,
number of lambda steps (dense fit excluded), total epochs (dense fit included), test accuracy of
the dense model and of the path model with 50 selected features (the step with the most
features not exceeding 50; the first such step), and the time ratio official / ours.

Run alone:  python bench/bench_path.py [--seeds 0 1 2] [--threads 2] [--quick] [--only ours]
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import Timer, fmt, fmt_range, md_table, mmm  # noqa: E402

TARGET_FEATURES = 50
OFFICIAL = "official lassonet"
OURS = "lassonetpy"


def add_args(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=None,
        help="model seeds (torch_seed = random_state = seed); default 0 1 2 (0 with --quick)",
    )
    p.add_argument("--hidden", type=int, nargs="+", default=[100], help="hidden layer sizes")
    p.add_argument("--M", type=float, default=10.0, help="hierarchy multiplier")
    p.add_argument(
        "--split-seed",
        type=int,
        default=0,
        help="seed of the 70/10/20 split (the baseline used 0 for every model seed)",
    )
    p.add_argument(
        "--only",
        choices=["both", "official", "ours"],
        default="both",
        help="run only one side (e.g. iterate on lassonetpy without the 40 s official path)",
    )
    return p


def pick_step(n_selected: list[int], target: int = TARGET_FEATURES) -> int | None:
    """Index of the first path step whose count is the largest value <= target."""
    ok = [s for s in n_selected if s <= target]
    if not ok:
        return None
    best = max(ok)
    return n_selected.index(best)


# ---------------------------------------------------------------------------------------------
# official lassonet
# ---------------------------------------------------------------------------------------------


def run_official(
    data: common.Split, seed: int, hidden: tuple[int, ...], M: float
) -> dict[str, Any]:
    from lassonet import LassoNetClassifier
    from lassonet import model as lmodel

    clf = LassoNetClassifier(hidden_dims=hidden, M=M, torch_seed=seed, random_state=seed, verbose=0)
    marks: dict[str, float] = {}
    ls_time = [0.0]
    orig_lambda_start = lmodel.LassoNet.lambda_start

    def timed_lambda_start(self, *a, **k):  # ~1 µs overhead, called once per path
        t0 = time.perf_counter()
        try:
            return orig_lambda_start(self, *a, **k)
        finally:
            ls_time[0] += time.perf_counter() - t0

    def callback(_model, _hist):  # first call = end of the dense fit
        marks.setdefault("dense_end", time.perf_counter())

    lmodel.LassoNet.lambda_start = timed_lambda_start
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with Timer() as t:
                t_start = time.perf_counter()
                hist = clf.path(
                    data.Xtr,
                    data.ytr,
                    X_val=data.Xva,
                    y_val=data.yva,
                    return_state_dicts=True,
                    callback=callback,
                )
    finally:
        lmodel.LassoNet.lambda_start = orig_lambda_start

    # evaluation: outside the timed region
    def acc_at(i: int) -> float:
        clf.load(hist[i].state_dict)
        return float(np.mean(clf.predict(data.Xte) == data.yte))

    n_sel = [int(h.selected.sum()) for h in hist]
    i50 = pick_step(n_sel)
    return {
        "package": OFFICIAL,
        "seed": seed,
        "ok": True,
        **{k: v for k, v in t.as_dict().items()},
        "dense_s": marks.get("dense_end", float("nan")) - t_start,
        "path_s": t.wall - (marks.get("dense_end", float("nan")) - t_start),
        "lambda_start_s": ls_time[0],
        "lambda_start": float(getattr(clf, "lambda_start_", float("nan"))),
        "lambda_steps": len(hist) - 1,
        "epochs_total": int(sum(h.n_iters for h in hist)),
        "epochs_dense": int(hist[0].n_iters),
        "acc_dense": acc_at(0),
        "step50": i50,
        "selected50": None if i50 is None else n_sel[i50],
        "lambda50": None if i50 is None else float(hist[i50].lambda_),
        "acc50": None if i50 is None else acc_at(i50),
        "first_drop_lambda": next(
            (float(h.lambda_) for h in hist[1:] if int(h.selected.sum()) < data.Xtr.shape[1]), None
        ),
        "warnings": [str(w.message)[:200] for w in caught],
        "validation": "explicit (X_val, y_val)",
    }


# ---------------------------------------------------------------------------------------------
# lassonetpy
# ---------------------------------------------------------------------------------------------


def load_ours():
    """Return (fit_path, None) or (None, reason)."""
    try:
        from lassonetpy.engine import fit_path  # type: ignore[attr-defined]
    except Exception as e:  # ImportError, or anything the module raises at import
        return None, f"lassonetpy engine not available ({type(e).__name__}: {e})"
    return fit_path, None


def run_ours(
    fit_path, data: common.Split, seed: int, hidden: tuple[int, ...], M: float
) -> dict[str, Any]:
    kwargs: dict[str, Any] = dict(
        family="multinomial", hidden=hidden, M=M, seed=seed, verbose=False
    )
    kwargs.update(common.same_threads(fit_path))
    # If the engine accepts explicit validation data, give it the same 10 % part as the
    # official package (its early stopping looks at it); otherwise it decides by itself.
    try:
        params = set(inspect.signature(fit_path).parameters)
    except (TypeError, ValueError):
        params = set()
    if "X_val" in params and "y_val" in params:
        kwargs.update(X_val=data.Xva, y_val=data.yva)
        validation = "explicit (X_val, y_val)"
    else:
        validation = "engine's own (no X_val argument)"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with Timer() as t:
                res = fit_path(data.Xtr, data.ytr, **kwargs)
    except Exception as e:
        return {
            "package": OURS,
            "seed": seed,
            "ok": False,
            "error": f"{type(e).__name__}: {e}",
            "traceback": traceback.format_exc(),
        }

    dense_alone = None
    if "phase" in params:  # the same call asked for the dense fit only
        with Timer() as td:
            fit_path(data.Xtr, data.ytr, phase="dense", **kwargs)
        dense_alone = td.wall
    out: dict[str, Any] = {
        "package": OURS,
        "seed": seed,
        "ok": True,
        "dense_alone_s": dense_alone,
        **t.as_dict(),
        "validation": validation,
        "warnings": [str(w.message)[:200] for w in caught],
    }
    try:
        lambdas = np.asarray(res.lambdas, dtype=float)
        n_sel = [int(s) for s in np.asarray(res.n_selected)[0]]
        epochs = np.asarray(res.epochs)[0]
        classes = np.asarray(res.classes)
        timing = {
            k: float(v)
            for k, v in dict(getattr(res, "timing", {}) or {}).items()
            if isinstance(v, (int, float, np.floating))
        }

        def acc_at(i: int) -> float:
            eta = np.asarray(res.predict(data.Xte, index=i, model=0))
            pred = classes[np.argmax(eta, axis=1)]
            return float(np.mean(pred == data.yte))

        i50 = pick_step(n_sel)
        out.update(
            {
                "timing": timing,
                "dense_s": timing.get("dense"),
                "path_s": timing.get("path"),
                "lambda_steps": len(lambdas) - 1,
                "epochs_total": int(epochs.sum()),
                "epochs_dense": int(epochs[0]),
                "acc_dense": acc_at(0),
                "step50": i50,
                "selected50": None if i50 is None else n_sel[i50],
                "lambda50": None if i50 is None else float(lambdas[i50]),
                "acc50": None if i50 is None else acc_at(i50),
                "lambda_start": float(lambdas[1]) if len(lambdas) > 1 else None,
                "first_drop_lambda": next(
                    (
                        float(lambdas[i])
                        for i in range(1, len(lambdas))
                        if n_sel[i] < data.Xtr.shape[1]
                    ),
                    None,
                ),
            }
        )
    except Exception as e:
        out.update(
            {
                "ok": False,
                "error": f"reading the result failed: {type(e).__name__}: {e}",
                "traceback": traceback.format_exc(),
            }
        )
    return out


# ---------------------------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------------------------


def _log(msg: str) -> None:
    print(f"[bench_path] {msg}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    threads = common.set_threads(args.threads)
    seeds = args.seeds if args.seeds else ([0] if args.quick else [0, 1, 2])
    hidden = tuple(args.hidden)
    data = common.load_mice(args.split_seed)
    common.torch_warmup()
    fit_path, unavailable = (None, None)
    if args.only in ("both", "ours"):
        fit_path, unavailable = load_ours()
        if unavailable:
            _log(unavailable)
    runs: list[dict[str, Any]] = []
    with Timer() as total:
        for n, seed in enumerate(seeds):
            order = [OFFICIAL, OURS] if n % 2 == 0 else [OURS, OFFICIAL]
            for pkg in order:
                if pkg == OFFICIAL and args.only in ("both", "official"):
                    _log(f"official lassonet path, seed {seed} ...")
                    try:
                        r = run_official(data, seed, hidden, args.M)
                    except Exception as e:  # not installed, or the fit itself failed
                        r = {
                            "package": OFFICIAL,
                            "seed": seed,
                            "ok": False,
                            "error": f"{type(e).__name__}: {e}",
                            "traceback": traceback.format_exc(),
                        }
                elif pkg == OURS and args.only in ("both", "ours"):
                    if fit_path is None:
                        r = {"package": OURS, "seed": seed, "ok": False, "error": unavailable}
                    else:
                        _log(f"lassonetpy path, seed {seed} ...")
                        r = run_ours(fit_path, data, seed, hidden, args.M)
                else:
                    continue
                if r.get("ok"):
                    _log(
                        f"  {pkg} seed {seed}: {r['wall_s']:.2f} s, {r['lambda_steps']} steps, "
                        f"{r['epochs_total']} epochs, acc dense {r['acc_dense']:.3f}, "
                        f"acc@{r['selected50']} {fmt(r['acc50'])}, others' CPU "
                        f"{fmt(r['others_cpu'], '.2f')}"
                    )
                else:
                    _log(f"  {pkg} seed {seed}: {r.get('error')}")
                runs.append(r)
    result = {
        "benchmark": "mice_path",
        "config": {
            "hidden": list(hidden),
            "M": args.M,
            "seeds": seeds,
            "split_seed": args.split_seed,
            "threads": threads,
            "split": data.shapes(),
            "target_features": TARGET_FEATURES,
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
    summ: dict[str, Any] = {}
    for r in runs:  # the paper's claim: the whole path costs about as much as the dense fit
        if r.get("ok") and r.get("dense_s") and r.get("epochs_dense"):
            # dense fit alone: the same call asked for the dense fit only (ours), else the
            # dense-fit phase of the path call (official: up to its first callback)
            dense = r.get("dense_alone_s") or r["dense_s"]
            r["path_over_dense_s"] = r["wall_s"] / dense
            # the lambda path alone (everything after the dense fit) against the dense fit
            r["lambdas_over_dense_s"] = (r["wall_s"] - dense) / dense
            r["lambdas_over_dense_epochs"] = (r["epochs_total"] - r["epochs_dense"]) / r[
                "epochs_dense"
            ]
            r["path_over_dense_epochs"] = r["epochs_total"] / r["epochs_dense"]
    keys = [
        "path_over_dense_s",
        "path_over_dense_epochs",
        "lambdas_over_dense_s",
        "lambdas_over_dense_epochs",
        "wall_s",
        "dense_s",
        "path_s",
        "lambda_start_s",
        "lambda_steps",
        "epochs_total",
        "epochs_dense",
        "acc_dense",
        "acc50",
        "selected50",
        "lambda_start",
        "first_drop_lambda",
        "others_cpu",
    ]
    for pkg in (OFFICIAL, OURS):
        ok = [r for r in runs if r["package"] == pkg and r.get("ok")]
        summ[pkg] = {"n_ok": len(ok), **{k: mmm([r.get(k) for r in ok]) for k in keys}}
        bad = [r for r in runs if r["package"] == pkg and not r.get("ok")]
        summ[pkg]["errors"] = sorted({str(r.get("error")) for r in bad})
        summ[pkg]["n_runs"] = len(ok) + len(bad)
    ratios = []
    for r in runs:
        if r["package"] != OFFICIAL or not r.get("ok"):
            continue
        o = next(
            (x for x in runs if x["package"] == OURS and x["seed"] == r["seed"] and x.get("ok")),
            None,
        )
        if o and o["wall_s"] > 0:
            ratios.append({"seed": r["seed"], "ratio": r["wall_s"] / o["wall_s"]})
    summ["ratio_per_seed"] = ratios
    summ["ratio"] = mmm([x["ratio"] for x in ratios])
    return summ


def to_markdown(result: dict[str, Any]) -> str:
    s = result["summary"]
    cfg = result["config"]
    o, u = s[OFFICIAL], s[OURS]
    n = max(o["n_ok"], u["n_ok"], 1)

    def cell(pkg_s: dict[str, Any], key: str, spec: str) -> str:
        if pkg_s["n_ok"] == 0:
            return "n/a (see below)" if pkg_s["errors"] else "not run"
        return fmt_range(pkg_s[key], spec, n)

    def ratio_of(key: str) -> str:
        a, b = o[key]["median"], u[key]["median"]
        if a is None or b is None or b == 0:
            return "-"
        return f"{a / b:.2f}"

    rows = [
        [
            "**wall time of the path (s)**",
            cell(o, "wall_s", ".1f"),
            cell(u, "wall_s", ".2f"),
            fmt_range(s["ratio"], ".2f", len(s["ratio_per_seed"])) + " ×"
            if s["ratio"]["median"] is not None
            else "-",
        ],
        [
            "  of which dense fit (s)",
            cell(o, "dense_s", ".2f"),
            cell(u, "dense_s", ".2f"),
            ratio_of("dense_s"),
        ],
        [
            "  of which after the dense fit (s)",
            cell(o, "path_s", ".1f"),
            cell(u, "path_s", ".2f"),
            ratio_of("path_s"),
        ],
        ["  of which lambda_start search (s)", cell(o, "lambda_start_s", ".1f"), "-", ""],
        [
            "**whole path / dense fit alone: time** (issue target: at most 3)",
            cell(o, "path_over_dense_s", ".2f"),
            cell(u, "path_over_dense_s", ".2f"),
            "",
        ],
        [
            "whole path / dense fit: epochs",
            cell(o, "path_over_dense_epochs", ".2f"),
            cell(u, "path_over_dense_epochs", ".2f"),
            "",
        ],
        [
            "lambda path after the dense fit / dense fit alone: time",
            cell(o, "lambdas_over_dense_s", ".2f"),
            cell(u, "lambdas_over_dense_s", ".2f"),
            "",
        ],
        [
            "lambda path after the dense fit / dense fit: epochs",
            cell(o, "lambdas_over_dense_epochs", ".2f"),
            cell(u, "lambdas_over_dense_epochs", ".2f"),
            "",
        ],
        [
            "lambda steps (dense fit excluded)",
            cell(o, "lambda_steps", ".0f"),
            cell(u, "lambda_steps", ".0f"),
            "",
        ],
        [
            "total epochs (dense fit included)",
            cell(o, "epochs_total", ".0f"),
            cell(u, "epochs_total", ".0f"),
            "",
        ],
        ["  dense-fit epochs", cell(o, "epochs_dense", ".0f"), cell(u, "epochs_dense", ".0f"), ""],
        [
            "first lambda after the dense fit",
            cell(o, "lambda_start", ".3g"),
            cell(u, "lambda_start", ".3g"),
            "",
        ],
        [
            "lambda where the first feature leaves",
            cell(o, "first_drop_lambda", ".3g"),
            cell(u, "first_drop_lambda", ".3g"),
            "",
        ],
        [
            "test accuracy, dense model (77 features)",
            cell(o, "acc_dense", ".3f"),
            cell(u, "acc_dense", ".3f"),
            "",
        ],
        [
            f"test accuracy, path model at <= {TARGET_FEATURES} features",
            cell(o, "acc50", ".3f"),
            cell(u, "acc50", ".3f"),
            "",
        ],
        [
            "  features selected at that step",
            cell(o, "selected50", ".0f"),
            cell(u, "selected50", ".0f"),
            "",
        ],
        [
            "others' CPU during the runs (0 = quiet)",
            cell(o, "others_cpu", ".2f"),
            cell(u, "others_cpu", ".2f"),
            "",
        ],
    ]
    head = (
        f"MICE protein whole path, hidden {tuple(cfg['hidden'])}, M={cfg['M']:g}, "
        f"seeds {cfg['seeds']}, {cfg['threads']['intra_op']} threads; "
        f"split {cfg['split']['train']}/{cfg['split']['val']}/{cfg['split']['test']} "
        f"(seed {cfg['split_seed']}). Median [min–max] over seeds."
    )
    table = md_table(["", "official lassonet 0.0.21", "lassonetpy", "official / lassonetpy"], rows)
    per_seed = []
    for seed in cfg["seeds"]:
        ro = next(
            (r for r in result["runs"] if r["package"] == OFFICIAL and r["seed"] == seed), None
        )
        ru = next((r for r in result["runs"] if r["package"] == OURS and r["seed"] == seed), None)

        def w(r):
            return fmt(r["wall_s"], ".2f") if r and r.get("ok") else "-"

        rat = next((x["ratio"] for x in s["ratio_per_seed"] if x["seed"] == seed), None)
        per_seed.append(
            [
                seed,
                w(ro),
                w(ru),
                fmt(rat, ".2f"),
                fmt(ro.get("others_cpu"), ".2f") if ro and ro.get("ok") else "-",
                fmt(ru.get("others_cpu"), ".2f") if ru and ru.get("ok") else "-",
            ]
        )
    t2 = md_table(
        [
            "seed",
            "official s",
            "lassonetpy s",
            "ratio",
            "others' CPU (official)",
            "others' CPU (lassonetpy)",
        ],
        per_seed,
    )
    notes = []
    for name, pkg_s in ((OFFICIAL, o), (OURS, u)):
        for err in pkg_s["errors"]:
            k = sum(
                1 for r in result["runs"] if r["package"] == name and str(r.get("error")) == err
            )
            notes.append(f"**{name}: {err}** ({k} of {pkg_s['n_runs']} runs)")
    ours_ok = [r for r in result["runs"] if r["package"] == OURS and r.get("ok")]
    if ours_ok:
        notes.append(
            f"lassonetpy early stopping: {ours_ok[0]['validation']}; official: explicit "
            "(X_val, y_val)."
        )
    return f"{head}\n\n{table}\n\nPer seed (wall time of the path call):\n\n{t2}\n" + (
        "\n" + "\n\n".join(notes) + "\n" if notes else ""
    )


def main(argv: list[str] | None = None) -> int:
    return common.script_main(__doc__, add_args, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
