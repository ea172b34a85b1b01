"""The StatefulSet controller: pods with a stable identity and stable storage,
created in order and removed in reverse order.

Owns: identity (`<set>-<ordinal>` for ordinals [ordinals.start, start +
replicas), the pod-name and pod-index labels, hostname and subdomain), the
claims of volumeClaimTemplates (`<template>-<set>-<ordinal>`, created before
the pod and reused by the same ordinal; their ownerReferences follow
persistentVolumeClaimRetentionPolicy so the garbage collector deletes them),
OrderedReady (one pod created, deleted or replaced per sync, each waiting for
its predecessors to be Running, Ready and available) and Parallel pod
management, RollingUpdate from the highest ordinal down to the partition
(maxUnavailable as the MaxUnavailableStatefulSet gate does: on by default at
Kubernetes 1.35), OnDelete, the ControllerRevision history (shared helpers
with the DaemonSet controller), collisionCount, revisionHistoryLimit, and the
status. Must not import engine/ or io/.

Kubernetes sources: pkg/controller/statefulset/stateful_set.go (sync,
getPodsForStatefulSet, adoptOrphanRevisions, the minReadySeconds requeue),
stateful_set_control.go (UpdateStatefulSet, performUpdate, truncateHistory,
getStatefulSetRevisions, computeReplicaStatus, updateStatus, processReplica,
processCondemned, runForAll, updateStatefulSet,
updateStatefulSetAfterInvariantEstablished, updateStatefulSetStatus),
stateful_set_utils.go (getParentNameAndOrdinal, getPodName,
getPersistentVolumeClaimName, isMemberOf, identityMatches, storageMatches,
getPersistentVolumeClaims, updateStorage, initIdentity, updateIdentity,
isRunningAndReady, isRunningAndAvailable, isCreated, isPending, isFailed,
isSucceeded, isTerminating, isHealthy, isUnavailable, allowsBurst,
setPodRevision, getPodRevision, newStatefulSetPod,
newVersionedStatefulSetPod, newRevision, ApplyRevision, nextRevision,
completeRollingUpdate, getStatefulSetMaxUnavailable,
getPersistentVolumeClaimRetentionPolicy, claimOwnerMatchesSetAndPod,
updateClaimOwnerRefForSetAndPod, hasStaleOwnerRef, podInOrdinalRange),
stateful_pod_control.go (CreateStatefulPod, createPersistentVolumeClaims,
PodClaimIsStale, recordPodEvent, recordClaimEvent).

Modelling notes: a sync's creates, deletes and updates are issued together;
the engine applies them before the next sync observes, which stands for the
controller's expectations. Go runs Parallel creations in slow-start batches
of goroutines; kstate issues them in ordinal order. kstate's revision hash is
the DaemonSet's (compute_hash of the template), not Go's byte-level hash.
"""
from __future__ import annotations

import functools
import re
from typing import Optional

import attrs

from kstate.controllers.actions import NOTHING, Create, Delete, RecordEvent, Result, Update, UpdateStatus, ref_of
from kstate.controllers.daemonset import claim_revisions, match_revision, owned_keys, pods_and_revisions_of
from kstate.controllers.deployment_util import compute_hash, get_scaled_value_from_int_or_percent
from kstate.controllers.replicaset import claim_pods, owner_reference
from kstate.machines.statefulset import TRIGGER_FOR
from kstate.resources.frozen import FrozenDict, deep_freeze, evolve
from kstate.resources.meta import ObjectMeta, OwnerReference, controller_of
from kstate.resources.pod import Pod, PodStatus
from kstate.resources.workloads import (
    LABEL_CONTROLLER_REVISION_HASH, LABEL_POD_INDEX, LABEL_STATEFULSET_POD_NAME, ControllerRevision,
    ControllerRevisionBody, StatefulSet,
)

NAME = "statefulset-controller"
_ORDINAL_RE = re.compile(r"^(.*)-([0-9]+)$")
#: a sync that could not proceed (a claim being deleted) is retried after this.
RETRY_MS = 1_000


# ------------------------------------------------------------------ identity


def get_parent_name_and_ordinal(pod) -> tuple[str, int]:
    """stateful_set_utils.go getParentNameAndOrdinal: `(.*)-([0-9]+)$` on the
    pod's name; no match (or an ordinal beyond int32) → ("", -1).

    Examples: "web-0" → ("web", 0); "my-db-12" → ("my-db", 12); "web" → ("", -1).
    """
    return _parse_name(pod.metadata.name)


@functools.lru_cache(maxsize=1 << 16)
def _parse_name(name: str) -> tuple[str, int]:
    # A pure function of the name, memoised: every sync parses every pod's name.
    m = _ORDINAL_RE.match(name)
    if m is None:
        return "", -1
    ordinal = int(m.group(2))
    if ordinal > 2**31 - 1:
        return "", -1
    return m.group(1), ordinal


def get_ordinal(pod) -> int:
    return get_parent_name_and_ordinal(pod)[1]


def get_pod_name(sts: StatefulSet, ordinal: int) -> str:
    """getPodName: `<set>-<ordinal>`."""
    return f"{sts.metadata.name}-{ordinal}"


