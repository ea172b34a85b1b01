"""Declared indexes: the incremental bookkeeping the engine keeps for
controllers, each an `IndexSpec` whose handlers follow changes of the kinds
they index at a cost independent of cluster size.

Owns: the scheduler's cache (the node table with requested resources per
node, the PodTopologySpread counts per label set, and the unschedulable
queue retried when capacity or nodes change —
kube-scheduler's cache and SchedulingQueue.MoveAllToActiveOrBackoffQueue; its
image states, from the nodes' status.images; the queue's nominator, the pods
a preemption nominated to each node),
the kubelets' admission totals, the pods referencing each ConfigMap and
Secret (the kubelet's wake-ups when one appears or changes), and kube-proxy's
sync history (kstate.network.proxysync). Code here
mutates only the index state the engine hands it and returns the keys to
enqueue; it never touches the store.
Must not be imported by engine/ (the engine is handed the registry).
"""
from __future__ import annotations

from bisect import bisect_left, insort
from typing import Any

from kstate.controllers import configrefs, kubelet, metrics
from kstate.controllers import endpoints as endpoints_ctl
from kstate.controllers import kubeproxy as kubeproxy_ctl
from kstate.controllers import nodelifecycle as nodelifecycle_ctl
from kstate.controllers import volumes as volumes_ctl
from kstate.controllers import scheduler as sched
from kstate.controllers.scheduling import imagelocality
from kstate.controllers.scheduling.terms import LABEL_ZONE
from kstate.indexes.nodetable import NodeTable
from kstate.network.proxysync import ProxySyncState
from kstate.registry import IndexHandler, IndexSpec, register_index
from kstate.resources.pod import TERMINAL_PHASES, is_admitted

SCHEDULER_CACHE = sched.SCHEDULER_CACHE
KUBELET_ADMISSION = kubelet.KUBELET_ADMISSION


