"""One Job sync by exact outcome: cases ported from
pkg/controller/job/job_controller_test.go (TestSyncJobWithJobPodFailurePolicy,
TestSyncJobWithJobBackoffLimitPerIndex, TestSyncJobWithJobSuccessPolicy,
TestControllerSyncJob), pod_failure_policy_test.go (TestMatchPodFailurePolicy)
and success_policy_test.go (TestMatchSuccessPolicy). Each case names the Go
case it comes from; the Go tests' pods and expected status counters are kept,
the fake clientset's recorded calls become kstate actions."""
import pytest

from kstate.controllers import job as jc
from kstate.controllers.actions import Create, Delete, RecordEvent, UpdateStatus
from kstate.controllers.replicaset import owner_reference
from kstate.io import parse_object
from kstate.io.batch_v1 import with_generated_selector
from kstate.resources.batch import ANN_COMPLETION_INDEX, ANN_INDEX_FAILURE_COUNT, ANN_INDEX_IGNORED_FAILURE_COUNT
from kstate.resources.frozen import FrozenDict, evolve
from kstate.resources.meta import Condition, ObjectMeta
from kstate.resources.pod import ContainerState, ContainerStatus, Pod, PodStatus

NOW = 1_000_000_000


def mk_job(**spec) -> "jc.Job":
    d = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "foobar", "namespace": "default"},
         "spec": {"template": {"spec": {"restartPolicy": "Never",
                                        "initContainers": [{"name": "init-container", "image": "busybox"}],
                                        "containers": [{"name": "main-container", "image": "busybox"}]}},
                  **spec}}
    j = parse_object(d)
    j = evolve(j, metadata=evolve(j.metadata, uid="job-uid", creation_timestamp=NOW - 60_000))
    j = with_generated_selector(j)
    return evolve(j, status=evolve(j.status, start_time=NOW - 30_000, state="Active", state_since=NOW - 30_000))


def mk_pod(job, name, phase="Running", index=None, exit_code=None, init_exit_code=None, container="main-container",
           conditions=(), annotations=None, finished=NOW - 1_000, deleted=False) -> Pod:
    ann = dict(annotations or {})
    if index is not None:
        ann[ANN_COMPLETION_INDEX] = str(index)
    statuses, init = (), ()
    if exit_code is not None:
        statuses = (ContainerStatus(name=container, state=ContainerState(
            "terminated", "Error" if exit_code else "Completed", exit_code=exit_code, finished_at=finished)),)
    elif phase == "Running":
        statuses = (ContainerStatus(name=container, ready=True, state=ContainerState("running", started_at=0)),)
    if init_exit_code is not None:
        init = (ContainerStatus(name="init-container", state=ContainerState(
            "terminated", "Error", exit_code=init_exit_code, finished_at=finished)),)
    conds = tuple(conditions)
    if phase == "Running" and not conds:
        conds = (Condition("Ready", "True", last_transition_time=NOW - 20_000),)
    meta = ObjectMeta(name=name, namespace="default", uid=f"uid-{name}", labels=job.spec.template.metadata.labels,
                      annotations=FrozenDict(ann), owner_references=(owner_reference(job),),
                      creation_timestamp=NOW - 25_000, deletion_timestamp=NOW - 500 if deleted else None)
    spec = evolve(job.spec.template.spec, node_name="node-0")
    return Pod(metadata=meta, spec=spec, status=PodStatus(phase=phase, container_statuses=statuses,
                                                          init_container_statuses=init, conditions=conds))


def sync(job, pods):
    return jc.reconcile_job(jc.JobObs(job=job, pods=tuple(sorted(pods, key=lambda p: p.metadata.name))), NOW)


def last_status(result):
    ups = [a for a in result.actions if isinstance(a, UpdateStatus)]
    assert ups, "no status write"
    return ups[-1].obj.status


def conds(status):
    return [(c.type, c.reason, c.message) for c in status.conditions]


def created(result):
    return [a.obj for a in result.actions if isinstance(a, Create)]


def deleted(result):
    return [a.name for a in result.actions if isinstance(a, Delete)]


def events(result):
    return [(a.reason, a.message) for a in result.actions if isinstance(a, RecordEvent)]


DISRUPTION = Condition("DisruptionTarget", "True", reason="DeletionByTaintManager")


def pfp(*rules):
    return {"rules": list(rules)}


