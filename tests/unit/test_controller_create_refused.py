"""A controller whose pod template names a missing PriorityClass: the API
server's Priority admission refuses each create, the controller records
FailedCreate with the API's error and retries on its workqueue's rate limit.

Sources (1.35): plugin/pkg/admission/priority/admission.go
(resolvePriorityClass: admission.NewForbidden "no PriorityClass with name
%v was found"; the name is the generateName, as extractResourceName gives
it before a name is generated), pkg/controller/controller_utils.go
(RealPodControl.CreatePods: Warning FailedCreate "Error creating: %v"),
pkg/controller/replicaset/replica_set.go (slowStartBatch, syncReplicaSet:
calculateStatus with manageReplicasErr → ReplicaFailure, AddRateLimited),
pkg/controller/job/job_controller.go (manageJob, DefaultJobApiBackOff 1 s,
MaxJobApiBackOff 1 min), client-go workqueue default_rate_limiters.go."""
import kstate
from kstate.controllers import job as jobctl
from kstate.controllers import replicaset as rsctl
from kstate.controllers.actions import RecordEvent, SetMemory, UpdateStatus
from kstate.controllers.workqueue import FAILURES_KEY, failure_delay

REFUSED = 'pods "web-" is forbidden: no PriorityClass with name gold was found'


def _rs(replicas=2):
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"priorityClassName": "gold",
                                           "containers": [{"name": "a", "image": "nginx"}]}}}}


def _job(**spec):
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "jb"},
            "spec": {**spec, "template": {"spec": {"restartPolicy": "Never", "priorityClassName": "gold",
                                                   "containers": [{"name": "a", "image": "busybox"}]}}}}


GOLD = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "gold"}, "value": 100}


def test_failure_delay_is_client_go_item_exponential():
    assert [failure_delay(n) for n in range(4)] == [5, 10, 20, 40]
    assert failure_delay(18) == 1_000_000 and failure_delay(100) == 1_000_000
    assert [failure_delay(n, 1000, 60_000) for n in range(8)] == [1000, 2000, 4000, 8000, 16000, 32000,
                                                                  60000, 60000]


def test_replicaset_records_failed_create_and_replica_failure_by_exact_actions():
    c = kstate.Cluster(nodes=1, seed=0)
    c.stop_controller(rsctl.NAME)
    c.apply(_rs())
    key = ("ReplicaSet", "default", "web")
    obs = rsctl.observe_replicaset(c.engine, key)
    assert obs.refused == REFUSED
    result = rsctl.reconcile_replicaset(obs, c.engine.now)
    event, status, mem = result.actions
    assert event == RecordEvent(event.involved, "FailedCreate", f"Error creating: {REFUSED}", "Warning", rsctl.NAME)
    assert event.involved.name == "web"
    (cond,) = status.obj.status.conditions
    assert (cond.type, cond.status, cond.reason, cond.message) == ("ReplicaFailure", "True", "FailedCreate", REFUSED)
    assert type(status) is UpdateStatus and status.obj.status.replicas == 0
    assert mem == SetMemory(rsctl.NAME, (FAILURES_KEY,) + key, 1)
    assert result.requeue_after == 5


def test_replicaset_retries_on_the_rate_limit_and_creates_once_the_class_exists():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_rs())
    c.advance("10s")
    (ev,) = [e for e in c.events("ReplicaSet", "web") if e.reason == "FailedCreate"]
    # tries at 0 and again at 0 (its own status write wakes it, as updateRS does), then
    # 10, 30, 70, … 5110 ms: 11 in ten seconds, aggregated into one event
    assert (ev.type, ev.count, ev.message) == ("Warning", 11, f"Error creating: {REFUSED}")
    assert c.list("Pod") == []
    c.apply(GOLD)
    c.advance("229ms")
    assert c.list("Pod") == []                 # the RS does not watch PriorityClasses: it waits for its retry
    c.advance("1ms")
    pods = c.list("Pod")
    assert [p.spec.priority for p in pods] == [100, 100]
    assert [line for line in c.trace() if " create Pod " in line][0].startswith("10230 ")   # 5110 + 5 × 2^10
    rs = c.get("ReplicaSet", "web")
    assert rs.status.conditions == ()          # removed by the first sync without an error
    assert c.engine.memory(rsctl.NAME, (FAILURES_KEY, "ReplicaSet", "default", "web")) is None