class SchedulerCache:
    """The node table, each counted pod's (node, requests), the pods the
    scheduler parked as unschedulable, and the incremental state the
    InterPodAffinity, PodTopologySpread, NodePorts and DefaultPreemption
    plugins read instead of walking every node: the bound pods per node, the
    bound pods carrying pod (anti-)affinity terms filed under each term's
    anchor label pair, the host ports in use per node, per node label
    key the number of nodes with each value (the topology domains), and
    the PodTopologySpread counts per label set (`SpreadCounts`)."""

    __slots__ = ("table", "usage", "unschedulable", "pods", "affinity_pods", "affinity_anchor", "ports",
                 "domains", "spread_sets", "spread_anchor", "_spread_memo")

    def __init__(self) -> None:
        self.table = NodeTable()
        self.usage: dict[tuple[str, str], tuple[str, sched.Requests]] = {}
        #: pod key → queue order (−priority, creation time): the unschedulable pods.
        self.unschedulable: dict[tuple[str, str], tuple] = {}
        #: node name → {pod key: pod}: the counted (bound, not finished) pods.
        self.pods: dict[str, dict] = {}
        #: pod key → (node, pod, anchors) for counted pods with pod (anti-)affinity terms.
        self.affinity_pods: dict = {}
        #: anchor (label key, value) or None (no matchLabels) → {pod keys}.
        self.affinity_anchor: dict = {}
        #: node name → {(protocol, hostPort): count}.
        self.ports: dict[str, dict] = {}
        #: node label key → {value: number of nodes}.
        self.domains: dict[str, dict] = {}
        #: (namespace, sorted label pairs) → SpreadCounts of the counted, not terminating pods with those labels.
        self.spread_sets: dict = {}
        #: (namespace, label key, value) → {spread_sets keys whose labels hold that pair}.
        self.spread_anchor: dict = {}
        #: id(labels) → (labels, namespace, its SpreadCounts): `_count_add`'s way to the label set
        #: (a workload's pods share one labels mapping); an entry whose counts were dropped
        #: (total 0) is looked up again.
        self._spread_memo: dict = {}

    def retry_unschedulable(self, relational_only: bool = False) -> list[tuple[str, Any]]:
        """MoveAllToActiveOrBackoffQueue: capacity or nodes changed. The
        pods go back in the activeQ's order (queuesort/priority_sort.go
        Less: higher priority first, then the earlier timestamp). A bound
        pod only retries the pods whose required pod affinity or
        DoNotSchedule spreading it may satisfy (`relational_only`, the
        plugins' queueing hints for a pod add)."""
        if not self.unschedulable:
            return []
        pick = [(v, k) for k, v in self.unschedulable.items() if not relational_only or (len(v) > 2 and v[2])]
        keys = [(sched.NAME, key) for _, key in sorted(pick)]
        for _, key in pick:
            del self.unschedulable[key]
        return keys

    def _count(self, key, node: str, pod, sign: int, spread: bool = True) -> None:
        """The per-node pods, host ports, affinity-term anchors and spread
        counts (unless `spread` is False) of one counted pod (sign −1 removes it)."""
        if sign > 0:
            self._count_add(key, node, pod, spread)
            return
        if spread and pod.metadata.deletion_timestamp is None:
            self._spread_uncount(node, pod)
        on = self.pods.get(node)
        if on is not None:
            on.pop(key, None)
            if not on:
                del self.pods[node]
        for hp in sched.host_ports(pod):
            ports = self.ports.setdefault(node, {})
            ports[hp] = ports.get(hp, 0) + sign
            if ports[hp] <= 0:
                del ports[hp]
                if not ports:
                    del self.ports[node]
        hit = self.affinity_pods.pop(key, None)
        if hit is not None:
            for a in hit[2]:
                keys = self.affinity_anchor.get(a)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del self.affinity_anchor[a]

    def _count_add(self, key, node: str, pod, spread: bool = True) -> None:
        """`_count` with sign +1 (a bind's path, once a pod): the pod joins
        its label set's spread counts (see `_spread_uncount`), the set found
        by the identity of the pod's labels mapping (`_spread_memo`)."""
        m = pod.metadata
        if spread and m.deletion_timestamp is None:
            labels = m.labels
            hit = self._spread_memo.get(id(labels))
            if hit is not None and hit[0] is labels and hit[1] == m.namespace and hit[2].total > 0:
                sets = hit[2]    # a deleted SpreadCounts had its total at 0: never reused
            else:
                sk = (m.namespace, _label_set_key(labels))
                sets = self.spread_sets.get(sk)
                if sets is None:
                    sets = self.spread_sets[sk] = SpreadCounts(m.namespace, labels)
                    for kv in sk[1]:
                        self.spread_anchor.setdefault((m.namespace,) + kv, set()).add(sk)
                if len(self._spread_memo) >= 4096:
                    self._spread_memo.clear()
                self._spread_memo[id(labels)] = (labels, m.namespace, sets)
            table = self.table
            r = table.row.get(node)
            by_node = sets.by_node
            on = by_node[node] = by_node.get(node, 0) + 1
            if r is not None:
                if on == 1 and sets.layout == table.layout:
                    insort(sets.rows, r)    # the node started holding this label set's pods
                zone = table.zone_of[r]
                if zone is not None:
                    by_zone = sets.by_zone
                    by_zone[zone] = by_zone.get(zone, 0) + 1
            sets.total += 1
        on = self.pods.get(node)
        if on is None:
            on = self.pods[node] = {}
        on[key] = pod
        ports = sched.host_ports(pod)
        if ports:
            for hp in ports:
                mine = self.ports.setdefault(node, {})
                mine[hp] = mine.get(hp, 0) + 1
        # affinity_anchors is () without spec.affinity: the call is skipped then
        anchors = sched.affinity_anchors(pod) if pod.spec.affinity is not None else ()
        if anchors:
            self.affinity_pods[key] = (node, pod, anchors)
            for a in anchors:
                self.affinity_anchor.setdefault(a, set()).add(key)

    # -- PodTopologySpread counts per label set

    def node_zone(self, name: str):
        """The zone label of a node the table holds; None when it has none or is not in the table."""
        row = self.table.row.get(name)
        return None if row is None else self.table.zone_of[row]

    def _spread_uncount(self, node: str, pod) -> None:
        """countPodsMatchSelector's population, kept per label set (a
        counted pod that is not terminating, on `node` and in that node's
        zone while the table holds the node; the table's `zone_of` is its
        zone label): the pod leaves it. `_count_add` is the way in."""
        m = pod.metadata
        sk = (m.namespace, _label_set_key(m.labels))
        sets = self.spread_sets.get(sk)
        if sets is None:
            return
        table = self.table
        r = table.row.get(node)
        by_node = sets.by_node
        _bump(by_node, node, -1)
        if r is not None:
            if sets.layout == table.layout and node not in by_node:
                del sets.rows[bisect_left(sets.rows, r)]   # the node stopped holding them
            zone = table.zone_of[r]
            if zone is not None:
                _bump(sets.by_zone, zone, -1)
        sets.total -= 1
        if sets.total <= 0:
            del self.spread_sets[sk]
            for kv in sk[1]:
                keys = self.spread_anchor[(m.namespace,) + kv]
                keys.discard(sk)
                if not keys:
                    del self.spread_anchor[(m.namespace,) + kv]

    def _spread_rezone(self, node: str, old_zone, new_zone) -> None:
        """A node's zone changed, or it joined or left the table: move its
        pods' zone counts."""
        if old_zone == new_zone:
            return
        for pod in self.pods.get(node, {}).values():
            m = pod.metadata
            if m.deletion_timestamp is not None:
                continue
            sets = self.spread_sets.get((m.namespace, _label_set_key(m.labels)))
            if sets is None:
                continue
            if old_zone is not None:
                _bump(sets.by_zone, old_zone, -1)
            if new_zone is not None:
                _bump(sets.by_zone, new_zone, 1)

    def spread_counts(self, namespace: str, selector):
        """(pods per node name, pods per zone, the sorted table rows of the
        nodes holding them) of the counted, not
        terminating pods of `namespace` matching `selector` (which has
        matchLabels): the label sets filed under its rarest pair, kept if
        the selector matches them. The live dicts when one label set
        matches (a workload's pods share their labels), merged copies when
        several do. Cost: the label sets under that pair, not the pods."""
        best = None
        for kv in selector.match_labels.items():
            keys = self.spread_anchor.get((namespace,) + kv)
            if not keys:
                return {}, {}, []
            if best is None or len(keys) < len(best):
                best = keys
        hits = [self.spread_sets[k] for k in sorted(best or ()) if selector.matches(self.spread_sets[k].labels)]
        if len(hits) == 1:
            return hits[0].by_node, hits[0].by_zone, self._spread_rows(hits[0])
        by_node: dict = {}
        by_zone: dict = {}
        for h in hits:
            for k, v in h.by_node.items():
                by_node[k] = by_node.get(k, 0) + v
            for k, v in h.by_zone.items():
                by_zone[k] = by_zone.get(k, 0) + v
        return by_node, by_zone, _occupied_rows(self.table, by_node)

    def _spread_rows(self, sets: "SpreadCounts") -> list:
        """The sorted table rows of the nodes holding this label set's pods,
        kept up to date by _count_add and _spread_uncount, rebuilt once after the table's
        rows moved (a node joined or left)."""
        if sets.layout != self.table.layout:
            sets.rows = _occupied_rows(self.table, sets.by_node)
            sets.layout = self.table.layout
        return sets.rows

    def node_domains(self, node, sign: int) -> None:
        for k, v in node.metadata.labels.items():
            d = self.domains.setdefault(k, {})
            d[v] = d.get(v, 0) + sign
            if d[v] <= 0:
                del d[v]
                if not d:
                    del self.domains[k]