def on_codes(action, values, op="In", container=None):
    req = {"operator": op, "values": values}
    if container is not None:
        req["containerName"] = container
    return {"action": action, "onExitCodes": req}


def on_cond(action, type_="DisruptionTarget"):
    return {"action": action, "onPodConditions": [{"type": type_}]}


# ------------------------------------------------- TestMatchPodFailurePolicy


@pytest.mark.parametrize("case,policy,pod_kw,want", [
    # pod_failure_policy_test.go TestMatchPodFailurePolicy
    ("unknown action for rule matching by exit codes - skip rule with unknown action",
     None, None, None),
    ("FailJob rule matched for exit codes",
     pfp(on_codes("FailJob", [1, 2, 3])), dict(exit_code=2),
     ("Container main-container for pod default/mypod failed with exit code 2 matching FailJob rule at index 0",
      True, "FailJob")),
    ("successful pod: exit code 0 never matches (NotIn)",
     pfp(on_codes("FailJob", [2], op="NotIn")), dict(exit_code=0, phase="Succeeded"), (None, True, None)),
    ("ignore rule matched for exit codes",
     pfp(on_codes("Ignore", [1, 2, 3])), dict(exit_code=2), (None, False, "Ignore")),
    ("FailIndex rule matched for exit codes",
     pfp(on_codes("FailIndex", [1, 2, 3])), dict(exit_code=2), (None, True, "FailIndex")),
    ("count rule matched for exit codes",
     pfp(on_codes("Count", [1, 2, 3])), dict(exit_code=2), (None, True, "Count")),
    ("FailJob rule matched for exit codes; NotIn operator",
     pfp(on_codes("FailJob", [1, 2, 3], op="NotIn")), dict(exit_code=4),
     ("Container main-container for pod default/mypod failed with exit code 4 matching FailJob rule at index 0",
      True, "FailJob")),
    ("no match; NotIn operator with the exit code listed",
     pfp(on_codes("FailJob", [1, 2, 3], op="NotIn")), dict(exit_code=2), (None, True, None)),
    ("default - container not matching the containerName",
     pfp(on_codes("FailJob", [1], container="init-container")), dict(exit_code=1), (None, True, None)),
    ("FailJob rule matched for init container exit codes",
     pfp(on_codes("FailJob", [5], container="init-container")), dict(init_exit_code=5, phase="Failed"),
     ("Container init-container for pod default/mypod failed with exit code 5 matching FailJob rule at index 0",
      True, "FailJob")),
    ("first rule wins: Ignore before FailJob",
     pfp(on_codes("Ignore", [1]), on_codes("FailJob", [1])), dict(exit_code=1), (None, False, "Ignore")),
    ("second rule at index 1",
     pfp(on_codes("Ignore", [3]), on_codes("FailJob", [1])), dict(exit_code=1),
     ("Container main-container for pod default/mypod failed with exit code 1 matching FailJob rule at index 1",
      True, "FailJob")),
    ("ignore rule matched for pod conditions",
     pfp(on_cond("Ignore")), dict(conditions=(DISRUPTION,)), (None, False, "Ignore")),
    ("FailJob rule matched for pod conditions",
     pfp(on_cond("FailJob")), dict(conditions=(DISRUPTION,)),
     ("Pod default/mypod has condition DisruptionTarget matching FailJob rule at index 0", True, "FailJob")),
    ("no match for pod conditions with status False",
     pfp({"action": "FailJob", "onPodConditions": [{"type": "DisruptionTarget", "status": "False"}]}),
     dict(conditions=(DISRUPTION,)), (None, True, None)),
])
def test_match_pod_failure_policy(case, policy, pod_kw, want):
    if policy is None:
        # A nil policy counts every failure (matchPodFailurePolicy's first return).
        j = mk_job()
        assert jc.match_pod_failure_policy(None, mk_pod(j, "mypod", "Failed", exit_code=1)) == (None, True, None)
        return
    j = mk_job(podFailurePolicy=policy, backoffLimitPerIndex=1, completionMode="Indexed", completions=1) \
        if any(r["action"] == "FailIndex" for r in policy["rules"]) else mk_job(podFailurePolicy=policy)
    kw = {"phase": "Failed", **pod_kw}
    p = mk_pod(j, "mypod", **kw)
    assert jc.match_pod_failure_policy(j.spec.pod_failure_policy, p) == want


# ---------------------------------------- TestSyncJobWithJobPodFailurePolicy


