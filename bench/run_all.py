"""Run every side-by-side benchmark (lassonetpy vs the official ``lassonet`` 0.0.21), print the
tables, write ``BENCHMARKS.md`` at the repo root and the raw JSON to ``bench/results/``.

    ./run bench                       # the full run: 3 seeds, 31 prox samples, 10-fold CV
                                      # (the official 10-fold CV alone takes ~7 min per seed)
    ./run bench --quick               # smoke run: 1 seed, 7 prox samples, 3-fold CV
    ./run bench --skip cv             # everything but the (long) CV benchmark
    ./run bench --skip path prox cv batch cox paper2   # only the scaling / memory / FLOP-rate benchmark
    ./run bench --skip path prox cv batch cox scale    # only the paper's second half (bench_paper2)
    ./run bench --threads 1 --seeds 0 1 2 3 4

Numbers are ratios measured in the same run, on the same machine, with the same thread
setting; the machine's quietness (CPU used by other processes meanwhile) is recorded with them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_batch  # noqa: E402
import bench_counts  # noqa: E402
import bench_cox  # noqa: E402
import bench_cv  # noqa: E402
import bench_paper2  # noqa: E402
import bench_path  # noqa: E402
import bench_prox  # noqa: E402
import bench_scale  # noqa: E402
import bench_threads  # noqa: E402
import common  # noqa: E402
from common import Timer, fmt, md_table, quietness_label  # noqa: E402


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=common.summary_line(__doc__))
    common.add_common_args(p)
    bench_path.add_args(p)
    bench_prox.add_args(p)
    bench_cv.add_args(p, standalone=False)
    bench_scale.add_args(p)
    bench_batch.add_args(p)
    bench_threads.add_args(p)
    bench_counts.add_args(p)
    bench_cox.add_args(p)
    bench_paper2.add_args(p)
    p.add_argument(
        "--skip",
        nargs="+",
        choices=["path", "prox", "cv", "batch", "scale", "cox", "paper2", "threads", "counts"],
        default=[],
        help="benchmarks to leave out",
    )
    p.add_argument(
        "--md",
        type=Path,
        default=common.REPO_ROOT / "BENCHMARKS.md",
        help="Markdown report to write (default: BENCHMARKS.md at the repo root)",
    )
    p.add_argument("--no-md", action="store_true", help="do not write the Markdown report")
    p.add_argument(
        "--render",
        type=Path,
        default=None,
        metavar="JSON",
        help="run nothing: rebuild the tables and the report from a saved bench/results JSON",
    )
    return p.parse_args(argv)


def render(path: Path) -> dict[str, Any]:
    """Reload a saved run and rebuild its tables with the current formatting code."""
    import json

    out = json.loads(path.read_text())
    if "path" in out:
        out["path"]["summary"] = bench_path.summarize(out["path"]["runs"])
        out["path"]["markdown"] = bench_path.to_markdown(out["path"])
    if "prox" in out:
        out["prox"]["markdown"] = bench_prox.to_markdown(out["prox"])
    if "cv" in out:
        out["cv"]["summary"] = bench_cv.summarize(out["cv"]["runs"])
        out["cv"]["markdown"] = bench_cv.to_markdown(out["cv"])
    if "scale" in out:
        out["scale"]["markdown"] = bench_scale.to_markdown(out["scale"])
    if "batch" in out:
        out["batch"]["markdown"] = bench_batch.to_markdown(out["batch"])
    if "threads" in out:
        out["threads"]["markdown"] = bench_threads.to_markdown(out["threads"])
    if "counts" in out:
        out["counts"]["markdown"] = bench_counts.to_markdown(out["counts"])
    if "cox" in out:
        out["cox"]["summary"] = bench_cox.summarize(out["cox"]["runs"])
        out["cox"]["markdown"] = bench_cox.to_markdown(out["cox"])
    if "paper2" in out:
        out["paper2"]["markdown"] = bench_paper2.to_markdown(out["paper2"])
    return out


def command_line(argv: list[str]) -> str:
    if os.environ.get("LASSONETPY_BENCH_VIA_RUN"):
        return "./run bench " + shlex.join(argv) if argv else "./run bench"
    return "python bench/run_all.py " + shlex.join(argv) if argv else "python bench/run_all.py"


def targets(res: dict[str, Any]) -> str:
    """Issue 5's required figures, each with the value of this run and whether it is met."""
    rows: list[list[str]] = []

    def verdict(ok: bool | None) -> str:
        return "-" if ok is None else ("**met**" if ok else "**not met**")

    if "path" in res:
        s = res["path"]["summary"]
        r = s["ratio"]["median"]
        a_o = s[bench_path.OFFICIAL]["acc50"]["median"]
        a_u = s[bench_path.OURS]["acc50"]["median"]
        ok = None if r is None or a_o is None or a_u is None else (r >= 30 and a_u >= a_o)
        rows.append(
            [
                "MICE whole path: >= 30x faster, equal or better test accuracy at 50 features",
                f"{fmt(r, '.1f')}x; accuracy {fmt(a_u, '.3f')} vs {fmt(a_o, '.3f')}",
                verdict(ok),
            ]
        )
        u = s[bench_path.OURS]
        pd_, pe = u["path_over_dense_s"]["median"], u["path_over_dense_epochs"]["median"]
        ld = u.get("lambdas_over_dense_s", {}).get("median")
        le = u.get("lambdas_over_dense_epochs", {}).get("median")
        rows.append(
            [
                "path cost / dense fit alone: at most 3 (the lambda path after the dense fit)",
                f"{fmt(ld, '.2f')} in time, {fmt(le, '.2f')} in epochs",
                verdict(None if ld is None else ld <= 3),
            ]
        )
        rows.append(
            [
                "  the same, counting the dense fit in the path (whole call / dense fit alone)",
                f"{fmt(pd_, '.2f')} in time, {fmt(pe, '.2f')} in epochs",
                verdict(None if pd_ is None else pd_ <= 3),
            ]
        )
    if "cv" in res:
        r = res["cv"]["summary"]["ratio"]["median"]
        rows.append(
            [
                "10-fold CV vs LassoNetClassifierCV(cv=10): >= 50x faster",
                f"{fmt(r, '.1f')}x",
                verdict(None if r is None else r >= 50),
            ]
        )
    if "prox" in res:
        big = [x for x in res["prox"]["rows"] if x["d"] == 5000 and x["K"] == 1000]
        r = big[0].get("ratio") if big else None
        rows.append(
            [
                "Hier-Prox at (5000, 1000): >= 10x faster than lassonet.prox.prox",
                f"{fmt(r, '.1f')}x",
                verdict(None if r is None else r >= 10),
            ]
        )
    if "cox" in res:
        s = res["cox"]["summary"]
        r = s["ratio"]["median"]
        c_o = s[bench_cox.OFFICIAL]["test_c"]["median"]
        c_u = s[bench_cox.OURS]["test_c"]["median"]
        ok = None if r is None or c_o is None or c_u is None else (r >= 30 and c_u >= c_o)
        rows.append(
            [
                "GBSG2 Cox path vs LassoNetCoxRegressor: >= 30x faster, equal or better test "
                "C-index at the chosen lambda (issue 11)",
                f"{fmt(r, '.1f')}x; C-index {fmt(c_u, '.3f')} vs {fmt(c_o, '.3f')}",
                verdict(ok),
            ]
        )
    if "threads" in res:
        r = res["threads"]["rows"][0]["ratio"]
        rows.append(
            [
                "MICE path beside one busy process, default threads: at most 1.5x quiet (issue 9)",
                f"{fmt(r, '.2f')}x",
                verdict(None if r is None else r <= 1.5),
            ]
        )
    if "counts" in res:
        c = res["counts"]
        r = c["ratio"]
        unconv = c["rows"][1]["unconverged"]
        rows.append(
            [
                "RAND doctor visits: poisson path converged everywhere, at most 3x the gaussian "
                "path (issue 9)",
                f"{fmt(r, '.2f')}x in time, {fmt(c['epochs_ratio'], '.2f')}x in epochs; "
                f"{unconv} not converged",
                verdict(None if r is None else (r <= 3 and unconv == 0)),
            ]
        )
    if not rows:
        return ""
    return md_table(["target (issues 5, 9, 11)", "this run (medians)", ""], rows)