def get_persistent_volume_claim_name(sts: StatefulSet, claim, ordinal: int) -> str:
    """getPersistentVolumeClaimName: `<template>-<set>-<ordinal>` (data-web-0)."""
    return f"{claim.metadata.name}-{sts.metadata.name}-{ordinal}"


def is_member_of(sts: StatefulSet, pod) -> bool:
    """isMemberOf: the pod's parsed parent name is the set's name."""
    return get_parent_name_and_ordinal(pod)[0] == sts.metadata.name


def get_start_ordinal(sts: StatefulSet) -> int:
    return sts.spec.ordinals_start


def get_end_ordinal(sts: StatefulSet) -> int:
    """getEndOrdinal: start + replicas − 1 (start − 1 with no replicas)."""
    return sts.spec.ordinals_start + sts.spec.replicas - 1


def pod_in_ordinal_range(pod, sts: StatefulSet) -> bool:
    """podInOrdinalRange: start ≤ ordinal ≤ end (and parsed)."""
    o = get_ordinal(pod)
    return o >= 0 and get_start_ordinal(sts) <= o <= get_end_ordinal(sts)


def identity_matches(sts: StatefulSet, pod) -> bool:
    """identityMatches: parsed ordinal, parent = set, name = getPodName,
    same namespace, and the pod-name label equal to the name."""
    parent, ordinal = get_parent_name_and_ordinal(pod)
    return (ordinal >= 0 and parent == sts.metadata.name and pod.metadata.name == get_pod_name(sts, ordinal)
            and pod.metadata.namespace == sts.metadata.namespace
            and pod.metadata.labels.get(LABEL_STATEFULSET_POD_NAME) == pod.metadata.name)


def _volumes(pod) -> tuple:
    return tuple((pod.spec.extra or {}).get("volumes") or ())


def storage_matches(sts: StatefulSet, pod) -> bool:
    """storageMatches: every volumeClaimTemplate has a pod volume of its name
    naming the ordinal's claim."""
    ordinal = get_ordinal(pod)
    if ordinal < 0:
        return False
    by_name = {v.get("name"): v for v in _volumes(pod)}
    for t in sts.spec.volume_claim_templates:
        v = by_name.get(t.metadata.name)
        src = v.get("persistentVolumeClaim") if v is not None else None
        if src is None or src.get("claimName") != get_persistent_volume_claim_name(sts, t, ordinal):
            return False
    return True


def get_persistent_volume_claims(sts: StatefulSet, ordinal: int) -> list:
    """getPersistentVolumeClaims: one claim per template, named for the
    ordinal, in the set's namespace, labelled with the template's labels plus
    the selector's matchLabels; status reset."""
    out = []
    match_labels = dict(sts.spec.selector.match_labels) if sts.spec.selector is not None else {}
    for t in sts.spec.volume_claim_templates:
        labels = {**t.metadata.labels, **match_labels}
        meta = evolve(t.metadata, name=get_persistent_volume_claim_name(sts, t, ordinal),
                      namespace=sts.metadata.namespace, labels=FrozenDict(labels))
        out.append(evolve(t, metadata=meta, status=type(t.status)()))
    return out


def update_storage(sts: StatefulSet, pod: Pod) -> Pod:
    """updateStorage: the templates' volumes (in template order; Go's map
    order is random) point at the ordinal's claims, then the pod's other
    volumes."""
    ordinal = get_ordinal(pod)
    names = {t.metadata.name for t in sts.spec.volume_claim_templates}
    if not names:
        return pod
    new = [{"name": t.metadata.name, "persistentVolumeClaim": {
        "claimName": get_persistent_volume_claim_name(sts, t, ordinal)}} for t in sts.spec.volume_claim_templates]
    vols = deep_freeze(new) + tuple(v for v in _volumes(pod) if v.get("name") not in names)
    extra = dict(pod.spec.extra or {})
    extra["volumes"] = vols
    return evolve(pod, spec=evolve(pod.spec, extra=FrozenDict(extra)))


def update_identity(sts: StatefulSet, pod: Pod, ordinal: int) -> Pod:
    """updateIdentity: name, namespace, the pod-name and pod-index labels."""
    name = get_pod_name(sts, ordinal)
    labels = {**pod.metadata.labels, LABEL_STATEFULSET_POD_NAME: name, LABEL_POD_INDEX: str(ordinal)}
    return evolve(pod, metadata=evolve(pod.metadata, name=name, namespace=sts.metadata.namespace,
                                       labels=FrozenDict(labels)))


def init_identity(sts: StatefulSet, pod: Pod, ordinal: int) -> Pod:
    """initIdentity: updateIdentity, hostname = the pod's name, subdomain =
    spec.serviceName (set only when the pod is made)."""
    pod = update_identity(sts, pod, ordinal)
    return evolve(pod, spec=evolve(pod.spec, hostname=pod.metadata.name, subdomain=sts.spec.service_name))


