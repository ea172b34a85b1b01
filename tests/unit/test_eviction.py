"""The eviction subresource and `kubectl drain` through it.

Eviction cases port pkg/registry/core/pod/storage/eviction_test.go
(TestEviction, TestEvictionIgnorePDB, TestEvictionPDBStatus) at the declared
Kubernetes version: the budget's status is written by hand (the disruption
controller left out) where the Go test fixes it; drain cases follow
staging/src/k8s.io/kubectl/pkg/drain (filters.go, drain.go evictPods)."""
from __future__ import annotations

import pytest

import kstate
from kstate.controllers import CONTROLLERS, disruption
from kstate.controllers.actions import UpdateStatus
from kstate.resources.frozen import FrozenDict, evolve
from kstate.resources.policy import PodDisruptionBudgetStatus

MSG = "Cannot evict pod as it would violate the pod's disruption budget."


def deployment(name="web", replicas=3, labels=None):
    labels = labels or {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}}


def budget(name="web", selector=None, policy=None, **spec):
    s = {"selector": {"matchLabels": selector or {"app": "web"}}, **spec}
    if policy is not None:
        s["unhealthyPodEvictionPolicy"] = policy
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name}, "spec": s}


def without_disruption_controller():
    return {k: v for k, v in CONTROLLERS.items() if k != disruption.NAME}


def set_status(c, name, **fields):
    b = c.get("pdb", name)
    st = evolve(PodDisruptionBudgetStatus(observed_generation=b.metadata.generation), **fields)
    c.engine.apply_action(UpdateStatus(evolve(b, status=st)))


def pods(c):
    return sorted(c.list("Pod"), key=lambda p: p.metadata.name)


def test_eviction_spends_the_budget_then_429_with_the_budget_reason():
    c = kstate.Cluster(nodes=3)
    c.apply([deployment(), budget(minAvailable=2)])
    c.run_until_stable()
    first, second = pods(c)[:2]
    assert c.evict(first.metadata.name) is None
    b = c.get("pdb", "web")
    assert (b.status.disruptions_allowed, dict(b.status.disrupted_pods)) == (0, {first.metadata.name: c.engine.now})
    (cond,) = b.status.conditions
    assert (cond.status, cond.reason) == ("False", "InsufficientPods")
    gone = c.get("Pod", first.metadata.name)
    assert gone.metadata.deletion_timestamp is not None
    dt = [x for x in gone.status.conditions if x.type == "DisruptionTarget"][0]
    assert (dt.status, dt.reason, dt.message) == ("True", "EvictionByEvictionAPI", "Eviction API: evicting")
    before = c.snapshot()
    with pytest.raises(kstate.TooManyRequests) as e:
        c.evict(second.metadata.name)
    assert (e.value.code, e.value.message) == (429, MSG)
    assert c.snapshot() == before
    c.run_until_stable()
    # the replacement is Ready: one disruption allowed again
    assert c.get("pdb", "web").status.disruptions_allowed == 1
    c.evict(second.metadata.name)


# TestEviction: "matching pdbs with no disruptions allowed" per pod phase.
@pytest.mark.parametrize("phase_pod,evicted", [("running", False), ("pending", True), ("terminating", True)])
def test_eviction_no_disruptions_allowed(phase_pod, evicted):
    c = kstate.Cluster(nodes=1 if phase_pod != "pending" else 0, controllers=without_disruption_controller())
    c.apply([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"app": "web"}},
              "spec": {"containers": [{"name": "app", "image": "nginx"}]}}, budget(minAvailable=1)])
    c.run_until_stable()
    if phase_pod == "terminating":
        c.delete("Pod", "p", grace_period=300)
    set_status(c, "web", disruptions_allowed=0, current_healthy=1, desired_healthy=1, expected_pods=1)
    if evicted:
        c.evict("p")
        p = c.engine.get("Pod", "default", "p")
        assert p is None or p.metadata.deletion_timestamp is not None
    else:
        with pytest.raises(kstate.TooManyRequests) as e:
            c.evict("p")
        assert e.value.causes == (("DisruptionBudget", "The disruption budget web needs 1 healthy pods and has 1 "
                                                       "currently"),)