def test_pfp_fail_job_on_exit_code():
    """'job marked failed; exit code matching FailJob': the interim
    FailureTarget with reason PodFailurePolicy; the terminal Failed waits
    for no pod to be terminating (here none is)."""
    j = mk_job(podFailurePolicy=pfp(on_codes("FailJob", [5, 6, 7])), parallelism=1, completions=1)
    r = sync(j, [mk_pod(j, "mypod-0", "Failed", exit_code=5)])
    st = last_status(r)
    msg = "Container main-container for pod default/mypod-0 failed with exit code 5 matching FailJob rule at index 0"
    assert conds(st) == [("FailureTarget", "PodFailurePolicy", msg), ("Failed", "PodFailurePolicy", msg)]
    assert (st.active, st.failed, st.succeeded) == (0, 1, 0)
    assert events(r) == [("PodFailurePolicy", msg)]
    assert created(r) == []


def test_pfp_fail_job_deletes_running_pods_and_waits_for_them():
    """'job marked failed; exit code matching FailJob; other pod running':
    the running pod is deleted (and counted failed), the Job keeps only the
    FailureTarget until it is gone."""
    j = mk_job(podFailurePolicy=pfp(on_codes("FailJob", [5])), parallelism=2, completions=2)
    r = sync(j, [mk_pod(j, "a", "Failed", exit_code=5), mk_pod(j, "b", "Running")])
    st = last_status(r)
    assert [c[0] for c in conds(st)] == ["FailureTarget"]
    assert deleted(r) == ["b"]
    assert ("SuccessfulDelete", "Deleted pod: b") in events(r)
    assert (st.active, st.terminating, st.failed) == (0, 1, 2)


def test_pfp_ignore_exit_code_not_counted_and_replaced():
    """'job not failed; Ignore rule matched': failed stays 0; newBackoffRecord
    still sees every new failure, so the replacement waits out 10 s from the
    pod's finish time (1 s ago)."""
    j = mk_job(podFailurePolicy=pfp(on_codes("Ignore", [1, 2, 3])), backoffLimit=0)
    r = sync(j, [mk_pod(j, "mypod-0", "Failed", exit_code=1)])
    st = last_status(r)
    assert st.failed == 0 and conds(st) == []
    assert created(r) == [] and r.requeue_after == 9_000   # newBackoffRecord counts every new failure


def test_pfp_count_rule_reaches_backoff_limit():
    """'job marked failed; Count rule, backoffLimit 0'."""
    j = mk_job(podFailurePolicy=pfp(on_codes("Count", [1])), backoffLimit=0)
    st = last_status(sync(j, [mk_pod(j, "mypod-0", "Failed", exit_code=1)]))
    assert conds(st)[0][:2] == ("FailureTarget", "BackoffLimitExceeded")
    assert st.failed == 1


def test_pfp_no_rule_matched_counts():
    """'default handling; no rule matched; backoffLimit 0'."""
    j = mk_job(podFailurePolicy=pfp(on_codes("FailJob", [42])), backoffLimit=0)
    st = last_status(sync(j, [mk_pod(j, "mypod-0", "Failed", exit_code=1)]))
    assert conds(st)[0][:2] == ("FailureTarget", "BackoffLimitExceeded")


def test_pfp_ignore_disruption_target():
    """'job not failed; pod evicted, DisruptionTarget matched by Ignore':
    the evicted pod's failure is not counted against backoffLimit 0."""
    j = mk_job(podFailurePolicy=pfp(on_cond("Ignore"), on_codes("FailJob", [42])), backoffLimit=0)
    p = mk_pod(j, "mypod-0", "Failed", conditions=(DISRUPTION,), exit_code=137)
    st = last_status(sync(j, [p]))
    assert st.failed == 0 and conds(st) == []


def test_pfp_fail_job_on_disruption_target():
    j = mk_job(podFailurePolicy=pfp(on_cond("FailJob")))
    st = last_status(sync(j, [mk_pod(j, "mypod-0", "Failed", conditions=(DISRUPTION,))]))
    msg = "Pod default/mypod-0 has condition DisruptionTarget matching FailJob rule at index 0"
    assert conds(st)[0] == ("FailureTarget", "PodFailurePolicy", msg)


def test_pfp_running_pod_never_matched():
    """'running pod should not result in job fail based on OnExitCodes'."""
    j = mk_job(podFailurePolicy=pfp(on_codes("FailJob", [5])))
    r = sync(j, [mk_pod(j, "mypod-0", "Running")])
    assert not any(c[0] in ("FailureTarget", "Failed") for c in conds(last_status(r)))