def new_stateful_set_pod(sts: StatefulSet, ordinal: int) -> Pod:
    """newStatefulSetPod: GetPodFromTemplate (labels, annotations, finalizers,
    a controller reference), then identity and storage. Its status phase is
    "" until the API server stores it (isCreated)."""
    t = sts.spec.template
    meta = ObjectMeta(namespace=sts.metadata.namespace, labels=t.metadata.labels,
                      annotations=t.metadata.annotations, finalizers=t.metadata.finalizers,
                      owner_references=(owner_reference(sts),))
    pod = Pod(metadata=meta, spec=t.spec, status=PodStatus(phase="", state=""))
    return update_storage(sts, init_identity(sts, pod, ordinal))


def set_pod_revision(pod: Pod, revision: str) -> Pod:
    labels = {**pod.metadata.labels, LABEL_CONTROLLER_REVISION_HASH: revision}
    return evolve(pod, metadata=evolve(pod.metadata, labels=FrozenDict(labels)))


def get_pod_revision(pod) -> str:
    return pod.metadata.labels.get(LABEL_CONTROLLER_REVISION_HASH, "")


def apply_revision(sts: StatefulSet, revision: ControllerRevision) -> StatefulSet:
    """ApplyRevision: the set with the revision's template."""
    if not hasattr(revision.data, "spec"):
        return sts
    return evolve(sts, spec=evolve(sts.spec, template=revision.data))


def new_versioned_stateful_set_pod(current_set: StatefulSet, update_set: StatefulSet, current_revision: str,
                                   update_revision: str, ordinal: int) -> Pod:
    """newVersionedStatefulSetPod: at the current revision when
    (RollingUpdate without rollingUpdate and ordinal < start + currentReplicas)
    or (rollingUpdate given and ordinal < start + partition); else at the
    update revision (so OnDelete re-creates deleted pods at the new one).

    Example: replicas 3, partition 2, a rollout in progress: web-0 and web-1
    are recreated at the current revision, web-2 at the update revision.
    """
    s = current_set.spec.update_strategy
    start = get_start_ordinal(current_set)
    if (s.type == "RollingUpdate" and s.rolling_update is None
            and ordinal < start + current_set.status.current_replicas) or (
            s.rolling_update is not None and ordinal < start + s.rolling_update.partition):
        return set_pod_revision(new_stateful_set_pod(current_set, ordinal), current_revision)
    return set_pod_revision(new_stateful_set_pod(update_set, ordinal), update_revision)


# ------------------------------------------------------------------ pod predicates


def is_created(pod) -> bool:
    return pod.status.phase != ""


def is_pending(pod) -> bool:
    return pod.status.phase == "Pending"


def is_failed(pod) -> bool:
    return pod.status.phase == "Failed"


def is_succeeded(pod) -> bool:
    return pod.status.phase == "Succeeded"


def is_terminating(pod) -> bool:
    return pod.metadata.deletion_timestamp is not None


#: id(status) → (status, ready since): a memo of a pure function of the
#: status object (kept alive in the entry, so an id is never reused while
#: cached). Every sync asks it about every pod several times.
_READY_MEMO: dict = {}
_NOT_READY = object()


def _ready_since(pod):
    """The Ready condition's lastTransitionTime when it is True (None when
    it has none), or _NOT_READY."""
    st = pod.status
    hit = _READY_MEMO.get(id(st))
    if hit is not None and hit[0] is st:
        return hit[1]
    c = None
    for cond in st.conditions:
        if cond.type == "Ready":
            c = cond
            break
    value = c.last_transition_time if c is not None and c.status == "True" else _NOT_READY
    if len(_READY_MEMO) >= 65536:
        _READY_MEMO.clear()
    _READY_MEMO[id(st)] = (st, value)
    return value


def is_running_and_ready(pod) -> bool:
    """isRunningAndReady: phase Running and the Ready condition True."""
    return pod.status.phase == "Running" and _ready_since(pod) is not _NOT_READY


def is_running_and_available(pod, min_ready_seconds: int, now: int) -> bool:
    """isRunningAndAvailable: Running and IsPodAvailable (Ready for
    minReadySeconds: since + minReadySeconds ≤ now)."""
    if pod.status.phase != "Running":
        return False
    since = _ready_since(pod)
    if since is _NOT_READY:
        return False
    if min_ready_seconds == 0:
        return True
    return since is not None and since + min_ready_seconds * 1000 <= now


def is_healthy(pod) -> bool:
    return is_running_and_ready(pod) and not is_terminating(pod)


def is_unavailable(pod, min_ready_seconds: int, now: int) -> bool:
    """isUnavailable: not healthy, or not available for minReadySeconds."""
    return not is_healthy(pod) or not is_running_and_available(pod, min_ready_seconds, now)


def allows_burst(sts: StatefulSet) -> bool:
    return sts.spec.pod_management_policy == "Parallel"


def get_stateful_set_max_unavailable(max_unavailable, replicas: int) -> int:
    """getStatefulSetMaxUnavailable: maxUnavailable (default 1) scaled against
    replicas rounding DOWN, then at least 1.

    Examples (replicas 3): 1 → 1; "25%" → 0 → 1; "50%" → 1; "100%" → 3; 2 → 2.
    """
    if max_unavailable is None:
        max_unavailable = 1
    return max(1, get_scaled_value_from_int_or_percent(max_unavailable, replicas, False))


# ------------------------------------------------------------------ claims' owners


def _is_ref_to(ref: OwnerReference, obj) -> bool:
    return ref.uid == obj.metadata.uid


