"""Paired comparison of two kstate revisions on one benchmark.

    PYTHONPATH=. python benchmarks/compare.py REV_A REV_B [--runs 5] [--callgrind] \
        -- scale.py --nodes 5000 --pods 150000 --seed 0

Checks both revisions out into temporary git worktrees, then runs the
benchmark script (given after `--`, a file of benchmarks/ in the revision
being measured; if REV lacks it, this checkout's copy is used) for A and B in
turn — A B A B … — so that drift in a shared machine's speed falls on both
alike, and prints one JSON object: each run's figures, the medians, and the
ratio A/B of every pair with its median. The ratio of pairs is the figure to
quote on a noisy machine; single wall times are not.

`--metric FIELD` compares another field of the benchmark's JSON (`cpu_seconds`
when other jobs share the machine). `--callgrind` counts instructions instead (valgrind --tool=callgrind, where
installed): repeatable to a fraction of a per cent whatever else the machine
does, so it shows small deltas that timings cannot — keep the benchmark
small (a few thousand pods), callgrind runs ~50× slower.

Revisions are anything git understands (`main`, a hash, `HEAD~3`); `.` is the
working tree as it is. Worktrees are removed at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def _checkout(rev: str, into: str) -> str:
    if rev == ".":
        return ROOT
    path = os.path.join(into, re.sub(r"[^A-Za-z0-9_.-]", "_", rev))
    _git("worktree", "add", "--detach", "--force", path, rev)
    return path


def _script(tree: str, name: str) -> str:
    own = os.path.join(tree, "benchmarks", name)
    return own if os.path.exists(own) else os.path.join(ROOT, "benchmarks", name)


def _run(tree: str, argv: list[str], callgrind: bool) -> dict:
    env = dict(os.environ, PYTHONPATH=tree)
    cmd = [sys.executable, _script(tree, argv[0]), *argv[1:]]
    if callgrind:
        out_file = tempfile.mktemp(prefix="kstate-callgrind-")
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", *cmd]
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark failed in {tree}:\n{proc.stderr[-2000:]}")
    figures: dict = {}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            figures = json.loads(line)
    if callgrind:
        m = re.search(r"Collected : (\d+)", proc.stderr)
        figures = {"instructions": int(m.group(1)) if m else None, **figures}
        os.unlink(out_file)
    return figures


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" not in argv:
        raise SystemExit("usage: compare.py REV_A REV_B [--runs N] [--callgrind | --metric FIELD] -- SCRIPT [ARGS...]")
    cut = argv.index("--")
    ap = argparse.ArgumentParser(prog="compare.py")
    ap.add_argument("rev_a")
    ap.add_argument("rev_b")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--metric", default="wall_seconds",
                    help="the benchmark's JSON field to compare (cpu_seconds suits a machine other jobs share)")
    args = ap.parse_args(argv[:cut])
    bench = argv[cut + 1:]
    if args.callgrind and shutil.which("valgrind") is None:
        raise SystemExit("--callgrind needs valgrind")
    metric = "instructions" if args.callgrind else args.metric
    tmp = tempfile.mkdtemp(prefix="kstate-compare-")
    trees = {}
    try:
        trees = {"a": _checkout(args.rev_a, tmp), "b": _checkout(args.rev_b, tmp)}
        runs: dict[str, list] = {"a": [], "b": []}
        for _ in range(args.runs):
            for side in ("a", "b"):
                runs[side].append(_run(trees[side], bench, args.callgrind))
        values = {side: [r.get(metric) for r in runs[side]] for side in runs}
        ratios = [a / b for a, b in zip(values["a"], values["b"]) if a is not None and b]
        print(json.dumps({
            "benchmark": "compare", "command": bench, "metric": metric, "runs": args.runs,
            "a": {"rev": args.rev_a, "commit": _git("rev-parse", "--short", args.rev_a) if args.rev_a != "." else ".",
                  "values": values["a"], "median": statistics.median(values["a"])},
            "b": {"rev": args.rev_b, "commit": _git("rev-parse", "--short", args.rev_b) if args.rev_b != "." else ".",
                  "values": values["b"], "median": statistics.median(values["b"])},
            "ratio_a_over_b": {"pairs": [round(r, 4) for r in ratios], "median": round(statistics.median(ratios), 4),
                               "min": round(min(ratios), 4), "max": round(max(ratios), 4)},
        }))
    finally:
        for side, tree in trees.items():
            if tree != ROOT:
                subprocess.run(["git", "worktree", "remove", "--force", tree], cwd=ROOT, capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
