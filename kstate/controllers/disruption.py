"""The disruption controller: keeps each PodDisruptionBudget's status, in
Kubernetes' order (pkg/controller/disruption/disruption.go at the declared
version), and the helpers the eviction API and the scheduler's preemption
read budgets with.

Owns: finding each selected pod's controller and its scale (the finders:
ReplicationController, Deployment through its ReplicaSet, ReplicaSet,
StatefulSet, then any kind with a scale subresource), getExpectedPodCount,
buildDisruptedPodMap, countHealthyPods, updatePdbStatus with the
DisruptionAllowed condition (component-helpers poddisruptionbudget), the
failSafe on a sync error, the stale DisruptionTarget cleanup, and
`filter_pods_with_pdb_violation` / `pdb_violating_pods` (the scheduler's
filterPodsWithPDBViolation). Must not import engine/ or io/.

Decision order (trySync): pods of the selector (none → NoPods event) →
expected count and desired healthy (an error → CalculateExpectedPodCountFailed
and failSafe: disruptionsAllowed 0, DisruptionAllowed False SyncFailed) →
UnmanagedPods warning → the disrupted-pods map (expired entries dropped with
a NotDeleted event) → current healthy → status if changed → recheck when the
next disrupted-pods entry expires.

Like Kubernetes, the controller is woken by its budgets and by pods (each
pod wakes the first budget selecting it); it does not watch the workloads,
so a change of scale shows at the next pod change.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence, Union

import attrs

from kstate.controllers.actions import NOTHING, RecordEvent, Result, UpdateStatus, ref_of
from kstate.controllers.deployment_util import get_scaled_value_from_int_or_percent
from kstate.controllers.scheduling.preemption import PDBInfo
from kstate.controllers.scheduling.preemption import filter_pods_with_pdb_violation as _filter_pods_with_pdb_violation
from kstate.registry import REGISTRY
from kstate.resources.frozen import EMPTY, FrozenDict, evolve
from kstate.resources.meta import Condition, controller_of, get_condition, set_condition
from kstate.resources.pod import TERMINAL_PHASES, Pod, is_pod_ready
from kstate.resources.policy import (
    DISRUPTION_ALLOWED, INSUFFICIENT_PODS, SUFFICIENT_PODS, SYNC_FAILED, PDBCondition, PodDisruptionBudget,
    find_status_condition, set_status_condition,
)

NAME = "disruption"
STALE_NAME = "disruption-stale-pod-condition"
#: the event source (the controller's recorder: Component "controllermanager")
SOURCE = "controllermanager"
KIND = "PodDisruptionBudget"
#: DeletionTimeout: how long an approved eviction keeps its pod out of currentHealthy.
DELETION_TIMEOUT_MS = 2 * 60_000
#: stalePodDisruptionTimeout: a DisruptionTarget condition without a deletion is reset after this.
STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60_000


class SyncError(Exception):
    """An error of trySync (the text the failSafe condition carries)."""


@attrs.frozen
class ControllerAndScale:
    uid: str
    scale: int


@attrs.frozen
class DisruptionObs:
    pdb: Optional[PodDisruptionBudget]
    pods: tuple = ()
    #: controllerRef uid → ControllerAndScale, an error text, or None (no controller found)
    scales: FrozenDict = EMPTY


# ---------------------------------------------------------------- finders (observe)


def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0] if "/" in api_version else ""


def _verify_group_kind(ref, kind: str, groups: tuple) -> bool:
    """verifyGroupKind."""
    return ref.kind == kind and _group(ref.api_version) in groups


def _replicas(obj) -> int:
    spec = REGISTRY.get_kind(obj.KIND)
    if spec is not None and spec.scale is not None:
        return spec.scale[0](obj)
    body = getattr(obj, "field", None)
    s = body("spec") if body is not None else None
    r = s.get("replicas") if isinstance(s, dict) else None
    return r if isinstance(r, int) and not isinstance(r, bool) else 1


def _get_owned(view, kind: str, namespace: str, ref):
    obj = view.get(kind, namespace, ref.name)
    return obj if obj is not None and obj.metadata.uid == ref.uid else None


def get_pod_replication_controller(view, ref, namespace: str) -> Optional[ControllerAndScale]:
    """disruption.go getPodReplicationController."""
    if not _verify_group_kind(ref, "ReplicationController", ("",)):
        return None
    rc = _get_owned(view, "ReplicationController", namespace, ref)
    return None if rc is None else ControllerAndScale(rc.metadata.uid, _replicas(rc))


def get_pod_deployment(view, ref, namespace: str) -> Optional[ControllerAndScale]:
    """disruption.go getPodDeployment: the Deployment of the pod's ReplicaSet."""
    if not _verify_group_kind(ref, "ReplicaSet", ("apps", "extensions")):
        return None
    rs = _get_owned(view, "ReplicaSet", namespace, ref)
    if rs is None:
        return None
    dref = controller_of(rs.metadata)
    if dref is None or not _verify_group_kind(dref, "Deployment", ("apps", "extensions")):
        return None
    d = _get_owned(view, "Deployment", namespace, dref)
    return None if d is None else ControllerAndScale(d.metadata.uid, _replicas(d))