def _non_controller_ref(obj) -> OwnerReference:
    return OwnerReference(api_version=obj.API_VERSION, kind=obj.KIND, name=obj.metadata.name, uid=obj.metadata.uid)


def desired_claim_owner_refs(claim, sts: StatefulSet, pod) -> tuple:
    """updateClaimOwnerRefForSetAndPod: the claim's ownerReferences under the
    retention policy. Retain/Retain: none of ours; whenDeleted=Delete: the set
    (controller); whenScaled=Delete: the pod once its ordinal is condemned
    (Delete/Delete: the set while in range, the pod once condemned). A foreign
    controller reference: ours are only removed. References to a pod of the
    same name with another uid (stale) are left alone."""
    p = sts.spec.persistent_volume_claim_retention_policy
    refs = [r for r in claim.metadata.owner_references if not _is_ref_to(r, sts) and not _is_ref_to(r, pod)]
    ctrl = controller_of(claim.metadata)
    if ctrl is not None and ctrl.uid != sts.metadata.uid:
        return tuple(refs)
    scaled_down = not pod_in_ordinal_range(pod, sts)
    want_set = p.when_deleted == "Delete" and not (p.when_scaled == "Delete" and scaled_down)
    want_pod = p.when_scaled == "Delete" and scaled_down
    if want_set:
        refs.append(owner_reference(sts))
    if want_pod:
        refs.append(_non_controller_ref(pod))
    return tuple(refs)


def claims_match_retention_policy(claims: dict, sts: StatefulSet, pod) -> list:
    """ClaimsMatchRetentionPolicy / UpdatePodClaimForRetentionPolicy: the
    claim Updates that bring the existing claims' owners in line."""
    out = []
    for t in sts.spec.volume_claim_templates:
        c = claims.get(get_persistent_volume_claim_name(sts, t, get_ordinal(pod)))
        if c is None or c.metadata.deletion_timestamp is not None:
            continue
        want = desired_claim_owner_refs(c, sts, pod)
        if set(want) != set(c.metadata.owner_references):
            out.append(Update(evolve(c, metadata=evolve(c.metadata, owner_references=want))))
    return out


def has_stale_owner_ref(claim, pod) -> bool:
    """hasStaleOwnerRef: a Pod reference with the pod's name but another uid
    (a pod not yet created has no uid, so any such reference is stale)."""
    return any(r.kind == "Pod" and r.name == pod.metadata.name and r.uid != pod.metadata.uid
               for r in claim.metadata.owner_references)


def pod_claim_is_stale(claims: dict, sts: StatefulSet, pod) -> bool:
    """PodClaimIsStale: only under whenScaled=Delete; a claim that still
    points at the previous pod of this ordinal is stale (the garbage
    collector is about to delete it)."""
    if sts.spec.persistent_volume_claim_retention_policy.when_scaled == "Retain":
        return False
    for t in sts.spec.volume_claim_templates:
        c = claims.get(get_persistent_volume_claim_name(sts, t, get_ordinal(pod)))
        if c is not None and has_stale_owner_ref(c, pod):
            return True
    return False


# ------------------------------------------------------------------ observe


@attrs.frozen
class STSObs:
    sts: Optional[StatefulSet]
    pods: tuple = ()              # member pods it owns or could adopt, sorted by name
    revisions: tuple = ()         # ControllerRevisions it owns or could adopt
    named_revision: Optional[ControllerRevision] = None   # `<set>-<hash>` if it exists
    claims: FrozenDict = FrozenDict()   # claim name → PVC (the ordinals' claims that exist)
    #: the API's refusal of a pod from the template (admission; the pod named ""), or None
    refused: Optional[str] = None


def current_hash(sts: StatefulSet) -> str:
    return compute_hash(sts.spec.template, sts.status.collision_count)


def observe_statefulset(view, key) -> STSObs:
    namespace, name = key
    sts = view.get("StatefulSet", namespace, name)
    if sts is None:
        return STSObs(sts=None)
    pods, revs = pods_and_revisions_of(view, sts)
    pods = {n: p for n, p in pods.items() if is_member_of(sts, p) and p.metadata.namespace == namespace}
    claims = {}
    if sts.spec.volume_claim_templates:
        ordinals = set(range(get_start_ordinal(sts), get_end_ordinal(sts) + 1))
        ordinals.update(get_ordinal(p) for p in pods.values())
        for o in sorted(ordinals):
            for t in sts.spec.volume_claim_templates:
                cname = get_persistent_volume_claim_name(sts, t, o)
                c = view.get("PersistentVolumeClaim", namespace, cname)
                if c is not None:
                    claims[cname] = c
    return STSObs(sts=sts, pods=tuple(p for _, p in sorted(pods.items())),
                  revisions=tuple(r for _, r in sorted(revs.items())),
                  named_revision=view.get("ControllerRevision", namespace, f"{name}-{current_hash(sts)}"),
                  claims=FrozenDict(claims),
                  refused=view.create_refusal(Pod(metadata=ObjectMeta(namespace=namespace), spec=sts.spec.template.spec)))


# ------------------------------------------------------------------ history


