"""The load side of a scenario: the `load:` section (profiles applied at
0s) and the `set-load`, `set-pod-usage` and `set-metric` timeline
operations, parsed and validated into Operations for the runner.

Owns: those parsers. io.scenario (which imports this module) hands each
parser its `workload` argument parser; profiles are validated by
resources/loadprofile.
"""
from __future__ import annotations

from typing import Any, Mapping

from kstate.errors import SpecError
from kstate.io.scenario_model import Operation, show_value
from kstate.resources.frozen import deep_freeze


def _load_quantity(p, v: Any, path: str) -> str:
    from kstate.resources.quantity import parse_quantity
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise p.err(f"Invalid value: {show_value(v)}: must be a quantity like 400m or 1Gi", path)
    try:
        q = parse_quantity(v)
    except SpecError:
        raise p.err(f"Invalid value: {show_value(v)}: must be a quantity like 400m or 1Gi", path) from None
    if q < 0:
        raise p.err(f"Invalid value: {show_value(v)}: must be greater than or equal to 0", path)
    return str(v)


def _load_value(p, v: Any, path: str) -> Any:
    """A quantity, or a load profile of quantities ({steps}, {ramp}, {sine},
    {points}: metrics.parse_profile), validated here and passed on as
    written; its times count from when the operation runs."""
    from kstate.resources.loadprofile import parse_profile
    if not isinstance(v, dict):
        return _load_quantity(p, v, path)

    def amount(x, pth):
        return _load_quantity(p, x, pth)

    try:
        parse_profile(v, amount, p.duration, path, 0)
    except SpecError as e:
        if e.source:
            raise
        raise p.err(e.message, e.path) from None
    return deep_freeze(v)


def _load_text(v: Any) -> str:
    if not isinstance(v, Mapping):
        return str(v)
    (kind, body), = v.items()
    if isinstance(body, Mapping):
        return f"{kind}(" + ",".join(f"{k}={body[k]}" for k in body) + ")"
    return f"{kind}(" + ",".join(f"{a}:{b}" for a, b in body) + ")"


def _op_set_load(p, v: Any, path: str, _workload_arg):
    """{kind, name, namespace, cpu, memory}: a workload's total usage (Cluster.set_load);
    cpu and memory are quantities or load profiles."""
    a, kind, name, ns = _workload_arg(p, v, path, ("cpu", "memory"), ("kind",))
    cpu = None if a.get("cpu") is None else _load_value(p, a["cpu"], f"{path}.cpu")
    memory = None if a.get("memory") is None else _load_value(p, a["memory"], f"{path}.memory")
    if cpu is None and memory is None:
        raise p.err("Required value: cpu or memory", f"{path}.cpu")
    text = " ".join(f"{k}={_load_text(x)}" for k, x in (("cpu", cpu), ("memory", memory)) if x is not None)
    return (kind, name, ns, cpu, memory), f"{kind} {ns}/{name} {text}"


def _op_set_pod_usage(p, v: Any, path: str):
    """{pod, namespace, cpu, memory}: one pod's usage (Cluster.set_pod_usage)."""
    a = p.mapping(v, path, ("pod", "namespace", "cpu", "memory"), required=("pod",))
    pod = p.string(a["pod"], f"{path}.pod")
    ns = "default" if a.get("namespace") is None else p.string(a["namespace"], f"{path}.namespace")
    cpu = None if a.get("cpu") is None else _load_value(p, a["cpu"], f"{path}.cpu")
    memory = None if a.get("memory") is None else _load_value(p, a["memory"], f"{path}.memory")
    if cpu is None and memory is None:
        raise p.err("Required value: cpu or memory", f"{path}.cpu")
    text = " ".join(f"{k}={_load_text(x)}" for k, x in (("cpu", cpu), ("memory", memory)) if x is not None)
    return (pod, ns, cpu, memory), f"pod {ns}/{pod} {text}"


_METRIC_TYPES = ("Pods", "Object", "External")


