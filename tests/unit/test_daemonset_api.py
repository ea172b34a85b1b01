"""DaemonSets through the public API: one pod per eligible node across node
churn, failed pods and their back-off, rolling updates (with their trace
orderings), OnDelete, revision history, garbage collection and drain."""
from __future__ import annotations

import pytest

import kstate
from kstate.controllers.actions import UpdateStatus
from kstate.io import tables
from kstate.resources.frozen import evolve


def daemonset(name="logs", image="fluentd:1", annotations=None, strategy=None, node_selector=None, **spec):
    tpl_spec = {"containers": [{"name": "agent", "image": image}]}
    if node_selector:
        tpl_spec["nodeSelector"] = node_selector
    d = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name},
         "spec": {"selector": {"matchLabels": {"app": name}},
                  "template": {"metadata": {"labels": {"app": name}, "annotations": dict(annotations or {})},
                               "spec": tpl_spec}, **spec}}
    if strategy is not None:
        d["spec"]["updateStrategy"] = strategy
    return d


def live_pods(c, name="logs"):
    return [p for p in c.list("pods") if p.metadata.labels.get("app") == name
            and p.metadata.deletion_timestamp is None]


def by_node(c, name="logs"):
    out = {}
    for p in live_pods(c, name):
        out.setdefault(p.spec.node_name, []).append(p.metadata.name)
    return out


def counts(c, name="logs"):
    s = c.get("DaemonSet", name).status
    return (s.desired_number_scheduled, s.current_number_scheduled, s.number_ready, s.updated_number_scheduled,
            s.number_available, s.number_unavailable, s.number_misscheduled)


def test_one_pod_per_node_pinned_by_node_affinity_and_bound_by_the_scheduler():
    c = kstate.Cluster(nodes=3)
    c.apply(daemonset())
    c.run_until_stable()
    assert sorted(by_node(c)) == ["node-0", "node-1", "node-2"]
    for p in live_pods(c):
        (term,) = p.spec.affinity.required_node_terms
        (req,) = term.match_fields
        assert (req.key, req.operator, req.values) == ("metadata.name", "In", (p.spec.node_name,))
        assert p.metadata.labels["controller-revision-hash"]
        assert p.metadata.generate_name == "logs-"
        assert {(t.key, t.effect, t.toleration_seconds) for t in p.spec.tolerations} >= {
            ("node.kubernetes.io/not-ready", "NoExecute", None),
            ("node.kubernetes.io/unreachable", "NoExecute", None),
            ("node.kubernetes.io/unschedulable", "NoSchedule", None)}
    # the trace: created unbound, then bound by the scheduler
    trace = c.trace()
    created = [i for i, line in enumerate(trace) if " create Pod default/logs-" in line]
    bound = [i for i, line in enumerate(trace) if " bind Pod default/logs-" in line]
    assert len(created) == len(bound) == 3 and max(created) < min(bound)
    assert counts(c) == (3, 3, 3, 3, 3, 0, 0)
    ds = c.get("DaemonSet", "logs")
    assert ds.status.observed_generation == ds.metadata.generation == 1
    assert tables.DAEMONSET_COLUMNS == ("NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE",
                                        "NODE SELECTOR", "AGE")
    assert tables.daemonset_row(ds, c.engine.now)[:7] == ["logs", "3", "3", "3", "3", "3", "<none>"]
    (rev,) = c.list("ControllerRevision")
    assert rev.metadata.name == f"logs-{rev.metadata.labels['controller-revision-hash']}" and rev.revision == 1
    assert tables.controllerrevision_row(rev, c.engine.now)[:3] == [rev.metadata.name, "daemonset.apps/logs", "1"]