def new_revision(sts: StatefulSet, revision: int, hash_: str) -> ControllerRevision:
    """newRevision → history.NewControllerRevision: `<set>-<hash>`, labels =
    template labels + controller-revision-hash=<hash>, a controller reference,
    data = the template (getPatch's `spec.template`)."""
    labels = {**sts.spec.template.metadata.labels, LABEL_CONTROLLER_REVISION_HASH: hash_}
    meta = ObjectMeta(name=f"{sts.metadata.name}-{hash_}", namespace=sts.metadata.namespace,
                      labels=FrozenDict(labels), owner_references=(owner_reference(sts),))
    return ControllerRevision(metadata=meta, spec=ControllerRevisionBody(data=sts.spec.template, revision=revision))


def _sort_revisions(revs) -> list:
    """history.SortControllerRevisions: by revision, then creation, then name."""
    return sorted(revs, key=lambda r: (r.revision, r.metadata.creation_timestamp or 0, r.metadata.name))


@attrs.frozen
class Revisions:
    current: Optional[ControllerRevision]
    update: Optional[ControllerRevision]
    collision_count: int
    actions: tuple = ()
    revisions: tuple = ()     # the claimed revisions, sorted (before this sync's changes)


def get_stateful_set_revisions(sts: StatefulSet, revisions, named: Optional[ControllerRevision]) -> Revisions:
    """getStatefulSetRevisions: the update revision is the newest revision
    equal to the template (kept as is when it is the newest, renumbered to
    max+1 when older: a rollback), else a new `<set>-<hash>` at max+1 (a name
    taken by a different revision bumps collisionCount, and the sync is
    retried); the current revision is status.currentRevision if it still
    exists, else the update revision."""
    revisions = _sort_revisions(revisions)
    cc = sts.status.collision_count or 0
    nxt = (revisions[-1].revision + 1) if revisions else 1
    equal = [r for r in revisions if match_revision(sts, r)]
    actions: list = []
    if equal and revisions[-1] is equal[-1]:
        update = revisions[-1]
    elif equal:
        update = evolve(equal[-1], spec=evolve(equal[-1].spec, revision=nxt))
        actions.append(Update(update))
    else:
        hash_ = current_hash(sts)
        if named is not None and not match_revision(sts, named):
            return Revisions(None, None, cc + 1, (), tuple(revisions))
        update = named if named is not None else new_revision(sts, nxt, hash_)
        if named is None:
            actions.append(Create(update))
    current = next((r for r in revisions if r.metadata.name == sts.status.current_revision), None)
    if current is None:
        current = update
    return Revisions(current, update, cc, tuple(actions), tuple(revisions))


def truncate_history(sts: StatefulSet, pods, revisions, current, update) -> list:
    """truncateHistory: non-live revisions (not current, not update, not
    carried by a pod) beyond revisionHistoryLimit are deleted, lowest first."""
    live = {getattr(current, "metadata", None) and current.metadata.name,
            getattr(update, "metadata", None) and update.metadata.name}
    live.update(get_pod_revision(p) for p in pods)
    history = [r for r in revisions if r.metadata.name not in live]
    limit = sts.spec.revision_history_limit
    if limit is None or limit < 0 or len(history) <= limit:
        return []
    return [Delete("ControllerRevision", r.metadata.namespace, r.metadata.name, r.metadata.uid)
            for r in history[:len(history) - limit]]


# ------------------------------------------------------------------ status


def compute_replica_status(pods, min_ready_seconds: int, current: str, update: str, now: int) -> dict:
    """computeReplicaStatus: replicas = created pods (terminating ones too);
    ready / available = Running and Ready (and available); current / updated
    = created, not terminating, at that revision."""
    st = dict(replicas=0, ready_replicas=0, available_replicas=0, current_replicas=0, updated_replicas=0)
    for p in pods:
        if is_created(p):
            st["replicas"] += 1
        if is_running_and_ready(p):
            st["ready_replicas"] += 1
            if is_running_and_available(p, min_ready_seconds, now):
                st["available_replicas"] += 1
        if is_created(p) and not is_terminating(p):
            rev = get_pod_revision(p)
            if rev == current:
                st["current_replicas"] += 1
            if rev == update:
                st["updated_replicas"] += 1
    return st


def complete_rolling_update(sts: StatefulSet, status):
    """completeRollingUpdate: under RollingUpdate, once updatedReplicas,
    readyReplicas and replicas all equal spec.replicas, the update revision
    becomes current."""
    n = sts.spec.replicas
    if (sts.spec.update_strategy.type == "RollingUpdate" and status.updated_replicas == n
            and status.ready_replicas == n and status.replicas == n):
        return evolve(status, current_replicas=status.updated_replicas, current_revision=status.update_revision)
    return status


def set_state(sts: StatefulSet, replicas: "Replicas", condemned: list, status) -> str:
    """The set's machine state (machines/statefulset.py) after this sync."""
    if any(is_created(p) for p in condemned):
        return "ScalingDown"
    if any(p is None or not is_running_and_ready(p) for p in map(replicas.existing, range(len(replicas)))):
        return "ScalingUp"
    if status.current_revision != status.update_revision or status.updated_replicas < len(replicas):
        return "Updating"
    return "Stable"


# ------------------------------------------------------------------ reconcile


