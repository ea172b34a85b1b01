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
getFailJobMessage, nonIgnoredFailedPodsCount,
manageJob, activePodsForRemoval, pastActiveDeadline, pastBackoffLimitOnFailure,
trackJobStatusAndRemoveFinalizers, enactJobFinished, newSuccessCondition,
newFailureCondition, ensureJobConditionStatus, isPodFailed, deleteJobPods,
deleteActivePods), indexed_job_utils.go (calculateSucceededIndexes,
firstPendingIndexes, appendDuplicatedIndexPodsForRemoval, orderedIntervals
String, calculateFailedIndexes, isIndexFailed,
getPodsWithDelayedDeletionPerIndex, getNewIndexFailureCounts),
pod_failure_policy.go (matchPodFailurePolicy, matchOnExitCodes,
matchOnPodConditions), success_policy.go (matchSuccessPolicy,
matchSucceededIndexesRule), backoff_utils.go (newBackoffRecord, getFinishedTime,
getRemainingTimeForFailuresCount, getRemainingTimePerIndex), pkg/controller/controller_utils.go
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
  * pod events and the Job's own status updates sync it 1 s later
    (syncJobBatchPeriod, a Watch delay); create and spec changes at once;
  * a failed pod of an index with backoffLimitPerIndex whose replacement is
    not created yet stays uncounted (its finalizer removal is delayed in
    kube, getPodsWithDelayedDeletionPerIndex); kstate simply does not mark it
    counted until then.
