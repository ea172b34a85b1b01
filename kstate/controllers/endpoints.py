"""The Endpoints and EndpointSlice controllers: pure observe/reconcile per
Service, and their watch maps.

Sources (Kubernetes v1.35): pkg/controller/endpoint/endpoints_controller.go
syncService (a Service without a selector is left alone; its Endpoints are
the user's; the Endpoints object is named after the Service, carries its
labels, and is deleted with it; ready pods in `addresses`, others in
`notReadyAddresses`), pkg/controller/endpointslice/endpointslice_controller.go
and reconciler.go (slices named `<service>-<random>`, labelled
kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by, owned
by the Service; at most 100 endpoints each), staging/src/k8s.io/endpointslice
utils.go podToEndpoint (see kstate.network.endpoints, which computes the
content). Pod changes map to Services through the declared index
services-by-selector (each Service filed under one pair of its selector), so a
pod event costs the Services sharing a label pair with it, not all Services
of its namespace (getPodServiceMemberships lists the namespace's Services).

Slice names are `<service>-<5 characters>` as generateName gives, derived
from the Service's uid rather than drawn at random (see `_slice_name`).

kstate's slice reconciler is simpler than reconciler.go's: the desired slices
(grouped by resolved ports, endpoints sorted by IP, cut at 100) are matched
to the existing ones in name order, changed in place, created or deleted —
the same content, not necessarily the same slice boundaries as Kubernetes'
fill-and-reuse strategy after many changes.
"""
from __future__ import annotations

import hashlib
from typing import Any, NamedTuple, Optional

from kstate.controllers.actions import NOTHING, Create, Delete, Result, Update
from kstate.network import endpoints as epmod
from kstate.resources.endpoints import (
    EndpointAddress, EndpointPort, Endpoints, EndpointsData, EndpointSlice, EndpointSubset, SliceData,
    SliceEndpoint, TargetRef,
)
from kstate.resources.frozen import FrozenDict, evolve
from kstate.resources.meta import ObjectMeta, OwnerReference
from kstate.resources.selector import selector_from_labels

ENDPOINTS = "endpoint-controller"
SLICES = "endpointslice-controller"
LABEL_SERVICE_NAME = "kubernetes.io/service-name"
LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
MANAGED_BY = "endpointslice-controller.k8s.io"
LABEL_HEADLESS = "service.kubernetes.io/headless"
#: the declared index kstate.indexes keeps: (namespace, key, value) → Service names
SERVICES_BY_SELECTOR = "services-by-selector"


class EndpointsObs(NamedTuple):
    key: tuple
    svc: Any
    pods: tuple
    current: Any            # Endpoints or None
    zones: Any


class SliceObs(NamedTuple):
    key: tuple
    svc: Any
    pods: tuple
    slices: tuple           # this controller's EndpointSlices of the Service, by name
    zones: Any


def _pods(view, svc) -> tuple:
    if svc is None or svc.spec.selector is None:
        return ()
    return tuple(view.objects_matching("Pod", svc.metadata.namespace, selector_from_labels(dict(svc.spec.selector))))


def _zones(view, pods) -> FrozenDict:
    out = {}
    for p in pods:
        n = p.spec.node_name
        if n and n not in out:
            node = view.get("Node", "", n)
            out[n] = node.metadata.labels.get(epmod.LABEL_ZONE, "") if node is not None else ""
    return FrozenDict(out)


def observe_endpoints(view, key) -> EndpointsObs:
    ns, name = key
    svc = view.get("Service", ns, name)
    pods = _pods(view, svc)
    return EndpointsObs(key, svc, pods, view.get("Endpoints", ns, name), _zones(view, pods))


def _labels(svc, extra: dict) -> FrozenDict:
    labels = dict(svc.metadata.labels)
    labels.update(extra)
    if svc.spec.cluster_ip == "None":
        labels[LABEL_HEADLESS] = ""
    return FrozenDict(labels)


def _target(pod_name: str, ns: str, uids: dict) -> TargetRef:
    return TargetRef("Pod", ns, pod_name, uids.get(pod_name, ""))