def get_pod_replica_set(view, ref, namespace: str) -> Optional[ControllerAndScale]:
    """disruption.go getPodReplicaSet: a ReplicaSet no Deployment controls."""
    if not _verify_group_kind(ref, "ReplicaSet", ("apps", "extensions")):
        return None
    rs = _get_owned(view, "ReplicaSet", namespace, ref)
    if rs is None:
        return None
    dref = controller_of(rs.metadata)
    if dref is not None and dref.kind == "Deployment":
        return None
    return ControllerAndScale(rs.metadata.uid, _replicas(rs))


def get_pod_stateful_set(view, ref, namespace: str) -> Optional[ControllerAndScale]:
    """disruption.go getPodStatefulSet."""
    if not _verify_group_kind(ref, "StatefulSet", ("apps",)):
        return None
    ss = _get_owned(view, "StatefulSet", namespace, ref)
    return None if ss is None else ControllerAndScale(ss.metadata.uid, _replicas(ss))


def get_scale_controller(view, ref, namespace: str) -> Optional[ControllerAndScale]:
    """disruption.go getScaleController: any kind serving the scale
    subresource; a kind without one is an error ("daemonsets.apps does not
    implement the scale subresource"), an unknown kind a mapping error."""
    group = _group(ref.api_version)
    spec = REGISTRY.get_kind(ref.kind)
    if spec is None or spec.group != group:
        raise SyncError(f'no matches for kind "{ref.kind}" in version "{ref.api_version}"')
    if spec.scale is None:
        gr = f"{spec.plural}.{spec.group}" if spec.group else spec.plural
        raise SyncError(f"{gr} does not implement the scale subresource")
    obj = _get_owned(view, spec.kind, namespace, ref)
    return None if obj is None else ControllerAndScale(obj.metadata.uid, spec.scale[0](obj))


FINDERS = (get_pod_replication_controller, get_pod_deployment, get_pod_replica_set, get_pod_stateful_set,
           get_scale_controller)


def find_controller(view, ref, namespace: str) -> Union[ControllerAndScale, str, None]:
    """The first finder's answer for a pod's controllerRef (getExpectedScale's
    inner loop): its controller and scale, an error text, or None."""
    for finder in FINDERS:
        try:
            found = finder(view, ref, namespace)
        except SyncError as e:
            return str(e)
        if found is not None:
            return found
    return None


def pdb_pods(view, pdb: PodDisruptionBudget) -> list:
    """getPodsForPdb: the pods of the budget's namespace its selector
    selects (read through the label index); a nil selector selects none."""
    sel = pdb.spec.selector
    if sel is None:
        return []
    return view.objects_matching("Pod", pdb.metadata.namespace, sel)


def observe_disruption(view, key) -> DisruptionObs:
    namespace, name = key
    pdb = view.get(KIND, namespace, name)
    if pdb is None:
        return DisruptionObs(pdb=None)
    pods = tuple(pdb_pods(view, pdb))
    scales: dict = {}
    for pod in pods:
        ref = controller_of(pod.metadata)
        if ref is not None and ref.uid not in scales:
            scales[ref.uid] = find_controller(view, ref, namespace)
    return DisruptionObs(pdb=pdb, pods=pods, scales=FrozenDict(scales))


# ---------------------------------------------------------------- arithmetic


def get_expected_scale(pods: Sequence[Pod], scales) -> tuple[int, tuple[str, ...]]:
    """disruption.go getExpectedScale: Σ scale over the distinct controllers
    of the pods, and the names of pods without a controller. A controller
    that cannot be found is an error ("found no controllers for pod x").

    Example: 3 pods of a Deployment of 5 and 1 unmanaged pod → (5, ("solo",))."""
    controller_scale: dict[str, int] = {}
    unmanaged: list[str] = []
    for pod in pods:
        ref = controller_of(pod.metadata)
        if ref is None:
            unmanaged.append(pod.metadata.name)
            continue
        if ref.uid in controller_scale:
            continue
        found = scales.get(ref.uid)
        if isinstance(found, str):
            raise SyncError(found)
        if found is None:
            raise SyncError(f'found no controllers for pod "{pod.metadata.name}"')
        controller_scale[found.uid] = found.scale
    return sum(controller_scale.values()), tuple(unmanaged)


