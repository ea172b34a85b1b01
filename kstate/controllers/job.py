"""The Job controller and the TTL-after-finished controller.

Owns: one Job sync as syncJob does it — claiming pods, counting newly
finished pods once (by uid), the pod-failure back-off record, startTime,
the failure checks (backoffLimit with restartPolicy Never, container restarts
with OnFailure, activeDeadlineSeconds), manageJob (suspend, wantActive,
surplus deletion in ActivePods order, creation in slow-start batches of at
most 500, Indexed completion indexes), the interim FailureTarget /
SuccessCriteriaMet conditions and the terminal Complete / Failed only once no
pod is terminating; and deleting finished Jobs after ttlSecondsAfterFinished.
Must not import engine/ or io/.

Kubernetes sources: pkg/controller/job/job_controller.go (syncJob,
manageJob, activePodsForRemoval, pastActiveDeadline, pastBackoffLimitOnFailure,
trackJobStatusAndRemoveFinalizers, enactJobFinished, newSuccessCondition,
newFailureCondition, ensureJobConditionStatus, isPodFailed, deleteJobPods,
deleteActivePods), indexed_job_utils.go (calculateSucceededIndexes,
firstPendingIndexes, appendDuplicatedIndexPodsForRemoval, orderedIntervals
String), backoff_utils.go (newBackoffRecord, getFinishedTime,
getRemainingTimeForFailuresCount), pkg/controller/controller_utils.go
(ActivePods.Less), pkg/controller/ttlafterfinished/ttlafterfinished_controller.go
(processJob, needsCleanup, timeLeft).

Modelling differences (documented, not hidden):
  * kube tracks finished pods with the `batch.kubernetes.io/job-tracking`
    finalizer and status.uncountedTerminatedPods; kstate keeps the uids it
    has accounted for in the internal `status.counted` (pods the controller
    itself removed on suspend or scale-down are marked counted without
    counting, as removing their finalizer first does in deleteJobPods);
  * the back-off record lives in kstate-internal status fields rather than
    the controller's in-memory backoffStore;
  * pod events enqueue the Job at once (kube batches them by 1 s,
    syncJobBatchPeriod);
  * podFailurePolicy, successPolicy and backoffLimitPerIndex are decoded and
    kept but not acted on; Indexed pods get no JOB_COMPLETION_INDEX env var.
"""
from __future__ import annotations

import functools
from typing import Optional

import attrs

from kstate.controllers.view import controller_keys
from kstate.controllers.actions import NOTHING, Create, Delete, RecordEvent, Result, UpdateStatus, ref_of
from kstate.controllers.replicaset import claim_pods, owner_reference
from kstate.machines.job import TRIGGER_FOR
from kstate.resources.batch import (
    ANN_COMPLETION_INDEX, INDEXED, LABEL_COMPLETION_INDEX, Job, JobStatus,
)
from kstate.resources.frozen import FrozenDict, evolve
from kstate.resources.meta import Condition, ObjectMeta, controller_of, get_condition
from kstate.resources.pod import Pod, PodStatus, is_pod_active, is_pod_ready

NAME = "job-controller"
TTL_NAME = "ttl-after-finished-controller"
#: job_controller.go MaxPodCreateDeletePerSync.
MAX_POD_CREATE_DELETE_PER_SYNC = 500
#: job_controller.go DefaultJobPodFailureBackOff / MaxJobPodFailureBackOff (ms).
DEFAULT_POD_FAILURE_BACKOFF = 10_000
MAX_POD_FAILURE_BACKOFF = 600_000

REASON_BACKOFF_LIMIT = "BackoffLimitExceeded"
REASON_DEADLINE = "DeadlineExceeded"
REASON_COMPLETIONS = "CompletionsReached"
MSG_BACKOFF_LIMIT = "Job has reached the specified backoff limit"
MSG_DEADLINE = "Job was active longer than specified deadline"
MSG_COMPLETIONS = "Reached expected number of succeeded pods"


