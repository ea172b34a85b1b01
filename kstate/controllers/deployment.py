"""The Deployment controller: one pure step per call, in Kubernetes' order.

Owns: claiming ReplicaSets, the new ReplicaSet (name `<deployment>-<hash>`,
revision annotations), rolling updates, Recreate, proportional scaling,
pause/resume, rollback via the template, revision-history cleanup, status and
the Progressing/Available conditions with the progress deadline; and the
rollout lifecycle state (machines/deployment.py). Must not import engine/ or io/.

Decision order (deployment_controller.go syncDeployment): empty selector →
deleted → paused conditions → paused (scale only) → scaling event
(proportional scale) → strategy (Recreate / RollingUpdate). Each call returns
after the first write that changes the cluster, and is requeued to continue —
so every prefix of the rollout is a state Kubernetes would also pass through.

Kubernetes sources: pkg/controller/deployment/{deployment_controller.go,
sync.go, rolling.go, recreate.go, progress.go, rollback.go},
util/deployment_util.go (see deployment_util.py).
"""
from __future__ import annotations

from typing import Optional

import attrs

from kstate.controllers import deployment_util as du
from kstate.controllers.actions import NOTHING, Create, Delete, RecordEvent, Result, Update, UpdateStatus, ref_of
from kstate.controllers.replicaset import claim_pods  # same claim rules (controller_ref_manager.go)
from kstate.machines.deployment import TRIGGER_FOR
from kstate.resources.frozen import FrozenDict, evolve
from kstate.resources.meta import Condition, ObjectMeta, OwnerReference, controller_of, get_condition
from kstate.resources.pod import TERMINAL_PHASES
from kstate.resources.selector import LabelSelector
from kstate.resources.workloads import (
    ANN_DESIRED_REPLICAS, ANN_MAX_REPLICAS, ANN_REVISION, ANN_REVISION_HISTORY, LABEL_POD_TEMPLATE_HASH,
    Deployment, DeploymentStatus, ReplicaSet, ReplicaSetSpec, ReplicaSetStatus,
)

NAME = "deployment-controller"

#: deployment annotations never copied to its ReplicaSets (deployment_util.go annotationsToSkip).
ANNOTATIONS_TO_SKIP = frozenset({
    "kubectl.kubernetes.io/last-applied-configuration", ANN_REVISION, ANN_REVISION_HISTORY,
    ANN_DESIRED_REPLICAS, ANN_MAX_REPLICAS, "deprecated.deployment.rollback.to",
})


@attrs.frozen
class DeploymentObs:
    d: Optional[Deployment]
    rss: tuple = ()                    # ReplicaSets owned by d, or orphans matching its selector
    pods_by_rs: FrozenDict = FrozenDict()  # RS uid → its pods (for Recreate)


def observe_deployment(view, key) -> DeploymentObs:
    namespace, name = key
    d = view.get("Deployment", namespace, name)
    if d is None:
        return DeploymentObs(d=None)
    # rsLister.ReplicaSets(d.Namespace): owned ReplicaSets of this namespace only.
    rss = {rs.metadata.name: rs for rs in view.owned_by(d.metadata.uid, "ReplicaSet")
           if rs.metadata.namespace == namespace}
    if d.spec.selector is not None and not d.spec.selector.is_empty():
        for rs in view.objects_matching("ReplicaSet", namespace, d.spec.selector):
            rss.setdefault(rs.metadata.name, rs)
    ordered = tuple(rs for _, rs in sorted(rss.items()))
    pods = {}
    if d.spec.strategy.type == "Recreate":
        pods = {rs.metadata.uid: tuple(p for p in view.owned_by(rs.metadata.uid, "Pod")
                                       if p.metadata.namespace == namespace) for rs in ordered}
    return DeploymentObs(d=d, rss=ordered, pods_by_rs=FrozenDict(pods))


# -- ReplicaSet helpers