def report(res: dict[str, Any]) -> str:
    env, meta = res["environment"], res["meta"]
    q = meta["others_cpu"]
    banner = []
    if meta["quick"]:
        banner.append("**QUICK SMOKE RUN (`--quick`): one seed, few samples; not final figures.**")
    if q is None or q > 0.02:
        banner.append(
            f"**The machine was not quiet during this run (others' CPU {fmt(q, '.2f')}: "
            f"{quietness_label(q)}). Ratios are still same-run comparisons, but "
            "contention does not slow both packages alike; rerun on a quiet machine "
            "for final figures.**"
        )
    lines = ["# Benchmarks: lassonetpy vs the official lassonet", ""]
    if banner:
        lines += ["> " + b for b in banner] + [""]
    lines += [
        "Both packages run in the same process, in the same run, on the same data, with the same "
        "torch thread setting; the figures that matter are the ratios (official time / "
        "lassonetpy time: above 1 means lassonetpy is faster). How to run and what each number "
        "means: [bench/README.md](bench/README.md). Anchor figures for the official package on "
        "this kind of machine: `official-baseline.md` (MICE path with hidden (100,): 39.0 s, "
        "260 steps, 7037 epochs, accuracy at 50 features 0.903).",
        "",
        "## Run",
        "",
        md_table(
            ["", ""],
            [
                ["date", meta["date"]],
                [
                    "machine",
                    f"{env['cpu']} ({', '.join(env['cpu_flags']) or 'no AVX2 flags'}); "
                    f"{env['cores_usable']} usable cores of {env['cores_online']}; "
                    f"{env['mem_gib']} GiB RAM",
                ],
                ["python", env["python"]],
                ["torch", env["torch"]],
                ["lassonet (official)", env["lassonet"]],
                ["lassonetpy", env["lassonetpy"]],
                ["numpy / scikit-learn", f"{env['numpy']} / {env['scikit-learn']}"],
                [
                    "threads",
                    f"torch intra-op {meta['threads']['intra_op']}, inter-op "
                    f"{meta['threads']['inter_op']} (both packages)",
                ],
                [
                    "quietness",
                    f"others' CPU {fmt(q, '.2f')} over the whole run "
                    f"({quietness_label(q)}); before the run "
                    f"{fmt(meta['before']['others_cpu'], '.2f')}, "
                    f"load average {', '.join(f'{x:.2f}' for x in meta['before']['loadavg'])}",
                ],
                ["total wall time", f"{meta['wall_s']:.0f} s"],
                ["command", f"`{meta['command']}`"],
                ["raw results", f"`{meta['json']}`"],
            ],
        ),
        "",
    ]
    if tg := targets(res):
        lines += ["## Targets", "", tg, ""]
    if "path" in res:
        lines += ["## MICE protein: the whole path", "", res["path"]["markdown"], ""]
    if "prox" in res:
        lines += ["## Hier-Prox alone", "", res["prox"]["markdown"], ""]
    if "cv" in res:
        lines += [
            "## MICE protein: cross-validation (cv_lassonet vs LassoNetClassifierCV)",
            "",
            res["cv"]["markdown"],
            "",
        ]
    if "cox" in res:
        lines += [
            "## GBSG2 survival: the whole Cox path (lassonetpy vs LassoNetCoxRegressor)",
            "",
            res["cox"]["markdown"],
            "",
        ]
    if "batch" in res:
        lines += [
            "## Batching: one fit of B models against a loop of B fits (lassonetpy alone)",
            "",
            res["batch"]["markdown"],
            "",
        ]
    if "threads" in res:
        lines += [
            "## A busy neighbour: threads (lassonetpy alone)",
            "",
            res["threads"]["markdown"],
            "",
        ]
    if "counts" in res:
        lines += [
            "## A long-tailed count response: poisson against gaussian (lassonetpy alone)",
            "",
            res["counts"]["markdown"],
            "",
        ]
    if "scale" in res:
        lines += [
            "## Scaling, memory and FLOP rate (lassonetpy alone)",
            "",
            *([f"*{res['scale']['note']}*", ""] if res["scale"].get("note") else []),
            res["scale"]["markdown"],
            "",
        ]
    if "paper2" in res:
        lines += [
            "## The paper's second half: unsupervised selection, matrix completion, refit "
            "(lassonetpy alone)",
            "",
            res["paper2"]["markdown"],
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    if args.render:
        md = report(render(args.render))
        print(md)
        if not args.no_md:
            args.md.write_text(md)
            print(f"[run_all] wrote {args.md} from {args.render}", file=sys.stderr)
        return 0
    threads = common.set_threads(args.threads)
    before = common.probe_quietness(1.0)
    print(
        f"[run_all] threads {threads}; machine before the run: others' CPU "
        f"{fmt(before['others_cpu'], '.2f')}, load {before['loadavg']}",
        file=sys.stderr,
    )
    stamp = dt.datetime.now(dt.timezone.utc)
    out: dict[str, Any] = {"environment": common.environment()}
    with Timer() as total:
        if "path" not in args.skip:
            out["path"] = bench_path.run(args)
        if "prox" not in args.skip:
            out["prox"] = bench_prox.run(args)
        if "cv" not in args.skip:
            out["cv"] = bench_cv.run(args)
        if "batch" not in args.skip:
            out["batch"] = bench_batch.run(args)
        if "cox" not in args.skip:
            out["cox"] = bench_cox.run(args)
        if "scale" not in args.skip:
            out["scale"] = bench_scale.run(args)
        if "paper2" not in args.skip:
            out["paper2"] = bench_paper2.run(args)
        if "threads" not in args.skip:
            out["threads"] = bench_threads.run(args)
        if "counts" not in args.skip:
            out["counts"] = bench_counts.run(args)
    name = f"bench-{stamp.strftime('%Y%m%d-%H%M%S')}{'-quick' if args.quick else ''}.json"
    json_path = common.RESULTS_DIR / name
    out["meta"] = {
        "date": stamp.strftime("%Y-%m-%d %H:%M UTC"),
        "command": command_line(argv),
        "argv": argv,
        "quick": args.quick,
        "threads": threads,
        "before": before,
        "others_cpu": total.others_cpu,
        "steal": total.steal,
        "wall_s": total.wall,
        "json": str(json_path.relative_to(common.REPO_ROOT)),
    }
    common.write_json(out, json_path)
    if args.json:
        common.write_json(out, args.json)
    md = report(out)
    print(md)
    if not args.no_md:
        args.md.write_text(md)
        print(f"[run_all] wrote {args.md} and {json_path}", file=sys.stderr)
    else:
        print(f"[run_all] wrote {json_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