@attrs.frozen
class JobObs:
    job: Optional[Job]
    pods: tuple = ()


def observe_job(view, key) -> JobObs:
    _, namespace, name = key
    job = view.get("Job", namespace, name)
    if job is None:
        return JobObs(job=None)
    pods = {p.metadata.name: p for p in view.owned_by(job.metadata.uid, "Pod")}
    if job.spec.manual_selector and job.spec.selector is not None:
        for p in view.objects_matching("Pod", namespace, job.spec.selector):
            pods.setdefault(p.metadata.name, p)
    return JobObs(job=job, pods=tuple(p for _, p in sorted(pods.items())))


# ------------------------------------------------------------------ helpers


def is_finished(job: Job) -> bool:
    """IsJobFinished: a Complete or Failed condition with status True."""
    return any(c.type in ("Complete", "Failed") and c.status == "True" for c in job.status.conditions)


def only_replace_failed_pods(job: Job) -> bool:
    """onlyReplaceFailedPods: podReplacementPolicy Failed, or a podFailurePolicy."""
    return job.spec.pod_replacement_policy == "Failed" or job.spec.pod_failure_policy is not None


def is_pod_failed(p: Pod, job: Job) -> bool:
    """isPodFailed: phase Failed; unless only failed pods are replaced, a
    deleted pod that has not succeeded counts as failed too."""
    if p.status.phase == "Failed":
        return True
    if only_replace_failed_pods(job):
        return False
    return p.metadata.deletion_timestamp is not None and p.status.phase != "Succeeded"


def finished_time(p: Pod) -> int:
    """backoff_utils.go getFinishedTime: the latest finishedAt when every
    container has terminated; else the Ready=False transition time; else
    deletionTimestamp − grace period; else the creation time."""
    latest = None
    statuses = p.status.container_statuses
    if statuses:
        for s in statuses:
            if s.state.kind != "terminated" or s.state.finished_at is None:
                latest = None
                break
            latest = s.state.finished_at if latest is None else max(latest, s.state.finished_at)
        if latest is not None:
            return latest
    c = get_condition(p.status.conditions, "Ready")
    if c is not None and c.status == "False" and c.last_transition_time is not None:
        return c.last_transition_time
    m = p.metadata
    if m.deletion_timestamp is not None:
        return m.deletion_timestamp - (m.deletion_grace_period_seconds or 0) * 1000
    return m.creation_timestamp or 0


def new_backoff_record(failures: int, last_failure: Optional[int], new_succeeded, new_failed
                       ) -> tuple[int, Optional[int]]:
    """backoff_utils.go newBackoffRecord: (failuresAfterLastSuccess,
    lastFailureTime) after this sync's newly finished pods. A new success
    resets the count to the failures that finished after the last success."""
    succ = sorted(finished_time(p) for p in new_succeeded)
    fail = sorted(finished_time(p) for p in new_failed)
    if not succ:
        if not fail:
            return failures, last_failure
        return failures + len(fail), fail[-1]
    failures, last_failure = 0, None
    for t in reversed(fail):
        if not t > succ[-1]:
            break
        if last_failure is None:
            last_failure = t
        failures += 1
    return failures, last_failure


def remaining_backoff(failures: int, last_failure: Optional[int], now: int,
                      default: int = DEFAULT_POD_FAILURE_BACKOFF, cap: int = MAX_POD_FAILURE_BACKOFF) -> int:
    """getRemainingTimeForFailuresCount: 10 s doubling per failure after the
    first, capped at 10 min, minus the time since the last failure (ms).

    Example: 3 failures, last one 5 s ago → 40 s − 5 s = 35 s.
    """
    if failures == 0 or last_failure is None:
        return 0
    d = default
    for _ in range(1, failures):
        d *= 2
        if d >= cap:
            d = cap
            break
    elapsed = now - last_failure
    return 0 if d < elapsed else d - elapsed