def test_node_join_leave_taint_cordon_and_relabel():
    c = kstate.Cluster(nodes=3)
    c.apply(daemonset(node_selector={"logging": "on"}))
    for i in range(3):
        node = c.get("Node", f"node-{i}")
        c.engine.update(evolve(node, metadata=evolve(node.metadata, labels={**node.metadata.labels, "logging": "on"})))
    c.run_until_stable()
    assert sorted(by_node(c)) == ["node-0", "node-1", "node-2"]
    # a node without the label joins: nothing; one with it: a pod
    c.add_node("plain")
    c.add_node("extra", labels={"logging": "on"})
    c.run_until_stable()
    assert sorted(by_node(c)) == ["extra", "node-0", "node-1", "node-2"]
    # cordon: the daemon pod stays (it tolerates unschedulable)
    c.cordon("node-1")
    c.run_until_stable()
    assert "node-1" in by_node(c)
    # an untolerated NoSchedule taint keeps the running pod
    c.taint("node-2", "dedicated", "NoSchedule", "db")
    c.run_until_stable()
    assert "node-2" in by_node(c)
    assert counts(c)[0] == 3          # node-2 no longer counts as desired …
    assert counts(c)[6] == 1          # … its pod is misscheduled
    # an untolerated NoExecute taint removes it
    c.taint("node-0", "dedicated", "NoExecute", "db")
    c.run_until_stable()
    assert "node-0" not in by_node(c)
    # relabel: the node selector no longer matches → the DS deletes the pod
    node = c.get("Node", "extra")
    c.engine.update(evolve(node, metadata=evolve(node.metadata, labels={"kubernetes.io/hostname": "extra"})))
    c.run_until_stable()
    assert "extra" not in by_node(c)
    assert any(e.reason == "SuccessfulDelete" for e in c.events("DaemonSet", "logs"))
    # node leaves: PodGC removes the pod bound to it, the DS stops counting it
    c.remove_node("node-1")
    c.run_until_stable()
    assert sorted(by_node(c)) == ["node-2"]
    c.untaint("node-0", "dedicated")
    c.run_until_stable()
    assert sorted(by_node(c)) == ["node-0", "node-2"]
    assert counts(c) == (1, 1, 1, 1, 1, 0, 1)
    assert c.violations() == []


def _fail(c, pod_name):
    p = c.get("Pod", pod_name)
    st = evolve(p.status, phase="Failed", state="Failed", reason="OutOfcpu")
    c.engine.apply_action(UpdateStatus(evolve(p, status=st), "fail"))


def test_failed_pods_are_deleted_under_a_per_node_backoff_and_replaced():
    c = kstate.Cluster(nodes=2)
    c.apply(daemonset())
    c.run_until_stable()
    start = c.elapsed_ms
    deletions = []
    for _ in range(4):
        (victim,) = by_node(c)["node-0"]
        _fail(c, victim)
        c.run_until_stable()
        gone = next(line for line in c.trace() if f"remove Pod default/{victim}" in line)
        deletions.append(int(gone.split()[0]) - start)
        assert len(by_node(c)["node-0"]) == 1 and by_node(c)["node-0"][0] != victim
    # the first failure is deleted at once; each later one waits out a doubling back-off
    # measured from the previous deletion (1 s, 2 s, 4 s)
    assert deletions[0] == 0
    events = [e for e in c.events("DaemonSet", "logs") if e.reason == "FailedDaemonPod"]
    assert len(events) == 4 and all(e.type == "Warning" for e in events)
    assert events[0].message.startswith("Found failed daemon pod default/") and "on node node-0" in events[0].message


def test_failed_pod_backoff_gaps_double():
    c = kstate.Cluster(nodes=1)
    c.apply(daemonset())
    c.run_until_stable()
    times = []
    for _ in range(4):
        (victim,) = by_node(c)["node-0"]
        t_fail = c.elapsed_ms
        _fail(c, victim)
        c.run_until_stable()
        gone = next(line for line in c.trace() if f"remove Pod default/{victim}" in line)
        times.append(int(gone.split()[0]) - t_fail)
    # Each replacement runs 1 s before it fails. 1st: no entry → deleted at once
    # (back-off 1 s). 2nd: 1 s after the last deletion, the 1 s back-off is over →
    # at once (2 s). 3rd: 1 s into the 2 s back-off → the DS is requeued after the
    # whole back-off (enqueueDaemonSetAfter(ds, failedPodsBackoff.Get(key))), 2 s;
    # 4th: likewise 4 s.
    assert times == [0, 0, 2000, 4000]


