"""`kstate.Cluster`: the public API, joining the engine and io/.

Owns: argument handling the way kubectl users expect (kind aliases, durations
as strings, selectors as dicts or strings), all-or-nothing apply, and the user
operations (node faults, cordon/drain, snapshots). The engine does the work;
io/ parses manifests. Nothing here reconciles.
"""
from __future__ import annotations

import datetime as _dt
import os
from typing import Any, Iterable, Optional, Union

import attrs

from kstate.controllers import kubelet as kubelet_mod
from kstate.controllers.actions import SetMemory, ref_of
from kstate.controllers.timing import Profile
from kstate.engine import serial
from kstate.engine.core import Engine
from kstate.errors import (
    AlreadyExists, APIStatusError, InvalidOperation, KstateError, NotFound, NotStable, SpecError, TooManyRequests,
)
from kstate.io import load_sourced_file, parse_manifests
from kstate.io.manifests import DocumentSources, parse_manifest_sources
from kstate.io.profile import load_profile
from kstate.network import ipallocator, ipam
import kstate.kinds  # noqa: F401  (registers the built-in kinds, controllers and indexes)
from kstate.kinds.network import bootstrap_services
from kstate.kinds.scheduling import bootstrap_priority_classes
from kstate.kinds.core import last_heartbeat, node_transition, ready_conditions
from kstate.kinds.stored import crd_names, custom_kind, is_custom_group
from kstate.resources.unstructured import Unstructured
from kstate.registry import REGISTRY, SCOPE_KIND
from kstate.resources.frozen import FrozenDict, evolve
from kstate.resources.meta import MAX_TIME_MS, controller_of, parse_time, to_datetime
from kstate.resources.node import Node, Taint
from kstate.resources.pod import ContainerState
from kstate.resources.selector import LabelSelector, parse_selector, selector_from_labels
from kstate.resources.selector import validate_label_key, validate_label_value
from kstate.units import INT32_MAX, MAX_NODES, parse_duration

DEFAULT_START = "2026-01-01T00:00:00Z"
#: DeleteOptions.propagationPolicy values (metav1.DeletionPropagation).
PROPAGATION_POLICIES = ("Orphan", "Background", "Foreground")



#: kubectl drain's wait between evictions a disruption budget refused (evictPods).
DRAIN_RETRY_MS = 5_000
#: how long a drain without timeout keeps retrying while the cluster is still
#: changing (kubectl's 0 means forever; a simulation has to stop somewhere).
DRAIN_FOREVER_MS = 3_600_000
#: kubectl drain filters.go messages.
_DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
_DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
_LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
_LOCAL_STORAGE_WARNING = "deleting Pods with local storage"
_UNMANAGED_FATAL = "cannot delete Pods that declare no controller (use --force to override)"
_UNMANAGED_WARNING = "deleting Pods that declare no controller"
_MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


@attrs.frozen
class DrainResult:
    """What `Cluster.drain` did: the pods evicted (namespace/name, in order),
    the DaemonSet pods left alone, kubectl's warnings, and the pods it could
    not evict with kubectl's error for each."""
    node: str
    evicted: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed


def _drain_filters(eng, pods, force: bool, ignore_daemonsets: bool, delete_emptydir_data: bool):
    """drain.go GetPodsForDeletion with filters.go makeFilters: each pod runs
    through skipDeleted, daemonSet, mirrorPod, localStorage and unreplicated
    until one says not to delete it. Returns (pods to evict, DaemonSet pods
    ignored, warnings) or raises kubectl's errors (PodDeleteList.errors,
    aggregated as utilerrors does: one message alone, several in [...])."""
    keep, ignored = [], []
    errors: dict[str, list[str]] = {}
    warns: dict[str, list[str]] = {}
    okay = (True, "", "")

    def daemonset_filter(pod, ref, finished):
        if ref is None or ref.kind != "DaemonSet" or finished:
            return okay
        if eng.get("DaemonSet", pod.metadata.namespace, ref.name) is None:
            msg = f'daemonsets.apps "{ref.name}" not found'
            return (True, "warn", msg) if force else (False, "error", msg)
        return (False, "warn", _DAEMONSET_WARNING) if ignore_daemonsets else (False, "error", _DAEMONSET_FATAL)

    def mirror_filter(pod, ref, finished):
        return (False, "", "") if _MIRROR_ANNOTATION in pod.metadata.annotations else okay

    def local_storage_filter(pod, ref, finished):
        if finished or not any(isinstance(v, dict) and "emptyDir" in v for v in pod.spec.extra.get("volumes") or ()):
            return okay
        return (True, "warn", _LOCAL_STORAGE_WARNING) if delete_emptydir_data else (False, "error", _LOCAL_STORAGE_FATAL)

    def unreplicated_filter(pod, ref, finished):
        if finished or ref is not None:
            return okay
        return (True, "warn", _UNMANAGED_WARNING) if force else (False, "error", _UNMANAGED_FATAL)

    for pod in pods:
        key = f"{pod.metadata.namespace}/{pod.metadata.name}"
        finished = pod.status.phase in ("Succeeded", "Failed")
        ref = controller_of(pod.metadata)
        status = okay
        for f in (daemonset_filter, mirror_filter, local_storage_filter, unreplicated_filter):
            status = f(pod, ref, finished)
            if not status[0]:
                break
        delete, kind, msg = status
        if kind == "error":
            errors.setdefault(msg, []).append(key)
        elif kind == "warn":
            warns.setdefault(msg, []).append(key)
        if delete:
            keep.append(pod)
        elif msg == _DAEMONSET_WARNING:
            ignored.append(key)
    if errors:
        texts = [f"{m}: {', '.join(ps)}" if m.lower().startswith("cannot delete") else
                 f"cannot delete {m}: {', '.join(ps)}" for m, ps in errors.items()]
        path = "force" if _UNMANAGED_FATAL in errors else "ignore_daemonsets" if _DAEMONSET_FATAL in errors else (
            "delete_emptydir_data" if _LOCAL_STORAGE_FATAL in errors else "name")
        raise InvalidOperation(texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]", path)
    return keep, ignored, [f"{m}: {', '.join(ps)}" for m, ps in warns.items()]


def resolve_kind(kind: str) -> str:
    """'pods', 'po', 'Pod' → 'Pod' (kubectl's resource names, from the kind registry)."""
    return REGISTRY.resolve(kind).kind


def _ms(value: Union[str, int, float], what: str) -> int:
    try:
        return parse_duration(value)
    except SpecError as e:
        raise SpecError(e.message, what) from None


def _start_ms(start: Union[str, int, _dt.datetime]) -> int:
    if isinstance(start, _dt.datetime):
        if start.tzinfo is None:
            raise SpecError("start must be timezone-aware (UTC)", "start")
        ms = int(start.timestamp() * 1000)
    elif isinstance(start, int) and not isinstance(start, bool):
        ms = start
    else:
        try:
            ms = parse_time(str(start))
        except ValueError:
            raise SpecError(f"invalid start time {start!r}: want RFC 3339 like {DEFAULT_START}", "start") from None
    if not 0 <= ms <= MAX_TIME_MS:
        raise SpecError(f"Invalid value: {start!r}: must be between 1970-01-01T00:00:00Z and "
                        "9999-12-31T23:59:59Z", "start")
    return ms


def _deadline(now: int, duration, what: str) -> int:
    """now + duration, refused past the last time Kubernetes can write (year 9999)."""
    end = now + _ms(duration, what)
    if end > MAX_TIME_MS:
        raise SpecError(f"Invalid value: {duration!r}: simulated time would pass 9999-12-31T23:59:59Z", what)
    return end


