"""A simulated metrics-server: pod CPU and memory usage, sampled every 15 s.

Owns: where usage comes from — per pod, set through the API
(`Cluster.set_pod_usage`), else the pod's annotations `kstate.io/cpu-usage` /
`kstate.io/memory-usage`, else its share of a workload's load
(`Cluster.set_load`: a total spread evenly over the workload's Running and
Ready pods, the remainder to the first pods by name), else zero; each pod's
usage is split over its containers in proportion to their requests (evenly
when none are set) — and the scrape: one step every 15 s
(metrics-server --metric-resolution), recording a sample for every pod whose
containers have started. The HPA reads the latest sample, never the live
usage. Must not import engine/ or io/.

The inputs (loads and per-pod usage) are the world outside the cluster: kept
in the declared index `metrics-load` (snapshotted, never lost). The samples
are this controller's memory: a restarted metrics-server has none until its
next scrape, as in a cluster. Any input may be a load profile
(resources/loadprofile.py), read at the scrape's own time.

Also owns what the custom and external metrics APIs answer
(`pod_metric_values`, `object_metric_value`, `external_metric_values`) from
the values the world declared (Cluster.set_pod_metric / set_object_metric /
set_external_metric, same index); the HPA reads them at its sync.
"""
from __future__ import annotations

import math
from typing import Any, Optional

import attrs

from kstate.controllers.actions import NOTHING, Result, SetMemory
from kstate.registry import REGISTRY
from kstate.resources.frozen import EMPTY, FrozenDict
from kstate.resources.pod import is_pod_ready
from kstate.resources.quantity import cpu_millis, parse_quantity

NAME = "metrics-server"
#: the declared index holding the load inputs.
LOAD = "metrics-load"
SCRAPE = "scrape"
SAMPLES = "samples"
#: memory: the time of the next scheduled scrape (None: idle).
NEXT = "next"
#: metrics-server --metric-resolution: a scrape every 15 s; a sample's window.
RESOLUTION_MS = 15_000
ANN_CPU = "kstate.io/cpu-usage"
ANN_MEMORY = "kstate.io/memory-usage"
RESOURCES = ("cpu", "memory")


@attrs.frozen
class PodSample:
    """One pod's metrics as the metrics API serves them: per container
    (name, cpu millicores, memory bytes), the scrape time and the window."""
    timestamp: int
    window: int
    containers: tuple[tuple[str, int, int], ...]

    def total(self, resource: str) -> int:
        i = 1 if resource == "cpu" else 2
        return sum(c[i] for c in self.containers)


def new_load_state() -> dict:
    """{"workload": {(kind, ns, name): {resource: amount}}, "pod": {(ns, name): {resource: amount}},
    "pod_metric": {(ns, metric): {"pods": {pod: milli}, "selectors": ((selector | None, milli), ...)}},
    "object_metric": {(kind, ns, name, metric): milli},
    "external_metric": {metric: {labels (sorted pairs): milli}}}"""
    return {"workload": {}, "pod": {}, "pod_metric": {}, "object_metric": {}, "external_metric": {}}


def parse_amount(resource: str, value: Any) -> int:
    """cpu → millicores, memory → bytes (Kubernetes quantities)."""
    if resource == "cpu":
        return cpu_millis(value)
    q = parse_quantity(value)
    return int(q) if q == int(q) else int(q) + 1


def parse_metric_value(value: Any) -> int:
    """A custom or external metric's value (a quantity) → milli-units, as
    the HPA reads it (resource.Quantity.MilliValue rounds up)."""
    return math.ceil(parse_quantity(value) * 1000)


from kstate.resources.loadprofile import PROFILE_SHAPES, is_profile, parse_profile, value_at  # noqa: E402,F401


def scale_selector(obj) -> Optional[Any]:
    """The pod selector of a scale target (the scale subresource's
    status.selector), through the kind registry."""
    spec = REGISTRY.get_kind(obj.KIND)
    if spec is None or spec.scale_selector is None:
        return None
    return spec.scale_selector(obj)


# ------------------------------------------------------------------ usage


