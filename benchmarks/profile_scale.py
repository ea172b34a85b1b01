"""cProfile of the scale benchmark's measured part (apply → all Running and Ready).

    PYTHONPATH=. python benchmarks/profile_scale.py --nodes 5000 --pods 150000 \
        --out scale.pstats --top 15

Cluster construction and pod-object creation are not profiled. Prints the top
functions by cumulative and by self (tottime) time, then one JSON line with
the profiled wall time. cProfile roughly doubles the run time; the shares are
what matter.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import (  # noqa: E402
    kstate_revision, make_pods, peak_rss_mib, pod_counts, python_version,
)

from kstate import Cluster  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--pods", type=int, default=150_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-trace", action="store_true")
    ap.add_argument("--cluster-cidr", default="10.0.0.0/8")
    ap.add_argument("--out", default="", help="write the raw pstats here")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--gc", choices=("default", "off"), default="default",
                    help="'off': disable the cyclic GC while profiling, so its pauses are not charged "
                         "to whichever function happened to allocate")
    args = ap.parse_args(argv)

    cluster = Cluster(nodes=args.nodes, seed=args.seed, cluster_cidr=args.cluster_cidr,
                      record_trace=not args.no_trace)
    pods = make_pods(args.pods)
    prof = cProfile.Profile()
    gc.collect()
    if args.gc == "off":
        gc.disable()
    t = time.perf_counter()
    prof.enable()
    cluster.apply(pods)
    cluster.run_until_stable(timeout="10m")
    prof.disable()
    wall = time.perf_counter() - t
    gc.enable()
    counts = pod_counts(cluster.engine)
    assert counts["running_and_ready"] == args.pods, counts
    if args.out:
        prof.dump_stats(args.out)
    for key in ("cumulative", "tottime"):
        buf = io.StringIO()
        st = pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key)
        st.print_stats(args.top)
        text = buf.getvalue()
        print(f"==== top {args.top} by {key} ====")
        print(text[text.find("   ncalls"):] if "   ncalls" in text else text)
    print(json.dumps({"benchmark": "profile_scale", "nodes": args.nodes, "pods": args.pods,
                      "gc": args.gc, "profiled_wall_seconds": round(wall, 2), "peak_rss_mib": peak_rss_mib(),
                      "python": python_version(), "kstate_revision": kstate_revision()}))


if __name__ == "__main__":
    main()