# TestEviction: the 429 cause per the budget's state (checkAndDecrement's switch).
@pytest.mark.parametrize("fields,cause", [
    (dict(disruptions_allowed=0, current_healthy=3, desired_healthy=2),
     "The disruption budget web does not allow evicting pods currently"),
    (dict(disruptions_allowed=0, current_healthy=3, desired_healthy=2, conditions=(
        __import__("kstate.resources.policy", fromlist=["PDBCondition"]).PDBCondition(
            "DisruptionAllowed", "False", "SyncFailed", "found no controllers for pod \"p\""),)),
     'The disruption budget web does not allow evicting pods currently because it failed sync: found no '
     'controllers for pod "p"'),
])
def test_eviction_429_causes(fields, cause):
    c = kstate.Cluster(nodes=1, controllers=without_disruption_controller())
    c.apply([deployment(replicas=1), budget(minAvailable=2)])
    c.run_until_stable()
    set_status(c, "web", **fields)
    with pytest.raises(kstate.TooManyRequests) as e:
        c.evict(pods(c)[0].metadata.name)
    assert e.value.causes == (("DisruptionBudget", cause),)


def test_eviction_refused_before_the_controller_saw_the_generation_and_when_negative():
    c = kstate.Cluster(nodes=1, controllers=without_disruption_controller())
    c.apply([deployment(replicas=1), budget(minAvailable=0)])
    c.run_until_stable()
    name = pods(c)[0].metadata.name
    with pytest.raises(kstate.TooManyRequests) as e:       # observedGeneration 0 < generation 1
        c.evict(name)
    assert e.value.causes == (("DisruptionBudget", "The disruption budget web is still being processed by the "
                                                   "server."),)
    set_status(c, "web", disruptions_allowed=-1)
    with pytest.raises(kstate.EvictionForbidden) as e:
        c.evict(name)
    assert (e.value.code, e.value.message) == (403, 'poddisruptionbudget.policy "web" is forbidden: pdb disruptions '
                                                    "allowed is negative")
    set_status(c, "web", disruptions_allowed=1, disrupted_pods=FrozenDict({f"p{i}": 0 for i in range(2001)}))
    with pytest.raises(kstate.EvictionForbidden, match="DisruptedPods map too big"):
        c.evict(name)


def test_eviction_with_two_budgets_is_500_and_dry_run_changes_nothing():
    c = kstate.Cluster(nodes=1)
    c.apply([deployment(replicas=2), budget(maxUnavailable=1), budget("web2", maxUnavailable=1)])
    c.run_until_stable()
    name = pods(c)[0].metadata.name
    with pytest.raises(kstate.InternalError) as e:
        c.evict(name)
    assert (e.value.code, e.value.message) == (500, "This pod has more than one PodDisruptionBudget, which the "
                                                    "eviction subresource does not support.")
    c.delete("pdb", "web2")
    c.run_until_stable()
    before = c.snapshot()
    c.evict(name, dry_run=True)
    assert c.snapshot() == before
    with pytest.raises(kstate.NotFound):
        c.evict("nope")


# TestEvictionIgnorePDB: an unready pod, per unhealthyPodEvictionPolicy.
@pytest.mark.parametrize("policy,healthy,desired,evicted,spent", [
    (None, 2, 2, True, False),              # IfHealthyBudget (default), budget healthy: goes free
    ("IfHealthyBudget", 1, 2, False, False),  # budget not healthy: must spend a disruption (there is none)
    ("AlwaysAllow", 1, 2, True, False),     # always goes free
    ("IfHealthyBudget", 0, 0, False, False),  # desiredHealthy 0 does not count as healthy
])
def test_eviction_of_unready_pods(policy, healthy, desired, evicted, spent):
    c = kstate.Cluster(nodes=1, controllers=without_disruption_controller())
    c.apply([deployment(replicas=1), budget(minAvailable=2, policy=policy)])
    c.run_until_stable()
    p = pods(c)[0]
    conds = tuple(evolve(x, status="False") if x.type == "Ready" else x for x in p.status.conditions)
    c.engine.apply_action(UpdateStatus(evolve(p, status=evolve(p.status, conditions=conds))))
    set_status(c, "web", disruptions_allowed=0, current_healthy=healthy, desired_healthy=desired)
    if evicted:
        c.evict(p.metadata.name)
        assert c.get("pdb", "web").status.disrupted_pods == {}
    else:
        with pytest.raises(kstate.TooManyRequests):
            c.evict(p.metadata.name)


# ---------------------------------------------------------------- drain


def test_drain_blocked_by_a_budget_retries_every_5s_until_the_replacement_is_ready():
    c = kstate.Cluster(nodes=2)
    c.apply([deployment(), budget(minAvailable=2)])
    c.run_until_stable()
    on0 = [p.metadata.name for p in c.list("Pod") if p.spec.node_name == "node-0"]
    assert len(on0) == 2
    start = c.elapsed_ms
    r = c.drain("node-0")
    assert r.ok and sorted(r.evicted) == sorted(f"default/{n}" for n in on0)
    assert c.elapsed_ms - start == 5000          # one retry after kubectl's 5 s
    c.run_until_stable()
    assert all(p.spec.node_name == "node-1" for p in c.list("Pod"))