def get_expected_pod_count(pdb: PodDisruptionBudget, pods: Sequence[Pod], scales) -> tuple[int, int, tuple]:
    """disruption.go getExpectedPodCount: (expectedCount, desiredHealthy,
    unmanaged pods). maxUnavailable (int or percent, rounded up) counts from
    the controllers' scale: desired = max(0, expected − maxUnavailable). An
    integer minAvailable is used as is, against the number of selected
    pods; a percent minAvailable is taken of the scale, rounded up.

    Examples: maxUnavailable "30%" of scale 10 → (10, 7); minAvailable 2 of
    3 selected pods → (3, 2); minAvailable "50%" of scale 5 → (5, 3)."""
    s = pdb.spec
    if s.max_unavailable is not None:
        expected, unmanaged = get_expected_scale(pods, scales)
        max_unavailable = get_scaled_value_from_int_or_percent(s.max_unavailable, expected, True)
        return expected, max(0, expected - max_unavailable), unmanaged
    if s.min_available is not None:
        if isinstance(s.min_available, int):
            return len(pods), s.min_available, ()
        expected, unmanaged = get_expected_scale(pods, scales)
        return expected, get_scaled_value_from_int_or_percent(s.min_available, expected, True), unmanaged
    return 0, 0, ()


def build_disrupted_pod_map(pods: Sequence[Pod], pdb: PodDisruptionBudget,
                            now: int) -> tuple[FrozenDict, Optional[int], tuple[Pod, ...]]:
    """disruption.go buildDisruptedPodMap: the entries of status.disruptedPods
    whose pod still exists, is not being deleted, and whose eviction is
    younger than DeletionTimeout; the earliest expiry (when to recheck); and
    the pods whose entry expired (they get a NotDeleted event).

    Example: an eviction approved at 10 s of a pod not yet deleted → kept
    until 130 s (recheck at 130 s), dropped with NotDeleted after."""
    disrupted = pdb.status.disrupted_pods
    result: dict[str, int] = {}
    recheck: Optional[int] = None
    expired: list[Pod] = []
    if not disrupted:
        return EMPTY, None, ()
    for pod in pods:
        if pod.metadata.deletion_timestamp is not None:
            continue
        at = disrupted.get(pod.metadata.name)
        if at is None:
            continue
        expected_deletion = at + DELETION_TIMEOUT_MS
        if expected_deletion < now:
            expired.append(pod)
        else:
            if recheck is None or expected_deletion < recheck:
                recheck = expected_deletion
            result[pod.metadata.name] = at
    return FrozenDict(result), recheck, tuple(expired)


def count_healthy_pods(pods: Sequence[Pod], disrupted, now: int) -> int:
    """disruption.go countHealthyPods: Ready pods that are not being deleted
    and not about to be (an eviction approved within DeletionTimeout)."""
    n = 0
    for pod in pods:
        if pod.metadata.deletion_timestamp is not None:
            continue
        at = disrupted.get(pod.metadata.name)
        if at is not None and at + DELETION_TIMEOUT_MS > now:
            continue
        if is_pod_ready(pod):
            n += 1
    return n


def update_disruption_allowed_condition(status, now: int):
    """poddisruptionbudget helpers.go UpdateDisruptionAllowedCondition:
    True SufficientPods when disruptionsAllowed > 0, else False InsufficientPods."""
    ok = status.disruptions_allowed > 0
    cond = PDBCondition(DISRUPTION_ALLOWED, "True" if ok else "False", SUFFICIENT_PODS if ok else INSUFFICIENT_PODS,
                        observed_generation=status.observed_generation)
    return evolve(status, conditions=set_status_condition(status.conditions, cond, now))


def conditions_are_up_to_date(pdb: PodDisruptionBudget) -> bool:
    """poddisruptionbudget helpers.go ConditionsAreUpToDate."""
    st = pdb.status
    cond = find_status_condition(st.conditions, DISRUPTION_ALLOWED)
    if cond is None or st.observed_generation != pdb.metadata.generation:
        return False
    if st.disruptions_allowed > 0:
        return cond.status == "True" and cond.reason == SUFFICIENT_PODS
    return cond.status == "False" and cond.reason == INSUFFICIENT_PODS