def test_deleting_the_daemonset_garbage_collects_pods_and_revisions():
    c = kstate.Cluster(nodes=3)
    c.apply(daemonset())
    c.run_until_stable()
    c.delete("DaemonSet", "logs")
    c.run_until_stable()
    assert c.list("pods") == [] and c.list("ControllerRevision") == []


def test_rolling_update_replaces_one_node_at_a_time_in_node_order():
    c = kstate.Cluster(nodes=4)
    c.apply(daemonset())
    c.run_until_stable()
    mark = len(c.trace())
    c.set_image("ds", "logs", "agent", "fluentd:2")
    c.run_until_stable()
    trace = c.trace()[mark:]
    deletes = [line.split()[3].split("/")[1] for line in trace if " delete Pod " in line]
    creates = [i for i, line in enumerate(trace) if " create Pod " in line]
    assert len(deletes) == len(creates) == 4
    # maxUnavailable 1: never two daemon pods unavailable — each delete comes after
    # the previous replacement turned Ready
    ready = [i for i, line in enumerate(trace) if "Ready=True" in line]
    del_idx = [i for i, line in enumerate(trace) if " delete Pod " in line]
    for k in range(1, 4):
        assert ready[k - 1] < del_idx[k]
    nodes = [line.split("node=")[1] for line in trace if " bind Pod " in line]
    assert nodes == ["node-0", "node-1", "node-2", "node-3"]
    assert counts(c) == (4, 4, 4, 4, 4, 0, 0)
    assert sorted(r.revision for r in c.list("ControllerRevision")) == [1, 2]
    assert c.violations() == []


def test_rolling_update_with_max_unavailable_percent_rounds_up():
    """maxUnavailable 30% of 4 nodes → ceil(1.2) = 2 old pods deleted at once."""
    c = kstate.Cluster(nodes=4)
    c.apply(daemonset(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "30%"}}))
    c.run_until_stable()
    mark = len(c.trace())
    c.set_image("ds", "logs", "agent", "fluentd:2")
    c.advance(0)
    first = [line for line in c.trace()[mark:] if " delete Pod " in line]
    assert len(first) == 2
    c.run_until_stable()
    assert counts(c) == (4, 4, 4, 4, 4, 0, 0)


def test_surge_rolling_update_starts_the_new_pod_before_deleting_the_old():
    c = kstate.Cluster(nodes=2)
    c.apply(daemonset(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}))
    c.run_until_stable()
    old = {n: ps[0] for n, ps in by_node(c).items()}
    mark = len(c.trace())
    c.set_image("ds", "logs", "agent", "fluentd:2")
    c.run_until_stable()
    trace = c.trace()[mark:]
    for node, old_pod in old.items():
        new_bind = next(i for i, line in enumerate(trace) if " bind Pod " in line and f"node={node}" in line)
        new_name = trace[new_bind].split()[3]
        new_ready = next(i for i, line in enumerate(trace) if f"Pod {new_name} " in line and " Ready=True" in line)
        old_delete = next(i for i, line in enumerate(trace) if f"delete Pod default/{old_pod}" in line)
        assert new_bind < new_ready < old_delete
    assert all(len(ps) == 1 for ps in by_node(c).values())
    assert c.violations() == []
    assert counts(c) == (2, 2, 2, 2, 2, 0, 0)


def test_on_delete_replaces_only_deleted_pods():
    c = kstate.Cluster(nodes=3)
    c.apply(daemonset(strategy={"type": "OnDelete"}))
    c.run_until_stable()
    before = {n: ps[0] for n, ps in by_node(c).items()}
    c.set_image("ds", "logs", "agent", "fluentd:2")
    c.run_until_stable()
    assert {n: ps[0] for n, ps in by_node(c).items()} == before
    assert counts(c)[3] == 0                      # up-to-date
    c.delete("Pod", before["node-1"])
    c.run_until_stable()
    after = {n: ps[0] for n, ps in by_node(c).items()}
    assert after["node-0"] == before["node-0"] and after["node-1"] != before["node-1"]
    assert c.get("Pod", after["node-1"]).spec.containers[0].image == "fluentd:2"
    assert counts(c)[3] == 1