def _split(total: int, weights: list[int]) -> list[int]:
    """`total` over parts in proportion to `weights` (evenly if all are 0),
    floors first and the remainder one by one to the first parts."""
    n = len(weights)
    if n == 0:
        return []
    if sum(weights) <= 0:
        weights = [1] * n
    s = sum(weights)
    parts = [total * w // s for w in weights]
    rest = total - sum(parts)
    for i in range(n):
        if rest <= 0:
            break
        if weights[i] > 0:
            parts[i] += 1
            rest -= 1
    return parts


_AMOUNTS: dict = {}


def _request(c, resource: str) -> int:
    v = c.resources.requests.get(resource)
    if v is None:
        return 0
    key = (resource, v)
    amount = _AMOUNTS.get(key)
    if amount is None:
        # requests are a handful of distinct strings: parse each once (a pure function of its input)
        amount = _AMOUNTS[key] = parse_amount(resource, v)
    return amount


def container_split(pod, resource: str, total: int) -> list[int]:
    return _split(total, [_request(c, resource) for c in pod.spec.containers])


def workload_groups(view, load: dict) -> tuple:
    """Per workload with a load, (its load inputs, the keys of its Running
    and Ready pods): what a scrape spreads the load over."""
    out = []
    for (kind, ns, name), amounts in sorted(load["workload"].items()):
        obj = view.get(kind, ns, name)
        if obj is None:
            continue
        sel = scale_selector(obj)
        if sel is None:
            continue
        pods = tuple((ns, p.metadata.name) for p in view.objects_matching("Pod", ns, sel)
                     if p.status.phase == "Running" and is_pod_ready(p) and p.metadata.deletion_timestamp is None)
        if pods:
            out.append((tuple(sorted(amounts.items())), pods))
    return tuple(out)


def workload_shares(groups: tuple, now: int) -> dict:
    """(ns, pod) → {resource: amount}: each workload's load at `now` split
    evenly over its ready pods (the remainder to the first by name)."""
    out: dict = {}
    for amounts, pods in groups:
        for resource, total in amounts:
            parts = _split(value_at(total, now), [1] * len(pods))
            for key, part in zip(pods, parts):
                d = out.setdefault(key, {})
                d[resource] = d.get(resource, 0) + part
    return out


def pod_usage(pod, load: dict, shares: dict, now: int = 0) -> dict:
    """{resource: amount} of one pod: API call > annotation > workload share > 0."""
    key = (pod.metadata.namespace, pod.metadata.name)
    direct = {r: value_at(v, now) for r, v in load["pod"].get(key, {}).items()}
    ann = pod.metadata.annotations
    out = {}
    for resource, ann_key in (("cpu", ANN_CPU), ("memory", ANN_MEMORY)):
        if resource in direct:
            out[resource] = direct[resource]
        elif ann_key in ann:
            try:
                out[resource] = parse_amount(resource, ann[ann_key])
            except Exception:  # noqa: BLE001 — a malformed annotation counts as no usage set
                out[resource] = shares.get(key, {}).get(resource, 0)
        else:
            out[resource] = shares.get(key, {}).get(resource, 0)
    return out


def containers_started(pod) -> bool:
    """metrics-server reports a pod once its containers run (the kubelet's
    summary has them): Running with every regular container running."""
    if pod.status.phase != "Running" or pod.metadata.deletion_timestamp is not None:
        return False
    sts = pod.status.container_statuses
    return bool(sts) and all(s.state.kind == "running" for s in sts)


#: id(containers tuple) → (that tuple, {(cpu, memory): per-container usage}).
#: Pods of one template share their containers tuple, and their usage takes
#: few distinct values, so a scrape mostly reuses a split computed before.
#: The tuple is kept in the value, so its id cannot be reused while cached.
_SPLITS: dict = {}


def container_usage(pod, cpu_total: int, mem_total: int) -> tuple:
    """((container, cpu millicores, memory bytes), …): the pod's usage split
    over its containers in proportion to their requests (container_split)."""
    cs = pod.spec.containers
    entry = _SPLITS.get(id(cs))
    if entry is None or entry[0] is not cs:
        if len(_SPLITS) > 4096:
            _SPLITS.clear()
        entry = _SPLITS[id(cs)] = (cs, {})
    memo = entry[1]
    key = (cpu_total, mem_total)
    out = memo.get(key)
    if out is None:
        cpu = container_split(pod, "cpu", cpu_total)
        mem = container_split(pod, "memory", mem_total)
        out = tuple((c.name, cpu[i], mem[i]) for i, c in enumerate(cs))
        if len(memo) < 256:
            memo[key] = out
    return out


def sample_pod(pod, load: dict, shares: dict, now: int) -> PodSample:
    usage = pod_usage(pod, load, shares, now)
    return PodSample(timestamp=now, window=RESOLUTION_MS,
                     containers=container_usage(pod, usage["cpu"], usage["memory"]))


# ------------------------------------------------------------------ the scraper


@attrs.frozen
class ScrapeObs:
    active: bool
    scheduled: Optional[int] = None
    pods: tuple = ()
    load: Any = None
    groups: tuple = ()


def _active(view, load: dict) -> bool:
    return bool(load["workload"] or load["pod"]) or view.has_any("HorizontalPodAutoscaler") or any(
        ANN_CPU in p.metadata.annotations or ANN_MEMORY in p.metadata.annotations for p in view.list("Pod"))


def observe_metrics(view, key) -> ScrapeObs:
    load = view.index(LOAD)
    scheduled = view.memory(NAME, NEXT, None)
    if not _active(view, load):
        return ScrapeObs(active=False, scheduled=scheduled)
    pods = tuple(p for p in view.list("Pod") if containers_started(p))
    return ScrapeObs(active=True, scheduled=scheduled, pods=pods, load=load,
                     groups=workload_groups(view, load))


def reconcile_metrics(obs: ScrapeObs, now: int) -> Result:
    """One scrape on the 15 s grid (a wake-up off the grid only waits for
    the next tick); idle when nothing asks for metrics."""
    if not obs.active:
        return Result(actions=(SetMemory(NAME, NEXT, None),)) if obs.scheduled is not None else NOTHING
    if obs.scheduled is not None and obs.scheduled > now:
        # this tick was scraped already: a change at the instant of a scrape shows at the next one
        return Result(requeue_after=obs.scheduled - now)
    off = now % RESOLUTION_MS
    if off:
        return Result(actions=(SetMemory(NAME, NEXT, now + RESOLUTION_MS - off),),
                      requeue_after=RESOLUTION_MS - off)
    shares = workload_shares(obs.groups, now)
    samples = FrozenDict({(p.metadata.namespace, p.metadata.name): sample_pod(p, obs.load, shares, now)
                          for p in obs.pods})
    return Result(actions=(SetMemory(NAME, SAMPLES, samples), SetMemory(NAME, NEXT, now + RESOLUTION_MS)),
                  requeue_after=RESOLUTION_MS)


def watch_hpas(old, new, view) -> list:
    return [SCRAPE]


def watch_pods(old, new, view) -> list:
    ann = new.metadata.annotations
    return [SCRAPE] if ANN_CPU in ann or ANN_MEMORY in ann else []


# ------------------------------------------------------------------ custom and external metrics
# The custom metrics API (a Prometheus adapter, say) serves what the world
# declares, at the time it is asked: no scrape grid, no readiness filtering
# (the HPA's replica calculator does that). A metric nobody set is missing.


def pod_metric_values(load: dict, namespace: str, metric: str, pods, metric_selector=None) -> dict:
    """custom metrics API `pods/*/<metric>` for the HPA's pods: pod name →
    milli-value. A value set for the pod by name wins
    over the latest selector that matches it (None matches every pod of the
    namespace). Series carry no labels, so a metric selector that does not
    match empty labels selects nothing."""
    entry = load.get("pod_metric", {}).get((namespace, metric))
    if entry is None or (metric_selector is not None and not metric_selector.matches({})):
        return {}
    out = {}
    for p in pods:
        name = p.metadata.name
        v = entry["pods"].get(name)
        if v is None:
            for sel, value in reversed(entry["selectors"]):
                if sel is None or sel.matches(p.metadata.labels):
                    v = value
                    break
        if v is not None:
            out[name] = v
    return out


def object_metric_value(load: dict, kind: str, namespace: str, name: str, metric: str,
                        metric_selector=None) -> Optional[int]:
    """custom metrics API `<kind>/<name>/<metric>`: the milli-value, or None."""
    if metric_selector is not None and not metric_selector.matches({}):
        return None
    return load.get("object_metric", {}).get((kind, namespace, name, metric))


def external_metric_values(load: dict, metric: str, metric_selector=None) -> Optional[tuple[int, ...]]:
    """external metrics API `<metric>?labelSelector=…`: the milli-values of
    every series whose labels the selector matches (no selector: all), in
    label order; None when none matches."""
    series = load.get("external_metric", {}).get(metric)
    if not series:
        return None
    vals = tuple(v for labels, v in sorted(series.items())
                 if metric_selector is None or metric_selector.matches(dict(labels)))
    return vals or None


def latest_samples(view) -> FrozenDict:
    return view.memory(NAME, SAMPLES, EMPTY)