def past_backoff_limit_on_failure(job: Job, pods) -> bool:
    """pastBackoffLimitOnFailure: with restartPolicy OnFailure, the restarts
    of all (init and regular) containers of Running or Pending pods reach
    backoffLimit (any restart when it is 0)."""
    if job.spec.template.spec is None or job.spec.template.spec.restart_policy != "OnFailure":
        return False
    total = 0
    for p in pods:
        if p.status.phase in ("Running", "Pending"):
            total += sum(s.restart_count for s in p.status.init_container_statuses)
            total += sum(s.restart_count for s in p.status.container_statuses)
    limit = job.spec.backoff_limit or 0
    return total > 0 if limit == 0 else total >= limit


def past_active_deadline(job: Job, now: int) -> bool:
    """pastActiveDeadline: activeDeadlineSeconds elapsed since startTime
    (never while suspended)."""
    ads, start = job.spec.active_deadline_seconds, job.status.start_time
    if ads is None or start is None or job.spec.suspend:
        return False
    return now - start >= ads * 1000


_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}


def _ready_time(p: Pod) -> Optional[int]:
    c = get_condition(p.status.conditions, "Ready")
    return c.last_transition_time if c is not None and c.status == "True" else None


def _after_or_zero(t1: Optional[int], t2: Optional[int]) -> bool:
    """controller_utils.go afterOrZero: zero sorts first, else the later."""
    if t1 is None or t2 is None:
        return t1 is None
    return t1 > t2


def active_pods_less(a: Pod, b: Pod) -> bool:
    """controller_utils.go ActivePods.Less (the plain order, no ranks): True
    when `a` is removed before `b`: unassigned; Pending < Unknown < Running;
    not ready; ready more recently; more restarts; newer. Times compare at
    whole seconds, as metav1.Time does."""
    na, nb = a.spec.node_name, b.spec.node_name
    if na != nb and (not na or not nb):
        return not na
    pa, pb = _PHASE_ORDINAL.get(a.status.phase, 0), _PHASE_ORDINAL.get(b.status.phase, 0)
    if pa != pb:
        return pa < pb
    ra, rb = is_pod_ready(a), is_pod_ready(b)
    if ra != rb:
        return not ra
    if ra and rb:
        t1, t2 = _sec(_ready_time(a)), _sec(_ready_time(b))
        if t1 != t2:
            return _after_or_zero(t1, t2)
    ca = max((s.restart_count for s in a.status.container_statuses), default=0)
    cb = max((s.restart_count for s in b.status.container_statuses), default=0)
    if ca != cb:
        return ca > cb
    t1, t2 = _sec(a.metadata.creation_timestamp), _sec(b.metadata.creation_timestamp)
    if t1 != t2:
        return _after_or_zero(t1, t2)
    return False


def _sec(t: Optional[int]) -> Optional[int]:
    return None if t is None else t // 1000 * 1000


def _sort_active(pods) -> list:
    def cmp(x, y) -> int:
        return -1 if active_pods_less(x, y) else (1 if active_pods_less(y, x) else 0)
    return sorted(pods, key=functools.cmp_to_key(cmp))


def completion_index(p: Pod) -> Optional[int]:
    """getCompletionIndex: the annotation as a non-negative integer, else None."""
    v = p.metadata.annotations.get(ANN_COMPLETION_INDEX)
    if v is None or not v.isdigit() or (len(v) > 1 and v[0] == "0"):
        return None
    return int(v)