def desired_subsets(svc, pods, zones) -> tuple:
    """syncService's subsets: per port resolution, ready and not-ready addresses."""
    ns = svc.metadata.namespace
    uids = {p.metadata.name: p.metadata.uid for p in pods}
    out = []
    for g in epmod.endpoint_groups(svc, pods, zones, include_terminating=svc.spec.publish_not_ready_addresses):
        ready = tuple(EndpointAddress(e.ip, e.node_name, e.hostname, _target(e.pod, ns, uids))
                      for e in g.endpoints if e.ready)
        not_ready = tuple(EndpointAddress(e.ip, e.node_name, e.hostname, _target(e.pod, ns, uids))
                          for e in g.endpoints if not e.ready)
        out.append(EndpointSubset(ready, not_ready, tuple(EndpointPort(p, n, proto) for n, p, proto in g.ports)))
    return tuple(out)


def reconcile_endpoints(obs: EndpointsObs, now: int) -> Result:
    """endpoints_controller.go syncService."""
    ns, name = obs.key
    if obs.svc is None:
        if obs.current is not None:
            # the Service is gone: its Endpoints go too (the user's as well, as in Kubernetes)
            return Result((Delete("Endpoints", ns, name, obs.current.metadata.uid),))
        return NOTHING
    if obs.svc.spec.selector is None:
        return NOTHING
    data = EndpointsData(desired_subsets(obs.svc, obs.pods, obs.zones))
    labels = _labels(obs.svc, {})
    if obs.current is None:
        return Result((Create(Endpoints(ObjectMeta(name=name, namespace=ns, labels=labels), data)),))
    if obs.current.spec == data and obs.current.metadata.labels == labels:
        return NOTHING
    return Result((Update(evolve(obs.current, metadata=evolve(obs.current.metadata, labels=labels), spec=data)),))


def observe_slices(view, key) -> SliceObs:
    ns, name = key
    svc = view.get("Service", ns, name)
    pods = _pods(view, svc)
    slices = ()
    if svc is not None:
        slices = tuple(s for s in view.owned_by(svc.metadata.uid, "EndpointSlice")
                       if s.metadata.labels.get(LABEL_MANAGED_BY) == MANAGED_BY)
        slices = tuple(sorted(slices, key=lambda s: s.metadata.name))
    return SliceObs(key, svc, pods, slices, _zones(view, pods))


def desired_slices(svc, pods, zones) -> list[SliceData]:
    ns = svc.metadata.namespace
    uids = {p.metadata.name: p.metadata.uid for p in pods}
    groups = epmod.endpoint_groups(svc, pods, zones)
    if not groups:
        # a Service with a selector always has a slice: a placeholder without endpoints or ports
        return [SliceData("IPv4", (), ())]
    out = []
    for g in epmod.slices_of(groups):
        eps = tuple(SliceEndpoint((e.ip,), e.ready, e.serving, e.terminating, e.node_name, e.zone, e.hostname,
                                  _target(e.pod, ns, uids)) for e in g.endpoints)
        out.append(SliceData("IPv4", eps, tuple(EndpointPort(p, n, proto) for n, p, proto in g.ports)))
    return out


def reconcile_slices(obs: SliceObs, now: int) -> Result:
    """endpointslice_controller.go syncService + reconciler.go reconcile
    (simplified matching, see the module docstring)."""
    svc = obs.svc
    if svc is None or svc.spec.selector is None:
        return NOTHING          # owned slices go with the Service (garbage collector)
    ns, name = obs.key
    labels = _labels(svc, {LABEL_SERVICE_NAME: name, LABEL_MANAGED_BY: MANAGED_BY})
    want = desired_slices(svc, obs.pods, obs.zones)
    actions = []
    for cur, data in zip(obs.slices, want):
        if cur.spec != data or cur.metadata.labels != labels:
            actions.append(Update(evolve(cur, metadata=evolve(cur.metadata, labels=labels), spec=data)))
    owner = OwnerReference(api_version="v1", kind="Service", name=name, uid=svc.metadata.uid, controller=True,
                           block_owner_deletion=True)
    taken = {cur.metadata.name for cur in obs.slices}
    for data in want[len(obs.slices):]:
        slice_name = _slice_name(name, svc.metadata.uid, taken)
        taken.add(slice_name)
        meta = ObjectMeta(name=slice_name, generate_name=f"{name}-", namespace=ns, labels=labels,
                          owner_references=(owner,))
        actions.append(Create(EndpointSlice(meta, data)))
    for cur in obs.slices[len(want):]:
        actions.append(Delete("EndpointSlice", ns, cur.metadata.name, cur.metadata.uid))
    return Result(tuple(actions)) if actions else NOTHING


