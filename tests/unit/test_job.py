"""The Job kind and controller: decoding, defaults and validation
(pkg/apis/batch/v1/defaults.go, pkg/apis/batch/validation/validation.go), the
pod-failure back-off (backoff_utils_test.go), and whole-cluster lifecycles
driven by the kubelet's timing annotations."""
import attrs
import pytest

import kstate
from kstate.controllers import job as jc
from kstate.errors import SpecError
from kstate.io import parse_object, to_manifest

from tests.unit.helpers import pod, terminated


def job(name="pi", exit_after="5s", exit_code=0, restart="Never", annotations=None, **spec):
    ann = {"kstate.io/exit-after": exit_after, "kstate.io/exit-code": str(exit_code), **(annotations or {})}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"template": {"metadata": {"annotations": ann},
                                  "spec": {"restartPolicy": restart,
                                           "containers": [{"name": "c", "image": "busybox"}]}}, **spec}}


def job_lines(c, name="pi"):
    return [line for line in c.trace() if f"Job default/{name}" in line or "create Pod" in line]


# ------------------------------------------------------------------ decoding


def test_defaults_both_unset():
    j = parse_object(job())
    assert (j.spec.completions, j.spec.parallelism, j.spec.backoff_limit) == (1, 1, 6)
    assert j.spec.completion_mode == "NonIndexed" and j.spec.suspend is False
    assert j.spec.pod_replacement_policy == "TerminatingOrFailed"


def test_work_queue_when_only_parallelism_set():
    j = parse_object(job(parallelism=3))
    assert (j.spec.completions, j.spec.parallelism) == (None, 3)


def test_completions_only_defaults_parallelism_1():
    j = parse_object(job(completions=5))
    assert (j.spec.completions, j.spec.parallelism) == (5, 1)


def test_backoff_limit_per_index_defaults_backoff_limit_to_max_int32():
    j = parse_object(job(completions=3, completionMode="Indexed", backoffLimitPerIndex=1))
    assert j.spec.backoff_limit == 2**31 - 1


@pytest.mark.parametrize("restart,message", [
    ("Always", 'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'),
])
def test_restart_policy_always_refused(restart, message):
    with pytest.raises(SpecError) as e:
        parse_object(job(restart=restart))
    assert message in str(e.value)


def test_restart_policy_defaulted_always_refused():
    d = job()
    del d["spec"]["template"]["spec"]["restartPolicy"]
    with pytest.raises(SpecError, match="spec.template.spec.restartPolicy: Required value"):
        parse_object(d)


def test_indexed_needs_completions():
    with pytest.raises(SpecError, match="spec.completions: Required value: when completion mode is Indexed"):
        parse_object(job(parallelism=2, completionMode="Indexed"))


def test_indexed_hostname_must_be_a_label():
    with pytest.raises(SpecError, match="will not able to create pod with invalid DNS label"):
        parse_object(job(name="a" * 62, completions=10, completionMode="Indexed"))


def test_per_index_fields_need_indexed_mode():
    with pytest.raises(SpecError, match="spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion"):
        parse_object(job(backoffLimitPerIndex=1))


def test_manual_selector_must_match_template():
    with pytest.raises(SpecError, match="`selector` does not match template `labels`"):
        parse_object(job(manualSelector=True, selector={"matchLabels": {"a": "b"}}))


def test_selector_without_manual_selector_refused():
    with pytest.raises(SpecError, match="`selector` not auto-generated"):
        parse_object(job(selector={"matchLabels": {"a": "b"}}))


def test_pod_failure_policy_requires_never():
    pfp = {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}}]}
    with pytest.raises(SpecError, match='only "Never" is supported when podFailurePolicy is specified'):
        parse_object(job(restart="OnFailure", podFailurePolicy=pfp))
    j = parse_object(job(podFailurePolicy=pfp))
    assert j.spec.pod_replacement_policy == "Failed"


def test_generated_selector_and_labels_on_create():
    c = kstate.Cluster(nodes=1)
    j = c.apply(job())
    uid = j.metadata.uid
    assert j.spec.selector.match_labels == {"batch.kubernetes.io/controller-uid": uid}
    labels = j.spec.template.metadata.labels
    assert labels == {"controller-uid": uid, "batch.kubernetes.io/controller-uid": uid,
                      "job-name": "pi", "batch.kubernetes.io/job-name": "pi"}
    assert j.metadata.labels == labels  # SetDefaults_Job: the template's labels
    again = parse_object(to_manifest(c.get("Job", "pi")))
    assert again.spec == c.get("Job", "pi").spec


def test_template_is_immutable_parallelism_is_not():
    c = kstate.Cluster(nodes=1)
    c.apply(job(parallelism=1, completions=4))
    c.apply(job(parallelism=2, completions=4))           # reapplying keeps the generated parts
    assert c.get("Job", "pi").spec.parallelism == 2
    with pytest.raises(SpecError, match="spec.template: Invalid value: field is immutable"):
        c.apply(job(parallelism=2, completions=4, exit_after="9s"))
    with pytest.raises(SpecError, match="spec.completions: Invalid value: field is immutable"):
        c.apply(job(parallelism=2, completions=5))


