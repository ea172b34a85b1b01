"""The ReplicaSet controller, which also runs ReplicationControllers.

Owns: claiming pods (adopt matching orphans, release owned pods that stop
matching), creating or deleting pods to reach spec.replicas (≤ 500 per sync,
creates in slow-start batches), which pods go first (the full
ActivePodsWithRanks order), and the status (replicas, fullyLabeledReplicas,
readyReplicas, availableReplicas with minReadySeconds, observedGeneration).
Must not import engine/ or io/.

Kubernetes sources: pkg/controller/replicaset/replica_set.go (syncReplicaSet,
manageReplicas, getPodsToDelete, getPodsRankedByRelatedPodsOnSameNode),
replica_set_utils.go (calculateStatus), pkg/controller/controller_utils.go
(FilterActivePods, ActivePodsWithRanks.Less, slowStartBatch, logarithmicRankDiff),
pkg/controller/controller_ref_manager.go (ClaimPods).
"""
from __future__ import annotations

import functools
import math
from typing import Optional

import attrs

from kstate.controllers.actions import (
    NOTHING, Create, Delete, RecordEvent, Result, SetMemory, Update, UpdateStatus, ref_of,
)
from kstate.controllers.workqueue import FAILURES_KEY, failure_delay
from kstate.resources.meta import Condition, ObjectMeta, OwnerReference, controller_of, get_condition
from kstate.resources.pod import Pod, PodStatus, is_pod_active, is_pod_available, is_pod_ready
from kstate.resources.selector import LabelSelector, selector_from_labels
from kstate.resources.workloads import ANN_DELETION_COST, ReplicaSetStatus, deletion_cost_from_annotations  # noqa: F401
from kstate.resources.frozen import evolve

NAME = "replicaset-controller"
BURST_REPLICAS = 500
SLOW_START_INITIAL_BATCH = 1


@attrs.frozen
class RSObs:
    rs: object                 # ReplicaSet or ReplicationController
    pods: tuple = ()           # pods in the namespace this RS owns or could adopt
    related: tuple = ()        # getIndirectlyRelatedPods: () when the RS has no controller (for ranking)
    owner_deleting: bool = False
    #: the API's refusal of a pod from the template (admission), asked when pods are missing
    refused: Optional[str] = None
    #: the workqueue's failure count of this key (rate-limited requeue)
    failures: int = 0


def selector_of(rs) -> Optional[LabelSelector]:
    """RCs carry a plain map (equality only); ReplicaSets a LabelSelector."""
    sel = rs.spec.selector
    if sel is None or isinstance(sel, LabelSelector):
        return sel
    return selector_from_labels(sel)


def observe_replicaset(view, key) -> RSObs:
    kind, namespace, name = key
    rs = view.get(kind, namespace, name)
    if rs is None:
        return RSObs(rs=None)
    sel = selector_of(rs)
    # Listers are per namespace (podLister.Pods(rs.Namespace)): a pod in
    # another namespace claiming this RS as owner is not its pod.
    pods = {p.metadata.name: p for p in view.owned_by(rs.metadata.uid, "Pod") if p.metadata.namespace == namespace}
    if sel is not None:
        for p in view.objects_matching("Pod", namespace, sel):
            pods.setdefault(p.metadata.name, p)
    refused = None
    if rs.metadata.deletion_timestamp is None and sum(1 for p in pods.values() if is_pod_active(p)) < rs.spec.replicas:
        refused = view.create_refusal(pod_from_template(rs))
    return RSObs(rs=rs, pods=tuple(p for _, p in sorted(pods.items())), related=related_pods(view, rs),
                 refused=refused, failures=view.memory(NAME, (FAILURES_KEY,) + tuple(key), 0))


def related_pods(view, rs) -> tuple:
    """replica_set.go getIndirectlyRelatedPods over getReplicaSetsWithSameController:
    the RSs (of the same kind, any namespace) whose controller reference
    carries the uid of this RS's controller, this RS included; for each,
    every pod of its namespace its selector matches (owned or not, active or
    not), each pod once. An RS without a controller reference has no related
    pods (getReplicaSetsWithSameController returns nil), so every pod's
    co-location rank is 0."""
    ctrl = controller_of(rs.metadata)
    if ctrl is None:
        return ()
    seen, out = set(), []
    for sibling in view.owned_by(ctrl.uid, rs.KIND):
        ref = controller_of(sibling.metadata)
        if ref is None or ref.uid != ctrl.uid:
            continue  # the controllerUID index holds controller references only
        sel = selector_of(sibling)
        if sel is None:
            continue  # LabelSelectorAsSelector(nil) selects nothing
        for p in view.objects_matching("Pod", sibling.metadata.namespace, sel):
            if p.metadata.uid not in seen:
                seen.add(p.metadata.uid)
                out.append(p)
    return tuple(out)