class SpreadCounts:
    """The counted, not terminating pods of one namespace carrying exactly
    one label set: how many on each node (by name) and in each zone (nodes
    in the table with a zone label). PodTopologySpread's PreScore sums
    these over the label sets its selector matches."""

    __slots__ = ("namespace", "labels", "by_node", "by_zone", "total", "rows", "layout")

    def __init__(self, namespace: str, labels) -> None:
        self.namespace = namespace
        self.labels = labels
        self.by_node: dict[str, int] = {}
        self.by_zone: dict[str, int] = {}
        self.total = 0
        #: the table rows of by_node's nodes, sorted — valid while `layout`
        #: equals the table's (SchedulerCache._spread_rows).
        self.rows: list[int] = []
        self.layout = -1


def _occupied_rows(table, by_node: dict) -> list:
    """The sorted table rows of the nodes in `by_node` the table holds."""
    return sorted(r for r in map(table.row.get, by_node) if r is not None)


_LABEL_SETS: dict = {}


def _label_set_key(labels) -> tuple:
    """A label mapping as its sorted pairs, memoised by identity (a
    workload's pods share one mapping)."""
    hit = _LABEL_SETS.get(id(labels))
    if hit is not None and hit[0] is labels:
        return hit[1]
    key = tuple(sorted(labels.items()))
    if len(_LABEL_SETS) > 4096:
        _LABEL_SETS.clear()
    _LABEL_SETS[id(labels)] = (labels, key)
    return key


