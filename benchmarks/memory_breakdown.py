"""Memory breakdown of the scale run: what the cluster holds once N pods on M
nodes are Running and Ready, by part, as JSON.

    PYTHONPATH=. python benchmarks/memory_breakdown.py --nodes 1000 --pods 30000 --seed 0
    PYTHONPATH=. python benchmarks/memory_breakdown.py --nodes 1000 --pods 30000 --seed 0 --tracemalloc

The run is `scale.py`'s (the same pods, cluster and apply → run_until_stable).
Then every part is walked (`gc.get_referents`, `sys.getsizeof` rounded up to
pymalloc's 16-byte blocks) in the order listed in `parts`, each object counted
once, by the first part that reaches it: so a part's bytes are what it adds to
the parts before it (the pods' shared PodSpecs count once, under "pod spec";
a string the store's keys share with the pods' metadata counts under the
metadata). `per_pod` is bytes / pods; `at_150k_mib` scales a part × 150,000 /
pods (nodes scaled alike, as 5,000 / 1,000 is 150,000 / 30,000).

`--tracemalloc` also traces every allocation (slower, ~3×; the run's RSS is
then not comparable) and lists the source lines holding the most memory at the
end and the traced peak.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import types

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import kstate_revision, load_average, make_pods, peak_rss_mib, pod_template  # noqa: E402

_SKIP = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.CodeType,
         types.MethodType, types.FrameType, types.GetSetDescriptorType, types.MemberDescriptorType,
         types.WrapperDescriptorType, types.MethodDescriptorType, types.CellType)


def rss_mib() -> float:
    """The resident set size now (VmRSS), MiB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def _size(o) -> int:
    n = sys.getsizeof(o)
    return n if n > 512 else (n + 15) & ~15   # pymalloc's 16-byte size classes


class Walker:
    """Deep sizes with one shared `seen` set: each object counts once."""

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def mark(self, *objs) -> None:
        self.seen.update(id(o) for o in objs)

    def shell(self, o) -> tuple[int, int]:
        """The object alone, not what it refers to."""
        if id(o) in self.seen:
            return 0, 0
        self.seen.add(id(o))
        return _size(o), 1

    def deep(self, *roots) -> tuple[int, int]:
        seen = self.seen
        stack = list(roots)
        total = count = 0
        while stack:
            o = stack.pop()
            i = id(o)
            if i in seen or isinstance(o, _SKIP):
                continue
            seen.add(i)
            total += _size(o)
            count += 1
            stack.extend(gc.get_referents(o))
        return total, count


def _run(nodes: int, pods_n: int, seed: int, keep_input: bool):
    from kstate import Cluster
    cluster = Cluster(nodes=nodes, seed=seed, cluster_cidr="10.0.0.0/8")
    pods = make_pods(pods_n, tpl=pod_template())
    cluster.apply(pods)
    if not keep_input:
        pods = []           # as scale.py: the caller keeps no reference to what it applied
    cluster.run_until_stable(timeout="10m")
    return cluster, pods