def owner_reference(rs) -> OwnerReference:
    return OwnerReference(api_version=rs.API_VERSION, kind=rs.KIND, name=rs.metadata.name, uid=rs.metadata.uid,
                          controller=True, block_owner_deletion=True)


def claim_pods(rs, sel: Optional[LabelSelector], pods) -> tuple[list, list]:
    """ClaimPods over active pods: keep owned+matching, adopt matching orphans
    (not while the RS is being deleted), release owned pods that no longer
    match. Returns (claimed pods, Update actions)."""
    claimed, actions = [], []
    uid = rs.metadata.uid
    deleting = rs.metadata.deletion_timestamp is not None
    for p in pods:
        if rs.metadata.namespace and p.metadata.namespace != rs.metadata.namespace:
            continue  # a namespaced controller never claims across namespaces
        ref = controller_of(p.metadata)
        match = sel is not None and sel.matches(p.metadata.labels)
        if ref is not None:
            if ref.uid != uid:
                continue
            if match:
                claimed.append(p)
            elif not deleting:
                refs = tuple(r for r in p.metadata.owner_references if r.uid != uid)
                actions.append(Update(evolve(p, metadata=evolve(p.metadata, owner_references=refs))))
            continue
        if match and not deleting and p.metadata.deletion_timestamp is None:
            # AdoptPod patches by uid: an existing non-controller reference to
            # this owner becomes the controller reference.
            refs = tuple(r for r in p.metadata.owner_references if r.uid != uid) + (owner_reference(rs),)
            new = evolve(p, metadata=evolve(p.metadata, owner_references=refs))
            actions.append(Update(new))
            claimed.append(new)
    return claimed, actions


def _ready_time(p: Pod) -> Optional[int]:
    c = get_condition(p.status.conditions, "Ready")
    return c.last_transition_time if c is not None and c.status == "True" else None


def _api_time(t: Optional[int]) -> Optional[int]:
    """A metav1.Time as a controller reads it back from the API: RFC 3339
    with whole seconds, so kstate's ms are floored to the second (None is
    Go's zero time)."""
    return None if t is None else t // 1000 * 1000


def logarithmic_rank_diff(t1: int, t2: int, now: int) -> int:
    """controller_utils.go logarithmicRankDiff: floor(log2(now − t)) of the two
    ages in nanoseconds (−1 for a non-positive age), subtracted.

    Example: ages 3 s and 5 s → log2(3e9) = 31.48 → 31, log2(5e9) = 32.2 → 32 → −1.
    """
    def rank(t: int) -> int:
        d = (now - t) * 1_000_000
        return int(math.log2(d)) if d > 0 else -1
    return rank(t1) - rank(t2)


_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}




def _deletion_cost(p: Pod) -> int:
    """ActivePodsWithRanks.Less rule 4 ignores the error: an invalid cost ranks as 0."""
    return deletion_cost_from_annotations(p.metadata.annotations)[0]


def _max_restarts(p: Pod) -> int:
    return max((s.restart_count for s in p.status.container_statuses), default=0)