def _pod_event(sts, verb: str, pod_name: str) -> RecordEvent:
    """recordPodEvent: "<verb> Pod <pod> in StatefulSet <set> successful"."""
    return RecordEvent(ref_of(sts), f"Successful{verb}", f"{verb.lower()} Pod {pod_name} in StatefulSet "
                       f"{sts.metadata.name} successful", "Normal", NAME)


def _claim_event(sts, claim_name: str, pod_name: str) -> RecordEvent:
    """recordClaimEvent: "create Claim <claim> Pod <pod> in StatefulSet <set> success"."""
    return RecordEvent(ref_of(sts), "SuccessfulCreate", f"create Claim {claim_name} Pod {pod_name} in StatefulSet "
                       f"{sts.metadata.name} success", "Normal", NAME)


def _delete_pod(sts, pod) -> list:
    return [Delete("Pod", pod.metadata.namespace, pod.metadata.name, pod.metadata.uid),
            _pod_event(sts, "Delete", pod.metadata.name)]


def create_missing_claims(sts: StatefulSet, pod, claims: dict, made: set) -> tuple[list, bool]:
    """createPersistentVolumeClaims: each missing claim is created (with its
    event); a claim being deleted fails the pod's creation ("pvc … is being
    deleted") → (actions, failed)."""
    out = []
    for c in get_persistent_volume_claims(sts, get_ordinal(pod)):
        name = c.metadata.name
        cur = claims.get(name)
        if cur is None:
            if name not in made:
                made.add(name)
                out.append(Create(c))
                out.append(_claim_event(sts, name, pod.metadata.name))
        elif cur.metadata.deletion_timestamp is not None:
            out.append(RecordEvent(ref_of(sts), "FailedCreate", f"create Pod {pod.metadata.name} in StatefulSet "
                                   f"{sts.metadata.name} failed error: pvc {name} is being deleted", "Warning",
                                   NAME))
            return out, True
    return out, False


def process_replica(sts, update_set, monotonic: bool, pod, claims: dict, made: set, now: int,
                    refused: Optional[str] = None) -> tuple[list, bool, bool]:
    """processReplica → (actions, should_exit, failed). A pod the API refuses
    (`refused`, for a pod of the set's template) fails CreateStatefulPod:
    FailedCreate "create Pod web-0 in StatefulSet web failed error: <API
    error>" (stateful_pod_control.go recordPodEvent) and the sync stops."""
    if is_failed(pod) or is_succeeded(pod):
        # The replacement is made on a later sync, once the old object is gone.
        return (_delete_pod(sts, pod) if not is_terminating(pod) else []), True, False
    actions: list = []
    if not is_created(pod):
        if pod_claim_is_stale(claims, sts, pod):
            return [], True, True
        out, failed = create_missing_claims(sts, pod, claims, made)
        actions.extend(out)
        if failed:
            return actions, True, True
        if refused is not None and pod.spec.extra.get("priorityClassName") == \
                sts.spec.template.spec.extra.get("priorityClassName"):
            name = pod.metadata.name
            err = refused.replace('pods ""', f'pods "{name}"', 1)
            actions.append(RecordEvent(ref_of(sts), "FailedCreate", f"create Pod {name} in StatefulSet "
                                       f"{sts.metadata.name} failed error: {err}", "Warning", NAME))
            return actions, True, True
        actions.append(Create(pod))
        actions.append(_pod_event(sts, "Create", pod.metadata.name))
        if monotonic:
            return actions, True, False
        return actions, False, False
    if is_pending(pod):
        out, failed = create_missing_claims(sts, pod, claims, made)
        actions.extend(out)
        if failed:
            return actions, True, True
    if is_terminating(pod) and monotonic:
        return actions, True, False
    if not is_running_and_ready(pod) and monotonic:
        return actions, True, False
    if not is_running_and_available(pod, sts.spec.min_ready_seconds, now) and monotonic:
        return actions, True, False
    retention = claims_match_retention_policy(claims, update_set, pod) if not is_terminating(pod) else []
    if identity_matches(sts, pod) and storage_matches(sts, pod) and not retention:
        return actions, False, False
    actions.extend(retention)
    if not storage_matches(sts, pod):
        # UpdateStatefulPod → updateStorage: the API server refuses a change of
        # a pod's volumes, so the update fails (Go retries it with back-off;
        # kstate records the failure once per sync and does not requeue).
        name = pod.metadata.name
        actions.append(RecordEvent(ref_of(sts), "FailedUpdate", f"update Pod {name} in StatefulSet "
                                   f"{sts.metadata.name} failed error: Pod \"{name}\" is invalid: spec: Forbidden: "
                                   "pod updates may not change fields other than `spec.containers[*].image`, "
                                   "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, "
                                   "`spec.tolerations` (only additions to existing tolerations), "
                                   "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
                                   "previously negative)", "Warning", NAME))
        return actions, True, False
    if not identity_matches(sts, pod):
        actions.append(Update(update_identity(update_set, pod, get_ordinal(pod))))
        actions.append(_pod_event(sts, "Update", pod.metadata.name))
    return actions, False, False