# ------------------------------------------------------------------ back-off


@pytest.mark.parametrize("failures,since_last,want", [
    # backoff_utils_test.go TestGetRemainingBackoffTime (default 10s, max 600s)
    (0, 0, 0),
    (1, 0, 10_000),
    (1, 5_000, 5_000),
    (1, 10_000, 0),
    (2, 5_000, 15_000),
    (3, 0, 40_000),
    (7, 0, 600_000),          # 10s·2^6 = 640s → capped
    (50, 599_000, 1_000),
    (50, 700_000, 0),
])
def test_remaining_backoff(failures, since_last, want):
    now = 1_000_000_000
    assert jc.remaining_backoff(failures, now - since_last, now) == want


def test_new_backoff_record():
    """backoff_utils_test.go TestNewBackoffRecord: failures after the last
    success count; a success resets."""
    def failed(name, t):
        return pod(name, phase="Failed", container_statuses=(terminated(code=1, finished=t),))

    def ok(name, t):
        return pod(name, phase="Succeeded", container_statuses=(terminated(finished=t),))
    assert jc.new_backoff_record(0, None, [], [failed("a", 10_000)]) == (1, 10_000)
    assert jc.new_backoff_record(2, 5_000, [], [failed("a", 10_000), failed("b", 20_000)]) == (4, 20_000)
    assert jc.new_backoff_record(3, 5_000, [ok("s", 15_000)], []) == (0, None)
    assert jc.new_backoff_record(3, 5_000, [ok("s", 15_000)],
                                 [failed("a", 10_000), failed("b", 20_000), failed("c", 30_000)]) == (2, 30_000)


def test_format_and_parse_indexes():
    assert jc.format_indexes({1, 2, 3, 5}) == "1-3,5"
    assert jc.format_indexes({0, 1}) == "0,1"   # indexed_job_utils.go orderedIntervals.String
    assert jc.format_indexes({0, 1, 3, 4, 5}) == "0,1,3-5"
    assert jc.format_indexes(set()) == ""
    assert jc.parse_indexes("1-3,5,9", 6) == {1, 2, 3, 5}


# ------------------------------------------------------------- lifecycles


def test_completes_with_parallelism():
    c = kstate.Cluster(nodes=2)
    c.apply(job(completions=3, parallelism=2))
    c.advance("60s")
    j = c.get("Job", "pi")
    assert j.status.succeeded == 3 and j.status.active == 0
    assert [x.type for x in j.status.conditions] == ["SuccessCriteriaMet", "Complete"]
    # pods run 6 s; each pod event syncs the Job 1 s later (syncJobBatchPeriod):
    # the third pod starts at 7 s, the Job completes at 14 s
    assert j.status.completion_time - j.status.start_time == 14_000
    assert j.status.state == "Complete"
    assert sum(1 for line in c.trace() if "create Pod" in line) == 3
    assert [e.reason for e in c.events("Job")][-1] == "Completed"


def test_backoff_limit_exceeded_never():
    c = kstate.Cluster(nodes=1)
    c.apply(job(exit_after="2s", exit_code=1, backoffLimit=2))
    c.advance("200s")
    j = c.get("Job", "pi")
    assert j.status.failed == 3
    assert [(x.type, x.reason) for x in j.status.conditions] == [
        ("FailureTarget", "BackoffLimitExceeded"), ("Failed", "BackoffLimitExceeded")]
    creates = [int(line.split()[0]) for line in c.trace() if "create Pod" in line]
    # pods fail 3 s after creation; replacements wait 10 s, then 20 s
    assert creates == [0, 13_000, 36_000]


def test_backoff_limit_exceeded_on_failure_counts_restarts():
    c = kstate.Cluster(nodes=1)
    c.apply(job(exit_after="2s", exit_code=1, restart="OnFailure", backoffLimit=2))
    c.advance("120s")
    j = c.get("Job", "pi")
    assert any(x.type == "Failed" and x.reason == "BackoffLimitExceeded" for x in j.status.conditions)
    assert c.list("Pod") == [] or all(p.metadata.deletion_timestamp or p.status.phase in ("Failed", "Succeeded")
                                      for p in c.list("Pod"))


def test_active_deadline():
    c = kstate.Cluster(nodes=1)
    c.apply(job(exit_after="100s", activeDeadlineSeconds=10))
    c.advance("60s")
    j = c.get("Job", "pi")
    failed = [x for x in j.status.conditions if x.type == "Failed"]
    assert failed and failed[0].reason == "DeadlineExceeded"
    target = [x for x in j.status.conditions if x.type == "FailureTarget"][0]
    assert target.last_transition_time - j.status.start_time == 10_000
    # Failed only once the pod has terminated (grace period 30 s at most)
    assert failed[0].last_transition_time >= target.last_transition_time


