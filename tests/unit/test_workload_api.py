"""Deployment/ReplicaSet operations through the public API: rollouts, scale,
pause/resume, undo, restart, garbage collection, and the acceptance traces."""
import pytest

import kstate


def deployment(name="web", replicas=10, image="nginx:1.25", annotations=None, strategy=None, **spec):
    d = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
         "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                  "template": {"metadata": {"labels": {"app": name}, "annotations": dict(annotations or {})},
                               "spec": {"containers": [{"name": "app", "image": image}]}}, **spec}}
    if strategy is not None:
        d["spec"]["strategy"] = strategy
    return d


def rs_sizes(c, name="web"):
    """(new, old) spec.replicas by creation order: oldest first."""
    rss = sorted(c.list("ReplicaSet"), key=lambda r: (r.metadata.creation_timestamp, r.metadata.name))
    return tuple(r.spec.replicas for r in rss)


def record_sizes(c, until_ms):
    """Every distinct RS-size tuple the trace passes through until `until_ms`."""
    seen = []
    while c.elapsed_ms <= until_ms:
        eng = c.engine
        eng._drain()
        sizes = rs_sizes(c)
        if not seen or seen[-1] != sizes:
            seen.append(sizes)
        at = eng.next_event_time()
        if at is None or at - eng.start > until_ms:
            break
        eng.run_to(at)
        if not seen or seen[-1] != rs_sizes(c):
            seen.append(rs_sizes(c))
    return seen


class Recorder:
    """Collect RS sizes after every applied ReplicaSet write, via the engine's trace."""

    def __init__(self, c):
        self.c = c
        self.seen = []
        eng = c.engine
        orig = eng._replace

        def spy(obj, verb, detail="", **changes):
            out = orig(obj, verb, detail, **changes)
            if obj.KIND == "ReplicaSet" and verb == "update":
                self.snap()
            return out
        eng._replace = spy
        orig_create = eng.create

        def spy_create(obj):
            out = orig_create(obj)
            if obj.KIND == "ReplicaSet":
                self.snap()
            return out
        eng.create = spy_create

    def snap(self):
        rss = sorted(self.c.list("ReplicaSet"), key=lambda r: (r.metadata.creation_timestamp, r.metadata.name))
        sizes = tuple(r.spec.replicas for r in rss)
        pair = (sizes[-1], sizes[0]) if len(sizes) == 2 else sizes
        if not self.seen or self.seen[-1] != pair:
            self.seen.append(pair)


def test_rolling_update_trace_when_new_pods_are_available_at_once():
    """Reference §10 / issue acceptance: (new, old) 0/10 → 3/10 → 3/5 → 8/5 → 8/0 → 10/0."""
    c = kstate.Cluster(nodes=4)
    c.apply(deployment(annotations={"kstate.io/start-after": "0s"}))
    c.run_until_stable()
    rec = Recorder(c)
    c.set_image("deployment", "web", "app", "nginx:1.27")
    c.run_until_stable()
    assert rec.seen == [(3, 10), (3, 5), (8, 5), (8, 0), (10, 0)]
    assert c.rollout_status("web").done


def test_rolling_update_stuck_when_new_pods_never_ready():
    """0/10 → 3/10 → 3/8 → 5/8, then stuck: 13 pods, 8 available; after the
    600 s progress deadline Progressing=False ProgressDeadlineExceeded."""
    c = kstate.Cluster(nodes=4)
    c.apply(deployment())
    c.run_until_stable()
    rec = Recorder(c)
    start = c.elapsed_ms
    d = deployment(annotations={"kstate.io/never-ready": "true"}, image="nginx:bad")
    c.apply(d)
    c.run_until_stable(timeout="20m")
    assert rec.seen == [(3, 10), (3, 8), (5, 8)]
    dep = c.get("Deployment", "web")
    assert (dep.status.replicas, dep.status.available_replicas, dep.status.updated_replicas) == (13, 8, 5)
    prog = next(x for x in dep.status.conditions if x.type == "Progressing")
    assert (prog.status, prog.reason) == ("False", "ProgressDeadlineExceeded")
    assert prog.last_transition_time - c.engine.start - start == 601_000   # strict `<` + the 1 s requeue
    assert dep.status.state == "Failed"
    st = c.rollout_status("web")
    assert st.failed and st.message == 'deployment "web" exceeded its progress deadline'
    assert len([p for p in c.list("pods") if p.metadata.deletion_timestamp is None]) == 13