def process_condemned(sts, first_unhealthy, monotonic: bool, pod, now: int) -> tuple[list, bool]:
    """processCondemned → (actions, should_exit)."""
    if is_terminating(pod):
        return [], monotonic
    if not is_running_and_ready(pod) and monotonic and pod is not first_unhealthy:
        return [], True
    if not is_running_and_available(pod, sts.spec.min_ready_seconds, now) and monotonic and pod is not first_unhealthy:
        return [], True
    return _delete_pod(sts, pod), True


def _run_for_all(items, fn, monotonic: bool) -> tuple[list, bool, bool]:
    """runForAll: monotonic stops at the first item that asks to; burst runs
    all and stops only on an error."""
    actions, failed = [], False
    for item in items:
        out = fn(item)
        acts, exit_, err = out if len(out) == 3 else (out[0], out[1], False)
        actions.extend(acts)
        failed = failed or err
        if monotonic and (exit_ or err):
            return actions, True, failed
    return actions, failed, failed


#: firstUnhealthyPod when it is a slot with no pod yet (never a condemned pod).
_MISSING = object()


class Replicas:
    """updateStatefulSet's `replicas` slice, indexed by ordinal − start: the
    existing pod of each ordinal, or the new pod newVersionedStatefulSetPod
    makes for it — built only when a step reaches that slot (a 1,000-replica
    set under OrderedReady looks at one missing slot per sync, not 1,000)."""

    __slots__ = ("start", "end", "slots", "make", "made")

    def __init__(self, start: int, end: int, slots: dict, make) -> None:
        self.start, self.end, self.slots, self.make, self.made = start, end, slots, make, {}

    def __len__(self) -> int:
        return max(0, self.end - self.start + 1)

    def existing(self, i: int):
        return self.slots.get(self.start + i)

    def __getitem__(self, i: int):
        o = self.start + i
        p = self.slots.get(o)
        if p is None:
            p = self.made.get(o)
            if p is None:
                p = self.made[o] = self.make(o)
        return p

    def __iter__(self):
        return (self[i] for i in range(len(self)))


def update_statefulset(sts, revs: Revisions, pods, claims, now: int,
                       refused: Optional[str] = None) -> tuple[list, dict, list, list, bool]:
    """updateStatefulSet → (actions, status counts, replicas, condemned, failed)."""
    current_set = apply_revision(sts, revs.current)
    update_set = apply_revision(sts, revs.update)
    cur_name, upd_name = revs.current.metadata.name, revs.update.metadata.name
    mrs = sts.spec.min_ready_seconds
    start, end = get_start_ordinal(sts), get_end_ordinal(sts)
    slots: dict[int, Pod] = {}
    condemned = []
    for p in pods:
        o = get_ordinal(p)
        if start <= o <= end:
            slots[o] = p
        elif o >= 0:
            condemned.append(p)
    replicas = Replicas(start, end, slots,
                        lambda o: new_versioned_stateful_set_pod(current_set, update_set, cur_name, upd_name, o))
    condemned.sort(key=get_ordinal, reverse=True)
    counts = compute_replica_status(pods, mrs, cur_name, upd_name, now)
    first_unhealthy = None
    for i in range(len(replicas)):
        p = replicas.existing(i)
        if p is None or is_unavailable(p, mrs, now):
            first_unhealthy = p if p is not None else _MISSING
            break
    if first_unhealthy is None:
        for p in reversed(condemned):
            if is_unavailable(p, mrs, now):
                first_unhealthy = p
                break
    if sts.metadata.deletion_timestamp is not None:
        return [], counts, replicas, condemned, False
    monotonic = not allows_burst(sts)
    made: set = set()
    actions, stop, failed = _run_for_all(
        replicas, lambda p: process_replica(sts, update_set, monotonic, p, claims, made, now, refused), monotonic)
    if stop:
        return actions, counts, replicas, condemned, failed
    fix, stop, failed = _run_for_all(
        condemned, lambda p: (claims_match_retention_policy(claims, update_set, p), False), monotonic)
    actions.extend(fix)
    if stop:
        return actions, counts, replicas, condemned, failed
    acts, stop, failed = _run_for_all(
        condemned, lambda p: process_condemned(sts, first_unhealthy, monotonic, p, now), monotonic)
    actions.extend(acts)
    if stop or sts.spec.update_strategy.type == "OnDelete":
        return actions, counts, replicas, condemned, failed
    actions.extend(update_after_invariant_established(sts, replicas, upd_name, counts, now))
    return actions, counts, replicas, condemned, False