"""
from __future__ import annotations

import functools
from typing import Optional

import attrs

from kstate.controllers.view import controller_keys
from kstate.controllers.actions import NOTHING, Create, Delete, RecordEvent, Result, SetMemory, UpdateStatus, ref_of
from kstate.controllers.replicaset import claim_pods, owner_reference
from kstate.controllers.workqueue import FAILURES_KEY, failure_delay
from kstate.machines.job import TRIGGER_FOR
from kstate.resources.batch import (
    ANN_COMPLETION_INDEX, ANN_INDEX_FAILURE_COUNT, ANN_INDEX_IGNORED_FAILURE_COUNT, INDEXED,
    LABEL_COMPLETION_INDEX, Job, JobStatus,
)
from kstate.resources.frozen import FrozenDict, evolve
from kstate.resources.meta import Condition, ObjectMeta, controller_of, get_condition
from kstate.resources.pod import Pod, PodStatus, is_pod_active, is_pod_ready

NAME = "job-controller"
TTL_NAME = "ttl-after-finished-controller"
#: job_controller.go MaxPodCreateDeletePerSync.
MAX_POD_CREATE_DELETE_PER_SYNC = 500
#: job_controller.go syncJobBatchPeriod (ms): pod events and Job status
#: updates sync the Job this much later, batched; a back-off requeue is
#: never shorter (enqueueSyncJobWithDelay).
SYNC_JOB_BATCH_PERIOD = 1_000
#: job_controller.go DefaultJobPodFailureBackOff / MaxJobPodFailureBackOff (ms).
DEFAULT_POD_FAILURE_BACKOFF = 10_000
MAX_POD_FAILURE_BACKOFF = 600_000
#: job_controller.go DefaultJobApiBackOff / MaxJobApiBackOff (ms): the rate-limited
#: requeue of a sync that failed (a refused pod create).
DEFAULT_JOB_API_BACKOFF = 1_000
MAX_JOB_API_BACKOFF = 60_000

REASON_BACKOFF_LIMIT = "BackoffLimitExceeded"
REASON_DEADLINE = "DeadlineExceeded"
REASON_COMPLETIONS = "CompletionsReached"
REASON_POD_FAILURE_POLICY = "PodFailurePolicy"
REASON_MAX_FAILED_INDEXES = "MaxFailedIndexesExceeded"
REASON_FAILED_INDEXES = "FailedIndexes"
REASON_SUCCESS_POLICY = "SuccessPolicy"
MSG_MAX_FAILED_INDEXES = "Job has exceeded the specified maximal number of failed indexes"
MSG_FAILED_INDEXES = "Job has failed indexes"
MSG_BACKOFF_LIMIT = "Job has reached the specified backoff limit"
MSG_DEADLINE = "Job was active longer than specified deadline"
MSG_COMPLETIONS = "Reached expected number of succeeded pods"


@attrs.frozen
class JobObs:
    job: Optional[Job]
    pods: tuple = ()
    #: the API's refusal of a pod from the template (admission), asked when pods are missing
    refused: Optional[str] = None
    #: the workqueue's failure count of this key (rate-limited requeue)
    failures: int = 0


def observe_job(view, key) -> JobObs:
    _, namespace, name = key
    job = view.get("Job", namespace, name)
    if job is None:
        return JobObs(job=None)
    pods = {p.metadata.name: p for p in view.owned_by(job.metadata.uid, "Pod")}
    if job.spec.manual_selector and job.spec.selector is not None:
        for p in view.objects_matching("Pod", namespace, job.spec.selector):
            pods.setdefault(p.metadata.name, p)
    refused = None
    if not job.spec.suspend and sum(1 for p in pods.values() if is_pod_active(p)) < (job.spec.parallelism or 0):
        refused = view.create_refusal(pod_from_template(job))
    return JobObs(job=job, pods=tuple(p for _, p in sorted(pods.items())), refused=refused,
                  failures=view.memory(NAME, (FAILURES_KEY,) + tuple(key), 0))


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


# -- podFailurePolicy (pod_failure_policy.go)


def _matching_container(statuses, req):
    """getMatchingContainerFromList: the first terminated container (of the
    one named, if given) whose non-zero exit code the operator accepts."""
    name, op, values = req.get("containerName"), req.get("operator"), req.get("values", ())
    for cs in statuses:
        st = cs.state
        if st.kind != "terminated":
            continue
        if name is not None and name != cs.name:
            continue
        code = st.exit_code or 0
        if code == 0:
            continue
        if (op == "In" and code in values) or (op == "NotIn" and code not in values):
            return cs
    return None


def match_on_exit_codes(status: PodStatus, req):
    """matchOnExitCodes: regular containers first, then init containers."""
    return _matching_container(status.container_statuses, req) or \
        _matching_container(status.init_container_statuses, req)


def match_on_pod_conditions(status: PodStatus, patterns):
    """matchOnPodConditions: the first pod condition (in the pod's order)
    equal in type and status to any pattern."""
    for c in status.conditions:
        for pat in patterns:
            if c.type == pat.get("type") and c.status == pat.get("status", "True"):
                return c
    return None


def match_pod_failure_policy(pfp, p: Pod) -> tuple[Optional[str], bool, Optional[str]]:
    """matchPodFailurePolicy → (FailJob message or None, whether the failure
    counts towards the backoff limits, the matched action or None). Rules in
    order, the first match wins; Ignore does not count.

    Example: rules [Ignore on DisruptionTarget, FailJob on exit code 42]; a
    pod whose container `main` exited 42 → ("Container main for pod
    default/p failed with exit code 42 matching FailJob rule at index 1",
    True, "FailJob").
    """
    if pfp is None:
        return None, True, None
    m = p.metadata
    for index, rule in enumerate(pfp.get("rules", ())):
        action = rule.get("action")
        if rule.get("onExitCodes") is not None:
            cs = match_on_exit_codes(p.status, rule["onExitCodes"])
            if cs is None:
                continue
            msg = (f"Container {cs.name} for pod {m.namespace}/{m.name} failed with exit code "
                   f"{cs.state.exit_code} matching {action} rule at index {index}")
        elif rule.get("onPodConditions") is not None:
            cond = match_on_pod_conditions(p.status, rule["onPodConditions"])
            if cond is None:
                continue
            msg = f"Pod {m.namespace}/{m.name} has condition {cond.type} matching {action} rule at index {index}"
        else:
            continue
        if action == "Ignore":
            return None, False, "Ignore"
        if action == "FailIndex":
            return None, True, "FailIndex"
        if action == "Count":
            return None, True, "Count"
        if action == "FailJob":
            return msg, True, "FailJob"
    return None, True, None


def get_fail_job_message(job: Job, pods) -> Optional[str]:
    """getFailJobMessage: the FailJob message of the first failed pod that
    matches a FailJob rule (every pod of the Job, counted or not)."""
    pfp = job.spec.pod_failure_policy
    if pfp is None:
        return None
    for p in pods:
        if is_pod_failed(p, job):
            msg, _, _ = match_pod_failure_policy(pfp, p)
            if msg is not None:
                return msg
    return None


def counts_as_failure(job: Job, p: Pod) -> bool:
    """nonIgnoredFailedPodsCount for one pod: not matched by an Ignore rule."""
    return match_pod_failure_policy(job.spec.pod_failure_policy, p)[1]


# -- backoffLimitPerIndex (indexed_job_utils.go, backoff_utils.go)


def _annotation_int32(p: Pod, key: str) -> int:
    """parseInt32: a missing, malformed or out-of-range value is 0."""
    v = p.metadata.annotations.get(key)
    if v is None:
        return 0
    try:
        n = int(v)
    except ValueError:
        return 0
    return n if 0 <= n <= 2**31 - 1 else 0


def index_failure_count(p: Pod) -> int:
    """getIndexFailureCount: the job-index-failure-count annotation."""
    return _annotation_int32(p, ANN_INDEX_FAILURE_COUNT)


def index_absolute_failure_count(p: Pod) -> int:
    """getIndexAbsoluteFailureCount: failures plus ignored failures."""
    return _annotation_int32(p, ANN_INDEX_FAILURE_COUNT) + _annotation_int32(p, ANN_INDEX_IGNORED_FAILURE_COUNT)


def is_index_failed(job: Job, p: Pod) -> bool:
    """isIndexFailed: the pod failed and matched FailIndex, or its counted
    failure is the one that reaches backoffLimitPerIndex.

    Example: backoffLimitPerIndex 1; a failed pod annotated
    job-index-failure-count "1" (its index failed once before) → True; the
    same pod annotated "0" → False (one retry left).
    """
    if not is_pod_failed(p, job):
        return False
    counted = True
    if job.spec.pod_failure_policy is not None:
        _, counted, action = match_pod_failure_policy(job.spec.pod_failure_policy, p)
        if action == "FailIndex":
            return True
    return counted and index_failure_count(p) >= (job.spec.backoff_limit_per_index or 0)


def new_index_failure_counts(job: Job, replaced: Optional[Pod]) -> tuple[int, int]:
    """getNewIndexFailureCounts: the (failure, ignored failure) counts the
    replacement of `replaced` carries: its own plus one for its failure."""
    if replaced is None:
        return 0, 0
    fails, ignored = index_failure_count(replaced), _annotation_int32(replaced, ANN_INDEX_IGNORED_FAILURE_COUNT)
    if counts_as_failure(job, replaced):
        fails += 1
    else:
        ignored += 1
    return fails, ignored


def remaining_backoff_per_index(last_failed: Optional[Pod], now: int) -> int:
    """getRemainingTimePerIndex: the back-off of an index after the failure
    of `last_failed` (its absolute failure count + 1 failures, the last at
    its finish time).

    Example: a pod annotated job-index-failure-count "1" that finished 5 s
    ago → 2 failures → 20 s − 5 s = 15 s.
    """
    if last_failed is None:
        return 0
    return remaining_backoff(index_absolute_failure_count(last_failed) + 1, finished_time(last_failed), now)


def pods_with_delayed_deletion_per_index(job: Job, uncounted_failed, succeeded_ix: set, failed_ix: set,
                                         active_ix: set) -> dict:
    """getPodsWithDelayedDeletionPerIndex: per index with no active pod and
    neither succeeded nor failed, the uncounted failed pod with the highest
    absolute failure count (latest finish on ties) — the one its
    replacement inherits the count from."""
    out: dict = {}
    completions = job.spec.completions or 0
    for p in uncounted_failed:
        ix = completion_index(p)
        if ix is None or ix >= completions or ix in succeeded_ix or ix in failed_ix or ix in active_ix:
            continue
        prev = out.get(ix)
        if prev is None or (index_absolute_failure_count(prev) <= index_absolute_failure_count(p)
                            and not finished_time(p) < finished_time(prev)):
            out[ix] = p
    return out


# -- successPolicy (success_policy.go)


def match_success_policy(policy, completions: int, succeeded_ix: set) -> Optional[str]:
    """matchSuccessPolicy: the message "Matched rules at index <i>" of the
    first rule satisfied, else None. A rule with succeededIndexes needs all
    of them succeeded, or succeededCount of them; a rule with only
    succeededCount needs that many indexes succeeded. A rule whose
    succeededIndexes parse to nothing is skipped.

    Example: rules [{succeededIndexes "0-2", succeededCount 2}], indexes
    {0, 2, 5} succeeded → 2 of 0-2 → "Matched rules at index 0".
    """
    if policy is None or not succeeded_ix:
        return None
    for index, rule in enumerate(policy.get("rules", ())):
        count = rule.get("succeededCount")
        if rule.get("succeededIndexes") is not None:
            required = parse_indexes(rule["succeededIndexes"], completions)
            if not required:
                continue
            contains = len(required & succeeded_ix)
            if contains == len(required) or (count is not None and contains >= count):
                return f"Matched rules at index {index}"
        elif count is not None and len(succeeded_ix) >= count:
            return f"Matched rules at index {index}"
    return None


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


def _run_text(run: list) -> str:
    if len(run) == 1:
        return str(run[0])
    return f"{run[0]},{run[-1]}" if len(run) == 2 else f"{run[0]}-{run[-1]}"


def format_indexes(ixs) -> str:
    """orderedIntervals.String: sorted runs; a run of three or more is
    `a-b`, a run of two is written `a,b` (Go writes ',' when Last ==
    First+1).

    Example: {1, 2, 3, 5} → "1-3,5"; {0, 1} → "0,1"; {0, 1, 3, 4, 5} → "0,1,3-5".
    """
    out, run = [], []
    for i in sorted(ixs):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out.append(_run_text(run))
        run = [i]
    if run:
        out.append(_run_text(run))
    return ",".join(out)


def first_pending_indexes(job: Job, succeeded: set, active_pods, terminating_pods, count: int,
                          failed: frozenset = frozenset()) -> list[int]:
    """firstPendingIndexes: the lowest indexes neither succeeded, failed
    (backoffLimitPerIndex) nor held by an active pod (nor a terminating one
    when only failed pods are replaced)."""
    held = {completion_index(p) for p in active_pods}
    if only_replace_failed_pods(job):
        held |= {completion_index(p) for p in terminating_pods}
    out = []
    for i in range(job.spec.completions or 0):
        if len(out) >= count:
            break
        if i not in succeeded and i not in held and i not in failed:
            out.append(i)
    return out


COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX"


def _with_index_env(c):
    """addCompletionIndexEnvVariable: JOB_COMPLETION_INDEX from the pod's
    completion-index label (PodIndexLabel), unless the container sets it."""
    env = c.extra.get("env") or ()
    if any(e.get("name") == COMPLETION_INDEX_ENV for e in env):
        return c
    ref = FrozenDict({"fieldPath": f"metadata.labels['{LABEL_COMPLETION_INDEX}']"})
    item = FrozenDict({"name": COMPLETION_INDEX_ENV, "valueFrom": FrozenDict({"fieldRef": ref})})
    return evolve(c, extra=c.extra.set("env", tuple(env) + (item,)))


@functools.lru_cache(maxsize=1024)
def indexed_pod_spec(spec):
    """addCompletionIndexEnvVariables on a template's pod spec (init
    containers and containers), once per template."""
    return evolve(spec, init_containers=tuple(_with_index_env(c) for c in spec.init_containers),
                  containers=tuple(_with_index_env(c) for c in spec.containers))


def pod_from_template(job: Job, index: Optional[int] = None, failure_counts: Optional[tuple] = None) -> Pod:
    """controller_utils.go GetPodFromTemplate with CreatePodsWithGenerateName:
    generateName `<job>-` (Indexed: `<job>-<index>-`, with the completion
    index annotation and label, the JOB_COMPLETION_INDEX env var, hostname
    `<job>-<index>` and, with
    backoffLimitPerIndex, the index failure counts of addIndexFailureCountAnnotation)."""
    t = job.spec.template
    labels, annotations, spec = t.metadata.labels, t.metadata.annotations, t.spec
    prefix = f"{job.metadata.name}-"
    if index is not None:
        extra = {ANN_COMPLETION_INDEX: str(index)}
        if failure_counts is not None:
            extra[ANN_INDEX_FAILURE_COUNT] = str(failure_counts[0])
            if failure_counts[1] > 0:
                extra[ANN_INDEX_IGNORED_FAILURE_COUNT] = str(failure_counts[1])
        annotations = FrozenDict({**annotations, **extra})
        labels = FrozenDict({**labels, LABEL_COMPLETION_INDEX: str(index)})
        spec = evolve(indexed_pod_spec(spec), hostname=f"{job.metadata.name}-{index}")
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
    indexed = spec.completion_mode == INDEXED
    completions = spec.completions or 0
    per_index = indexed and spec.backoff_limit_per_index is not None

    def uncounted(p: Pod) -> bool:
        """getValidPodsWithFilter: not accounted for yet and, for an Indexed
        Job, with a valid completion index."""
        if p.metadata.uid in counted:
            return False
        if indexed:
            ix = completion_index(p)
            return ix is not None and ix < completions
        return True

    active = [p for p in pods if is_pod_active(p)]
    terminating_pods = [p for p in pods if p.metadata.deletion_timestamp is not None
                        and p.status.phase not in ("Succeeded", "Failed")]
    new_succeeded = [p for p in pods if uncounted(p) and p.status.phase == "Succeeded"]
    new_failed = [p for p in pods if uncounted(p) and p.status.phase != "Succeeded" and is_pod_failed(p, job)]
    if indexed:
        succeeded_ix = parse_indexes(st.completed_indexes, completions)
        succeeded_ix |= {completion_index(p) for p in new_succeeded}
        succeeded = len(succeeded_ix)
    else:
        succeeded_ix = set()
        succeeded = st.succeeded + len(new_succeeded)
    failed_ix: set = set()
    delayed: dict = {}
    if per_index:
        failed_ix = parse_indexes(st.failed_indexes or "", completions)
        failed_ix |= {completion_index(p) for p in new_failed if is_index_failed(job, p)}
        delayed = pods_with_delayed_deletion_per_index(job, new_failed, succeeded_ix, failed_ix,
                                                       {completion_index(p) for p in active})
    # nonIgnoredFailedPodsCount: failures an Ignore rule matched are not counted.
    failed = st.failed + sum(1 for p in new_failed if counts_as_failure(job, p))
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
    if scm is not None and scm.status == "True":
        finished = _cond("Complete", "True", scm.reason, scm.message, now)
    elif ft is not None and ft.status == "True":
        finished = _cond("Failed", "True", ft.reason, ft.message, now)
    elif (fail_msg := get_fail_job_message(job, pods)) is not None:
        finished = _cond("FailureTarget", "True", REASON_POD_FAILURE_POLICY, fail_msg, now)
    if finished is None:
        if failed > (spec.backoff_limit if spec.backoff_limit is not None else 6) \
                or past_backoff_limit_on_failure(job, pods):
            finished = _cond("FailureTarget", "True", REASON_BACKOFF_LIMIT, MSG_BACKOFF_LIMIT, now)
        elif past_active_deadline(work, now):
            finished = _cond("FailureTarget", "True", REASON_DEADLINE, MSG_DEADLINE, now)
        elif spec.active_deadline_seconds is not None and not spec.suspend:
            requeue = max(1, spec.active_deadline_seconds * 1000 - (now - status.start_time))
    if per_index and finished is None:
        if spec.max_failed_indexes is not None and len(failed_ix) > spec.max_failed_indexes:
            finished = _cond("FailureTarget", "True", REASON_MAX_FAILED_INDEXES, MSG_MAX_FAILED_INDEXES, now)
        elif failed_ix and len(failed_ix) + len(succeeded_ix) >= completions:
            finished = _cond("FailureTarget", "True", REASON_FAILED_INDEXES, MSG_FAILED_INDEXES, now)
    if indexed and finished is None:
        msg = match_success_policy(spec.success_policy, completions, succeeded_ix)
        if msg is not None:
            finished = _cond("SuccessCriteriaMet", "True", REASON_SUCCESS_POLICY, msg, now)

    n_active, n_terminating = len(active), len(terminating_pods)
    removed: list = []        # deleted without counting (deleteJobPods)
    backing_off = False
    conditions = status.conditions
    if finished is not None:
        # deleteActivePods: the pods keep being tracked; once the Job is
        # failing, every unfinished pod counts as failed
        # (trackJobStatusAndRemoveFinalizers), and no finalizer removal is
        # delayed any more (canRemoveFinalizer).
        for p in active:
            actions.append(Delete("Pod", p.metadata.namespace, p.metadata.name, p.metadata.uid))
            actions.append(RecordEvent(ref, "SuccessfulDelete", f"Deleted pod: {p.metadata.name}", "Normal", NAME))
        n_terminating += n_active
        n_active = 0
        delayed = {}
        if finished.type in ("FailureTarget", "Failed"):
            seen = {p.metadata.uid for p in new_failed}
            extra = [p for p in pods if uncounted(p) and p.status.phase != "Succeeded"
                     and p.metadata.uid not in seen]
            failed += sum(1 for p in extra if counts_as_failure(job, p))
            new_failed = new_failed + extra
    else:
        n_active, backing_off, requeue2 = _manage_job(work, active, terminating_pods, succeeded, succeeded_ix,
                                                      failed_ix, delayed, failures, last_failure, now, actions,
                                                      removed, ref, obs.refused)
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

    # A failed pod whose index awaits its replacement stays uncounted
    # (its finalizer removal is delayed until the replacement exists).
    held = {p.metadata.uid for p in delayed.values()}
    if held:
        failed -= sum(1 for p in delayed.values() if counts_as_failure(job, p))
    # deleteActivePods / deleteJobPods: deleted ready pods are no longer ready.
    ready = 0 if finished is not None and n_active == 0 else \
        sum(1 for p in active if is_pod_ready(p) and not any(p is r for r in removed))
    present = {p.metadata.uid for p in pods}
    newly = {p.metadata.uid for p in new_succeeded} | {p.metadata.uid for p in new_failed} \
        | {p.metadata.uid for p in removed}
    status = evolve(status, conditions=conditions, active=n_active, ready=ready, terminating=n_terminating,
                    succeeded=succeeded, failed=failed,
                    completed_indexes=format_indexes(succeeded_ix) if indexed else st.completed_indexes,
                    failed_indexes=format_indexes(failed_ix) if per_index else st.failed_indexes,
                    counted=tuple(sorted((counted & present) | (newly - held))))
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
        # recordJobFinished
        if finished.type == "Complete":
            if spec.completions is not None and status.succeeded > spec.completions:
                actions.append(RecordEvent(ref, "TooManySucceededPods",
                                           "Too many succeeded pods running after completion count reached",
                                           "Warning", NAME))
            actions.append(RecordEvent(ref, "Completed", "Job completed", "Normal", NAME))
        else:
            actions.append(RecordEvent(ref, finished.reason, finished.message, "Warning", NAME))
        return Result(tuple(actions))
    w = _status_write(job, status, now, backing_off)
    if w is not None:
        actions.append(w)
    key = (FAILURES_KEY, "Job", job.metadata.namespace, job.metadata.name)
    if any(type(a) is RecordEvent and a.reason == "FailedCreate" for a in actions):
        # syncJob returned the create error: queue.AddRateLimited (1 s doubling, at most 1 min)
        actions.append(SetMemory(NAME, key, obs.failures + 1))
        delay = failure_delay(obs.failures, DEFAULT_JOB_API_BACKOFF, MAX_JOB_API_BACKOFF)
        return Result(tuple(actions), requeue_after=delay if requeue is None else min(requeue, delay))
    if obs.failures:
        actions.append(SetMemory(NAME, key, None))      # queue.Forget
    return Result(tuple(actions), requeue_after=requeue)


def _manage_job(job: Job, active, terminating_pods, succeeded: int, succeeded_ix: set, failed_ix: set,
                delayed: dict, failures: int, last_failure: Optional[int], now: int, actions: list, removed: list,
                ref, refused: Optional[str] = None) -> tuple[int, bool, Optional[int]]:
    """manageJob: returns (active after this sync, backing off, requeue ms).
    Deletes (suspend, surplus) or creates, never both in one sync. A create
    the API refuses (`refused`) fails the first batch of one: no pod, the
    FailedCreate event, and the active count unchanged."""
    spec = job.spec
    n_active = len(active)
    parallelism = spec.parallelism or 0
    per_index = spec.completion_mode == INDEXED and spec.backoff_limit_per_index is not None

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
    if not per_index:
        remaining = remaining_backoff(failures, last_failure, now)
        if remaining > 0:
            return n_active, True, max(remaining, SYNC_JOB_BATCH_PERIOD)
    diff = min(diff, MAX_POD_CREATE_DELETE_PER_SYNC)
    indexes: list = [None] * diff
    if spec.completion_mode == INDEXED:
        indexes = first_pending_indexes(job, succeeded_ix, active, terminating_pods, diff, failed_ix)
        if per_index:
            # getPodCreationInfoForIndependentIndexes: only indexes whose own
            # back-off has passed; else wait for the soonest.
            waits = {ix: remaining_backoff_per_index(delayed.get(ix), now) for ix in indexes}
            ready_now = [ix for ix in indexes if waits[ix] == 0]
            if not ready_now and indexes:
                return n_active, True, max(min(waits.values()), SYNC_JOB_BATCH_PERIOD)
            indexes = ready_now
    if refused is not None and indexes:
        if indexes[0] is not None:
            # the pod's generateName, which the API's message names, carries its index
            refused = refused.replace(f'"{job.metadata.name}-"', f'"{job.metadata.name}-{indexes[0]}-"', 1)
        actions.append(RecordEvent(ref, "FailedCreate", f"Error creating: {refused}", "Warning", NAME))
        return n_active, False, None
    for ix in indexes:
        counts = new_index_failure_counts(job, delayed.get(ix)) if per_index else None
        actions.append(Create(pod_from_template(job, ix, counts), (ref, "SuccessfulCreate", NAME)))
    return n_active + len(indexes), False, None


# -- watches (job_controller.go addPod/updatePod/deletePod, addJob/updateJob)


def watch_self(old, new, view) -> tuple:
    """addJob, deleteJob and updateJob with a new generation (a spec
    change): enqueueSyncJobImmediately (the sync of a deleted Job does
    nothing, and drops its pending wake-ups)."""
    obj = new if new is not None else old
    if old is not None and new is not None and old.metadata.generation == new.metadata.generation:
        return ()
    return (("Job", obj.metadata.namespace, obj.metadata.name),)


def needs_cleanup(job: Job) -> bool:
    """ttlafterfinished needsCleanup: a finished Job with ttlSecondsAfterFinished set."""
    return job.spec.ttl_seconds_after_finished is not None and is_finished(job)


def watch_ttl(old, new, view) -> tuple:
    """ttlafterfinished addJob / updateJob: a Job not being deleted that
    needsCleanup (so Jobs without a TTL never wake the controller). kstate
    also maps the delete of a Job that had one (kube has no handler for it)
    so that the sync of the gone Job drops a pending expiry wake-up."""
    if new is None:
        return (("Job", old.metadata.namespace, old.metadata.name),) if needs_cleanup(old) else ()
    if new.metadata.deletion_timestamp is None and needs_cleanup(new):
        return (("Job", new.metadata.namespace, new.metadata.name),)
    return ()


def watch_self_status(old, new, view) -> tuple:
    """updateJob without a generation change (status updates):
    enqueueSyncJobBatched, syncJobBatchPeriod later."""
    if old is None or new is None or old.metadata.generation != new.metadata.generation:
        return ()
    return (("Job", new.metadata.namespace, new.metadata.name),)


def watch_pods(old, new, view) -> tuple:
    """addPod / updatePod / deletePod: the controlling Job of the pod
    (resolveControllerRef), synced syncJobBatchPeriod later
    (enqueueSyncJobBatched); with no Job in the cluster (most pod changes)
    there is none."""
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
    if not needs_cleanup(job):
        return NOTHING
    ttl = job.spec.ttl_seconds_after_finished
    t = finish_time(job)
    if t is None:
        return NOTHING
    expire = t // 1000 * 1000 + ttl * 1000
    if now < expire:
        return Result(requeue_after=expire - now)
    m = job.metadata
    return Result((Delete("Job", m.namespace, m.name, m.uid, propagation="Foreground"),))
