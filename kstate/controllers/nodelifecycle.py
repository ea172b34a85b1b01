"""Node health, NoExecute tainting, taint-based eviction and pod GC.

Owns four pure reconciles that together decide what happens to pods when a
node is lost (reference §1.7):
- `reconcile_node_lifecycle` (per node): Ready → Unknown once the
  node-monitor grace period has passed, the NoSchedule condition taints, and
  MarkPodsNotReady; taints removed when the node is Ready again.
- `reconcile_zone` (per zone): NoExecute taints through a per-zone rate limiter.
- `reconcile_taint_eviction` (per pod): delete pods that do not tolerate a
  NoExecute taint, after their tolerationSeconds.
- `reconcile_podgc` (per removed node): force-delete pods bound to a node that
  no longer exists, and terminating pods on a node that is not Ready and
  tainted node.kubernetes.io/out-of-service (gcTerminating).
Must not import engine/ or io/.

Kubernetes sources: pkg/controller/nodelifecycle/node_lifecycle_controller.go
(tryUpdateNodeHealth, handleDisruption, ComputeZoneState, doNoExecuteTaintingPass,
doNoScheduleTaintingPass), pkg/controller/util/node/controller_utils.go
(MarkPodsNotReady), pkg/controller/tainteviction/taint_eviction.go
(processPodOnNode, getMinTolerationTime), pkg/controller/podgc/gc_controller.go.
"""
from __future__ import annotations

from typing import Optional

import attrs

from kstate.controllers.actions import NOTHING, Delete, RecordEvent, Result, SetMemory, Update, UpdateStatus, ref_of
from kstate.controllers.view import key_of, nodes_in_zone, pods_on_node, zones
from kstate.resources.meta import Condition, set_condition
from kstate.resources.node import (
    LABEL_ZONE, TAINT_NOT_READY, TAINT_OUT_OF_SERVICE, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, Taint,
)
from kstate.resources.pod import TERMINAL_PHASES
from kstate.resources.frozen import evolve

NAME = "node-lifecycle-controller"
ZONE = "node-lifecycle-zone"
TAINT_EVICTION = "taint-eviction-controller"
PODGC = "pod-garbage-collector"
#: the declared index of the nodes that carry a NoExecute taint (kstate.indexes):
#: watch_pods_for_eviction maps nothing while it is empty (Watch.requires_index).
NOEXECUTE_NODES = "noexecute-nodes"

NODE_MONITOR_PERIOD_MS = 5_000
NODE_MONITOR_GRACE_MS = 50_000          # 50 s since 1.32 (40 s before; kubernetes PR #126287), so at 1.35
NODE_STATUS_UPDATE_MS = 10_000          # kubelet nodeStatusUpdateFrequency / lease renew
EVICTION_RATE_INTERVAL_MS = 10_000      # --node-eviction-rate 0.1 node/s, burst 1
SECONDARY_EVICTION_INTERVAL_MS = 100_000  # --secondary-node-eviction-rate 0.01/s
UNHEALTHY_ZONE_THRESHOLD = 0.55
LARGE_CLUSTER_SIZE_THRESHOLD = 50
PODGC_PERIOD_MS = 20_000
PODGC_QUARANTINE_MS = 40_000

PRESSURE_CONDITIONS = ("MemoryPressure", "DiskPressure", "PIDPressure")


def zone_of(node) -> str:
    return node.metadata.labels.get(LABEL_ZONE, "")