def active_pods_with_ranks_less(a: Pod, ra: int, b: Pod, rb: int, now: int) -> bool:
    """ActivePodsWithRanks.Less: True when `a` should be deleted before `b`.
    Rules in order: unassigned; Pending < Unknown < Running; not ready; lower
    pod-deletion-cost; more co-located pods (rank); more recently ready (log2
    buckets, then uid); more restarts; newer (log2 buckets, then uid).
    Ready and creation times compare at whole seconds, as the pods' metav1.Time
    values do; `now` (metav1.Now, never serialised) keeps its precision."""
    if bool(a.spec.node_name) != bool(b.spec.node_name):
        return not a.spec.node_name
    pa, pb = _PHASE_ORDINAL.get(a.status.phase, 0), _PHASE_ORDINAL.get(b.status.phase, 0)
    if pa != pb:
        return pa < pb
    ready_a, ready_b = is_pod_ready(a), is_pod_ready(b)
    if ready_a != ready_b:
        return not ready_a
    ca, cb = _deletion_cost(a), _deletion_cost(b)
    if ca != cb:
        return ca < cb
    if ra != rb:
        return ra > rb
    if ready_a and ready_b:
        t1, t2 = _api_time(_ready_time(a)), _api_time(_ready_time(b))
        if t1 != t2:
            if t1 is None or t2 is None:
                return t1 is None  # zero time counts as most recent
            diff = logarithmic_rank_diff(t1, t2, now)
            if diff == 0:
                return a.metadata.uid < b.metadata.uid
            return diff < 0
    ra_, rb_ = _max_restarts(a), _max_restarts(b)
    if ra_ != rb_:
        return ra_ > rb_
    t1, t2 = _api_time(a.metadata.creation_timestamp), _api_time(b.metadata.creation_timestamp)
    if t1 != t2:
        if t1 is None or t2 is None:
            return t1 is None
        diff = logarithmic_rank_diff(t1, t2, now)
        if diff == 0:
            return a.metadata.uid < b.metadata.uid
        return diff < 0
    return False


def get_pods_to_delete(filtered, related, diff: int, now: int) -> list:
    """getPodsToDelete: when deleting fewer than all, rank each pod by the
    active `related` pods on its node (getPodsRankedByRelatedPodsOnSameNode;
    unassigned pods share the node name "") and sort with
    ActivePodsWithRanks; take the first `diff`. `related` is used as given:
    empty (an RS without a controller) ranks every pod 0."""
    if diff >= len(filtered):
        return list(filtered)
    on_node: dict[str, int] = {}
    for p in related:
        if is_pod_active(p):
            on_node[p.spec.node_name] = on_node.get(p.spec.node_name, 0) + 1
    ranked = [(p, on_node.get(p.spec.node_name, 0)) for p in filtered]

    def cmp(x, y) -> int:
        if active_pods_with_ranks_less(x[0], x[1], y[0], y[1], now):
            return -1
        if active_pods_with_ranks_less(y[0], y[1], x[0], x[1], now):
            return 1
        return 0
    ranked.sort(key=functools.cmp_to_key(cmp))
    return [p for p, _ in ranked[:diff]]


def slow_start_batches(count: int, initial: int = SLOW_START_INITIAL_BATCH) -> list[int]:
    """slowStartBatch sizes: 1, 2, 4, … until `count` is reached.

    Example: 10 → [1, 2, 4, 3].
    """
    out, remaining, batch = [], count, min(count, initial)
    while remaining > 0:
        out.append(batch)
        remaining -= batch
        batch = min(2 * batch, remaining)
    return out


def pod_from_template(rs) -> Pod:
    """controller_utils.go GetPodFromTemplate: labels, annotations, finalizers
    from the template; generateName `<rs>-`; a controller ownerReference."""
    t = rs.spec.template
    meta = ObjectMeta(generate_name=f"{rs.metadata.name}-", namespace=rs.metadata.namespace,
                      labels=t.metadata.labels, annotations=t.metadata.annotations,
                      finalizers=t.metadata.finalizers, owner_references=(owner_reference(rs),))
    return Pod(metadata=meta, spec=t.spec, status=PodStatus())


def calculate_status(rs, filtered, now: int, manage_error: Optional[str] = None) -> ReplicaSetStatus:
    """replica_set_utils.go calculateStatus; with manageReplicas' error, a
    ReplicaFailure condition (reason FailedCreate while pods are missing,
    FailedDelete while there are too many) is added if absent, never
    updated; without one it is removed."""
    template_labels = rs.spec.template.metadata.labels
    fully = ready = available = 0
    for p in filtered:
        if all(p.metadata.labels.get(k) == v for k, v in template_labels.items()):
            fully += 1
        if is_pod_ready(p):
            ready += 1
            if is_pod_available(p, rs.spec.min_ready_seconds, now):
                available += 1
    if manage_error is None:
        conditions = tuple(c for c in rs.status.conditions if c.type != "ReplicaFailure")
    elif get_condition(rs.status.conditions, "ReplicaFailure") is None:
        diff = len(filtered) - rs.spec.replicas
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        conditions = rs.status.conditions + (
            Condition("ReplicaFailure", "True", reason, manage_error, last_transition_time=now),)
    else:
        conditions = rs.status.conditions
    return evolve(rs.status, replicas=len(filtered), fully_labeled_replicas=fully, ready_replicas=ready,
                        available_replicas=available, observed_generation=rs.metadata.generation,
                        conditions=conditions)