def test_pfp_deleted_pending_pod_not_failed_with_pfp():
    """A pod being deleted is not failed when only failed pods are replaced
    (isPodFailed with a podFailurePolicy): no replacement while it
    terminates (podReplacementPolicy Failed)."""
    j = mk_job(podFailurePolicy=pfp(on_codes("FailJob", [5])))
    r = sync(j, [mk_pod(j, "mypod-0", "Running", deleted=True)])
    st = last_status(r)
    assert st.failed == 0 and st.terminating == 1 and created(r) == []


def test_pfp_existing_failure_target_becomes_failed():
    """'job marked failed; FailureTarget already set': the terminal Failed
    copies the FailureTarget reason and message."""
    j = mk_job(podFailurePolicy=pfp(on_codes("FailJob", [5])))
    ft = Condition("FailureTarget", "True", "PodFailurePolicy", "msg", NOW - 5_000, NOW - 5_000)
    j = evolve(j, status=evolve(j.status, conditions=(ft,), state="FailureTarget"))
    r = sync(j, [])
    assert conds(last_status(r)) == [("FailureTarget", "PodFailurePolicy", "msg"), ("Failed", "PodFailurePolicy", "msg")]


# -------------------------------------- TestSyncJobWithJobBackoffLimitPerIndex


def per_index_job(**kw):
    spec = dict(completionMode="Indexed", completions=2, parallelism=2, backoffLimitPerIndex=1)
    spec.update(kw)
    return mk_job(**spec)


def test_per_index_first_failure_retried_with_failure_count():
    """'single failed pod, not counted; retried with job-index-failure-count 1'."""
    j = per_index_job()
    failed = mk_pod(j, "p0", "Failed", index=0, exit_code=1, annotations={ANN_INDEX_FAILURE_COUNT: "0"},
                    finished=NOW - 20_000)
    r = sync(j, [failed, mk_pod(j, "p1", "Running", index=1, annotations={ANN_INDEX_FAILURE_COUNT: "0"})])
    (new,) = created(r)
    assert new.metadata.annotations[ANN_COMPLETION_INDEX] == "0"
    assert new.metadata.annotations[ANN_INDEX_FAILURE_COUNT] == "1"
    assert ANN_INDEX_IGNORED_FAILURE_COUNT not in new.metadata.annotations
    st = last_status(r)
    assert st.failed_indexes == "" and st.failed == 0       # delayed: counted once replaced
    assert "uid-p0" not in st.counted
    # next sync: the index is active again, the failure is counted
    again = sync(evolve(j, status=st), [failed, mk_pod(j, "p1", "Running", index=1),
                                        mk_pod(j, "p0b", "Running", index=0,
                                               annotations={ANN_INDEX_FAILURE_COUNT: "1"})])
    assert last_status(again).failed == 1


def test_per_index_backoff_per_index():
    """getRemainingTimePerIndex: the second failure of an index waits 20 s
    from its finish time."""
    j = per_index_job(backoffLimitPerIndex=3)
    failed = mk_pod(j, "p0", "Failed", index=0, exit_code=1, annotations={ANN_INDEX_FAILURE_COUNT: "1"},
                    finished=NOW - 5_000)
    r = sync(j, [failed, mk_pod(j, "p1", "Running", index=1)])
    assert created(r) == [] and r.requeue_after == 15_000


def test_per_index_index_fails_at_limit():
    """'single failed index due to exceeding the backoff limit per index'."""
    j = per_index_job()
    failed = mk_pod(j, "p0", "Failed", index=0, exit_code=1, annotations={ANN_INDEX_FAILURE_COUNT: "1"})
    r = sync(j, [failed, mk_pod(j, "p1", "Running", index=1)])
    st = last_status(r)
    assert st.failed_indexes == "0" and st.failed == 1 and created(r) == []
    assert conds(st) == []


def test_per_index_job_failed_when_all_indexes_finished():
    """'job failed index is failed and the other succeeded': reason
    FailedIndexes once every index has finished."""
    j = per_index_job()
    r = sync(j, [mk_pod(j, "p0", "Failed", index=0, exit_code=1, annotations={ANN_INDEX_FAILURE_COUNT: "1"}),
                 mk_pod(j, "p1", "Succeeded", index=1, exit_code=0)])
    st = last_status(r)
    assert conds(st) == [("FailureTarget", "FailedIndexes", "Job has failed indexes"),
                         ("Failed", "FailedIndexes", "Job has failed indexes")]
    assert (st.failed_indexes, st.completed_indexes, st.succeeded, st.failed) == ("0", "1", 1, 1)