def active_pods_for_removal(job: Job, pods, rm_at_least: int) -> list:
    """activePodsForRemoval: an Indexed Job first drops pods without a valid
    index or with an index another pod holds (appendDuplicatedIndexPodsForRemoval,
    the first pod of an index kept); then the ActivePods order."""
    rm, left = [], list(pods)
    if job.spec.completion_mode == INDEXED:
        left, seen = [], set()
        for p in sorted(pods, key=lambda q: (completion_index(q) if completion_index(q) is not None else -1,
                                             q.metadata.creation_timestamp or 0, q.metadata.name)):
            ix = completion_index(p)
            if ix is None or ix >= (job.spec.completions or 0) or ix in seen:
                rm.append(p)
            else:
                seen.add(ix)
                left.append(p)
    if len(rm) < rm_at_least:
        rm.extend(_sort_active(left)[:rm_at_least - len(rm)])
    return rm


# -- completed indexes (indexed_job_utils.go orderedIntervals)


def parse_indexes(s: str, completions: int) -> set[int]:
    """parseIndexesFromString: `1-3,5` → {1, 2, 3, 5}; out-of-range or
    malformed parts are dropped."""
    out: set[int] = set()
    for part in s.split(",") if s else ():
        lo, _, hi = part.partition("-")
        try:
            a, b = int(lo), int(hi) if hi else int(lo)
        except ValueError:
            continue
        out.update(i for i in range(a, b + 1) if 0 <= i < completions)
    return out


def format_indexes(ixs) -> str:
    """orderedIntervals.String: sorted runs, `a-b` for runs of two or more.

    Example: {1, 2, 3, 5} → "1-3,5"; {0, 1} → "0-1".
    """
    out, run = [], []
    for i in sorted(ixs):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
        run = [i]
    if run:
        out.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ",".join(out)


def first_pending_indexes(job: Job, succeeded: set, active_pods, terminating_pods, count: int) -> list[int]:
    """firstPendingIndexes: the lowest indexes neither succeeded nor held by
    an active pod (nor a terminating one when only failed pods are
    replaced)."""
    held = {completion_index(p) for p in active_pods}
    if only_replace_failed_pods(job):
        held |= {completion_index(p) for p in terminating_pods}
    out = []
    for i in range(job.spec.completions or 0):
        if len(out) >= count:
            break
        if i not in succeeded and i not in held:
            out.append(i)
    return out


def pod_from_template(job: Job, index: Optional[int] = None) -> Pod:
    """controller_utils.go GetPodFromTemplate with CreatePodsWithGenerateName:
    generateName `<job>-` (Indexed: `<job>-<index>-`, with the completion
    index annotation and label and hostname `<job>-<index>`)."""
    t = job.spec.template
    labels, annotations, spec = t.metadata.labels, t.metadata.annotations, t.spec
    prefix = f"{job.metadata.name}-"
    if index is not None:
        annotations = FrozenDict({**annotations, ANN_COMPLETION_INDEX: str(index)})
        labels = FrozenDict({**labels, LABEL_COMPLETION_INDEX: str(index)})
        spec = evolve(spec, hostname=f"{job.metadata.name}-{index}")
        prefix = f"{job.metadata.name}-{index}-"
    meta = ObjectMeta(generate_name=prefix, namespace=job.metadata.namespace, labels=labels,
                      annotations=annotations, finalizers=t.metadata.finalizers,
                      owner_references=(owner_reference(job),))
    return Pod(metadata=meta, spec=spec, status=PodStatus())


def _cond(type_: str, status: str, reason: str, message: str, now: int) -> Condition:
    return Condition(type=type_, status=status, reason=reason, message=message,
                     last_probe_time=now, last_transition_time=now)


def ensure_condition(conditions: tuple, type_: str, status: str, reason: str, message: str, now: int
                     ) -> tuple[tuple, bool]:
    """ensureJobConditionStatus: update an existing condition of that type
    (lastTransitionTime only when the status flips), or append it — never a
    new condition with status False."""
    for i, c in enumerate(conditions):
        if c.type != type_:
            continue
        if c.status == status and c.reason == reason and c.message == message:
            return conditions, False
        ltt = c.last_transition_time if c.status == status else now
        new = Condition(type=type_, status=status, reason=reason, message=message, last_probe_time=now,
                        last_transition_time=ltt)
        return conditions[:i] + (new,) + conditions[i + 1:], True
    if status == "False":
        return conditions, False
    return conditions + (_cond(type_, status, reason, message, now),), True