def next_availability_check(rs, filtered, now: int) -> Optional[int]:
    """FindMinNextPodAvailabilityCheck: ms until the next ready pod becomes
    available under minReadySeconds, if any."""
    mrs = rs.spec.min_ready_seconds
    if mrs <= 0:
        return None
    best = None
    for p in filtered:
        t = _ready_time(p)
        if t is not None and t + mrs * 1000 > now:
            wait = t + mrs * 1000 - now
            best = wait if best is None else min(best, wait)
    return best


def reconcile_replicaset(obs: RSObs, now: int) -> Result:
    rs = obs.rs
    if rs is None:
        return NOTHING
    sel = selector_of(rs)
    active = [p for p in obs.pods if is_pod_active(p)]
    filtered, actions = claim_pods(rs, sel, active)
    error = None
    if rs.metadata.deletion_timestamp is None:
        diff = len(filtered) - rs.spec.replicas
        if diff < 0 and obs.refused is not None:
            # slowStartBatch: the first create (a batch of one) fails, the rest are skipped;
            # controller_utils.go CreatePods records the API's error.
            error = obs.refused
            actions.append(RecordEvent(ref_of(rs), "FailedCreate", f"Error creating: {error}", "Warning", NAME))
        elif diff < 0:
            n = min(-diff, BURST_REPLICAS)
            template = pod_from_template(rs)
            event = (ref_of(rs), "SuccessfulCreate", NAME)
            actions.extend(Create(template, event) for _ in range(n))
        elif diff > 0:
            n = min(diff, BURST_REPLICAS)
            for p in get_pods_to_delete(filtered, obs.related, n, now):
                actions.append(Delete("Pod", p.metadata.namespace, p.metadata.name, p.metadata.uid))
                actions.append(RecordEvent(ref_of(rs), "SuccessfulDelete", f"Deleted pod: {p.metadata.name}",
                                           "Normal", NAME))
    status = calculate_status(rs, filtered, now, error)
    if status != rs.status:
        actions.append(UpdateStatus(evolve(rs, status=status)))
    key = (FAILURES_KEY, rs.KIND, rs.metadata.namespace, rs.metadata.name)
    if error is not None:
        # syncReplicaSet returned the error: queue.AddRateLimited
        actions.append(SetMemory(NAME, key, obs.failures + 1))
        return Result(tuple(actions), requeue_after=failure_delay(obs.failures))
    if obs.failures:
        actions.append(SetMemory(NAME, key, None))      # queue.Forget
    requeue = None
    if status.ready_replicas != status.available_replicas:
        requeue = next_availability_check(rs, filtered, now)
    return Result(tuple(actions), requeue_after=requeue)


# -- watches (replica_set.go addPod/updatePod/deletePod, addRS/updateRS)

#: the kinds this controller syncs: its pod watch maps nothing for a pod
#: that no object of these kinds owns while none is stored (`Watch.requires`).
KINDS = _KINDS = ("ReplicaSet", "ReplicationController")


def watch_self(old, new, view) -> tuple:
    if new is not None:
        return ((new.KIND, new.metadata.namespace, new.metadata.name),)
    return ()


def watch_pods(old, new, view) -> tuple:
    """The controlling RS or RC of the pod; for an orphan, every RS or RC
    whose selector matches it (it may adopt it)."""
    out = []
    for pod in (old, new):
        if pod is None:
            continue
        ref = controller_of(pod.metadata)
        if ref is not None:
            if ref.kind in _KINDS:
                key = (ref.kind, pod.metadata.namespace, ref.name)
                if not out or out[-1] != key:
                    out.append(key)
        elif pod.metadata.labels and new is not None:
            ns = pod.metadata.namespace
            for kind in _KINDS:
                if view.has_any(kind, ns):
                    for rs in view.list(kind, ns):
                        sel = selector_of(rs)
                        if sel is not None and sel.matches(pod.metadata.labels):
                            out.append((kind, ns, rs.metadata.name))
    return tuple(out)
