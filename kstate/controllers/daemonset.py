"""The DaemonSet controller: one daemon pod per eligible node.

Owns: which nodes should run a daemon pod (NodeShouldRunDaemonPod over a
simulated pod carrying the default daemon tolerations), pods pinned to their
node by a `matchFields metadata.name` node affinity (the scheduler binds
them), the per-node decision (create, keep the oldest, delete failed pods
under a per-node back-off, delete succeeded and misscheduled pods), rolling
updates (maxUnavailable / maxSurge against desiredNumberScheduled, rounding
up) and OnDelete, the ControllerRevision history, and the status counts.
Must not import engine/ or io/.

Kubernetes sources: pkg/controller/daemon/daemon_controller.go (syncDaemonSet,
manage, podsShouldBeOnNode, syncNodes, updateDaemonSetStatus,
storeDaemonSetStatus, NodeShouldRunDaemonPod, predicates, NewPod,
podByCreationTimestampAndPhase, failedPodsBackoffKey,
getUnscheduledPodsWithoutNode, getNodesToDaemonPods, addNode/updateNode,
shouldIgnoreNodeUpdate), pkg/controller/daemon/update.go (rollingUpdate,
findUpdatedPodsOnNode, constructHistory, cleanupHistory, dedupCurHistories,
snapshot, Match, updatedDesiredNodeCounts), pkg/controller/daemon/util/
daemonset_util.go (AddOrUpdateDaemonPodTolerations, CreatePodTemplate,
AllowsSurge, SurgeCount, UnavailableCount, IsPodUpdated,
ReplaceDaemonSetPodNodeNameNodeAffinity, GetTargetNodeName),
k8s.io/client-go/util/flowcontrol/backoff.go (the failed-pod back-off).

Modelling notes: one reconcile issues every create and delete of the sync
(at most 250 each, burstReplicas); the controller's expectations then make
the next sync wait for them, which kstate gets for free because the engine
applies the actions before the next reconcile observes. As in Go, the
rolling update only runs in a sync where manage had nothing to do
(expectations are unsatisfied right after manage created or deleted pods),
and the status is computed from the pods the sync observed (the informer
cache), not from the actions it is about to issue. Go iterates the node →
pods map in random order in rollingUpdate; kstate walks nodes sorted by name.
"""
from __future__ import annotations

from typing import Optional

import attrs

from kstate.controllers.scheduler import spec_matches_node_affinity  # the scheduler's NodeAffinity match
from kstate.controllers.actions import NOTHING, Create, Delete, RecordEvent, Result, SetMemory, Update, UpdateStatus, ref_of
from kstate.controllers.deployment_util import compute_hash, get_scaled_value_from_int_or_percent
from kstate.controllers.replicaset import claim_pods, owner_reference
from kstate.controllers.workqueue import FAILURES_KEY, failure_delay
from kstate.errors import SpecError
from kstate.resources.frozen import FrozenDict, evolve
from kstate.resources.meta import ObjectMeta, controller_of
from kstate.resources.pod import (
    Affinity, NodeSelectorRequirement, NodeSelectorTerm, Pod, PodStatus, Toleration, is_pod_available,
    is_pod_ready,
)
from kstate.resources.workloads import (
    LABEL_CONTROLLER_REVISION_HASH, ControllerRevision, ControllerRevisionBody, DaemonSet,
)

NAME = "daemonset-controller"
#: daemon_controller.go BurstReplicas: creates and deletes per sync, each.
BURST_REPLICAS = 250
#: NewDaemonSetsController: flowcontrol.NewBackOff(1s, 15min) for failed pods.
FAILED_POD_BACKOFF_INITIAL_MS = 1_000
FAILED_POD_BACKOFF_MAX_MS = 15 * 60_000
#: backoff.go hasExpired: an entry untouched for 2 × maxDuration is forgotten.
FAILED_POD_BACKOFF_EXPIRY_MS = 2 * FAILED_POD_BACKOFF_MAX_MS

FAILED_DAEMON_POD = "FailedDaemonPod"
SUCCEEDED_DAEMON_POD = "SucceededDaemonPod"
SELECTING_ALL = "SelectingAll"

#: AddOrUpdateDaemonPodTolerations, in its order: (key, effect).
DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
NETWORK_UNAVAILABLE = ("node.kubernetes.io/network-unavailable", "NoSchedule")


# ------------------------------------------------------------------ util


def _match_toleration(a: Toleration, b: Toleration) -> bool:
    """v1.Toleration.MatchToleration: same key, operator, value and effect
    (tolerationSeconds is not compared)."""
    return a.key == b.key and a.operator == b.operator and a.value == b.value and a.effect == b.effect


def add_or_update_toleration(tolerations: tuple, tol: Toleration) -> tuple:
    """v1helper.AddOrUpdateTolerationInPodSpec: a toleration matching `tol`
    (MatchToleration) is replaced by it, in place; otherwise `tol` is
    appended.

    Example: (not-ready Exists NoExecute 300 s,) + not-ready Exists NoExecute
    → (not-ready Exists NoExecute,) — the daemon pod is never evicted.
    """
    out, updated = [], False
    for t in tolerations:
        if _match_toleration(tol, t):
            if t == tol:
                return tolerations
            out.append(tol)
            updated = True
            continue
        out.append(t)
    if not updated:
        out.append(tol)
    return tuple(out)