_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"     # apimachinery's rand.String alphabet


def _slice_name(service: str, uid: str, taken: set) -> str:
    """`<service>-<5 characters>` like the API server's generateName, but
    derived from the Service's uid (controllers draw no randomness, and a
    draw from the engine's name stream would rename every later pod)."""
    i = 0
    while True:
        digest = hashlib.sha256(f"{uid}/{i}".encode()).digest()
        name = f"{service[:57]}-" + "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:5])
        if name not in taken:
            return name
        i += 1


# ------------------------------------------------------------------ watches

def watch_services(old, new, view):
    svc = new if new is not None else old
    yield (svc.metadata.namespace, svc.metadata.name)


def _endpoint_view(pod) -> Optional[tuple]:
    """What of a pod its Services' endpoints depend on."""
    if pod is None:
        return None
    ready = any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions)
    return (pod.status.pod_ip, pod.status.phase, ready, pod.metadata.deletion_timestamp is not None,
            pod.spec.node_name, pod.spec.hostname, pod.spec.subdomain, pod.metadata.labels)


def services_of_pod(view, pod, labels_list) -> list:
    """The Services of the pod's namespace whose selector matches one of
    `labels_list`, found through the services-by-selector index (each Service
    is filed under one (namespace, key, value) of its selector)."""
    ns = pod.metadata.namespace
    index = view.index(SERVICES_BY_SELECTOR)
    names: set = set()
    for labels in labels_list:
        for k, v in labels.items():
            names |= index.get((ns, k, v), set())
    out = []
    for name in sorted(names):
        svc = view.get("Service", ns, name)
        if svc is None or svc.spec.selector is None:
            continue
        if any(all(lab.get(k) == v for k, v in svc.spec.selector.items()) for lab in labels_list):
            out.append((ns, name))
    return out


def watch_pods(old, new, view):
    """getPodServiceMemberships: the Services of the pod's namespace whose
    selector matches its old or new labels, when something endpoints depend
    on changed. Runs on every pod change, so it first asks the index whether
    any selecting Service could match at all (cheapest test first)."""
    pod = new if new is not None else old
    index = view.index(SERVICES_BY_SELECTOR)
    if not index:
        return []
    if _LAST[0] is old and _LAST[1] is new and _LAST[2] is view:
        return _LAST[3]      # the EndpointSlice controller's watch right after the Endpoints one
    out = _watch_pods(old, new, view, pod, index)
    _LAST[:] = [old, new, view, out]
    return out


#: the last (old, new, view) watch_pods answered, and its answer: the
#: Endpoints and EndpointSlice controllers watch pods with the same map, one
#: right after the other. A pure memo: the same change gives the same keys.
_LAST: list = [None, None, None, []]


def _watch_pods(old, new, view, pod, index) -> list:
    ns = pod.metadata.namespace
    if not any((ns, k, v) in index for p in (old, new) if p is not None for k, v in p.metadata.labels.items()):
        return []
    if _endpoint_view(old) == _endpoint_view(new):
        return []
    return services_of_pod(view, pod, [p.metadata.labels for p in (old, new) if p is not None])


def watch_nodes(old, new, view):
    """A node's zone label feeds its endpoints' zone."""
    if old is None or new is None:
        return
    if old.metadata.labels.get(epmod.LABEL_ZONE) == new.metadata.labels.get(epmod.LABEL_ZONE):
        return
    seen: set = set()
    for pod in view.placed("Pod", new.metadata.name):
        for key in services_of_pod(view, pod, [pod.metadata.labels]):
            if key not in seen:
                seen.add(key)
                yield key
