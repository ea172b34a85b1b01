"""A controller taken down and brought back (Cluster.stop_controller /
start_controller): nothing it would do happens while it is down; on start its
informers list what it watches, as after a kube-controller-manager restart,
and it syncs. Kubernetes reference for the CronJob case: cronjob_controllerv2.go
syncCronJob / utils.go mostRecentScheduleTime (more than 100 missed times
since lastScheduleTime: the TooManyMissedTimes warning, the most recent one
still runs)."""
from __future__ import annotations

import pytest

from kstate import Cluster
from kstate.errors import InvalidOperation, SpecError
from kstate.io.scenario import load_scenario

EVERY_MINUTE = {
    "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick"},
    "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {
        "metadata": {"annotations": {"kstate.io/exit-after": "1s"}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "t", "image": "busybox"}]}}}}}}


def _jobs(c: Cluster) -> list[str]:
    return sorted(j.metadata.name for j in c.list("Job"))


def test_a_cronjob_controller_down_for_three_hours_runs_only_the_latest_missed_time():
    c = Cluster(nodes=1, seed=0, start="2026-01-01T10:00:00Z")
    c.apply(EVERY_MINUTE)
    c.advance("5m30s")
    assert _jobs(c)[-1] == "tick-29454365"                      # 10:05
    c.stop_controller("cronjob-controller")
    assert c.stopped_controllers() == ["cronjob-controller"]
    n = len(c.trace())
    c.advance("3h")
    assert not [line for line in c.trace()[n:] if " create Job " in line]
    c.start_controller("cronjob-controller")
    c.advance("0s")
    assert c.stopped_controllers() == []
    created = [line for line in c.trace()[n:] if " create Job " in line]
    assert created == ["11130000 create Job default/tick-29454545 completions=1 parallelism=1"]   # at 13:05:30, for 13:05
    (warning,) = [e for e in c.events("CronJob", "tick") if e.type == "Warning"]
    assert (warning.reason, warning.count) == ("TooManyMissedTimes", 1)


def test_objects_created_while_a_controller_is_down_are_listed_when_it_starts():
    c = Cluster(nodes=1, seed=0)
    c.stop_controller("deployment-controller")
    c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
             "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                      "template": {"metadata": {"labels": {"app": "web"}},
                                   "spec": {"containers": [{"name": "a", "image": "nginx"}]}}}})
    c.run_until_stable()
    assert c.list("ReplicaSet") == []
    c.start_controller("deployment-controller")
    c.run_until_stable()
    assert [rs.spec.replicas for rs in c.list("ReplicaSet")] == [2]
    assert len(c.list("Pod")) == 2


def test_starting_a_running_controller_changes_nothing():
    c = Cluster(nodes=1, seed=0)
    c.apply(EVERY_MINUTE)
    c.advance("2m")
    before = c.trace()
    c.start_controller("cronjob-controller")
    c.advance("0s")
    assert c.trace() == before


def test_an_unknown_controller_is_refused_and_changes_nothing():
    c = Cluster(nodes=1, seed=0)
    snap = c.snapshot()
    for bad in ("cronjob", "", None, 3):
        with pytest.raises(InvalidOperation, match="no controller named"):
            c.stop_controller(bad)
        with pytest.raises(InvalidOperation):
            c.start_controller(bad)
    assert c.stopped_controllers() == []
    assert c.snapshot() == snap


def test_a_snapshot_keeps_the_stopped_controller_and_its_due_keys():
    c = Cluster(nodes=1, seed=0, start="2026-01-01T10:00:00Z")
    c.apply(EVERY_MINUTE)
    c.advance("30s")
    c.stop_controller("cronjob-controller")
    c.advance("3m")
    r = Cluster.restore(c.snapshot())
    assert r.stopped_controllers() == ["cronjob-controller"]
    for x in (c, r):
        x.start_controller("cronjob-controller")
        x.advance("10s")
    assert r.trace() == c.trace()
    assert _jobs(r) == _jobs(c) == ["tick-29454363"]             # 10:03, the most recent missed


def test_the_scenario_operation_takes_a_controller_name(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("name: s\ncluster: {nodes: 1}\nrun: {until: 5s}\ntimeline:\n  - at: 1s\n    stop-controller: {name: kubelet}\n")
    with pytest.raises(SpecError, match="must be a string"):
        load_scenario(str(p))