class Cluster:
    """A simulated Kubernetes cluster on a deterministic clock.

    >>> c = Cluster(nodes=3, seed=0)
    >>> c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
    ...          "spec": {"containers": [{"name": "app", "image": "nginx"}]}}).metadata.name
    'web'
    >>> c.run_until_stable()
    >>> c.get("Pod", "web").status.phase
    'Running'
    """

    def __init__(self, nodes: Union[int, Iterable[Any]] = 3, seed: int = 0,
                 start: Union[str, int, _dt.datetime] = DEFAULT_START, profile: Any = "default",
                 cluster_cidr: str = ipam.DEFAULT_CLUSTER_CIDR, node_cidr_mask: int = ipam.DEFAULT_NODE_MASK,
                 service_cidr: str = ipallocator.DEFAULT_SERVICE_CIDR,
                 controllers: Optional[dict] = None, enforce_machines: bool = True, record_trace: bool = True,
                 validate_schemas: bool = False, kube_proxy: Optional[Any] = None,
                 load_balancer_pool: Optional[str] = None):
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise SpecError(f"seed must be an integer, got {seed!r}", "seed")
        _check_network(cluster_cidr, node_cidr_mask)
        if isinstance(nodes, bool) or nodes is None or isinstance(nodes, (float, dict, bytes)):
            raise SpecError(f"nodes must be a count or a list of Node manifests, got {nodes!r}", "nodes")
        if isinstance(nodes, int) and not 0 <= nodes <= MAX_NODES:
            raise SpecError(f"Invalid value: {nodes}: must be between 0 and {MAX_NODES}", "nodes")
        prof = profile if isinstance(profile, Profile) else load_profile(profile)
        #: also check stored kinds against Kubernetes' OpenAPI schemas (extra kstate[schemas])
        self.validate_schemas = bool(validate_schemas)
        self._engine = Engine(seed=seed, start=_start_ms(start), profile=prof, cluster_cidr=cluster_cidr,
                              node_cidr_mask=node_cidr_mask, controllers=controllers,
                              enforce_machines=enforce_machines, record_trace=record_trace)
        try:
            if ipallocator.service_range(service_cidr)[1] < 1:
                raise ValueError(service_cidr)
        except ValueError:
            raise SpecError(f"Invalid value: {service_cidr!r}: must be a valid CIDR with room for Service IPs "
                            "(e.g. 10.96.0.0/12)", "service_cidr") from None
        if load_balancer_pool is not None:
            try:
                if not isinstance(load_balancer_pool, str):
                    raise ValueError(load_balancer_pool)
                ipallocator.pool_addresses(load_balancer_pool)
            except ValueError:
                raise SpecError(f"Invalid value: {load_balancer_pool!r}: must be a CIDR or a range first-last of "
                                "IP addresses (e.g. 192.0.2.0/28 or 192.0.2.10-192.0.2.20)",
                                "load_balancer_pool") from None
        bootstrap_services(self._engine, service_cidr, load_balancer_pool)
        # kube-proxy's first (full) sync, once the informers have the bootstrap Service
        from kstate.controllers import kubeproxy as _kube_proxy
        self._engine.enqueue(_kube_proxy.NAME, _kube_proxy.KEY)
        bootstrap_priority_classes(self._engine)
        #: the kube-proxy implementation the nodes run (a pure function with the
        #: signature of kstate.network.kubeproxy.iptables_save; not snapshotted)
        self._engine.kube_proxy = kube_proxy
        if isinstance(nodes, bool):
            raise SpecError("nodes must be a count or a list of Node manifests", "nodes")
        if isinstance(nodes, int):
            for i in range(nodes):
                self.add_node(f"node-{i}")
        else:
            objs = parse_manifests(list(nodes) if not isinstance(nodes, str) else nodes, source="nodes")
            if any(o.KIND != "Node" for o in objs):
                raise SpecError("nodes: only Node manifests are allowed", "nodes")
            self._apply_objects(objs)
        self._engine.run_to(self._engine.now)

    # ------------------------------------------------------------ reading

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def now(self) -> _dt.datetime:
        return to_datetime(self._engine.now)

    @property
    def elapsed_ms(self) -> int:
        return self._engine.now - self._engine.start

    def get(self, kind: str, name: str, namespace: str = "default"):
        _check_str(name, "metadata.name")
        _check_str(namespace, "metadata.namespace")
        kind = resolve_kind(kind)
        ns = namespace if REGISTRY.kind(kind).namespaced else ""
        obj = self._engine.get(kind, ns, name)
        if obj is None:
            raise NotFound(f'{kind.lower()}s "{name}" not found' + (f" in namespace {ns}" if ns else ""))
        return obj

    def list(self, kind: str, namespace: Optional[str] = None,
             selector: Union[None, str, dict, LabelSelector] = None) -> list:
        kind = resolve_kind(kind)
        if namespace is not None:
            _check_str(namespace, "metadata.namespace")
        if not REGISTRY.kind(kind).namespaced:
            namespace = None
        objs = self._engine.store.list(kind, namespace)
        if selector is None:
            return objs
        sel = _selector_arg(selector)
        return [o for o in objs if sel.matches(o.metadata.labels)]

    def events(self, kind: Optional[str] = None, name: Optional[str] = None, namespace: Optional[str] = None):
        return self._engine.events(resolve_kind(kind) if kind else None, name, namespace)

    def trace(self) -> list[str]:
        """Every applied change, one line each: `<ms> <verb> <Kind> <ns>/<name> <detail>`."""
        return self._engine.trace_lines()

    def violations(self) -> list:
        """Invariant violations of the current state (empty when healthy). The
        trace-based machine-edge check only reads what is new since the last
        call, so calling this after every step stays cheap."""
        from kstate.invariants import INVARIANTS, check_all, status_changes_are_machine_edges
        eng = self._engine
        cursor = getattr(self, "_edge_cursor", 0)
        found = getattr(self, "_edge_violations", [])
        found = found + list(status_changes_are_machine_edges(eng, since=cursor))
        self._edge_cursor, self._edge_violations = len(eng.trace), found
        others = [n for n in sorted(INVARIANTS) if n != "status-changes-are-machine-edges"]
        return found + check_all(eng, others)

    # ------------------------------------------------------------ writing

    def apply(self, value: Any, source: str = ""):
        """Create or update like `kubectl apply`: a resource object, a dict, a
        list of those, or YAML text (multi-document). All documents or none.
        Returns the stored object, or a list when several were given."""
        _check_str(source, "source")
        from kstate.engine.core import gc_paused
        # the collector paused over the validation too: at 45k template pods
        # its passes over the objects being made took 3 % of the apply
        with gc_paused():
            objs, sources = parse_manifest_sources(value, source=source or "<input>",
                                                   schemas=self.validate_schemas)
            stored = self._apply_objects(objs, sources)
        many = len(stored) != 1 or isinstance(value, (list, tuple)) or (
            isinstance(value, str) and len(stored) != 1)
        return stored if many else stored[0]

    def apply_file(self, path: Union[str, os.PathLike]):
        pairs = load_sourced_file(str(path), schemas=self.validate_schemas)
        stored = self._apply_objects([o for o, _ in pairs], [s for _, s in pairs])
        return stored if len(stored) != 1 else stored[0]

    def _apply_objects(self, objs, sources=None) -> list:
        """Apply all of `objs` or none. `sources` (one per object: the file
        and document it came from) is put on every SpecError that object
        causes, as `.source`."""
        from kstate.engine.core import gc_paused
        with gc_paused():
            # sources is only indexed (for an error): a DocumentSources makes
            # its strings then, so it is not copied into a list
            return self._apply_objects_now(list(objs), sources if sources is None or isinstance(
                sources, DocumentSources) else list(sources))

    def _resolve_custom(self, objs, sources) -> list:
        """Custom resources get their scope and kind from their
        CustomResourceDefinition, applied earlier or in the same batch;
        without one they are refused as the API server refuses them."""
        if not any(issubclass(t, Unstructured) for t in {o.__class__ for o in objs}):
            return objs          # nothing to resolve (no custom resource can be among them)
        crds = None
        out = []
        for i, obj in enumerate(objs):
            if isinstance(obj, Unstructured) and is_custom_group(obj.api_version):
                if crds is None:
                    crds = {}
                    for crd in [o for o in objs if o.KIND == "CustomResourceDefinition"] + \
                            self._engine.list("CustomResourceDefinition"):
                        n = crd_names(crd)
                        if n is not None:
                            crds.setdefault((n["group"], n["kind"]), (crd, n))
                group, _, version = obj.api_version.rpartition("/")
                found = crds.get((group, obj.kind))
                if found is None or version not in found[1]["versions"]:
                    raise SpecError(f'no matches for kind "{obj.kind}" in version "{obj.api_version}": ensure '
                                    "CRDs are installed first", "kind", sources[i] if sources else "")
                spec = custom_kind(found[0])
                ns = obj.metadata.namespace or "default" if spec.namespaced else ""
                obj = evolve(obj, metadata=evolve(obj.metadata, namespace=ns))
            out.append(obj)
        return out

    def _apply_objects_now(self, objs, sources) -> list:
        objs = self._resolve_custom(objs, sources)
        # Validate everything first (all or nothing), then write.
        state = {"new_namespaces": set(), "seen": set(), "cidrs": {}}
        plan = []
        planned = self._plan
        for i, obj in enumerate(objs):
            try:
                plan.append(planned(obj, state))
            except SpecError as e:
                if sources and not e.source:
                    raise e.at(source=sources[i]) from None
                raise
        eng = self._engine
        create = eng.create
        out = []
        for verb, obj in plan:
            if verb == "create":
                out.append(create(obj))
            else:
                eng.update(obj)
                out.append(eng.get(obj.KIND, obj.metadata.namespace, obj.metadata.name))
        return out

    def _plan(self, obj, state) -> tuple:
        """("create" | "update", the object to write) for one object of an
        apply, or the SpecError that refuses the whole apply."""
        kind, m = obj.KIND, obj.metadata
        name, namespace = m.name, m.namespace
        key = (kind, namespace, name)
        seen = state["seen"]
        if name and key in seen:
            raise SpecError(f'Duplicate value: {kind} "{name}" appears twice in one apply', "metadata.name")
        seen.add(key)
        new_namespaces = state["new_namespaces"]
        if kind == SCOPE_KIND and name:
            new_namespaces.add(name)
        spec = REGISTRY.kinds[kind]          # REGISTRY.kind's body
        eng = self._engine
        objects = eng.store.objects          # Engine.get's body, twice an object
        if spec.namespaced:
            ns = objects.get((SCOPE_KIND, "", namespace))
            if ns is None and namespace not in new_namespaces:
                raise InvalidOperation(f'namespaces "{namespace}" not found', "metadata.namespace")
        cur = objects.get(key) if name else None
        if cur is not None:
            return ("update", self._checked_update(cur, obj))
        if spec.namespaced and ns is not None and ns.status.phase == "Terminating":
            # NamespaceLifecycle admission refuses creates only: what is
            # already in a Terminating namespace may still be updated.
            raise InvalidOperation(f"unable to create new content in namespace {namespace} because it is "
                                   "being terminated", "metadata.namespace")
        spec.admit(obj, eng, state)
        return ("create", obj)

    def _checked_update(self, cur, obj):
        """What `kubectl apply` may change on a live object: labels and
        annotations always, the rest as the kind's ValidateUpdate allows."""
        meta = evolve(cur.metadata, labels=obj.metadata.labels, annotations=obj.metadata.annotations)
        return REGISTRY.kind(obj.KIND).validate_update(cur, obj, meta)

    def delete(self, kind: str, name: str, namespace: str = "default", grace_period: Optional[int] = None,
               propagation_policy: Optional[str] = None) -> None:
        """`kubectl delete` (DeleteOptions): `grace_period` seconds for pods,
        `propagation_policy` Background (the default for most kinds),
        Foreground or Orphan for what the object owns."""
        _check_grace_period(grace_period)
        if propagation_policy is not None and propagation_policy not in PROPAGATION_POLICIES:
            raise SpecError(f"Unsupported value: {propagation_policy!r}: supported values: "
                            + ", ".join(f'"{p}"' for p in PROPAGATION_POLICIES), "propagationPolicy")
        obj = self.get(kind, name, namespace)
        self._engine.delete(obj.KIND, obj.metadata.namespace, name, grace_period, propagation=propagation_policy)

    # ------------------------------------------------------------ time

    def advance(self, duration: Union[str, int, float] = 0) -> None:
        """Move simulated time forward (a duration string or seconds)."""
        self._engine.run_to(_deadline(self._engine.now, duration, "duration"))

    def run_until_stable(self, timeout: Union[str, int, float] = "10m") -> None:
        """Run until no work is pending (no queued keys, no timers); raise
        NotStable if that does not happen within `timeout`."""
        eng = self._engine
        end = min(eng.now + _ms(timeout, "timeout"), MAX_TIME_MS)
        while True:
            eng.run_to(eng.now)
            at = eng.next_event_time()
            if at is None:
                return
            if at > end:
                eng.run_to(end)
                raise NotStable(f"still pending after {_fmt(end - eng.start)}: next event at "
                                f"{_fmt(at - eng.start)}")
            eng.run_to(at)

    # ------------------------------------------------------------ nodes

    def add_node(self, name: Optional[str] = None, labels: Optional[dict] = None, taints: Optional[list] = None,
                 cpu: Union[str, int] = "4", memory: str = "16Gi", pods: Union[str, int] = 110) -> Node:
        eng = self._engine
        if name is None:
            i = eng.store.count("Node")
            while eng.get("Node", "", f"node-{i}") is not None:
                i += 1
            name = f"node-{i}"
        elif isinstance(name, str) and eng.get("Node", "", name) is not None:
            # A POST of a taken name: the API's 409 (`kubectl create node`).
            raise AlreadyExists(f'nodes "{name}" already exists')
        if labels is not None and not isinstance(labels, dict):
            raise SpecError(f"labels must be a dict, got {type(labels).__name__}", "metadata.labels")
        if taints is not None and not isinstance(taints, (list, tuple)):
            raise SpecError(f"taints must be a list, got {type(taints).__name__}", "spec.taints")
        doc = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": dict(labels or {})},
               "spec": {"taints": [t if isinstance(t, dict) else _taint_dict(t) for t in (taints or [])]},
               "status": {"capacity": {"cpu": str(cpu), "memory": str(memory), "pods": str(pods)}}}
        (node,) = parse_manifests(doc, source="add_node")
        out = self._apply_objects([node])[0]
        return out

    def _node(self, name: str) -> Node:
        return self.get("Node", name)

    def stop_controller(self, name: str) -> None:
        """Take a controller down (its process crashed or was stopped): it
        reconciles nothing until `start_controller`; what came due meanwhile
        waits. E.g. the CronJob controller down for three hours, then started:
        it finds the missed schedule times (TooManyMissedTimes past 100) and
        runs only the most recent, as kube-controller-manager does."""
        self._controller_name(name)
        self._engine.stop_controller(name)

    def start_controller(self, name: str) -> None:
        """Bring a stopped controller back: its informers list every object it
        watches, as after a restart, and it syncs them. Starting a running
        controller changes nothing."""
        self._controller_name(name)
        self._engine.start_controller(name)

    def stopped_controllers(self) -> list[str]:
        return sorted(self._engine._stopped)

    def _controller_name(self, name) -> None:
        if not isinstance(name, str) or name not in self._engine.controllers:
            known = ", ".join(sorted(self._engine.controllers))
            raise InvalidOperation(f"no controller named {name!r} runs in this cluster (one of: {known})",
                                   "controller")

    def fail_node(self, name: str, mode: str = "partition") -> None:
        """The node's kubelet stops posting status. After the node-monitor
        grace period the node goes Unknown, is tainted, its pods become
        NotReady and, after their tolerations, are evicted.

        mode "partition": the node is cut off, its containers keep running;
        "crash": the node goes down with its containers — when it comes back
        (`recover_node`) its kubelet finds them gone (terminated, reason
        Unknown, exit code 255) and restarts them, so restart counts grow."""
        if mode not in ("partition", "crash"):
            raise SpecError(f'Unsupported value: "{mode}": supported values: "crash", "partition"', "mode")
        node = self._node(name)
        node_transition(self._engine, name, "stop_heartbeat", {"last_heartbeat": last_heartbeat(self._engine, node)})
        if mode == "crash":
            self._engine.apply_action(SetMemory(kubelet_mod.NAME, (kubelet_mod.CRASH_KEY, name), self._engine.now))

    def recover_node(self, name: str) -> None:
        node = self._node(name)
        node_transition(self._engine, name, "resume_heartbeat", {
            "conditions": ready_conditions(node.status.conditions, self._engine.now),
            "last_heartbeat": self._engine.now})
        if node.status.state == "Unknown":
            # kubelet_node_status.go recordNodeStatusEvent: the kubelet's first status
            # after the node controller marked it Unknown reports the Ready condition.
            self._engine.record_event(ref_of(node), "NodeReady", f"Node {name} status is now: NodeReady",
                                      "Normal", "kubelet")

    def remove_node(self, name: str) -> None:
        self._node(name)
        self._engine.delete("Node", "", name)

    def cordon(self, name: str) -> None:
        self._set_unschedulable(name, True)

    def uncordon(self, name: str) -> None:
        self._set_unschedulable(name, False)

    def _set_unschedulable(self, name: str, value: bool) -> None:
        node = self._node(name)
        if node.spec.unschedulable != value:
            self._engine.update(evolve(node, spec=evolve(node.spec, unschedulable=value)))

    def taint(self, name: str, key: str, effect: str, value: str = "") -> None:
        """`kubectl taint nodes NAME key[=value]:effect`: add the taint, or
        change the value of the taint with that key and effect."""
        if effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise SpecError(f'Unsupported value: "{effect}": supported values: "NoSchedule", "PreferNoSchedule", '
                            '"NoExecute"', "effect")
        node = self._node(name)
        new = Taint(key=key, effect=effect, value=value)
        kept = tuple(t for t in node.spec.taints if (t.key, t.effect) != (key, effect))
        old = [t for t in node.spec.taints if (t.key, t.effect) == (key, effect)]
        if old and old[0].value == value:
            return
        self._engine.update(evolve(node, spec=evolve(node.spec, taints=kept + (new,))))

    def untaint(self, name: str, key: str, effect: Optional[str] = None) -> None:
        """`kubectl taint nodes NAME key[:effect]-`: remove the taints with
        that key (and effect, if given)."""
        node = self._node(name)
        kept = tuple(t for t in node.spec.taints if not (t.key == key and effect in (None, t.effect)))
        if len(kept) == len(node.spec.taints):
            raise InvalidOperation(f'taint "{key}{":" + effect if effect else ""}" not found', "key")
        self._engine.update(evolve(node, spec=evolve(node.spec, taints=kept)))

    def evict(self, name: str, namespace: str = "default", grace_period: Optional[int] = None,
              dry_run: bool = False) -> None:
        """POST pods/eviction (policy/v1 Eviction), as `kubectl drain` sends
        it: the pod is deleted gracefully with the DisruptionTarget condition
        (EvictionByEvictionAPI) when its PodDisruptionBudget allows it, the
        budget's disruptionsAllowed spent and the pod entered in its
        disruptedPods. Returns nothing (the API's Status Success); raises
        `TooManyRequests` (429 "Cannot evict pod as it would violate the
        pod's disruption budget.", the budget's reason in `.causes`),
        `EvictionForbidden` (403), `InternalError` (500: more than one
        budget) or `NotFound`, and then changes nothing. `dry_run` checks
        only."""
        from kstate.kinds.policy import evict_pod
        _check_grace_period(grace_period)
        pod = self.get("Pod", name, namespace)
        evict_pod(self._engine, pod, grace_period, bool(dry_run))

    def drain(self, name: str, force: bool = False, grace_period: Optional[int] = None,
              ignore_daemonsets: bool = False, disable_eviction: bool = False,
              delete_emptydir_data: bool = False, timeout: Union[None, str, int, float] = None) -> "DrainResult":
        """`kubectl drain` (staging/src/k8s.io/kubectl/pkg/drain): the pods
        of the node pass kubectl's filters (DaemonSet, mirror, local
        storage, unreplicated). A pod a filter refuses — a DaemonSet pod
        without `ignore_daemonsets`, an emptyDir pod without
        `delete_emptydir_data`, a pod without controller without `force` —
        refuses the whole drain with kubectl's message (InvalidOperation,
        nothing changed; kubectl would have cordoned the node already).
        Otherwise the node is cordoned and every pod evicted through the
        eviction API (deleted, with `disable_eviction`). Evictions a
        PodDisruptionBudget refuses (429) are retried every 5 s of simulated
        time, as kubectl does, until they pass or `timeout` runs out; with
        no timeout (None or 0: kubectl's "zero means infinite") until
        nothing in the cluster is pending any more or an hour has passed. Returns once every eviction
        was accepted or given up; it does not wait for the pods to
        terminate. The result lists the pods evicted, the DaemonSet pods
        ignored and the pods it could not evict with the error."""
        _check_grace_period(grace_period)
        self._node(name)
        eng = self._engine
        deadline = None if timeout is None else _deadline(eng.now, timeout, "timeout")
        if deadline == eng.now:
            deadline = None                     # kubectl: "zero means infinite"
        pods = eng.placed("Pod", name)
        keep, ignored, warnings = _drain_filters(eng, pods, force, ignore_daemonsets, delete_emptydir_data)
        self.cordon(name)
        evicted: list[str] = []
        failed: dict[str, str] = {}
        pending = list(keep)
        give_up = eng.now + DRAIN_FOREVER_MS if deadline is None else deadline
        while True:
            blocked = []
            for pod in pending:
                key = f"{pod.metadata.namespace}/{pod.metadata.name}"
                cur = eng.get("Pod", pod.metadata.namespace, pod.metadata.name)
                if cur is None or cur.metadata.uid != pod.metadata.uid:
                    evicted.append(key)        # gone meanwhile: kubectl counts it done
                    continue
                if disable_eviction:
                    eng.delete("Pod", cur.metadata.namespace, cur.metadata.name, grace_period, uid=cur.metadata.uid)
                    evicted.append(key)
                    continue
                try:
                    from kstate.kinds.policy import evict_pod
                    evict_pod(eng, cur, grace_period)
                except TooManyRequests as e:
                    blocked.append((pod, e))
                    continue
                except APIStatusError as e:
                    failed[key] = f'error when evicting pods/"{pod.metadata.name}" -n "{pod.metadata.namespace}": ' \
                                  f"{e.message}"
                    continue
                evicted.append(key)
            if not blocked:
                break
            eng.run_to(eng.now)
            if eng.now + DRAIN_RETRY_MS > give_up or (deadline is None and eng.next_event_time() is None):
                for pod, e in blocked:
                    failed[f"{pod.metadata.namespace}/{pod.metadata.name}"] = (
                        f'error when evicting pods/"{pod.metadata.name}" -n "{pod.metadata.namespace}": '
                        f"{e.message}")
                break
            eng.run_to(eng.now + DRAIN_RETRY_MS)
            pending = [p for p, _ in blocked]
        return DrainResult(node=name, evicted=tuple(evicted), ignored=tuple(ignored), warnings=tuple(warnings),
                           failed=tuple(sorted(failed.items())),
                           timed_out=bool(failed) and deadline is not None)

    def crash_container(self, name: str, namespace: str = "default", exit_code: int = 1) -> None:
        """Fault: the pod's running containers exit with `exit_code` now; the
        kubelet then restarts them (or not) per restartPolicy and back-off."""
        from kstate.controllers.kubelet import _with_status, _exit_reason
        if isinstance(exit_code, bool) or not isinstance(exit_code, int) or not -2**31 <= exit_code < 2**31:
            raise SpecError(f"Invalid value: {exit_code!r}: an exit code is a 32-bit integer", "exitCode")
        pod = self.get("Pod", name, namespace)
        if pod.status.state != "Running" or pod.metadata.deletion_timestamp is not None:
            raise InvalidOperation(f"pod {namespace}/{name} is {pod.status.state}, not Running", "status.phase")
        now = self._engine.now
        sts = tuple(evolve(s, ready=False, state=ContainerState(
            "terminated", _exit_reason(exit_code), exit_code=exit_code, started_at=s.state.started_at,
            finished_at=now)) if s.state.kind == "running" else s for s in pod.status.container_statuses)
        new = _with_status(pod, now, "Terminated", container_statuses=sts)
        from kstate.controllers.actions import UpdateStatus
        self._engine.apply_action(UpdateStatus(new, "exit"))
        # The runtime reports the exit to the kubelet (a PLEG ContainerDied
        # event syncs the pod): the status write alone does not wake it
        # (kubelet.watch_pods).
        self._engine.enqueue(kubelet_mod.NAME, (namespace, name))

    # ------------------------------------------------------------ workloads

    def _with(self, capability: str, kind: str, name: str, namespace: str, what: str):
        """The object, if its kind has `capability` (a KindSpec field), and that capability."""
        spec = REGISTRY.resolve(kind)
        cap = getattr(spec, capability)
        if cap is None:
            kinds = sorted(k for k, s in REGISTRY.kinds.items() if getattr(s, capability) is not None)
            raise InvalidOperation(f"{spec.kind} has no {what}; use one of {', '.join(kinds)}", "kind")
        return self.get(spec.kind, name, namespace), cap

    def scale(self, kind: str, name: str, replicas: int, namespace: str = "default"):
        """`kubectl scale`: set the replicas of any kind with a scale
        subresource (Deployment, ReplicaSet, ReplicationController, …)."""
        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
            raise SpecError(f"Invalid value: {replicas!r}: must be greater than or equal to 0", "spec.replicas")
        if replicas > INT32_MAX:
            raise SpecError(f"Invalid value: {replicas}: must be a 32-bit integer", "spec.replicas")
        obj, (get, set_) = self._with("scale", kind, name, namespace, "scale subresource")
        if get(obj) != replicas:
            self._engine.update(set_(obj, replicas))
        return self.get(obj.KIND, name, namespace)

    def set_image(self, kind: str, name: str, container: str, image: str, namespace: str = "default"):
        """`kubectl set image KIND/NAME CONTAINER=IMAGE` for a Pod or a workload's template."""
        if not isinstance(image, str) or not image.strip():
            raise SpecError("Required value: image", "image")
        obj, (get, set_) = self._with("pod_spec", kind, name, namespace, "pod template")
        if image != image.strip() and obj.KIND == "Pod":
            raise SpecError(f"Invalid value: {image!r}: must not have leading or trailing whitespace", "image")
        spec = get(obj)
        names = [c.name for c in spec.containers + spec.init_containers]
        if container not in names:
            raise SpecError(f'unable to find container named "{container}"', "container")
        new_spec = evolve(spec, containers=tuple(evolve(c, image=image) if c.name == container else c
                                                       for c in spec.containers),
                                init_containers=tuple(evolve(c, image=image) if c.name == container else c
                                                      for c in spec.init_containers))
        new = set_(obj, new_spec)
        if new != obj:
            self._engine.update(new)
        return self.get(obj.KIND, name, namespace)

    # ------------------------------------------------------------ metrics

    def _amounts(self, cpu, memory) -> dict:
        from kstate.controllers import metrics as ms
        out = {}
        for resource, value in (("cpu", cpu), ("memory", memory)):
            if value is None:
                continue

            def amount(v, path, resource=resource):
                if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                    raise SpecError(f"Invalid value: {v!r}: must be a quantity", path)
                try:
                    a = ms.parse_amount(resource, v)
                except SpecError as e:
                    raise SpecError(e.message, path) from None
                if a < 0:
                    raise SpecError(f"Invalid value: {v!r}: must be greater than or equal to 0", path)
                return a
            out[resource] = ms.parse_profile(value, amount, _profile_duration, resource, self._engine.now)
        if not out:
            raise SpecError("Required value: cpu or memory", "cpu")
        return out

    def _wake_metrics(self) -> None:
        """Start the metrics-server's scrape loop if it is idle; a running
        loop picks the new inputs up at its next tick."""
        from kstate.controllers import metrics as ms
        if self._engine.memory(ms.NAME, ms.NEXT, None) is not None:
            return
        self._engine.enqueue(ms.NAME, ms.SCRAPE)
        self._engine.run_to(self._engine.now)

    def set_load(self, kind: str, name: str, cpu=None, memory=None, namespace: str = "default") -> None:
        """The total usage of a workload (any kind with a scale subresource),
        spread evenly over its Running and Ready pods at every metrics scrape
        (every 15 s); replaces the workload's earlier load for the resources
        given. A value may be a load profile instead of a quantity, its
        times counted from now: {"steps": [["0s", "100m"], ["8h", "400m"]]},
        {"ramp": {"from": "100m", "to": "1", "over": "1h"}},
        {"sine": {"mean": "300m", "amplitude": "200m", "period": "24h"}},
        {"points": [["0s", "100m"], ["12h", "700m"], ["24h", "100m"]]}
        (linear between points); each scrape reads it at its own time.
        Example: set_load("deployment", "web", cpu="400m")."""
        from kstate.controllers import metrics as ms
        obj, _ = self._with("scale", kind, name, namespace, "scale subresource")
        amounts = self._amounts(cpu, memory)
        key = (obj.KIND, obj.metadata.namespace, name)
        state = self._engine.indexes[ms.LOAD]
        state["workload"][key] = {**state["workload"].get(key, {}), **amounts}
        self._wake_metrics()

    def set_pod_usage(self, pod: str, cpu=None, memory=None, namespace: str = "default") -> None:
        """One pod's usage; it takes precedence over the pod's
        kstate.io/cpu-usage / kstate.io/memory-usage annotations and over a
        workload's load."""
        from kstate.controllers import metrics as ms
        p = self.get("Pod", pod, namespace)
        amounts = self._amounts(cpu, memory)
        key = (p.metadata.namespace, pod)
        state = self._engine.indexes[ms.LOAD]
        state["pod"][key] = {**state["pod"].get(key, {}), **amounts}
        self._wake_metrics()

    def _metric_name(self, metric) -> str:
        _check_str(metric, "metric")
        if not metric or "/" in metric or metric in (".", ".."):
            raise SpecError(f"Invalid value: {metric!r}: a metric name must be a non-empty path segment", "metric")
        return metric

    def _metric_value(self, value):
        """A custom or external metric's value (a quantity ≥ 0, or a load
        profile of them) → milli-units."""
        from kstate.controllers import metrics as ms

        def amount(v, path):
            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                raise SpecError(f"Invalid value: {v!r}: must be a quantity", path)
            try:
                milli = ms.parse_metric_value(v)
            except SpecError as e:
                raise SpecError(e.message, path) from None
            if milli < 0:
                raise SpecError(f"Invalid value: {v!r}: must be greater than or equal to 0", path)
            if milli > 2**63 - 1:
                raise SpecError(f"Invalid value: {v!r}: must fit a 64-bit milli-value", path)
            return milli
        return ms.parse_profile(value, amount, _profile_duration, "value", self._engine.now)

    def set_pod_metric(self, metric: str, value, selector=None, pod: Optional[str] = None,
                       namespace: str = "default") -> None:
        """A custom `Pods` metric (custom metrics API `pods/*/<metric>`): the
        value of `pod` by name, else of every pod of the namespace the
        selector (a `-l` string or a dict of labels; None: all) matches, the
        latest setting winning. Example: set_pod_metric("qps", "20", selector="app=web")."""
        from kstate.controllers import metrics as ms
        metric = self._metric_name(metric)
        milli = self._metric_value(value)
        _check_str(namespace, "metadata.namespace")
        if pod is not None and selector is not None:
            raise SpecError("Invalid value: give a pod or a selector, not both", "selector")
        sel = None
        if selector is not None:
            sel = _selector_arg(selector)
        if pod is not None:
            _check_str(pod, "pod")
            self.get("Pod", pod, namespace)
        state = self._engine.indexes[ms.LOAD]
        entry = state["pod_metric"].setdefault((namespace, metric), {"pods": {}, "selectors": ()})
        if pod is not None:
            entry["pods"][pod] = milli
        else:
            # a later setting for the same selector replaces the earlier one
            entry["selectors"] = tuple(x for x in entry["selectors"] if x[0] != sel) + ((sel, milli),)

    def set_object_metric(self, kind: str, name: str, metric: str, value, namespace: str = "default") -> None:
        """A custom `Object` metric describing one object (custom metrics API
        `<resource>/<name>/<metric>`). Example: set_object_metric("ingress", "main", "requests-per-second", "2k")."""
        from kstate.controllers import metrics as ms
        metric = self._metric_name(metric)
        milli = self._metric_value(value)
        obj = self.get(kind, name, namespace)
        key = (obj.KIND, obj.metadata.namespace, name, metric)
        self._engine.indexes[ms.LOAD]["object_metric"][key] = milli

    def set_external_metric(self, metric: str, value, labels: Optional[dict] = None) -> None:
        """An `External` metric series (external metrics API): the series with
        exactly these labels gets the value; an HPA sums every series its
        metric selector matches. Example: set_external_metric("queue-depth", 30, labels={"queue": "jobs"})."""
        from kstate.controllers import metrics as ms
        metric = self._metric_name(metric)
        milli = self._metric_value(value)
        if labels is not None and not isinstance(labels, dict):
            raise SpecError(f"labels must be a dict of labels, got {type(labels).__name__}", "labels")
        key = tuple(sorted(_label_set(labels, "labels").items())) if labels is not None else ()
        self._engine.indexes[ms.LOAD]["external_metric"].setdefault(metric, {})[key] = milli

    def metrics(self, what: str = "pods", namespace: Optional[str] = "default",
                name: Optional[str] = None) -> list[str]:
        """`kubectl top pods [NAME]`: the latest sample of every pod the
        metrics-server has scraped (CPU in millicores, memory in Mi), or of
        the pod `name` (NotFound if there is no such pod)."""
        from kstate.controllers import metrics as ms
        from kstate.io.tables import table
        if REGISTRY.resolve(what).kind != "Pod":
            raise InvalidOperation(f"kstate serves metrics for pods only, not {what}", "kind")
        if name is not None:
            self.get("Pod", name, namespace if namespace is not None else "default")
        samples = ms.latest_samples(self._engine)
        rows = []
        for (ns, pod), s in sorted(samples.items()):
            if namespace is not None and ns != namespace:
                continue
            if name is not None and pod != name:
                continue
            row = [pod, f"{s.total('cpu')}m", f"{s.total('memory') // (1024 * 1024)}Mi"]
            rows.append(row if namespace is not None else [ns] + row)
        if not rows:
            return ["error: metrics not available yet"]
        header = ["NAME", "CPU(cores)", "MEMORY(bytes)"]
        return table(header if namespace is not None else ["NAMESPACE"] + header, rows)

    def _deployment(self, name: str, namespace: str):
        return self.get("Deployment", name, namespace)

    def _rollout_kind(self, kind: str) -> str:
        k = resolve_kind(kind)
        if k not in ("Deployment", "DaemonSet", "StatefulSet"):
            raise InvalidOperation(f"no rollout for {k}: use Deployment, DaemonSet or StatefulSet", "kind")
        return k

    def _daemonset_rollout_status(self, name: str, namespace: str) -> "RolloutStatus":
        """kubectl polymorphichelpers DaemonSetStatusViewer.Status."""
        ds = self.get("DaemonSet", name, namespace)
        if ds.spec.update_strategy.type != "RollingUpdate":
            raise InvalidOperation("rollout status is only available for RollingUpdate strategy type",
                                   "spec.updateStrategy.type")
        st = ds.status
        if ds.metadata.generation > st.observed_generation:
            return RolloutStatus(False, False, "Waiting for daemon set spec update to be observed...")
        if st.updated_number_scheduled < st.desired_number_scheduled:
            return RolloutStatus(False, False, f'Waiting for daemon set "{name}" rollout to finish: '
                                               f"{st.updated_number_scheduled} out of {st.desired_number_scheduled} "
                                               "new pods have been updated...")
        if st.number_available < st.desired_number_scheduled:
            return RolloutStatus(False, False, f'Waiting for daemon set "{name}" rollout to finish: '
                                               f"{st.number_available} of {st.desired_number_scheduled} updated "
                                               "pods are available...")
        return RolloutStatus(True, False, f'daemon set "{name}" successfully rolled out')

    def _statefulset_rollout_status(self, name: str, namespace: str) -> "RolloutStatus":
        """kubectl polymorphichelpers StatefulSetStatusViewer.Status (with a
        rollingUpdate block, which the API server defaults, kubectl reports
        the partitioned roll-out)."""
        sts = self.get("StatefulSet", name, namespace)
        s = sts.spec.update_strategy
        if s.type != "RollingUpdate":
            raise InvalidOperation("rollout status is only available for RollingUpdate strategy type",
                                   "spec.updateStrategy.type")
        st = sts.status
        if st.observed_generation == 0 or sts.metadata.generation > st.observed_generation:
            return RolloutStatus(False, False, "Waiting for statefulset spec update to be observed...")
        if st.ready_replicas < sts.spec.replicas:
            return RolloutStatus(False, False, f"Waiting for {sts.spec.replicas - st.ready_replicas} pods to be "
                                               "ready...")
        if s.rolling_update is not None:
            want = sts.spec.replicas - s.rolling_update.partition
            if st.updated_replicas < want:
                return RolloutStatus(False, False, "Waiting for partitioned roll out to finish: "
                                                   f"{st.updated_replicas} out of {want} new pods have been updated...")
            return RolloutStatus(True, False, f"partitioned roll out complete: {st.updated_replicas} new pods have "
                                              "been updated...")
        if st.update_revision != st.current_revision:
            return RolloutStatus(False, False, f"waiting for statefulset rolling update to complete "
                                               f"{st.updated_replicas} pods at revision {st.update_revision}...")
        return RolloutStatus(True, False, f"statefulset rolling update complete {st.current_replicas} pods at "
                                          f"revision {st.current_revision}...")

    def _daemonset_revisions(self, ds) -> list:
        return sorted(self._engine.owned_by(ds.metadata.uid, "ControllerRevision"), key=lambda r: r.revision)

    def rollout_status(self, name: str, namespace: str = "default", kind: str = "deployment") -> "RolloutStatus":
        """`kubectl rollout status` (kubectl polymorphichelpers DeploymentStatusViewer,
        DaemonSetStatusViewer with kind="daemonset")."""
        k = self._rollout_kind(kind)
        if k == "DaemonSet":
            return self._daemonset_rollout_status(name, namespace)
        if k == "StatefulSet":
            return self._statefulset_rollout_status(name, namespace)
        d = self._deployment(name, namespace)
        st = d.status
        if d.metadata.generation > st.observed_generation:
            return RolloutStatus(False, False, "Waiting for deployment spec update to be observed...")
        cond = next((c for c in st.conditions if c.type == "Progressing"), None)
        if cond is not None and cond.reason == "ProgressDeadlineExceeded":
            return RolloutStatus(False, True, f'deployment "{name}" exceeded its progress deadline')
        r = d.spec.replicas
        if st.updated_replicas < r:
            return RolloutStatus(False, False, f'Waiting for deployment "{name}" rollout to finish: '
                                               f"{st.updated_replicas} out of {r} new replicas have been updated...")
        if st.replicas > st.updated_replicas:
            return RolloutStatus(False, False, f'Waiting for deployment "{name}" rollout to finish: '
                                               f"{st.replicas - st.updated_replicas} old replicas are pending "
                                               "termination...")
        if st.available_replicas < st.updated_replicas:
            return RolloutStatus(False, False, f'Waiting for deployment "{name}" rollout to finish: '
                                               f"{st.available_replicas} of {st.updated_replicas} updated replicas "
                                               "are available...")
        return RolloutStatus(True, False, f'deployment "{name}" successfully rolled out')

    def _owned_replica_sets(self, d) -> list:
        return [rs for rs in self._engine.owned_by(d.metadata.uid, "ReplicaSet")
                if rs.metadata.namespace == d.metadata.namespace]

    def rollout_history(self, name: str, namespace: str = "default", kind: str = "deployment") -> list[dict]:
        """`kubectl rollout history`: each ReplicaSet once, at its current
        revision (a rolled-back revision reappears under its new number),
        oldest first, with its kubernetes.io/change-cause. For a DaemonSet
        (kind="daemonset", kubectl DaemonSetHistoryViewer): its
        ControllerRevisions by revision."""
        k = self._rollout_kind(kind)
        if k in ("DaemonSet", "StatefulSet"):
            ds = self.get(k, name, namespace)
            return [{"revision": r.revision, "controller_revision": r.metadata.name,
                     "change_cause": r.metadata.annotations.get("kubernetes.io/change-cause", "")}
                    for r in self._daemonset_revisions(ds)]
        from kstate.controllers.deployment_util import revision
        d = self._deployment(name, namespace)
        out = [{"revision": revision(rs), "replica_set": rs.metadata.name,
                "change_cause": rs.metadata.annotations.get("kubernetes.io/change-cause", "")}
               for rs in self._owned_replica_sets(d)]
        out.sort(key=lambda e: e["revision"])
        return out

    def _daemonset_undo(self, name: str, to_revision: Optional[int], namespace: str, kind: str = "DaemonSet"):
        """kubectl rollback.go DaemonSetRollbacker: revision N (0: the one
        before the newest) patched back as the template; the controller then
        finds that ControllerRevision current and renumbers it. The
        StatefulSetRollbacker (kind StatefulSet) is the same."""
        ds = self.get(kind, name, namespace)
        revs = self._daemonset_revisions(ds)
        if to_revision is not None and (isinstance(to_revision, bool) or not isinstance(to_revision, int)
                                        or to_revision < 0):
            raise SpecError(f"Invalid value: {to_revision!r}: must be a revision number", "toRevision")
        if not to_revision:
            if len(revs) < 2:
                raise InvalidOperation("no last revision to roll back to", "")
            target = revs[-2]
        else:
            target = next((r for r in revs if r.revision == to_revision), None)
            if target is None:
                raise InvalidOperation(f"unable to find specified revision {to_revision} in history", "toRevision")
        if target.data == ds.spec.template:
            return ds  # kubectl: "skipped rollback (current template already matches revision N)"
        self._engine.update(evolve(ds, spec=evolve(ds.spec, template=target.data)))
        return self.get(kind, name, namespace)

    def rollout_undo(self, name: str, to_revision: Optional[int] = None, namespace: str = "default",
                     kind: str = "deployment"):
        """`kubectl rollout undo [--to-revision=N]` (kubectl rollback.go
        DeploymentRollbacker): copy the template of revision N (default: the
        previous one) into the Deployment; the controller then finds that
        ReplicaSet as new and bumps its revision. kind="daemonset": the
        DaemonSetRollbacker over ControllerRevisions."""
        k = self._rollout_kind(kind)
        if k in ("DaemonSet", "StatefulSet"):
            return self._daemonset_undo(name, to_revision, namespace, k)
        from kstate.controllers.deployment_util import ANNOTATIONS_TO_SKIP_ON_ROLLBACK, last_revision, revision
        from kstate.controllers.deployment_util import template_without_hash
        d = self._deployment(name, namespace)
        if d.spec.paused:
            raise InvalidOperation(f'you cannot rollback a paused deployment; resume it first with '
                                   f'rollout_resume("{name}") and try again', "spec.paused")
        rss = self._owned_replica_sets(d)
        if to_revision is None or to_revision == 0:
            target_rev = last_revision(rss)
            if target_rev == 0:
                raise InvalidOperation(f'no rollout history found for deployment "{name}"', "toRevision")
        else:
            if isinstance(to_revision, bool) or not isinstance(to_revision, int) or to_revision < 0:
                raise SpecError(f"Invalid value: {to_revision!r}: must be a revision number", "toRevision")
            target_rev = to_revision
        target = next((rs for rs in rss if revision(rs) == target_rev), None)
        if target is None:
            raise InvalidOperation(f"unable to find specified revision {target_rev} in history", "toRevision")
        template = template_without_hash(target.spec.template)
        if template == d.spec.template:
            return d  # kubectl: "skipped rollback (current template already matches revision N)"
        ann = dict(d.metadata.annotations)
        for k, v in target.metadata.annotations.items():
            if k not in ANNOTATIONS_TO_SKIP_ON_ROLLBACK:
                ann[k] = v
        new = evolve(d, metadata=evolve(d.metadata, annotations=FrozenDict(ann)),
                           spec=evolve(d.spec, template=template))
        self._engine.update(new)
        return self._deployment(name, namespace)

    def rollout_pause(self, name: str, namespace: str = "default"):
        return self._set_paused(name, namespace, True)

    def rollout_resume(self, name: str, namespace: str = "default"):
        return self._set_paused(name, namespace, False)

    def _set_paused(self, name: str, namespace: str, paused: bool):
        d = self._deployment(name, namespace)
        if d.spec.paused == paused:
            raise InvalidOperation(f'deployment "{name}" is {"already" if paused else "not"} paused', "spec.paused")
        self._engine.update(evolve(d, spec=evolve(d.spec, paused=paused)))
        return self._deployment(name, namespace)

    def rollout_restart(self, name: str, namespace: str = "default", kind: str = "deployment"):
        """`kubectl rollout restart`: stamp kubectl.kubernetes.io/restartedAt on the template."""
        from kstate.resources.meta import format_time
        d = self.get(self._rollout_kind(kind), name, namespace)
        if d.KIND == "Deployment" and d.spec.paused:
            raise InvalidOperation(f'can\'t restart paused deployment (run rollout_resume("{name}") first)',
                                   "spec.paused")
        t = d.spec.template
        ann = t.metadata.annotations.set("kubectl.kubernetes.io/restartedAt", format_time(self._engine.now))
        self._engine.update(evolve(d, spec=evolve(d.spec, template=evolve(
            t, metadata=evolve(t.metadata, annotations=ann)))))
        return self.get(d.KIND, name, namespace)

    # ------------------------------------------------------------ network

    def iptables(self, node: str) -> str:
        """The filter and nat rules kube-proxy on `node` programs, as text
        (kstate.network.kubeproxy; endpoints as the EndpointSlice controller
        computes them from the pods, or a selectorless Service's own
        EndpointSlices)."""
        from kstate.kinds.network import proxy_slices
        from kstate.network import kubeproxy
        from kstate.kinds.network import _programmed
        from kstate.network import proxysync
        n = self._node(node)
        ip = next((a.address for a in n.status.addresses if a.type == "InternalIP"), "")
        config = kubeproxy.ProxyConfig(cluster_cidr=self._engine.cluster_cidr, node_ip=ip)
        custom = getattr(self._engine, "kube_proxy", None)
        sync = _programmed(self._engine)
        if sync is not None:
            return proxysync.rules(sync, node, config, render=custom)
        services = self._engine.list("Service")
        return (custom or kubeproxy.iptables_save)(services, proxy_slices(self._engine, services), node, config)

    def kube_proxy_sync(self, node: str):
        """kube-proxy's last sync as `node` ran it (kstate.network.proxysync.
        SyncInfo: `.at` (ms since the epoch), `.full`, `.services` it wrote
        the chains of, and `.input`, the text it handed iptables-restore:
        after a partial sync, only the changed services' chains)."""
        from kstate.kinds.network import _programmed
        from kstate.network import kubeproxy, proxysync
        n = self._node(node)
        sync = _programmed(self._engine)
        if sync is None or sync.last is None:
            raise InvalidOperation("kube-proxy has not synced (its controller is not running)", "kube-proxy")
        ip = next((a.address for a in n.status.addresses if a.type == "InternalIP"), "")
        config = kubeproxy.ProxyConfig(cluster_cidr=self._engine.cluster_cidr, node_ip=ip)
        return proxysync.sync_info(sync, node, config)

    def flannel_subnet_env(self, node: str) -> str:
        """/run/flannel/subnet.env on `node` (kstate.network.flannel)."""
        from kstate.network import flannel
        n = self._node(node)
        if not n.spec.pod_cidr:
            raise InvalidOperation(f'node "{node}" pod cidr not assigned', "spec.podCIDR")
        return flannel.subnet_env(self._engine.cluster_cidr, n.spec.pod_cidr)

    def routes(self, node: str) -> list[str]:
        """`ip route` on `node`: flannel.1 routes to every other node's subnet."""
        from kstate.network import flannel
        n = self._node(node)
        ip = next((a.address for a in n.status.addresses if a.type == "InternalIP"), "")
        peers = [(o.metadata.name, o.spec.pod_cidr) for o in self._engine.list("Node") if o.metadata.name != node]
        bridge = any(p.status.pod_ip for p in self._engine.placed("Pod", node))
        return flannel.routes(ip, n.spec.pod_cidr, peers, bridge)

    def resolve(self, name: str, from_pod: Optional[str] = None, namespace: str = "default"):
        """Cluster DNS as pod `from_pod` (of `namespace`) resolves `name`
        (search path, ndots 5; no pod: no search path). Returns a
        kstate.network.dns.Answer (`.type`, `.values`, `.render()`)."""
        from kstate.kinds.network import dns_records
        from kstate.network import dns
        _check_str(name, "name")
        ns = None
        if from_pod is not None:
            ns = self.get("Pod", from_pod, namespace).metadata.namespace
        return dns.resolve(name, dns_records(self._engine), ns)

    def trace_packet(self, src: str, dst: str, port: Optional[int] = None, protocol: str = "TCP",
                     namespace: str = "default", pick: Optional[int] = None):
        """The path of one packet from `src` (a pod name, "ns/pod", or a node
        name) to `dst` (a pod, a pod IP, a Service name, ClusterIP or
        load-balancer IP, a DNS name, or "node:nodePort"), as kstate.network.trace.PacketTrace
        (`.hops`, `.branches`, `.verdict`, `.render()`). Through a Service
        every endpoint is a branch with its probability; with `pick` (a
        seed) one is drawn as the rules' random matches would
        (`.chosen`, and the verdict becomes that branch's)."""
        return self.trace_packets([(src, dst, port, protocol)], namespace=namespace, pick=pick)[0]

    def trace_packets(self, packets: Iterable, namespace: str = "default", pick: Optional[int] = None) -> list:
        """`trace_packet` for many packets at this instant: each a tuple
        (src, dst), (src, dst, port) or (src, dst, port, protocol). The
        cluster is read once, so each packet costs only its own path. With
        `pick`, packet i draws its endpoint with seed `pick + i`."""
        from kstate.kinds.network import net_view
        if not isinstance(packets, (list, tuple)):
            raise SpecError(f"Invalid value: {packets!r}: want a list of (src, dst[, port[, protocol]])", "packets")
        reqs = []
        for i, pk in enumerate(packets):
            if not isinstance(pk, (tuple, list)) or not 2 <= len(pk) <= 4:
                raise SpecError(f"Invalid value: {pk!r}: want (src, dst[, port[, protocol]])", f"packets[{i}]")
            src, dst = pk[0], pk[1]
            port = pk[2] if len(pk) > 2 else None
            protocol = pk[3] if len(pk) > 3 else "TCP"
            _check_str(src, "src")
            _check_str(dst, "dst")
            _check_str(protocol, "protocol")
            if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536):
                raise SpecError(f"Invalid value: {port!r}: must be a port number between 1 and 65535", "port")
            if ":" in dst and not dst.rpartition(":")[2].isdigit():
                raise SpecError(f"Invalid value: {dst!r}: a node port destination is node:port", "dst")
            reqs.append((src, dst, port, protocol))
        _check_str(namespace, "namespace")
        if pick is not None and (isinstance(pick, bool) or not isinstance(pick, int) or not 0 <= pick < 2**63):
            raise SpecError(f"Invalid value: {pick!r}: a seed is a non-negative integer", "pick")
        from kstate.network import trace
        view = net_view(self._engine)
        records: list = []      # DNS records, read at the first name to resolve
        out = [self._trace(view, records, *r, namespace) for r in reqs]
        if pick is not None:
            out = [trace.pick(t, pick + i) for i, t in enumerate(out)]
        return out

    def _trace(self, view, records: list, src: str, dst: str, port, protocol: str, namespace: str):
        from kstate.network import trace
        src_pod, src_node = self._trace_src(view, src, namespace)
        if ":" in dst:
            host, _, p = dst.rpartition(":")
            node = view.node(host) or next((n for n in view.nodes if n.ip == host), None)
            if node is None:
                raise NotFound(f'nodes "{host}" not found')
            svc = view.service_by_node_port(int(p))
            if svc is None:
                return trace.PacketTrace(src, dst, protocol, int(p), (), "refused",
                                         f"no Service has nodePort {p} (nothing listens on {node.ip}:{p})")
            if not node.up:
                return trace.PacketTrace(src, dst, protocol, int(p), (), "dropped",
                                         f"node {node.name} is down ({node.state})")
            return trace.trace_to_service(view, node.name, None, svc, int(p), protocol, src, dst, node_port=True)
        lb_svc, how = view.service_by_ip(dst)
        if lb_svc is not None and how == "lb":
            return trace.trace_to_service(view, src_node, src_pod, lb_svc, port, protocol, src, dst, lb_ip=dst)
        target = self._trace_dst(view, records, dst, src_pod, namespace)
        if target is None:
            raise NotFound(f'"{dst}" is no pod, pod IP, Service, ClusterIP or DNS name of this cluster')
        if isinstance(target, trace.PodNet):
            return trace.trace_to_pod(view, src_node, src_pod, target, src, dst, port, protocol)
        return trace.trace_to_service(view, src_node, src_pod, target, port, protocol, src, dst)

    def _trace_src(self, view, src: str, namespace: str):
        kind, _, rest = src.partition("/") if src.startswith(("node/", "pod/")) else ("", "", src)
        if kind != "node":
            ns, _, name = rest.rpartition("/")
            pod = view.pod(ns or namespace, name)
            if pod is not None:
                # a host-network pod sends from its node's own network namespace
                return (None, pod.node) if pod.host_network else (pod, pod.node)
            if kind == "pod":
                raise NotFound(f'pods "{name}" not found or has no IP')
        if view.node(rest) is not None:
            return None, rest
        raise NotFound(f'"{src}" is no pod with an IP and no node')

    def _trace_dst(self, view, records: list, dst: str, src_pod, namespace: str):
        import ipaddress as _ip
        from kstate.kinds.network import dns_records
        from kstate.network import dns
        try:
            _ip.ip_address(dst)
            ip = dst
        except ValueError:
            ns, _, name = dst.rpartition("/")
            pod = view.pod(ns or namespace, name)
            if pod is not None:
                return pod
            if "/" in dst:
                return None
            if not records:
                records.append(dns_records(self._engine))
            ans = dns.resolve(dst, records[0], src_pod.namespace if src_pod else None)
            if ans.type == "A":
                ip = ans.values[0]
            elif ans.type == "NXDOMAIN" and src_pod is None:
                ans = dns.resolve(f"{dst}.{namespace}.svc.cluster.local", records[0], None)
                ip = ans.values[0] if ans.type == "A" else ""
            else:
                return None
        pod = view.pod_by_ip(ip)
        if pod is not None:
            return pod
        return view.service_by_ip(ip)[0]

    # ------------------------------------------------------------ batch

    def suspend(self, kind: str, name: str, namespace: str = "default"):
        """Set spec.suspend of a Job or CronJob (`kubectl patch … -p
        '{"spec":{"suspend":true}}'`): a Job's active pods are deleted, a
        CronJob starts no new Jobs."""
        return self._set_suspend(kind, name, namespace, True)

    def resume(self, kind: str, name: str, namespace: str = "default"):
        """Clear spec.suspend of a Job (its startTime restarts) or a CronJob
        (only the most recent missed schedule runs)."""
        return self._set_suspend(kind, name, namespace, False)

    def _set_suspend(self, kind: str, name: str, namespace: str, value: bool):
        kind = resolve_kind(kind)
        if kind not in ("Job", "CronJob"):
            raise InvalidOperation(f"{kind} has no spec.suspend; use Job or CronJob", "kind")
        obj = self.get(kind, name, namespace)
        if obj.spec.suspend != value:
            self._engine.update(evolve(obj, spec=evolve(obj.spec, suspend=value)))
        return self.get(kind, name, namespace)

    def create_job_from_cronjob(self, cronjob: str, name: Optional[str] = None, namespace: str = "default"):
        """`kubectl create job NAME --from=cronjob/CRONJOB` (create_job.go
        createJobFromCronJob): the template's spec, labels and annotations
        plus `cronjob.kubernetes.io/instantiate: manual`, a controller
        reference to the CronJob. Without a name, `<cronjob>-manual-` plus a
        generated suffix. The CronJob controller then reports it as an
        UnexpectedJob, as it does in a cluster."""
        from kstate.resources.batch import Job
        from kstate.resources.frozen import FrozenDict
        from kstate.resources.meta import ObjectMeta, OwnerReference
        cj = self.get("CronJob", cronjob, namespace)
        t = cj.spec.job_template
        meta = ObjectMeta(name=name or "", generate_name="" if name else f"{cronjob}-manual-",
                          namespace=namespace, labels=t.metadata.labels,
                          annotations=FrozenDict({"cronjob.kubernetes.io/instantiate": "manual",
                                                  **t.metadata.annotations}),
                          owner_references=(OwnerReference(api_version="batch/v1", kind="CronJob", name=cronjob,
                                                           uid=cj.metadata.uid, controller=True),))
        if name:
            from kstate.io.fields import dns1123_subdomain_error
            err = dns1123_subdomain_error(name)
            if err:
                raise SpecError(f"Invalid value: {name!r}: {err}", "metadata.name")
            if self._engine.get("Job", namespace, name) is not None:
                raise InvalidOperation(f'jobs.batch "{name}" already exists', "metadata.name")
        return self._engine.create(Job(metadata=meta, spec=t.spec))

    # ------------------------------------------------------------ snapshots

    def snapshot(self) -> dict:
        """Everything needed to continue this cluster: a JSON-serialisable dict."""
        return serial.snapshot(self._engine)

    @classmethod
    def restore(cls, snapshot: dict) -> "Cluster":
        """The cluster a `snapshot()` dict describes. Anything else (a wrong
        format, a truncated or edited snapshot) is a SpecError at `snapshot`."""
        c = cls.__new__(cls)
        c.validate_schemas = False
        if not isinstance(snapshot, dict):
            raise SpecError(f"a snapshot is a dict, got {type(snapshot).__name__}", "snapshot")
        if snapshot.get("format") != serial.FORMAT:
            raise SpecError(f"Unsupported value: {snapshot.get('format')!r}: supported values: {serial.FORMAT}",
                            "snapshot.format")
        for key, typ in serial.SHAPE.items():
            if key not in snapshot or not isinstance(snapshot[key], typ):
                want = "" if typ is object else f" (a {typ.__name__})"
                raise SpecError(f"Required value{want}: truncated or edited snapshot?", f"snapshot.{key}")
        try:
            c._engine = serial.restore(snapshot)
        except KstateError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
            raise SpecError(f"invalid snapshot ({type(e).__name__}: {e})", "snapshot") from None
        return c


