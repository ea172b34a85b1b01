"""Replay of the kubelet's batch path on captured scale runs, to count its instructions.

    PYTHONPATH=. python benchmarks/kubelet_replay.py capture --nodes 3000 --pods 6000 run.pickle
    PYTHONPATH=. valgrind --tool=callgrind python benchmarks/kubelet_replay.py replay run.pickle --reps 1 --part batch
    PYTHONPATH=. valgrind --tool=callgrind python benchmarks/kubelet_replay.py replay run.pickle --reps 3 --part batch

`capture` runs benchmarks/scale.py's bare pods to Running and Ready and
pickles, for each batch call of the kubelet, the keys and what its
observation reads (the stored objects, the controllers' memory, the
kubelet-admission and pod-config-refs indexes as they were, the profile,
the time), and every Pod change in order. `replay` loads that and runs, per
rep: `observe_kubelet_run` + `reconcile_kubelet_batch` on each captured call
(`--part batch`; `observe` alone), the kubelet-admission index handler over every Pod change
on a fresh index (`index`), the kubelet's `watch_pods` over every Pod change
(`watch`). Under callgrind, (reps 3 − reps 1) / 2 is the steady cost of one
rep of a part, the loading and the first rep's warm-up left out. The garbage
collector is off while replaying, as the engine runs (`gc_paused`).

A run of 8,192 keys at 150,000 pods on 5,000 nodes meets a node 1.6 times:
`--nodes 3000 --pods 6000` (one run of 6,000 keys per step, 2 a node) keeps
that; `--nodes 100 --pods 3000` (30 a node) is the callgrind scale run's.
"""
from __future__ import annotations

import argparse
import gc
import os
import pickle
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import make_pods, pod_template  # noqa: E402

from kstate import Cluster  # noqa: E402
from kstate.controllers import CONTROLLERS, kubelet, kubelet_batch  # noqa: E402
from kstate.indexes import KUBELET_ADMISSION, POD_CONFIG_REFS  # noqa: E402
from kstate.registry import REGISTRY  # noqa: E402


def capture(args) -> None:
    calls, changes = [], []

    def observe_batch(view, keys):
        calls.append({"keys": list(keys), "objects": dict(view.store.objects), "memory": dict(view._memory),
                      "totals": {k: list(v) for k, v in view.index(KUBELET_ADMISSION)["totals"].items()},
                      "refs": view.index(POD_CONFIG_REFS), "profile": view.profile(), "now": view.now})
        return kubelet.observe_kubelet_run(view, keys)

    ctrls = dict(CONTROLLERS)
    ctrls[kubelet.NAME] = CONTROLLERS[kubelet.NAME]._replace(observe_batch=observe_batch)
    cluster = Cluster(nodes=args.nodes, seed=args.seed, cluster_cidr="10.0.0.0/8", controllers=ctrls)
    engine = cluster.engine
    on_change = engine._on_change

    def recorded(old, new):
        if (new if new is not None else old).KIND == "Pod":
            changes.append((old, new))
        on_change(old, new)

    engine._on_change = recorded
    cluster.apply(make_pods(args.pods, tpl=pod_template()))
    cluster.run_until_stable(timeout="10m")
    sys.setrecursionlimit(100_000)
    with open(args.out, "wb") as f:
        pickle.dump({"calls": calls, "changes": changes}, f, protocol=5)
    print({"calls": [len(c["keys"]) for c in calls], "pod_changes": len(changes)})


class _View:
    """What `observe_kubelet_run` reads of the engine, as captured."""

    def __init__(self, call: dict) -> None:
        self.objects, self._memory, self._profile = call["objects"], call["memory"], call["profile"]
        self.indexes = {KUBELET_ADMISSION: {"totals": call["totals"], "by_pod": {}}, POD_CONFIG_REFS: call["refs"]}

    def get(self, kind, namespace, name):
        return self.objects.get((kind, namespace, name))

    def memory(self, controller, key, default=None):
        return self._memory.get((controller, key), default)

    def index(self, name):
        return self.indexes[name]

    def profile(self):
        return self._profile


class _Api:
    def member(self, kind, namespace, name):
        return (namespace, name)


def replay(args) -> None:
    sys.setrecursionlimit(100_000)
    with open(args.capture, "rb") as f:
        data = pickle.load(f)
    gc.collect()
    gc.freeze()
    gc.disable()
    calls = [(_View(c), c["keys"], c["now"]) for c in data["calls"]]
    changes = data["changes"]
    handler = REGISTRY.indexes[KUBELET_ADMISSION].handlers[0].fn
    api = _Api()
    spent = 0.0
    for _ in range(args.reps):
        t = time.perf_counter()
        if args.part == "batch":
            for view, keys, now in calls:
                kubelet_batch.reconcile_kubelet_batch(kubelet.observe_kubelet_run(view, keys), now)
        elif args.part == "observe":
            for view, keys, now in calls:
                kubelet.observe_kubelet_run(view, keys)
        elif args.part == "index":
            state = REGISTRY.indexes[KUBELET_ADMISSION].init()
            for old, new in changes:
                handler(state, old, new, api)
        else:
            watch = kubelet.watch_pods
            for old, new in changes:
                watch(old, new, None)
        spent += time.perf_counter() - t
    items = sum(len(k) for _, k, _ in calls) if args.part in ("batch", "observe") else len(changes)
    print({"part": args.part, "reps": args.reps, "items": items,
           "us_per_item": round(1e6 * spent / max(1, args.reps * items), 3)})


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    cap = sub.add_parser("capture")
    cap.add_argument("--nodes", type=int, default=3000)
    cap.add_argument("--pods", type=int, default=6000)
    cap.add_argument("--seed", type=int, default=0)
    cap.add_argument("out")
    rep = sub.add_parser("replay")
    rep.add_argument("capture")
    rep.add_argument("--reps", type=int, default=3)
    rep.add_argument("--part", choices=("batch", "observe", "index", "watch"), default="batch")
    args = ap.parse_args(argv)
    capture(args) if args.cmd == "capture" else replay(args)


if __name__ == "__main__":
    main()