def test_max_surge_zero_never_overprovisions():
    c = kstate.Cluster(nodes=4)
    c.apply(deployment(replicas=4, strategy={"type": "RollingUpdate",
                                             "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}))
    c.run_until_stable()
    rec = Recorder(c)
    c.set_image("deploy", "web", "app", "nginx:2")
    c.run_until_stable()
    assert all(sum(p) <= 4 for p in rec.seen)
    assert rec.seen[-1] == (4, 0)


def test_recreate_waits_for_old_pods_to_be_gone():
    c = kstate.Cluster(nodes=4)
    c.apply(deployment(replicas=3, strategy={"type": "Recreate"},
                       annotations={"kstate.io/stop-after": "20s"}))
    c.run_until_stable()
    c.set_image("deploy", "web", "app", "nginx:2")
    c.advance("10s")
    assert len(c.list("ReplicaSet")) == 1          # new RS not created while old pods terminate
    assert all(p.metadata.deletion_timestamp is not None for p in c.list("pods"))
    c.advance("11s")
    rss = c.list("ReplicaSet")
    assert len(rss) == 2
    c.run_until_stable()
    assert rs_sizes(c) == (0, 3)


def test_scale_during_paused_rollout_is_proportional():
    c = kstate.Cluster(nodes=6)
    c.apply(deployment(replicas=10, annotations={"kstate.io/never-ready": "true"}))
    c.advance("5s")
    c.apply(deployment(replicas=10, image="nginx:2", annotations={"kstate.io/never-ready": "true"}))
    c.advance("5s")
    c.rollout_pause("web")
    c.advance("1s")
    before = rs_sizes(c)
    assert sum(before) == 13
    c.scale("deployment", "web", 20)
    c.advance("1s")
    after = rs_sizes(c)
    assert sum(after) == 25             # 20 + 25 % surge (5)
    assert len(c.list("ReplicaSet")) == 2
    c.set_image("deploy", "web", "app", "nginx:3")   # paused: no new RS
    c.advance("10s")
    assert len(c.list("ReplicaSet")) == 2
    cond = next(x for x in c.get("Deployment", "web").status.conditions if x.type == "Progressing")
    assert (cond.status, cond.reason) == ("Unknown", "DeploymentPaused")
    assert c.violations() == []
    c.rollout_resume("web")
    c.advance("1s")
    assert len(c.list("ReplicaSet")) == 3


def test_undo_to_previous_and_given_revision():
    c = kstate.Cluster(nodes=4)
    c.apply(deployment(replicas=2))
    c.run_until_stable()
    for image in ("nginx:2", "nginx:3"):
        c.set_image("deploy", "web", "app", image)
        c.run_until_stable()
    assert [h["revision"] for h in c.rollout_history("web")] == [1, 2, 3]
    c.rollout_undo("web")
    c.run_until_stable()
    assert c.get("deploy", "web").spec.template.spec.containers[0].image == "nginx:2"
    assert [h["revision"] for h in c.rollout_history("web")] == [1, 3, 4]
    rs = next(r for r in c.list("rs") if r.spec.replicas > 0)
    assert rs.metadata.annotations["deployment.kubernetes.io/revision-history"] == "2"
    c.rollout_undo("web", to_revision=1)
    c.run_until_stable()
    assert c.get("deploy", "web").spec.template.spec.containers[0].image == "nginx:1.25"
    with pytest.raises(kstate.InvalidOperation, match="unable to find specified revision 9"):
        c.rollout_undo("web", to_revision=9)


def test_revision_history_limit_cleans_old_replica_sets():
    c = kstate.Cluster(nodes=4)
    c.apply(deployment(replicas=1, revisionHistoryLimit=1))
    c.run_until_stable()
    for image in ("nginx:2", "nginx:3", "nginx:4"):
        c.set_image("deploy", "web", "app", image)
        c.run_until_stable()
    assert len(c.list("rs")) == 2   # the active one + 1 of history


def test_restart_creates_a_new_replica_set():
    c = kstate.Cluster(nodes=2)
    c.apply(deployment(replicas=2))
    c.run_until_stable()
    c.rollout_restart("web")
    c.run_until_stable()
    new = next(r for r in c.list("rs") if r.spec.replicas > 0)
    assert "kubectl.kubernetes.io/restartedAt" in new.spec.template.metadata.annotations
    assert len(c.list("rs")) == 2


@pytest.mark.parametrize("policy,rs_left,pods_left", [("Background", 0, 0), ("Foreground", 0, 0), ("Orphan", 1, 3)])
def test_deletion_propagation(policy, rs_left, pods_left):
    c = kstate.Cluster(nodes=2)
    c.apply(deployment(replicas=3))
    c.run_until_stable()
    c.engine.delete("Deployment", "default", "web", propagation=policy)
    c.run_until_stable()
    assert len(c.list("rs")) == rs_left
    assert len(c.list("pods")) == pods_left
    if policy == "Orphan":
        assert all(not r.metadata.owner_references for r in c.list("rs"))


def test_foreground_deletion_waits_for_dependents():
    c = kstate.Cluster(nodes=2)
    c.apply(deployment(replicas=2, annotations={"kstate.io/stop-after": "10s"}))
    c.run_until_stable()
    c.engine.delete("Deployment", "default", "web", propagation="Foreground")
    c.advance("5s")
    d = c.get("deploy", "web")
    assert d.metadata.deletion_timestamp is not None and "foregroundDeletion" in d.metadata.finalizers
    c.advance("10s")
    with pytest.raises(kstate.NotFound):
        c.get("deploy", "web")


def test_replicaset_adopts_orphans_and_releases_non_matching():
    c = kstate.Cluster(nodes=2)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "orphan", "labels": {"app": "x"}},
             "spec": {"containers": [{"name": "a", "image": "x"}]}})
    c.apply({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs"},
             "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "x"}},
                      "template": {"metadata": {"labels": {"app": "x"}},
                                   "spec": {"containers": [{"name": "a", "image": "x"}]}}}})
    c.run_until_stable()
    pods = c.list("pods")
    assert len(pods) == 2
    assert c.get("Pod", "orphan").metadata.owner_references[0].name == "rs"
    p = c.get("Pod", "orphan")
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "orphan", "labels": {"app": "y"}},
             "spec": {"containers": [{"name": "a", "image": "x"}]}})
    c.run_until_stable()
    assert c.get("Pod", "orphan").metadata.owner_references == ()
    assert len(c.list("pods", selector="app=x")) == 2