def go_selector(sel) -> str:
    """A LabelSelector printed with Go's %v (its generated String())."""
    if sel is None:
        return "nil"
    labels = "".join(f"{k}: {sel.match_labels[k]}," for k in sorted(sel.match_labels))
    reqs = "".join(f"LabelSelectorRequirement{{Key:{r.key},Operator:{r.operator},Values:[{' '.join(r.values)}],}},"
                   for r in sel.match_expressions)
    return (f"&LabelSelector{{MatchLabels:map[string]string{{{labels}}},"
            f"MatchExpressions:[]LabelSelectorRequirement{{{reqs}}},}}")


def fail_safe(pdb: PodDisruptionBudget, message: str, now: int) -> tuple:
    """disruption.go failSafe: at least stop evictions (disruptionsAllowed 0,
    DisruptionAllowed False SyncFailed with the error)."""
    st = pdb.status
    cond = PDBCondition(DISRUPTION_ALLOWED, "False", SYNC_FAILED, message, observed_generation=st.observed_generation)
    new = evolve(st, disruptions_allowed=0, conditions=set_status_condition(st.conditions, cond, now))
    return () if new == st else (UpdateStatus(evolve(pdb, status=new)),)


def reconcile_disruption(obs: DisruptionObs, now: int) -> Result:
    """disruption.go sync / trySync / updatePdbStatus."""
    pdb = obs.pdb
    if pdb is None:
        return NOTHING
    pods = obs.pods
    ref = ref_of(pdb)
    actions: list = []
    if not pods:
        actions.append(RecordEvent(ref, "NoPods", "No matching pods found", "Normal", SOURCE))
    try:
        expected, desired, unmanaged = get_expected_pod_count(pdb, pods, obs.scales)
    except SyncError as e:
        actions.append(RecordEvent(ref, "CalculateExpectedPodCountFailed",
                                   f"Failed to calculate the number of expected pods: {e}", "Warning", SOURCE))
        return Result(tuple(actions) + fail_safe(pdb, str(e), now))
    if unmanaged:
        actions.append(RecordEvent(
            ref, "UnmanagedPods", f"Pods selected by this PodDisruptionBudget (selector: {go_selector(pdb.spec.selector)})"
            " were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which "
            'may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of '
            "the PDB to an integer value.", "Warning", SOURCE))
    disrupted, recheck, expired = build_disrupted_pod_map(pods, pdb, now)
    for pod in expired:
        # The Go message names the budget's namespace twice (pdb.Namespace, pdb.Namespace).
        actions.append(RecordEvent(ref_of(pod), "NotDeleted", "Pod was expected by PDB "
                                   f"{pdb.metadata.namespace}/{pdb.metadata.namespace} to be deleted but it wasn't",
                                   "Warning", SOURCE))
    current = count_healthy_pods(pods, disrupted, now)
    allowed = current - desired
    if expected <= 0 or allowed <= 0:
        allowed = 0
    st = pdb.status
    if not ((st.current_healthy, st.desired_healthy, st.expected_pods, st.disruptions_allowed) ==
            (current, desired, expected, allowed) and st.disrupted_pods == disrupted
            and st.observed_generation == pdb.metadata.generation and conditions_are_up_to_date(pdb)):
        new = evolve(st, current_healthy=current, desired_healthy=desired, expected_pods=expected,
                     disruptions_allowed=allowed, disrupted_pods=disrupted,
                     observed_generation=pdb.metadata.generation)
        actions.append(UpdateStatus(evolve(pdb, status=update_disruption_allowed_condition(new, now))))
    return Result(tuple(actions), requeue_after=None if recheck is None else max(recheck - now, 0))


# ---------------------------------------------------------------- watches


def pdbs_for_pod(view, pod) -> list:
    """pdbLister.GetPodPodDisruptionBudgets: the budgets of the pod's
    namespace whose selector selects it (a pod without labels has none; an
    empty selector selects every pod, a nil one none), by name. Reads the
    budgets of one namespace through the store's namespace index."""
    ns = pod.metadata.namespace
    if not pod.metadata.labels or not view.has_any(KIND, ns):
        return []
    return [p for p in view.list(KIND, ns)
            if p.spec.selector is not None and p.spec.selector.matches(pod.metadata.labels)]


def watch_self(old, new, view) -> Iterable:
    obj = new if new is not None else old
    return ((obj.metadata.namespace, obj.metadata.name),)


