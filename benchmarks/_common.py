"""Shared helpers for the kstate benchmarks (not a benchmark itself)."""
from __future__ import annotations

import os
import platform
import resource
import sys

import attrs

from kstate import parse_manifests

#: the one pod manifest every benchmark pod is made from.
POD_MANIFEST = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "pod-template", "namespace": "default"},
    "spec": {"containers": [{"name": "app", "image": "nginx",
                             "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]},
}


def pod_template():
    (tpl,) = parse_manifests(POD_MANIFEST, source="benchmark")
    return tpl


def make_pods(n: int, start: int = 0, tpl=None) -> list:
    """`n` Pod objects named pod-000000… made by attrs.evolve on one parsed
    template (parsing 150k dicts would measure io/, not the engine)."""
    tpl = tpl if tpl is not None else pod_template()
    meta = tpl.metadata
    evolve = attrs.evolve
    return [evolve(tpl, metadata=evolve(meta, name=f"pod-{i:06d}")) for i in range(start, start + n)]


def peak_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def load_average() -> list:
    """1, 5 and 15 minute load averages: other processes on a 2-core machine
    slow a run down (compare wall_seconds with cpu_seconds)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def kstate_revision() -> str:
    """The git commit of the kstate tree measured (short hash), with "+dirty"
    when kstate/ has uncommitted changes; "" outside a git checkout. Read-only."""
    import subprocess
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "kstate"], cwd=root, capture_output=True,
                               text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return head + ("+dirty" if head and dirty else "")


def python_version() -> str:
    return f"{platform.python_implementation()} {sys.version.split()[0]}"


def pod_counts(engine) -> dict:
    """One pass over the stored pods: how many are Running and Ready."""
    from kstate.resources.pod import is_pod_ready
    total = running = ready = 0
    for (kind, _ns, _name), obj in engine.store.objects.items():
        if kind != "Pod":
            continue
        total += 1
        if obj.status.phase == "Running":
            running += 1
            if is_pod_ready(obj):
                ready += 1
    return {"total": total, "running": running, "running_and_ready": ready}


def percentile(sorted_values: list, q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(q / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]