def test_terminating_pod_is_replaced_only_once_gone():
    c = kstate.Cluster(nodes=1)
    c.apply(daemonset(annotations={"kstate.io/stop-after": "20s"}))
    c.run_until_stable()
    (victim,) = by_node(c)["node-0"]
    c.delete("Pod", victim)
    c.advance("10s")
    assert [p.metadata.name for p in c.list("pods")] == [victim]
    c.advance("15s")
    c.run_until_stable()
    (replacement,) = by_node(c)["node-0"]
    assert replacement != victim


def test_revision_history_limit_and_revert_renumbers():
    c = kstate.Cluster(nodes=1)
    c.apply(daemonset(revisionHistoryLimit=1))
    c.run_until_stable()
    for image in ("fluentd:2", "fluentd:3"):
        c.set_image("ds", "logs", "agent", image)
        c.run_until_stable()
    revs = sorted((r.revision, r.data.spec.containers[0].image) for r in c.list("ControllerRevision"))
    assert revs == [(2, "fluentd:2"), (3, "fluentd:3")]
    c.set_image("ds", "logs", "agent", "fluentd:2")
    c.run_until_stable()
    revs = sorted((r.revision, r.data.spec.containers[0].image) for r in c.list("ControllerRevision"))
    assert revs == [(3, "fluentd:3"), (4, "fluentd:2")]


def test_drain_refuses_daemon_pods_unless_ignored_then_leaves_them():
    # kubectl drain's daemonSetFilter (staging/src/k8s.io/kubectl/pkg/drain/filters.go)
    c = kstate.Cluster(nodes=2)
    c.apply(daemonset())
    c.run_until_stable()
    before = c.snapshot()
    with pytest.raises(kstate.InvalidOperation) as e:
        c.drain("node-0")
    assert e.value.message.startswith("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): "
                                      "default/logs-")
    assert e.value.path == "ignore_daemonsets"
    assert c.snapshot() == before
    r = c.drain("node-0", ignore_daemonsets=True)
    assert r.evicted == () and len(r.ignored) == 1 and r.ok
    assert r.warnings == (f"ignoring DaemonSet-managed Pods: {r.ignored[0]}",)
    c.run_until_stable()
    assert "node-0" in by_node(c)


def test_selector_is_immutable():
    c = kstate.Cluster(nodes=1)
    c.apply(daemonset())
    changed = daemonset()
    changed["spec"]["selector"] = {"matchLabels": {"app": "logs", "tier": "x"}}
    changed["spec"]["template"]["metadata"]["labels"]["tier"] = "x"
    with pytest.raises(kstate.SpecError) as e:
        c.apply(changed)
    assert e.value.path == "spec.selector"


def test_defaults_round_trip():
    from kstate.io.manifests import to_manifest
    c = kstate.Cluster(nodes=1)
    c.apply(daemonset())
    spec = to_manifest(c.get("DaemonSet", "logs"))["spec"]
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert spec["revisionHistoryLimit"] == 10


def test_taint_and_untaint_validate():
    c = kstate.Cluster(nodes=1)
    with pytest.raises(kstate.SpecError):
        c.taint("node-0", "k", "Sometimes")
    c.taint("node-0", "k", "NoSchedule", "v")
    c.taint("node-0", "k", "NoSchedule", "w")
    assert [(t.key, t.value) for t in c.get("Node", "node-0").spec.taints] == [("k", "w")]
    c.untaint("node-0", "k")
    assert c.get("Node", "node-0").spec.taints == ()
    with pytest.raises(kstate.InvalidOperation):
        c.untaint("node-0", "k")


# ----------------------------------------------- the per-node slot machine

def _slots(c, ds_name="logs") -> dict:
    from kstate.controllers import daemonset as dsc
    eng = c.engine
    ds = eng.get("DaemonSet", "default", ds_name)
    pods: dict = {}
    if ds is not None:
        for p in eng.owned_by(ds.metadata.uid, "Pod"):
            node = dsc.get_target_node_name(p)
            if node is not None:
                pods.setdefault(node, []).append(p)
    names = {n.metadata.name for n in eng.list("Node")} | set(pods)
    return {n: dsc.slot_state(eng.get("Node", "", n), ds, pods.get(n, ())) for n in names}


