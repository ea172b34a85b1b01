"""Hypothesis strategies for what users apply: Kubernetes manifest dicts.

Every strategy draws plain JSON-like dicts (``{"apiVersion": "v1", "kind":
"Pod", ...}``), exactly what `Cluster.apply` accepts, so a falsifying example
prints as a manifest you can paste into a test or a YAML file::

    from hypothesis import given
    from kstate import Cluster
    from kstate.testing.strategies import node_manifests, pod_manifests

    @given(node_manifests(names="node-0"), pod_manifests(name="web"))
    def test_pod_is_accepted(node, pod):
        c = Cluster(nodes=[node])
        c.apply(pod)
        c.advance("1m")
        assert c.violations() == []

The values are chosen to exercise the model rather than its limits:

- nodes: cpu 1–8, memory 1Gi–32Gi, pods 5–110, optionally a zone label
  (``topology.kubernetes.io/zone`` a/b/c) and a ``dedicated=special:NoSchedule``
  taint;
- pods: 1–2 containers with distinct names, requests small enough that a pod
  usually fits (≤ 500m cpu, ≤ 512Mi memory per container), any restartPolicy,
  and kstate's timing annotations (start-after, ready-after, never-ready,
  exit-after + exit-code, stop-after), optionally a nodeSelector on the zone,
  a toleration for the taint, and (when asked) a spec.nodeName;
- deployments: 0–8 replicas, RollingUpdate (maxSurge / maxUnavailable 0–3 or
  "0%"–"50%", never both zero) or Recreate, minReadySeconds 0–5,
  progressDeadlineSeconds 30–600, revisionHistoryLimit 0–5, and a pod
  template labelled app=<name> with one container (tiny requests, an image
  from `DEPLOYMENT_IMAGES`) and optional timing annotations (start-after
  0–3 s, ready-after 0–5 s, occasionally never-ready, stop-after 0–20 s).

Strategy reprs are the calls that built them (``pod_manifests(name='web')``),
so they can be pasted back.
"""
from __future__ import annotations

from typing import Union

from hypothesis import strategies as st

from kstate.units import format_duration

__all__ = [
    "ANN_EXIT_AFTER", "ANN_EXIT_CODE", "ANN_NEVER_READY", "ANN_READY_AFTER", "ANN_START_AFTER", "ANN_STOP_AFTER",
    "DEPLOYMENT_IMAGES", "TAINT_KEY", "TAINT_VALUE", "ZONE_LABEL", "ZONES", "deployment_manifests",
    "dns_labels", "durations", "int_or_percent", "node_manifests", "pod_manifests", "template_annotations",
]

# The annotation names are kstate's public contract (kstate/io/core_v1_pod.py
# validates them, specs/profiles/default.yaml consumes them); spelled out
# here so the strategies read like the manifests they produce.
ANN_START_AFTER = "kstate.io/start-after"
ANN_READY_AFTER = "kstate.io/ready-after"
ANN_NEVER_READY = "kstate.io/never-ready"
ANN_EXIT_AFTER = "kstate.io/exit-after"
ANN_EXIT_CODE = "kstate.io/exit-code"
ANN_STOP_AFTER = "kstate.io/stop-after"

ZONE_LABEL = "topology.kubernetes.io/zone"
ZONES = ("a", "b", "c")
#: the one user taint the strategies put on nodes, and that pods may tolerate.
TAINT_KEY = "dedicated"
TAINT_VALUE = "special"

IMAGES = ("nginx:1.27", "busybox:1.36", "redis:7", "registry.k8s.io/pause:3.9")
CONTAINER_NAMES = ("app", "sidecar", "proxy", "worker")
CPU_REQUESTS = ("50m", "100m", "250m", "500m")
MEMORY_REQUESTS = ("64Mi", "128Mi", "256Mi", "512Mi")

#: the images Deployment templates use (a small set, so rollouts return to old templates).
DEPLOYMENT_IMAGES = ("nginx:1.25", "nginx:1.27", "busybox:1.36")
#: Deployment pods ask for little, so that capacity rarely decides a rollout.
DEPLOYMENT_CPU_REQUESTS = ("10m", "25m", "50m")
DEPLOYMENT_MEMORY_REQUESTS = ("16Mi", "32Mi", "64Mi")

NameArg = Union[str, st.SearchStrategy, None]


def dns_labels() -> st.SearchStrategy[str]:
    """RFC 1123 labels, short: what Kubernetes accepts as a pod or node name."""
    return st.from_regex(r"\A[a-z]([a-z0-9-]{0,10}[a-z0-9])?\Z")


def _names(value: NameArg, default: st.SearchStrategy) -> st.SearchStrategy:
    if value is None:
        return default
    if isinstance(value, str):
        return st.just(value)
    return value