def test_replication_controller_selector_defaults_from_template():
    c = kstate.Cluster(nodes=2)
    rc = c.apply({"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "rc"},
                  "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "rc"}},
                                                       "spec": {"containers": [{"name": "a", "image": "x"}]}}}})
    assert dict(rc.spec.selector) == {"app": "rc"}
    c.run_until_stable()
    assert len(c.list("pods", selector="app=rc")) == 3
    c.scale("rc", "rc", 1)
    c.run_until_stable()
    assert len(c.list("pods", selector="app=rc")) == 1
    assert c.get("rc", "rc").status.replicas == 1


def test_replicaset_replaces_evicted_pods_and_status_counts():
    c = kstate.Cluster(nodes=3)
    c.apply(deployment(replicas=6))
    c.run_until_stable()
    node = c.list("pods")[0].spec.node_name
    on_node = [p.metadata.name for p in c.list("pods") if p.spec.node_name == node]
    c.fail_node(node)
    c.advance("7m")
    live = [p for p in c.list("pods") if p.metadata.deletion_timestamp is None]
    assert len(live) == 6 and not any(p.metadata.name in on_node for p in live)
    d = c.get("deploy", "web")
    assert d.status.available_replicas == 6
    assert c.violations() == []


def test_scale_and_set_image_errors():
    c = kstate.Cluster(nodes=1)
    c.apply(deployment(replicas=1))
    with pytest.raises(kstate.SpecError):
        c.scale("deploy", "web", -1)
    with pytest.raises(kstate.SpecError, match="unable to find container"):
        c.set_image("deploy", "web", "nope", "x")
    with pytest.raises(kstate.InvalidOperation):
        c.scale("node", "node-0", 2)
    with pytest.raises(kstate.SpecError, match="immutable"):
        d = deployment(replicas=1)
        d["spec"]["selector"] = {"matchLabels": {"app": "web", "x": "y"}}
        d["spec"]["template"]["metadata"]["labels"]["x"] = "y"
        c.apply(d)