@attrs.frozen
class RolloutStatus:
    """What `kubectl rollout status` would print, and whether it is done or failed."""
    done: bool
    failed: bool
    message: str


def _taint_dict(t) -> dict:
    if isinstance(t, Taint):
        return {"key": t.key, "value": t.value, "effect": t.effect}
    if isinstance(t, str):
        # kubectl taint syntax: key[=value]:Effect
        body, _, effect = t.rpartition(":")
        key, _, value = body.partition("=")
        return {"key": key, "value": value, "effect": effect}
    raise SpecError(f"taint must be a dict, Taint or 'key=value:Effect' string, got {t!r}", "taints")


def _check_str(value, path: str) -> None:
    if not isinstance(value, str):
        raise SpecError(f"Invalid value: {value!r}: must be a string", path)


def _check_grace_period(grace_period) -> None:
    """DeleteOptions.gracePeriodSeconds: an int64 (validated before anything changes)."""
    if grace_period is None:
        return
    if isinstance(grace_period, bool) or not isinstance(grace_period, int):
        raise SpecError(f"grace period must be an integer, got {grace_period!r}", "gracePeriodSeconds")
    if not -2**63 <= grace_period <= 2**63 - 1:
        raise SpecError(f"Invalid value: {grace_period}: must fit in a 64-bit integer", "gracePeriodSeconds")