def test_per_index_max_failed_indexes_exceeded():
    """'job with maxFailedIndexes 0 and a failed index'."""
    j = per_index_job(completions=3, parallelism=3, maxFailedIndexes=0)
    r = sync(j, [mk_pod(j, "p0", "Failed", index=0, exit_code=1, annotations={ANN_INDEX_FAILURE_COUNT: "1"}),
                 mk_pod(j, "p1", "Running", index=1), mk_pod(j, "p2", "Running", index=2)])
    st = last_status(r)
    msg = "Job has exceeded the specified maximal number of failed indexes"
    assert conds(st) == [("FailureTarget", "MaxFailedIndexesExceeded", msg)]
    assert sorted(deleted(r)) == ["p1", "p2"] and st.terminating == 2


def test_per_index_fail_index_action():
    """'FailIndex rule matched: the index fails without retries left'."""
    j = per_index_job(backoffLimitPerIndex=5, podFailurePolicy=pfp(on_codes("FailIndex", [42])))
    r = sync(j, [mk_pod(j, "p0", "Failed", index=0, exit_code=42, annotations={ANN_INDEX_FAILURE_COUNT: "0"}),
                 mk_pod(j, "p1", "Running", index=1)])
    st = last_status(r)
    assert st.failed_indexes == "0" and created(r) == []


def test_per_index_ignored_failure_annotated():
    """'Ignore rule matched: the replacement carries
    job-index-ignored-failure-count 1 and the failure count unchanged'."""
    j = per_index_job(podFailurePolicy=pfp(on_codes("Ignore", [137])))
    r = sync(j, [mk_pod(j, "p0", "Failed", index=0, exit_code=137, annotations={ANN_INDEX_FAILURE_COUNT: "0"},
                        finished=NOW - 60_000),
                 mk_pod(j, "p1", "Running", index=1)])
    (new,) = created(r)
    assert new.metadata.annotations[ANN_INDEX_FAILURE_COUNT] == "0"
    assert new.metadata.annotations[ANN_INDEX_IGNORED_FAILURE_COUNT] == "1"


def test_per_index_fresh_pods_carry_zero_failure_count():
    j = per_index_job()
    r = sync(j, [])
    assert [p.metadata.annotations[ANN_INDEX_FAILURE_COUNT] for p in created(r)] == ["0", "0"]
    assert last_status(r).failed_indexes == ""


# ---------------------------------------------- TestSyncJobWithJobSuccessPolicy


@pytest.mark.parametrize("rules,completions,succeeded,want", [
    # success_policy_test.go TestMatchSuccessPolicy
    ([], 10, {0}, None),
    ([{"succeededIndexes": "0-2"}], 10, {0, 1, 2}, "Matched rules at index 0"),
    ([{"succeededIndexes": "0-2"}], 10, {0, 1}, None),
    ([{"succeededIndexes": "0-2", "succeededCount": 2}], 10, {0, 2, 5}, "Matched rules at index 0"),
    ([{"succeededCount": 3}], 10, {0, 4, 9}, "Matched rules at index 0"),
    ([{"succeededCount": 4}], 10, {0, 4, 9}, None),
    ([{"succeededIndexes": "5-9"}, {"succeededCount": 1}], 10, {0}, "Matched rules at index 1"),
    ([{"succeededIndexes": "12-14"}, {"succeededIndexes": "1"}], 10, {1}, "Matched rules at index 1"),
    ([{"succeededIndexes": "1"}], 10, set(), None),
])
def test_match_success_policy(rules, completions, succeeded, want):
    assert jc.match_success_policy({"rules": rules}, completions, succeeded) == want