def _seconds(lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.integers(lo, hi).map(lambda s: f"{s}s")


@st.composite
def durations(draw, min_ms: int = 500, max_ms: int = 600_000) -> str:
    """Duration strings from "500ms" to "10m" by default, in Go's format
    ("750ms", "45s", "2m30s"). Shrinks toward `min_ms`; short, medium and
    long spans are drawn about equally often."""
    bands = [(lo, hi) for lo, hi in ((min_ms, 10_000), (10_000, 120_000), (120_000, max_ms)) if lo <= min(hi, max_ms)]
    lo, hi = draw(st.sampled_from(bands))
    hi = min(hi, max_ms)
    ms = draw(st.integers(max(lo, min_ms), hi))
    if ms >= 1000:
        ms -= ms % 1000  # whole seconds above 1 s: easier to read
    return format_duration(max(ms, min_ms))


@st.composite
def node_manifests(draw, names: NameArg = None) -> dict:
    """A Node manifest: capacity, optional zone label, optional NoSchedule taint.
    `names` is a name, a strategy of names, or None for any DNS label."""
    name = draw(_names(names, dns_labels()))
    labels = {}
    zone = draw(st.none() | st.sampled_from(ZONES))
    if zone is not None:
        labels[ZONE_LABEL] = zone
    spec: dict = {}
    if draw(st.booleans()):
        spec["taints"] = [{"key": TAINT_KEY, "value": TAINT_VALUE, "effect": "NoSchedule"}]
    cpu = draw(st.integers(1, 8))
    memory = draw(st.integers(1, 32))
    pods = draw(st.integers(5, 110))
    doc = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}
    if labels:
        doc["metadata"]["labels"] = labels
    if spec:
        doc["spec"] = spec
    doc["status"] = {"capacity": {"cpu": str(cpu), "memory": f"{memory}Gi", "pods": str(pods)}}
    return doc


@st.composite
def _container(draw, name: str) -> dict:
    c = {"name": name, "image": draw(st.sampled_from(IMAGES))}
    requests = {}
    if draw(st.booleans()):
        requests["cpu"] = draw(st.sampled_from(CPU_REQUESTS))
    if draw(st.booleans()):
        requests["memory"] = draw(st.sampled_from(MEMORY_REQUESTS))
    if requests:
        c["resources"] = {"requests": requests}
    return c


@st.composite
def pod_manifests(draw, name: NameArg = None, namespace: NameArg = None, node_names: NameArg = None) -> dict:
    """A Pod manifest a user could apply: 1–2 containers, optional requests,
    restartPolicy, kstate timing annotations, zone nodeSelector, toleration.
    With `node_names` (a name or a strategy) about one pod in six names its
    node in spec.nodeName, bypassing the scheduler as `kubectl run
    --overrides` or a static-pod-like manifest would.
    `name` is a name, a strategy of names, or None for any DNS label;
    `namespace` (a name or a strategy) None leaves the field out (the API
    server's "default")."""
    pod_name = draw(_names(name, dns_labels()))
    ns = draw(_names(namespace, st.none()))
    cnames = draw(st.lists(st.sampled_from(CONTAINER_NAMES), min_size=1, max_size=2, unique=True))
    containers = [draw(_container(n)) for n in cnames]
    spec: dict = {"containers": containers}
    policy = draw(st.sampled_from(("Always", "OnFailure", "Never")))
    spec["restartPolicy"] = policy
    ann: dict[str, str] = {}
    if draw(st.booleans()):
        ann[ANN_START_AFTER] = draw(_seconds(0, 5))
    if draw(st.booleans()):
        ann[ANN_NEVER_READY] = "true"
    elif draw(st.booleans()):
        ann[ANN_READY_AFTER] = draw(_seconds(0, 10))
    if draw(st.integers(0, 3)) == 0:
        ann[ANN_EXIT_AFTER] = draw(_seconds(1, 60))
        ann[ANN_EXIT_CODE] = draw(st.sampled_from(("0", "1")))
    if draw(st.booleans()):
        ann[ANN_STOP_AFTER] = draw(_seconds(0, 40))
    if draw(st.integers(0, 3)) == 0:
        spec["nodeSelector"] = {ZONE_LABEL: draw(st.sampled_from(ZONES))}
    if node_names is not None and draw(st.integers(0, 5)) == 0:
        spec["nodeName"] = draw(_names(node_names, dns_labels()))
    if draw(st.booleans()):
        spec["tolerations"] = [{"key": TAINT_KEY, "operator": "Equal", "value": TAINT_VALUE,
                                "effect": "NoSchedule"}]
    meta: dict = {"name": pod_name}
    if ns is not None:
        meta["namespace"] = ns
    if ann:
        meta["annotations"] = ann
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def int_or_percent(max_int: int = 3, max_percent: int = 50, minimum: int = 0) -> st.SearchStrategy:
    """An IntOrString for maxSurge / maxUnavailable: an int `minimum`..`max_int`
    or a percent string "`minimum`%".."`max_percent`%"."""
    return st.integers(minimum, max_int) | st.integers(minimum, max_percent).map(lambda p: f"{p}%")