def _bump(counts: dict, key, sign: int) -> None:
    v = counts.get(key, 0) + sign
    if v > 0:
        counts[key] = v
    else:
        counts.pop(key, None)


#: (node name, id(Requests)) → the one (node name, Requests) tuple: what the
#: scheduler cache's `usage` and the kubelet admission's `by_pod` hold for
#: each counted pod (the pods of one template on one node share it; their
#: Requests is one object, pod_requests' memo). Keyed by identity, checked
#: on a hit, so no Python-level hash runs. Bounded: cleared when full, which
#: only stops the sharing.
_PLACEMENTS: dict = {}
_PLACEMENTS_MAX = 1 << 15


def _placement(node: str, req) -> tuple:
    key = (node, id(req))
    shared = _PLACEMENTS.get(key)
    if shared is not None and shared[1] is req:
        return shared
    if len(_PLACEMENTS) >= _PLACEMENTS_MAX:
        _PLACEMENTS.clear()
    shared = _PLACEMENTS[key] = (node, req)
    return shared


def _cache_on_pod(cache: SchedulerCache, old, new, api) -> list:
    """Requests count on a node while the pod is bound and not terminal.

    The cache holds each counted pod as the store last held it (`usage`,
    `pods`), so `old` is the counted object whenever it was counted: a
    change that keeps the spec object, both phases not terminal, the labels
    object and the deletion timestamp (the kubelet's status writes) keeps
    the pod counted on the same node with the same requests, ports,
    affinity anchors and spread counts — only the object held changes, as
    the general path below would do, without its lookups in `usage`. A
    create without a node finds nothing counted and counts nothing. A bind
    (a pod the store held without a node now has one, not terminal) finds
    nothing counted either: `_cache_bind` counts it."""
    if old is not None:
        if new is not None:
            spec = new.spec
            if old.spec is spec:
                node = spec.node_name
                om, nm = old.metadata, new.metadata
                if (node and new.status.phase not in TERMINAL_PHASES and old.status.phase not in TERMINAL_PHASES
                        and om.labels is nm.labels and om.deletion_timestamp is nm.deletion_timestamp):
                    key = (nm.namespace, nm.name)
                    cache.pods[node][key] = new
                    if om is not nm and cache.affinity_pods:
                        hit = cache.affinity_pods.get(key)
                        if hit is not None:
                            cache.affinity_pods[key] = (node, new, hit[2])
                    if cache.unschedulable:
                        cache.unschedulable.pop(key, None)
                    return []
            elif spec.node_name and not old.spec.node_name and new.status.phase not in TERMINAL_PHASES:
                return _cache_bind(cache, new, spec.node_name, api)
    elif not new.spec.node_name:
        return []
    m = (new if new is not None else old).metadata
    # an equal tuple finds the pod's entries; new entries are filed under the
    # store's own tuple (api.member), looked up only then (most changes are status writes)
    key = (m.namespace, m.name)
    out: list = []
    # counted exactly while the store held it bound and not terminal: a bind or a create finds
    # nothing counted without looking in `usage`
    counted = (cache.usage.get(key) if old is not None and old.spec.node_name
               and old.status.phase not in TERMINAL_PHASES else None)
    should = new is not None and new.spec.node_name and new.status.phase not in TERMINAL_PHASES
    if counted is not None and (not should or counted[0] != new.spec.node_name):
        cache.table.add_usage(counted[0], counted[1], -1)
        cache._count(key, counted[0], cache.pods.get(counted[0], {}).get(key, old), -1)
        del cache.usage[key]
        counted = None
        out = cache.retry_unschedulable()
    if should and counted is None:
        key = api.member("Pod", m.namespace, m.name)
        req = sched.pod_requests(new)
        cache.table.add_usage(new.spec.node_name, req)
        cache.usage[key] = _placement(new.spec.node_name, req)
        cache._count(key, new.spec.node_name, new, 1)
        if cache.unschedulable:
            out = out + cache.retry_unschedulable(relational_only=True)
    elif should:
        # the same pod, updated: keep the latest object (labels, deletion)
        node = new.spec.node_name
        if old is None or old.metadata is not new.metadata:
            was = cache.pods.get(node, {}).get(key, old)
            # a status write renews the metadata (resourceVersion): the spread counts move only
            # when the labels or the terminating state do
            respread = (was.metadata.labels is not new.metadata.labels
                        or (was.metadata.deletion_timestamp is None) != (new.metadata.deletion_timestamp is None))
            if not respread and was.spec is new.spec:
                # the kubelet's status writes: host ports and affinity anchors come from the
                # spec, so only the object the cache holds changes
                cache.pods[node][key] = new
                hit = cache.affinity_pods.get(key)
                if hit is not None:
                    cache.affinity_pods[key] = (node, new, hit[2])
            else:
                cache._count(key, node, was, -1, respread)
                cache._count(api.member("Pod", m.namespace, m.name), node, new, 1, respread)
            if old is not None and old.metadata.deletion_timestamp is None and new.metadata.deletion_timestamp:
                out = cache.retry_unschedulable()   # a terminating pod stops counting for spreading
        else:
            cache.pods[node][key] = new
    if cache.unschedulable and (new is None or new.spec.node_name):
        cache.unschedulable.pop(key, None)
    return out