def update_after_invariant_established(sts, replicas: "Replicas", update_revision: str, counts: dict, now: int) -> list:
    """updateStatefulSetAfterInvariantEstablished (MaxUnavailableStatefulSet,
    on by default at 1.35): count the unavailable in-range pods (below the
    partition too); if fewer than maxUnavailable, delete up to maxUnavailable −
    unavailable outdated, non-terminating pods from the highest ordinal down
    to the partition. With maxUnavailable 1 this is the classic one-at-a-time
    rolling update: the next pod goes only once every pod is available again.

    Example: replicas 5, partition 0, maxUnavailable 2, all available → web-4
    and web-3 are deleted in one sync; next sync (both recreated, not ready)
    nothing is deleted.
    """
    ru = sts.spec.update_strategy.rolling_update
    update_min, max_unavailable = 0, 1
    if ru is not None:
        update_min = ru.partition
        max_unavailable = get_stateful_set_max_unavailable(ru.max_unavailable, sts.spec.replicas)
    mrs = sts.spec.min_ready_seconds
    unavailable = sum(1 for i in range(len(replicas))
                      if replicas.existing(i) is None or is_unavailable(replicas.existing(i), mrs, now))
    if unavailable >= max_unavailable:
        return []
    out, budget = [], max_unavailable - unavailable
    for target in range(len(replicas) - 1, update_min - 1, -1):
        if budget <= 0:
            break
        p = replicas[target]
        if get_pod_revision(p) != update_revision and not is_terminating(p):
            # A pod not created yet: Go's delete gets NotFound, which it ignores.
            if is_created(p):
                out.extend(_delete_pod(sts, p))
            counts["current_replicas"] -= 1
            budget -= 1
    return out


def reconcile_statefulset(obs: STSObs, now: int) -> Result:
    """stateful_set.go sync → UpdateStatefulSet: adopt and claim revisions and
    pods, getStatefulSetRevisions, updateStatefulSet, the status (with
    completeRollingUpdate), truncateHistory; requeue while minReadySeconds
    keeps pods from being available."""
    sts = obs.sts
    if sts is None:
        return NOTHING
    sel = sts.spec.selector
    if sel is None or sel.is_empty():
        return NOTHING
    claimed_revs, actions = claim_revisions(sts, obs.revisions)
    actions = list(actions)
    revs = get_stateful_set_revisions(sts, claimed_revs, obs.named_revision)
    if revs.update is None:
        # CreateControllerRevision's name collision: retry with the bumped count.
        status = evolve(sts.status, collision_count=revs.collision_count)
        actions.append(UpdateStatus(evolve(sts, status=status)))
        return Result(tuple(actions), requeue_after=RETRY_MS)
    actions.extend(revs.actions)
    pods, claim_actions = claim_pods(sts, sel, obs.pods)
    actions.extend(claim_actions)
    pods = sorted(pods, key=lambda p: p.metadata.name)
    acts, counts, replicas, condemned, failed = update_statefulset(sts, revs, pods, obs.claims, now, obs.refused)
    actions.extend(acts)
    status = evolve(sts.status, observed_generation=sts.metadata.generation,
                    current_revision=revs.current.metadata.name, update_revision=revs.update.metadata.name,
                    collision_count=revs.collision_count, **counts)
    status = complete_rolling_update(sts, status)
    state = set_state(sts, replicas, condemned, status) if sts.metadata.deletion_timestamp is None else \
        sts.status.state
    status = evolve(status, state=state)
    if status != sts.status:
        trigger = TRIGGER_FOR[state] if state != sts.status.state else None
        actions.append(UpdateStatus(evolve(sts, status=status), trigger))
    actions.extend(truncate_history(sts, pods, revs.revisions, revs.current, revs.update))
    requeue = None
    if failed:
        requeue = RETRY_MS
    if sts.spec.min_ready_seconds > 0 and status.available_replicas != sts.spec.replicas:
        requeue = min(requeue or 10**12, sts.spec.min_ready_seconds * 1000)
    return Result(tuple(actions), requeue_after=requeue)


# ------------------------------------------------------------------ slots


def slot_state(pod, claims_exist: bool) -> str:
    """The state of a (StatefulSet, ordinal) slot in machines/statefulslot.py."""
    if pod is None:
        return "Claimed" if claims_exist else "Absent"
    if is_terminating(pod):
        return "Terminating"
    if is_failed(pod) or is_succeeded(pod):
        return "Failed"
    if is_running_and_ready(pod):
        return "Ready"
    if pod.status.phase == "Running":
        return "Running"
    return "Creating"


# ------------------------------------------------------------------ watches
# stateful_set.go addStatefulSet/updateStatefulSet, addPod/updatePod/deletePod,
# and the ControllerRevision handlers (resolveControllerRef, getStatefulSetsForPod).


def watch_self(old, new, view) -> tuple:
    if new is not None:
        return ((new.metadata.namespace, new.metadata.name),)
    return ()


def watch_owned(old, new, view) -> tuple:
    """Pods and ControllerRevisions: their controlling StatefulSet, or the
    sets that may adopt an orphan (the DaemonSet controller's owned_keys)."""
    return owned_keys(old, new, view, "StatefulSet")


def watch_claims(old, new, view) -> tuple:
    """A claim of a set that went away (or started terminating) lets a
    blocked creation proceed: enqueue the set named in the claim
    (`<template>-<set>-<ordinal>`) when it exists."""
    if not view.has_any("StatefulSet"):
        return ()
    obj = new if new is not None else old
    if new is not None and new.metadata.deletion_timestamp is None:
        return ()
    name = obj.metadata.name
    out = []
    for s in view.list("StatefulSet", obj.metadata.namespace):
        for t in s.spec.volume_claim_templates:
            prefix = f"{t.metadata.name}-{s.metadata.name}-"
            if name.startswith(prefix) and name[len(prefix):].isdigit():
                out.append((s.metadata.namespace, s.metadata.name))
                break
    return tuple(out)
