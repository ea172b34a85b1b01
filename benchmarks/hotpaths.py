"""Micro-benchmarks of the functions that dominate the scale profile.

    PYTHONPATH=. python benchmarks/hotpaths.py

Times (best of --repeat, µs per call, no profiler) the building blocks the
cProfile of benchmarks/scale.py ranks highest, on a realistic Running pod, so
a change to one of them can be re-measured in seconds. Also times two
candidate replacements for `attrs.evolve` (they are not used by kstate; they
only show the head-room):
- replacer: a per-class function generated once that calls `cls(...)` with
  every field, taking changed ones from keywords;
- setattr_copy: `object.__new__` + `object.__setattr__` of each slot.
Prints one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import attrs  # noqa: E402

from _common import (  # noqa: E402
    kstate_revision, make_pods, python_version,
)

from kstate import Cluster  # noqa: E402
from kstate.controllers import kubelet, scheduler  # noqa: E402
from kstate.kinds import core  # noqa: E402
from kstate.network import ipam  # noqa: E402
from kstate.resources.meta import Condition, set_condition  # noqa: E402
from kstate.resources.pod import PodStatus  # noqa: E402
from kstate.resources.quantity import cpu_millis, to_int  # noqa: E402

_MISSING = object()


def make_replacer(cls):
    """A generated `replace(inst, **changes)` for a frozen attrs class whose
    __init__ takes every field by its name (no converters, no aliases)."""
    names = [a.name for a in attrs.fields(cls)]
    args = ", ".join(f"{n}=_M" for n in names)
    body = ", ".join(f"{n}=inst.{n} if {n} is _M else {n}" for n in names)
    ns = {"_M": _MISSING, "_cls": cls}
    exec(f"def replace(inst, *, {args}):\n    return _cls({body})\n", ns)
    return ns["replace"]


def make_setattr_copy(cls):
    names = tuple(a.name for a in attrs.fields(cls))
    new, setattr_ = object.__new__, object.__setattr__

    def replace(inst, **changes):
        obj = new(cls)
        for n in names:
            setattr_(obj, n, changes[n] if n in changes else getattr(inst, n))
        return obj
    return replace


def bench(fn, number: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, time.perf_counter() - t)
    return round(best / number * 1e6, 3)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--number", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    c = Cluster(nodes=3, seed=0)
    c.apply(make_pods(3))
    c.run_until_stable()
    eng = c.engine
    pod = c.get("Pod", "pod-000000")
    st = pod.status
    cond = st.conditions[2]
    now = eng.now
    key = ("default", "pod-000000")
    node_cidr = eng.get("Node", "", pod.spec.node_name).spec.pod_cidr
    obs = kubelet.observe_kubelet(eng, key)
    rep_status, rep_cond = make_replacer(PodStatus), make_replacer(Condition)
    sa_status = make_setattr_copy(PodStatus)
    sts = st.container_statuses

    cases = {
        "attrs.evolve(PodStatus, state=)": lambda: attrs.evolve(st, state="Running"),
        "replacer(PodStatus, state=)": lambda: rep_status(st, state="Running"),
        "setattr_copy(PodStatus, state=)": lambda: sa_status(st, state="Running"),
        "attrs.evolve(Condition, last_transition_time=)": lambda: attrs.evolve(cond, last_transition_time=1),
        "replacer(Condition, last_transition_time=)": lambda: rep_cond(cond, last_transition_time=1),
        "attrs.evolve(Pod, status=)": lambda: attrs.evolve(pod, status=st),
        "Condition('Ready', 'True')": lambda: Condition("Ready", "True"),
        "set_condition (no change)": lambda: set_condition(st.conditions, Condition("Ready", "True"), now),
        "set_condition (status flips)": lambda: set_condition(st.conditions, Condition("Ready", "False"), now),
        "kubelet.pod_conditions": lambda: kubelet.pod_conditions(pod, st, now),
        "kubelet.get_phase": lambda: kubelet.get_phase(pod, st.init_container_statuses, sts),
        "kubelet._with_status (no state change)": lambda: kubelet._with_status(pod, now, container_statuses=sts),
        "kubelet.observe_kubelet": lambda: kubelet.observe_kubelet(eng, key),
        "kubelet.reconcile_kubelet (settled pod)": lambda: kubelet.reconcile_kubelet(obs, now),
        "scheduler.pod_requests": lambda: scheduler.pod_requests(pod),
        "quantity.cpu_millis('100m')": lambda: cpu_millis("100m"),
        "quantity.to_int('128Mi')": lambda: to_int("128Mi"),
        # the allocator as each revision has it: a set of offsets, or their bits
        "ipam: the next pod IP": (lambda: ipam.next_pod_ip_bits(node_cidr, 0, 40)) if hasattr(
            ipam, "next_pod_ip_bits") else (lambda: ipam.next_pod_ip(node_cidr, set(), 40)),
        "core.admit_default_tolerations (pod without)": (
            lambda p=make_pods(1)[0]: core.admit_default_tolerations(p)),
        "core.admit_default_tolerations (already has)": lambda: core.admit_default_tolerations(pod),
        "engine.rng.uid": lambda: eng.rng.uid(),
        "engine.store.get": lambda: eng.store.get("Pod", "default", "pod-000000"),
    }
    from kstate.resources import frozen
    if hasattr(frozen, "evolve"):  # kstate's own cached-field evolve, where present
        cases["kstate.resources.frozen.evolve(PodStatus, state=)"] = lambda: frozen.evolve(st, state="Running")
        cases["kstate.resources.frozen.evolve(Condition, last_transition_time=)"] = (
            lambda: frozen.evolve(cond, last_transition_time=1))
    out = {name: bench(fn, args.number, args.repeat) for name, fn in cases.items()}
    assert rep_status(st, state="Scheduled") == attrs.evolve(st, state="Scheduled")
    assert sa_status(st, state="Scheduled") == attrs.evolve(st, state="Scheduled")
    res = {"benchmark": "hotpaths", "us_per_call": out, "python": python_version(),
           "kstate_revision": kstate_revision(), "cpu_count": os.cpu_count()}
    print(json.dumps(res))
    return res


if __name__ == "__main__":
    main()