def _op_set_metric(p, v: Any, path: str, _workload_arg):
    """{type: Pods, name, value, selector | pod | workload: {kind, name}, namespace}
    · {type: Object, name, value, object: {kind, name}, namespace}
    · {type: External, name, value, labels}: a custom or external metric
    (Cluster.set_pod_metric / set_object_metric / set_external_metric); the
    value is a quantity or a load profile. A Pods metric for a `workload`
    covers the pods of its scale selector."""
    a = p.mapping(v, path, ("type", "name", "value", "selector", "pod", "workload", "object", "labels",
                            "namespace"), required=("type", "name", "value"))
    t = p.string(a["type"], f"{path}.type")
    if t not in _METRIC_TYPES:
        raise p.err(f"Unsupported value: {show_value(t)}: supported values: {', '.join(_METRIC_TYPES)}",
                    f"{path}.type")
    name = p.string(a["name"], f"{path}.name")
    value = _load_value(p, a["value"], f"{path}.value")
    ns = "default" if a.get("namespace") is None else p.string(a["namespace"], f"{path}.namespace")
    allowed = {"Pods": ("selector", "pod", "workload"), "Object": ("object",), "External": ("labels",)}[t]
    for k in ("selector", "pod", "workload", "object", "labels"):
        if a.get(k) is not None and k not in allowed:
            raise p.err(f"Forbidden: not allowed for a {t} metric", f"{path}.{k}")
    given = [k for k in ("selector", "pod", "workload") if a.get(k) is not None]
    if len(given) > 1:
        raise p.err(f"Invalid value: several of {', '.join(given)}: give one", f"{path}.{given[1]}")
    target = None
    for k in ("workload", "object"):
        if a.get(k) is not None:
            _, kind, tname, _ = _workload_arg(p, a[k], f"{path}.{k}", (), ("kind",))
            target = (kind, tname)
    if t == "Object" and target is None:
        raise p.err("Required value: the object the metric describes", f"{path}.object")
    selector = None if a.get("selector") is None else p.string(a["selector"], f"{path}.selector")
    pod = None if a.get("pod") is None else p.string(a["pod"], f"{path}.pod")
    labels = None
    if a.get("labels") is not None:
        raw = p.mapping(a["labels"], f"{path}.labels", tuple(a["labels"]) if isinstance(a["labels"], dict) else ())
        labels = tuple(sorted((str(k), p.string(x, f"{path}.labels.{k}")) for k, x in raw.items()))
    where = (f" {target[0]} {ns}/{target[1]}" if target else f" pod {ns}/{pod}" if pod else
             f" selector {selector}" if selector else f" labels {dict(labels)}" if labels else "")
    return (t, name, value, ns, selector, pod, target, labels), f"{t} {name}={_load_text(value)}{where}"


def _parse_load(p, v: Any, _workload_arg) -> tuple:
    """The `load:` section: [{target: {kind, name, namespace}, cpu | memory | metric: PROFILE}],
    `metric` being {name, value: PROFILE} (a Pods metric over the target's
    pods). Each entry becomes a set-load / set-metric operation at 0s."""
    if v is None:
        return ()
    if not isinstance(v, list):
        raise p.err(f"Invalid value: {show_value(v)}: must be a list of {{target, cpu|memory|metric}}", "load")
    out = []
    for i, entry in enumerate(v):
        path = f"load[{i}]"
        a = p.mapping(entry, path, ("target", "cpu", "memory", "metric"), required=("target",))
        _, kind, name, ns = _workload_arg(p, a["target"], f"{path}.target", (), ("kind",))
        given = [k for k in ("cpu", "memory", "metric") if a.get(k) is not None]
        if not given:
            raise p.err("Required value: cpu, memory or metric", f"{path}.cpu")
        if "metric" in given:
            if len(given) > 1:
                raise p.err("Invalid value: a metric entry sets only the metric", f"{path}.{given[0]}")
            m = p.mapping(a["metric"], f"{path}.metric", ("name", "value"), required=("name", "value"))
            args, text = _op_set_metric(p, {"type": "Pods", "name": m["name"], "value": m["value"],
                                            "workload": {"kind": kind, "name": name}, "namespace": ns},
                                        f"{path}.metric", _workload_arg)
            out.append(Operation(at=0, verb="set-metric", args=args, field=path, text=f"set-metric {text}"))
            continue
        args, text = _op_set_load(p, {"kind": kind, "name": name, "namespace": ns,
                                      **{k: a[k] for k in given}}, path, _workload_arg)
        out.append(Operation(at=0, verb="set-load", args=args, field=path, text=f"set-load {text}"))
    return tuple(out)