def _cache_bind(cache: SchedulerCache, new, node: str, api) -> list:
    """_cache_on_pod's general path for a bind: the pod starts counting on
    `node` (its requests, the per-node pods, ports, anchors and spread
    counts), the pods parked on a relation it may satisfy are retried, and
    it leaves the unschedulable queue."""
    m = new.metadata
    key = api.member("Pod", m.namespace, m.name)    # the store's own tuple
    req = sched.pod_requests(new)
    cache.table.add_usage(node, req)
    cache.usage[key] = _placement(node, req)
    cache._count_add(key, node, new)
    if cache.unschedulable:
        out = cache.retry_unschedulable(relational_only=True)
        cache.unschedulable.pop(key, None)
        return out
    return []


def _cache_on_node(cache: SchedulerCache, old, new, api) -> list:
    name = (new or old).metadata.name
    table = cache.table
    old_zone = cache.node_zone(name)
    if old is not None and name in table.row:
        cache.node_domains(table.nodes[table.row[name]], -1)
    if new is not None:
        cache.node_domains(new, 1)
    if new is None:
        if name in table.row:
            table.remove_node(name)
    elif name in table.row:
        table.update_node(new)
    else:
        table.add_node(new)
        for pod in api.placed("Pod", name):  # pods bound to this name before the node joined
            counted = cache.usage.get((pod.metadata.namespace, pod.metadata.name))
            if counted is not None:
                table.add_usage(name, counted[1])
    cache._spread_rezone(name, old_zone, cache.node_zone(name))
    return []


def _cache_retry_on_node(cache: SchedulerCache, old, new, api) -> list:
    if new is not None and (old is None or old.spec != new.spec or old.status.state != new.status.state):
        return cache.retry_unschedulable()
    return []


def _cache_memory(cache: SchedulerCache, key, value) -> bool:
    if isinstance(key, tuple) and key and key[0] == "unschedulable":
        cache.unschedulable[key[1:]] = value if isinstance(value, tuple) else (0, 0)
        return True
    return False