def test_success_policy_met_terminates_the_rest():
    """'job with successPolicy; job has SuccessCriteriaMet condition when
    the leader index succeeded': other pods are deleted, Complete waits for
    them."""
    j = mk_job(completionMode="Indexed", completions=3, parallelism=3,
               successPolicy={"rules": [{"succeededIndexes": "0"}]})
    r = sync(j, [mk_pod(j, "p0", "Succeeded", index=0, exit_code=0), mk_pod(j, "p1", "Running", index=1),
                 mk_pod(j, "p2", "Running", index=2)])
    st = last_status(r)
    assert conds(st) == [("SuccessCriteriaMet", "SuccessPolicy", "Matched rules at index 0")]
    assert sorted(deleted(r)) == ["p1", "p2"]
    assert (st.succeeded, st.completed_indexes, st.terminating, st.failed) == (1, "0", 2, 0)
    # pods gone: Complete with the same reason, terminating pods not counted failed
    done = sync(evolve(j, status=st), [mk_pod(j, "p0", "Succeeded", index=0, exit_code=0)])
    st2 = last_status(done)
    assert conds(st2)[-1] == ("Complete", "SuccessPolicy", "Matched rules at index 0")
    assert st2.failed == 0 and st2.completion_time == NOW
    assert events(done) == [("Completed", "Job completed")]


def test_success_policy_by_count():
    j = mk_job(completionMode="Indexed", completions=4, parallelism=2,
               successPolicy={"rules": [{"succeededCount": 2}]})
    st = last_status(sync(j, [mk_pod(j, "p0", "Succeeded", index=0, exit_code=0),
                              mk_pod(j, "p3", "Succeeded", index=3, exit_code=0)]))
    assert [c[:2] for c in conds(st)] == [("SuccessCriteriaMet", "SuccessPolicy"), ("Complete", "SuccessPolicy")]


# ----------------------------------------------------- TestControllerSyncJob


def test_controller_sync_job_completions_reached():
    """'job finish': completions reached, CompletionsReached."""
    j = mk_job(completions=2, parallelism=2)
    r = sync(j, [mk_pod(j, "a", "Succeeded", exit_code=0), mk_pod(j, "b", "Succeeded", exit_code=0)])
    st = last_status(r)
    msg = "Reached expected number of succeeded pods"
    assert conds(st) == [("SuccessCriteriaMet", "CompletionsReached", msg), ("Complete", "CompletionsReached", msg)]
    assert events(r) == [("Completed", "Job completed")]


def test_controller_sync_job_too_many_succeeded_pods():
    """'more succeeded pods than completions': the TooManySucceededPods
    warning before Completed (recordJobFinished)."""
    j = mk_job(completions=2, parallelism=3)
    r = sync(j, [mk_pod(j, n, "Succeeded", exit_code=0) for n in "abc"])
    assert events(r) == [("TooManySucceededPods", "Too many succeeded pods running after completion count reached"),
                         ("Completed", "Job completed")]


def test_controller_sync_job_too_many_active_deletes():
    """'too many active pods': parallelism 2, 3 running → one deleted."""
    j = mk_job(completions=5, parallelism=2)
    r = sync(j, [mk_pod(j, n, "Running") for n in "abc"])
    assert len(deleted(r)) == 1 and last_status(r).active == 2


def test_controller_sync_job_indexed_creates_pending_indexes():
    """'indexed job start': completions 5, parallelism 2 → indexes 0, 1."""
    j = mk_job(completionMode="Indexed", completions=5, parallelism=2)
    r = sync(j, [])
    assert [p.metadata.annotations[ANN_COMPLETION_INDEX] for p in created(r)] == ["0", "1"]
    assert last_status(r).active == 2


def test_controller_sync_job_indexed_completed_indexes_two_runs():
    """'indexed job some succeeded': orderedIntervals.String writes a run of
    two as `a,b`."""
    j = mk_job(completionMode="Indexed", completions=5, parallelism=2)
    r = sync(j, [mk_pod(j, "a", "Succeeded", index=0, exit_code=0), mk_pod(j, "b", "Succeeded", index=1, exit_code=0),
                 mk_pod(j, "d", "Succeeded", index=3, exit_code=0)])
    st = last_status(r)
    assert st.completed_indexes == "0,1,3" and st.succeeded == 3
    assert [p.metadata.annotations[ANN_COMPLETION_INDEX] for p in created(r)] == ["2", "4"]


# ------------------------------------------- validation.go (ValidateJobSpec)