def test_suspend_and_resume_reset_start_time():
    c = kstate.Cluster(nodes=1)
    c.apply(job(exit_after="30s", suspend=True))
    c.advance("5s")
    j = c.get("Job", "pi")
    assert j.status.start_time is None and j.status.state == "Suspended"
    assert [(x.type, x.status, x.reason) for x in j.status.conditions] == [("Suspended", "True", "JobSuspended")]
    assert c.list("Pod") == []
    c.apply(job(exit_after="30s", suspend=False))
    c.advance("1s")
    j = c.get("Job", "pi")
    assert j.status.start_time == c.engine.now - 1000
    assert [(x.type, x.status, x.reason) for x in j.status.conditions] == [("Suspended", "False", "JobResumed")]
    assert len(c.list("Pod")) == 1
    # suspending again deletes the active pod without counting it as failed
    c.apply(job(exit_after="30s", suspend=True))
    c.advance("40s")
    j = c.get("Job", "pi")
    assert j.status.failed == 0 and j.status.active == 0
    assert [e.reason for e in c.events("Job")].count("SuccessfulDelete") == 1


def test_work_queue_completes_after_first_success_without_deleting_others():
    c = kstate.Cluster(nodes=2)
    c.apply(job(parallelism=3))
    c.advance("60s")
    j = c.get("Job", "pi")
    assert j.spec.completions is None
    assert j.status.succeeded == 3 and any(x.type == "Complete" for x in j.status.conditions)
    assert not any("delete Pod" in line for line in c.trace())


def test_scale_down_deletes_surplus_newest_first():
    c = kstate.Cluster(nodes=1)
    c.apply(job(exit_after="100s", parallelism=3, completions=10))
    c.advance("2s")
    c.apply(job(exit_after="100s", parallelism=1, completions=10))
    c.advance("1s")
    assert c.get("Job", "pi").status.active == 1
    assert [e.reason for e in c.events("Job")].count("SuccessfulDelete") == 2


def test_indexed_job_completed_indexes_and_hostnames():
    c = kstate.Cluster(nodes=2)
    c.apply(job(completions=4, parallelism=2, completionMode="Indexed"))
    c.advance("1s")
    pods = sorted(c.list("Pod"), key=lambda p: p.metadata.annotations["batch.kubernetes.io/job-completion-index"])
    assert [p.metadata.annotations["batch.kubernetes.io/job-completion-index"] for p in pods] == ["0", "1"]
    assert [p.spec.hostname for p in pods] == ["pi-0", "pi-1"]
    assert [p.metadata.name.rsplit("-", 1)[0] for p in pods] == ["pi-0", "pi-1"]
    c.advance("8s")
    assert c.get("Job", "pi").status.completed_indexes == "0,1"
    c.advance("60s")
    j = c.get("Job", "pi")
    assert j.status.completed_indexes == "0-3" and j.status.succeeded == 4
    assert to_manifest(j)["status"]["completedIndexes"] == "0-3"


def test_ttl_after_finished_deletes_job_and_pods():
    c = kstate.Cluster(nodes=1)
    c.apply(job(ttlSecondsAfterFinished=30))
    c.advance("10s")
    assert c.get("Job", "pi").status.state == "Complete"
    c.advance("40s")
    assert c.list("Job") == [] and c.list("Pod") == []
    # complete at 7 s (the pod's exit at 6 s syncs the Job 1 s later) + 30 s
    assert any(line.startswith("37000 delete Job default/pi") for line in c.trace())


def test_ttl_controller_only_wakes_for_finished_jobs_with_a_ttl():
    """ttlafterfinished addJob/updateJob enqueue only when the Job is not
    being deleted and needsCleanup: a Job without ttlSecondsAfterFinished
    never costs the TTL controller a sync."""
    c = kstate.Cluster(nodes=1)
    c.apply(job(name="no-ttl"))
    c.apply(job(name="with-ttl", ttlSecondsAfterFinished=30))
    c.advance("10s")
    plain = parse_object(job(name="x"))
    done = parse_object(job(name="x", ttlSecondsAfterFinished=5))
    finished = c.get("Job", "with-ttl")
    assert jc.watch_ttl(None, plain, None) == ()
    assert jc.watch_ttl(None, done, None) == ()           # not finished yet
    assert jc.watch_ttl(None, finished, None) == (("Job", "default", "with-ttl"),)
    assert jc.watch_ttl(finished, None, None) == (("Job", "default", "with-ttl"),)
    assert jc.watch_ttl(c.get("Job", "no-ttl"), None, None) == ()
    deleting = attrs.evolve(finished, metadata=attrs.evolve(finished.metadata, deletion_timestamp=1))
    assert jc.watch_ttl(finished, deleting, None) == ()
    c.advance("40s")
    assert [j.metadata.name for j in c.list("Job")] == ["no-ttl"]


def test_kubectl_columns():
    c = kstate.Cluster(nodes=1)
    c.apply(job(completions=2))
    c.advance("3s")
    from kstate.registry import REGISTRY
    spec = REGISTRY.kind("Job")
    assert spec.columns == ("NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE")
    assert spec.row(c.get("Job", "pi"), c.engine.now) == ["pi", "Running", "0/2", "3s", "3s"]