def job_state(job: Job, backing_off: bool) -> str:
    """The machine state (machines/job.py) of a Job's status."""
    conds = {c.type for c in job.status.conditions if c.status == "True"}
    for t in ("Complete", "Failed", "FailureTarget", "SuccessCriteriaMet", "Suspended"):
        if t in conds:
            return t
    if backing_off:
        return "BackingOff"
    return "Active" if job.status.start_time is not None else "Pending"


def _status_write(job: Job, status: JobStatus, now: int, backing_off: bool = False) -> Optional[UpdateStatus]:
    status = evolve(status, state=job.status.state, state_since=job.status.state_since)
    new = evolve(job, status=status)
    state = job_state(new, backing_off)
    if state != job.status.state:
        new = evolve(new, status=evolve(status, state=state, state_since=now))
        return UpdateStatus(new, TRIGGER_FOR[(job.status.state, state)])
    if status == job.status:
        return None
    return UpdateStatus(new)


# ------------------------------------------------------------------ syncJob


def reconcile_job(obs: JobObs, now: int) -> Result:
    job = obs.job
    if job is None or job.spec is None or is_finished(job) or job.metadata.deletion_timestamp is not None:
        return NOTHING
    spec, st = job.spec, job.status
    pods, actions = claim_pods(job, spec.selector, obs.pods)
    ref = ref_of(job)
    counted = set(st.counted)
    active = [p for p in pods if is_pod_active(p)]
    terminating_pods = [p for p in pods if p.metadata.deletion_timestamp is not None
                        and p.status.phase not in ("Succeeded", "Failed")]
    new_succeeded = [p for p in pods if p.metadata.uid not in counted and p.status.phase == "Succeeded"]
    new_failed = [p for p in pods if p.metadata.uid not in counted and p.status.phase != "Succeeded"
                  and is_pod_failed(p, job)]
    indexed = spec.completion_mode == INDEXED
    if indexed:
        succeeded_ix = parse_indexes(st.completed_indexes, spec.completions or 0)
        succeeded_ix |= {ix for p in new_succeeded if (ix := completion_index(p)) is not None
                         and ix < (spec.completions or 0)}
        succeeded = len(succeeded_ix)
    else:
        succeeded_ix = set()
        succeeded = st.succeeded + len(new_succeeded)
    failed = st.failed + len(new_failed)
    failures, last_failure = new_backoff_record(st.failures_after_last_success, st.last_failure_time,
                                                new_succeeded, new_failed)
    status = evolve(st, failures_after_last_success=failures, last_failure_time=last_failure)
    if status.start_time is None and not spec.suspend:
        status = evolve(status, start_time=now)
    work = evolve(job, status=status)

    requeue: Optional[int] = None
    finished: Optional[Condition] = None
    ft = get_condition(st.conditions, "FailureTarget")
    scm = get_condition(st.conditions, "SuccessCriteriaMet")
    if ft is not None and ft.status == "True":
        finished = _cond("Failed", "True", ft.reason, ft.message, now)
    elif scm is not None and scm.status == "True":
        finished = _cond("Complete", "True", scm.reason, scm.message, now)
    elif failed > (spec.backoff_limit if spec.backoff_limit is not None else 6) \
            or past_backoff_limit_on_failure(job, pods):
        finished = _cond("FailureTarget", "True", REASON_BACKOFF_LIMIT, MSG_BACKOFF_LIMIT, now)
    elif past_active_deadline(work, now):
        finished = _cond("FailureTarget", "True", REASON_DEADLINE, MSG_DEADLINE, now)
    elif spec.active_deadline_seconds is not None and not spec.suspend:
        requeue = max(1, spec.active_deadline_seconds * 1000 - (now - status.start_time))

    n_active, n_terminating = len(active), len(terminating_pods)
    removed: list = []        # deleted without counting (deleteJobPods)
    backing_off = False
    conditions = status.conditions
    if finished is not None:
        # deleteActivePods: the pods keep being tracked, and count as failed.
        for p in active:
            actions.append(Delete("Pod", p.metadata.namespace, p.metadata.name, p.metadata.uid))
        n_terminating += n_active
        n_active = 0
    else:
        n_active, backing_off, requeue2 = _manage_job(work, active, terminating_pods, succeeded, succeeded_ix,
                                                      failures, last_failure, now, actions, removed, ref)
        n_terminating += len(removed)
        if requeue2 is not None:
            requeue = requeue2 if requeue is None else min(requeue, requeue2)
        if spec.completions is None:
            complete = succeeded > 0 and n_active == 0
        else:
            complete = succeeded >= spec.completions and n_active == 0
        if complete:
            finished = _cond("SuccessCriteriaMet", "True", REASON_COMPLETIONS, MSG_COMPLETIONS, now)
        elif spec.suspend:
            conditions, changed = ensure_condition(conditions, "Suspended", "True", "JobSuspended",
                                                   "Job suspended", now)
            if changed:
                actions.append(RecordEvent(ref, "Suspended", "Job suspended", "Normal", NAME))
        else:
            conditions, changed = ensure_condition(conditions, "Suspended", "False", "JobResumed",
                                                   "Job resumed", now)
            if changed:
                actions.append(RecordEvent(ref, "Resumed", "Job resumed", "Normal", NAME))
                # Resuming resets startTime: activeDeadlineSeconds counts
                # continuous activity.
                status = evolve(status, start_time=now)

    ready = sum(1 for p in active if is_pod_ready(p) and not any(p is r for r in removed))
    present = {p.metadata.uid for p in pods}
    newly = {p.metadata.uid for p in new_succeeded} | {p.metadata.uid for p in new_failed} \
        | {p.metadata.uid for p in removed}
    status = evolve(status, conditions=conditions, active=n_active, ready=ready, terminating=n_terminating,
                    succeeded=succeeded, failed=failed,
                    completed_indexes=format_indexes(succeeded_ix) if indexed else st.completed_indexes,
                    counted=tuple(sorted((counted & present) | newly)))
    if finished is not None and finished.type in ("FailureTarget", "SuccessCriteriaMet"):
        # trackJobStatusAndRemoveFinalizers: the interim condition is written
        # first; the terminal one is prepared for enactJobFinished.
        status = evolve(status, conditions=status.conditions + (finished,))
        w = _status_write(job, status, now)
        if w is not None:
            actions.append(w)
            job = w.obj
        terminal_type = "Failed" if finished.type == "FailureTarget" else "Complete"
        finished = _cond(terminal_type, "True", finished.reason, finished.message, now)
    if finished is not None and n_terminating == 0:
        # enactJobFinished, once no pod is terminating.
        conds, _ = ensure_condition(status.conditions, finished.type, "True", finished.reason,
                                    finished.message, now)
        status = evolve(status, conditions=conds)
        if finished.type == "Complete":
            status = evolve(status, completion_time=now)
        w = _status_write(job, status, now)
        if w is not None:
            actions.append(w)
        if finished.type == "Complete":
            actions.append(RecordEvent(ref, "Completed", "Job completed", "Normal", NAME))
        else:
            actions.append(RecordEvent(ref, finished.reason, finished.message, "Warning", NAME))
        return Result(tuple(actions))
    w = _status_write(job, status, now, backing_off)
    if w is not None:
        actions.append(w)
    return Result(tuple(actions), requeue_after=requeue)