@pytest.mark.parametrize("spec,message", [
    # validation_test.go TestValidateJob, the podFailurePolicy and successPolicy cases
    (dict(podFailurePolicy=pfp({"action": "UnknownAction", "onExitCodes": {"operator": "In", "values": [1]}})),
     'spec.podFailurePolicy.rules[0].action: Unsupported value: "UnknownAction"'),
    (dict(podFailurePolicy=pfp({"action": "FailJob"})),
     "spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required"),
    (dict(podFailurePolicy=pfp({"action": "FailJob", "onExitCodes": {"operator": "In", "values": [1]},
                                "onPodConditions": [{"type": "DisruptionTarget"}]})),
     "specifying both OnExitCodes and OnPodConditions is not supported"),
    (dict(podFailurePolicy=pfp(on_codes("FailJob", [0, 1]))),
     "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator"),
    (dict(podFailurePolicy=pfp(on_codes("FailJob", [2, 1]))),
     "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [...]: must be ordered"),
    (dict(podFailurePolicy=pfp(on_codes("FailJob", [1, 1]))),
     "spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Duplicate value: 1"),
    (dict(podFailurePolicy=pfp(on_codes("FailJob", []))),
     "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []: at least one value is required"),
    (dict(podFailurePolicy=pfp(on_codes("FailJob", [1], op="Between"))),
     'spec.podFailurePolicy.rules[0].onExitCodes.operator: Unsupported value: "Between"'),
    (dict(podFailurePolicy=pfp(on_codes("FailIndex", [1]))),
     'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set'),
    (dict(podFailurePolicy=pfp({"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget",
                                                                         "status": "Maybe"}]})),
     'spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: "Maybe"'),
    (dict(completionMode="Indexed", completions=5, successPolicy={"rules": []}),
     "spec.successPolicy.rules: Required value: at least one rules must be specified"),
    (dict(completionMode="Indexed", completions=5, successPolicy={"rules": [{}]}),
     "spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes"),
    (dict(completionMode="Indexed", completions=5, successPolicy={"rules": [{"succeededIndexes": "3,1"}]}),
     "error parsing succeededIndexes: non-increasing order, previous: 3, current: 1"),
    (dict(completionMode="Indexed", completions=5, successPolicy={"rules": [{"succeededIndexes": "0-7"}]}),
     'error parsing succeededIndexes: too large index: "7"'),
    (dict(completionMode="Indexed", completions=5, successPolicy={"rules": [{"succeededCount": 6}]}),
     "must be less than or equal to 5 (the number of specified completions)"),
    (dict(completionMode="Indexed", completions=5,
          successPolicy={"rules": [{"succeededIndexes": "0-1", "succeededCount": 3}]}),
     "must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)"),
])
def test_validation(spec, message):
    from kstate.errors import SpecError
    with pytest.raises(SpecError) as e:
        mk_job(**spec)
    assert message in str(e.value)


def test_pod_failure_policy_round_trips_with_defaulted_status():
    from kstate.io import to_manifest
    j = mk_job(podFailurePolicy=pfp(on_cond("Ignore"), on_codes("FailJob", [42], container="main-container")))
    out = to_manifest(j)["spec"]["podFailurePolicy"]
    assert out == {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]},
                             {"action": "FailJob", "onExitCodes": {"containerName": "main-container",
                                                                   "operator": "In", "values": [42]}}]}


def test_indexed_pods_get_job_completion_index_env():
    """indexed_job_utils.go addCompletionIndexEnvVariables: every init
    container and container gets JOB_COMPLETION_INDEX from the index label,
    unless it sets it itself."""
    j = mk_job(completionMode="Indexed", completions=2, parallelism=2)
    (p0, p1) = created(sync(j, []))
    want = {"name": "JOB_COMPLETION_INDEX",
            "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['batch.kubernetes.io/job-completion-index']"}}}
    for c in p0.spec.init_containers + p0.spec.containers:
        assert [dict(e) for e in c.extra["env"]][-1]["name"] == "JOB_COMPLETION_INDEX"
        from kstate.resources.frozen import thaw
        assert thaw(c.extra["env"][-1]) == want
    assert p1.metadata.labels[ANN_COMPLETION_INDEX] == "1"
    plain = created(sync(mk_job(completions=1), []))[0]
    assert "env" not in plain.spec.containers[0].extra


def test_failed_job_reports_no_ready_pods():
    """deleteActivePods subtracts the deleted ready pods from status.ready."""
    j = mk_job(podFailurePolicy=pfp(on_codes("FailJob", [5])), parallelism=2, completions=2)
    st = last_status(sync(j, [mk_pod(j, "a", "Failed", exit_code=5), mk_pod(j, "b", "Running")]))
    assert st.ready == 0 and st.active == 0