def test_a_deployment_rollout_to_a_missing_class_keeps_the_old_pods():
    c = kstate.Cluster(nodes=1, seed=0)
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
           "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"containers": [{"name": "a", "image": "nginx:1"}]}}}}
    c.apply(dep)
    c.advance("5s")
    dep["spec"]["template"]["spec"]["priorityClassName"] = "gold"
    c.apply(dep)
    c.advance("30s")
    pods = c.list("Pod")
    assert len(pods) == 2 and all(p.spec.extra.get("priorityClassName") is None for p in pods)
    new_rs = [rs for rs in c.list("ReplicaSet") if rs.spec.template.spec.extra.get("priorityClassName")]
    (cond,) = new_rs[0].status.conditions
    assert (cond.reason, cond.message.endswith("no PriorityClass with name gold was found")) == ("FailedCreate", True)
    # progress.go syncRolloutStatus moves it into the deployment (getReplicaFailures)
    d = c.get("Deployment", "web")
    dc = next(x for x in d.status.conditions if x.type == "ReplicaFailure")
    assert (dc.status, dc.reason, dc.message, dc.last_update_time) == (
        "True", "FailedCreate", cond.message, cond.last_transition_time)
    c.apply(GOLD)
    c.advance("60s")
    d = c.get("Deployment", "web")
    assert [x.type for x in d.status.conditions if x.type == "ReplicaFailure"] == []
    assert sorted(p.spec.priority for p in c.list("Pod")) == [100, 100]


def test_job_records_failed_create_by_exact_actions():
    c = kstate.Cluster(nodes=1, seed=0)
    c.stop_controller(jobctl.NAME)
    c.apply(_job())
    key = ("Job", "default", "jb")
    obs = jobctl.observe_job(c.engine, key)
    result = jobctl.reconcile_job(obs, c.engine.now)
    event, status, mem = result.actions
    assert (event.reason, event.type, event.message) == (
        "FailedCreate", "Warning", 'Error creating: pods "jb-" is forbidden: no PriorityClass with name gold was found')
    assert (status.obj.status.active, status.obj.status.start_time) == (0, c.engine.now)
    assert mem == SetMemory(jobctl.NAME, (FAILURES_KEY,) + key, 1)
    assert result.requeue_after == 1000


def test_job_retries_every_1s_doubling_to_a_minute_then_runs():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_job())
    c.advance("100s")
    (ev,) = [e for e in c.events("Job", "jb") if e.reason == "FailedCreate"]
    assert ev.count == 7                        # 0, 1, 3, 7, 15, 31, 63 s; the next a minute later: 123 s
    assert c.get("Job", "jb").status.active == 0
    c.apply(GOLD)
    c.advance("30s")
    (pod,) = c.list("Pod")
    assert pod.spec.priority == 100 and pod.metadata.creation_timestamp - c.engine.start == 123_000


def test_indexed_job_message_names_the_index_pod():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_job(completionMode="Indexed", completions=3, parallelism=2))
    c.advance("0s")
    (ev,) = [e for e in c.events("Job", "jb") if e.reason == "FailedCreate"]
    assert ev.message == 'Error creating: pods "jb-0-" is forbidden: no PriorityClass with name gold was found'


def test_daemonset_records_failed_create_for_every_sync_and_creates_once_the_class_exists():
    from kstate.controllers import daemonset as dsctl
    c = kstate.Cluster(nodes=2, seed=0)
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
          "spec": {"selector": {"matchLabels": {"app": "agent"}},
                   "template": {"metadata": {"labels": {"app": "agent"}},
                                "spec": {"priorityClassName": "gold",
                                         "containers": [{"name": "a", "image": "agent:1"}]}}}}
    c.stop_controller(dsctl.NAME)
    c.apply(ds)
    obs = dsctl.observe_daemonset(c.engine, ("default", "agent"))
    result = dsctl.reconcile_daemonset(obs, c.engine.now)
    events = [a for a in result.actions if type(a) is RecordEvent]
    assert [(e.reason, e.message) for e in events] == [
        ("FailedCreate", 'Error creating: pods "agent-" is forbidden: no PriorityClass with name gold was found')]
    assert SetMemory(dsctl.NAME, (FAILURES_KEY, "default", "agent"), 1) in result.actions
    assert result.requeue_after == 5
    c.start_controller(dsctl.NAME)
    c.advance("1s")
    assert c.list("Pod") == []
    c.apply(GOLD)
    c.advance("2s")
    assert sorted(p.spec.node_name for p in c.list("Pod")) == ["node-0", "node-1"]


def test_statefulset_records_its_own_failed_create_wording():
    """stateful_pod_control.go CreateStatefulPod → recordPodEvent("create", …, err)."""
    c = kstate.Cluster(nodes=1, seed=0)
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
           "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                    "template": {"metadata": {"labels": {"app": "db"}},
                                 "spec": {"priorityClassName": "gold",
                                          "containers": [{"name": "a", "image": "db:1"}]}}}}
    c.apply(sts)
    c.advance("0s")
    (ev,) = [e for e in c.events("StatefulSet", "db") if e.reason == "FailedCreate"]
    assert (ev.type, ev.message) == ("Warning", 'create Pod db-0 in StatefulSet db failed error: pods "db-0" is '
                                                "forbidden: no PriorityClass with name gold was found")
    assert c.list("Pod") == []
    c.apply(GOLD)
    c.advance("5s")
    assert [p.metadata.name for p in c.list("Pod")] == ["db-0", "db-1"]