def next_tick_after(t: int, epoch: int, period: int) -> int:
    """The first controller pass strictly after `t` on a grid of `period`
    from `epoch`. Example: epoch 0, period 5 s, t = 62 s → 65 s; t = 65 s → 70 s."""
    return epoch + ((t - epoch) // period + 1) * period


def tick_at_or_after(t: int, epoch: int, period: int) -> int:
    """Example: epoch 0, period 5 s, t = 62 s → 65 s; t = 65 s → 65 s."""
    return epoch + -(-(t - epoch) // period) * period


def unknown_at(last_heartbeat: int, epoch: int) -> int:
    """When tryUpdateNodeHealth marks a silent node Unknown: the pass that
    sees the last heartbeat stamps the probe time; the first pass with
    now > probe + grace (50 s) flips the conditions.

    Example: heartbeat at 30 s, passes every 5 s from 0 → probe 30 s, Unknown
    at 85 s (the 80 s pass is not strictly after 80 s).
    """
    probe = tick_at_or_after(last_heartbeat, epoch, NODE_MONITOR_PERIOD_MS)
    return next_tick_after(probe + NODE_MONITOR_GRACE_MS, epoch, NODE_MONITOR_PERIOD_MS)


@attrs.frozen
class NodeObs:
    node: object
    pods: tuple = ()
    epoch: int = 0


def observe_node_lifecycle(view, key) -> NodeObs:
    node = view.get("Node", "", key)
    if node is None:
        return NodeObs(node=None)
    pods = tuple(pods_on_node(view, key)) if node.status.state == "Silent" else ()
    return NodeObs(node=node, pods=pods, epoch=view.start)


def _with_taints(node, taints) -> object:
    return evolve(node, spec=evolve(node.spec, taints=tuple(taints)))


def desired_no_schedule_taints(node) -> list:
    """doNoScheduleTaintingPass: condition taints follow the conditions (not
    rate limited) and the unschedulable taint follows spec.unschedulable."""
    out = []
    state = node.status.state
    if state == "Unknown":
        out.append((TAINT_UNREACHABLE, "NoSchedule"))
    elif state == "NotReady":
        out.append((TAINT_NOT_READY, "NoSchedule"))
    if node.spec.unschedulable:
        out.append((TAINT_UNSCHEDULABLE, "NoSchedule"))
    return out


def reconcile_node_lifecycle(obs: NodeObs, now: int) -> Result:
    node = obs.node
    if node is None:
        return NOTHING
    state = node.status.state
    if state == "Silent":
        due = unknown_at(node.status.last_heartbeat if node.status.last_heartbeat is not None else now, obs.epoch)
        if now < due:
            return Result(requeue_after=due - now)
        conds = node.status.conditions
        for t in ("Ready",) + PRESSURE_CONDITIONS:
            conds = set_condition(conds, Condition(t, "Unknown", "NodeStatusUnknown",
                                                   "Kubelet stopped posting node status.",
                                                   last_heartbeat_time=node.status.last_heartbeat), now)
        new = evolve(node, status=evolve(node.status, conditions=conds, state="Unknown",
                                                     state_since=now))
        actions = [UpdateStatus(new, "grace_expired"),
                   RecordEvent(ref_of(node), "NodeNotReady", f"Node {node.metadata.name} status is now: NodeNotReady",
                               "Normal", "node-controller")]
        for pod in obs.pods:
            actions.extend(mark_pod_not_ready(pod, now))
        return Result(tuple(actions))
    # NoSchedule taints follow the state; NoExecute ones go away when Ready.
    want = desired_no_schedule_taints(node)
    taints = list(node.spec.taints)
    kept = []
    for t in taints:
        managed = t.key in (TAINT_UNREACHABLE, TAINT_NOT_READY, TAINT_UNSCHEDULABLE)
        if not managed:
            kept.append(t)
        elif t.effect == "NoSchedule" and (t.key, t.effect) in want:
            kept.append(t)
        elif t.effect == "NoExecute" and state != "Ready" and t.key != TAINT_UNSCHEDULABLE:
            kept.append(t)  # NoExecute is the zone controller's to add and keep
    have = {(t.key, t.effect) for t in kept}
    for key, effect in want:
        if (key, effect) not in have:
            kept.append(Taint(key=key, effect=effect))
    if kept != taints:
        return Result((Update(_with_taints(node, kept)),))
    return NOTHING


def mark_pod_not_ready(pod, now: int) -> list:
    """controller_utils.go MarkPodsNotReady: Ready=False (ContainersReady and
    the phase untouched) on every pod of the node that is not terminal."""
    if pod.status.phase in TERMINAL_PHASES:
        return []
    conds = set_condition(pod.status.conditions, Condition("Ready", "False"), now)
    if conds is pod.status.conditions:
        return []
    new = evolve(pod, status=evolve(pod.status, conditions=conds))
    return [UpdateStatus(new), RecordEvent(ref_of(pod), "NodeNotReady", "Node is not ready", "Warning",
                                           "node-controller")]


# -- NoExecute tainting, rate limited per zone


@attrs.frozen
class ZoneObs:
    zone: str
    nodes: tuple = ()
    all_zones_fully_disrupted: bool = False
    last_taint: Optional[int] = None


def observe_zone(view, zone) -> ZoneObs:
    nodes = tuple(nodes_in_zone(view, zone))
    all_full = True
    for z in zones(view):
        zn = nodes if z == zone else nodes_in_zone(view, z)
        if zone_state(zn) != "FullDisruption":
            all_full = False
            break
    return ZoneObs(zone=zone, nodes=nodes, all_zones_fully_disrupted=all_full,
                   last_taint=view.memory(ZONE, zone, None))


def zone_state(nodes) -> str:
    """ComputeZoneState: FullDisruption when no node is Ready; PartialDisruption
    when more than 2 are not Ready and they are ≥ 55 %; else Normal."""
    if not nodes:
        return "Normal"
    not_ready = sum(1 for n in nodes if n.status.state not in ("Ready", "Silent"))
    if not_ready == len(nodes):
        return "FullDisruption"
    if not_ready > 2 and not_ready / len(nodes) >= UNHEALTHY_ZONE_THRESHOLD:
        return "PartialDisruption"
    return "Normal"


def eviction_interval(state: str, size: int) -> Optional[int]:
    """handleDisruption's rate per zone state: Normal and FullDisruption
    0.1 node/s; PartialDisruption 0.01 node/s above 50 nodes, else none."""
    if state == "PartialDisruption":
        return SECONDARY_EVICTION_INTERVAL_MS if size > LARGE_CLUSTER_SIZE_THRESHOLD else None
    return EVICTION_RATE_INTERVAL_MS


def _no_execute_key(node) -> Optional[str]:
    if node.status.state == "Unknown":
        return TAINT_UNREACHABLE
    if node.status.state == "NotReady":
        return TAINT_NOT_READY
    return None


def reconcile_zone(obs: ZoneObs, now: int) -> Result:
    """doNoExecuteTaintingPass for one zone: add `unreachable`/`not-ready`
    NoExecute taints to lost nodes, one node per token; remove them from every
    node when all zones are fully disrupted (nothing is evicted then)."""
    if obs.all_zones_fully_disrupted:
        for node in obs.nodes:
            if any(t.effect == "NoExecute" and t.key in (TAINT_UNREACHABLE, TAINT_NOT_READY) for t in node.spec.taints):
                kept = [t for t in node.spec.taints
                        if not (t.effect == "NoExecute" and t.key in (TAINT_UNREACHABLE, TAINT_NOT_READY))]
                return Result((Update(_with_taints(node, kept)),))
        return NOTHING
    # Swap a taint of the wrong kind first (not-ready ↔ unreachable): not rate limited.
    pending = []
    for node in obs.nodes:
        key = _no_execute_key(node)
        ne = [t for t in node.spec.taints if t.effect == "NoExecute" and t.key in (TAINT_UNREACHABLE, TAINT_NOT_READY)]
        if key is None:
            continue
        if ne and ne[0].key != key:
            kept = [t for t in node.spec.taints if t not in ne] + [Taint(key, "NoExecute", time_added=now)]
            return Result((Update(_with_taints(node, kept)),))
        if not ne:
            pending.append((node.status.state_since or 0, node.metadata.name, node, key))
    if not pending:
        return NOTHING
    interval = eviction_interval(zone_state(obs.nodes), len(obs.nodes))
    if interval is None:
        return NOTHING
    if obs.last_taint is not None and now < obs.last_taint + interval:
        return Result(requeue_after=obs.last_taint + interval - now)
    pending.sort(key=lambda p: (p[0], p[1]))
    _, _, node, key = pending[0]
    new = _with_taints(node, list(node.spec.taints) + [Taint(key, "NoExecute", time_added=now)])
    return Result((SetMemory(ZONE, obs.zone, now), Update(new)),
                  requeue_after=interval if len(pending) > 1 else None)


# -- taint-based eviction, per pod


@attrs.frozen
class EvictionObs:
    pod: object
    node: object = None


def observe_taint_eviction(view, key) -> EvictionObs:
    pod = view.get("Pod", key[0], key[1])
    if pod is None or not pod.spec.node_name:
        return EvictionObs(pod=None)
    return EvictionObs(pod=pod, node=view.get("Node", "", pod.spec.node_name))


def get_min_toleration_time(tolerations) -> Optional[int]:
    """taint_eviction.go getMinTolerationTime: the smallest tolerationSeconds
    (ms) of the matching tolerations; None = tolerated forever; ≤ 0 → 0.

    Example: tolerations 300 s and 60 s → 60 s; one without seconds and one
    with 30 s → 30 s; none with seconds → forever.
    """
    best = None
    for t in tolerations:
        if t.toleration_seconds is None:
            continue
        s = max(0, t.toleration_seconds) * 1000
        best = s if best is None else min(best, s)
    return best


def reconcile_taint_eviction(obs: EvictionObs, now: int) -> Result:
    """processPodOnNode: a pod that does not tolerate every NoExecute taint is
    deleted at once; otherwise when the shortest tolerationSeconds of the
    matching tolerations has passed since the taint was added."""
    pod, node = obs.pod, obs.node
    if pod is None or node is None or pod.metadata.deletion_timestamp is not None:
        return NOTHING
    taints = [t for t in node.spec.taints if t.effect == "NoExecute"]
    if not taints:
        return NOTHING
    matching = []
    for taint in taints:
        tols = [t for t in pod.spec.tolerations if t.tolerates(taint)]
        if not tols:
            return _evict(pod, now)
        matching.extend(tols)
    wait = get_min_toleration_time(matching)
    if wait is None:
        return NOTHING
    since = min(t.time_added if t.time_added is not None else now for t in taints)
    if now < since + wait:
        return Result(requeue_after=since + wait - now)
    return _evict(pod, now)


def _evict(pod, now: int) -> Result:
    conds = set_condition(pod.status.conditions, Condition(
        "DisruptionTarget", "True", "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint"), now)
    m = pod.metadata
    return Result((
        UpdateStatus(evolve(pod, status=evolve(pod.status, conditions=conds))),
        RecordEvent(ref_of(pod), "TaintManagerEviction", f"Marking for deletion Pod {m.namespace}/{m.name}",
                    "Normal", TAINT_EVICTION),
        Delete("Pod", m.namespace, m.name, m.uid),
    ))


# -- PodGC of pods whose node is gone


@attrs.frozen
class PodGCObs:
    node_name: str
    node_exists: bool
    removed_at: Optional[int]
    pods: tuple = ()
    epoch: int = 0
    #: the node exists, is not Ready and has the out-of-service taint (gcTerminating).
    out_of_service: bool = False


def is_out_of_service(node) -> bool:
    """gcTerminating's node test: !IsNodeReady(node) and the
    node.kubernetes.io/out-of-service taint (any effect) is on it."""
    return node.status.state != "Ready" and any(t.key == TAINT_OUT_OF_SERVICE for t in node.spec.taints)


def observe_podgc(view, node_name) -> PodGCObs:
    node = view.get("Node", "", node_name)
    oos = node is not None and is_out_of_service(node)
    if node is None:
        pods = tuple(pods_on_node(view, node_name))
    elif oos:
        pods = tuple(p for p in pods_on_node(view, node_name) if p.metadata.deletion_timestamp is not None)
    else:
        pods = ()
    return PodGCObs(node_name=node_name, node_exists=node is not None,
                    removed_at=view.memory(PODGC, node_name, None), pods=pods, epoch=view.start,
                    out_of_service=oos)


def reconcile_podgc(obs: PodGCObs, now: int) -> Result:
    """gcOrphaned: a pass (every 20 s) that sees pods bound to a missing node
    queues the node for 40 s of quarantine; the pass after that force-deletes
    them (phase Failed and DisruptionTarget DeletionByPodGC first).

    Example: node removed at 61 s → seen at the 80 s pass → pods deleted at 120 s.
    """
    if obs.node_exists and obs.out_of_service and obs.pods:
        return gc_terminating(obs, now)
    if obs.node_exists or not obs.pods:
        return Result((SetMemory(PODGC, obs.node_name, None),)) if obs.removed_at is not None else NOTHING
    if obs.removed_at is None:
        return Result((SetMemory(PODGC, obs.node_name, now),), requeue_after=0)
    due = tick_at_or_after(obs.removed_at, obs.epoch, PODGC_PERIOD_MS) + PODGC_QUARANTINE_MS
    if now < due:
        return Result(requeue_after=due - now)
    actions = []
    for pod in obs.pods:
        m = pod.metadata
        st = pod.status
        conds = set_condition(st.conditions, Condition("DisruptionTarget", "True", "DeletionByPodGC",
                                                       "PodGC: node no longer exists"), now)
        if st.phase not in TERMINAL_PHASES:
            new = evolve(pod, status=evolve(st, phase="Failed", conditions=conds, state="Failed",
                                                        state_since=now))
            actions.append(UpdateStatus(new, "fail"))
        actions.append(Delete("Pod", m.namespace, m.name, m.uid, 0))
    actions.append(SetMemory(PODGC, obs.node_name, None))
    return Result(tuple(actions))


def gc_terminating(obs: PodGCObs, now: int) -> Result:
    """gc_controller.go gcTerminating: at the next pass (every 20 s), the
    terminating pods of a node that is not Ready and carries the
    node.kubernetes.io/out-of-service taint are force-deleted — phase Failed
    first (markFailedAndDeletePod: no condition), then DELETE with grace 0 —
    oldest first (byEvictionAndCreationTimestamp).

    Example: taint added at 61 s on a lost node, its pods terminating → the
    80 s pass deletes them."""
    due = tick_at_or_after(now, obs.epoch, PODGC_PERIOD_MS)
    if now < due:
        return Result(requeue_after=due - now)
    actions = []
    for pod in sorted(obs.pods, key=lambda p: (p.metadata.creation_timestamp or 0, p.metadata.namespace,
                                               p.metadata.name)):
        m = pod.metadata
        st = pod.status
        if st.phase not in TERMINAL_PHASES:
            actions.append(UpdateStatus(evolve(pod, status=evolve(st, phase="Failed", state="Failed",
                                                                 state_since=now)), "fail"))
        actions.append(Delete("Pod", m.namespace, m.name, m.uid, 0))
    return Result(tuple(actions))


# -- watches (informer handlers)

def watch_nodes(old, new, view) -> tuple:
    return (new.metadata.name,) if new is not None else ()


def watch_nodes_for_zones(old, new, view) -> tuple:
    """Zone state follows node health and taints; a node that joins or leaves
    may change every zone's size and state."""
    node = new if new is not None else old
    if new is None or old is None or old.status.state != new.status.state or old.spec.taints != new.spec.taints:
        return tuple(sorted(set(zones(view)) | {zone_of(node)}))
    return ()


def _no_execute(node) -> tuple:
    return tuple(sorted((t.key, t.value) for t in node.spec.taints if t.effect == "NoExecute"))


def watch_pods_for_eviction(old, new, view) -> tuple:
    """A pod bound to a node with NoExecute taints is checked against them."""
    if new is None or not new.spec.node_name:
        return ()
    node = view.get("Node", "", new.spec.node_name)
    if node is not None and node.spec.taints and any(t.effect == "NoExecute" for t in node.spec.taints):
        return ((new.metadata.namespace, new.metadata.name),)
    return ()


def watch_nodes_for_eviction(old, new, view) -> tuple:
    """NoExecute taints added or changed: every pod on the node is checked."""
    if old is not None and new is not None and old.spec.taints != new.spec.taints:
        after = _no_execute(new)
        if after and _no_execute(old) != after:
            return tuple(key_of(pod) for pod in pods_on_node(view, new.metadata.name))
    return ()


def watch_pods_for_podgc(old, new, view) -> tuple:
    """A pod bound to a node that does not exist, or a terminating pod on an
    out-of-service node."""
    if new is not None and new.spec.node_name:
        node = view.get("Node", "", new.spec.node_name)
        if node is None or (new.metadata.deletion_timestamp is not None and node.spec.taints
                            and is_out_of_service(node)):
            return (new.spec.node_name,)
    return ()


def watch_nodes_for_podgc(old, new, view) -> tuple:
    """A removed node's pods are collected (after the quarantine); a node that
    becomes out of service (not Ready, tainted out-of-service) has its
    terminating pods collected."""
    if new is None:
        return (old.metadata.name,)
    if old is not None and is_out_of_service(new) and not is_out_of_service(old):
        return (new.metadata.name,)
    return ()