def _check_network(cluster_cidr, node_cidr_mask) -> None:
    """--cluster-cidr and --node-cidr-mask-size as kube-controller-manager
    checks them: an IPv4 network, and a node mask no shorter than its prefix."""
    import ipaddress
    if not isinstance(cluster_cidr, str):
        raise SpecError(f"cluster_cidr must be a string, got {cluster_cidr!r}", "cluster_cidr")
    try:
        net = ipaddress.ip_network(cluster_cidr)
    except ValueError as e:
        raise SpecError(f"Invalid value: {cluster_cidr!r}: {e}", "cluster_cidr") from None
    if net.version != 4:
        raise SpecError(f"Invalid value: {cluster_cidr!r}: only IPv4 cluster CIDRs are simulated", "cluster_cidr")
    if isinstance(node_cidr_mask, bool) or not isinstance(node_cidr_mask, int) or not \
            net.prefixlen <= node_cidr_mask <= 32:
        raise SpecError(f"Invalid value: {node_cidr_mask!r}: must be an integer between the cluster CIDR's prefix "
                        f"({net.prefixlen}) and 32", "node_cidr_mask")


def _profile_duration(v, path: str) -> int:
    """A time inside a load profile: a duration ("90s", "8h") or seconds."""
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise SpecError(f"Invalid value: {v!r}: must be a duration", path)
    try:
        return parse_duration(v)
    except SpecError as e:
        raise SpecError(e.message, path) from None


def _selector_arg(selector) -> LabelSelector:
    """A selector argument as kubectl's -l takes it ("app=web,tier!=db"), a
    dict of labels, or a LabelSelector."""
    if isinstance(selector, str):
        return parse_selector(selector)
    if isinstance(selector, dict):
        return selector_from_labels(_label_set(selector, "selector"))
    if isinstance(selector, LabelSelector):
        return selector
    raise SpecError(f"a selector must be a string, a dict of labels or a LabelSelector, got "
                    f"{type(selector).__name__}", "selector")


def _label_set(labels: dict, path: str) -> dict:
    """A selector given as a dict is labels.Set: label keys to label values."""
    for k, v in labels.items():
        msg = validate_label_key(k)
        if msg:
            raise SpecError(f"Invalid value: {k!r}: {msg}", path)
        msg = validate_label_value(v)
        if msg:
            raise SpecError(f"Invalid value: {v!r}: {msg}", f"{path}.{k}")
    return labels


def _fmt(ms: int) -> str:
    from kstate.units import format_duration
    return format_duration(ms)