def _cache_dump(cache: SchedulerCache) -> dict:
    return {"order": list(cache.table.names), "usage": cache.usage, "unschedulable": cache.unschedulable}


def _cache_load(data: dict, api) -> SchedulerCache:
    cache = SchedulerCache()
    for name in data["order"]:  # the scheduler walks nodes in this order
        cache.table.add_node(api.get("Node", "", name))
        cache.node_domains(api.get("Node", "", name), 1)
    cache.usage = {api.member("Pod", *key): _placement(*value) for key, value in data["usage"].items()}
    cache.unschedulable = data["unschedulable"]
    for key, (node, req) in sorted(cache.usage.items()):
        cache.table.add_usage(node, req)
        pod = api.get("Pod", key[0], key[1])
        if pod is not None:
            cache._count(key, node, pod, 1)
    return cache


register_index(IndexSpec(
    name=SCHEDULER_CACHE, init=SchedulerCache, owner=sched.NAME, on_memory=_cache_memory,
    dump=_cache_dump, load=_cache_load,
    handlers=(IndexHandler("Pod", _cache_on_pod, order=0), IndexHandler("Node", _cache_on_node, order=0),
              IndexHandler("Node", _cache_retry_on_node, order=30)),
))

# -- the scheduling queue's nominator: pods a preemption nominated to a node

def _nominator_init() -> dict:
    return {"by_node": {}, "by_pod": {}}


def _nominator_on_pod(state: dict, old, new, api) -> list:
    """backend/queue nominator (AddNominatedPod / DeleteNominatedPodIfExists):
    an unbound pod with status.nominatedNodeName reserves room on that node
    for the pods of lower priority (framework.go addGENominatedPods). A
    reservation that ends without its pod bound there (deleted, bound
    elsewhere, nomination cleared) gives the room back: the unschedulable
    pods are retried."""
    by_pod = state["by_pod"]
    if not by_pod and (new is None or new.spec.node_name or not new.status.nominated_node_name):
        return []       # nothing is nominated, nor becomes so: the common case, kept cheap
    obj = new if new is not None else old
    key = (obj.metadata.namespace, obj.metadata.name)
    have = by_pod.get(key)
    want = new.status.nominated_node_name if (
        new is not None and not new.spec.node_name and new.metadata.deletion_timestamp is None) else ""
    if have is None and not want:
        return []
    by_node = state["by_node"]
    if have is not None:
        on = by_node[have]
        del on[key]
        if not on:
            del by_node[have]
        del by_pod[key]
    if want:
        by_node.setdefault(want, {})[key] = sched.nominated_pod(new)
        by_pod[key] = want
    if have is not None and have != want and not (new is not None and new.spec.node_name == have):
        return api.index(SCHEDULER_CACHE).retry_unschedulable()
    return []


register_index(IndexSpec(name=sched.NOMINATED_PODS, init=_nominator_init,
                         handlers=(IndexHandler("Pod", _nominator_on_pod, order=0),)))

#: the scheduler cache's image states (ImageLocality), from the nodes' status.images.
register_index(IndexSpec(name=sched.IMAGE_STATES, init=imagelocality.new_image_states,
                         handlers=(IndexHandler("Node", imagelocality.on_node, order=0),)))


# --------------------------------------------------------- kubelet admission

def _admission_init() -> dict:
    """{"totals": node → [cpu m, memory B, pods], "by_pod": (ns, name) → (node, requests)}."""
    return {"totals": {}, "by_pod": {}}


#: lifecycle states of a pod its kubelet has not admitted (`is_admitted` is
#: False in them, whatever else the pod holds).
_BEFORE_ADMISSION = frozenset({"Pending", "Scheduled"})
#: lifecycle states in which `is_admitted` is True unless the phase is
#: terminal (all but those before admission and Terminating, which depends
#: on the container statuses).
_ADMITTED = frozenset({"Initializing", "ContainerCreating", "Running", "CrashLoopBackOff", "Terminated"})