def _manage_job(job: Job, active, terminating_pods, succeeded: int, succeeded_ix: set, failures: int,
                last_failure: Optional[int], now: int, actions: list, removed: list, ref
                ) -> tuple[int, bool, Optional[int]]:
    """manageJob: returns (active after this sync, backing off, requeue ms).
    Deletes (suspend, surplus) or creates, never both in one sync."""
    spec = job.spec
    n_active = len(active)
    parallelism = spec.parallelism or 0

    def delete(pods) -> None:
        for p in pods[:MAX_POD_CREATE_DELETE_PER_SYNC]:
            # deleteJobPods removes the tracking finalizer first: not counted.
            actions.append(Delete("Pod", p.metadata.namespace, p.metadata.name, p.metadata.uid))
            actions.append(RecordEvent(ref, "SuccessfulDelete", f"Deleted pod: {p.metadata.name}", "Normal", NAME))
            removed.append(p)

    if spec.suspend:
        delete(active_pods_for_removal(job, active, n_active))
        return n_active - len(removed), False, None
    if spec.completions is None:
        want = n_active if succeeded > 0 else parallelism
    else:
        want = max(0, min(parallelism, spec.completions - succeeded))
    rm_at_least = max(0, n_active - want)
    to_delete = active_pods_for_removal(job, active, rm_at_least)
    if to_delete:
        delete(to_delete)
        return n_active - len(removed), False, None
    terminating = len(terminating_pods) if only_replace_failed_pods(job) else 0
    diff = want - terminating - n_active
    if diff <= 0:
        return n_active, False, None
    remaining = remaining_backoff(failures, last_failure, now)
    if remaining > 0:
        return n_active, True, remaining
    diff = min(diff, MAX_POD_CREATE_DELETE_PER_SYNC)
    indexes: list = [None] * diff
    if spec.completion_mode == INDEXED:
        indexes = first_pending_indexes(job, succeeded_ix, active, terminating_pods, diff)
    for ix in indexes:
        actions.append(Create(pod_from_template(job, ix), (ref, "SuccessfulCreate", NAME)))
    return n_active + len(indexes), False, None


