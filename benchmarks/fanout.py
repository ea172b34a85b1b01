"""The informer fan-out alone: a scale run's pod changes replayed through `Engine._on_change`.

    PYTHONPATH=. python benchmarks/fanout.py --nodes 50 --pods 1000 --replays 5

Runs the scale benchmark's workload (N bare pods onto M nodes, until all are
Running and Ready) once while recording every (old, new) pair the engine
hands `Engine._on_change`, then replays the pod changes — four a pod: create,
bind, ContainerCreating, Running+Ready — `--replays` times, each into a
fresh cluster of the same nodes: the store write, then `_on_change` (its
declared indexes follow the replay as they followed the run). Prints one
JSON object with the best µs per change, store write included.

Timings on a shared machine are noisy; count instructions instead, as the
difference of two runs under callgrind (the recording is the same in both):

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        python benchmarks/fanout.py --nodes 50 --pods 1000 --replays 0
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        python benchmarks/fanout.py --nodes 50 --pods 1000 --replays 2

(collected instructions of the second minus the first) / (2 × changes).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import kstate_revision, make_pods, python_version  # noqa: E402

from kstate import Cluster  # noqa: E402
from kstate.engine.core import Engine  # noqa: E402


def record(nodes: int, pods: int, seed: int) -> list:
    """Every pod change a scale run hands the informer handlers, in order."""
    seen: list = []
    plain = Engine._on_change

    def recording(self, old, new):
        seen.append((old, new))
        return plain(self, old, new)

    Engine._on_change = recording
    try:
        cluster = Cluster(nodes=nodes, seed=seed, cluster_cidr="10.0.0.0/8")
        cluster.apply(make_pods(pods))
        cluster.run_until_stable(timeout="10m")
    finally:
        Engine._on_change = plain
    return [(old, new) for old, new in seen if (new if new is not None else old).KIND == "Pod"]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=50)
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--replays", type=int, default=5)
    args = ap.parse_args(argv)
    changes = record(args.nodes, args.pods, args.seed)
    # at least two fresh clusters whatever --replays: --replays 2 and 0 differ by the replays alone
    engines = [Cluster(nodes=args.nodes, seed=args.seed, cluster_cidr="10.0.0.0/8").engine
               for _ in range(max(2, args.replays))]
    best = None
    gc.collect()
    gc.disable()
    for eng in engines[:args.replays]:
        on_change, put, remove = eng._on_change, eng.store.put, eng.store.remove
        t = time.perf_counter()
        for old, new in changes:
            # the store holds what the handlers read (the engine writes it before it tells them)
            if new is not None:
                put(new)
            else:
                remove("Pod", old.metadata.namespace, old.metadata.name)
            on_change(old, new)
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    gc.enable()
    out = {"benchmark": "fanout", "nodes": args.nodes, "pods": args.pods, "changes": len(changes),
           "replays": args.replays,
           "us_per_change": round(best * 1e6 / len(changes), 3) if best is not None else None,
           "python": python_version(), "kstate_revision": kstate_revision()}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