def watch_pods(old, new, view) -> Iterable:
    """addPod / updatePod / deletePod: the first budget selecting the pod
    (Kubernetes picks pdbs[0] and warns of the others)."""
    pod = new if new is not None else old
    pdbs = pdbs_for_pod(view, pod)
    return ((pdbs[0].metadata.namespace, pdbs[0].metadata.name),) if pdbs else ()


# ---------------------------------------------------------------- stale DisruptionTarget


def non_terminating_pod_has_stale_disruption_condition(pod, now: int) -> tuple[bool, int]:
    """disruption.go nonTerminatingPodHasStaleDisruptionCondition: a pod
    not being deleted, not terminal, whose DisruptionTarget is True (not
    set by the kubelet); and how long until it counts as stale (2 min after
    its lastTransitionTime)."""
    if pod.metadata.deletion_timestamp is not None:
        return False, 0
    cond = get_condition(pod.status.conditions, "DisruptionTarget")
    if (cond is None or cond.status != "True" or cond.reason == "TerminationByKubelet"
            or pod.status.phase in TERMINAL_PHASES):
        return False, 0
    since = cond.last_transition_time if cond.last_transition_time is not None else now
    return True, max(0, STALE_POD_DISRUPTION_TIMEOUT_MS - (now - since))


def watch_pods_stale(old, new, view) -> Iterable:
    if new is None:
        return ()
    conditions = new.status.conditions
    if conditions is _WITHOUT_TARGET[0]:
        return ()
    if get_condition(conditions, "DisruptionTarget") is None:
        _WITHOUT_TARGET[0] = conditions
        return ()
    return ((new.metadata.namespace, new.metadata.name),)


#: the last conditions tuple found without DisruptionTarget: pods written
#: alike share their conditions tuple (kinds/core.py _shared_part), so a
#: pod's change is mostly answered by its identity, not a walk (every pod
#: change calls this watch).
_WITHOUT_TARGET: list = [None]


def observe_stale(view, key):
    return view.get("Pod", key[0], key[1])


def reconcile_stale(pod, now: int) -> Result:
    """disruption.go syncStalePodDisruption: set the stale condition False."""
    if pod is None:
        return NOTHING
    stale, wait = non_terminating_pod_has_stale_disruption_condition(pod, now)
    if not stale:
        return NOTHING
    if wait > 0:
        return Result(requeue_after=wait)
    conds = set_condition(pod.status.conditions, Condition("DisruptionTarget", "False"), now)
    return Result((UpdateStatus(evolve(pod, status=evolve(pod.status, conditions=conds))),))


# ---------------------------------------------------------------- for the scheduler's preemption


def pdb_info(pdb: PodDisruptionBudget) -> PDBInfo:
    """What the scheduler's preemption reads of a budget (its pdbLister)."""
    return PDBInfo(namespace=pdb.metadata.namespace, selector=pdb.spec.selector,
                   disruptions_allowed=pdb.status.disruptions_allowed,
                   disrupted_pods=frozenset(pdb.status.disrupted_pods))


def pdb_infos(view, namespace: str) -> tuple:
    """The scheduler's PDB lister: the budgets of one namespace, sorted by name."""
    if not view.has_any(KIND, namespace):
        return ()
    return tuple(pdb_info(p) for p in view.list(KIND, namespace))


def filter_pods_with_pdb_violation(pods: Sequence[Pod],
                                   pdbs: Sequence[PodDisruptionBudget]) -> tuple[list[Pod], list[Pod]]:
    """pkg/scheduler/framework/preemption preemption.go
    filterPodsWithPDBViolation over budget objects: (violating,
    non-violating) pods in the order given; the walk itself is the
    scheduler's (scheduling.preemption), which the eviction checks share.

    Example: budget allows 1, pods a, b both selected → ([b], [a])."""
    return _filter_pods_with_pdb_violation(pods, [pdb_info(p) for p in pdbs])


def pdbs_for_pods(view, pods: Iterable[Pod]) -> list[PodDisruptionBudget]:
    """The budgets of the namespaces of `pods` (each namespace read once
    through the store's namespace index), sorted by namespace and name: what
    the scheduler's pdbLister.List gives preemption, narrowed to the
    namespaces that can matter."""
    out: list = []
    for ns in sorted({p.metadata.namespace for p in pods}):
        if view.has_any(KIND, ns):
            out.extend(view.list(KIND, ns))
    return out


def pdb_violating_pods(pods: Sequence[Pod], pdbs: Sequence[PodDisruptionBudget]) -> set[str]:
    """The uids of the pods filter_pods_with_pdb_violation calls violating."""
    return {p.metadata.uid for p in filter_pods_with_pdb_violation(pods, pdbs)[0]}