# -- watches (job_controller.go addPod/updatePod/deletePod, addJob/updateJob)


def watch_self(old, new, view) -> tuple:
    obj = new if new is not None else old
    if new is None:
        return ()
    return (("Job", obj.metadata.namespace, obj.metadata.name),)


def watch_pods(old, new, view) -> tuple:
    """The controlling Job of the pod (resolveControllerRef); with no Job in
    the cluster (most pod changes) there is none."""
    if not view.has_any("Job"):
        return ()
    return controller_keys(old, new, "Job")


# ------------------------------------------------------ TTL after finished


@attrs.frozen
class TTLObs:
    job: Optional[Job]


def observe_ttl(view, key) -> TTLObs:
    _, namespace, name = key
    return TTLObs(job=view.get("Job", namespace, name))


def finish_time(job: Job) -> Optional[int]:
    """ttlafterfinished getFinishAndExpireTime: the lastTransitionTime of the
    Complete or Failed condition (whole seconds, as stored)."""
    for c in job.status.conditions:
        if c.type in ("Complete", "Failed") and c.status == "True":
            return c.last_transition_time
    return None


def reconcile_ttl(obs: TTLObs, now: int) -> Result:
    """processJob: a finished Job with ttlSecondsAfterFinished is deleted
    (foreground propagation, uid precondition) once finishTime + ttl has
    passed; before that, the Job is requeued for that instant."""
    job = obs.job
    if job is None or job.metadata.deletion_timestamp is not None:
        return NOTHING
    ttl = job.spec.ttl_seconds_after_finished
    if ttl is None or not is_finished(job):
        return NOTHING
    t = finish_time(job)
    if t is None:
        return NOTHING
    expire = t // 1000 * 1000 + ttl * 1000
    if now < expire:
        return Result(requeue_after=expire - now)
    m = job.metadata
    return Result((Delete("Job", m.namespace, m.name, m.uid, propagation="Foreground"),))