def host_network(spec) -> bool:
    return spec.extra.get("hostNetwork") is True


def add_daemon_tolerations(spec):
    """daemonset_util.go AddOrUpdateDaemonPodTolerations: not-ready and
    unreachable NoExecute without tolerationSeconds; disk-, memory- and
    pid-pressure and unschedulable NoSchedule; network-unavailable
    NoSchedule for hostNetwork pods. All with operator Exists."""
    tols = spec.tolerations
    wanted = DAEMON_TOLERATIONS + ((NETWORK_UNAVAILABLE,) if host_network(spec) else ())
    for key, effect in wanted:
        tols = add_or_update_toleration(tols, Toleration(key=key, operator="Exists", effect=effect))
    return spec if tols == spec.tolerations else evolve(spec, tolerations=tols)


def replace_node_name_affinity(affinity: Optional[Affinity], node_name: str) -> Affinity:
    """daemonset_util.go ReplaceDaemonSetPodNodeNameNodeAffinity: the required
    node affinity becomes the single term `matchFields metadata.name In
    [node]`; preferred terms and pod (anti-)affinity are kept."""
    term = NodeSelectorTerm(match_fields=(NodeSelectorRequirement("metadata.name", "In", (node_name,)),))
    if affinity is None:
        return Affinity(required_node_terms=(term,))
    return evolve(affinity, required_node_terms=(term,))


def get_target_node_name(pod: Pod) -> Optional[str]:
    """daemonset_util.go GetTargetNodeName: spec.nodeName, else the value of
    the first `metadata.name In [one value]` matchFields requirement; None
    when there is none (Go returns an error and the pod is skipped)."""
    if pod.spec.node_name:
        return pod.spec.node_name
    aff = pod.spec.affinity
    if aff is None or not aff.required_node_terms:
        return None
    for term in aff.required_node_terms:
        for r in term.match_fields:
            if r.key == "metadata.name" and r.operator == "In":
                return r.values[0] if len(r.values) == 1 else None
    return None


def surge_count(ds: DaemonSet, number_to_schedule: int) -> int:
    """daemonset_util.go SurgeCount: 0 unless RollingUpdate; maxSurge scaled
    against `number_to_schedule`, rounding up."""
    s = ds.spec.update_strategy
    if s.type != "RollingUpdate" or s.rolling_update is None or s.rolling_update.max_surge is None:
        return 0
    return get_scaled_value_from_int_or_percent(s.rolling_update.max_surge, number_to_schedule, True)


def unavailable_count(ds: DaemonSet, number_to_schedule: int) -> int:
    """daemonset_util.go UnavailableCount: 0 unless RollingUpdate; maxUnavailable
    scaled against `number_to_schedule`, rounding UP (unlike Deployments)."""
    s = ds.spec.update_strategy
    if s.type != "RollingUpdate" or s.rolling_update is None or s.rolling_update.max_unavailable is None:
        return 0
    return get_scaled_value_from_int_or_percent(s.rolling_update.max_unavailable, number_to_schedule, True)


def allows_surge(ds: DaemonSet) -> bool:
    """daemonset_util.go AllowsSurge: SurgeCount(ds, 1) > 0 (no error)."""
    try:
        return surge_count(ds, 1) > 0
    except SpecError:
        return False


def is_pod_updated(pod: Pod, hash_: str) -> bool:
    """daemonset_util.go IsPodUpdated (kstate does not model the deprecated
    templateGeneration annotation): the pod carries the current hash."""
    return bool(hash_) and pod.metadata.labels.get(LABEL_CONTROLLER_REVISION_HASH) == hash_


def _untolerated(taints, tolerations, effects) -> bool:
    """v1helper.FindMatchingUntoleratedTaint over the taints whose effect is
    in `effects`: True if one of them is tolerated by no toleration."""
    for taint in taints:
        if taint.effect in effects and not any(t.tolerates(taint) for t in tolerations):
            return True
    return False


def _fits_node_affinity(spec, node) -> bool:
    """nodeaffinity.GetRequiredNodeAffinity(pod).Match(node): the nodeSelector
    (every label equal) and, if required terms are given, one term whose
    expressions and fields all match (an empty term matches nothing) — the
    scheduler's own function."""
    return spec_matches_node_affinity(spec, node)


def simulated_pod_spec(ds: DaemonSet):
    """daemon_controller.go NewPod, the part the predicates read: the template
    spec with the default daemon tolerations (nodeName is the node tested)."""
    return add_daemon_tolerations(ds.spec.template.spec)


def node_should_run_daemon_pod(node, ds: DaemonSet, spec=None) -> tuple[bool, bool]:
    """daemon_controller.go NodeShouldRunDaemonPod → (shouldRun,
    shouldContinueRunning). A template nodeName naming another node, a
    nodeSelector or required node affinity that does not match → (False,
    False); an untolerated NoSchedule or NoExecute taint → shouldRun False,
    and shouldContinueRunning False only if an untolerated taint is NoExecute.
    PreferNoSchedule taints never matter; resources are not checked.
    `spec` is the simulated pod spec (simulated_pod_spec), passed in by a
    caller that tests many nodes."""
    if spec is None:
        spec = simulated_pod_spec(ds)
    tpl_node = ds.spec.template.spec.node_name
    if tpl_node and tpl_node != node.metadata.name:
        return False, False
    if not _fits_node_affinity(spec, node):
        return False, False
    taints = node.spec.taints
    if taints and _untolerated(taints, spec.tolerations, ("NoExecute", "NoSchedule")):
        return False, not _untolerated(taints, spec.tolerations, ("NoExecute",))
    return True, True