def breakdown(cluster, pods: list, n_pods: int) -> list[dict]:
    eng = cluster.engine
    w = Walker()
    w.mark(eng, cluster)
    parts: list[tuple[str, tuple[int, int]]] = []

    def add(name: str, sized: tuple[int, int]) -> None:
        parts.append((name, sized))

    stored = [o for (k, _ns, _n), o in sorted(eng.store.objects.items()) if k == "Pod"]

    def over(fn) -> tuple[int, int]:
        b = c = 0
        for o in stored:
            x, y = fn(o)
            b += x
            c += y
        return b, c

    add("pod object (the Pod shell)", over(w.shell))
    add("pod metadata shell (ObjectMeta)", over(lambda p: w.shell(p.metadata)))
    add("pod metadata.name", over(lambda p: w.deep(p.metadata.name)))
    add("pod metadata.uid", over(lambda p: w.deep(p.metadata.uid)))
    add("pod metadata.resourceVersion", over(lambda p: w.deep(p.metadata.resource_version)))
    add("pod metadata (the rest: labels, owners, timestamps)", over(lambda p: w.deep(p.metadata)))
    add("pod spec (shared per template and node)", over(lambda p: w.deep(p.spec)))
    add("pod status shell (PodStatus)", over(lambda p: w.shell(p.status)))
    add("pod status.conditions (tuple + Conditions)", over(lambda p: w.deep(p.status.conditions)))
    add("pod status.containerStatuses", over(lambda p: w.deep(p.status.container_statuses)))
    add("pod status.podIP / hostIP", over(lambda p: w.deep(p.status.pod_ip, p.status.host_ip)))
    add("pod status (the rest)", over(lambda p: w.deep(p.status)))
    add("other stored objects (nodes, namespaces …)", w.deep(*eng.store.objects.values()))
    st = eng.store
    add("store.objects dict + (kind, ns, name) keys", w.deep(st.objects))
    for attr in ("by_kind", "by_uid", "by_owner", "by_label", "by_place"):
        add(f"store.{attr}", w.deep(getattr(st, attr)))
    for name in sorted(eng.indexes):
        idx = eng.indexes[name]
        slots = getattr(type(idx), "__slots__", None)
        if slots:
            for s in slots:
                add(f"index {name}.{s}", w.deep(getattr(idx, s)))
            add(f"index {name} (rest)", w.deep(idx))
        elif isinstance(idx, dict) and all(isinstance(k, str) for k in idx) and len(idx) <= 8:
            for k in sorted(idx):
                add(f"index {name}[{k}]", w.deep(idx[k]))
            add(f"index {name} (rest)", w.deep(idx))
        else:
            add(f"index {name}", w.deep(idx))
    mem: dict = {}
    for (ctrl, _key), _v in eng._memory.items():
        mem.setdefault(ctrl, []).append(_key)
    for ctrl in sorted(mem):
        add(f"controller memory {ctrl} ({len(mem[ctrl])} keys)",
            w.deep(*[(k, eng._memory[(ctrl, k)]) for k in mem[ctrl]]))
    add("controller memory dict (keys)", w.deep(eng._memory))
    add("workqueue + timers (_heap, _waiting, _queued, _queues, _parked)",
        w.deep(eng._heap, eng._waiting, eng._queued, eng._queues, eng._parked))
    add("trace (+ shared details)", w.deep(eng.trace, eng._trace_details))
    add("events", w.deep(*[getattr(eng, a) for a in ("_events", "_event_first", "_event_repeats", "_event_index")
                           if hasattr(eng, a)]))
    for name in sorted(eng.identity):
        add(f"identity {name} (allocator)", w.deep(eng.identity[name]))
    add("engine (the rest: rng, handlers, registry refs)", w.deep(*gc.get_referents(eng)))
    add("cluster wrapper (the rest)", w.deep(*gc.get_referents(cluster)))
    # module-level caches of kstate (memos, flyweights) that hold data
    caches = []
    for mname in sorted(m for m in sys.modules if m.startswith("kstate")):
        mod = sys.modules[mname]
        for gname, val in sorted(vars(mod).items()):
            if isinstance(val, _SKIP) or gname.startswith("__"):
                continue
            b, c = w.deep(val)
            if b >= 64 * 1024:
                caches.append((f"module cache {mname}.{gname}", (b, c)))
            elif b:
                caches.append(("module globals (each < 64 KiB)", (b, c)))
    merged: dict = {}
    for name, (b, c) in caches:
        ob, oc = merged.get(name, (0, 0))
        merged[name] = (ob + b, oc + c)
    for name in sorted(merged, key=lambda n: -merged[n][0]):
        add(name, merged[name])
    if pods:
        add("benchmark input: the applied Pod objects (--keep-input)", w.deep(pods))
    out = []
    for name, (b, c) in parts:
        if not b:
            continue
        out.append({"part": name, "bytes": b, "objects": c, "per_pod": round(b / n_pods, 1),
                    "at_150k_mib": round(b * 150_000 / n_pods / 2**20, 1)})
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--pods", type=int, default=30_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tracemalloc", action="store_true", help="also the top source lines by memory held")
    ap.add_argument("--top", type=int, default=30, help="how many source lines with --tracemalloc")
    ap.add_argument("--keep-input", action="store_true",
                    help="keep the applied Pod objects alive to the end, as scale.py did before 2026-12-02")
    args = ap.parse_args(argv)
    import kstate  # noqa: F401  (imports before the baseline RSS)
    import kstate.indexes  # noqa: F401
    gc.collect()
    rss0 = rss_mib()
    if args.tracemalloc:
        import tracemalloc
        tracemalloc.start(1)
    load0 = load_average()
    t0 = time.process_time()
    cluster, pods = _run(args.nodes, args.pods, args.seed, args.keep_input)
    cpu = time.process_time() - t0
    peak = peak_rss_mib()
    rss_end = rss_mib()
    top = None
    traced = None
    if args.tracemalloc:
        snap = tracemalloc.take_snapshot()
        cur, tpeak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        snap = snap.filter_traces((tracemalloc.Filter(False, tracemalloc.__file__),))
        top = [{"line": f"{os.path.relpath(s.traceback[0].filename)}:{s.traceback[0].lineno}",
                "bytes": s.size, "blocks": s.count, "per_pod": round(s.size / args.pods, 1)}
               for s in snap.statistics("lineno")[:args.top]]
        by_file = [{"file": os.path.relpath(s.traceback[0].filename), "bytes": s.size,
                    "per_pod": round(s.size / args.pods, 1)} for s in snap.statistics("filename")[:15]]
        traced = {"current_mib": round(cur / 2**20, 1), "peak_mib": round(tpeak / 2**20, 1)}
    parts = breakdown(cluster, pods, args.pods)
    total = sum(p["bytes"] for p in parts)
    out = {
        "benchmark": "memory_breakdown",
        "nodes": args.nodes, "pods": args.pods, "seed": args.seed,
        "rss_after_imports_mib": rss0,
        "rss_end_mib": rss_end,
        "peak_rss_mib": peak,
        "walked_mib": round(total / 2**20, 1),
        "walked_per_pod": round(total / args.pods, 1),
        "estimate_150k_mib": round(rss0 + (peak - rss0) * 150_000 / args.pods, 1),
        "parts": parts,
        "cpu_seconds": round(cpu, 2),
        "load_average": [load0, load_average()],
        "kstate_revision": kstate_revision(),
    }
    if top is not None:
        out["tracemalloc"] = {**traced, "top_lines": top, "top_files": by_file}
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