def _admission_on_pod(state: dict, old, new, api) -> list:
    """Pods past the kubelet's admission that have not finished.

    `by_pod` files a pod exactly while the store holds it bound and
    admitted (`is_admitted`, which is False in a terminal phase), on that
    node. So a change with the pod admitted on neither side (a create, a
    bind, a status write before admission, a delete of an unadmitted pod)
    or admitted on both on the same node (a status write after admission)
    finds nothing to move: it returns before looking the pod up — a pod
    before admission on both sides (a bare pod's create and bind), or in an
    admitted state on both on one node (its start), without `is_admitted`."""
    if new is not None:
        now = new.status.state
        if now in _BEFORE_ADMISSION and (old is None or old.status.state in _BEFORE_ADMISSION):
            return []
        if old is not None and old.spec.node_name == new.spec.node_name and (
                old.status is new.status or (now in _ADMITTED and old.status.state in _ADMITTED
                                             and new.status.phase not in TERMINAL_PHASES
                                             and old.status.phase not in TERMINAL_PHASES)):
            return []
    was_admitted = old is not None and bool(old.spec.node_name) and is_admitted(old)
    now_admitted = new is not None and bool(new.spec.node_name) and is_admitted(new)
    if was_admitted == now_admitted and (not now_admitted or old.spec.node_name == new.spec.node_name):
        return []
    m = (new if new is not None else old).metadata
    key = (m.namespace, m.name)
    totals, by_pod = state["totals"], state["by_pod"]
    admitted = by_pod.get(key) if was_admitted else None
    if admitted is not None and (not now_admitted or admitted[0] != new.spec.node_name):
        tot = totals[admitted[0]]
        tot[0] -= admitted[1].cpu
        tot[1] -= admitted[1].memory
        tot[2] -= 1
        del by_pod[key]
        admitted = None
    if now_admitted and admitted is None:
        req = sched.pod_requests(new)
        tot = totals.get(new.spec.node_name)
        if tot is None:
            tot = totals[new.spec.node_name] = [0, 0, 0]
        tot[0] += req.cpu
        tot[1] += req.memory
        tot[2] += 1
        by_pod[api.member("Pod", m.namespace, m.name)] = _placement(new.spec.node_name, req)  # the store's tuple
    return []


register_index(IndexSpec(name=KUBELET_ADMISSION, init=_admission_init,
                         handlers=(IndexHandler("Pod", _admission_on_pod, order=1),)))


# ------------------------------------------------- pods by ConfigMap / Secret

POD_CONFIG_REFS = kubelet.POD_CONFIG_REFS


def _config_refs_init() -> dict:
    """{"by_ref": (kind, ns, name) → {pod keys}, "by_pod": (ns, name) → frozenset of (kind, ns, name)}:
    which pods reference which ConfigMaps and Secrets (volumes, env, envFrom),
    so that a ConfigMap or Secret change wakes only the pods that use it."""
    return {"by_ref": {}, "by_pod": {}}


def _config_refs_on_pod(state: dict, old, new, api) -> list:
    if old is not None and new is not None:
        a, b = old.spec, new.spec
        if a is b or (a.containers is b.containers and a.init_containers is b.init_containers
                      and a.extra is b.extra):
            return []   # a status write or a bind: the parts pod_refs reads did not change
    elif old is None and not configrefs.pod_refs(new):
        return []       # a create referencing nothing: a pod not stored before has nothing filed
    obj = new if new is not None else old
    key = (obj.metadata.namespace, obj.metadata.name)
    by_ref, by_pod = state["by_ref"], state["by_pod"]
    want = frozenset() if new is None else frozenset(
        (kind, key[0], name) for kind, name in configrefs.pod_refs(new))
    have = by_pod.get(key, frozenset())
    if want == have:
        return []
    for ref in have - want:
        pods = by_ref[ref]
        pods.discard(key)
        if not pods:
            del by_ref[ref]
    for ref in want - have:
        by_ref.setdefault(ref, set()).add(key)
    if want:
        by_pod[key] = want
    else:
        by_pod.pop(key, None)
    return []