@st.composite
def template_annotations(draw) -> dict:
    """kstate timing annotations for a Deployment's pod template: start-after
    0–3 s, ready-after 0–5 s or (about one template in eight) never-ready,
    stop-after 0–20 s; each optional."""
    ann: dict[str, str] = {}
    if draw(st.booleans()):
        ann[ANN_START_AFTER] = draw(_seconds(0, 3))
    if draw(st.integers(0, 7)) == 0:
        ann[ANN_NEVER_READY] = "true"
    elif draw(st.booleans()):
        ann[ANN_READY_AFTER] = draw(_seconds(0, 5))
    if draw(st.booleans()):
        ann[ANN_STOP_AFTER] = draw(_seconds(0, 20))
    return ann


@st.composite
def _strategy(draw) -> dict:
    if draw(st.integers(0, 3)) == 0:
        return {"type": "Recreate"}
    surge = draw(int_or_percent())
    zero = surge in (0, "0%")
    unavailable = draw(int_or_percent(minimum=1 if zero else 0))  # validation: not both 0
    return {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}


@st.composite
def deployment_manifests(draw, name: NameArg = None, namespace: NameArg = None) -> dict:
    """An apps/v1 Deployment manifest a user could apply: selector and
    template label app=<name>, one container "app", a strategy, the rollout
    knobs (minReadySeconds, progressDeadlineSeconds, revisionHistoryLimit)
    and the template's timing annotations (`template_annotations`).
    `name` is a name, a strategy of names, or None for any DNS label;
    `namespace` None leaves the field out (the API server's "default")."""
    d_name = draw(_names(name, dns_labels()))
    ns = draw(_names(namespace, st.none()))
    container: dict = {"name": "app", "image": draw(st.sampled_from(DEPLOYMENT_IMAGES))}
    requests = {}
    if draw(st.booleans()):
        requests["cpu"] = draw(st.sampled_from(DEPLOYMENT_CPU_REQUESTS))
    if draw(st.booleans()):
        requests["memory"] = draw(st.sampled_from(DEPLOYMENT_MEMORY_REQUESTS))
    if requests:
        container["resources"] = {"requests": requests}
    template: dict = {"metadata": {"labels": {"app": d_name}}, "spec": {"containers": [container]}}
    ann = draw(template_annotations())
    if ann:
        template["metadata"]["annotations"] = ann
    spec = {
        "replicas": draw(st.integers(0, 8)),
        "selector": {"matchLabels": {"app": d_name}},
        "strategy": draw(_strategy()),
        "minReadySeconds": draw(st.integers(0, 5)),
        "progressDeadlineSeconds": draw(st.integers(30, 600)),
        "revisionHistoryLimit": draw(st.integers(0, 5)),
        "template": template,
    }
    meta: dict = {"name": d_name}
    if ns is not None:
        meta["namespace"] = ns
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec}


#: the label the affinity-bearing pods group by (affinity_pod_manifests).
GROUP_LABEL = "group"
GROUPS = ("a", "b")


@st.composite
def affinity_pod_manifests(draw, name: NameArg = None, namespace: NameArg = None) -> dict:
    """A Pod in group a or b (label `group`) carrying pod relations the
    scheduler must honour: required hostname anti-affinity to its group, a
    DoNotSchedule zone spread constraint (maxSkew 1) over its group, required
    zone affinity to the other group, or only preferred terms. Requests are
    small so that placement is decided by the relations, not by capacity."""
    pod = draw(pod_manifests(name=name, namespace=namespace))
    group = draw(st.sampled_from(GROUPS))
    other = GROUPS[1 - GROUPS.index(group)]
    pod["metadata"].setdefault("labels", {})[GROUP_LABEL] = group
    spec = pod["spec"]
    spec.pop("nodeSelector", None)
    sel = {"matchLabels": {GROUP_LABEL: group}}
    kind = draw(st.sampled_from(("anti", "spread", "affinity", "preferred")))
    if kind == "anti":
        spec["affinity"] = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": sel, "topologyKey": "kubernetes.io/hostname"}]}}
    elif kind == "spread":
        spec["topologySpreadConstraints"] = [{"maxSkew": 1, "topologyKey": ZONE_LABEL,
                                              "whenUnsatisfiable": "DoNotSchedule", "labelSelector": sel}]
    elif kind == "affinity":
        spec["affinity"] = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {GROUP_LABEL: other}}, "topologyKey": ZONE_LABEL}]}}
    else:
        spec["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": draw(st.integers(1, 100)), "podAffinityTerm": {"labelSelector": sel,
                                                                      "topologyKey": "kubernetes.io/hostname"}}]}}
    return pod