def test_drain_gives_up_at_its_timeout_and_reports_the_pod():
    c = kstate.Cluster(nodes=1)
    c.apply([deployment(replicas=2), budget(minAvailable=2)])
    c.run_until_stable()
    r = c.drain("node-0", timeout="12s")
    assert not r.ok and r.timed_out and r.evicted == ()
    assert len(r.failed) == 2
    name, msg = r.failed[0]
    assert msg == f'error when evicting pods/"{name.split("/")[1]}" -n "default": {MSG}'
    assert c.elapsed_ms <= 13_000 + 1000
    assert c.get("Node", "node-0").spec.unschedulable


def test_drain_without_timeout_stops_when_nothing_can_change():
    c = kstate.Cluster(nodes=1)
    c.apply([deployment(replicas=1), budget(minAvailable=1)])
    c.run_until_stable()
    r = c.drain("node-0")
    assert not r.ok and not r.timed_out and len(r.failed) == 1


def test_drain_disable_eviction_deletes_past_the_budget():
    c = kstate.Cluster(nodes=1)
    c.apply([deployment(replicas=2), budget(minAvailable=2)])
    c.run_until_stable()
    r = c.drain("node-0", disable_eviction=True)
    assert r.ok and len(r.evicted) == 2
    assert all(p.metadata.deletion_timestamp is not None or p.spec.node_name == "" for p in c.list("Pod"))
    assert not any(x.type == "DisruptionTarget" for p in c.list("Pod") for x in p.status.conditions)


def test_drain_filters_aggregate_their_errors():
    c = kstate.Cluster(nodes=1)
    c.apply([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "solo"},
              "spec": {"containers": [{"name": "app", "image": "nginx"}]}},
             {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "scratch"},
              "spec": {"volumes": [{"name": "tmp", "emptyDir": {}}],
                       "containers": [{"name": "app", "image": "nginx"}]}}])
    c.run_until_stable()
    with pytest.raises(kstate.InvalidOperation) as e:
        c.drain("node-0")
    # scratch stops at the local-storage filter, solo at the unreplicated one
    assert e.value.message == ("[cannot delete Pods with local storage (use --delete-emptydir-data to override): "
                               "default/scratch, cannot delete Pods that declare no controller (use --force to "
                               "override): default/solo]")
    r = c.drain("node-0", force=True, delete_emptydir_data=True)
    # the unreplicated filter runs last, so its warning is the one kept for scratch too
    assert r.warnings == ("deleting Pods that declare no controller: default/scratch, default/solo",)
    assert sorted(r.evicted) == ["default/scratch", "default/solo"]


def test_drain_skips_mirror_pods_and_evicts_finished_daemon_pods():
    c = kstate.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "static", "annotations": {"kubernetes.io/config.mirror": "x"}},
             "spec": {"nodeName": "node-0", "containers": [{"name": "app", "image": "nginx"}]}})
    c.run_until_stable()
    r = c.drain("node-0")
    assert r.ok and r.evicted == () and c.get("Pod", "static").metadata.deletion_timestamp is None


def test_pdb_kind_columns_manifest_and_spec_updates():
    c = kstate.Cluster(nodes=1)
    c.apply([deployment(replicas=2), budget(maxUnavailable="50%")])
    c.run_until_stable()
    from kstate.io.tables import kind_table
    rows = kind_table(c, "PodDisruptionBudget")
    assert [r.split() for r in rows] == [["NAME", "MIN", "AVAILABLE", "MAX", "UNAVAILABLE", "ALLOWED", "DISRUPTIONS",
                                          "AGE"], ["web", "N/A", "50%", "1", "1s"]]
    out = kstate.to_manifest(c.get("pdb", "web"))
    assert out["spec"] == {"selector": {"matchLabels": {"app": "web"}}, "maxUnavailable": "50%"}
    assert (out["status"]["expectedPods"], out["status"]["desiredHealthy"], out["status"]["observedGeneration"]) == \
        (2, 1, 1)
    assert kstate.parse_manifests(out)[0].spec == c.get("pdb", "web").spec
    # policy/v1: the spec may change; the new generation is observed
    c.apply(budget(minAvailable=2))
    c.run_until_stable()
    b = c.get("pdb", "web")
    assert (b.metadata.generation, b.status.observed_generation, b.status.disruptions_allowed) == (2, 2, 0)