def test_every_slot_change_is_an_edge_of_the_daemon_slot_machine():
    """Node join/leave/taint/cordon, a failed pod, a node failure and a surge
    rolling update: the state of every (DaemonSet, node) slot, looked at
    before every controller step, only moves along machines/daemonslot.py."""
    from kstate.controllers import CONTROLLERS
    from kstate.machines import lifecycle
    machine = lifecycle("daemonslot")
    seen: dict = {}
    moves: list = []

    def look(c):
        for node, state in _slots(c).items():
            prev = seen.get(node, "Absent")
            if prev == "Gone":
                continue
            if state != prev:
                moves.append((prev, state))
                seen[node] = state

    holder: list = []

    def wrap(ctrl):
        def observe(view, key):
            if holder:
                look(holder[0])
            return ctrl.observe(view, key)
        return ctrl._replace(observe=observe)

    c = kstate.Cluster(nodes=3, controllers={n: wrap(x) for n, x in CONTROLLERS.items()})
    holder.append(c)
    c.apply(daemonset(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
                      annotations={"kstate.io/start-after": "2s"}))
    c.run_until_stable()
    c.add_node("late")
    c.cordon("node-1")
    c.run_until_stable()
    c.taint("node-2", "dedicated", "NoExecute", "db")
    c.run_until_stable()
    c.untaint("node-2", "dedicated")
    c.run_until_stable()
    (victim,) = by_node(c)["node-0"]
    _fail(c, victim)
    c.run_until_stable()
    c.set_image("ds", "logs", "agent", "fluentd:2")
    c.run_until_stable()
    c.fail_node("late")
    c.advance("2m")
    c.remove_node("late")
    c.run_until_stable()
    look(c)
    assert moves, "no slot moved"
    bad = [(a, b) for a, b in moves if not machine.has_edge(a, b)]
    assert bad == []
    visited = {s for pair in moves for s in pair}
    assert {"Wanted", "Starting", "Running", "Surging", "Draining", "Terminating", "Failed", "Gone"} <= visited


def test_rollout_status_history_undo_restart_for_daemonsets():
    """kubectl rollout status/history/undo/restart daemonset/NAME."""
    c = kstate.Cluster(nodes=2)
    c.apply(daemonset(annotations={"kstate.io/start-after": "2s"}))
    c.advance(0)
    st = c.rollout_status("logs", kind="ds")
    assert (st.done, st.message) == (False, 'Waiting for daemon set "logs" rollout to finish: 0 of 2 updated pods '
                                            'are available...')
    c.run_until_stable()
    assert c.rollout_status("logs", kind="daemonset").message == 'daemon set "logs" successfully rolled out'
    c.set_image("ds", "logs", "agent", "fluentd:2")
    assert c.rollout_status("logs", kind="ds").message == "Waiting for daemon set spec update to be observed..."
    c.advance(0)
    assert c.rollout_status("logs", kind="ds").message.startswith(
        'Waiting for daemon set "logs" rollout to finish: ')
    c.run_until_stable()
    hist = c.rollout_history("logs", kind="ds")
    assert [h["revision"] for h in hist] == [1, 2]
    c.rollout_undo("logs", kind="ds")
    c.run_until_stable()
    assert {p.spec.containers[0].image for p in live_pods(c)} == {"fluentd:1"}
    assert [h["revision"] for h in c.rollout_history("logs", kind="ds")] == [2, 3]
    with pytest.raises(kstate.InvalidOperation):
        c.rollout_undo("logs", to_revision=7, kind="ds")
    before = {p.metadata.name for p in live_pods(c)}
    c.rollout_restart("logs", kind="ds")
    c.run_until_stable()
    assert not before & {p.metadata.name for p in live_pods(c)}
    assert "kubectl.kubernetes.io/restartedAt" in c.get("DaemonSet", "logs").spec.template.metadata.annotations
    on_delete = daemonset("other", strategy={"type": "OnDelete"})
    c.apply(on_delete)
    with pytest.raises(kstate.InvalidOperation):
        c.rollout_status("other", kind="ds")
    with pytest.raises(kstate.InvalidOperation):
        c.rollout_status("other", kind="pod")
    assert c.violations() == []