register_index(IndexSpec(name=POD_CONFIG_REFS, init=_config_refs_init,
                         handlers=(IndexHandler("Pod", _config_refs_on_pod, order=2, ignores_status=True),)))

# --------------------------------------------------------- metrics-server load

#: the load inputs of the simulated metrics-server (Cluster.set_load,
#: Cluster.set_pod_usage): outside the cluster, so never lost on a restart.
register_index(IndexSpec(name=metrics.LOAD, init=metrics.new_load_state))


# -- Services by selector (the Endpoints and EndpointSlice controllers' pod → Service map)

SERVICES_BY_SELECTOR = endpoints_ctl.SERVICES_BY_SELECTOR


def _selector_anchor(svc) -> tuple:
    """The one (namespace, key, value) a Service is filed under: its
    selector's first pair by key. A pod can only match if it has that pair."""
    k = min(svc.spec.selector)
    return (svc.metadata.namespace, k, svc.spec.selector[k])


def _services_on_service(state: dict, old, new, api) -> list:
    for svc, add in ((old, False), (new, True)):
        if svc is None or not svc.spec.selector:
            continue
        anchor = _selector_anchor(svc)
        names = state.setdefault(anchor, set())
        if add:
            names.add(svc.metadata.name)
        else:
            names.discard(svc.metadata.name)
            if not names:
                del state[anchor]
    return []


register_index(IndexSpec(name=SERVICES_BY_SELECTOR, init=dict,
                         handlers=(IndexHandler("Service", _services_on_service, order=-10),)))


# -- kube-proxy's sync history (what the nodes' rules are programmed from)

register_index(IndexSpec(name=kubeproxy_ctl.SYNC_INDEX, init=ProxySyncState, owner=kubeproxy_ctl.NAME,
                         on_memory=kubeproxy_ctl.index_on_memory, dump=kubeproxy_ctl.index_dump,
                         load=kubeproxy_ctl.index_load,
                         handlers=(IndexHandler("Service", kubeproxy_ctl.index_on_service, order=90),
                                   IndexHandler("EndpointSlice", kubeproxy_ctl.index_on_slice, order=90))))
# -- nodes with a NoExecute taint (the taint-eviction controller's pod watch maps nothing without one)

def _noexecute_on_node(state: set, old, new, api) -> list:
    """The names of the stored nodes with a NoExecute taint: the test
    nodelifecycle.watch_pods_for_eviction makes of a pod's node, so that a
    pod change is not mapped (nor its node looked up) while no node has one."""
    name = (new if new is not None else old).metadata.name
    if new is not None and any(t.effect == "NoExecute" for t in new.spec.taints):
        state.add(name)
    else:
        state.discard(name)
    return []


register_index(IndexSpec(name=nodelifecycle_ctl.NOEXECUTE_NODES, init=set,
                         handlers=(IndexHandler("Node", _noexecute_on_node, order=-20),)))

# -- pods by claim (the scheduler's wake-up when a claim its pod names binds)

PODS_BY_CLAIM = volumes_ctl.PODS_BY_CLAIM


def _claims_on_pod(state: dict, old, new, api) -> list:
    """(namespace, claim) → {(namespace, pod)} for pods not yet bound to a node."""
    if old is not None and new is not None and old.spec is new.spec:
        return []
    if (old is None or "volumes" not in old.spec.extra) and (new is None or "volumes" not in new.spec.extra):
        return []   # no volumes on either side: pod_claim_names is empty for both
    for pod, add in ((old, False), (new, True)):
        if pod is None:
            continue
        pending = add and not pod.spec.node_name
        for claim in volumes_ctl.pod_claim_names(pod):
            key = (pod.metadata.namespace, claim)
            pods = state.setdefault(key, set())
            if pending:
                pods.add((pod.metadata.namespace, pod.metadata.name))
            else:
                pods.discard((pod.metadata.namespace, pod.metadata.name))
            if not pods:
                del state[key]
    return []


register_index(IndexSpec(name=PODS_BY_CLAIM, init=dict,
                         handlers=(IndexHandler("Pod", _claims_on_pod, order=3, ignores_status=True),)))