def _created_second(rs) -> tuple:
    """The creationTimestamp as the controller compares it: metav1.Time goes
    through the API as RFC 3339 with whole seconds, so RSs created within the
    same second are equal (kstate times are ms: floor to the second). A zero
    time (None) is before every set one."""
    t = rs.metadata.creation_timestamp
    return (0, 0) if t is None else (1, t // 1000)


def _creation_key(rs) -> tuple:
    """controller_utils.go ReplicaSetsByCreationTimestamp.Less as a sort key:
    older second first, then name ascending."""
    return (_created_second(rs), rs.metadata.name)


def _by_creation(rss) -> list:
    """ReplicaSetsByCreationTimestamp: oldest first (second resolution), then name."""
    return sorted(rss, key=_creation_key)


def _by_size_newer(rss) -> list:
    """controller_utils.go ReplicaSetsBySizeNewer: spec.replicas descending;
    equal sizes by ReplicaSetsByCreationTimestamp.Less(j, i), i.e. that whole
    order reversed: newer second first, and within the same second name
    DESCENDING."""
    return sorted(sorted(rss, key=_creation_key, reverse=True), key=lambda rs: -rs.spec.replicas)


def _by_size_older(rss) -> list:
    """controller_utils.go ReplicaSetsBySizeOlder: spec.replicas descending;
    equal sizes by ReplicaSetsByCreationTimestamp.Less(i, j): older second
    first, then name ascending."""
    return sorted(rss, key=lambda rs: (-rs.spec.replicas, _creation_key(rs)))


def filter_active(rss) -> list:
    return [rs for rs in rss if rs is not None and rs.spec.replicas > 0]


def find_new_replica_set(d: Deployment, rss) -> Optional[ReplicaSet]:
    """FindNewReplicaSet: the oldest RS whose template equals the deployment's
    (ignoring pod-template-hash)."""
    for rs in _by_creation(rss):
        if du.equal_ignore_hash(rs.spec.template, d.spec.template):
            return rs
    return None


def find_old_replica_sets(d: Deployment, rss, new_rs) -> list:
    return [rs for rs in rss if new_rs is None or rs.metadata.uid != new_rs.metadata.uid]


def find_active_or_latest(new_rs, old_rss) -> Optional[ReplicaSet]:
    """FindActiveOrLatest: the single active RS, or the newest when none is active."""
    if new_rs is None and not old_rss:
        return None
    old_sorted = sorted(old_rss, key=_creation_key, reverse=True)  # sort.Reverse(ReplicaSetsByCreationTimestamp)
    active = filter_active(old_rss + ([new_rs] if new_rs is not None else []))
    if len(active) == 0:
        return new_rs if new_rs is not None else old_sorted[0]
    if len(active) == 1:
        return active[0]
    return None


def replicas_annotations_need_update(rs, desired: int, max_replicas: int) -> bool:
    a = rs.metadata.annotations
    return a.get(ANN_DESIRED_REPLICAS) != str(desired) or a.get(ANN_MAX_REPLICAS) != str(max_replicas)


def scale_replica_set(d: Deployment, rs: ReplicaSet, new_scale: int, operation: str) -> tuple[list, ReplicaSet]:
    """scaleReplicaSet: set spec.replicas and the desired/max annotations; an
    event when the size changed. Returns (actions, the RS as written)."""
    size_changed = rs.spec.replicas != new_scale
    desired, mx = d.spec.replicas, d.spec.replicas + du.max_surge(d)
    if not size_changed and not replicas_annotations_need_update(rs, desired, mx):
        return [], rs
    ann = rs.metadata.annotations.set(ANN_DESIRED_REPLICAS, str(desired)).set(ANN_MAX_REPLICAS, str(mx))
    new = evolve(rs, metadata=evolve(rs.metadata, annotations=ann),
                       spec=evolve(rs.spec, replicas=new_scale))
    actions = [Update(new)]
    if size_changed:
        actions.append(RecordEvent(ref_of(d), "ScalingReplicaSet",
                                   f"Scaled {operation} replica set {rs.metadata.name} from {rs.spec.replicas} to "
                                   f"{new_scale}", "Normal", NAME))
    return actions, new


def scale_replica_set_and_record_event(d, rs, new_scale) -> tuple[list, ReplicaSet]:
    if rs.spec.replicas == new_scale:
        return [], rs
    return scale_replica_set(d, rs, new_scale, "up" if rs.spec.replicas < new_scale else "down")


# -- status


def calculate_status(d: Deployment, all_rss, new_rs, now: int) -> DeploymentStatus:
    """sync.go calculateStatus."""
    available = du.get_available_replica_count_for_replica_sets(all_rss)
    total = du.get_replica_count_for_replica_sets(all_rss)
    st = evolve(d.status, observed_generation=d.metadata.generation,
                      replicas=du.get_actual_replica_count_for_replica_sets(all_rss),
                      updated_replicas=du.get_actual_replica_count_for_replica_sets([new_rs]),
                      ready_replicas=du.get_ready_replica_count_for_replica_sets(all_rss),
                      available_replicas=available, unavailable_replicas=max(0, total - available))
    if available >= d.spec.replicas - du.max_unavailable(d):
        cond = du.new_condition("Available", "True", du.REASON_MIN_AVAILABLE, "Deployment has minimum availability.",
                                now)
    else:
        cond = du.new_condition("Available", "False", du.REASON_MIN_UNAVAILABLE,
                                "Deployment does not have minimum availability.", now)
    return evolve(st, conditions=du.set_deployment_condition(st.conditions, cond))


def rollout_state(d: Deployment, status: DeploymentStatus, new_rs) -> str:
    """The machine state the status says the rollout is in."""
    if d.spec.paused:
        return "Paused"
    cond = get_condition(status.conditions, "Progressing")
    if cond is not None and cond.reason == du.REASON_TIMED_OUT:
        return "Failed"
    if du.deployment_complete(d, status):
        return "Complete"
    if new_rs is not None and new_rs.metadata.annotations.get(ANN_REVISION_HISTORY):
        return "RollingBack"
    return "Progressing"


def _status_update(d: Deployment, status: DeploymentStatus, new_rs, now: int) -> list:
    state = rollout_state(d, status, new_rs)
    if state != d.status.state:
        status = evolve(status, state=state, state_since=now)
    if status == d.status:
        return []
    trigger = TRIGGER_FOR.get((d.status.state, status.state)) if status.state != d.status.state else None
    return [UpdateStatus(evolve(d, status=status), trigger)]


def sync_rollout_status(d: Deployment, all_rss, new_rs, now: int) -> Result:
    """progress.go syncRolloutStatus: status, Progressing condition (complete,
    progressing — lastUpdateTime refreshed —, timed out), and a requeue at the
    progress deadline (+1 s) while the rollout is stuck (requeueStuckDeployment)."""
    st = calculate_status(d, all_rss, new_rs, now)
    if not du.has_progress_deadline(d):
        st = evolve(st, conditions=tuple(c for c in st.conditions if c.type != "Progressing"))
    cur = get_condition(d.status.conditions, "Progressing")
    complete_already = st.replicas == st.updated_replicas and cur is not None and cur.reason == du.REASON_NEW_RS_AVAILABLE
    name = new_rs.metadata.name if new_rs is not None else ""
    if du.has_progress_deadline(d) and not complete_already:
        if du.deployment_complete(d, st):
            c = du.new_condition("Progressing", "True", du.REASON_NEW_RS_AVAILABLE,
                                 f'ReplicaSet "{name}" has successfully progressed.', now)
            st = evolve(st, conditions=du.set_deployment_condition(st.conditions, c))
        elif du.deployment_progressing(d, st):
            c = du.new_condition("Progressing", "True", du.REASON_RS_UPDATED, f'ReplicaSet "{name}" is progressing.',
                                 now)
            if cur is not None:
                if cur.status == "True":
                    c = evolve(c, last_transition_time=cur.last_transition_time)
                st = evolve(st, conditions=tuple(x for x in st.conditions if x.type != "Progressing"))
            st = evolve(st, conditions=du.set_deployment_condition(st.conditions, c))
        elif du.deployment_timed_out(d, st, now):
            c = du.new_condition("Progressing", "False", du.REASON_TIMED_OUT,
                                 f'ReplicaSet "{name}" has timed out progressing.', now)
            st = evolve(st, conditions=du.set_deployment_condition(st.conditions, c))
    # Move the replica sets' failure condition (a refused pod create) into the deployment's.
    failures = get_replica_failures(all_rss, new_rs)
    if failures:
        st = evolve(st, conditions=du.set_deployment_condition(st.conditions, failures[0]))
    elif get_condition(st.conditions, "ReplicaFailure") is not None:
        st = evolve(st, conditions=tuple(c for c in st.conditions if c.type != "ReplicaFailure"))
    return Result(tuple(_status_update(d, st, new_rs, now)), requeue_after=requeue_stuck_deployment(d, st, now))


def get_replica_failures(all_rss, new_rs) -> list:
    """progress.go getReplicaFailures: the new replica set's ReplicaFailure
    conditions, else those of all replica sets, each as a deployment
    condition (ReplicaSetToDeploymentCondition: lastUpdateTime = the
    lastTransitionTime)."""
    def of(rs) -> list:
        return [Condition("ReplicaFailure", c.status, c.reason, c.message, last_transition_time=c.last_transition_time,
                          last_update_time=c.last_transition_time)
                for c in rs.status.conditions if c.type == "ReplicaFailure"]
    out = of(new_rs) if new_rs is not None else []
    if out:
        return out
    for rs in all_rss:
        if rs is not None:
            out.extend(of(rs))
    return out


def requeue_stuck_deployment(d: Deployment, st: DeploymentStatus, now: int) -> Optional[int]:
    """requeueStuckDeployment: wake up when the deadline passes (+1 s, since
    the timeout test is strict). With less than a second left Kubernetes
    re-enqueues through the rate limiter (5 ms, 10 ms, … — never at once);
    kstate wakes 1 ms after the deadline, the first instant the strict test
    `lastUpdate + deadline < now` holds, so simulated time always advances.

    Example: deadline 10 s, last progress at 0, synced at 9.5 s → requeue
    after 501 ms (at 10.001 s, when it times out)."""
    cur = get_condition(st.conditions, "Progressing")
    if not du.has_progress_deadline(d) or cur is None or d.spec.paused:
        return None
    if cur.reason in (du.REASON_NEW_RS_AVAILABLE, du.REASON_TIMED_OUT):
        return None
    if du.deployment_complete(d, st):
        return None
    last = cur.last_update_time if cur.last_update_time is not None else cur.last_transition_time
    after = last + d.spec.progress_deadline_seconds * 1000 - now
    return max(after, 0) + 1 if after < 1000 else after + 1000


# -- the new ReplicaSet


MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000  # sync.go maxRevHistoryLengthInChars


def new_rs_annotations(d: Deployment, new_revision: int, rs_annotations: FrozenDict,
                       exists: bool = False) -> FrozenDict:
    """SetNewReplicaSetAnnotations: copy the deployment's annotations (minus
    the skip list), set the revision and, when an old revision is re-used by a
    rollback, append it to revision-history (oldest entries dropped past 2000
    characters); the desired/max-replicas annotations only on creation.

    Example: an RS at revision 2 re-used as revision 5 gets revision "5" and
    revision-history "2" (or "1,2" if it already had "1")."""
    ann = dict(rs_annotations)
    for k, v in d.metadata.annotations.items():
        if k not in ANNOTATIONS_TO_SKIP:
            ann[k] = v
    old = ann.get(ANN_REVISION)
    old_n = int(old) if old is not None and old.isdigit() else 0
    if old is None or old_n < new_revision:
        ann[ANN_REVISION] = str(new_revision)
        if old:
            hist = ann.get(ANN_REVISION_HISTORY)
            entries = (hist.split(",") if hist else []) + [old]
            while len(",".join(entries)) > MAX_REV_HISTORY_LENGTH_IN_CHARS and len(entries) > 1:
                entries.pop(0)
            ann[ANN_REVISION_HISTORY] = ",".join(entries)
    if not exists:
        ann[ANN_DESIRED_REPLICAS] = str(d.spec.replicas)
        ann[ANN_MAX_REPLICAS] = str(d.spec.replicas + du.max_surge(d))
    return FrozenDict(ann)


def _selector_with_hash(sel: LabelSelector, h: str) -> LabelSelector:
    return evolve(sel, match_labels=sel.match_labels.set(LABEL_POD_TEMPLATE_HASH, h))


def build_new_replica_set(d: Deployment, old_rss, now: int) -> tuple[ReplicaSet, str]:
    h = du.compute_hash(d.spec.template, d.status.collision_count)
    t = d.spec.template
    template = evolve(t, metadata=evolve(t.metadata, labels=t.metadata.labels.set(LABEL_POD_TEMPLATE_HASH, h)))
    new_revision = du.max_revision(old_rss) + 1
    meta = ObjectMeta(name=f"{d.metadata.name}-{h}", namespace=d.metadata.namespace,
                      labels=template.metadata.labels,
                      annotations=new_rs_annotations(d, new_revision, FrozenDict(), exists=False),
                      owner_references=(OwnerReference(api_version="apps/v1", kind="Deployment", name=d.metadata.name,
                                                       uid=d.metadata.uid, controller=True, block_owner_deletion=True),))
    rs = ReplicaSet(metadata=meta, spec=ReplicaSetSpec(selector=_selector_with_hash(d.spec.selector, h),
                                                       template=template, replicas=0,
                                                       min_ready_seconds=d.spec.min_ready_seconds),
                    status=ReplicaSetStatus())
    all_rss = list(old_rss) + [rs]
    return evolve(rs, spec=evolve(rs.spec, replicas=du.new_rs_new_replicas(d, all_rss, rs))), h


def get_new_replica_set(d: Deployment, rss, new_rs, old_rss, create: bool, now: int) -> Optional[Result]:
    """sync.go getNewReplicaSet as a step: bring an existing new RS's revision
    annotations and minReadySeconds up to date, or create it. Returns a Result
    when it wrote something (the caller returns it), else None."""
    max_old = du.max_revision(old_rss)
    new_revision = max_old + 1
    if new_rs is not None:
        ann = new_rs_annotations(d, new_revision, new_rs.metadata.annotations, exists=True)
        changes = {}
        if ann != new_rs.metadata.annotations:
            changes["metadata"] = evolve(new_rs.metadata, annotations=ann)
        if new_rs.spec.min_ready_seconds != d.spec.min_ready_seconds:
            changes["spec"] = evolve(new_rs.spec, min_ready_seconds=d.spec.min_ready_seconds)
        actions = []
        if changes:
            actions.append(Update(evolve(new_rs, **changes)))
        rev = (changes.get("metadata") or new_rs.metadata).annotations.get(ANN_REVISION)
        if rev is not None and d.metadata.annotations.get(ANN_REVISION) != rev:
            actions.append(Update(evolve(d, metadata=evolve(
                d.metadata, annotations=d.metadata.annotations.set(ANN_REVISION, rev)))))
        cond = get_condition(d.status.conditions, "Progressing")
        if du.has_progress_deadline(d) and cond is None:
            c = du.new_condition("Progressing", "True", du.REASON_FOUND_NEW_RS,
                                 f'Found new replica set "{new_rs.metadata.name}"', now)
            st = evolve(d.status, conditions=du.set_deployment_condition(d.status.conditions, c))
            actions.extend(_status_update(d, st, new_rs, now))
        return Result(tuple(actions)) if actions else None
    if not create:
        return None
    rs, h = build_new_replica_set(d, old_rss, now)
    existing = next((x for x in rss if x.metadata.name == rs.metadata.name), None)
    if existing is not None:
        # Hash collision (sync.go): a different RS already has this name.
        count = (d.status.collision_count or 0) + 1
        st = evolve(d.status, collision_count=count)
        return Result(tuple(_status_update(d, st, None, now)), requeue_after=0)
    actions: list = [Create(rs)]
    if rs.spec.replicas > 0:
        actions.append(RecordEvent(ref_of(d), "ScalingReplicaSet",
                                   f"Scaled up replica set {rs.metadata.name} from 0 to {rs.spec.replicas}",
                                   "Normal", NAME))
    actions.append(Update(evolve(d, metadata=evolve(
        d.metadata, annotations=d.metadata.annotations.set(ANN_REVISION, rs.metadata.annotations[ANN_REVISION])))))
    if du.has_progress_deadline(d):
        c = du.new_condition("Progressing", "True", du.REASON_NEW_RS_CREATED,
                             f'Created new replica set "{rs.metadata.name}"', now)
        st = evolve(d.status, conditions=du.set_deployment_condition(d.status.conditions, c))
        actions.extend(_status_update(d, st, rs, now))
    return Result(tuple(actions))


# -- cleanup


def cleanup_deployment(d: Deployment, old_rss) -> list:
    """sync.go cleanupDeployment: keep revisionHistoryLimit old RSs; delete
    only empty, fully observed ones among the oldest; others still take a slot."""
    if d.spec.revision_history_limit is None or d.spec.revision_history_limit == du.MAX_INT32:
        return []
    alive = [rs for rs in old_rss if rs.metadata.deletion_timestamp is None]
    diff = len(alive) - d.spec.revision_history_limit
    if diff <= 0:
        return []
    alive.sort(key=lambda rs: (du.revision(rs), _creation_key(rs)))
    out = []
    for rs in alive[:diff]:
        if rs.status.replicas != 0 or rs.spec.replicas != 0 or rs.status.observed_generation < rs.metadata.generation:
            continue
        out.append(Delete("ReplicaSet", rs.metadata.namespace, rs.metadata.name, rs.metadata.uid))
    return out


# -- scaling (sync.go scale)


def is_scaling_event(d: Deployment, rss) -> bool:
    """isScalingEvent: an active RS whose desired-replicas annotation differs from spec.replicas."""
    for rs in filter_active(rss):
        desired = du.get_non_negative_int32_annotation(rs, ANN_DESIRED_REPLICAS)
        if desired is not None and desired != d.spec.replicas:
            return True
    return False


def scale(d: Deployment, new_rs, old_rss) -> list:
    """sync.go scale: proportional scaling across active RSs (see deployment_util.get_proportion)."""
    latest = find_active_or_latest(new_rs, old_rss)
    if latest is not None:
        if latest.spec.replicas == d.spec.replicas:
            return []
        return scale_replica_set_and_record_event(d, latest, d.spec.replicas)[0]
    if du.is_saturated(d, new_rs):
        out = []
        for rs in filter_active(old_rss):
            out.extend(scale_replica_set_and_record_event(d, rs, 0)[0])
        return out
    if not du.is_rolling_update(d):
        return []
    all_rss = filter_active(old_rss + ([new_rs] if new_rs is not None else []))
    total = du.get_replica_count_for_replica_sets(all_rss)
    allowed = d.spec.replicas + du.max_surge(d) if d.spec.replicas > 0 else 0
    to_add = allowed - total
    if to_add > 0:
        all_rss = _by_size_newer(all_rss)
        op = "up"
    elif to_add < 0:
        all_rss = _by_size_older(all_rss)
        op = "down"
    else:
        op = ""
    added = 0
    sizes = {}
    for rs in all_rss:
        if to_add != 0:
            p = du.get_proportion(rs, d, to_add, added)
            sizes[rs.metadata.name] = rs.spec.replicas + p
            added += p
        else:
            sizes[rs.metadata.name] = rs.spec.replicas
    out = []
    for i, rs in enumerate(all_rss):
        if i == 0 and to_add != 0:
            sizes[rs.metadata.name] = max(0, sizes[rs.metadata.name] + to_add - added)
        out.extend(scale_replica_set(d, rs, sizes[rs.metadata.name], op)[0])
    return out


# -- rolling update (rolling.go)


def reconcile_new_replica_set(d: Deployment, all_rss, new_rs) -> list:
    if new_rs.spec.replicas == d.spec.replicas:
        return []
    if new_rs.spec.replicas > d.spec.replicas:
        return scale_replica_set_and_record_event(d, new_rs, d.spec.replicas)[0]
    return scale_replica_set_and_record_event(d, new_rs, du.new_rs_new_replicas(d, all_rss, new_rs))[0]


def cleanup_unhealthy_replicas(d: Deployment, old_rss, max_cleanup: int) -> tuple[list, list, int]:
    """cleanupUnhealthyReplicas: scale down old RSs' unavailable pods first,
    oldest RS first, at most `max_cleanup` in total."""
    actions, out, total = [], [], 0
    for rs in _by_creation(old_rss):
        if total >= max_cleanup or rs.spec.replicas == 0 or rs.spec.replicas == rs.status.available_replicas:
            out.append(rs)
            continue
        n = min(max_cleanup - total, rs.spec.replicas - rs.status.available_replicas)
        acts, rs2 = scale_replica_set(d, rs, rs.spec.replicas - n, "down")
        actions.extend(acts)
        out.append(rs2)
        total += n
    return actions, out, total


def scale_down_old_replica_sets_for_rolling_update(d: Deployment, all_rss, old_rss) -> tuple[list, int]:
    """scaleDownOldReplicaSetsForRollingUpdate: keep replicas − maxUnavailable
    available; remove the surplus from old RSs, oldest first."""
    min_available = d.spec.replicas - du.max_unavailable(d)
    available = du.get_available_replica_count_for_replica_sets(all_rss)
    if available <= min_available:
        return [], 0
    to_remove = available - min_available
    actions, total = [], 0
    for rs in _by_creation(old_rss):
        if total >= to_remove:
            break
        if rs.spec.replicas == 0:
            continue
        n = min(rs.spec.replicas, to_remove - total)
        actions.extend(scale_replica_set(d, rs, rs.spec.replicas - n, "down")[0])
        total += n
    return actions, total


def reconcile_old_replica_sets(d: Deployment, all_rss, old_rss, new_rs) -> list:
    """reconcileOldReplicaSets. Example (10 replicas, 25 %/25 %: surge 3,
    unavailable 2): all 13, min available 8, new RS 3 of which 0 available →
    maxScaledDown = 13 − 8 − 3 = 2."""
    old_active = filter_active(old_rss)
    if du.get_replica_count_for_replica_sets(old_active) == 0:
        return []
    all_count = du.get_replica_count_for_replica_sets(all_rss)
    min_available = d.spec.replicas - du.max_unavailable(d)
    new_unavailable = new_rs.spec.replicas - new_rs.status.available_replicas
    max_scaled_down = all_count - min_available - new_unavailable
    if max_scaled_down <= 0:
        return []
    actions, old_after, _ = cleanup_unhealthy_replicas(d, old_active, max_scaled_down)
    more, _ = scale_down_old_replica_sets_for_rolling_update(d, old_after + [new_rs], old_after)
    return actions + more


def _then_status(acts: list, status: Result) -> Result:
    """A scaling step followed by syncRolloutStatus, as rolling.go/recreate.go do."""
    return Result(tuple(acts) + status.actions, requeue_after=0)


def get_all_replica_sets(d: Deployment, obs: DeploymentObs) -> tuple[list, Optional[ReplicaSet], list]:
    """getAllReplicaSetsAndSyncRevision's read half: (all, new, old)."""
    rss = list(obs.rss)
    new_rs = find_new_replica_set(d, rss)
    return rss, new_rs, find_old_replica_sets(d, rss, new_rs)


def _finish_rollout(d: Deployment, all_rss, new_rs, old_rss, now: int) -> Result:
    """The tail of rolloutRolling/rolloutRecreate: once complete, clean up the
    revision history; then syncRolloutStatus."""
    if du.deployment_complete(d, calculate_status(d, all_rss, new_rs, now)):
        acts = cleanup_deployment(d, old_rss)
        if acts:
            return Result(tuple(acts), requeue_after=0)
    return sync_rollout_status(d, all_rss, new_rs, now)


def rollout_rolling(d: Deployment, obs: DeploymentObs, now: int) -> Result:
    rss, new_rs, old_rss = get_all_replica_sets(d, obs)
    step = get_new_replica_set(d, rss, new_rs, old_rss, True, now)
    if step is not None:
        return step
    all_rss = old_rss + [new_rs]
    acts = reconcile_new_replica_set(d, all_rss, new_rs) or reconcile_old_replica_sets(d, all_rss, old_rss, new_rs)
    if acts:
        return _then_status(acts, sync_rollout_status(d, all_rss, new_rs, now))
    return _finish_rollout(d, all_rss, new_rs, old_rss, now)


# -- Recreate (recreate.go)


def old_pods_running(new_rs, old_rss, pods_by_rs) -> bool:
    """oldPodsRunning: any old RS reports pods, or any pod of an old RS is not terminal."""
    if du.get_actual_replica_count_for_replica_sets(old_rss) > 0:
        return True
    for rs in old_rss:
        for p in pods_by_rs.get(rs.metadata.uid, ()):
            if p.status.phase not in TERMINAL_PHASES:
                return True
    return False


def rollout_recreate(d: Deployment, obs: DeploymentObs, now: int) -> Result:
    rss, new_rs, old_rss = get_all_replica_sets(d, obs)
    step = get_new_replica_set(d, rss, new_rs, old_rss, False, now)
    if step is not None:
        return step
    all_rss = old_rss + ([new_rs] if new_rs else [])
    acts = []
    for rs in filter_active(old_rss):
        acts.extend(scale_replica_set_and_record_event(d, rs, 0)[0])
    if acts:
        return _then_status(acts, sync_rollout_status(d, all_rss, new_rs, now))
    if old_pods_running(new_rs, old_rss, obs.pods_by_rs):
        return sync_rollout_status(d, all_rss, new_rs, now)
    if new_rs is None:
        step = get_new_replica_set(d, rss, None, old_rss, True, now)
        if step is not None:
            return step
    if new_rs is not None and new_rs.spec.replicas != d.spec.replicas:
        acts = scale_replica_set_and_record_event(d, new_rs, d.spec.replicas)[0]
        return _then_status(acts, sync_rollout_status(d, all_rss, new_rs, now))
    return _finish_rollout(d, all_rss, new_rs, old_rss, now)


# -- paused / scaling: sync.go sync


def sync(d: Deployment, obs: DeploymentObs, now: int) -> Result:
    rss, new_rs, old_rss = get_all_replica_sets(d, obs)
    step = get_new_replica_set(d, rss, new_rs, old_rss, False, now)
    if step is not None:
        return step
    acts = scale(d, new_rs, old_rss)
    if d.spec.paused:
        acts = acts + cleanup_deployment(d, old_rss)
    all_rss = old_rss + ([new_rs] if new_rs else [])
    st = calculate_status(d, all_rss, new_rs, now)       # syncDeploymentStatus
    return Result(tuple(acts) + tuple(_status_update(d, st, new_rs, now)), requeue_after=0 if acts else None)


def check_paused_conditions(d: Deployment, now: int) -> list:
    """checkPausedConditions: Progressing Unknown DeploymentPaused / DeploymentResumed,
    never over ProgressDeadlineExceeded."""
    if not du.has_progress_deadline(d):
        return []
    cond = get_condition(d.status.conditions, "Progressing")
    if cond is not None and cond.reason == du.REASON_TIMED_OUT:
        return []
    paused_exists = cond is not None and cond.reason == du.REASON_PAUSED
    if d.spec.paused and not paused_exists:
        c = du.new_condition("Progressing", "Unknown", du.REASON_PAUSED, "Deployment is paused", now)
    elif not d.spec.paused and paused_exists:
        c = du.new_condition("Progressing", "Unknown", du.REASON_RESUMED, "Deployment is resumed", now)
    else:
        return []
    st = evolve(d.status, conditions=du.set_deployment_condition(d.status.conditions, c))
    return [UpdateStatus(evolve(d, status=st), None)] if st != d.status else []


def _claim_replica_sets(d: Deployment, rss) -> tuple[list, list]:
    return claim_pods(d, d.spec.selector, rss)


def reconcile_deployment(obs: DeploymentObs, now: int) -> Result:
    d = obs.d
    if d is None:
        return NOTHING
    if d.spec.selector is None or d.spec.selector.is_empty():
        acts = [RecordEvent(ref_of(d), "SelectingAll", "This deployment is selecting all pods. A non-empty selector "
                            "is required.", "Warning", NAME)]
        if d.status.observed_generation < d.metadata.generation:
            acts.append(UpdateStatus(evolve(d, status=evolve(
                d.status, observed_generation=d.metadata.generation))))
        return Result(tuple(acts))
    rss, claim_actions = _claim_replica_sets(d, obs.rss)
    if claim_actions:
        return Result(tuple(claim_actions), requeue_after=0)
    obs = evolve(obs, rss=tuple(rss))
    if d.metadata.deletion_timestamp is not None:
        new_rs = find_new_replica_set(d, rss)
        old = find_old_replica_sets(d, rss, new_rs)
        st = calculate_status(d, old + ([new_rs] if new_rs else []), new_rs, now)
        return Result(tuple(_status_update(d, st, new_rs, now)))  # syncStatusOnly
    paused = check_paused_conditions(d, now)
    if paused:
        return Result(tuple(paused), requeue_after=0)
    if d.spec.paused:
        return sync(d, obs, now)
    if is_scaling_event(d, rss):
        return sync(d, obs, now)
    if d.spec.strategy.type == "Recreate":
        return rollout_recreate(d, obs, now)
    return rollout_rolling(d, obs, now)


# -- watches (deployment_controller.go addReplicaSet/updateReplicaSet/deleteReplicaSet/deletePod)
# Each map returns a tuple of keys (empty for most changes): it runs on every
# change of its kind, so it exits early.

def watch_self(old, new, view) -> tuple:
    m = (new if new is not None else old).metadata
    return ((m.namespace, m.name),)


def watch_replica_sets(old, new, view) -> tuple:
    """The controlling Deployment of the RS; for an orphan RS, every
    Deployment whose selector matches it."""
    m = (new if new is not None else old).metadata
    out = []
    for rs in (old, new):
        if rs is None:
            continue
        ref = controller_of(rs.metadata)
        if ref is not None:
            if ref.kind == "Deployment":
                out.append((m.namespace, ref.name))
        elif new is not None and view.has_any("Deployment", m.namespace):
            for d in view.list("Deployment", m.namespace):
                if d.spec.selector is not None and d.spec.selector.matches(rs.metadata.labels):
                    out.append((m.namespace, d.metadata.name))
    return tuple(out)


def watch_pods(old, new, view) -> tuple:
    """A deleted pod wakes its ReplicaSet's Deployment (Recreate waits for old pods)."""
    if new is not None or old is None:
        return ()
    ref = controller_of(old.metadata)
    if ref is None or ref.kind not in ("ReplicaSet", "ReplicationController"):
        return ()
    rs = view.get(ref.kind, old.metadata.namespace, ref.name)
    dref = controller_of(rs.metadata) if rs is not None else None
    if dref is not None and dref.kind == "Deployment":
        return ((old.metadata.namespace, dref.name),)
    return ()