def _creation_key(p: Pod):
    """podByCreationTimestampAndPhase.Less: scheduled pods first, then older
    creationTimestamp (metav1.Time: whole seconds), then name."""
    t = p.metadata.creation_timestamp
    return (0 if p.spec.node_name else 1, (t // 1000) if t is not None else -1, p.metadata.name)


def sort_by_creation(pods) -> list:
    return sorted(pods, key=_creation_key)


def create_pod_template(ds: DaemonSet, hash_: str):
    """daemonset_util.go CreatePodTemplate: the template with the daemon
    tolerations and the controller-revision-hash label."""
    t = ds.spec.template
    labels = dict(t.metadata.labels)
    if hash_:
        labels[LABEL_CONTROLLER_REVISION_HASH] = hash_
    return evolve(t, metadata=evolve(t.metadata, labels=FrozenDict(labels)), spec=add_daemon_tolerations(t.spec))


def new_daemon_pod(ds: DaemonSet, template, node_name: str) -> Pod:
    """syncNodes → CreatePods: generateName `<ds>-`, the template's labels,
    annotations and finalizers, a controller reference, and the required
    node affinity pinned to `node_name` (nodeName stays empty: the default
    scheduler binds the pod)."""
    meta = ObjectMeta(generate_name=f"{ds.metadata.name}-", namespace=ds.metadata.namespace,
                      labels=template.metadata.labels, annotations=template.metadata.annotations,
                      finalizers=template.metadata.finalizers, owner_references=(owner_reference(ds),))
    spec = evolve(template.spec, affinity=replace_node_name_affinity(template.spec.affinity, node_name))
    return Pod(metadata=meta, spec=spec, status=PodStatus())


# -------------------------------------------------------- failed-pod back-off


def failed_pods_backoff_key(ds: DaemonSet, node_name: str) -> str:
    """daemon_controller.go failedPodsBackoffKey: `<uid>/<observedGeneration>/<node>`."""
    return f"{ds.metadata.uid}/{ds.status.observed_generation}/{node_name}"


def is_in_backoff_since_update(entry: Optional[tuple[int, int]], now: int) -> bool:
    """backoff.go IsInBackOffSinceUpdate: an entry exists and now − lastUpdate
    < its back-off (expired entries, untouched for 2 × max, count as none)."""
    if entry is None:
        return False
    backoff, last_update = entry
    if now - last_update > FAILED_POD_BACKOFF_EXPIRY_MS:
        return False
    return now - last_update < backoff


def next_backoff(entry: Optional[tuple[int, int]], now: int) -> tuple[int, int]:
    """backoff.go Next: a missing or expired entry starts at 1 s, otherwise it
    doubles up to 15 min; lastUpdate = now.

    Example: a pod failing at once every time is deleted at 0, 1, 3, 7, 15 s …
    (delays 1, 2, 4, 8 s …, at most 900 s).
    """
    if entry is None or now - entry[1] > FAILED_POD_BACKOFF_EXPIRY_MS:
        return (FAILED_POD_BACKOFF_INITIAL_MS, now)
    return (min(entry[0] * 2, FAILED_POD_BACKOFF_MAX_MS), now)


# ------------------------------------------------------------------ observe


@attrs.frozen
class DSObs:
    ds: Optional[DaemonSet]
    nodes: tuple = ()             # every node, sorted by name
    pods: tuple = ()              # pods the DS owns or could adopt, sorted by name
    revisions: tuple = ()         # ControllerRevisions it owns or could adopt, sorted by name
    named_revision: Optional[ControllerRevision] = None  # the object named `<ds>-<hash>`, if any
    backoff: FrozenDict = FrozenDict()  # node → (back-off ms, last update ms)
    #: the API's refusal of a pod from the template (admission), or None
    refused: Optional[str] = None
    #: the workqueue's failure count of this key (rate-limited requeue)
    failures: int = 0


def pods_and_revisions_of(view, owner) -> tuple[dict, dict]:
    """The pods and ControllerRevisions a DaemonSet or StatefulSet owns, plus
    those its selector matches that it could adopt (the listers behind
    getDaemonPods / getPodsForStatefulSet and controlledHistories, before
    ClaimPods and ClaimControllerRevisions), each by name. An empty selector
    adopts nothing."""
    uid, namespace, sel = owner.metadata.uid, owner.metadata.namespace, owner.spec.selector
    pods = {p.metadata.name: p for p in view.owned_by(uid, "Pod")}
    revs = {r.metadata.name: r for r in view.owned_by(uid, "ControllerRevision")}
    if sel is not None and not sel.is_empty():
        for p in view.objects_matching("Pod", namespace, sel):
            pods.setdefault(p.metadata.name, p)
        for r in view.objects_matching("ControllerRevision", namespace, sel):
            revs.setdefault(r.metadata.name, r)
    return pods, revs


def current_hash(ds: DaemonSet) -> str:
    return compute_hash(ds.spec.template, ds.status.collision_count)


def observe_daemonset(view, key) -> DSObs:
    namespace, name = key
    ds = view.get("DaemonSet", namespace, name)
    if ds is None:
        return DSObs(ds=None)
    pods, revs = pods_and_revisions_of(view, ds)
    nodes = tuple(sorted(view.list("Node"), key=lambda n: n.metadata.name))
    backoff = view.memory(NAME, ("backoff", ds.metadata.uid), FrozenDict())
    refused = view.create_refusal(Pod(metadata=ObjectMeta(generate_name=f"{name}-", namespace=namespace),
                                      spec=ds.spec.template.spec))
    return DSObs(ds=ds, nodes=nodes, pods=tuple(p for _, p in sorted(pods.items())),
                 revisions=tuple(r for _, r in sorted(revs.items())),
                 named_revision=view.get("ControllerRevision", namespace, f"{name}-{current_hash(ds)}"),
                 backoff=backoff, refused=refused, failures=view.memory(NAME, (FAILURES_KEY, namespace, name), 0))


# ------------------------------------------------------------------ history


def claim_revisions(ds: DaemonSet, revisions) -> tuple[list, list]:
    """ClaimControllerRevisions: keep controlled revisions that match, adopt
    matching orphans, release controlled revisions that stopped matching."""
    claimed, actions = [], []
    uid = ds.metadata.uid
    sel = ds.spec.selector
    for r in revisions:
        ref = controller_of(r.metadata)
        match = sel is not None and sel.matches(r.metadata.labels)
        if ref is not None:
            if ref.uid != uid:
                continue
            if match:
                claimed.append(r)
            else:
                refs = tuple(o for o in r.metadata.owner_references if o.uid != uid)
                actions.append(Update(evolve(r, metadata=evolve(r.metadata, owner_references=refs))))
            continue
        if match and r.metadata.deletion_timestamp is None:
            refs = tuple(o for o in r.metadata.owner_references if o.uid != uid) + (owner_reference(ds),)
            new = evolve(r, metadata=evolve(r.metadata, owner_references=refs))
            actions.append(Update(new))
            claimed.append(new)
    return claimed, actions


def match_revision(ds: DaemonSet, rev: ControllerRevision) -> bool:
    """update.go Match: the revision's data is the DaemonSet's template (Go
    compares the serialised `spec.template` patch byte for byte)."""
    return rev.data == ds.spec.template


def snapshot_revision(ds: DaemonSet, hash_: str, revision: int) -> ControllerRevision:
    """update.go snapshot: `<ds>-<hash>`, labels = template labels +
    controller-revision-hash, the DaemonSet's annotations, a controller
    reference, data = the template."""
    labels = dict(ds.spec.template.metadata.labels)
    labels[LABEL_CONTROLLER_REVISION_HASH] = hash_
    meta = ObjectMeta(name=f"{ds.metadata.name}-{hash_}", namespace=ds.metadata.namespace,
                      labels=FrozenDict(labels), annotations=ds.metadata.annotations,
                      owner_references=(owner_reference(ds),))
    return ControllerRevision(metadata=meta, spec=ControllerRevisionBody(data=ds.spec.template, revision=revision))


@attrs.frozen
class History:
    hash: str                   # the current revision's controller-revision-hash ("" while it cannot be made)
    old: tuple = ()             # the other claimed revisions
    actions: tuple = ()
    collision: bool = False     # the name is taken by another revision: collisionCount was bumped


def construct_history(ds: DaemonSet, revisions, named: Optional[ControllerRevision], pods) -> History:
    """update.go constructHistory: claim the revisions, label those missing
    the hash label (with their name), split current (Match) from old; no
    current one → snapshot `<ds>-<hash>` at max(old)+1 (a clash with a
    revision that does not match bumps status.collisionCount and retries);
    several → dedupCurHistories keeps the highest revision (pods relabelled,
    duplicates deleted); a current revision below max(old)+1 is renumbered."""
    claimed, actions = claim_revisions(ds, revisions)
    current, old = [], []
    for r in claimed:
        if LABEL_CONTROLLER_REVISION_HASH not in r.metadata.labels:
            r = evolve(r, metadata=evolve(r.metadata, labels=FrozenDict(
                {**r.metadata.labels, LABEL_CONTROLLER_REVISION_HASH: r.metadata.name})))
            actions.append(Update(r))
        (current if match_revision(ds, r) else old).append(r)
    next_revision = max((r.revision for r in old), default=0) + 1
    if not current:
        hash_ = current_hash(ds)
        if named is not None:
            if match_revision(ds, named):
                # Created earlier (an AlreadyExists whose object matches): use it.
                return History(hash=named.metadata.labels.get(LABEL_CONTROLLER_REVISION_HASH, hash_),
                               old=tuple(old), actions=tuple(actions))
            count = (ds.status.collision_count or 0) + 1
            actions.append(UpdateStatus(evolve(ds, status=evolve(ds.status, collision_count=count))))
            return History(hash="", old=tuple(old), actions=tuple(actions), collision=True)
        actions.append(Create(snapshot_revision(ds, hash_, next_revision)))
        return History(hash=hash_, old=tuple(old), actions=tuple(actions))
    keep = current[0]
    if len(current) > 1:
        for r in current:
            if r.revision >= keep.revision:
                keep = r
        keep_hash = keep.metadata.labels.get(LABEL_CONTROLLER_REVISION_HASH)
        for p in pods:
            if p.metadata.labels.get(LABEL_CONTROLLER_REVISION_HASH) != keep_hash:
                labels = FrozenDict({**p.metadata.labels, LABEL_CONTROLLER_REVISION_HASH: keep_hash})
                actions.append(Update(evolve(p, metadata=evolve(p.metadata, labels=labels))))
        for r in current:
            if r.metadata.name != keep.metadata.name:
                actions.append(Delete("ControllerRevision", r.metadata.namespace, r.metadata.name, r.metadata.uid))
    if keep.revision < next_revision:
        actions.append(Update(evolve(keep, spec=evolve(keep.spec, revision=next_revision))))
    return History(hash=keep.metadata.labels.get(LABEL_CONTROLLER_REVISION_HASH, ""), old=tuple(old),
                   actions=tuple(actions))


def cleanup_history(ds: DaemonSet, old, pods) -> list:
    """update.go cleanupHistory: with more old revisions than
    revisionHistoryLimit, delete the lowest revisions first, skipping any
    whose hash a pod (terminal and deleted ones included) still carries."""
    limit = ds.spec.revision_history_limit
    to_kill = len(old) - (limit if limit is not None else len(old))
    if to_kill <= 0:
        return []
    live = {p.metadata.labels.get(LABEL_CONTROLLER_REVISION_HASH) for p in pods}
    live.discard(None)
    live.discard("")
    out = []
    for r in sorted(old, key=lambda r: r.revision):
        if to_kill <= 0:
            break
        if r.metadata.labels.get(LABEL_CONTROLLER_REVISION_HASH) in live:
            continue
        out.append(Delete("ControllerRevision", r.metadata.namespace, r.metadata.name, r.metadata.uid))
        to_kill -= 1
    return out


# ------------------------------------------------------------------ manage


def nodes_to_daemon_pods(pods, include_deleted_terminal: bool = False) -> dict:
    """getNodesToDaemonPods: claimed pods grouped by their target node;
    terminal pods already being deleted are left out unless asked for, and
    pods without a target node are skipped."""
    out: dict[str, list] = {}
    for p in pods:
        if (not include_deleted_terminal and p.status.phase in ("Succeeded", "Failed")
                and p.metadata.deletion_timestamp is not None):
            continue
        node = get_target_node_name(p)
        if node is None:
            continue
        out.setdefault(node, []).append(p)
    return out


@attrs.frozen
class NodePlan:
    """podsShouldBeOnNode's answer for one node."""
    create: bool = False
    delete: tuple = ()          # pods to delete
    events: tuple = ()          # (type, reason, message)
    backoff: Optional[tuple] = None   # the new back-off entry when a failed pod is deleted
    requeue: Optional[int] = None     # ms, while a failed pod waits out its back-off


def pods_should_be_on_node(node, pods_on_node, ds: DaemonSet, hash_: str, should_run: bool, should_continue: bool,
                           backoff_entry, now: int) -> NodePlan:
    """daemon_controller.go podsShouldBeOnNode."""
    name = node.metadata.name
    exists = pods_on_node is not None
    if should_run and not exists:
        return NodePlan(create=True)
    if should_continue:
        running, delete, events = [], [], []
        new_backoff, requeue = None, None
        for p in pods_on_node or ():
            if p.metadata.deletion_timestamp is not None:
                continue
            if p.status.phase == "Failed":
                entry = new_backoff or backoff_entry
                if is_in_backoff_since_update(entry, now):
                    requeue = entry[0]
                    continue
                new_backoff = next_backoff(entry, now)
                events.append(("Warning", FAILED_DAEMON_POD, f"Found failed daemon pod {p.metadata.namespace}/"
                                                            f"{p.metadata.name} on node {name}, will try to kill it"))
                delete.append(p)
            elif p.status.phase == "Succeeded":
                events.append(("Normal", SUCCEEDED_DAEMON_POD, f"Found succeeded daemon pod {p.metadata.namespace}/"
                                                              f"{p.metadata.name} on node {name}, will try to "
                                                              "delete it"))
                delete.append(p)
            else:
                running.append(p)
        create = False
        if not allows_surge(ds):
            if len(running) > 1:
                delete.extend(sort_by_creation(running)[1:])
        elif len(running) <= 1:
            create = not running and should_run
        else:
            oldest_new = oldest_old = None
            for p in sort_by_creation(running):
                if p.metadata.labels.get(LABEL_CONTROLLER_REVISION_HASH) == hash_:
                    if oldest_new is None:
                        oldest_new = p
                        continue
                elif oldest_old is None:
                    oldest_old = p
                    continue
                delete.append(p)
            if oldest_new is not None and oldest_old is not None:
                if not is_pod_ready(oldest_old) or is_pod_available(oldest_new, ds.spec.min_ready_seconds, now):
                    delete.append(oldest_old)
        return NodePlan(create=create, delete=tuple(delete), events=tuple(events), backoff=new_backoff,
                        requeue=requeue)
    if exists:
        return NodePlan(delete=tuple(p for p in pods_on_node if p.metadata.deletion_timestamp is None))
    return NodePlan()


def sync_nodes(ds: DaemonSet, to_delete, nodes_needing, hash_: str, refused: Optional[str] = None) -> list:
    """daemon_controller.go syncNodes: at most 250 creates (slow-start
    batches) then at most 250 deletes. A create the API refuses (`refused`)
    fails the first batch of one and skips the rest: FailedCreate with the
    API's error (controller_utils.go CreatePods); the deletes still run."""
    actions = []
    if nodes_needing and refused is not None:
        actions.append(RecordEvent(ref_of(ds), "FailedCreate", f"Error creating: {refused}", "Warning", NAME))
    elif nodes_needing:
        template = create_pod_template(ds, hash_)
        event = (ref_of(ds), "SuccessfulCreate", NAME)
        for node_name in nodes_needing[:BURST_REPLICAS]:
            actions.append(Create(new_daemon_pod(ds, template, node_name), event))
    for p in to_delete[:BURST_REPLICAS]:
        actions.append(Delete("Pod", p.metadata.namespace, p.metadata.name, p.metadata.uid))
        actions.append(RecordEvent(ref_of(ds), "SuccessfulDelete", f"Deleted pod: {p.metadata.name}", "Normal",
                                   NAME))
    return actions


def find_updated_pods_on_node(pods, hash_: str):
    """update.go findUpdatedPodsOnNode: (new, old, ok) over the non-deleted
    pods; ok is False when there are two new or two old pods."""
    new = old = None
    for p in pods:
        if p.metadata.deletion_timestamp is not None:
            continue
        if is_pod_updated(p, hash_):
            if new is not None:
                return None, None, False
            new = p
        else:
            if old is not None:
                return None, None, False
            old = p
    return new, old, True


def updated_desired_node_counts(ds: DaemonSet, runs: dict, node_pods: dict) -> tuple[int, int, int]:
    """update.go updatedDesiredNodeCounts → (maxSurge, maxUnavailable,
    desiredNumberScheduled); every node that should run gets an entry in
    `node_pods`; both 0 with desired > 0 → maxUnavailable 1.

    Examples (desired 10): maxUnavailable "25%" → 3 (rounds up); maxSurge
    "10%", maxUnavailable 0 → (1, 0); both 0 → (0, 1).
    """
    desired = 0
    for name, (should_run, _) in runs.items():
        if should_run:
            desired += 1
            node_pods.setdefault(name, [])
    max_unavailable = unavailable_count(ds, desired)
    max_surge = surge_count(ds, desired)
    if desired > 0 and max_unavailable == 0 and max_surge == 0:
        max_unavailable = 1
    return max_surge, max_unavailable, desired


def rolling_update(ds: DaemonSet, node_pods: dict, runs: dict, hash_: str, now: int) -> tuple[list, list]:
    """update.go rollingUpdate → (pods to delete, nodes needing a new pod).
    Without surge: delete old pods on as many nodes as maxUnavailable allows
    after counting the unavailable ones (unavailable old pods are always
    replaced); with surge: create new pods beside old ones (at most maxSurge
    at a time; always where the old pod is unavailable) and delete an old pod
    once its node's new pod is available."""
    node_pods = {k: list(v) for k, v in node_pods.items()}
    max_surge, max_unavailable, desired = updated_desired_node_counts(ds, runs, node_pods)
    mrs = ds.spec.min_ready_seconds
    if max_surge == 0:
        num_unavailable = 0
        allowed, candidates = [], []
        for name in sorted(node_pods):
            new, old, ok = find_updated_pods_on_node(node_pods[name], hash_)
            if not ok:
                num_unavailable += 1
                continue
            if (old is None and new is None) or (old is not None and new is not None):
                num_unavailable += 1
            elif new is not None:
                if not is_pod_available(new, mrs, now):
                    num_unavailable += 1
            elif not is_pod_available(old, mrs, now):
                allowed.append(old)
                num_unavailable += 1
            elif num_unavailable >= max_unavailable:
                continue
            else:
                candidates.append(old)
        remaining = max(0, max_unavailable - num_unavailable)
        remaining = min(remaining, len(candidates))
        return allowed + candidates[:remaining], []
    old_to_delete, should_not_run, candidate_nodes, allowed_nodes = [], [], [], []
    num_surge = num_available = 0
    for name in sorted(node_pods):
        new, old, ok = find_updated_pods_on_node(node_pods[name], hash_)
        if not ok:
            num_surge += 1
            continue
        if old is not None:
            if is_pod_available(old, mrs, now):
                num_available += 1
        elif new is not None and is_pod_available(new, mrs, now):
            num_available += 1
        if old is None:
            continue
        should_run = runs.get(name, (False, False))[0]
        if new is None:
            if not is_pod_available(old, mrs, now):
                if not should_run:
                    old_to_delete.append(old)
                    continue
                allowed_nodes.append(name)
            else:
                if not should_run:
                    should_not_run.append(old)
                    continue
                if num_surge >= max_surge:
                    continue
                candidate_nodes.append(name)
        else:
            if not is_pod_available(new, mrs, now):
                num_surge += 1
                continue
            old_to_delete.append(old)
    deletable = num_available - desired
    if deletable > 0:
        old_to_delete.extend(should_not_run[:deletable])
    remaining = min(max(0, max_surge - num_surge), len(candidate_nodes))
    return old_to_delete, allowed_nodes + candidate_nodes[:remaining]


# ------------------------------------------------------------------ status


def calculate_status(ds: DaemonSet, runs: dict, node_pods: dict, hash_: str, now: int):
    """daemon_controller.go updateDaemonSetStatus: per node that should run,
    desired++; with a pod, current++ and the OLDEST pod (scheduled first)
    decides ready / available / updated; a node that should not run but has
    pods is misscheduled. numberUnavailable = desired − available."""
    desired = current = misscheduled = ready = updated = available = 0
    for name, (should_run, _) in runs.items():
        pods = node_pods.get(name)
        if should_run:
            desired += 1
            if not pods:
                continue
            current += 1
            pod = sort_by_creation(pods)[0]
            if is_pod_ready(pod):
                ready += 1
                if is_pod_available(pod, ds.spec.min_ready_seconds, now):
                    available += 1
            if is_pod_updated(pod, hash_):
                updated += 1
        elif pods:
            misscheduled += 1
    return evolve(ds.status, desired_number_scheduled=desired, current_number_scheduled=current,
                  number_misscheduled=misscheduled, number_ready=ready, updated_number_scheduled=updated,
                  number_available=available, number_unavailable=desired - available,
                  observed_generation=ds.metadata.generation)


# ------------------------------------------------------------------ slots


def slot_state(node, ds: Optional[DaemonSet], pods_for_node, spec=None) -> str:
    """The state of the (DaemonSet, node) slot in machines/daemonslot.py,
    from the node (None: gone) and the DaemonSet's pods for it."""
    if node is None or ds is None:
        return "Gone"
    should_run, should_continue = node_should_run_daemon_pod(node, ds, spec)
    live = [p for p in pods_for_node if p.metadata.deletion_timestamp is None
            and p.status.phase not in ("Succeeded", "Failed")]
    if live and not should_continue:
        return "Draining"
    if len(live) >= 2:
        return "Surging"
    if live:
        return "Running" if is_pod_ready(live[0]) else "Starting"
    if any(p.metadata.deletion_timestamp is None for p in pods_for_node):
        return "Failed"
    if pods_for_node:
        return "Terminating"
    return "Wanted" if should_run else "Unwanted"


# ------------------------------------------------------------------ reconcile


def _min(a: Optional[int], b: Optional[int]) -> Optional[int]:
    return b if a is None else a if b is None else min(a, b)


def reconcile_daemonset(obs: DSObs, now: int) -> Result:
    """daemon_controller.go syncDaemonSet: empty selector → SelectingAll and
    stop; being deleted → nothing (the garbage collector removes the pods);
    constructHistory; manage (podsShouldBeOnNode per node, unscheduled pods
    of vanished nodes, syncNodes); the rolling update when manage had
    nothing to do; cleanupHistory; the status."""
    ds = obs.ds
    if ds is None:
        return NOTHING
    sel = ds.spec.selector
    if sel is None or sel.is_empty():
        return Result((RecordEvent(ref_of(ds), SELECTING_ALL, "This daemon set is selecting all pods. A non-empty "
                                   "selector is required.", "Warning", NAME),))
    if ds.metadata.deletion_timestamp is not None:
        return NOTHING
    hist = construct_history(ds, obs.revisions, obs.named_revision, obs.pods)
    actions = list(hist.actions)
    if hist.collision:
        # snapshot returns the AlreadyExists error: the sync is retried (rate limited).
        return Result(tuple(actions), requeue_after=FAILED_POD_BACKOFF_INITIAL_MS)
    hash_ = hist.hash
    pods, claim_actions = claim_pods(ds, sel, obs.pods)
    actions.extend(claim_actions)
    node_pods = nodes_to_daemon_pods(pods)
    spec = simulated_pod_spec(ds)
    runs = {n.metadata.name: node_should_run_daemon_pod(n, ds, spec) for n in obs.nodes}

    # manage
    nodes_needing, to_delete = [], []
    backoff = dict(obs.backoff)
    backoff_changed = False
    requeue = None
    for node in obs.nodes:
        name = node.metadata.name
        should_run, should_continue = runs[name]
        plan = pods_should_be_on_node(node, node_pods.get(name), ds, hash_, should_run, should_continue,
                                      backoff.get(failed_pods_backoff_key(ds, name)), now)
        for type_, reason, message in plan.events:
            actions.append(RecordEvent(ref_of(ds), reason, message, type_, NAME))
        if plan.create:
            nodes_needing.append(name)
        to_delete.extend(plan.delete)
        if plan.backoff is not None:
            backoff[failed_pods_backoff_key(ds, name)] = plan.backoff
            backoff_changed = True
        requeue = _min(requeue, plan.requeue)
    for name in sorted(node_pods):
        if name not in runs:  # getUnscheduledPodsWithoutNode
            to_delete.extend(p for p in node_pods[name] if not p.spec.node_name)
    manage = sync_nodes(ds, to_delete, nodes_needing, hash_, obs.refused)
    actions.extend(manage)
    if backoff_changed:
        actions.append(SetMemory(NAME, ("backoff", ds.metadata.uid), FrozenDict(backoff)))
    failed = bool(nodes_needing) and obs.refused is not None
    if not manage and ds.spec.update_strategy.type == "RollingUpdate":
        old_pods, new_nodes = rolling_update(ds, node_pods, runs, hash_, now)
        actions.extend(sync_nodes(ds, old_pods, new_nodes, hash_, obs.refused))
        failed = bool(new_nodes) and obs.refused is not None
    if not failed:      # updateDaemonSet returns manage's or rollingUpdate's error before cleanupHistory
        actions.extend(cleanup_history(ds, hist.old, nodes_to_daemon_pods_all(pods)))

    status = calculate_status(ds, runs, node_pods, hash_, now)
    if status != ds.status:
        actions.append(UpdateStatus(evolve(ds, status=status)))
    if ds.spec.min_ready_seconds > 0 and status.number_ready != status.number_available:
        requeue = _min(requeue, ds.spec.min_ready_seconds * 1000)
    key = (FAILURES_KEY, ds.metadata.namespace, ds.metadata.name)
    if failed:      # syncDaemonSet returned the error: queue.AddRateLimited
        actions.append(SetMemory(NAME, key, obs.failures + 1))
        requeue = _min(requeue, failure_delay(obs.failures))
    elif obs.failures:
        actions.append(SetMemory(NAME, key, None))      # queue.Forget
    return Result(tuple(actions), requeue_after=requeue)


def nodes_to_daemon_pods_all(pods) -> list:
    """The claimed pods cleanupHistory looks at (getNodesToDaemonPods with
    includeDeletedTerminal): every pod with a target node."""
    return [p for p in pods if get_target_node_name(p) is not None]


# ------------------------------------------------------------------ watches
# daemon_controller.go addDaemonset/updateDaemonset, addPod/updatePod/deletePod,
# addNode/updateNode, addHistory/updateHistory/deleteHistory.


def watch_self(old, new, view) -> tuple:
    if new is not None:
        return ((new.metadata.namespace, new.metadata.name),)
    return ()


def controllers_of(obj, new, view, kind: str) -> list:
    """The controlling `kind` object of `obj` (resolveControllerRef); for an
    orphan (on add/update) every `kind` object of its namespace whose selector
    matches its labels (getDaemonSetsForPod / getStatefulSetsForPod)."""
    ref = controller_of(obj.metadata)
    ns = obj.metadata.namespace
    if ref is not None:
        return [(ns, ref.name)] if ref.kind == kind else []
    if new is None or not obj.metadata.labels or not view.has_any(kind, ns):
        return []
    out = []
    for owner in view.list(kind, ns):
        sel = owner.spec.selector
        if sel is not None and not sel.is_empty() and sel.matches(obj.metadata.labels):
            out.append((ns, owner.metadata.name))
    return out


def owned_keys(old, new, view, kind: str) -> tuple:
    """A watch of pods and ControllerRevisions for `kind`'s controller: their
    controller (old and new when the reference changed), or the objects that
    may adopt an orphan. With no `kind` object in the cluster there is
    nothing to map to (a pod of a deleted set is the garbage collector's)."""
    if not view.has_any(kind):
        return ()
    out: list = []
    for obj in (old, new):
        if obj is None:
            continue
        for key in controllers_of(obj, new, view, kind):
            if key not in out:
                out.append(key)
    return tuple(out)


def watch_owned(old, new, view) -> tuple:
    """Pods and ControllerRevisions → their DaemonSet (owned_keys). Runs on
    every pod change."""
    return owned_keys(old, new, view, "DaemonSet")


def _node_ignorable(old, new) -> bool:
    """daemon_controller.go shouldIgnoreNodeUpdate: the True conditions are
    the same types and nothing but conditions (and resourceVersion) changed."""
    if {c.type for c in old.status.conditions if c.status == "True"} != {
            c.type for c in new.status.conditions if c.status == "True"}:
        return False
    strip = dict(conditions=(), state="", state_since=None, last_heartbeat=None)
    return (old.spec == new.spec and old.metadata.labels == new.metadata.labels
            and evolve(old.status, **strip) == evolve(new.status, **strip))


def watch_nodes(old, new, view) -> tuple:
    """addNode: every DaemonSet that should run on the new node; updateNode
    (unless ignorable): every DaemonSet whose (shouldRun,
    shouldContinueRunning) differs between the old and the new node."""
    if new is None or not view.has_any("DaemonSet"):
        return ()
    if old is not None and _node_ignorable(old, new):
        return ()
    out = []
    for ds in view.list("DaemonSet"):
        spec = simulated_pod_spec(ds)
        now_run = node_should_run_daemon_pod(new, ds, spec)
        if old is None:
            if now_run[0]:
                out.append((ds.metadata.namespace, ds.metadata.name))
        elif node_should_run_daemon_pod(old, ds, spec) != now_run:
            out.append((ds.metadata.namespace, ds.metadata.name))
    return tuple(out)

